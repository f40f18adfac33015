//! Account databases: `tests/fixtures/weak/etc` holds one account per check, with hashes made by
//! mkpasswd, openssl passwd and htpasswd (see the fixture README); `clean` and `debian-min` hold
//! none that should fire.

mod common;

use common::{at, budget, load, none, one};
use drydock_creds::{Finding, audit};
use std::sync::OnceLock;

fn weak() -> &'static [Finding] {
    static F: OnceLock<Vec<Finding>> = OnceLock::new();
    F.get_or_init(|| audit(&account_files("weak"), &budget()))
}

fn account_files(fixture: &str) -> Vec<(String, Vec<u8>)> {
    const NAMES: [&str; 4] = ["/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow"];
    load(fixture)
        .into_iter()
        .filter(|(p, _)| NAMES.contains(&p.as_str()))
        .collect()
}

const PASSWD: &str = "/etc/passwd";
const SHADOW: &str = "/etc/shadow";

#[test]
fn empty_password_field_is_reported_and_locks_are_not() {
    let f = weak();
    assert_eq!(one(f, "DD-CRED-001", SHADOW, "`erin`").line, Some(11));
    one(f, "DD-CRED-001", PASSWD, "`nopw`");
    // `ghost` has an empty shadow password but no passwd entry: not a login account.
    none(f, "DD-CRED-001", SHADOW, "ghost");
    // `!`, `*`, `!!` and a `!`-locked hash are locks, not empty passwords.
    for locked in ["toor", "daemon", "svc", "frank", "nobody"] {
        none(f, "DD-CRED-001", SHADOW, &format!("`{locked}`"));
        none(f, "DD-CRED-005", SHADOW, &format!("`{locked}`"));
    }
}

#[test]
fn duplicate_uid_zero() {
    let f = weak();
    assert_eq!(one(f, "DD-CRED-002", PASSWD, "`toor`").line, Some(2));
    assert_eq!(at(f, "DD-CRED-002", PASSWD).len(), 1, "root itself is fine");
}

#[test]
fn login_shells_on_system_accounts() {
    let f = weak();
    one(
        f,
        "DD-CRED-003",
        PASSWD,
        "`daemon` (UID 1) has login shell /bin/bash",
    );
    one(
        f,
        "DD-CRED-003",
        PASSWD,
        "`svc` (UID 120) has login shell (empty: /bin/sh)",
    );
    for fine in ["`bin`", "`sync`", "`nobody`", "`alice`", "`root`"] {
        none(f, "DD-CRED-003", PASSWD, fine);
    }
}

#[test]
fn obsolete_schemes() {
    let f = weak();
    one(
        f,
        "DD-CRED-004",
        SHADOW,
        "`carol`: password stored as MD5-crypt",
    );
    one(
        f,
        "DD-CRED-004",
        SHADOW,
        "`dave`: password stored as DES crypt",
    );
    one(
        f,
        "DD-CRED-004",
        PASSWD,
        "`legacy`: password stored as DES crypt",
    );
    one(
        f,
        "DD-CRED-004",
        "/etc/group",
        "`wheel`: password stored as MD5-crypt",
    );
    for modern in ["`root`", "`alice`", "`bob`", "`grace`", "`heidi`", "`ivan`"] {
        none(f, "DD-CRED-004", SHADOW, modern);
    }
}

#[test]
fn weak_passwords_are_cracked_for_every_scheme() {
    let f = weak();
    let cases = [
        (SHADOW, "`root`", "SHA-512-crypt (rounds=1000)", "password"),
        (SHADOW, "`alice`", "yescrypt (N=1024 r=8", "alice"),
        (SHADOW, "`bob`", "bcrypt (cost 4)", "123456"),
        (SHADOW, "`dave`", "DES crypt", "password"),
        (SHADOW, "`heidi`", "gost-yescrypt", "qwerty"),
        (SHADOW, "`judy`", "SHA-256-crypt (rounds=1000)", "Judy1"),
        (PASSWD, "`legacy`", "DES crypt", "letmein"),
        ("/etc/group", "group `wheel`", "MD5-crypt", "wheel"),
    ];
    for (path, who, scheme, password) in cases {
        let hit = one(f, "DD-CRED-005", path, who);
        assert!(hit.detail.contains(scheme), "{hit:?} should name {scheme}");
        assert!(hit.detail.contains("cracked: weak password"), "{hit:?}");
        assert_eq!(hit.secret.as_deref(), Some(password), "{who}");
    }
    assert!(
        one(f, "DD-CRED-005", SHADOW, "`alice`")
            .detail
            .contains("user name")
    );
    // The password travels in `secret` only.
    for (who, password) in [
        ("`bob`", "123456"),
        ("`heidi`", "qwerty"),
        ("`judy`", "Judy1"),
    ] {
        let hit = one(f, "DD-CRED-005", SHADOW, who);
        assert!(
            !hit.detail.contains(password),
            "detail leaks the password: {}",
            hit.detail
        );
        assert!(
            !format!("{hit:?}").contains(password),
            "Debug leaks the password"
        );
    }
}

#[test]
fn strong_passwords_are_not_cracked() {
    let f = weak();
    for strong in ["`carol`", "`grace`", "`ivan`"] {
        none(f, "DD-CRED-005", SHADOW, strong);
        none(f, "DD-CRED-008", SHADOW, strong);
    }
    none(f, "DD-CRED-005", "/etc/gshadow", "`adm`");
}

#[test]
fn unsupported_scheme_is_reported_not_faked() {
    let f = weak();
    let hit = one(f, "DD-CRED-008", SHADOW, "`mallory`");
    assert!(hit.detail.contains("scheme unsupported: scrypt"), "{hit:?}");
}

#[test]
fn hashes_in_world_readable_files() {
    let f = weak();
    one(f, "DD-CRED-007", PASSWD, "`legacy`");
    one(f, "DD-CRED-007", "/etc/group", "`wheel`");
    assert_eq!(at(f, "DD-CRED-007", PASSWD).len(), 1);
}

#[test]
fn junk_lines_are_reported_and_skipped() {
    let f = weak();
    let passwd_lines: Vec<Option<u32>> = at(f, "DD-CRED-009", PASSWD)
        .iter()
        .map(|x| x.line)
        .collect();
    assert_eq!(passwd_lines, [Some(20), Some(21)]);
    one(f, "DD-CRED-009", SHADOW, "line 19");
    one(f, "DD-CRED-009", "/etc/group", "line 6");
    // The entries after the junk are still read.
    one(f, "DD-CRED-003", PASSWD, "`daemon`");
}

#[test]
fn clean_and_debian_accounts_yield_nothing() {
    for name in ["clean", "debian-min"] {
        let files = account_files(name);
        assert_eq!(files.len(), 4, "{name}");
        let f = audit(&files, &budget());
        assert!(f.is_empty(), "{name}: {f:#?}");
    }
}

#[test]
fn shadow_without_passwd_is_still_audited() {
    let files = vec![("etc/shadow".to_owned(), b"root::1:0:99999:7:::\n".to_vec())];
    let f = audit(&files, &budget());
    one(&f, "DD-CRED-001", "etc/shadow", "`root`");
}

#[test]
fn shadow_is_ignored_when_passwd_does_not_point_to_it() {
    // pam_unix reads shadow only when the passwd field is `x`.
    let files = vec![
        (
            "/etc/passwd".to_owned(),
            b"root:*:0:0:root:/root:/bin/sh\n".to_vec(),
        ),
        ("/etc/shadow".to_owned(), b"root::1:0:99999:7:::\n".to_vec()),
    ];
    assert!(audit(&files, &budget()).is_empty());
}
