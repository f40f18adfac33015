//! .NET: NuGet `packages.lock.json`.
//!
//! The lock lists the resolved graph once per target framework; the same package is
//! usually identical across frameworks and is reported once.

use serde_json::Value;

use crate::{Ecosystem, LangError, Package, PathPattern, make_purl};

const FORMAT: &str = "packages.lock.json";

/// `packages.lock.json` in any directory.
pub const PARSER: crate::Parser = crate::Parser {
    name: "packages.lock.json",
    ecosystem: Ecosystem::NuGet,
    paths: &[PathPattern::FileName("packages.lock.json")],
    parse,
};

/// Parses every framework's dependencies. `Project` entries are other projects of the same
/// solution, not packages. `Direct` marks direct dependencies; dependency edges carry
/// ranges, so they are resolved against the same framework's resolved versions.
pub fn parse(path: &str, data: &[u8]) -> Result<Vec<Package>, LangError> {
    let doc = crate::json(path, FORMAT, data)?;
    let Some(frameworks) = doc.get("dependencies").and_then(Value::as_object) else {
        return Err(LangError::invalid(path, FORMAT, "no `dependencies` object"));
    };
    let mut out = Vec::new();
    for deps in frameworks.values().filter_map(Value::as_object) {
        let resolved = |name: &str| {
            deps.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .and_then(|(k, e)| Some((k, e.get("resolved")?.as_str()?)))
        };
        for (name, entry) in deps {
            let kind = entry.get("type").and_then(Value::as_str).unwrap_or("");
            if kind.eq_ignore_ascii_case("project") {
                continue;
            }
            let Some(version) = entry.get("resolved").and_then(Value::as_str) else {
                continue;
            };
            let Some(mut pkg) = Package::new(Ecosystem::NuGet, name, version, path) else {
                continue;
            };
            pkg.direct = Some(kind.eq_ignore_ascii_case("direct"));
            if let Some(children) = entry.get("dependencies").and_then(Value::as_object) {
                for child in children.keys() {
                    let purl = resolved(child).and_then(|(n, v)| make_purl(Ecosystem::NuGet, n, v));
                    pkg.dependencies.push(purl.unwrap_or_else(|| child.clone()));
                }
            }
            out.push(pkg);
        }
    }
    Ok(crate::finish(out))
}
