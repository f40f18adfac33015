//! Ownership and permission checks for the daemon's socket, configuration and TLS files.

use super::HostFile;
use drydock_finding::Finding;
use drydock_finding::{Kind, Rule, Severity};

pub static SOCKET: Rule = Rule {
    id: "DD-HOST-013",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Container runtime socket is owned or readable too widely",
    why: "Write access to the Docker or containerd socket is root on the host; it must belong to root and be reachable only by root and the docker group.",
    fix: "chown root:docker /var/run/docker.sock && chmod 660 /var/run/docker.sock (root:root for containerd.sock).",
    references: &[
        "CIS Docker Benchmark 3.15",
        "CIS Docker Benchmark 3.16",
        "CIS Docker Benchmark 3.23",
        "CIS Docker Benchmark 3.24",
    ],
};
pub static CONFIG_DIR: Rule = Rule {
    id: "DD-HOST-014",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "/etc/docker is not root-owned or is writable by others",
    why: "Whoever can write /etc/docker can change the daemon's configuration and TLS material and so control it.",
    fix: "chown root:root /etc/docker && chmod 755 /etc/docker",
    references: &["CIS Docker Benchmark 3.5", "CIS Docker Benchmark 3.6"],
};
pub static CONFIG_FILE: Rule = Rule {
    id: "DD-HOST-015",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Docker daemon configuration file is not root-owned or is writable by others",
    why: "daemon.json, the systemd units and the environment files decide how the daemon (root) runs; a user who can edit them can make it listen on TCP or run anything.",
    fix: "chown root:root <file> && chmod 644 <file>",
    references: &[
        "CIS Docker Benchmark 3.1",
        "CIS Docker Benchmark 3.2",
        "CIS Docker Benchmark 3.3",
        "CIS Docker Benchmark 3.4",
        "CIS Docker Benchmark 3.17",
        "CIS Docker Benchmark 3.18",
        "CIS Docker Benchmark 3.19",
        "CIS Docker Benchmark 3.20",
        "CIS Docker Benchmark 3.21",
        "CIS Docker Benchmark 3.22",
    ],
};
pub static TLS_FILES: Rule = Rule {
    id: "DD-HOST-016",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Docker TLS key or certificate file is too permissive",
    why: "A readable server key lets anyone impersonate the daemon; writable CA or certificates let them change who the daemon trusts.",
    fix: "chown root:root and chmod 400 for keys, 444 for certificates.",
    references: &[
        "CIS Docker Benchmark 3.7",
        "CIS Docker Benchmark 3.8",
        "CIS Docker Benchmark 3.9",
        "CIS Docker Benchmark 3.10",
        "CIS Docker Benchmark 3.11",
        "CIS Docker Benchmark 3.12",
        "CIS Docker Benchmark 3.13",
        "CIS Docker Benchmark 3.14",
    ],
};

pub(crate) const SOCKETS: &[&str] = &[
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/var/run/containerd/containerd.sock",
];

pub(crate) const CONFIG_FILES: &[&str] = &[
    "/etc/docker/daemon.json",
    "/etc/default/docker",
    "/etc/sysconfig/docker",
    "/etc/containerd/config.toml",
    "/lib/systemd/system/docker.service",
    "/lib/systemd/system/docker.socket",
    "/usr/lib/systemd/system/docker.service",
    "/usr/lib/systemd/system/docker.socket",
    "/etc/systemd/system/docker.service",
    "/etc/systemd/system/docker.socket",
];

fn finding(rule: &drydock_finding::Rule, f: &HostFile, msg: String) -> Finding {
    Finding::from_rule(rule, crate::location(&f.path, 0), msg)
}

fn describe(f: &HostFile) -> String {
    format!(
        "{} is {}:{} mode {:04o}",
        f.path,
        f.uid,
        f.gid,
        f.mode & 0o7777
    )
}

fn mode(f: &HostFile) -> u32 {
    f.mode & 0o7777
}

fn path(f: &HostFile) -> &str {
    f.path.trim_end_matches('/')
}

pub fn socket(f: &HostFile, out: &mut Vec<Finding>) {
    let path = path(f);
    if SOCKETS.contains(&path) {
        // The docker group's GID differs per host, so only the owner and bits are judged.
        let containerd = path.contains("containerd");
        let bad_owner = f.uid != 0 || (containerd && f.gid != 0);
        if bad_owner || mode(f) & !0o660 != 0 {
            out.push(finding(&SOCKET, f, describe(f)));
        }
    }
}

pub fn config_dir(f: &HostFile, out: &mut Vec<Finding>) {
    if path(f) == "/etc/docker" && (f.uid != 0 || f.gid != 0 || mode(f) & 0o022 != 0) {
        out.push(finding(&CONFIG_DIR, f, describe(f)));
    }
}

pub fn config_file(f: &HostFile, out: &mut Vec<Finding>) {
    if CONFIG_FILES.contains(&path(f)) && (f.uid != 0 || f.gid != 0 || mode(f) & 0o133 != 0) {
        out.push(finding(&CONFIG_FILE, f, describe(f)));
    }
}

/// Keys and certificates under `/etc/docker/` (the config files there have their own rule).
pub fn tls_files(f: &HostFile, out: &mut Vec<Finding>) {
    let path = path(f);
    if !path.starts_with("/etc/docker/") || CONFIG_FILES.contains(&path) {
        return;
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    let key = name.ends_with(".key") || name.ends_with("key.pem");
    let cert =
        !key && (name.ends_with(".pem") || name.ends_with(".crt") || name.ends_with(".cert"));
    if key && (f.uid != 0 || mode(f) & 0o377 != 0) {
        let msg = format!("{} (keys must be 0400)", describe(f));
        out.push(finding(&TLS_FILES, f, msg));
    } else if cert && (f.uid != 0 || mode(f) & 0o333 != 0) {
        let msg = format!("{} (certificates must be 0444)", describe(f));
        out.push(finding(&TLS_FILES, f, msg));
    }
}
