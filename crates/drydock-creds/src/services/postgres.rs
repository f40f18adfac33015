//! PostgreSQL `pg_hba.conf`: `trust` on lines that accept TCP connections from other hosts.
//!
//! `local` (Unix socket) lines are not reported: trust there is a common, deliberate choice
//! for the container's own processes. `host*` lines count as local only for loopback addresses
//! (127.0.0.0/8 with a prefix of at least 8, ::1/128, `localhost`) and `samehost`.

use crate::sink::{Files, Sink};
use crate::text::{is_loopback, numbered, strip_comment, tokens};

use drydock_finding::{Kind, Rule, Severity};

pub static POSTGRES_TRUST: Rule = Rule {
    id: "DD-CRED-030",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "PostgreSQL trusts network connections without a password",
    why: "The `trust` method lets any client that can reach the port connect as any role it names, \
          including the superuser, with no credential.",
    fix: "Use `scram-sha-256` for `host` lines; keep `trust` at most for `local` socket connections.",
    references: &["https://www.postgresql.org/docs/current/auth-trust.html"],
};

pub(crate) fn wants(p: &str) -> bool {
    super::file_name(p) == "pg_hba.conf"
}

pub(crate) fn audit(files: &Files<'_>, sink: &mut Sink) {
    for (norm, path, bytes) in files.iter() {
        if wants(norm) {
            check(path, &String::from_utf8_lossy(bytes), sink);
        }
    }
}

fn check(path: &str, text: &str, sink: &mut Sink) {
    for (no, raw) in numbered(text) {
        let t = tokens(strip_comment(raw, &['#']));
        let Some(kind) = t.first() else { continue };
        if !kind.starts_with("host") {
            continue;
        }
        let (Some(db), Some(user), Some(addr)) = (t.get(1), t.get(2), t.get(3)) else {
            continue;
        };
        // `ADDRESS MASK` form: an IP without a prefix length followed by a netmask.
        let (mask, method) = match t.get(4) {
            Some(m) if !addr.contains('/') && m.parse::<std::net::IpAddr>().is_ok() => {
                (Some(m.as_str()), t.get(5))
            }
            m => (None, m),
        };
        if method.is_some_and(|m| m.eq_ignore_ascii_case("trust")) && !is_local(addr, mask) {
            sink.push(
                &POSTGRES_TRUST,
                path,
                Some(no),
                format!(
                    "`{kind} {db} {user} {addr}{} trust`: clients from {addr} connect as any role, superuser included, without a password",
                    mask.map(|m| format!(" {m}")).unwrap_or_default()
                ),
            );
        }
    }
}

fn is_local(addr: &str, mask: Option<&str>) -> bool {
    if addr == "samehost" || addr == "localhost" {
        return true;
    }
    let (ip, prefix) = match addr.split_once('/') {
        Some((ip, p)) => (ip, p.parse::<u8>().ok()),
        None => (addr, mask.map(mask_prefix)),
    };
    let Ok(parsed) = ip.parse::<std::net::IpAddr>() else {
        return false;
    };
    match (parsed, prefix) {
        (std::net::IpAddr::V4(_), Some(p)) => p >= 8 && is_loopback(ip),
        (std::net::IpAddr::V6(_), Some(p)) => p == 128 && is_loopback(ip),
        (_, None) => is_loopback(ip),
    }
}

/// Prefix length of a dotted or colon netmask (count of leading one bits).
fn mask_prefix(mask: &str) -> u8 {
    let bits: u32 = match mask.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(m)) => u32::from(m).leading_ones(),
        Ok(std::net::IpAddr::V6(m)) => u128::from(m).leading_ones(),
        Err(_) => 0,
    };
    u8::try_from(bits).unwrap_or(0)
}
