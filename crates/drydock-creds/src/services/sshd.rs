//! OpenSSH server: `PermitEmptyPasswords`, `PermitRootLogin`, `PasswordAuthentication`.
//!
//! Semantics assumed (OpenSSH 7.0 and later, sshd_config(5)):
//! - Keywords are case-insensitive; `Key value` and `Key=value` are both accepted.
//! - Outside `Match`, the first value obtained wins; `Include` is expanded in place, glob results
//!   in lexical order, relative paths under /etc/ssh (Debian 12 and Ubuntu ship
//!   `Include /etc/ssh/sshd_config.d/*.conf` first, so a drop-in there beats the main file).
//! - A `Match` block overrides the global value for connections it matches, the first matching
//!   block winning. `Match all` is treated as applying to everyone; any other criteria are
//!   reported as a conditional finding naming the `Match` line, since whether they match depends
//!   on who connects. A `Match` inside an included file ends with that file.
//! - Absent keys take OpenSSH's defaults: `PermitEmptyPasswords no`, `PermitRootLogin
//!   prohibit-password`, `PasswordAuthentication yes`, and the last one is reported as such.

use crate::sink::{Files, Sink};
use crate::text::{numbered, strip_comment, tokens};

use drydock_fs::strip_root;

use drydock_finding::{Kind, Rule, Severity};

pub static SSH_EMPTY_PASSWORDS: Rule = Rule {
    id: "DD-CRED-010",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "sshd permits empty passwords",
    why: "With `PermitEmptyPasswords yes`, any account whose password field is empty can be logged \
          into over the network with no credential at all.",
    fix: "Remove the line or set `PermitEmptyPasswords no` (the default).",
    references: &["CIS Distribution Independent Linux 5.2.9"],
};

pub static SSH_ROOT_LOGIN: Rule = Rule {
    id: "DD-CRED-011",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "sshd permits root login with a password",
    why: "`PermitRootLogin yes` lets the one account every brute-forcer targets log in with a \
          password, and leaves no trace of which person used it.",
    fix: "Set `PermitRootLogin prohibit-password` (the default) or `no`, and log in as a named user.",
    references: &["CIS Distribution Independent Linux 5.2.8"],
};

pub static SSH_PASSWORD_AUTH: Rule = Rule {
    id: "DD-CRED-012",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "sshd allows password authentication",
    why: "Password logins can be brute-forced over the network; keys or certificates cannot. OpenSSH \
          enables passwords when `PasswordAuthentication` is not set.",
    fix: "Set `PasswordAuthentication no` and use keys; for containers, prefer not running sshd at all.",
    references: &["https://man.openbsd.org/sshd_config#PasswordAuthentication"],
};

const MAIN: &str = "etc/ssh/sshd_config";
const MAX_INCLUDE_DEPTH: usize = 16;
/// Work allowed for reading the configuration: one unit per byte read, counting a file again
/// each time it is included, and one per file an `Include` glob is tried against. The depth
/// limit alone does not bound the work: files that each `Include` a glob matching the others
/// many times over multiply at every level (16 levels of fan-out), which hung the audit. Real
/// configurations are a few kilobytes; once the budget is spent, what was read is audited.
const BUDGET: usize = 256 << 10;

pub(crate) fn wants(p: &str) -> bool {
    p == MAIN || (p.starts_with("etc/ssh/sshd_config.d/") && p.ends_with(".conf"))
}

#[derive(Clone, Debug)]
struct Block {
    /// "Match User bob" as written, for messages.
    criteria: String,
    all: bool,
}

#[derive(Debug)]
struct Directive {
    path: String,
    line: u32,
    key: String,
    value: String,
    block: Option<Block>,
}

pub(crate) fn audit(files: &Files<'_>, sink: &mut Sink) {
    let Some((main_path, _)) = files.get(MAIN) else {
        return;
    };
    let mut out = Vec::new();
    let mut stack = Vec::new();
    let mut budget = BUDGET;
    collect(files, MAIN, None, &mut stack, &mut budget, &mut out);

    let password_auth = effective(&out, "passwordauthentication");
    let password_on = password_auth.as_ref().is_none_or(|d| d.value == "yes");

    check(
        &out,
        sink,
        main_path,
        Key {
            name: "PermitEmptyPasswords",
            weak: "yes",
            default_weak: false,
            rule: &SSH_EMPTY_PASSWORDS,
        },
        if password_on {
            ""
        } else {
            " (password authentication is off, so this only matters if it is turned on)"
        },
    );
    check(
        &out,
        sink,
        main_path,
        Key {
            name: "PermitRootLogin",
            weak: "yes",
            default_weak: false,
            rule: &SSH_ROOT_LOGIN,
        },
        if password_on {
            ""
        } else {
            " (password authentication is off, so root can only use keys for now)"
        },
    );
    check(
        &out,
        sink,
        main_path,
        Key {
            name: "PasswordAuthentication",
            weak: "yes",
            default_weak: true,
            rule: &SSH_PASSWORD_AUTH,
        },
        "",
    );
}

fn collect(
    files: &Files<'_>,
    norm: &str,
    block: Option<Block>,
    stack: &mut Vec<String>,
    budget: &mut usize,
    out: &mut Vec<Directive>,
) {
    if stack.len() >= MAX_INCLUDE_DEPTH || stack.iter().any(|s| s == norm) {
        return;
    }
    let Some((path, bytes)) = files.get(norm) else {
        return;
    };
    let Some(left) = budget.checked_sub(bytes.len() + 1) else {
        *budget = 0;
        return;
    };
    *budget = left;
    stack.push(norm.to_owned());
    let text = String::from_utf8_lossy(bytes);
    let mut block = block;
    for (no, raw) in numbered(&text) {
        if *budget == 0 {
            break;
        }
        let line = strip_comment(raw, &['#']).trim();
        // `Key=value` is accepted as well as `Key value`.
        let (key, rest) = match line.find(|c: char| c.is_whitespace() || c == '=') {
            Some(i) => (
                &line[..i],
                line[i..].trim_start().trim_start_matches('=').trim_start(),
            ),
            None => (line, ""),
        };
        if key.is_empty() {
            continue;
        }
        let key = key.to_ascii_lowercase();
        let args = tokens(rest);
        match key.as_str() {
            "include" => {
                for pattern in &args {
                    if *budget == 0 {
                        break;
                    }
                    let pattern = if pattern.starts_with('/') {
                        strip_root(pattern).to_owned()
                    } else {
                        format!("etc/ssh/{pattern}")
                    };
                    // Every file tried costs one unit: with thousands of drop-ins, the glob
                    // scans would otherwise be the unbounded part.
                    let mut tried = 0;
                    let mut matches: Vec<String> = files
                        .iter()
                        .map(|(n, _, _)| n)
                        .inspect(|_| tried += 1)
                        .filter(|n| glob_match(&pattern, n))
                        .map(str::to_owned)
                        .collect();
                    *budget = budget.saturating_sub(tried);
                    // A path given twice is one file (files are sorted by path).
                    matches.dedup();
                    for m in matches {
                        collect(files, &m, block.clone(), stack, budget, out);
                    }
                }
            }
            "match" => {
                let all = args.len() == 1 && args[0].eq_ignore_ascii_case("all");
                block = Some(Block {
                    criteria: format!("Match {}", args.join(" ")),
                    all,
                });
            }
            _ => out.push(Directive {
                path: path.to_owned(),
                line: no,
                key,
                value: args
                    .first()
                    .map(|a| a.to_ascii_lowercase())
                    .unwrap_or_default(),
                block: block.clone(),
            }),
        }
    }
    stack.pop();
}

/// `*` and `?` within one path segment, as glob(3) for sshd's Include.
fn glob_match(pattern: &str, s: &str) -> bool {
    // Neither `*` nor `?` matches `/`, so pattern and path segments pair up one to one.
    let mut pattern = pattern.split('/');
    let mut path = s.split('/');
    loop {
        match (pattern.next(), path.next()) {
            (None, None) => return true,
            (Some(p), Some(s)) if segment_match(p.as_bytes(), s.as_bytes()) => {}
            _ => return false,
        }
    }
}

/// `*` and `?` within one segment, backtracking only to the last `*` (a later star can absorb
/// anything an earlier one could). Quadratic at worst; trying every split for every star, as
/// plain recursion does, was exponential in the number of stars, and a pattern in an image's
/// sshd_config hung the audit.
fn segment_match(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while let Some(&c) = s.get(si) {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, si));
                pi += 1;
            }
            Some(&q) if q == b'?' || q == c => {
                pi += 1;
                si += 1;
            }
            _ => match star {
                Some((sp, ss)) => {
                    pi = sp + 1;
                    si = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|&c| c == b'*'))
}

/// The value every connection gets: the first `Match all` block setting the key, else the first
/// global one. `None` when the key is absent (the default applies).
fn effective<'a>(ds: &'a [Directive], key: &str) -> Option<&'a Directive> {
    ds.iter()
        .find(|d| d.key == key && d.block.as_ref().is_some_and(|b| b.all))
        .or_else(|| ds.iter().find(|d| d.key == key && d.block.is_none()))
}

struct Key {
    name: &'static str,
    weak: &'static str,
    /// Whether OpenSSH's default for an absent key is the weak value.
    default_weak: bool,
    rule: &'static Rule,
}

fn check(ds: &[Directive], sink: &mut Sink, main_path: &str, key: Key, note: &str) {
    let lower = key.name.to_ascii_lowercase();
    let global = effective(ds, &lower);
    let global_weak = match global {
        Some(d) => d.value == key.weak,
        None => key.default_weak,
    };
    if global_weak {
        match global {
            Some(d) => {
                let scope = if d.block.is_some() {
                    "in `Match all`, for every connection"
                } else {
                    "for every connection"
                };
                sink.push(
                    key.rule,
                    &d.path,
                    Some(d.line),
                    format!("{} {} {scope}{note}", key.name, key.weak),
                );
            }
            None => sink.push(
                key.rule,
                main_path,
                None,
                format!(
                    "{} is not set; OpenSSH defaults to {}{note}",
                    key.name, key.weak
                ),
            ),
        }
        return;
    }
    // Conditional blocks that turn it on for some connections. Only the first setting in each
    // block counts, and blocks after a `Match all` that sets the key never apply.
    let mut seen_blocks: Vec<&str> = Vec::new();
    for d in ds.iter().filter(|d| d.key == lower) {
        let Some(b) = &d.block else { continue };
        if b.all {
            break;
        }
        if seen_blocks.contains(&b.criteria.as_str()) {
            continue;
        }
        seen_blocks.push(&b.criteria);
        if d.value == key.weak {
            sink.push(
                key.rule,
                &d.path,
                Some(d.line),
                format!(
                    "{} {} for connections matching `{}`{note}",
                    key.name, key.weak, b.criteria
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs() {
        assert!(glob_match(
            "etc/ssh/sshd_config.d/*.conf",
            "etc/ssh/sshd_config.d/50-cloud.conf"
        ));
        assert!(!glob_match(
            "etc/ssh/sshd_config.d/*.conf",
            "etc/ssh/sshd_config.d/sub/x.conf"
        ));
        assert!(!glob_match(
            "etc/ssh/sshd_config.d/*.conf",
            "etc/ssh/sshd_config.d/x.conf.bak"
        ));
        assert!(glob_match("etc/ssh/a?c", "etc/ssh/abc"));
        assert!(!glob_match("etc/ssh/a?c", "etc/ssh/a/c"));
        assert!(!glob_match("etc/*", "etc/ssh/x"));
        assert!(glob_match("etc/*/*", "etc/ssh/x"));
        assert!(glob_match("etc/ssh/*a*b*", "etc/ssh/xaybz"));
        assert!(!glob_match("etc/ssh/*a*b*c", "etc/ssh/xaybz"));
        assert!(glob_match("etc/ssh/**", "etc/ssh/"));
    }

    /// `fuzz/regressions/creds_audit/sshd-include-many-stars`: `Include` with 40 stars against
    /// a 12-character drop-in name tried every way to split it, and never finished.
    #[test]
    fn many_stars_are_linear() {
        let pattern = format!("etc/ssh/sshd_config.d/{}x", "*".repeat(5_000));
        assert!(!glob_match(&pattern, "etc/ssh/sshd_config.d/10-fuzz.conf"));
        let pattern = format!("etc/ssh/sshd_config.d/{}f", "*?".repeat(5));
        assert!(glob_match(&pattern, "etc/ssh/sshd_config.d/10-fuzz.conf"));
    }

    /// `fuzz/regressions/creds_audit/sshd-include-fanout`: drop-ins that each include the whole
    /// directory a hundred times multiplied at every level and never finished; now reading stops
    /// at `BUDGET` and what was read is still audited.
    #[test]
    fn include_fanout_is_bounded() {
        let glob = "Include /etc/ssh/sshd_config.d/*.conf\n".repeat(100);
        let file = |path: &str, text: String| (path.to_owned(), text.into_bytes());
        let files = vec![
            file(
                "etc/ssh/sshd_config",
                "Include sshd_config.d/*.conf\n".repeat(100),
            ),
            file(
                "etc/ssh/sshd_config.d/10.conf",
                format!("{glob}PermitRootLogin yes\n"),
            ),
            file(
                "etc/ssh/sshd_config.d/20.conf",
                format!("{glob}PasswordAuthentication yes\n"),
            ),
            file(
                "etc/ssh/sshd_config.d/30.conf",
                format!("{glob}PermitEmptyPasswords yes\n"),
            ),
        ];
        let findings = crate::audit(&files, &crate::CrackBudget::default());
        assert!(
            findings
                .iter()
                .any(|f| f.rule.id == super::SSH_EMPTY_PASSWORDS.id),
            "{findings:?}"
        );
    }

    /// `fuzz/regressions/creds_audit/sshd-include-many-files`: the same fan-out over thousands
    /// of files (the same drop-in path given again and again): every glob scanned all of them.
    #[test]
    fn include_over_many_files_is_bounded() {
        let glob = "Include /etc/ssh/sshd_config.d/*.conf\n".repeat(100);
        let mut files = vec![(
            "etc/ssh/sshd_config".to_owned(),
            format!("PermitEmptyPasswords yes\n{glob}").into_bytes(),
        )];
        for i in 0..3_000 {
            let path = format!("etc/ssh/sshd_config.d/{}.conf", i % 3);
            files.push((path, glob.clone().into_bytes()));
        }
        let findings = crate::audit(&files, &crate::CrackBudget::default());
        assert!(
            findings
                .iter()
                .any(|f| f.rule.id == super::SSH_EMPTY_PASSWORDS.id),
            "{findings:?}"
        );
    }
}
