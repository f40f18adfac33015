//! `uv.lock` (uv's universal lockfile, TOML).
//!
//! The project itself appears as a package whose `source` is `editable` or `virtual`; its
//! `dependencies` are the direct production requirements and its `dev-dependencies` the
//! development groups. Dev-only status is what the production side cannot reach.

use std::collections::{HashMap, HashSet, VecDeque};

use toml::Value;

use crate::{Ecosystem, LangError, Package, PathPattern, make_purl};

const FORMAT: &str = "uv.lock";

/// `uv.lock` in any directory.
pub const PARSER: crate::Parser = crate::Parser {
    name: "uv.lock",
    ecosystem: Ecosystem::PyPI,
    paths: &[PathPattern::FileName("uv.lock")],
    parse,
};

fn dep_names(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|d| d.get("name").and_then(Value::as_str))
        .map(super::normalize_name)
        .collect()
}

/// Dependency names in a `{group = [deps]}` table (optional and dev dependencies).
fn group_dep_names(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_table)
        .into_iter()
        .flat_map(|t| t.values())
        .flat_map(|g| dep_names(Some(g)))
        .collect()
}

/// Parses every `[[package]]`, the project's own (editable/virtual) packages included.
pub fn parse(path: &str, data: &[u8]) -> Result<Vec<Package>, LangError> {
    let table = crate::toml_table(path, FORMAT, data)?;
    let Some(list) = table.get("package").and_then(Value::as_array) else {
        return if table.contains_key("version") {
            Ok(Vec::new())
        } else {
            Err(LangError::invalid(path, FORMAT, "no [[package]] array"))
        };
    };
    let is_root = |p: &Value| {
        p.get("source")
            .and_then(Value::as_table)
            .is_some_and(|s| s.contains_key("editable") || s.contains_key("virtual"))
    };
    let mut versions: HashMap<String, &str> = HashMap::new();
    let mut edges: HashMap<String, Vec<String>> = HashMap::new();
    let mut prod_roots = Vec::new();
    let mut dev_roots = Vec::new();
    for p in list {
        let Some(name) = p.get("name").and_then(Value::as_str) else {
            continue;
        };
        let norm = super::normalize_name(name);
        if let Some(v) = p.get("version").and_then(Value::as_str) {
            versions.insert(norm.clone(), v);
        }
        let mut deps = dep_names(p.get("dependencies"));
        deps.extend(group_dep_names(p.get("optional-dependencies")));
        if is_root(p) {
            prod_roots.extend(deps.iter().cloned());
            dev_roots.extend(group_dep_names(p.get("dev-dependencies")));
        }
        edges.entry(norm).or_default().extend(deps);
    }
    let mut prod: HashSet<String> = HashSet::new();
    let mut queue: VecDeque<String> = prod_roots.iter().cloned().collect();
    while let Some(n) = queue.pop_front() {
        if prod.insert(n.clone()) {
            queue.extend(
                edges
                    .get(&n)
                    .into_iter()
                    .flatten()
                    .filter(|d| !prod.contains(*d))
                    .cloned(),
            );
        }
    }
    let has_root = list.iter().any(is_root);
    let mut out = Vec::new();
    for p in list {
        let s = |k: &str| p.get(k).and_then(Value::as_str);
        let (Some(name), Some(version)) = (s("name"), s("version")) else {
            continue;
        };
        let Some(mut pkg) = Package::new(Ecosystem::PyPI, name, version, path) else {
            continue;
        };
        let norm = super::normalize_name(name);
        if has_root && !is_root(p) {
            pkg.dev = !prod.contains(&norm);
            pkg.direct = Some(prod_roots.contains(&norm) || dev_roots.contains(&norm));
        }
        for dep in edges.get(&norm).into_iter().flatten() {
            let purl = versions
                .get(dep)
                .and_then(|v| make_purl(Ecosystem::PyPI, dep, v));
            let d = purl.unwrap_or_else(|| dep.clone());
            if !pkg.dependencies.contains(&d) {
                pkg.dependencies.push(d);
            }
        }
        out.push(pkg);
    }
    Ok(crate::finish(out))
}
