//! `daemon.json` checks. The file is plain JSON, so lines are found by locating each key's
//! first occurrence in the text; good enough to point a reader at the setting.

use crate::{ConfigError, ConfigErrorKind, ScanResult};
use drydock_finding::Finding;
use drydock_finding::{Kind, Rule, Severity};
use serde_json::Value;

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

/// Checks one `daemon.json`.
pub fn scan_daemon_json(path: &str, text: &str) -> ScanResult {
    let mut result = ScanResult::default();
    let config: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            result.errors.push(ConfigError::new(
                path,
                u32::try_from(e.line()).ok().filter(|l| *l > 0),
                ConfigErrorKind::Json(e.to_string()),
            ));
            return result;
        }
    };
    let Some(map) = config.as_object() else {
        result.errors.push(ConfigError::new(
            path,
            Some(1),
            ConfigErrorKind::Json("top level is not an object".to_owned()),
        ));
        return result;
    };
    let out = &mut result.findings;
    let mut push = |rule: &Rule, key: &str, msg: String| {
        let line = if map.contains_key(key) {
            line_of(text, key)
        } else {
            1
        };
        out.push(Finding::from_rule(rule, crate::location(path, line), msg));
    };
    let get = |k: &str| map.get(k);
    let truthy = |k: &str| get(k).and_then(Value::as_bool);
    let string = |k: &str| get(k).and_then(Value::as_str).unwrap_or("");

    if string("userns-remap").is_empty() {
        push(
            &USERNS,
            "userns-remap",
            "userns-remap is not set".to_owned(),
        );
    }
    if truthy("icc") != Some(false) {
        push(&ICC, "icc", "icc is not false".to_owned());
    }
    if truthy("live-restore") != Some(true) {
        push(
            &LIVE_RESTORE,
            "live-restore",
            "live-restore is not true".to_owned(),
        );
    }
    if truthy("no-new-privileges") != Some(true) {
        push(
            &NO_NEW_PRIVILEGES,
            "no-new-privileges",
            "no-new-privileges is not true".to_owned(),
        );
    }
    let hosts: Vec<&str> = get("hosts")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let tcp: Vec<&str> = hosts
        .iter()
        .copied()
        .filter(|h| h.starts_with("tcp://"))
        .collect();
    if !tcp.is_empty() && truthy("tlsverify") != Some(true) {
        push(
            &TCP_NO_TLS,
            "hosts",
            format!("listens on {} without tlsverify", tcp.join(", ")),
        );
    }
    let insecure: Vec<&str> = get("insecure-registries")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !insecure.is_empty() {
        push(
            &INSECURE_REGISTRIES,
            "insecure-registries",
            format!("insecure registries: {}", insecure.join(", ")),
        );
    }
    if truthy("experimental") == Some(true) {
        push(
            &EXPERIMENTAL,
            "experimental",
            "experimental is true".to_owned(),
        );
    }
    let driver = string("log-driver");
    let local = driver.is_empty() || driver == "json-file" || driver == "local" || driver == "none";
    let max_size = get("log-opts").and_then(|o| o.get("max-size")).is_some();
    if driver == "none" || (local && !max_size && driver != "local") {
        let shown = if driver.is_empty() {
            "json-file (default)"
        } else {
            driver
        };
        push(
            &LOGGING,
            "log-driver",
            format!("log driver {shown} without max-size or remote shipping"),
        );
    }
    if string("log-level") == "debug" || truthy("debug") == Some(true) {
        let key = if string("log-level") == "debug" {
            "log-level"
        } else {
            "debug"
        };
        push(&LOG_LEVEL, key, "daemon logs at debug level".to_owned());
    }
    if truthy("iptables") == Some(false) {
        push(&IPTABLES, "iptables", "iptables is false".to_owned());
    }
    if truthy("userland-proxy") != Some(false) {
        push(
            &USERLAND_PROXY,
            "userland-proxy",
            "userland-proxy is not false".to_owned(),
        );
    }
    if string("seccomp-profile").eq_ignore_ascii_case("unconfined") {
        push(
            &SECCOMP,
            "seccomp-profile",
            "seccomp-profile is unconfined".to_owned(),
        );
    }
    result
}
