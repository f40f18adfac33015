//! `Pipfile.lock` (pipenv): JSON with `default` and `develop` sections of pinned versions.

use serde_json::Value;

use crate::{Ecosystem, LangError, Package, PathPattern};

const FORMAT: &str = "Pipfile.lock";

/// `Pipfile.lock` in any directory.
pub const PARSER: crate::Parser = crate::Parser {
    name: "Pipfile.lock",
    ecosystem: Ecosystem::PyPI,
    paths: &[PathPattern::FileName("Pipfile.lock")],
    parse,
};

/// Parses both sections; `develop` entries are dev unless also in `default`. Entries without
/// an `==` pin (VCS or path installs) are left out.
pub fn parse(path: &str, data: &[u8]) -> Result<Vec<Package>, LangError> {
    let doc = crate::json_object(path, FORMAT, data)?;
    let mut out = Vec::new();
    for (section, dev) in [("default", false), ("develop", true)] {
        let Some(map) = doc.get(section).and_then(Value::as_object) else {
            continue;
        };
        for (name, entry) in map {
            let Some(version) = entry
                .get("version")
                .and_then(Value::as_str)
                .and_then(|v| v.strip_prefix("===").or_else(|| v.strip_prefix("==")))
            else {
                continue;
            };
            if let Some(mut pkg) = Package::new(Ecosystem::PyPI, name, version, path) {
                pkg.dev = dev;
                out.push(pkg);
            }
        }
    }
    Ok(crate::finish(out))
}
