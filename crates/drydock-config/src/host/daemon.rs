//! `daemon.json` checks, one function per rule. The file is plain JSON, so lines are found by
//! locating each key's first occurrence in the text; good enough to point a reader at the
//! setting.

use crate::{ConfigError, ConfigErrorKind, ScanResult};
use drydock_finding::Finding;
use drydock_finding::{Kind, Rule, Severity};
use serde_json::{Map, Value};

pub static USERNS: Rule = Rule {
    id: "DD-HOST-001",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "User namespace remapping is not enabled",
    why: "Without userns-remap, root in a container is root (UID 0) on the host; a container escape lands with full privileges.",
    fix: "Set \"userns-remap\": \"default\" (and check volume ownership) in daemon.json.",
    references: &["CIS Docker Benchmark 2.9"],
};
pub static ICC: Rule = Rule {
    id: "DD-HOST-002",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Inter-container communication on the default bridge is allowed",
    why: "With icc enabled every container on the default bridge can reach every other, so one compromised container can attack the rest.",
    fix: "Set \"icc\": false and link containers explicitly through user-defined networks.",
    references: &["CIS Docker Benchmark 2.2"],
};
pub static LIVE_RESTORE: Rule = Rule {
    id: "DD-HOST-003",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "live-restore is not enabled",
    why: "Without live-restore, stopping or upgrading the daemon kills every container, which discourages timely daemon patching.",
    fix: "Set \"live-restore\": true.",
    references: &["CIS Docker Benchmark 2.14"],
};
pub static NO_NEW_PRIVILEGES: Rule = Rule {
    id: "DD-HOST-004",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "no-new-privileges is not the daemon default",
    why: "Containers can gain privileges through setuid binaries unless every run remembers --security-opt no-new-privileges.",
    fix: "Set \"no-new-privileges\": true.",
    references: &["CIS Docker Benchmark 2.18"],
};
pub static TCP_NO_TLS: Rule = Rule {
    id: "DD-HOST-005",
    kind: Kind::Misconfiguration,
    severity: Severity::Critical,
    title: "Docker API listens on TCP without TLS verification",
    why: "Anyone who can reach the port controls the daemon, which is root on the host; unauthenticated Docker APIs are scanned for and exploited within minutes.",
    fix: "Listen on the Unix socket only, or set \"tlsverify\": true with tlscacert, tlscert and tlskey.",
    references: &["CIS Docker Benchmark 2.7"],
};
pub static INSECURE_REGISTRIES: Rule = Rule {
    id: "DD-HOST-006",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Insecure registries are configured",
    why: "Images from insecure registries are pulled over plain HTTP or unverified TLS, so anyone on the path can substitute them.",
    fix: "Remove insecure-registries; give the registry a trusted certificate.",
    references: &["CIS Docker Benchmark 2.5"],
};
pub static EXPERIMENTAL: Rule = Rule {
    id: "DD-HOST-007",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Experimental features are enabled",
    why: "Experimental features are unsupported and less reviewed; they should not run in production.",
    fix: "Remove \"experimental\": true.",
    references: &["CIS Docker Benchmark 2.17"],
};
pub static LOGGING: Rule = Rule {
    id: "DD-HOST-008",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Container logs are neither rotated nor shipped",
    why: "With the default json-file driver and no max-size, logs grow until the disk fills; without remote logging an attacker with root can erase the evidence.",
    fix: "Set \"log-driver\" to a remote driver (syslog, fluentd, journald, awslogs...) or set \"log-opts\": {\"max-size\": \"10m\", \"max-file\": \"3\"}.",
    references: &["CIS Docker Benchmark 2.13"],
};
pub static LOG_LEVEL: Rule = Rule {
    id: "DD-HOST-009",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Daemon log level is debug",
    why: "Debug logging records request bodies and other sensitive detail and floods the logs that incident response relies on.",
    fix: "Set \"log-level\": \"info\" or remove it.",
    references: &["CIS Docker Benchmark 2.3"],
};
pub static IPTABLES: Rule = Rule {
    id: "DD-HOST-010",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Docker is not allowed to manage iptables",
    why: "With iptables disabled, container networking relies on hand-written firewall rules that commonly leave containers either broken or exposed.",
    fix: "Remove \"iptables\": false.",
    references: &["CIS Docker Benchmark 2.4"],
};
pub static USERLAND_PROXY: Rule = Rule {
    id: "DD-HOST-011",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Userland proxy is enabled",
    why: "docker-proxy processes add attack surface; hairpin NAT does the same job in the kernel.",
    fix: "Set \"userland-proxy\": false.",
    references: &["CIS Docker Benchmark 2.15"],
};
pub static SECCOMP: Rule = Rule {
    id: "DD-HOST-012",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Daemon-wide seccomp profile is unconfined",
    why: "Setting the default seccomp profile to unconfined removes syscall filtering from every container on the host.",
    fix: "Remove \"seccomp-profile\" or point it at a profile at least as strict as Docker's default.",
    references: &["CIS Docker Benchmark 2.16", "CIS Docker Benchmark 5.21"],
};

fn line_of(text: &str, key: &str) -> u32 {
    let needle = format!("\"{key}\"");
    text.lines()
        .position(|l| l.contains(&needle))
        .and_then(|i| u32::try_from(i + 1).ok())
        .unwrap_or(1)
}

/// One parsed `daemon.json`: what every daemon rule looks at.
pub struct Daemon<'a> {
    path: &'a str,
    text: &'a str,
    map: Map<String, Value>,
}

impl<'a> Daemon<'a> {
    /// Parses `text`; a file that is not a JSON object is an error naming the file and line.
    pub fn parse(path: &'a str, text: &'a str) -> Result<Self, ConfigError> {
        let config: Value = serde_json::from_str(text).map_err(|e| {
            ConfigError::new(
                path,
                u32::try_from(e.line()).ok().filter(|l| *l > 0),
                ConfigErrorKind::Json(e.to_string()),
            )
        })?;
        match config {
            Value::Object(map) => Ok(Daemon { path, text, map }),
            _ => Err(ConfigError::new(
                path,
                Some(1),
                ConfigErrorKind::Json("top level is not an object".to_owned()),
            )),
        }
    }

    fn get(&self, key: &str) -> Option<&Value> {
        self.map.get(key)
    }

    fn truthy(&self, key: &str) -> Option<bool> {
        self.get(key).and_then(Value::as_bool)
    }

    fn string(&self, key: &str) -> &str {
        self.get(key).and_then(Value::as_str).unwrap_or("")
    }

    fn strings(&self, key: &str) -> Vec<&str> {
        self.get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// A finding at `key`'s line, or line 1 when the setting is absent (the default applies).
    fn push(&self, out: &mut Vec<Finding>, rule: &Rule, key: &str, msg: String) {
        let line = if self.map.contains_key(key) {
            line_of(self.text, key)
        } else {
            1
        };
        out.push(Finding::from_rule(
            rule,
            crate::location(self.path, line),
            msg,
        ));
    }
}

/// Checks one `daemon.json` with every host rule (the file rules find nothing in it).
pub fn scan_daemon_json(path: &str, text: &str) -> ScanResult {
    let mut result = ScanResult::default();
    match Daemon::parse(path, text) {
        Ok(daemon) => super::rules::run(
            &super::Host {
                files: &[],
                daemons: vec![daemon],
            },
            &mut result.findings,
        ),
        Err(e) => result.errors.push(e),
    }
    result
}

pub fn userns(d: &Daemon, out: &mut Vec<Finding>) {
    if d.string("userns-remap").is_empty() {
        d.push(
            out,
            &USERNS,
            "userns-remap",
            "userns-remap is not set".to_owned(),
        );
    }
}

pub fn icc(d: &Daemon, out: &mut Vec<Finding>) {
    if d.truthy("icc") != Some(false) {
        d.push(out, &ICC, "icc", "icc is not false".to_owned());
    }
}

pub fn live_restore(d: &Daemon, out: &mut Vec<Finding>) {
    if d.truthy("live-restore") != Some(true) {
        d.push(
            out,
            &LIVE_RESTORE,
            "live-restore",
            "live-restore is not true".to_owned(),
        );
    }
}

pub fn no_new_privileges(d: &Daemon, out: &mut Vec<Finding>) {
    if d.truthy("no-new-privileges") != Some(true) {
        let msg = "no-new-privileges is not true".to_owned();
        d.push(out, &NO_NEW_PRIVILEGES, "no-new-privileges", msg);
    }
}

pub fn tcp_no_tls(d: &Daemon, out: &mut Vec<Finding>) {
    let hosts = d.strings("hosts");
    let tcp: Vec<&str> = hosts
        .into_iter()
        .filter(|h| h.starts_with("tcp://"))
        .collect();
    if !tcp.is_empty() && d.truthy("tlsverify") != Some(true) {
        let msg = format!("listens on {} without tlsverify", tcp.join(", "));
        d.push(out, &TCP_NO_TLS, "hosts", msg);
    }
}

pub fn insecure_registries(d: &Daemon, out: &mut Vec<Finding>) {
    let insecure = d.strings("insecure-registries");
    if !insecure.is_empty() {
        let msg = format!("insecure registries: {}", insecure.join(", "));
        d.push(out, &INSECURE_REGISTRIES, "insecure-registries", msg);
    }
}

pub fn experimental(d: &Daemon, out: &mut Vec<Finding>) {
    if d.truthy("experimental") == Some(true) {
        d.push(
            out,
            &EXPERIMENTAL,
            "experimental",
            "experimental is true".to_owned(),
        );
    }
}

pub fn logging(d: &Daemon, out: &mut Vec<Finding>) {
    let driver = d.string("log-driver");
    let local = driver.is_empty() || driver == "json-file" || driver == "local" || driver == "none";
    let max_size = d.get("log-opts").and_then(|o| o.get("max-size")).is_some();
    if driver == "none" || (local && !max_size && driver != "local") {
        let shown = if driver.is_empty() {
            "json-file (default)"
        } else {
            driver
        };
        let msg = format!("log driver {shown} without max-size or remote shipping");
        d.push(out, &LOGGING, "log-driver", msg);
    }
}

pub fn log_level(d: &Daemon, out: &mut Vec<Finding>) {
    let debug_level = d.string("log-level") == "debug";
    if debug_level || d.truthy("debug") == Some(true) {
        let key = if debug_level { "log-level" } else { "debug" };
        d.push(
            out,
            &LOG_LEVEL,
            key,
            "daemon logs at debug level".to_owned(),
        );
    }
}

pub fn iptables(d: &Daemon, out: &mut Vec<Finding>) {
    if d.truthy("iptables") == Some(false) {
        d.push(out, &IPTABLES, "iptables", "iptables is false".to_owned());
    }
}

pub fn userland_proxy(d: &Daemon, out: &mut Vec<Finding>) {
    if d.truthy("userland-proxy") != Some(false) {
        let msg = "userland-proxy is not false".to_owned();
        d.push(out, &USERLAND_PROXY, "userland-proxy", msg);
    }
}

pub fn seccomp(d: &Daemon, out: &mut Vec<Finding>) {
    if d.string("seccomp-profile")
        .eq_ignore_ascii_case("unconfined")
    {
        let msg = "seccomp-profile is unconfined".to_owned();
        d.push(out, &SECCOMP, "seccomp-profile", msg);
    }
}
