//! Ruby: `Gemfile.lock` and installed gem specifications.
//!
//! Installed gems are described by `specifications/<name>-<version>.gemspec`, which is
//! Ruby code. It is never evaluated: RubyGems writes these files from a template, so the
//! `s.name = "..."` / `s.version = "..."` assignment lines are reliable to read as text.

use std::collections::{HashMap, HashSet};

use crate::{Ecosystem, LangError, Package, PathPattern, make_purl};

/// `Gemfile.lock` (and the `gems.locked` spelling) in any directory.
pub const GEMFILE_LOCK: crate::Parser = crate::Parser {
    name: "Gemfile.lock",
    ecosystem: Ecosystem::RubyGems,
    paths: &[
        PathPattern::FileName("Gemfile.lock"),
        PathPattern::FileName("gems.locked"),
    ],
    parse: parse_gemfile_lock,
};

/// Installed gem specifications.
pub const GEMSPEC: crate::Parser = crate::Parser {
    name: "gemspec",
    ecosystem: Ecosystem::RubyGems,
    paths: &[PathPattern::Glob("**/specifications/*.gemspec")],
    parse: parse_gemspec,
};

/// Strips a platform suffix: RubyGems versions cannot contain `-` (prereleases are written
/// `1.0.0.pre`), so `1.15.4-x86_64-linux` is version `1.15.4` built for a platform.
fn strip_platform(v: &str) -> &str {
    v.split('-').next().unwrap_or(v)
}

/// Parses the `GEM` and `GIT` sections' specs (`PATH` gems are local code). Direct gems are
/// those under `DEPENDENCIES`; each spec's indented lines are its dependencies.
pub fn parse_gemfile_lock(path: &str, data: &[u8]) -> Result<Vec<Package>, LangError> {
    let text = crate::text(path, "Gemfile.lock", data)?;
    let mut section = "";
    let mut specs: Vec<(String, String, Vec<String>)> = Vec::new();
    let mut direct: HashSet<String> = HashSet::new();
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let body = line.trim_start();
        if indent == 0 {
            section = body;
            continue;
        }
        let name_of = |s: &str| {
            s.split(" (")
                .next()
                .unwrap_or(s)
                .trim_end_matches('!')
                .to_owned()
        };
        match (section, indent) {
            ("GEM" | "GIT", 4) => {
                let Some((name, rest)) = body.split_once(" (") else {
                    continue;
                };
                let version = rest.trim_end_matches(')');
                specs.push((
                    name.to_owned(),
                    strip_platform(version).to_owned(),
                    Vec::new(),
                ));
            }
            ("GEM" | "GIT", 6) => {
                if let Some(s) = specs.last_mut() {
                    s.2.push(name_of(body));
                }
            }
            ("DEPENDENCIES", 2) => {
                direct.insert(name_of(body));
            }
            _ => {}
        }
    }
    if specs.is_empty() && !text.contains("GEM") && !text.trim().is_empty() {
        return Err(LangError::invalid(path, "Gemfile.lock", "no GEM section"));
    }
    let versions: HashMap<&str, &str> = specs
        .iter()
        .map(|(n, v, _)| (n.as_str(), v.as_str()))
        .collect();
    let mut out = Vec::new();
    for (name, version, deps) in &specs {
        let Some(mut pkg) = Package::new(Ecosystem::RubyGems, name, version, path) else {
            continue;
        };
        pkg.direct = Some(direct.contains(name));
        pkg.dependencies = deps
            .iter()
            .map(|d| {
                versions
                    .get(d.as_str())
                    .and_then(|v| make_purl(Ecosystem::RubyGems, d, v))
                    .unwrap_or_else(|| d.clone())
            })
            .collect();
        out.push(pkg);
    }
    Ok(crate::finish(out))
}

/// The string literal(s) on the right of `<var>.<field> = ...`: `"x"`, `'x'`, `"x".freeze`,
/// `["MIT".freeze, "Ruby"]`, `%q{x}`.
fn string_literals(rhs: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = rhs;
    while let Some(start) = rest.find(['"', '\'', '%']) {
        let (close, body_start) = match &rest.as_bytes()[start..] {
            [b'%', b'q' | b'Q', b'{', ..] => ('}', start + 3),
            [b'%', b'q' | b'Q', b'(', ..] => (')', start + 3),
            [b'%', ..] => {
                rest = &rest[start + 1..];
                continue;
            }
            [q, ..] => (char::from(*q), start + 1),
            [] => break,
        };
        let Some(len) = rest[body_start..].find(close) else {
            break;
        };
        out.push(rest[body_start..body_start + len].to_owned());
        rest = &rest[body_start + len + 1..];
    }
    out
}

/// Reads `name`, `version` and `license(s)` assignments of an installed gemspec.
pub fn parse_gemspec(path: &str, data: &[u8]) -> Result<Vec<Package>, LangError> {
    let text = crate::text(path, "gemspec", data)?;
    let mut name = None;
    let mut version = None;
    let mut licenses = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let Some((lhs, rhs)) = line.split_once('=') else {
            continue;
        };
        let Some((_, field)) = lhs.trim().split_once('.') else {
            continue;
        };
        let values = || string_literals(rhs);
        match field.trim() {
            "name" if name.is_none() => name = values().into_iter().next(),
            "version" if version.is_none() => version = values().into_iter().next(),
            "license" | "licenses" => licenses.extend(values()),
            _ => {}
        }
    }
    let (Some(name), Some(version)) = (name, version) else {
        return Err(LangError::invalid(
            path,
            "gemspec",
            "no name/version assignment",
        ));
    };
    let Some(mut pkg) = Package::new(Ecosystem::RubyGems, &name, strip_platform(&version), path)
    else {
        return Err(LangError::invalid(
            path,
            "gemspec",
            "unusable name or version",
        ));
    };
    pkg.licenses = licenses;
    Ok(vec![pkg])
}
