//! Alpine secdb (`secdb.alpinelinux.org/<release>/{main,community}.json`, and the older YAML
//! files of the alpine-secdb repository) converted to OSV advisories.
//!
//! The secdb lists, per source package, the version that fixed each CVE. It becomes one
//! advisory per CVE, `ALPINE-<CVE>` (osv.dev's naming), with one affected entry per package and
//! release (`Alpine:v3.9`) and the range `introduced 0, fixed <version>`. Records for the same
//! CVE from several files are merged by the importer.
//!
//! Conventions, as Trivy applies them:
//! * fixed version `0` means "this package was never affected": no advisory is produced;
//! * an entry may hold several ids or a comment (`CVE-2017-2616 (+ regression fix)`): every
//!   whitespace-separated `CVE-…` token counts, anything else is ignored;
//! * the same CVE listed under two versions of one package keeps the lowest: the later entry
//!   documents a follow-up fix, and "affected below the highest" would over-report.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::Error;
use crate::ecosystem::Ecosystem;
use crate::model::{Advisory, Affected, Event, Package, Range, RangeKind, Reference};
use crate::version::Comparator;

/// Whether a parsed JSON/YAML document is a secdb file rather than an OSV record.
pub fn is_secdb(doc: &Value) -> bool {
    doc.get("distroversion").is_some() && doc.get("packages").is_some() && doc.get("id").is_none()
}

/// A secfix that could not be converted (the rest of the file still is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadSecfix {
    /// `package fixed_version`.
    pub what: String,
    /// Why.
    pub reason: String,
}

/// Converts one secdb document. File-level problems (no release, no package list) are errors;
/// a bad individual secfix is returned in the second list.
pub fn convert(doc: &Value) -> Result<(Vec<Advisory>, Vec<BadSecfix>), Error> {
    let release = doc
        .get("distroversion")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| Error::Parse("secdb: no distroversion".into()))?;
    let release = if release.starts_with('v') || release == "edge" {
        release.to_owned()
    } else {
        format!("v{release}")
    };
    let ecosystem = Ecosystem::parse(&format!("Alpine:{release}"))
        .map_err(|e| Error::Parse(format!("secdb: {e}")))?;
    // An empty repository (v3.3 community) is written `packages:` with no list: that is null.
    let empty = Vec::new();
    let packages = match doc.get("packages") {
        Some(Value::Array(p)) => p,
        Some(Value::Null) | None => &empty,
        Some(_) => return Err(Error::Parse("secdb: packages is not a list".into())),
    };
    let cmp = Comparator::for_range(RangeKind::Ecosystem, "Alpine");

    // CVE -> package -> lowest fixed version
    let mut by_cve: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut bad = Vec::new();
    for entry in packages {
        let Some(pkg) = entry.get("pkg") else {
            bad.push(BadSecfix {
                what: entry.to_string(),
                reason: "entry has no pkg".into(),
            });
            continue;
        };
        let Some(name) = pkg.get("name").and_then(Value::as_str).map(str::trim) else {
            bad.push(BadSecfix {
                what: pkg.to_string(),
                reason: "pkg has no name".into(),
            });
            continue;
        };
        let Some(secfixes) = pkg.get("secfixes").and_then(Value::as_object) else {
            continue; // a package without secfixes has nothing to say
        };
        for (fixed, ids) in secfixes {
            let fixed = fixed.trim();
            if fixed == "0" {
                continue;
            }
            // Typos such as `4.8.0.-r1` or `0.8.21.r2` are real secdb data. apk-tools orders
            // such strings token by token rather than rejecting them, so they are kept and
            // compared the same way; only versions without any digit are refused.
            if !fixed.bytes().any(|b| b.is_ascii_digit()) {
                bad.push(BadSecfix {
                    what: format!("{name} {fixed}"),
                    reason: "fixed version is not a version".into(),
                });
                continue;
            }
            let tokens = ids
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .flat_map(str::split_whitespace);
            for token in tokens {
                let id = token.trim_matches(|c: char| !c.is_ascii_alphanumeric());
                if !id.starts_with("CVE-") {
                    continue;
                }
                let slot = by_cve
                    .entry(id.to_owned())
                    .or_default()
                    .entry(name.to_owned())
                    .or_insert_with(|| fixed.to_owned());
                if let Some(c) = cmp
                    && c.compare(fixed, slot) == Some(std::cmp::Ordering::Less)
                {
                    *slot = fixed.to_owned();
                }
            }
        }
    }

    let advisories = by_cve
        .into_iter()
        .map(|(cve, pkgs)| Advisory {
            id: format!("ALPINE-{cve}"),
            modified: None,
            published: None,
            withdrawn: None,
            aliases: vec![cve.clone()],
            upstream: Vec::new(),
            related: Vec::new(),
            summary: None,
            details: None,
            severity: Vec::new(),
            affected: pkgs
                .into_iter()
                .map(|(name, fixed)| Affected {
                    package: Some(Package {
                        ecosystem: ecosystem.clone(),
                        name,
                        purl: None,
                    }),
                    severity: Vec::new(),
                    ranges: vec![Range {
                        kind: RangeKind::Ecosystem,
                        repo: None,
                        events: vec![Event::Introduced("0".into()), Event::Fixed(fixed)],
                    }],
                    versions: Vec::new(),
                    ecosystem_specific: None,
                    database_specific: None,
                })
                .collect(),
            references: vec![Reference {
                kind: "ADVISORY".into(),
                url: format!("https://security.alpinelinux.org/vuln/{cve}"),
            }],
        })
        .collect();
    Ok((advisories, bad))
}

/// Adds `incoming`'s affected entries to `existing` (same CVE, other files), replacing an entry
/// for the same package and release.
pub fn merge(existing: &mut Advisory, incoming: Advisory) {
    for a in incoming.affected {
        existing.affected.retain(|e| e.package != a.package);
        existing.affected.push(a);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn converts_secfixes() {
        let doc = crate::yaml::to_json(
            "distroversion: v3.9\nreponame: community\npackages:\n  - pkg:\n      name: runc\n      secfixes:\n        1.0.0_rc6-r1:\n          - CVE-2019-5736\n        0:\n          - CVE-2000-0001\n        1.0.0_rc9-r0:\n          - CVE-2019-16884 CVE-2019-19921 (+ regression)\n          - CVE-2019-5736\n        not-a-version:\n          - CVE-2000-0002\n        4.8.0.-r1:\n          - CVE-2000-0003\n",
        )
        .unwrap();
        assert!(is_secdb(&doc));
        let (advs, bad) = convert(&doc).unwrap();
        let ids: Vec<_> = advs.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "ALPINE-CVE-2000-0003",
                "ALPINE-CVE-2019-16884",
                "ALPINE-CVE-2019-19921",
                "ALPINE-CVE-2019-5736"
            ]
        );
        let runc = &advs[3].affected[0];
        assert_eq!(
            runc.package.as_ref().unwrap().ecosystem.as_str(),
            "Alpine:v3.9"
        );
        assert_eq!(
            runc.ranges[0].events[1],
            Event::Fixed("1.0.0_rc6-r1".into()),
            "lowest fix kept"
        );
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].what, "runc not-a-version");
    }
}
