//! Misconfiguration rules for the files that describe how containers are built and run:
//! Dockerfiles, Kubernetes manifests, Docker Compose files and the Docker daemon's own
//! configuration and host files.
//!
//! Everything here is pure: callers hand in bytes (and, for host files, metadata), and get
//! findings and per-file errors back. A file that cannot be parsed yields a [`ConfigError`]
//! with its path and line and never stops the other files from being scanned, because one
//! broken manifest in a repository must not hide the problems in the rest.

pub mod compose;
pub mod dockerfile;
pub mod host;
mod image_ref;
pub mod k8s;
mod secrets;
mod shell;

// The rule modules read documents as `crate::yaml::Node`; the tree itself lives in drydock-yaml.
use drydock_yaml::tree as yaml;

use drydock_finding::{Finding, Location, Rule};

pub use host::HostFile;

/// The largest file this crate will look at. Real configuration files are kilobytes; anything
/// far larger is either generated noise or an attempt to exhaust memory.
pub const MAX_FILE_SIZE: usize = 16 * 1024 * 1024;

/// Why a file could not be (fully) scanned.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigErrorKind {
    #[error("invalid YAML: {0}")]
    Yaml(String),
    #[error("invalid JSON: {0}")]
    Json(String),
    #[error("invalid Dockerfile: {0}")]
    Dockerfile(String),
    #[error("file is {0} bytes, over the {MAX_FILE_SIZE}-byte limit")]
    TooLarge(usize),
    #[error("file is not UTF-8 text")]
    NotText,
}

/// A file (or part of one) that could not be scanned, with where the problem is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}{}: {kind}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ConfigError {
    pub path: String,
    /// 1-based line of the problem, when the parser knows it.
    pub line: Option<u32>,
    pub kind: ConfigErrorKind,
}

impl ConfigError {
    pub(crate) fn new(path: &str, line: Option<u32>, kind: ConfigErrorKind) -> Self {
        ConfigError {
            path: path.to_owned(),
            line,
            kind,
        }
    }
}

/// Findings and errors from one scan; both are sorted so output is deterministic.
#[derive(Debug, Default)]
pub struct ScanResult {
    pub findings: Vec<Finding>,
    pub errors: Vec<ConfigError>,
}

impl ScanResult {
    fn extend(&mut self, other: ScanResult) {
        self.findings.extend(other.findings);
        self.errors.extend(other.errors);
    }

    fn sort(&mut self) {
        self.findings.sort_by(|a, b| {
            (&a.location.path, a.location.line, &a.id, &a.message).cmp(&(
                &b.location.path,
                b.location.line,
                &b.id,
                &b.message,
            ))
        });
        self.errors
            .sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    }
}

/// The kinds of file this crate understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Dockerfile,
    Kubernetes,
    Compose,
    DaemonJson,
}

fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Whether the name alone says "Dockerfile": build files have no fixed extension, so the
/// common spellings (`Dockerfile`, `Containerfile`, `Dockerfile.prod`, `api.dockerfile`) are
/// all accepted.
fn is_dockerfile_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "dockerfile"
        || lower == "containerfile"
        || lower.starts_with("dockerfile.")
        || lower.starts_with("containerfile.")
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
}

fn is_yaml_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".yaml") || lower.ends_with(".yml")
}

/// Whether a path could hold a file this crate scans, judged by name only so a directory walk
/// can skip everything else without reading it. YAML is accepted broadly: whether it is a
/// manifest, a Compose file or neither is only known from its content.
pub fn wants(path: &str) -> bool {
    let name = file_name(path);
    is_dockerfile_name(name) || is_yaml_name(name) || name.eq_ignore_ascii_case("daemon.json")
}

/// Decides what a file is from its name and, for YAML, its content: a top-level `services:`
/// key means Compose, a document with `apiVersion` and `kind` means Kubernetes. YAML that is
/// neither (CI pipelines, Helm values) is not ours and yields `None` rather than an error.
pub fn detect(path: &str, content: &[u8]) -> Option<FileKind> {
    let name = file_name(path);
    if is_dockerfile_name(name) {
        return Some(FileKind::Dockerfile);
    }
    if name.eq_ignore_ascii_case("daemon.json") {
        return Some(FileKind::DaemonJson);
    }
    if !is_yaml_name(name) {
        return None;
    }
    let text = std::str::from_utf8(content).ok()?;
    let lower = name.to_ascii_lowercase();
    let compose_name = lower.starts_with("docker-compose") || lower.starts_with("compose");
    let mut has_api = false;
    let mut has_kind = false;
    for line in text.lines() {
        // Only top-level keys count; they start in column 0 (or after a document marker).
        let line = line.strip_prefix("--- ").unwrap_or(line);
        if line.starts_with("services:") {
            return Some(FileKind::Compose);
        }
        has_api |= line.starts_with("apiVersion:");
        has_kind |= line.starts_with("kind:");
        // Items of a `List` are indented; accept them too.
        let t = line.trim_start().trim_start_matches("- ");
        has_api |= t.starts_with("apiVersion:");
        has_kind |= t.starts_with("kind:");
    }
    if has_api && has_kind {
        Some(FileKind::Kubernetes)
    } else if compose_name {
        Some(FileKind::Compose)
    } else {
        None
    }
}

/// Scans one file. Cross-document checks (NetworkPolicy coverage) see only this file's
/// documents; use [`scan_set`] to give them a whole directory.
pub fn scan_file(path: &str, content: &[u8]) -> ScanResult {
    scan_set(&[(path.to_owned(), content.to_vec())])
}

/// Scans files that belong together (a directory, a rendered chart), so that checks across
/// documents — a namespace with workloads but no default-deny NetworkPolicy — see all of them.
pub fn scan_set(files: &[(String, Vec<u8>)]) -> ScanResult {
    let mut result = ScanResult::default();
    let mut objects: Vec<k8s::Object> = Vec::new();
    // Stages Compose files build with `target:` run as images: their Dockerfiles check them
    // like final stages. Keyed by the Dockerfile's normalised path.
    let mut targets: std::collections::HashMap<String, Vec<String>> = Default::default();
    for (path, content) in files {
        if detect(path, content) == Some(FileKind::Compose)
            && content.len() <= MAX_FILE_SIZE
            && let Ok(text) = std::str::from_utf8(content)
        {
            for (dockerfile, target) in compose::build_targets(path, text) {
                targets.entry(dockerfile).or_default().push(target);
            }
        }
    }
    for (path, content) in files {
        let Some(kind) = detect(path, content) else {
            continue;
        };
        if content.len() > MAX_FILE_SIZE {
            result.errors.push(ConfigError::new(
                path,
                None,
                ConfigErrorKind::TooLarge(content.len()),
            ));
            continue;
        }
        let Ok(text) = std::str::from_utf8(content) else {
            result
                .errors
                .push(ConfigError::new(path, None, ConfigErrorKind::NotText));
            continue;
        };
        match kind {
            FileKind::Dockerfile => {
                let shipped = targets
                    .get(&compose::normalize_join(&[path]))
                    .map_or(&[][..], Vec::as_slice);
                result.extend(dockerfile::scan_with_targets(path, text, shipped))
            }
            FileKind::Compose => result.extend(compose::scan(path, text)),
            FileKind::DaemonJson => result.extend(host::scan_daemon_json(path, text)),
            FileKind::Kubernetes => {
                let (objs, errors) = k8s::load(path, text);
                result.errors.extend(errors);
                objects.extend(objs);
            }
        }
    }
    let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    result.findings.extend(k8s::check_units(objects, &paths));
    result.sort();
    result
}

/// Scans Docker host files: `daemon.json` content and the ownership and permissions of the
/// socket and configuration files (CIS Docker Benchmark sections 2 and 3).
pub fn scan_host(files: &[HostFile]) -> ScanResult {
    let mut result = host::scan(files);
    result.sort();
    result
}

/// Every rule this crate can report, family by family, in id order.
pub fn rules() -> Vec<&'static Rule> {
    let mut all: Vec<&'static Rule> = Vec::new();
    all.extend(dockerfile::rules::RULES.iter().map(|e| e.rule));
    all.extend(k8s::rules::RULES.iter().map(|e| e.rule));
    all.extend(compose::rules::RULES.iter().map(|e| e.rule));
    all.extend(host::rules::RULES.iter().map(|e| e.rule));
    all
}

pub(crate) fn location(path: &str, line: u32) -> Location {
    Location {
        path: Some(path.to_owned()),
        line: (line > 0).then_some(line),
        ..Location::default()
    }
}
