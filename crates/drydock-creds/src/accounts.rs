//! `/etc/passwd`, `/etc/shadow`, `/etc/group`, `/etc/gshadow`.
//!
//! The files are read the way glibc's `files` NSS module and pam_unix read them: `#` lines and
//! NIS `+`/`-` lines are skipped, the shadow entry counts only when the passwd field is `x`, a
//! leading `!` or `*` locks a password, and an empty field means no password at all. Locked
//! hashes are not cracked: they cannot be used to log in, and unlocking them is a change made
//! at run time, not something the image ships.

use crate::sink::{Files, Sink};
use crate::text::numbered;
use std::collections::{HashMap, HashSet};

use drydock_finding::{Kind, Rule, Severity};

pub static EMPTY_PASSWORD: Rule = Rule {
    id: "DD-CRED-001",
    kind: Kind::Credential,
    severity: Severity::Critical,
    title: "Account has an empty password",
    why: "An empty password field means no password at all: anyone can log in or `su` to the \
          account without knowing anything (PAM's `nullok` is on by default on Debian and Alpine).",
    fix: "Lock the account (`passwd -l NAME`, or `*` in the shadow field) or set a strong password \
          when the container starts, never in the image.",
    references: &[
        "https://nvd.nist.gov/vuln/detail/CVE-2019-5021",
        "CIS Distribution Independent Linux 6.2.1",
    ],
};

pub static DUPLICATE_ROOT: Rule = Rule {
    id: "DD-CRED-002",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "More than one account has UID 0",
    why: "Every UID 0 account is root under another name: it bypasses every per-user control and is \
          a classic backdoor, easy to miss because it does not look like root.",
    fix: "Remove the extra account or give it a non-zero UID; only `root` should have UID 0.",
    references: &["CIS Distribution Independent Linux 6.2.6"],
};

pub static SYSTEM_LOGIN_SHELL: Rule = Rule {
    id: "DD-CRED-003",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "System account has a login shell",
    why: "Service accounts (UID below 1000) never need an interactive login; a real shell turns any \
          credential or `su` path to them into a shell on the box.",
    fix: "Set the shell to /usr/sbin/nologin (`usermod -s /usr/sbin/nologin NAME`).",
    references: &["CIS Distribution Independent Linux 5.4.2"],
};

pub static HASH_IN_WORLD_READABLE_FILE: Rule = Rule {
    id: "DD-CRED-007",
    kind: Kind::Credential,
    severity: Severity::Medium,
    title: "Password hash stored in a world-readable file",
    why: "/etc/passwd and /etc/group are readable by every user and process; a hash there can be \
          copied and cracked offline, which is why shadow files exist.",
    fix: "Move the hash to /etc/shadow or /etc/gshadow (`pwconv`, `grpconv`) and leave `x` in its place.",
    references: &["CIS Distribution Independent Linux 6.2.2"],
};

pub(crate) const PATHS: [&str; 4] = ["etc/passwd", "etc/shadow", "etc/group", "etc/gshadow"];

struct Passwd<'a> {
    name: &'a str,
    pw: &'a str,
    uid: u32,
    shell: &'a str,
    line: u32,
}

/// Shells that end the session at once instead of giving a prompt.
const NO_LOGIN_SHELLS: [&str; 6] = ["nologin", "false", "true", "sync", "shutdown", "halt"];

/// Highest system UID on Debian, Ubuntu, Alpine and Fedora (`SYS_UID_MAX` in login.defs).
const SYS_UID_MAX: u32 = 999;
/// `nobody` sits at the top of the range but is a system account everywhere.
const NOBODY_UID: u32 = 65534;

fn is_locked(pw: &str) -> bool {
    pw.starts_with('!') || pw.starts_with('*')
}

/// Splits a colon-separated database line, or says why it is not an entry. `None` for lines
/// NSS skips silently (empty, comment, NIS compat).
fn fields(raw: &str) -> Option<Vec<&str>> {
    if raw.trim().is_empty() || raw.starts_with('#') || raw.starts_with('+') || raw.starts_with('-')
    {
        return None;
    }
    Some(raw.split(':').collect())
}

pub(crate) fn audit(files: &Files<'_>, sink: &mut Sink) {
    let passwd = files
        .get("etc/passwd")
        .map(|(path, bytes)| (path, String::from_utf8_lossy(bytes)));
    let shadow = files
        .get("etc/shadow")
        .map(|(path, bytes)| (path, String::from_utf8_lossy(bytes)));

    let mut users: HashMap<&str, &str> = HashMap::new(); // name -> passwd field
    if let Some((path, text)) = &passwd {
        let entries = parse_passwd(path, text, sink);
        check_passwd(path, &entries, sink);
        for e in &entries {
            users.entry(e.name).or_insert(e.pw);
        }
    }
    if let Some((path, text)) = &shadow {
        check_shadow(path, text, passwd.is_some().then_some(&users), sink);
    }
    let group = files
        .get("etc/group")
        .map(|(path, bytes)| (path, String::from_utf8_lossy(bytes)));
    if let Some((path, text)) = &group {
        check_group(path, text, false, sink);
    }
    if let Some((path, bytes)) = files.get("etc/gshadow") {
        check_group(path, &String::from_utf8_lossy(bytes), true, sink);
    }
}

fn parse_passwd<'a>(path: &str, text: &'a str, sink: &mut Sink) -> Vec<Passwd<'a>> {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for (no, raw) in numbered(text) {
        let Some(f) = fields(raw) else { continue };
        let [name, pw, uid, gid, _gecos, _home, shell] = f[..] else {
            bad.push((no, "passwd entries have 7 colon-separated fields"));
            continue;
        };
        let (Ok(uid), Ok(_)) = (uid.parse::<u32>(), gid.parse::<u32>()) else {
            bad.push((no, "UID or GID is not a number"));
            continue;
        };
        if name.is_empty() {
            bad.push((no, "empty user name"));
            continue;
        }
        out.push(Passwd {
            name,
            pw,
            uid,
            shell,
            line: no,
        });
    }
    sink.malformed(path, &bad);
    out
}

fn check_passwd(path: &str, entries: &[Passwd<'_>], sink: &mut Sink) {
    let mut seen_root = false;
    for e in entries {
        let line = Some(e.line);
        if e.uid == 0 {
            if e.name == "root" && !seen_root {
                seen_root = true;
            } else {
                sink.push(
                    &DUPLICATE_ROOT,
                    path,
                    line,
                    format!("account `{}` has UID 0 besides `root`", e.name),
                );
            }
        } else if (e.uid <= SYS_UID_MAX || e.uid == NOBODY_UID) && has_login_shell(e.shell) {
            let shell = if e.shell.is_empty() {
                "(empty: /bin/sh)"
            } else {
                e.shell
            };
            sink.push(
                &SYSTEM_LOGIN_SHELL,
                path,
                line,
                format!(
                    "system account `{}` (UID {}) has login shell {shell}",
                    e.name, e.uid
                ),
            );
        }
        match e.pw {
            "" => sink.push(
                &EMPTY_PASSWORD,
                path,
                line,
                format!("account `{}` has an empty password field in /etc/passwd (shadow is not consulted)", e.name),
            ),
            "x" => {}
            pw if is_locked(pw) => {}
            pw => {
                sink.push(
                    &HASH_IN_WORLD_READABLE_FILE,
                    path,
                    line,
                    format!("account `{}` has its password hash in /etc/passwd", e.name),
                );
                sink.hash(path, line, format!("account `{}`", e.name), Some(e.name), pw);
            }
        }
    }
}

fn has_login_shell(shell: &str) -> bool {
    let base = shell.rsplit('/').next().unwrap_or(shell);
    !NO_LOGIN_SHELLS.contains(&base)
}

/// `users` is the passwd view (name -> passwd field) when /etc/passwd was given: shadow entries
/// without a passwd entry, or whose passwd field is not `x`, are not used for login.
fn check_shadow(path: &str, text: &str, users: Option<&HashMap<&str, &str>>, sink: &mut Sink) {
    let mut bad = Vec::new();
    let mut seen = HashSet::new();
    for (no, raw) in numbered(text) {
        let Some(f) = fields(raw) else { continue };
        if f.len() < 2 {
            bad.push((no, "shadow entries have 9 colon-separated fields"));
            continue;
        }
        if f.len() != 9 {
            // Still read: glibc tolerates short shadow lines, and the password is field 2.
            bad.push((
                no,
                "shadow entries have 9 colon-separated fields (read anyway)",
            ));
        }
        let (name, pw) = (f[0], f[1]);
        if name.is_empty() || !seen.insert(name) {
            continue;
        }
        if let Some(users) = users
            && users.get(name) != Some(&"x")
        {
            continue;
        }
        let line = Some(no);
        if pw.is_empty() {
            sink.push(
                &EMPTY_PASSWORD,
                path,
                line,
                format!("account `{name}` has an empty password: it can log in with no password"),
            );
        } else if !is_locked(pw) {
            sink.hash(path, line, format!("account `{name}`"), Some(name), pw);
        }
    }
    sink.malformed(path, &bad);
}

/// A group password lets anyone who knows it join the group with `newgrp`. An empty field is
/// harmless here (it means "members only"), unlike for users.
fn check_group(path: &str, text: &str, is_gshadow: bool, sink: &mut Sink) {
    let mut bad = Vec::new();
    for (no, raw) in numbered(text) {
        let Some(f) = fields(raw) else { continue };
        let [name, pw, third, _members] = f[..] else {
            bad.push((no, "group entries have 4 colon-separated fields"));
            continue;
        };
        if !is_gshadow && third.parse::<u32>().is_err() {
            bad.push((no, "GID is not a number"));
            continue;
        }
        if pw.is_empty() || pw == "x" || is_locked(pw) {
            continue;
        }
        let line = Some(no);
        if !is_gshadow {
            sink.push(
                &HASH_IN_WORLD_READABLE_FILE,
                path,
                line,
                format!("group `{name}` has its password hash in /etc/group"),
            );
        }
        sink.hash(path, line, format!("group `{name}`"), Some(name), pw);
    }
    sink.malformed(path, &bad);
}
