//! JavaScript (npm ecosystem): npm, yarn and pnpm lockfiles and installed `package.json`.
//!
//! Lockfiles describe what a build installs; `node_modules/*/package.json` is what an image
//! actually contains, which matters for images that ship `node_modules` without a lockfile.

pub mod node_modules;
pub mod package_lock;
pub mod pnpm;
pub mod yarn;

use serde_json::Value;

/// Licences from a `package.json`-style value: the modern SPDX string, the deprecated
/// `{"type": ...}` object, or the older `licenses: [...]` array.
pub(crate) fn licenses(pkg: &Value) -> Vec<String> {
    let one = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("type").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    };
    let mut out = Vec::new();
    if let Some(l) = pkg.get("license") {
        match l {
            Value::Array(a) => out.extend(a.iter().filter_map(one)),
            v => out.extend(one(v)),
        }
    }
    if let Some(Value::Array(a)) = pkg.get("licenses") {
        out.extend(a.iter().filter_map(one));
    }
    out.retain(|l| !l.trim().is_empty());
    out
}

/// Splits `name@range` (name may be scoped: `@scope/name@range`) at the version separator.
pub(crate) fn split_name_at(spec: &str) -> Option<(&str, &str)> {
    let from = usize::from(spec.starts_with('@'));
    let at = spec.get(from..)?.find('@')? + from;
    Some((&spec[..at], &spec[at + 1..]))
}
