//! Rules over the final file tree of the image.

use crate::Input;
use drydock_finding::{Kind, Location, Rule, Severity};
use drydock_fs::{FileType, ImagePath, Node, PathRef};

pub static SETUID: Rule = Rule {
    id: "DD-IMG-004",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Unexpected setuid or setgid file",
    why: "A setuid/setgid binary runs with its owner's privileges; one that is not a standard system tool is a ready-made privilege escalation for anyone who gets a shell in the container.",
    fix: "Remove the special bits (`chmod u-s,g-s FILE`) in the Dockerfile, or remove the file.",
    references: &["CIS Docker Benchmark 4.8", "Dockle CIS-DI-0008"],
};

pub static WORLD_WRITABLE: Rule = Rule {
    id: "DD-IMG-005",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "World-writable file or directory without the sticky bit",
    why: "Any user in the container can replace a world-writable file, or files in a world-writable directory without the sticky bit, and so hijack what runs or reads them.",
    fix: "Tighten the mode (`chmod o-w`), or set the sticky bit on shared directories (`chmod +t`).",
    references: &["CIS Distribution Independent Linux 6.1.10", "CIS 6.1.11"],
};

pub static PACKAGE_CACHE: Rule = Rule {
    id: "DD-IMG-006",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Package manager cache left in the image",
    why: "Caches bloat every pull and keep package indexes that tell an attacker exactly what versions were available at build time.",
    fix: "Clean in the same RUN: `apt-get clean && rm -rf /var/lib/apt/lists/*`, `apk add --no-cache`, `pip install --no-cache-dir`, `dnf clean all`.",
    references: &[
        "Dockle DKL-DI-0005",
        "hadolint DL3009",
        "hadolint DL3019",
        "hadolint DL3042",
    ],
};

pub static DOCKER_SOCKET: Rule = Rule {
    id: "DD-IMG-010",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Docker socket baked into the image",
    why: "Whoever can talk to the Docker socket controls the host; an image that ships one expects to be run with the host socket mounted.",
    fix: "Remove the socket from the image and do not mount the host's Docker socket into containers.",
    references: &["CIS Docker Benchmark 5.31"],
};

pub static SSH_HOST_KEYS: Rule = Rule {
    id: "DD-IMG-011",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "SSH host private key baked into the image",
    why: "Every container from the image shares the same host key, and everyone who can pull the image has it: they can impersonate the server.",
    fix: "Delete /etc/ssh/ssh_host_*_key in the build and generate keys at container start.",
    references: &["CIS Docker Benchmark 4.10"],
};

pub static KEY_MODE: Rule = Rule {
    id: "DD-IMG-013",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Private key readable beyond its owner and group",
    why: "A private key file with a mode wider than 0640 can be read by every user in the container, so any compromised process, whatever its user, gets the key; ssh and most TLS servers refuse such keys for that reason.",
    fix: "chmod 600 (or 640 for a service group) the key in the build, or better, mount keys at run time instead of baking them in.",
    references: &["CIS Distribution Independent Linux 5.2.2", "CWE-732"],
};

/// Secret rules whose match means the file holds private key material.
const KEY_RULES: &[&str] = &["private-key", "putty-private-key"];

type Hits = Vec<(Location, String)>;

/// Findings of one rule past this many are folded into one summary finding.
const MAX_PER_RULE: usize = 50;

fn loc(input: &Input<'_>, path: PathRef<'_>, node: &Node<'_>) -> Location {
    Location {
        layer: Some(node.layer),
        diff_id: input
            .scan
            .layers
            .get(node.layer)
            .and_then(|l| l.stats.diff_id.as_ref())
            .map(ToString::to_string),
        path: Some(path.display().into_owned()),
        line: None,
        status: Some("present".into()),
    }
}

fn capped(mut hits: Hits, what: &str) -> Hits {
    if hits.len() > MAX_PER_RULE {
        let more = hits.len() - MAX_PER_RULE;
        hits.truncate(MAX_PER_RULE);
        hits.push((Location::default(), format!("and {more} more {what}")));
    }
    hits
}

/// Setuid/setgid programs every mainstream distribution ships for a reason.
const EXPECTED_SETUID: &[&str] = &[
    "passwd",
    "su",
    "sudo",
    "sudoedit",
    "mount",
    "umount",
    "chsh",
    "chfn",
    "newgrp",
    "gpasswd",
    "expiry",
    "chage",
    "unix_chkpwd",
    "pam_timestamp_check",
    "ping",
    "ping6",
    "ssh-keysign",
    "fusermount",
    "fusermount3",
    "pkexec",
    "polkit-agent-helper-1",
    "dbus-daemon-launch-helper",
    "Xorg.wrap",
    "wall",
    "write",
    "bsd-write",
    "crontab",
    "dotlockfile",
    "ssh-agent",
    "mount.nfs",
    "at",
    "newuidmap",
    "newgidmap",
    "utempter",
    "staprun",
    "mount.cifs",
    "chromium-sandbox",
    "chrome-sandbox",
    "traceroute6.iputils",
    "screen",
    "mlocate",
    "plocate",
    "locate",
    "lockdev",
    "usernetctl",
    "userhelper",
    "suexec",
    "exim4",
    "procmail",
    "mail-lock",
    "mail-unlock",
    "mail-touchlock",
    "sg",
];

pub fn setuid(input: &Input<'_>) -> Hits {
    let hits = input
        .scan
        .tree
        .iter()
        .filter(|(_, n)| n.kind == FileType::File && n.mode & 0o6000 != 0)
        .filter(|(p, _)| {
            !EXPECTED_SETUID
                .iter()
                .any(|e| p.file_name() == e.as_bytes())
        })
        .map(|(p, n)| {
            let bits = match (n.mode & 0o4000 != 0, n.mode & 0o2000 != 0) {
                (true, true) => "setuid and setgid",
                (true, false) => "setuid",
                _ => "setgid",
            };
            (
                loc(input, p, &n),
                format!(
                    "{p} is {bits} (mode {:04o}, owner uid {})",
                    n.mode & 0o7777,
                    n.uid
                ),
            )
        })
        .collect();
    capped(hits, "setuid/setgid files")
}

/// Kernel-provided trees that are not image content even when a rootfs has them.
fn virtual_path(p: PathRef<'_>) -> bool {
    ["proc", "sys", "dev"]
        .iter()
        .any(|v| p.is_within(&ImagePath::new(v)))
}

pub fn world_writable(input: &Input<'_>) -> Hits {
    let hits = input
        .scan
        .tree
        .iter()
        .filter(|(p, n)| {
            n.mode & 0o002 != 0
                && !virtual_path(*p)
                && match n.kind {
                    FileType::File => true,
                    FileType::Dir => n.mode & 0o1000 == 0,
                    _ => false,
                }
        })
        .map(|(p, n)| {
            let what = if n.kind == FileType::Dir {
                "directory without the sticky bit"
            } else {
                "file"
            };
            (
                loc(input, p, &n),
                format!(
                    "{p} is a world-writable {what} (mode {:04o})",
                    n.mode & 0o7777
                ),
            )
        })
        .collect();
    capped(hits, "world-writable paths")
}

/// Cache directories and which of their files are cache content (not lock files or markers).
const CACHES: &[(&str, &str)] = &[
    ("var/cache/apt/archives", "apt"),
    ("var/lib/apt/lists", "apt"),
    ("var/cache/apk", "apk"),
    ("var/cache/yum", "yum"),
    ("var/cache/dnf", "dnf"),
    ("var/cache/zypp", "zypper"),
    ("root/.cache/pip", "pip"),
    ("root/.npm/_cacache", "npm"),
    ("usr/local/share/.cache/yarn", "yarn"),
];

pub fn package_caches(input: &Input<'_>) -> Hits {
    CACHES
        .iter()
        .filter_map(|(dir, tool)| {
            let dir = ImagePath::new(dir);
            let (files, bytes, top) = input
                .scan
                .tree
                .descendants(&dir)
                .filter(|(p, n)| {
                    n.kind == FileType::File
                        && !matches!(p.file_name(), b"lock" | b".gitignore" | b"CACHEDIR.TAG")
                })
                .fold((0usize, 0u64, None::<usize>), |(c, b, t), (_, n)| {
                    (
                        c + 1,
                        b + n.size,
                        Some(t.map_or(n.layer, |t: usize| t.max(n.layer))),
                    )
                });
            let layer = top?;
            (files > 0).then(|| {
                let location = Location {
                    layer: Some(layer),
                    diff_id: input
                        .scan
                        .layers
                        .get(layer)
                        .and_then(|l| l.stats.diff_id.as_ref())
                        .map(ToString::to_string),
                    path: Some(dir.display().into_owned()),
                    line: None,
                    status: Some("present".into()),
                };
                (
                    location,
                    format!(
                        "{tool} cache {dir} holds {files} files ({} KiB)",
                        bytes / 1024
                    ),
                )
            })
        })
        .collect()
}

pub fn docker_socket(input: &Input<'_>) -> Hits {
    ["var/run/docker.sock", "run/docker.sock"]
        .iter()
        .filter_map(|p| {
            let path = ImagePath::new(p);
            let node = input.scan.tree.get(&path)?;
            (!matches!(node.kind, FileType::Dir)).then(|| {
                (
                    loc(input, path.as_path_ref(), &node),
                    format!("{path} is in the image"),
                )
            })
        })
        .collect()
}

/// Files the secret scanner found private keys in, present in the final image with a mode that
/// lets others (or the group, to write) at them.
pub fn key_modes(input: &Input<'_>) -> Hits {
    let mut hits: Hits = Vec::new();
    for o in &input.scan.outputs {
        let drydock_analyze::Artifact::Secrets(file) = &o.artifact else {
            continue;
        };
        if !file
            .matches
            .iter()
            .any(|m| KEY_RULES.contains(&m.rule_id.as_str()))
        {
            continue;
        }
        let Some(node) = input.scan.tree.get(&o.path) else {
            continue;
        };
        let mode = node.mode & 0o777;
        if node.kind == FileType::File
            && node.layer == o.layer
            && mode & !0o640 != 0
            && !hits
                .iter()
                .any(|(l, _)| l.path.as_deref() == Some(&*o.path.display()))
        {
            hits.push((
                loc(input, o.path.as_path_ref(), &node),
                format!("{} holds a private key and is mode {mode:04o}", o.path),
            ));
        }
    }
    capped(hits, "readable private keys")
}

pub fn ssh_host_keys(input: &Input<'_>) -> Hits {
    input
        .scan
        .tree
        .descendants(&ImagePath::new("etc/ssh"))
        .filter(|(p, n)| {
            n.kind == FileType::File
                && p.parent().as_bytes() == b"etc/ssh"
                && p.file_name().starts_with(b"ssh_host_")
                && p.file_name().ends_with(b"_key")
        })
        .map(|(p, n)| {
            (
                loc(input, p, &n),
                format!("{p} is a host private key shared by every container"),
            )
        })
        .collect()
}
