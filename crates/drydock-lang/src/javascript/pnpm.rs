//! `pnpm-lock.yaml`, lockfile formats 5.x, 6.x and 9.x.
//!
//! The three formats spell package keys differently: v5 `/name/1.0.0_peer@2.0.0`, v6
//! `/name@1.0.0(peer@2.0.0)`, v9 `name@1.0.0(peer@2.0.0)` (with the dependency edges moved
//! from `packages` to a separate `snapshots` map). v5 and v6 mark development-only packages
//! with `dev: true`; v9 dropped that, so it is recomputed here by walking the graph from
//! the importers' production dependencies: whatever they cannot reach is dev-only.

use std::collections::{HashMap, HashSet, VecDeque};

use crate::yaml::Yaml;

use super::split_name_at;
use crate::yaml::{as_str, entries, get, get_bool, get_str};
use crate::{Ecosystem, LangError, Package, PathPattern, make_purl};

const FORMAT: &str = "pnpm-lock.yaml";

/// `pnpm-lock.yaml` in any directory.
pub const PARSER: crate::Parser = crate::Parser {
    name: "pnpm-lock.yaml",
    ecosystem: Ecosystem::Npm,
    paths: &[PathPattern::FileName("pnpm-lock.yaml")],
    parse,
};

/// Parses any supported lockfile version; link/workspace and non-registry entries without
/// a usable version are left out.
pub fn parse(path: &str, data: &[u8]) -> Result<Vec<Package>, LangError> {
    let text = crate::text(path, FORMAT, data)?;
    let doc = crate::yaml::load(path, FORMAT, &text)?;
    let Some(lock_version) = get_str(&doc, "lockfileVersion") else {
        return Err(LangError::invalid(path, FORMAT, "no lockfileVersion"));
    };
    let major: u32 = lock_version
        .trim_matches(['\'', '"'])
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .ok_or_else(|| {
            LangError::invalid(path, FORMAT, format!("lockfileVersion {lock_version}"))
        })?;
    let style = if major >= 9 {
        Style::V9
    } else if major >= 6 {
        Style::V6
    } else {
        Style::V5
    };

    let packages = get(&doc, "packages");
    let nodes = if style == Style::V9 {
        get(&doc, "snapshots").or(packages)
    } else {
        packages
    };

    // Direct dependencies: from every importer (workspaces) or the top level (single project).
    let mut importers: Vec<&Yaml<'_>> = Vec::new();
    match get(&doc, "importers") {
        Some(imp) => importers.extend(entries(imp).map(|(_, v)| v)),
        None => importers.push(&doc),
    }
    let mut prod_roots = Vec::new();
    let mut dev_roots = Vec::new();
    for imp in &importers {
        for (kind, dev) in [
            ("dependencies", false),
            ("optionalDependencies", false),
            ("devDependencies", true),
        ] {
            let Some(deps) = get(imp, kind) else { continue };
            for (name, spec) in entries(deps) {
                // v5: `name: version`; v6+: `name: {specifier, version}`.
                let reference = as_str(spec)
                    .or_else(|| get_str(spec, "version"))
                    .unwrap_or("");
                if let Some(key) = node_key(style, name, reference) {
                    if dev {
                        dev_roots.push(key)
                    } else {
                        prod_roots.push(key)
                    }
                }
            }
        }
    }
    let direct: HashSet<(String, String)> = prod_roots
        .iter()
        .chain(&dev_roots)
        .filter_map(|k| parse_key(style, k))
        .collect();

    // Edges between node keys.
    let mut edges: HashMap<&str, Vec<String>> = HashMap::new();
    for (key, entry) in nodes.into_iter().flat_map(entries) {
        let mut out = Vec::new();
        for kind in ["dependencies", "optionalDependencies"] {
            for (dep, reference) in get(entry, kind).into_iter().flat_map(entries) {
                if let Some(k) = as_str(reference).and_then(|r| node_key(style, dep, r)) {
                    out.push(k);
                }
            }
        }
        edges.insert(key, out);
    }
    let reach = |roots: &[String]| -> HashSet<String> {
        let mut seen: HashSet<String> = HashSet::new();
        let mut queue: VecDeque<String> = roots.iter().cloned().collect();
        while let Some(k) = queue.pop_front() {
            if !seen.insert(k.clone()) {
                continue;
            }
            for next in edges.get(k.as_str()).into_iter().flatten() {
                if !seen.contains(next) {
                    queue.push_back(next.clone());
                }
            }
        }
        seen
    };
    let prod_reach = (style == Style::V9).then(|| reach(&prod_roots));

    let mut out = Vec::new();
    for (key, entry) in nodes.into_iter().flat_map(entries) {
        // Tarball and git dependencies carry their real name and version as fields.
        let meta = match style {
            Style::V9 => packages
                .and_then(|p| get(p, strip_peers(style, key)))
                .unwrap_or(entry),
            _ => entry,
        };
        let parsed = parse_key(style, key);
        let name = get_str(meta, "name")
            .map(str::to_owned)
            .or_else(|| parsed.as_ref().map(|p| p.0.clone()));
        let version = get_str(meta, "version")
            .map(str::to_owned)
            .or_else(|| parsed.as_ref().map(|p| p.1.clone()));
        let (Some(name), Some(version)) = (name, version) else {
            continue;
        };
        if version.contains(':') || version.contains('/') {
            continue;
        }
        let Some(mut pkg) = Package::new(Ecosystem::Npm, &name, &version, path) else {
            continue;
        };
        pkg.dev = match &prod_reach {
            Some(prod) => !prod.contains(key),
            None => get_bool(entry, "dev") == Some(true),
        };
        pkg.direct = Some(direct.contains(&(name.clone(), version.clone())));
        pkg.licenses = get_str(meta, "license")
            .map(str::to_owned)
            .into_iter()
            .collect();
        for dep_key in edges.get(key).into_iter().flatten() {
            let purl =
                parse_key(style, dep_key).and_then(|(n, v)| make_purl(Ecosystem::Npm, &n, &v));
            pkg.dependencies
                .push(purl.unwrap_or_else(|| dep_key.clone()));
        }
        out.push(pkg);
    }
    Ok(crate::finish(out))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    V5,
    V6,
    V9,
}

/// The `packages`/`snapshots` key a dependency reference points to. References are a
/// version (with peer suffix), an alias (`real@1.0.0`, or a full `/real/1.0.0` key in v5/v6),
/// or `link:` for workspace packages, which have no node.
fn node_key(style: Style, name: &str, reference: &str) -> Option<String> {
    if reference.is_empty() || reference.starts_with("link:") || reference.starts_with("file:") {
        return None;
    }
    if reference.starts_with('/') {
        return Some(reference.to_owned());
    }
    // Versions start with a digit; an alias starts with the real package's name.
    let is_alias =
        !reference.starts_with(|c: char| c.is_ascii_digit()) && split_name_at(reference).is_some();
    Some(match (style, is_alias) {
        (Style::V5, true) => {
            let (n, v) = split_name_at(reference)?;
            format!("/{n}/{v}")
        }
        (Style::V5, false) => format!("/{name}/{reference}"),
        (Style::V6, true) => format!("/{reference}"),
        (Style::V6, false) => format!("/{name}@{reference}"),
        (Style::V9, true) => reference.to_owned(),
        (Style::V9, false) => format!("{name}@{reference}"),
    })
}

fn strip_peers(style: Style, key: &str) -> &str {
    match style {
        Style::V5 => {
            // `_` starts the peer suffix, but only after the version component.
            let slash = key.rfind('/').unwrap_or(0);
            match key[slash..].find('_') {
                Some(i) => &key[..slash + i],
                None => key,
            }
        }
        Style::V6 | Style::V9 => key.split('(').next().unwrap_or(key),
    }
}

/// (name, version) of a node key, peer suffixes removed.
fn parse_key(style: Style, key: &str) -> Option<(String, String)> {
    let bare = strip_peers(style, key);
    let bare = bare.strip_prefix('/').unwrap_or(bare);
    let (name, version) = match style {
        Style::V5 => {
            let (n, v) = bare.rsplit_once('/')?;
            // Registry-qualified keys (`registry.example.com/name/1.0.0`) drop the host.
            let n = match n.split_once('/') {
                Some((host, rest)) if host.contains('.') && !host.starts_with('@') => rest,
                _ => n,
            };
            (n, v)
        }
        Style::V6 | Style::V9 => split_name_at(bare)?,
    };
    (!name.is_empty() && !version.is_empty()).then(|| (name.to_owned(), version.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        let p = |s, k| parse_key(s, k).map(|(n, v)| format!("{n} {v}"));
        assert_eq!(
            p(Style::V5, "/@babel/core/7.0.0_peer@1.0.0").as_deref(),
            Some("@babel/core 7.0.0")
        );
        assert_eq!(
            p(Style::V5, "/lodash/4.17.21").as_deref(),
            Some("lodash 4.17.21")
        );
        assert_eq!(
            p(Style::V6, "/@babel/core@7.0.0(peer@1.0.0)").as_deref(),
            Some("@babel/core 7.0.0")
        );
        assert_eq!(
            p(Style::V9, "lodash@4.17.21").as_deref(),
            Some("lodash 4.17.21")
        );
        assert_eq!(
            node_key(Style::V9, "a", "1.0.0(b@2.0.0)").as_deref(),
            Some("a@1.0.0(b@2.0.0)")
        );
        assert_eq!(
            node_key(Style::V9, "a", "string-width@4.2.3").as_deref(),
            Some("string-width@4.2.3")
        );
        assert_eq!(
            node_key(Style::V5, "a", "1.0.0_b@2.0.0").as_deref(),
            Some("/a/1.0.0_b@2.0.0")
        );
    }
}
