//! Rust: `Cargo.lock` (all four format versions) and binaries built with cargo-auditable.
//!
//! A `Cargo.lock` in an image is a source tree that was copied in; the compiled binary is
//! what actually runs, and unless it was built with `cargo auditable` it carries no
//! dependency list. cargo-auditable stores the resolved dependency tree as zlib-compressed
//! JSON in an ELF section named `.dep-v0`.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use serde::Deserialize;

use crate::elf::Elf;
use crate::{Ecosystem, LangError, Package, PathPattern};

/// `Cargo.lock` anywhere (workspaces copied into build stages, vendored sources).
pub const CARGO_LOCK: crate::Parser = crate::Parser {
    name: "Cargo.lock",
    ecosystem: Ecosystem::CratesIo,
    paths: &[PathPattern::FileName("Cargo.lock")],
    parse: parse_cargo_lock,
};

/// Parses `Cargo.lock` v1–v4. Dependency references come in three spellings across
/// versions (`name`, `name version`, `name version (source)`); they are resolved against
/// the lock's own package list. Packages without a `source` are the workspace's own crates;
/// their dependencies are the direct ones.
pub fn parse_cargo_lock(path: &str, data: &[u8]) -> Result<Vec<Package>, LangError> {
    const FORMAT: &str = "Cargo.lock";
    let table = crate::toml_table(path, FORMAT, data)?;
    let Some(list) = table.get("package").and_then(|p| p.as_array()) else {
        // A lock of a crate with no dependencies and no members is legal but empty.
        if table.contains_key("version") || table.is_empty() {
            return Ok(Vec::new());
        }
        return Err(LangError::invalid(path, FORMAT, "no [[package]] array"));
    };
    struct Entry<'a> {
        name: &'a str,
        version: &'a str,
        local: bool,
        /// From a registry (`registry+…`, `sparse+…`), as opposed to git or the workspace.
        registry: bool,
        deps: Vec<&'a str>,
    }
    let mut entries = Vec::new();
    for p in list {
        let s = |k: &str| p.get(k).and_then(|v| v.as_str());
        let (Some(name), Some(version)) = (s("name"), s("version")) else {
            continue;
        };
        let deps = p
            .get("dependencies")
            .and_then(|d| d.as_array())
            .map(|a| a.iter().filter_map(|d| d.as_str()).collect())
            .unwrap_or_default();
        entries.push(Entry {
            name,
            version,
            local: s("source").is_none(),
            registry: s("source")
                .is_some_and(|src| src.starts_with("registry+") || src.starts_with("sparse+")),
            deps,
        });
    }
    let mut versions: HashMap<&str, Vec<&str>> = HashMap::new();
    for e in &entries {
        versions.entry(e.name).or_default().push(e.version);
    }
    let resolve = |dep: &str| -> (String, Option<String>) {
        let mut it = dep.split_whitespace();
        let name = it.next().unwrap_or("").to_owned();
        let version = it
            .next()
            .map(str::to_owned)
            .or_else(|| match versions.get(name.as_str()) {
                Some(v) if v.len() == 1 => Some(v[0].to_owned()),
                _ => None,
            });
        (name, version)
    };
    let direct: HashSet<(String, Option<String>)> = entries
        .iter()
        .filter(|e| e.local)
        .flat_map(|e| e.deps.iter().map(|d| resolve(d)))
        .collect();
    let mut out = Vec::new();
    for e in &entries {
        let Some(mut pkg) = Package::new(Ecosystem::CratesIo, e.name, e.version, path) else {
            continue;
        };
        if !e.local {
            let key = (e.name.to_owned(), Some(e.version.to_owned()));
            pkg.direct = Some(direct.contains(&key));
        }
        pkg.unpublished = !e.registry;
        pkg.dependencies = e
            .deps
            .iter()
            .map(|d| match resolve(d) {
                (n, Some(v)) => crate::make_purl(Ecosystem::CratesIo, &n, &v).unwrap_or(n),
                (n, None) => n,
            })
            .collect();
        out.push(pkg);
    }
    Ok(crate::finish(out))
}

#[derive(Deserialize)]
struct AuditData {
    packages: Vec<AuditPackage>,
}

#[derive(Deserialize)]
struct AuditPackage {
    name: String,
    version: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    dependencies: Vec<usize>,
    #[serde(default)]
    root: bool,
}

/// Ceiling on the decompressed `.dep-v0` JSON. The format is about 100 bytes per crate, so
/// this is tens of thousands of crates; a larger output is a decompression bomb.
const MAX_AUDIT_JSON: u64 = 8 << 20;

/// Reads the cargo-auditable dependency list of an ELF binary. `Ok(empty)` when there is no
/// `.dep-v0` section. Build-time-only crates (`kind: build`, proc macros and build
/// scripts) are left out: their code is not in the binary. The crate marked `root` is the
/// binary's own package; its dependencies are the direct ones.
pub fn parse_auditable(path: &str, data: &[u8]) -> Result<Vec<Package>, LangError> {
    const FORMAT: &str = "cargo-auditable data";
    let Some(section) = Elf::parse(data).and_then(|e| e.section_data(".dep-v0")) else {
        return Ok(Vec::new());
    };
    let limit = MAX_AUDIT_JSON.min((section.len() as u64).saturating_mul(1032).max(4096));
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(section)
        .take(limit + 1)
        .read_to_end(&mut json)
        .map_err(|e| LangError::invalid(path, FORMAT, format!("zlib: {e}")))?;
    if json.len() as u64 > limit {
        return Err(LangError::TooLarge {
            path: path.to_owned(),
            format: FORMAT,
            detail: format!("decompressed data exceeds {limit} bytes"),
        });
    }
    let audit: AuditData =
        serde_json::from_slice(&json).map_err(|e| LangError::invalid(path, FORMAT, e))?;
    let pkgs = &audit.packages;
    let purl_of = |i: usize| {
        pkgs.get(i)
            .and_then(|p| crate::make_purl(Ecosystem::CratesIo, &p.name, &p.version))
    };
    let runtime = |p: &AuditPackage| p.kind.as_deref().unwrap_or("runtime") == "runtime";
    let direct: HashSet<usize> = pkgs
        .iter()
        .filter(|p| p.root)
        .flat_map(|p| p.dependencies.iter().copied())
        .collect();
    let mut out = Vec::new();
    for (i, p) in pkgs.iter().enumerate() {
        if !runtime(p) {
            continue;
        }
        let Some(mut pkg) = Package::new(Ecosystem::CratesIo, &p.name, &p.version, path) else {
            continue;
        };
        if !p.root && p.source != "local" {
            pkg.direct = Some(direct.contains(&i));
        }
        pkg.dependencies = p
            .dependencies
            .iter()
            .filter(|&&d| pkgs.get(d).is_some_and(runtime))
            .filter_map(|&d| purl_of(d))
            .collect();
        out.push(pkg);
    }
    Ok(crate::finish(out))
}
