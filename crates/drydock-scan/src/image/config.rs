//! Rules over the image configuration and build history.

use super::config_location;
use crate::Input;
use drydock_finding::{Kind, Location, Rule, Severity};
use drydock_secrets::heuristics::{auth_disabled, known_secret_value, secret_pair};
use drydock_secrets::redact;

pub static ROOT_USER: Rule = Rule {
    id: "DD-IMG-001",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Image runs as root",
    why: "A process running as root inside the container is root on the host if it escapes (runc CVE-2019-5736 overwrote the host runc binary from a root container).",
    fix: "Create an unprivileged user in the Dockerfile and switch to it with `USER <name>` (a numeric UID works with runAsNonRoot).",
    references: &[
        "CIS Docker Benchmark 4.1",
        "Dockle CIS-DI-0001",
        "Trivy DS002",
    ],
};

pub static SENSITIVE_PORT: Rule = Rule {
    id: "DD-IMG-002",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Image exposes a sensitive port",
    why: "Ports such as the Docker API (2375/2376), kubelet (10250), etcd (2379) or SSH (22) give control of the host or cluster when reachable; databases on them are a favourite target for ransom wipes.",
    fix: "Remove the EXPOSE line; publish the service only on an internal network, behind authentication and TLS.",
    references: &["CIS Docker Benchmark 5.7", "Trivy DS004"],
};

pub static SECRET_ENV: Rule = Rule {
    id: "DD-IMG-003",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Secret set in the image environment",
    why: "ENV values are stored in the image config, visible to anyone who can pull the image (`docker inspect`), and inherited by every container.",
    fix: "Pass secrets at run time (orchestrator secrets, mounted files, `--secret` build mounts) instead of ENV or ARG.",
    references: &["CIS Docker Benchmark 4.10", "Dockle CIS-DI-0010"],
};

pub static AUTH_OFF_ENV: Rule = Rule {
    id: "DD-IMG-014",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Authentication turned off in the image environment",
    why: "Database and dashboard images read settings such as POSTGRES_HOST_AUTH_METHOD=trust, MYSQL_ALLOW_EMPTY_PASSWORD or GF_AUTH_ANONYMOUS_ENABLED from the environment; baked into the image config, every container started from it serves without a password unless its operator knows to override the variable.",
    fix: "Remove the variable from the image (ENV in the Dockerfile) and have the service require a password given at run time from a secret store.",
    references: &["OWASP Docker Security Cheat Sheet: rule 12"],
};

pub static REMOTE_ADD: Rule = Rule {
    id: "DD-IMG-007",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Layer built with ADD from a remote URL",
    why: "ADD fetches the URL at build time without verifying its content; a compromised or changed server changes the image silently.",
    fix: "Download with curl or wget and verify a checksum, or use `ADD --checksum=sha256:...`.",
    references: &["CIS Docker Benchmark 4.9", "hadolint DL3020"],
};

pub static PIPE_TO_SHELL: Rule = Rule {
    id: "DD-IMG-008",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Layer built by piping a download into a shell",
    why: "`curl ... | sh` runs whatever the server returns, unverified, as root at build time.",
    fix: "Download to a file, verify its checksum or signature, then run it.",
    references: &["hadolint DL4006", "CIS Docker Benchmark 4.9"],
};

pub static NO_HEALTHCHECK: Rule = Rule {
    id: "DD-IMG-009",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Image has no HEALTHCHECK",
    why: "Without a health check the engine cannot tell a hung service from a healthy one, so failures go unnoticed and unrestarted.",
    fix: "Add a `HEALTHCHECK CMD ...` that probes the service (or rely on orchestrator probes and say so).",
    references: &["CIS Docker Benchmark 4.6", "Dockle CIS-DI-0006"],
};

pub static EOL_OS: Rule = Rule {
    id: "DD-IMG-012",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Operating system release is end of life",
    why: "An end-of-life release gets no more security updates: every vulnerability found from now on stays unfixed.",
    fix: "Rebuild on a supported release of the distribution.",
    references: &["https://endoflife.date"],
};

type Hits = Vec<(Location, String)>;

pub fn root_user(input: &Input<'_>) -> Hits {
    let Some(config) = &input.image.config else {
        return Vec::new();
    };
    let user = config.config.user.as_deref().unwrap_or("").trim();
    let name = user.split(':').next().unwrap_or("");
    match name {
        "" => vec![(
            config_location("config.User"),
            "no USER is set, so containers run as root".into(),
        )],
        "root" | "0" => vec![(config_location("config.User"), format!("USER is {user:?}"))],
        _ => Vec::new(),
    }
}

/// Ports worth a finding when exposed, with what listens there.
const SENSITIVE_PORTS: &[(u16, &str)] = &[
    (22, "SSH"),
    (23, "telnet"),
    (2375, "Docker API without TLS"),
    (2376, "Docker API"),
    (2379, "etcd"),
    (2380, "etcd peer"),
    (3306, "MySQL"),
    (5432, "PostgreSQL"),
    (6379, "Redis"),
    (9200, "Elasticsearch"),
    (10250, "kubelet"),
    (11211, "memcached"),
    (27017, "MongoDB"),
];

pub fn sensitive_ports(input: &Input<'_>) -> Hits {
    let Some(config) = &input.image.config else {
        return Vec::new();
    };
    config
        .exposed_ports()
        .into_iter()
        .filter_map(|spec| {
            let port: u16 = spec.split('/').next()?.parse().ok()?;
            let (_, what) = SENSITIVE_PORTS.iter().find(|(p, _)| *p == port)?;
            Some((
                config_location(format!("config.ExposedPorts[{spec}]")),
                format!("exposes {spec} ({what})"),
            ))
        })
        .collect()
}

/// The image config's Env as (index, name, value); entries without `=` are skipped.
fn env_entries<'a>(input: &'a Input<'_>) -> impl Iterator<Item = (usize, &'a str, &'a str)> {
    input
        .image
        .config
        .iter()
        .flat_map(|c| c.config.env.iter().enumerate())
        .filter_map(|(i, kv)| kv.split_once('=').map(|(k, v)| (i, k, v)))
}

/// Env entries that hold a secret: index, name, value and what kind of credential it looks like.
fn secret_env_entries<'a>(
    input: &'a Input<'_>,
) -> impl Iterator<Item = (usize, &'a str, &'a str, Option<&'static str>)> {
    env_entries(input).filter_map(|(i, k, v)| {
        // The same judgement as for a Dockerfile's ENV: a credential-shaped value under any
        // name, or a literal under a secret's name (not a path to a mounted secret file).
        match known_secret_value(v) {
            Some(what) => Some((i, k, v, Some(what))),
            None if secret_pair(k, v) => Some((i, k, v, None)),
            None => None,
        }
    })
}

pub fn secret_env(input: &Input<'_>) -> Hits {
    secret_env_entries(input)
        .map(|(i, k, v, what)| {
            let what = what.map(|w| format!(" ({w})")).unwrap_or_default();
            (
                config_location(format!("config.Env[{i}]")),
                format!("{k} is set to {}{what}", redact(v)),
            )
        })
        .collect()
}

pub fn auth_off_env(input: &Input<'_>) -> Hits {
    env_entries(input)
        .filter_map(|(i, k, v)| {
            let what = auth_disabled(k, v)?;
            Some((
                config_location(format!("config.Env[{i}]")),
                format!("{k}: {what}"),
            ))
        })
        .collect()
}

/// The values [`secret_env`] flags, for masking wherever the report copies the Env.
pub(crate) fn secret_env_values(input: &Input<'_>) -> Vec<String> {
    secret_env_entries(input)
        .map(|(_, _, v, _)| v.to_owned())
        .collect()
}

fn history_hits(input: &Input<'_>, pred: impl Fn(&str) -> Option<String>) -> Hits {
    let Some(config) = &input.image.config else {
        return Vec::new();
    };
    // The messages quote build lines: a secret in one is masked as in the report's copy of the
    // history, before the line is shortened (which could cut a secret past recognition).
    let redactor = (!input.options.show_secrets).then(|| crate::secrets::metadata_redactor(input));
    config
        .history
        .iter()
        .enumerate()
        .filter_map(|(i, h)| {
            let line = h.created_by.as_deref()?;
            let shown = match &redactor {
                Some(r) => r.apply(line),
                None => line.to_owned(),
            };
            pred(&shown).map(|m| (config_location(format!("history[{i}]")), m))
        })
        .collect()
}

pub fn remote_add(input: &Input<'_>) -> Hits {
    history_hits(input, |line| {
        let after_add = line.split_once("ADD ").map(|(_, r)| r)?;
        let url = after_add
            .split_whitespace()
            .find(|w| w.starts_with("http://") || w.starts_with("https://"))?;
        Some(format!("ADD {url}"))
    })
}

pub fn pipe_to_shell(input: &Input<'_>) -> Hits {
    history_hits(input, |line| {
        if !(line.contains("curl") || line.contains("wget")) {
            return None;
        }
        pipes_into_shell(line).then(|| format!("runs {}", shorten(line)))
    })
}

/// `| sh`, `|bash -s`, `| sudo sh`: a pipe whose next command is a shell.
fn pipes_into_shell(line: &str) -> bool {
    line.split('|').skip(1).any(|seg| {
        let mut words = seg.split_whitespace();
        let mut cmd = words.next().unwrap_or("");
        if cmd == "sudo" {
            cmd = words.next().unwrap_or("");
        }
        let base = cmd.rsplit('/').next().unwrap_or(cmd);
        matches!(
            base,
            "sh" | "bash" | "zsh" | "ash" | "dash" | "ksh" | "python" | "python3" | "perl"
        )
    })
}

fn shorten(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() > 120 {
        format!("{}...", s.chars().take(117).collect::<String>())
    } else {
        s.to_owned()
    }
}

pub fn no_healthcheck(input: &Input<'_>) -> Hits {
    let Some(config) = &input.image.config else {
        return Vec::new();
    };
    match &config.config.healthcheck {
        Some(h) if h.test.first().map(String::as_str) != Some("NONE") && !h.test.is_empty() => {
            Vec::new()
        }
        _ => vec![(
            config_location("config.Healthcheck"),
            "no HEALTHCHECK instruction".into(),
        )],
    }
}

pub fn eol_os(input: &Input<'_>) -> Hits {
    match &input.scan.os {
        Some(os) if os.eol == Some(true) => vec![(
            Location {
                path: Some(os.source.display().into_owned()),
                ..Location::default()
            },
            format!(
                "{} reached end of life on {}",
                os.name
                    .clone()
                    .unwrap_or_else(|| format!("{} {}", os.family, os.version)),
                os.eol_date.unwrap_or("an unknown date")
            ),
        )],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_pipes() {
        assert!(pipes_into_shell("/bin/sh -c curl -fsSL https://x | sh"));
        assert!(pipes_into_shell(
            "RUN wget -qO- https://x |sudo /bin/bash -s --"
        ));
        assert!(!pipes_into_shell("curl https://x | tar xz"));
        assert!(!pipes_into_shell("curl https://x -o y && sh y"));
    }
}
