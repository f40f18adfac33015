//! The cracking engine on hashes made by real tools (mkpasswd from Debian's whois 5.5.17,
//! openssl passwd 3.0, htpasswd 2.4): weak ones fall, strong ones do not, and the budget holds.

mod common;

use drydock_creds::crack::{CrackBudget, NotChecked, Outcome, Source, Verifier, Wordlist, crack};
use drydock_creds::{audit, audit_with_wordlist};
use std::time::Duration;

fn budget() -> CrackBudget {
    common::budget()
}

fn cracked(hash: &str, user: Option<&str>, wl: &Wordlist) -> Option<String> {
    let v = Verifier::parse(hash).unwrap_or_else(|e| panic!("{hash}: {e}"));
    match crack(&v, user, wl, &budget()).outcome {
        Outcome::Cracked { password, .. } => Some(password),
        _ => None,
    }
}

#[test]
fn finds_password_123456_and_the_account_name() {
    let wl = Wordlist::builtin();
    // `mkpasswd -m yescrypt -R 1 password` / `... 123456`: Debian's default scheme at low cost.
    assert_eq!(
        cracked(
            "$y$j75$XmepTsGOX2S3XCH486d2D0$0vyNeTMZYvP3MLEx4f0bQ3di8CNynL3O1X3BcXi6hJB",
            None,
            &wl
        )
        .as_deref(),
        Some("password")
    );
    assert_eq!(
        cracked(
            "$y$j75$uLmLiUCPIcVZSsmZS8L2M/$xBiFEmctr762EGsNH1oR3CX4owpYCagA0HPGdqXJEz6",
            None,
            &wl
        )
        .as_deref(),
        Some("123456")
    );
    // `openssl passwd -6 password`, default 5000 rounds.
    let sha512 = "$6$75XEiDRUnQq.dr7u$pjlFhYZMVKSbEuMes.7lZxcmC9STMozwZhfIoVQa1dZcNETMPhLSXVXv0sewq/J4Ld67/KGScc1Wgdz7b7yeR0";
    assert_eq!(
        cracked(sha512, Some("svc"), &wl).as_deref(),
        Some("password")
    );
    // `mkpasswd -m bcrypt-a -R 5 123456`.
    assert_eq!(
        cracked(
            "$2a$05$zQ.QGsZGpVQflUdQTpyQEuvfzuTOk9qCm5Jh1AiB2j29I7OfdfBXi",
            None,
            &wl
        )
        .as_deref(),
        Some("123456")
    );
    // The account name, and a variant of it, for a user not in any list.
    let v = Verifier::parse("$1$UA30nUfX$yI0Ute5X33bnTd/.IC4hT0").expect("md5"); // password
    let r = crack(&v, Some("password"), &wl, &budget());
    assert_eq!(
        r.outcome,
        Outcome::Cracked {
            password: "password".into(),
            source: Source::UserName
        }
    );
}

#[test]
fn strong_random_passwords_are_not_cracked() {
    let wl = Wordlist::builtin();
    let strong = [
        // `mkpasswd -m sha512crypt "$(openssl rand -base64 18)"`
        "$6$clQn099zQzFlGPE4$FJKnpjipyWbVaVokRQouV/X8YaDlzWlZOuN6DFUzu8fAf9rOIGPecqKWBLt5JtAqOWGMit6ooVIv1hpgV/dfq.",
        // `mkpasswd -m yescrypt -R 1 "$(openssl rand -base64 18)"` (the weak fixture's ivan)
        "$y$j75$OSKQCxQhHqmxb7/Xp3dem1$xolkcNEXobyBVfJnGat2irzCmdhyvuMrFf6FqH/yIvC",
    ];
    for h in strong {
        let v = Verifier::parse(h).expect("parse");
        let r = crack(&v, Some("root"), &wl, &budget());
        assert!(
            matches!(r.outcome, Outcome::NotFound { .. }),
            "{h}: {:?}",
            r.outcome
        );
        assert!(r.tried > 0);
    }
}

#[test]
fn yescrypt_cracks_when_the_password_is_in_the_extra_list() {
    // `mkpasswd -m yescrypt -R 1 correct-horse-drydock`: in no built-in list.
    let files = vec![
        (
            "/etc/passwd".to_owned(),
            b"deploy:x:1000:1000::/home/deploy:/bin/sh\n".to_vec(),
        ),
        (
            "/etc/shadow".to_owned(),
            format!("deploy:{YESCRYPT_HORSE}:19000:0:99999:7:::\n").into_bytes(),
        ),
    ];
    assert!(
        audit(&files, &budget()).is_empty(),
        "not in the built-in lists"
    );
    let f = audit_with_wordlist(
        &files,
        &budget(),
        &["hunter2".to_owned(), "correct-horse-drydock".to_owned()],
    );
    let hit = common::one(&f, "DD-CRED-005", "/etc/shadow", "`deploy`");
    assert!(
        hit.detail.contains("yescrypt") && hit.detail.contains("extra wordlist"),
        "{hit:?}"
    );
    assert_eq!(hit.secret.as_deref(), Some("correct-horse-drydock"));
}

const YESCRYPT_HORSE: &str =
    "$y$j75$khcQxGr89Zc0YaCpeJ.ni.$oWB/kKdicV.c9D.dnUjj3i0enjTYu82smWYd9eXuBX8";

#[test]
fn a_strong_hash_costs_no_more_than_its_budget() {
    // `mkpasswd -m yescrypt "$(openssl rand -base64 18)"`: Debian's default cost (16 MiB, tens
    // of milliseconds a guess), far more guesses than fit in the budget.
    let v = Verifier::parse(
        "$y$j9T$KhfgHHroMS0reW99e2h8D1$DThr2Dt/E7wDESoIgfiVRC3Jwjr0WLckKqN8MHfEXU1",
    )
    .expect("parse");
    let budget = CrackBudget {
        per_hash: Duration::from_millis(500),
        max_words: 10_000,
    };
    // A pool of its own, so the other tests' guesses do not queue in front of this one's.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("pool");
    let r = pool.install(|| crack(&v, Some("root"), &Wordlist::builtin(), &budget));
    assert_eq!(r.outcome, Outcome::NotFound { exhausted: false });
    assert!(r.tried >= 1 && r.tried < r.candidates, "{r:?}");
    // Workers do not start a guess they cannot finish (one costs 50-150 ms here): what is left
    // is a guess running slower than the one before it on a machine shared with other builds.
    assert!(
        r.elapsed < Duration::from_millis(500 + 200),
        "{:?}",
        r.elapsed
    );
}

#[test]
fn absurd_parameters_are_refused_before_any_guess() {
    let wl = Wordlist::builtin();
    let b = CrackBudget {
        per_hash: Duration::from_millis(300),
        max_words: 10,
    };
    // bcrypt cost 31 (hours a guess) and SHA-512-crypt at a billion rounds.
    for h in [
        "$2b$31$zQ.QGsZGpVQflUdQTpyQEuvfzuTOk9qCm5Jh1AiB2j29I7OfdfBXi",
        "$6$rounds=999999999$75XEiDRUnQq.dr7u$pjlFhYZMVKSbEuMes.7lZxcmC9STMozwZhfIoVQa1dZcNETMPhLSXVXv0sewq/J4Ld67/KGScc1Wgdz7b7yeR0",
    ] {
        let r = crack(&Verifier::parse(h).expect("parse"), None, &wl, &b);
        assert!(
            matches!(
                r.outcome,
                Outcome::NotChecked(NotChecked::OverBudget { .. })
            ),
            "{h}: {:?}",
            r.outcome
        );
        assert_eq!(r.tried, 0);
        assert!(r.elapsed < Duration::from_millis(300));
    }
    // yescrypt asking for N=2^30, r=8: a terabyte per guess.
    let v = Verifier::parse(
        "$y$jR5$XmepTsGOX2S3XCH486d2D0$0vyNeTMZYvP3MLEx4f0bQ3di8CNynL3O1X3BcXi6hJB",
    )
    .expect("parse");
    let r = crack(&v, None, &wl, &b);
    assert!(
        matches!(
            r.outcome,
            Outcome::NotChecked(NotChecked::OverMemory { .. })
        ),
        "{:?}",
        r.outcome
    );
    // Reported as a finding, not silently skipped.
    let files = vec![(
        "/etc/shadow".to_owned(),
        b"root:$2b$31$zQ.QGsZGpVQflUdQTpyQEuvfzuTOk9qCm5Jh1AiB2j29I7OfdfBXi:1::::::\n".to_vec(),
    )];
    let f = audit(&files, &b);
    assert!(
        common::one(&f, "DD-CRED-008", "/etc/shadow", "`root`")
            .detail
            .contains("over the per-hash budget")
    );
}

#[test]
fn memory_hard_schemes_get_only_the_top_of_the_list() {
    let wl = Wordlist::builtin();
    let b = CrackBudget {
        per_hash: Duration::from_secs(30),
        max_words: 5,
    };
    // Empty + 12 user-name variants + 5 words.
    let v = Verifier::parse(YESCRYPT_HORSE).expect("parse");
    let r = crack(&v, Some("someone"), &wl, &b);
    assert_eq!(r.candidates, 1 + 12 + 5, "{r:?}");
    assert_eq!(r.outcome, Outcome::NotFound { exhausted: true });
    // Cheap schemes get everything.
    let v = Verifier::parse("$1$WlvDi/Ea$xHdRB8UGtQyvlR2ObirvD0").expect("parse");
    assert!(crack(&v, None, &wl, &b).candidates > 3000);
}

#[test]
fn des_truncation_reports_the_listed_word() {
    // DES crypt uses 8 characters: `password1` also matches `mkpasswd -m descrypt password`.
    let wl = Wordlist::builtin();
    assert_eq!(
        cracked("1DD2oUwBzywy6", None, &wl).as_deref(),
        Some("password")
    );
}

#[test]
fn unbounded_budget_is_not_a_panic() {
    let b = CrackBudget {
        per_hash: Duration::MAX,
        max_words: usize::MAX,
    };
    let v = Verifier::parse("$1$WlvDi/Ea$xHdRB8UGtQyvlR2ObirvD0").expect("parse");
    assert!(matches!(
        crack(&v, None, &Wordlist::builtin(), &b).outcome,
        Outcome::Cracked { .. }
    ));
}
