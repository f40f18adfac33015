//! Net-SNMP `snmpd.conf`: v1/v2c communities that are well-known defaults.
//!
//! Semantics assumed: `rocommunity`/`rwcommunity` (and their `6` forms) take the community and
//! an optional source; `com2sec` maps a source and community to a security name, whose access
//! is set elsewhere, so it is treated as read access. A community restricted to a loopback
//! source, or an agent that listens only on loopback (`agentaddress`), is not reported: only
//! local processes could use it. Without `agentaddress`, snmpd listens on UDP 161 everywhere.

use crate::crack::Wordlist;

use crate::sink::{Files, Sink};
use crate::text::{is_loopback, numbered, strip_comment, tokens};

use drydock_finding::{Kind, Rule, Severity};

pub static SNMP_DEFAULT_COMMUNITY: Rule = Rule {
    id: "DD-CRED-110",
    kind: Kind::Credential,
    severity: Severity::Medium,
    title: "SNMP read community is a well-known default",
    why: "SNMP v1/v2c communities are cleartext passwords; `public` is tried by every scanner and \
          exposes system, process and network details.",
    fix: "Use SNMPv3 users with authPriv, or at least a random community restricted to the management \
          network.",
    references: &["https://nvd.nist.gov/vuln/detail/CVE-1999-0517"],
};

pub static SNMP_DEFAULT_WRITE_COMMUNITY: Rule = Rule {
    id: "DD-CRED-111",
    kind: Kind::Credential,
    severity: Severity::High,
    title: "SNMP write community is a well-known default",
    why: "A read-write community lets anyone who guesses it change the agent's configuration; \
          `private` is the classic default.",
    fix: "Remove `rwcommunity` lines and use SNMPv3 with authPriv for any write access.",
    references: &["https://nvd.nist.gov/vuln/detail/CVE-1999-0516"],
};

/// Communities shipped as examples or set by appliances; the common list covers the rest.
const DEFAULT_COMMUNITIES: [&str; 12] = [
    "public",
    "private",
    "community",
    "snmp",
    "snmpd",
    "manager",
    "admin",
    "secret",
    "default",
    "read",
    "write",
    "monitor",
];

pub(crate) fn wants(p: &str) -> bool {
    super::file_name(p) == "snmpd.conf"
}

struct Community {
    name: String,
    write: bool,
    source: Option<String>,
    line: u32,
    via: &'static str,
}

pub(crate) fn audit(files: &Files<'_>, sink: &mut Sink, wl: &Wordlist) {
    for (norm, path, bytes) in files.iter() {
        if wants(norm) {
            check(path, &String::from_utf8_lossy(bytes), sink, wl);
        }
    }
}

fn check(path: &str, text: &str, sink: &mut Sink, wl: &Wordlist) {
    let mut communities = Vec::new();
    let mut agent: Option<Vec<String>> = None;
    for (no, raw) in numbered(text) {
        let t = tokens(strip_comment(raw, &['#']));
        let Some((key, args)) = t.split_first() else {
            continue;
        };
        let key = key.to_ascii_lowercase();
        match key.as_str() {
            "rocommunity" | "rocommunity6" | "rwcommunity" | "rwcommunity6" => {
                let Some(name) = args.first() else { continue };
                communities.push(Community {
                    name: name.clone(),
                    write: key.starts_with("rw"),
                    source: args.get(1).cloned(),
                    line: no,
                    via: if key.starts_with("rw") {
                        "rwcommunity"
                    } else {
                        "rocommunity"
                    },
                });
            }
            "com2sec" | "com2sec6" => {
                // com2sec [-Cn CONTEXT] SECNAME SOURCE COMMUNITY
                let rest: Vec<&String> = if args.first().is_some_and(|a| a == "-Cn") {
                    args.iter().skip(2).collect()
                } else {
                    args.iter().collect()
                };
                if let [_, source, name, ..] = rest[..] {
                    communities.push(Community {
                        name: name.clone(),
                        write: false,
                        source: Some(source.clone()),
                        line: no,
                        via: "com2sec",
                    });
                }
            }
            "agentaddress" => {
                agent = Some(
                    args.iter()
                        .flat_map(|a| a.split(','))
                        .map(str::to_owned)
                        .collect(),
                );
            }
            _ => {}
        }
    }
    if agent
        .as_ref()
        .is_some_and(|a| !a.is_empty() && a.iter().all(|s| agent_is_local(s)))
    {
        return;
    }
    for c in communities {
        if c.source.as_deref().is_some_and(is_loopback) {
            continue;
        }
        let known = DEFAULT_COMMUNITIES.contains(&c.name.to_ascii_lowercase().as_str())
            || wl.source_of(&c.name, None).is_some();
        if !known {
            continue;
        }
        let rule = if c.write {
            &SNMP_DEFAULT_WRITE_COMMUNITY
        } else {
            &SNMP_DEFAULT_COMMUNITY
        };
        let from = c
            .source
            .as_deref()
            .filter(|s| *s != "default")
            .map_or("any address".to_owned(), str::to_owned);
        sink.push_secret(
            rule,
            path,
            Some(c.line),
            format!(
                "{} community is a well-known default, accepted from {from}",
                c.via
            ),
            &c.name,
        );
    }
}

/// `udp:127.0.0.1:161`, `[::1]`, `unix:/path`, `udp:161` (a bare port: every interface).
fn agent_is_local(spec: &str) -> bool {
    let s = spec.trim();
    let lower = s.to_ascii_lowercase();
    if lower.starts_with("unix:") {
        return true;
    }
    let host = ["udp6:", "tcp6:", "udp:", "tcp:", "dtlsudp:", "tlstcp:"]
        .iter()
        .find_map(|p| lower.strip_prefix(p))
        .unwrap_or(&lower);
    if host.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    is_loopback(host)
}
