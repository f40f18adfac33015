//! Java archives: jar, war, ear (and Jenkins' hpi/jpi), including archives nested inside
//! them (`WEB-INF/lib/*.jar`, Spring Boot's `BOOT-INF/lib/*.jar`).
//!
//! Identity comes, in order of trust, from Maven's `META-INF/maven/<g>/<a>/pom.properties`
//! (exact coordinates, and shaded jars carry one per bundled artifact), then
//! `META-INF/MANIFEST.MF`, then the file name (`name-1.2.3.jar`). Nested archives must be
//! decompressed into memory, so recursion depth and the total number of decompressed bytes
//! are capped: a zip bomb costs bounded time and memory, and its excess is simply not read.

use std::io::{Cursor, Read};

use crate::{Ecosystem, LangError, Package, PathPattern};

const FORMAT: &str = "Java archive";
/// Archive nesting followed: ear → war → jar → shaded jar is as deep as real layouts go.
const MAX_DEPTH: u32 = 3;
/// Metadata files are tiny; anything bigger is not one.
const MAX_META_FILE: u64 = 1 << 20;
/// Entries are visited up to this count per archive (real fat jars hold tens of thousands).
const MAX_ENTRIES: usize = 500_000;

/// Java archives anywhere in the image.
pub const PARSER: crate::Parser = crate::Parser {
    name: "java-archive",
    ecosystem: Ecosystem::Maven,
    paths: &[
        PathPattern::Glob("**/*.jar"),
        PathPattern::Glob("**/*.war"),
        PathPattern::Glob("**/*.ear"),
        PathPattern::Glob("**/*.hpi"),
        PathPattern::Glob("**/*.jpi"),
    ],
    parse,
};

fn is_archive_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".jar", ".war", ".ear", ".hpi", ".jpi"]
        .iter()
        .any(|e| lower.ends_with(e))
}

/// Parses an archive and everything nested in it. The decompression budget is a multiple of
/// the input size, so legitimate fat jars (whose nested jars are usually stored, not
/// compressed) fit while a bomb stops early.
pub fn parse(path: &str, data: &[u8]) -> Result<Vec<Package>, LangError> {
    let mut budget = (data.len() as u64)
        .saturating_mul(4)
        .saturating_add(16 << 20)
        .min(4 << 30);
    let file_name = path.rsplit('/').next().unwrap_or(path);
    let mut out = Vec::new();
    parse_archive(path, file_name, data, 0, &mut budget, &mut out)
        .map_err(|detail| LangError::invalid(path, FORMAT, detail))?;
    Ok(crate::finish(out))
}

/// Reads one entry, at most `limit` bytes; `None` if it is larger or unreadable.
fn read_entry<R: Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    index: usize,
    limit: u64,
) -> Option<Vec<u8>> {
    let entry = zip.by_index(index).ok()?;
    if entry.size() > limit {
        return None;
    }
    let mut buf = Vec::new();
    entry.take(limit + 1).read_to_end(&mut buf).ok()?;
    (buf.len() as u64 <= limit).then_some(buf)
}

fn parse_archive(
    location: &str,
    file_name: &str,
    data: &[u8],
    depth: u32,
    budget: &mut u64,
    out: &mut Vec<Package>,
) -> Result<(), String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(data)).map_err(|e| format!("zip: {e}"))?;
    let names: Vec<String> = zip
        .file_names_raw()
        .take(MAX_ENTRIES)
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .collect();
    let mut poms = Vec::new();
    let mut manifest = None;
    let mut nested = Vec::new();
    for (i, name) in names.iter().enumerate() {
        if name.starts_with("META-INF/maven/") && name.ends_with("/pom.properties") {
            if let Some(b) =
                take_budget(budget, MAX_META_FILE).and_then(|l| read_entry(&mut zip, i, l))
            {
                *budget = budget.saturating_sub(b.len() as u64);
                poms.push(parse_properties(&String::from_utf8_lossy(&b)));
            }
        } else if name.eq_ignore_ascii_case("META-INF/MANIFEST.MF") {
            if let Some(b) =
                take_budget(budget, MAX_META_FILE).and_then(|l| read_entry(&mut zip, i, l))
            {
                *budget = budget.saturating_sub(b.len() as u64);
                manifest = Some(parse_manifest(&String::from_utf8_lossy(&b)));
            }
        } else if depth < MAX_DEPTH && is_archive_name(name) && !name.ends_with('/') {
            nested.push(i);
        }
    }

    let stem = file_stem(file_name);
    let mut matched_file = false;
    for props in &poms {
        let get = |k: &str| {
            props
                .iter()
                .find(|(pk, _)| pk == k)
                .map(|(_, v)| v.as_str())
        };
        let (Some(group), Some(artifact), Some(version)) =
            (get("groupId"), get("artifactId"), get("version"))
        else {
            continue;
        };
        matched_file |= stem == format!("{artifact}-{version}") || stem == artifact;
        if let Some(p) = Package::new(
            Ecosystem::Maven,
            &format!("{group}:{artifact}"),
            version,
            location,
        ) {
            out.push(p);
        }
    }
    if !matched_file {
        let from_manifest = manifest.as_deref().and_then(manifest_identity);
        let ident =
            from_manifest.or_else(|| name_version_from_file(stem).map(|(n, v)| (None, n, v)));
        if let Some((group, artifact, version)) = ident {
            let dup = poms
                .iter()
                .any(|p| p.iter().any(|(k, v)| k == "artifactId" && *v == artifact));
            let name = match &group {
                Some(g) => format!("{g}:{artifact}"),
                None => artifact.clone(),
            };
            if !dup && let Some(p) = Package::new(Ecosystem::Maven, &name, &version, location) {
                out.push(p);
            }
        }
    }

    for i in nested {
        let Some(limit) = take_budget(budget, u64::MAX) else {
            break;
        };
        let Some(inner) = read_entry(&mut zip, i, limit) else {
            continue;
        };
        *budget = budget.saturating_sub(inner.len() as u64);
        let inner_name = &names[i];
        let inner_file = inner_name.rsplit('/').next().unwrap_or(inner_name);
        let inner_location = format!("{location}!{inner_name}");
        // A corrupt nested jar loses only itself.
        let _ = parse_archive(&inner_location, inner_file, &inner, depth + 1, budget, out);
    }
    Ok(())
}

/// Remaining budget capped at `max`, or `None` when it is spent.
fn take_budget(budget: &u64, max: u64) -> Option<u64> {
    (*budget > 0).then(|| (*budget).min(max))
}

fn file_stem(file_name: &str) -> &str {
    match file_name.rfind('.') {
        Some(i) if is_archive_name(file_name) => &file_name[..i],
        _ => file_name,
    }
}

/// `commons-lang3-3.12.0` → (`commons-lang3`, `3.12.0`): the version starts at the first
/// `-` followed by a digit.
fn name_version_from_file(stem: &str) -> Option<(String, String)> {
    let b = stem.as_bytes();
    let i = (1..b.len()).find(|&i| b[i - 1] == b'-' && b[i].is_ascii_digit())?;
    let (name, version) = (&stem[..i - 1], &stem[i..]);
    (!name.is_empty()).then(|| (name.to_owned(), version.to_owned()))
}

/// Java `.properties`: `key=value` or `key: value`, `#`/`!` comments.
fn parse_properties(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('!'))
        .filter_map(|l| {
            let i = l.find(['=', ':'])?;
            Some((l[..i].trim().to_owned(), l[i + 1..].trim().to_owned()))
        })
        .collect()
}

/// Main section of a manifest. Lines are wrapped at 72 bytes with a single leading space
/// on continuation lines, which must be joined without the space.
fn parse_manifest(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            break;
        }
        if let Some(cont) = line.strip_prefix(' ') {
            if let Some((_, v)) = out.last_mut() {
                v.push_str(cont);
            }
        } else if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    out
}

/// (group, artifact, version) from manifest attributes. The artifact is
/// `Implementation-Title` when it looks like an identifier, else the last component of
/// `Bundle-SymbolicName` (whose leading components are then the group); the group is
/// `Implementation-Vendor-Id` when given. Human-readable titles (with spaces) are not
/// artifact ids and are only used when nothing better exists.
fn manifest_identity(attrs: &[(String, String)]) -> Option<(Option<String>, String, String)> {
    let get = |k: &str| {
        attrs
            .iter()
            .find(|(a, _)| a.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    let version = get("Implementation-Version").or_else(|| get("Bundle-Version"))?;
    let bsn = get("Bundle-SymbolicName").map(|b| b.split(';').next().unwrap_or(b).trim());
    let title = get("Implementation-Title");
    let vendor_id = get("Implementation-Vendor-Id").map(str::to_owned);
    let (group, artifact) = match (title, bsn) {
        (Some(t), _) if !t.contains(' ') => (vendor_id, t.to_owned()),
        (_, Some(b)) => match b.rsplit_once('.') {
            Some((g, a)) => (vendor_id.or_else(|| Some(g.to_owned())), a.to_owned()),
            None => (vendor_id, b.to_owned()),
        },
        (Some(t), None) => (vendor_id, t.to_owned()),
        (None, None) => return None,
    };
    Some((group, artifact, version.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names() {
        assert_eq!(
            name_version_from_file("commons-lang3-3.12.0"),
            Some(("commons-lang3".into(), "3.12.0".into()))
        );
        assert_eq!(
            name_version_from_file("guava-31.1-jre"),
            Some(("guava".into(), "31.1-jre".into()))
        );
        assert_eq!(name_version_from_file("app"), None);
    }

    #[test]
    fn manifest() {
        let m = parse_manifest(
            "Manifest-Version: 1.0\r\nBundle-SymbolicName: com.fasterxml.jackson.core.jackson-da\r\n tabind\r\nBundle-Version: 2.15.2\r\n\r\nName: x\r\n",
        );
        assert_eq!(
            manifest_identity(&m),
            Some((
                Some("com.fasterxml.jackson.core".into()),
                "jackson-databind".into(),
                "2.15.2".into()
            ))
        );
    }
}
