//! Servers started from a command line rather than configured by a file: the flags of a
//! supervisord program, a systemd unit's `ExecStart`, an entrypoint or start script are
//! configuration too. Each service judges its own command; this module finds the files and
//! joins shell line continuations.
//!
//! Judged here: `redis-server` exposed without a password (DD-CRED-020), `mongod` exposed
//! without authentication (DD-CRED-050) and Jupyter with its token and password turned off
//! (DD-CRED-140). VNC command lines are `vnc.rs`'s (same file selection).

use drydock_finding::{Kind, Rule, Severity};

use crate::sink::{Files, Sink};
use crate::text::is_loopback;

pub static JUPYTER_NO_AUTH: Rule = Rule {
    id: "DD-CRED-140",
    kind: Kind::Credential,
    severity: Severity::Critical,
    title: "Jupyter server runs without a token or password",
    why: "A Jupyter server with an empty token and no password runs any code its visitors type, \
          as its user; exposed beyond localhost it is a remote shell anyone can open, and such \
          servers are scanned for and taken over routinely.",
    fix: "Keep Jupyter's token authentication (the default) or set a hashed password, and bind \
          to localhost behind an authenticating proxy.",
    references: &[
        "CWE-306",
        "https://jupyter-server.readthedocs.io/en/latest/operators/security.html",
    ],
};

/// Files that start programs: supervisord programs, systemd units, entrypoint and start
/// scripts in the places images keep them.
pub(crate) fn launch_file(p: &str) -> bool {
    let name = super::file_name(p);
    let lower = name.to_ascii_lowercase();
    (p.starts_with("etc/supervisor") && (name.ends_with(".conf") || name.ends_with(".ini")))
        || name == "supervisord.conf"
        || (name.ends_with(".service") && p.contains("systemd/"))
        || ((lower.contains("entrypoint")
            || lower.starts_with("start")
            || lower.starts_with("run"))
            && (p.starts_with("usr/local/bin/")
                || p.starts_with("usr/bin/")
                || p.starts_with("opt/")
                || p.starts_with("root/")
                || p.starts_with("home/")
                || p.starts_with("etc/")
                || !p.contains('/')))
}

/// Each command of `text` with the line it starts on: shell continuations joined, comments
/// (`#`, `;`) skipped.
pub(crate) fn commands(text: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut start = 1u32;
    let mut joined = String::new();
    for (i, line) in text.lines().enumerate() {
        let no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if joined.is_empty() {
            start = no;
        }
        let trimmed = line.trim_end();
        if let Some(head) = trimmed.strip_suffix('\\') {
            joined.push_str(head);
            joined.push(' ');
            continue;
        }
        joined.push_str(trimmed);
        let cmd = std::mem::take(&mut joined);
        let t = cmd.trim_start();
        if !(t.is_empty() || t.starts_with('#') || t.starts_with(';')) {
            out.push((start, cmd));
        }
    }
    out
}

/// The words of a command, quotes and `=` kept inside words (`--ip=0.0.0.0`).
fn words(cmd: &str) -> Vec<String> {
    cmd.split(|c: char| c.is_whitespace() || c == '[' || c == ']' || c == ',')
        .map(|w| w.trim_matches(['"', '\'']).to_owned())
        .filter(|w| !w.is_empty())
        .collect()
}

/// The value of `--flag value` or `--flag=value` (the first one given).
fn flag<'a>(words: &'a [String], name: &str) -> Option<&'a str> {
    for (i, w) in words.iter().enumerate() {
        if let Some(v) = w.strip_prefix(name) {
            if let Some(v) = v.strip_prefix('=') {
                return Some(v.trim_matches(['"', '\'']));
            }
            if v.is_empty() {
                return Some(words.get(i + 1).map_or("", String::as_str));
            }
        }
    }
    None
}

fn has(words: &[String], name: &str) -> bool {
    words
        .iter()
        .any(|w| w == name || w.starts_with(&format!("{name}=")))
}

/// `redis-server` reachable from the network with the `default` user passwordless.
fn redis(words: &[String]) -> Option<String> {
    if !words.iter().any(|w| w.ends_with("redis-server")) {
        return None;
    }
    // A config file given as the first argument may set a password: not judged from here.
    let conf = words
        .iter()
        .skip_while(|w| !w.ends_with("redis-server"))
        .nth(1)
        .is_some_and(|w| !w.starts_with("--"));
    if conf || has(words, "--requirepass") || has(words, "--aclfile") || has(words, "--user") {
        return None;
    }
    if let Some(b) = flag(words, "--bind") {
        return (!b.split(' ').all(is_loopback))
            .then(|| format!("redis-server --bind {b} with no --requirepass"));
    }
    (flag(words, "--protected-mode") == Some("no"))
        .then(|| "redis-server --protected-mode no with no --requirepass or --bind".to_owned())
}

/// `mongod` listening beyond localhost with authentication off (its default).
fn mongod(words: &[String]) -> Option<String> {
    if !words.iter().any(|w| w.ends_with("mongod")) {
        return None;
    }
    let configured = has(words, "--config") || has(words, "-f");
    if configured || has(words, "--auth") || has(words, "--keyFile") {
        return None;
    }
    if has(words, "--bind_ip_all") {
        return Some("mongod --bind_ip_all without --auth".to_owned());
    }
    let ip = flag(words, "--bind_ip")?;
    ip.split(',')
        .find(|a| !is_loopback(a.trim()))
        .map(|a| format!("mongod --bind_ip {a} without --auth"))
}

/// Jupyter (notebook, lab, server) with the token empty and no password, listening beyond
/// localhost.
fn jupyter(words: &[String]) -> Option<String> {
    let is_jupyter = words.iter().any(|w| {
        w.ends_with("jupyter")
            || w.ends_with("jupyter-notebook")
            || w.ends_with("jupyter-lab")
            || w.ends_with("jupyter-server")
    });
    if !is_jupyter {
        return None;
    }
    let value = |key: &str| {
        ["--ServerApp.", "--NotebookApp."]
            .iter()
            .find_map(|p| flag(words, &format!("{p}{key}")))
    };
    let token_off = value("token") == Some("");
    let password = value("password").is_some_and(|p| !p.is_empty());
    if !token_off || password {
        return None;
    }
    let ip = value("ip").or_else(|| flag(words, "--ip"))?;
    (ip.is_empty() || ip == "*" || !is_loopback(ip))
        .then(|| format!("Jupyter with an empty token and no password, listening on {ip:?}"))
}

pub(crate) fn audit(files: &Files<'_>, sink: &mut Sink) {
    for (norm, path, bytes) in files.iter() {
        if !launch_file(norm) || bytes.contains(&0) {
            continue;
        }
        let text = String::from_utf8_lossy(bytes);
        for (line, cmd) in commands(&text) {
            let w = words(&cmd);
            if let Some(how) = redis(&w) {
                sink.push(&super::redis::REDIS_NO_AUTH, path, Some(line), how);
            }
            if let Some(how) = mongod(&w) {
                sink.push(&super::mongodb::MONGODB_NO_AUTH, path, Some(line), how);
            }
            if let Some(how) = jupyter(&w) {
                sink.push(&JUPYTER_NO_AUTH, path, Some(line), how);
            }
        }
    }
}
