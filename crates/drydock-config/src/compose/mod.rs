//! Docker Compose files: the services and how each one is run.

pub mod rules;

use crate::yaml::{self, Node};
use crate::{ConfigError, ConfigErrorKind, ScanResult};
use drydock_finding::{Finding, Rule};

/// One service of a Compose file.
pub struct Service<'a> {
    pub path: &'a str,
    pub name: &'a str,
    /// Line of the service's key.
    pub line: u32,
    pub node: &'a Node,
}

impl Service<'_> {
    pub fn finding(&self, rule: &Rule, line: u32, message: impl AsRef<str>) -> Finding {
        Finding::from_rule(
            rule,
            crate::location(self.path, line),
            format!("service {}: {}", self.name, message.as_ref()),
        )
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.node.get(key)
    }

    /// A string setting, case-insensitively compared by callers.
    pub fn str(&self, key: &str) -> Option<(&Node, &str)> {
        let n = self.node.get(key)?;
        Some((n, n.as_str()?))
    }
}

/// The Dockerfiles a Compose file builds with `target:` and the stage each names, as
/// (Dockerfile path next to the compose file's, stage name in lower case): those stages become
/// images that run, so they are checked like final stages.
pub fn build_targets(path: &str, text: &str) -> Vec<(String, String)> {
    let (docs, _) = yaml::load(text);
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    let mut out = Vec::new();
    for doc in &docs {
        let Some(services) = doc.get("services") else {
            continue;
        };
        for (_, v) in services.entries() {
            let Some(build) = v.get("build") else {
                continue;
            };
            let Some(target) = build.get("target").and_then(Node::as_str) else {
                continue;
            };
            let context = build.get("context").and_then(Node::as_str).unwrap_or(".");
            let dockerfile = build
                .get("dockerfile")
                .and_then(Node::as_str)
                .unwrap_or("Dockerfile");
            out.push((
                normalize_join(&[dir, context, dockerfile]),
                target.to_ascii_lowercase(),
            ));
        }
    }
    out
}

/// `a/./b/../c` as `a/c`: joins relative parts the way Compose resolves a build context.
pub(crate) fn normalize_join(parts: &[&str]) -> String {
    let mut out: Vec<&str> = Vec::new();
    for part in parts {
        if part.starts_with('/') {
            out.clear();
        }
        for seg in part.split('/') {
            match seg {
                "" | "." => {}
                ".." => {
                    out.pop();
                }
                s => out.push(s),
            }
        }
    }
    out.join("/")
}

/// Parses and checks one Compose file.
pub fn scan(path: &str, text: &str) -> ScanResult {
    let mut result = ScanResult::default();
    let (docs, err) = yaml::load(text);
    if let Some(e) = err {
        result.errors.push(ConfigError::new(
            path,
            Some(e.line).filter(|l| *l > 0),
            ConfigErrorKind::Yaml(e.message),
        ));
    }
    for doc in &docs {
        let Some(services) = doc.get("services") else {
            continue;
        };
        for (k, v) in services.entries() {
            let Some(name) = k.scalar() else { continue };
            if !v.is_map() {
                continue;
            }
            let svc = Service {
                path,
                name,
                line: k.line,
                node: v,
            };
            for entry in rules::RULES {
                (entry.run)(&svc, &mut result.findings);
            }
        }
    }
    result
}
