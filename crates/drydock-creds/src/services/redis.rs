//! Redis: is the `default` user reachable without a password from another host?
//!
//! Semantics assumed (Redis 6 and later): later directives override earlier ones; `requirepass`
//! sets the `default` user's password and `user default ...` rules edit the same user in file
//! order; the `default` user starts enabled with `nopass`. With `aclfile`, users live in another
//! file, so authentication is assumed configured. Network exposure: an explicit `bind` with a
//! non-loopback address exposes the port (protected mode only guards the case of no `bind` and
//! no password); without `bind`, Redis listens everywhere and only `protected-mode no` exposes
//! it. `port 0` (Unix socket only) is not exposed. `include` is not followed.

use crate::crack::Wordlist;
use crate::rules;
use crate::sink::{Files, Sink};
use crate::text::{is_loopback, numbered, strip_comment, tokens, truthy};

use drydock_finding::{Kind, Rule, Severity};

pub static REDIS_NO_AUTH: Rule = Rule {
    id: "DD-CRED-020",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Redis accepts unauthenticated connections from the network",
    why: "An open Redis can be read, wiped, and turned into code execution (CONFIG SET dir plus SAVE, \
          or MODULE LOAD); unauthenticated instances are mass-exploited within hours of exposure.",
    fix: "Set `requirepass` or ACL users (with the `default` user off or password-protected), keep \
          `protected-mode yes`, and bind to loopback or a private interface only.",
    references: &["https://redis.io/docs/latest/operate/oss_and_stack/management/security/"],
};

pub(crate) fn wants(p: &str) -> bool {
    let name = super::file_name(p);
    name == "redis.conf"
        || (p.starts_with("etc/redis/") && name.ends_with(".conf") && !name.contains("sentinel"))
}

/// The ACL state of the `default` user that matters here.
struct DefaultUser {
    enabled: bool,
    nopass: bool,
    passwords: Vec<(String, u32)>,
}

pub(crate) fn audit(files: &Files<'_>, sink: &mut Sink, wl: &Wordlist) {
    for (norm, path, bytes) in files.iter() {
        if wants(norm) {
            check(path, &String::from_utf8_lossy(bytes), sink, wl);
        }
    }
}

fn check(path: &str, text: &str, sink: &mut Sink, wl: &Wordlist) {
    let mut user = DefaultUser {
        enabled: true,
        nopass: true,
        passwords: Vec::new(),
    };
    let mut protected: Option<(bool, u32)> = None;
    let mut bind: Option<(Vec<String>, u32)> = None;
    let mut port_zero = false;
    let mut aclfile = false;
    for (no, raw) in numbered(text) {
        let args = tokens(strip_comment(raw, &['#']));
        let Some((key, args)) = args.split_first() else {
            continue;
        };
        match key.to_ascii_lowercase().as_str() {
            "requirepass" => {
                user.passwords.clear();
                match args.first().filter(|p| !p.is_empty()) {
                    Some(p) => {
                        user.nopass = false;
                        user.passwords.push((p.clone(), no));
                    }
                    None => user.nopass = true,
                }
            }
            "user" if args.first().is_some_and(|u| u == "default") => {
                for rule in &args[1..] {
                    apply_acl_rule(&mut user, rule, no);
                }
            }
            "protected-mode" => protected = args.first().and_then(|v| truthy(v)).map(|v| (v, no)),
            "bind" => bind = Some((args.to_vec(), no)),
            "port" => port_zero = args.first().is_some_and(|p| p == "0"),
            "aclfile" => aclfile = true,
            _ => {}
        }
    }

    for (pw, line) in &user.passwords {
        if let Some(source) = wl.source_of(pw, Some("default")) {
            sink.push_secret(
                &rules::DEFAULT_SERVICE_PASSWORD,
                path,
                Some(*line),
                format!("Redis password for the `default` user is {source}"),
                pw,
            );
        }
    }

    let open = user.enabled && user.nopass && !aclfile;
    if !open || port_zero {
        return;
    }
    let exposed = match (&bind, protected) {
        (Some((addrs, line)), _) => addrs
            .iter()
            .find(|a| !is_loopback(a))
            .map(|a| (*line, format!("`bind` includes non-loopback address {a}"))),
        (None, Some((false, line))) => Some((
            line,
            "`protected-mode no` and no `bind`, so it listens on every interface".to_owned(),
        )),
        (None, _) => None,
    };
    if let Some((line, why)) = exposed {
        sink.push(
            &REDIS_NO_AUTH,
            path,
            Some(line),
            format!("no `requirepass` or password for the ACL `default` user, and {why}"),
        );
    }
}

fn apply_acl_rule(user: &mut DefaultUser, rule: &str, line: u32) {
    match rule.to_ascii_lowercase().as_str() {
        "on" => user.enabled = true,
        "off" => user.enabled = false,
        "nopass" => {
            user.nopass = true;
            user.passwords.clear();
        }
        "resetpass" => {
            user.nopass = false;
            user.passwords.clear();
        }
        "reset" => {
            user.enabled = false;
            user.nopass = false;
            user.passwords.clear();
        }
        _ => {
            if let Some(p) = rule.strip_prefix('>') {
                user.nopass = false;
                user.passwords.push((p.to_owned(), line));
            } else if rule.starts_with('#') {
                // A SHA-256 of the password: set, and not checked here.
                user.nopass = false;
            } else if let Some(p) = rule.strip_prefix('<') {
                user.passwords.retain(|(q, _)| q != p);
            }
        }
    }
}
