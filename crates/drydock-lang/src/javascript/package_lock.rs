//! npm `package-lock.json`, lockfile versions 1 to 3.
//!
//! v2 and v3 describe the installed tree as a flat `packages` map keyed by install path
//! (`node_modules/a/node_modules/b`); v1 nests `dependencies` objects instead. v2 carries
//! both, and the `packages` form is preferred because it knows the root's direct
//! dependencies. Dependency edges are resolved the way Node resolves `require`: from the
//! requiring package's own `node_modules` upwards.

use serde_json::{Map, Value};

use crate::{Ecosystem, LangError, Package, PathPattern, make_purl};

const FORMAT: &str = "package-lock.json";

/// `package-lock.json` and its `npm shrinkwrap` twin.
pub const PARSER: crate::Parser = crate::Parser {
    name: "package-lock.json",
    ecosystem: Ecosystem::Npm,
    paths: &[
        PathPattern::FileName("package-lock.json"),
        PathPattern::FileName("npm-shrinkwrap.json"),
    ],
    parse,
};

/// Parses a lockfile of any version; packages linked from the workspace and local
/// (`file:`) or VCS-sourced v1 entries are left out since they have no registry version.
pub fn parse(path: &str, data: &[u8]) -> Result<Vec<Package>, LangError> {
    let doc = crate::json(path, FORMAT, data)?;
    let Some(obj) = doc.as_object() else {
        return Err(LangError::invalid(
            path,
            FORMAT,
            "top level is not an object",
        ));
    };
    let pkgs = if let Some(Value::Object(packages)) = obj.get("packages") {
        parse_packages(path, packages)
    } else if let Some(Value::Object(deps)) = obj.get("dependencies") {
        let mut out = Vec::new();
        let mut scopes = Vec::new();
        walk_v1(path, deps, &mut scopes, &mut out);
        out
    } else if obj.contains_key("lockfileVersion") {
        Vec::new()
    } else {
        return Err(LangError::invalid(
            path,
            FORMAT,
            "neither `packages` nor `dependencies`",
        ));
    };
    Ok(crate::finish(pkgs))
}

const DEP_KINDS: [&str; 4] = [
    "dependencies",
    "devDependencies",
    "optionalDependencies",
    "peerDependencies",
];

fn dep_names(entry: &Value, kinds: &[&str]) -> Vec<String> {
    kinds
        .iter()
        .filter_map(|k| entry.get(*k).and_then(Value::as_object))
        .flat_map(|m| m.keys().cloned())
        .collect()
}

/// Name installed at a `packages` key: the last path component after `node_modules/`
/// (scoped names keep their `@scope/`).
fn name_from_key(key: &str) -> Option<&str> {
    let i = key.rfind("node_modules/")?;
    Some(&key[i + "node_modules/".len()..])
}

fn parse_packages(path: &str, packages: &Map<String, Value>) -> Vec<Package> {
    // The root and every workspace member (entries outside node_modules) declare direct deps.
    let mut direct_names = std::collections::HashSet::new();
    for (key, entry) in packages {
        if !key.contains("node_modules/") {
            direct_names.extend(dep_names(entry, &DEP_KINDS));
        }
    }
    let mut out = Vec::new();
    for (key, entry) in packages {
        let Some(installed_as) = name_from_key(key) else {
            continue;
        };
        if entry.get("link").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let name = entry
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or(installed_as);
        let Some(version) = entry.get("version").and_then(Value::as_str) else {
            continue;
        };
        let Some(mut pkg) = Package::new(Ecosystem::Npm, name, version, path) else {
            continue;
        };
        pkg.dev = entry.get("dev").and_then(Value::as_bool) == Some(true);
        pkg.licenses = super::licenses(entry);
        let top_level = key.matches("node_modules/").count() == 1;
        pkg.direct = Some(top_level && direct_names.contains(installed_as));
        for dep in dep_names(entry, &["dependencies", "optionalDependencies"]) {
            pkg.dependencies
                .push(resolve(packages, key, &dep).unwrap_or(dep));
        }
        out.push(pkg);
    }
    out
}

/// Finds the package `dep` as seen from the install path `from`, walking up the
/// `node_modules` chain, and returns its purl.
fn resolve(packages: &Map<String, Value>, from: &str, dep: &str) -> Option<String> {
    let mut base = from;
    loop {
        let candidate = if base.is_empty() {
            format!("node_modules/{dep}")
        } else {
            format!("{base}/node_modules/{dep}")
        };
        if let Some(entry) = packages.get(&candidate) {
            let name = entry.get("name").and_then(Value::as_str).unwrap_or(dep);
            let version = entry.get("version").and_then(Value::as_str)?;
            return make_purl(Ecosystem::Npm, name, version);
        }
        if base.is_empty() {
            return None;
        }
        base = match base.rfind("/node_modules/") {
            Some(i) => &base[..i],
            None => "",
        };
    }
}

/// Registry name and version of a v1 entry: plain `1.2.3`, or an alias `npm:real@1.2.3`.
/// `None` for `file:`, git and tarball URL versions.
fn v1_version<'a>(name: &'a str, version: &'a str) -> Option<(&'a str, &'a str)> {
    if let Some(alias) = version.strip_prefix("npm:") {
        return super::split_name_at(alias);
    }
    if version.contains(':') || version.contains('/') {
        return None;
    }
    Some((name, version))
}

fn walk_v1<'a>(
    path: &str,
    deps: &'a Map<String, Value>,
    scopes: &mut Vec<&'a Map<String, Value>>,
    out: &mut Vec<Package>,
) {
    scopes.push(deps);
    for (name, entry) in deps {
        let Some(version) = entry.get("version").and_then(Value::as_str) else {
            continue;
        };
        let nested = entry.get("dependencies").and_then(Value::as_object);
        if let Some((real, v)) = v1_version(name, version)
            && let Some(mut pkg) = Package::new(Ecosystem::Npm, real, v, path)
        {
            pkg.dev = entry.get("dev").and_then(Value::as_bool) == Some(true);
            if let Some(req) = entry.get("requires").and_then(Value::as_object) {
                for dep in req.keys() {
                    let found = nested
                        .and_then(|n| n.get(dep))
                        .or_else(|| scopes.iter().rev().find_map(|s| s.get(dep)));
                    let purl = found
                        .and_then(|e| e.get("version").and_then(Value::as_str))
                        .and_then(|v| v1_version(dep, v))
                        .and_then(|(n, v)| make_purl(Ecosystem::Npm, n, v));
                    pkg.dependencies.push(purl.unwrap_or_else(|| dep.clone()));
                }
            }
            out.push(pkg);
        }
        if let Some(nested) = nested {
            walk_v1(path, nested, scopes, out);
        }
    }
    scopes.pop();
}
