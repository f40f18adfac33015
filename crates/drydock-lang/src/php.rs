//! PHP: `composer.lock`.

use serde_json::Value;

use crate::{Ecosystem, LangError, Package, PathPattern, make_purl};

const FORMAT: &str = "composer.lock";

/// `composer.lock` in any directory.
pub const PARSER: crate::Parser = crate::Parser {
    name: "composer.lock",
    ecosystem: Ecosystem::Packagist,
    paths: &[PathPattern::FileName("composer.lock")],
    parse,
};

/// Parses `packages` and `packages-dev` (the latter marked dev). Dependencies are the
/// `require` keys that are themselves locked packages: platform requirements such as `php`
/// and `ext-json` are not packages.
pub fn parse(path: &str, data: &[u8]) -> Result<Vec<Package>, LangError> {
    let doc = crate::json_object(path, FORMAT, data)?;
    let lists: Vec<(&Vec<Value>, bool)> = [("packages", false), ("packages-dev", true)]
        .iter()
        .filter_map(|(k, dev)| Some((doc.get(*k)?.as_array()?, *dev)))
        .collect();
    let versions: std::collections::HashMap<String, &str> = lists
        .iter()
        .flat_map(|(l, _)| l.iter())
        .filter_map(|p| {
            Some((
                p.get("name")?.as_str()?.to_ascii_lowercase(),
                p.get("version")?.as_str()?,
            ))
        })
        .collect();
    let mut out = Vec::new();
    for (list, dev) in lists {
        for p in list {
            let s = |k: &str| p.get(k).and_then(Value::as_str);
            let (Some(name), Some(version)) = (s("name"), s("version")) else {
                continue;
            };
            let Some(mut pkg) = Package::new(Ecosystem::Packagist, name, version, path) else {
                continue;
            };
            pkg.dev = dev;
            pkg.licenses = match p.get("license") {
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                Some(Value::String(s)) => vec![s.clone()],
                _ => Vec::new(),
            };
            if let Some(req) = p.get("require").and_then(Value::as_object) {
                for dep in req.keys() {
                    let key = dep.to_ascii_lowercase();
                    if let Some(v) = versions.get(&key) {
                        pkg.dependencies
                            .push(make_purl(Ecosystem::Packagist, dep, v).unwrap_or(key));
                    }
                }
            }
            out.push(pkg);
        }
    }
    Ok(crate::finish(out))
}
