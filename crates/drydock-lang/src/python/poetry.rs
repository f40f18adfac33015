//! `poetry.lock` (lock formats 1.x and 2.x).

use std::collections::HashMap;

use crate::{Ecosystem, LangError, Package, PathPattern, make_purl};

const FORMAT: &str = "poetry.lock";

/// `poetry.lock` in any directory.
pub const PARSER: crate::Parser = crate::Parser {
    name: "poetry.lock",
    ecosystem: Ecosystem::PyPI,
    paths: &[PathPattern::FileName("poetry.lock")],
    parse,
};

/// Parses every `[[package]]`. Development-only status comes from `category = "dev"`
/// (lock format 1.x) or from `groups` lacking `main` (Poetry 2). Which packages are direct
/// is only known to `pyproject.toml`, so `direct` stays unknown.
pub fn parse(path: &str, data: &[u8]) -> Result<Vec<Package>, LangError> {
    let table = crate::toml_table(path, FORMAT, data)?;
    let Some(list) = table.get("package").and_then(|p| p.as_array()) else {
        return if table.contains_key("metadata") {
            Ok(Vec::new())
        } else {
            Err(LangError::invalid(path, FORMAT, "no [[package]] array"))
        };
    };
    let versions: HashMap<String, &str> = list
        .iter()
        .filter_map(|p| {
            let name = p.get("name")?.as_str()?;
            Some((super::normalize_name(name), p.get("version")?.as_str()?))
        })
        .collect();
    let mut out = Vec::new();
    for p in list {
        let s = |k: &str| p.get(k).and_then(|v| v.as_str());
        let (Some(name), Some(version)) = (s("name"), s("version")) else {
            continue;
        };
        let Some(mut pkg) = Package::new(Ecosystem::PyPI, name, version, path) else {
            continue;
        };
        let groups: Vec<&str> = p
            .get("groups")
            .and_then(|g| g.as_array())
            .map(|a| a.iter().filter_map(|g| g.as_str()).collect())
            .unwrap_or_default();
        pkg.dev = s("category") == Some("dev") || (!groups.is_empty() && !groups.contains(&"main"));
        if let Some(deps) = p.get("dependencies").and_then(|d| d.as_table()) {
            for dep in deps.keys() {
                let norm = super::normalize_name(dep);
                let purl = versions
                    .get(&norm)
                    .and_then(|v| make_purl(Ecosystem::PyPI, &norm, v));
                pkg.dependencies.push(purl.unwrap_or(norm));
            }
        }
        out.push(pkg);
    }
    Ok(crate::finish(out))
}
