//! MongoDB `mongod.conf`, in the YAML format (2.6 and later) or the old `key = value` one.
//!
//! Semantics assumed: access control is on with `security.authorization: enabled`, or with a
//! `security.keyFile` (which implies it), or `auth = true` in the old format. The server is
//! exposed with `net.bindIpAll: true` or a non-loopback `net.bindIp`; with neither, MongoDB 3.6
//! and later bind to localhost only. Command-line flags (the official image's `--bind_ip_all`)
//! are not visible in files and not considered.

use crate::sink::{Files, Sink};
use crate::text::{ini, is_loopback, truthy, yaml_flat};

use drydock_finding::{Kind, Rule, Severity};

pub static MONGODB_NO_AUTH: Rule = Rule {
    id: "DD-CRED-050",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "MongoDB runs without access control on a network address",
    why: "Without `security.authorization: enabled` every client is an administrator; MongoDB \
          instances reachable this way are routinely wiped and held for ransom.",
    fix: "Set `security.authorization: enabled`, create users, and bind to loopback or a private \
          interface.",
    references: &["https://www.mongodb.com/docs/manual/administration/security-checklist/"],
};

pub(crate) fn wants(p: &str) -> bool {
    matches!(super::file_name(p), "mongod.conf" | "mongodb.conf")
}

pub(crate) fn audit(files: &Files<'_>, sink: &mut Sink) {
    for (norm, path, bytes) in files.iter() {
        if wants(norm) {
            check(path, &String::from_utf8_lossy(bytes), sink);
        }
    }
}

fn check(path: &str, text: &str, sink: &mut Sink) {
    let mut auth = false;
    let mut exposed: Option<(u32, String)> = None;
    let mut expose = |line: u32, why: String| {
        exposed.get_or_insert((line, why));
    };
    for e in yaml_flat(text) {
        match e.key.as_str() {
            "security.authorization" => auth = e.value.eq_ignore_ascii_case("enabled"),
            "security.keyFile" => auth = true,
            "net.bindIpAll" if truthy(&e.value) == Some(true) => {
                expose(e.line, "`net.bindIpAll: true`".into())
            }
            "net.bindIp" => {
                if let Some(a) = e.value.split(',').map(str::trim).find(|a| !is_loopback(a)) {
                    expose(e.line, format!("`net.bindIp` includes {a}"));
                }
            }
            _ => {}
        }
    }
    for e in ini(text) {
        match e.key.as_str() {
            "auth" => auth = truthy(&e.value) == Some(true),
            "noauth" if truthy(&e.value) == Some(true) => auth = false,
            "keyfile" => auth = true,
            "bind_ip_all" if e.bare || truthy(&e.value) == Some(true) => {
                expose(e.line, "`bind_ip_all`".into())
            }
            "bind_ip" => {
                if let Some(a) = e.value.split(',').map(str::trim).find(|a| !is_loopback(a)) {
                    expose(e.line, format!("`bind_ip` includes {a}"));
                }
            }
            _ => {}
        }
    }
    if auth {
        return;
    }
    if let Some((line, why)) = exposed {
        sink.push(
            &MONGODB_NO_AUTH,
            path,
            Some(line),
            format!("access control is not enabled (`security.authorization`) and {why}"),
        );
    }
}
