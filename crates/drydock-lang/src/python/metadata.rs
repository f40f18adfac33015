//! Installed distributions: `*.dist-info/METADATA` (wheels) and `*.egg-info/PKG-INFO`
//! (setuptools), both RFC 822-style headers as defined by the core metadata spec.

use crate::{Ecosystem, LangError, Package, PathPattern};

const FORMAT: &str = "Python package metadata";

/// Metadata of installed distributions in any site-packages or dist-packages directory.
pub const PARSER: crate::Parser = crate::Parser {
    name: "python-metadata",
    ecosystem: Ecosystem::PyPI,
    paths: &[
        PathPattern::Glob("**/*.dist-info/METADATA"),
        PathPattern::Glob("**/*.egg-info/PKG-INFO"),
    ],
    parse,
};

/// Reads `Name`, `Version`, licences and `Requires-Dist`. The licence comes from
/// `License-Expression` (PEP 639) when present, else a one-line `License` field (many
/// packages paste the whole licence text there, which is useless as an identifier), else
/// the `License ::` trove classifiers.
pub fn parse(path: &str, data: &[u8]) -> Result<Vec<Package>, LangError> {
    let text = crate::text(path, FORMAT, data)?;
    let headers = parse_headers(&text);
    let get = |k: &str| {
        headers
            .iter()
            .find(|(h, _)| h.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.trim())
    };
    let (Some(name), Some(version)) = (get("Name"), get("Version")) else {
        return Err(LangError::invalid(path, FORMAT, "missing Name or Version"));
    };
    let Some(mut pkg) = Package::new(Ecosystem::PyPI, name, version, path) else {
        return Err(LangError::invalid(path, FORMAT, "unusable Name or Version"));
    };
    if let Some(expr) = get("License-Expression").filter(|e| !e.is_empty()) {
        pkg.licenses.push(expr.to_owned());
    } else if let Some(lic) = get("License")
        .filter(|l| !l.is_empty() && !l.contains('\n') && l.len() <= 100 && *l != "UNKNOWN")
    {
        pkg.licenses.push(lic.to_owned());
    } else {
        for (h, v) in &headers {
            if h.eq_ignore_ascii_case("Classifier")
                && let Some(rest) = v.trim().strip_prefix("License ::")
                && let Some(last) = rest.rsplit("::").next()
            {
                let last = last.trim();
                if !last.is_empty() && last != "OSI Approved" {
                    pkg.licenses.push(last.to_owned());
                }
            }
        }
    }
    for (h, v) in &headers {
        // Requirements only pulled in by an extra are not installed by default.
        if h.eq_ignore_ascii_case("Requires-Dist")
            && !v.contains("extra ==")
            && !v.contains("extra==")
            && let Some(n) = super::requirement_name(v)
        {
            pkg.dependencies.push(super::normalize_name(n));
        }
    }
    Ok(vec![pkg])
}

/// Header block up to the first blank line (the body is the long description).
/// Continuation lines (leading whitespace) are appended to the previous value.
fn parse_headers(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        // Only a truly empty line ends the headers: setuptools writes whitespace-only
        // continuation lines inside multi-paragraph License fields.
        if line.is_empty() || line == "\r" {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = out.last_mut() {
                v.push('\n');
                v.push_str(line.trim());
            }
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    out
}
