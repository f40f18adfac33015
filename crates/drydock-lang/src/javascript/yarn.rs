//! `yarn.lock`, both generations.
//!
//! Yarn classic (v1) writes its own indentation-based format that is *not* YAML (values are
//! space-separated, keys can be comma-joined quoted lists), so it gets a small line parser.
//! Yarn berry (v2+) writes real YAML with a `__metadata` block and protocol-qualified
//! descriptors (`name@npm:^1.0.0`). Both map each requested descriptor to one resolved
//! package, which is how dependency ranges are turned into exact versions.

use std::collections::HashMap;

use crate::yaml::Yaml;

use super::split_name_at;
use crate::yaml::{as_str, entries, get, get_str};
use crate::{Ecosystem, LangError, Package, PathPattern, make_purl};

const FORMAT: &str = "yarn.lock";

/// `yarn.lock` in any directory.
pub const PARSER: crate::Parser = crate::Parser {
    name: "yarn.lock",
    ecosystem: Ecosystem::Npm,
    paths: &[PathPattern::FileName("yarn.lock")],
    parse,
};

/// Parses either generation, telling them apart by berry's `__metadata` block.
pub fn parse(path: &str, data: &[u8]) -> Result<Vec<Package>, LangError> {
    let text = crate::text(path, FORMAT, data)?;
    if text.lines().any(|l| l.starts_with("__metadata:")) {
        parse_berry(path, &text)
    } else {
        parse_classic(path, &text)
    }
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
}

/// Protocols whose packages are local code or links, not registry releases.
fn is_local_range(range: &str) -> bool {
    ["file:", "link:", "workspace:", "portal:", "exec:"]
        .iter()
        .any(|p| range.starts_with(p))
}

#[derive(Default)]
struct ClassicEntry {
    patterns: Vec<String>,
    version: Option<String>,
    deps: Vec<(String, String)>,
}

fn parse_classic(path: &str, text: &str) -> Result<Vec<Package>, LangError> {
    let mut entries: Vec<ClassicEntry> = Vec::new();
    let mut in_deps = false;
    let mut saw_header = false;
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_end();
        if trimmed.trim_start().starts_with('#') || trimmed.trim().is_empty() {
            saw_header |= trimmed.contains("yarn lockfile");
            continue;
        }
        let indent = trimmed.len() - trimmed.trim_start().len();
        let body = trimmed.trim_start();
        if indent == 0 {
            let Some(keys) = body.strip_suffix(':') else {
                return Err(LangError::invalid(
                    path,
                    FORMAT,
                    format!("line {}: expected `pattern:`", n + 1),
                ));
            };
            let patterns = keys
                .split(',')
                .map(|p| unquote(p).to_owned())
                .filter(|p| !p.is_empty())
                .collect();
            entries.push(ClassicEntry {
                patterns,
                ..ClassicEntry::default()
            });
            in_deps = false;
            continue;
        }
        let Some(entry) = entries.last_mut() else {
            return Err(LangError::invalid(
                path,
                FORMAT,
                format!("line {}: field outside an entry", n + 1),
            ));
        };
        if indent <= 2 {
            in_deps = matches!(body, "dependencies:" | "optionalDependencies:");
            if let Some(v) = body.strip_prefix("version ") {
                entry.version = Some(unquote(v).to_owned());
            }
        } else if in_deps {
            let (name, range) = split_key_value(body);
            entry
                .deps
                .push((unquote(name).to_owned(), unquote(range).to_owned()));
        }
    }
    if entries.is_empty() && !saw_header && !text.trim().is_empty() {
        return Err(LangError::invalid(path, FORMAT, "no entries"));
    }
    // descriptor (`name@range`) -> (real name, version)
    let mut by_pattern: HashMap<&str, (String, String)> = HashMap::new();
    let mut resolved = Vec::new();
    for e in &entries {
        let Some(version) = &e.version else { continue };
        let Some((name, range)) = e.patterns.first().and_then(|p| split_name_at(p)) else {
            continue;
        };
        if is_local_range(range) {
            continue;
        }
        // `alias@npm:real@^1` installs `real` under another name.
        let real = range
            .strip_prefix("npm:")
            .and_then(split_name_at)
            .map_or(name, |(n, _)| n);
        for p in &e.patterns {
            by_pattern.insert(p.as_str(), (real.to_owned(), version.clone()));
        }
        resolved.push((e, real.to_owned(), version.clone()));
    }
    let mut out = Vec::new();
    for (e, name, version) in resolved {
        let Some(mut pkg) = Package::new(Ecosystem::Npm, &name, &version, path) else {
            continue;
        };
        for (dep, range) in &e.deps {
            let key = format!("{dep}@{range}");
            let purl = by_pattern
                .get(key.as_str())
                .and_then(|(n, v)| make_purl(Ecosystem::Npm, n, v));
            pkg.dependencies.push(purl.unwrap_or_else(|| dep.clone()));
        }
        out.push(pkg);
    }
    Ok(crate::finish(out))
}

/// Splits `"name" "range"` / `name range` at the first space outside quotes.
fn split_key_value(s: &str) -> (&str, &str) {
    let mut in_q = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => in_q = !in_q,
            ' ' if !in_q => return (&s[..i], &s[i + 1..]),
            _ => {}
        }
    }
    (s, "")
}

fn parse_berry(path: &str, text: &str) -> Result<Vec<Package>, LangError> {
    let doc = crate::yaml::load(path, FORMAT, text)?;
    if doc.as_mapping().is_none() {
        return Err(LangError::invalid(
            path,
            FORMAT,
            "top level is not a mapping",
        ));
    }
    // descriptor -> (name, version) for registry packages
    let mut by_desc: HashMap<String, (String, String)> = HashMap::new();
    let mut found: Vec<(&Yaml<'_>, String, String)> = Vec::new();
    for (key, entry) in entries(&doc) {
        if key == "__metadata" {
            continue;
        }
        let (Some(resolution), Some(version)) =
            (get_str(entry, "resolution"), get_str(entry, "version"))
        else {
            continue;
        };
        let Some((name, reference)) = split_name_at(resolution) else {
            continue;
        };
        if !reference.starts_with("npm:") || get_str(entry, "linkType") == Some("soft") {
            continue;
        }
        for desc in key.split(',') {
            by_desc.insert(
                desc.trim().to_owned(),
                (name.to_owned(), version.to_owned()),
            );
        }
        found.push((entry, name.to_owned(), version.to_owned()));
    }
    let mut out = Vec::new();
    for (entry, name, version) in found {
        let Some(mut pkg) = Package::new(Ecosystem::Npm, &name, &version, path) else {
            continue;
        };
        for kind in ["dependencies", "optionalDependencies"] {
            let Some(deps) = get(entry, kind) else {
                continue;
            };
            for (dep, range) in entries(deps) {
                let range = as_str(range).unwrap_or("");
                let desc = if range.contains(':') {
                    format!("{dep}@{range}")
                } else {
                    format!("{dep}@npm:{range}")
                };
                let purl = by_desc
                    .get(&desc)
                    .and_then(|(n, v)| make_purl(Ecosystem::Npm, n, v));
                pkg.dependencies
                    .push(purl.unwrap_or_else(|| dep.to_owned()));
            }
        }
        out.push(pkg);
    }
    Ok(crate::finish(out))
}
