//! Deciding whether an installed package is affected, and by what.
//!
//! [`matches`] evaluates one advisory against one package with the OSV algorithm; [`Matcher`]
//! turns an installed package into the ecosystem keys advisories are filed under (Debian and
//! Ubuntu by source package and release, Alpine by origin and branch), asks an
//! [`AdvisorySource`], and merges the advisories that describe one vulnerability under several
//! ids (GO-…, GHSA-…, CVE-…) into one [`Match`], so a report lists each vulnerability once.

//!
//! One module per job: [`range`] evaluates OSV ranges, [`keys`] maps purls, OSV names and
//! distribution releases to index keys (through the ecosystem table), [`merge`] merges aliases.

mod keys;
mod merge;
mod range;

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::cvss::Severity;
use crate::ecosystem::{self, normalize_name};
use crate::error::{Error, Result};
use crate::model::Advisory;
use crate::store::Database;

pub use keys::ecosystem_from_purl;
pub use range::matches;

/// Where advisories come from: the SQLite store, or memory (tests, small embedded sets).
pub trait AdvisorySource {
    /// Advisories with an affected entry for exactly `ecosystem` (a full key such as
    /// `Debian:12`) and `name` (normalised by the source).
    fn advisories(&self, ecosystem: &str, name: &str) -> Result<Vec<Advisory>>;

    /// Whether any advisory has an affected entry under `ecosystem` (a full key). A source
    /// that cannot tell says yes, so a missing answer never becomes a false warning.
    fn has_ecosystem(&self, _ecosystem: &str) -> Result<bool> {
        Ok(true)
    }

    /// Every full key stored under `family` (`Red Hat:enterprise_linux:9::baseos`...), for
    /// distributions whose keys carry more than the release.
    fn ecosystem_keys(&self, family: &str) -> Result<Vec<String>>;

    /// One record by its id, for severities read through aliases.
    fn advisory(&self, id: &str) -> Result<Option<Advisory>>;
}

impl AdvisorySource for Database {
    fn advisories(&self, ecosystem: &str, name: &str) -> Result<Vec<Advisory>> {
        self.lookup(ecosystem, name)
    }

    fn has_ecosystem(&self, ecosystem: &str) -> Result<bool> {
        Database::has_ecosystem(self, ecosystem)
    }

    fn ecosystem_keys(&self, family: &str) -> Result<Vec<String>> {
        Database::ecosystem_keys(self, family)
    }

    fn advisory(&self, id: &str) -> Result<Option<Advisory>> {
        self.get(id)
    }
}

/// An in-memory index with the same keys as the store.
#[derive(Debug, Clone, Default)]
pub struct MemorySource {
    by_key: HashMap<(String, String), Vec<Advisory>>,
}

impl MemorySource {
    /// Indexes `advisories` by each affected package.
    pub fn new(advisories: impl IntoIterator<Item = Advisory>) -> MemorySource {
        let mut by_key: HashMap<(String, String), Vec<Advisory>> = HashMap::new();
        for adv in advisories {
            let mut keys: Vec<(String, String)> = adv
                .affected
                .iter()
                .filter_map(|a| a.package.as_ref())
                .map(|p| {
                    (
                        p.ecosystem.as_str().to_owned(),
                        normalize_name(p.ecosystem.base(), &p.name),
                    )
                })
                .collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                by_key.entry(k).or_default().push(adv.clone());
            }
        }
        MemorySource { by_key }
    }
}

impl AdvisorySource for MemorySource {
    fn advisories(&self, ecosystem: &str, name: &str) -> Result<Vec<Advisory>> {
        let base = ecosystem.split(':').next().unwrap_or_default();
        Ok(self
            .by_key
            .get(&(ecosystem.to_owned(), normalize_name(base, name)))
            .cloned()
            .unwrap_or_default())
    }

    fn ecosystem_keys(&self, family: &str) -> Result<Vec<String>> {
        let mut keys: Vec<String> = self
            .by_key
            .keys()
            .map(|(e, _)| e)
            .filter(|e| e.split(':').next() == Some(family) && e.len() > family.len())
            .cloned()
            .collect();
        keys.sort();
        keys.dedup();
        Ok(keys)
    }

    fn advisory(&self, id: &str) -> Result<Option<Advisory>> {
        Ok(self.by_key.values().flatten().find(|a| a.id == id).cloned())
    }
}

/// The highest CVSS score found for a vulnerability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CvssScore {
    /// `CVSS_V2`, `CVSS_V3` or `CVSS_V4`.
    pub kind: String,
    /// The vector.
    pub vector: String,
    /// Its base score.
    pub score: f64,
}

/// One vulnerability affecting one installed package.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    /// The id a report leads with (the ecosystem's own database first: GO-, RUSTSEC-, PYSEC-;
    /// the CVE for distributions, whose records wrap CVEs).
    pub id: String,
    /// Every other id of the vulnerability, sorted.
    pub aliases: Vec<String>,
    /// Ids of the advisory records that matched (one per database).
    pub advisories: Vec<String>,
    /// Title.
    pub summary: Option<String>,
    /// The ecosystem key matched (`Go`, `Alpine:v3.9`, ...).
    pub ecosystem: String,
    /// The package name matched (the source package for distributions).
    pub package: String,
    /// The installed version as given in the query.
    pub installed_version: String,
    /// Versions that fix it for the installed line; empty when no fix exists.
    pub fixed_versions: Vec<String>,
    /// The preferred severity: a distribution's own rating for its packages, a CVSS score for
    /// language packages, else any label (see [`Match::severity_source`]).
    pub severity: Option<Severity>,
    /// Where [`Match::severity`] comes from: `CVSS V3 of GHSA-…`, `Ubuntu priority of
    /// UBUNTU-CVE-…`; `(alias)` when read from a record that did not match itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity_source: Option<String>,
    /// How preferred that source is (lower is better), for merging.
    #[serde(skip)]
    pub severity_rank: u8,
    /// Highest CVSS score, when any vector was given.
    pub cvss: Option<CvssScore>,
    /// Reference URLs, deduplicated.
    pub references: Vec<String>,
    /// RustSec's `informational` class (`unmaintained`, `unsound`, `notice`) when the advisory
    /// is not a vulnerability but a warning about the crate; cargo-audit lists these as
    /// warnings, apart from vulnerabilities, and a report should too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub informational: Option<String>,
    /// The distribution says the package's release is past its support (Debian's
    /// `end-of-life`): no fix will come from it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub end_of_life: bool,
}

impl Match {
    /// Whether a fixed version is known (`--ignore-unfixed` drops the others).
    pub fn is_fixed(&self) -> bool {
        !self.fixed_versions.is_empty()
    }

    /// The id and all aliases.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}

/// An installed package to look up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Query<'a> {
    /// Ecosystem family: an OSV name (`Go`, `PyPI`, `crates.io`, `npm`, `Maven`, `RubyGems`,
    /// `NuGet`, `Debian`, `Ubuntu`, `Alpine`, ...) or a package-URL type (`golang`, `pypi`,
    /// `cargo`, `gem`, `nuget`, `composer`).
    pub ecosystem: &'a str,
    /// Binary package name (Maven: `group:artifact`).
    pub name: &'a str,
    /// Installed version (Go: with or without `v`; the stdlib as `go1.21.5`).
    pub version: &'a str,
    /// Distributions: the source package (Debian `Source:`, Alpine origin).
    pub source_name: Option<&'a str>,
    /// Distributions: the source package version, when it differs (binNMUs).
    pub source_version: Option<&'a str>,
    /// Distributions: the release (`12`, `22.04`, `3.19.1`, `bookworm`, `jammy`).
    pub release: Option<&'a str>,
}

impl<'a> Query<'a> {
    /// A language package.
    pub fn new(ecosystem: &'a str, name: &'a str, version: &'a str) -> Query<'a> {
        Query {
            ecosystem,
            name,
            version,
            source_name: None,
            source_version: None,
            release: None,
        }
    }

    /// A distribution package: `release` selects the advisories' ecosystem key.
    pub fn distro(ecosystem: &'a str, release: &'a str, name: &'a str, version: &'a str) -> Self {
        Query {
            release: Some(release),
            ..Query::new(ecosystem, name, version)
        }
    }

    /// Sets the source package (and its version if it differs from the binary's).
    pub fn with_source(mut self, name: &'a str, version: Option<&'a str>) -> Self {
        self.source_name = Some(name);
        self.source_version = version;
        self
    }
}

/// Finds every advisory affecting a package, with aliases merged.
#[derive(Debug)]
pub struct Matcher<S> {
    source: S,
    /// [`AdvisorySource::ecosystem_keys`] per family, asked once per matcher (a scan).
    stored_keys: std::sync::Mutex<HashMap<String, Vec<String>>>,
}

impl<S: AdvisorySource> Matcher<S> {
    /// A matcher over `source` (a [`Database`] or a [`MemorySource`]).
    pub fn new(source: S) -> Self {
        Matcher {
            source,
            stored_keys: std::sync::Mutex::default(),
        }
    }

    fn stored_keys(&self, family: &str) -> Result<Vec<String>> {
        let mut cache = self
            .stored_keys
            .lock()
            .map_err(|_| Error::Query("ecosystem key cache poisoned".into()))?;
        if let Some(k) = cache.get(family) {
            return Ok(k.clone());
        }
        let keys = self.source.ecosystem_keys(family)?;
        cache.insert(family.to_owned(), keys.clone());
        Ok(keys)
    }

    /// The underlying source.
    pub fn source(&self) -> &S {
        &self.source
    }

    /// Whether the source holds any advisory under the keys `q` would be looked up with: a
    /// clean result for a package means something only when it does (a database without the
    /// image's distribution would otherwise report every OS package clean).
    pub fn covers(&self, q: &Query<'_>) -> Result<bool> {
        let eco = ecosystem::queryable(q.ecosystem)
            .ok_or_else(|| Error::Query(format!("unknown ecosystem {:?}", q.ecosystem)))?;
        for t in keys::targets(q, eco, &|f| self.stored_keys(f))? {
            if self.source.has_ecosystem(&t.ecosystem)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// All vulnerabilities affecting the package, one [`Match`] per vulnerability.
    pub fn find(&self, q: &Query<'_>) -> Result<Vec<Match>> {
        let eco = ecosystem::queryable(q.ecosystem)
            .ok_or_else(|| Error::Query(format!("unknown ecosystem {:?}", q.ecosystem)))?;
        let family = eco.osv;
        let (name, version) = if eco.by_source {
            (
                q.source_name.unwrap_or(q.name),
                q.source_version.unwrap_or(q.version),
            )
        } else {
            (q.name, q.version)
        };
        let mut seen: HashSet<String> = HashSet::new();
        let mut found: Vec<Match> = Vec::new();
        for t in keys::targets(q, eco, &|f| self.stored_keys(f))? {
            for adv in self.source.advisories(&t.ecosystem, name)? {
                if t.fallback && seen.contains(&adv.id) {
                    continue;
                }
                if !t.fallback {
                    seen.insert(adv.id.clone());
                }
                if found.iter().any(|m| m.advisories.contains(&adv.id)) {
                    continue;
                }
                if let Some(mut m) = matches(&adv, &t.ecosystem, name, version) {
                    m.installed_version = q.version.to_owned();
                    found.push(m);
                }
            }
        }
        let mut merged = merge::merge(found, family);
        for m in merged.iter_mut().filter(|m| m.severity.is_none()) {
            self.severity_by_alias(m, eco.is_distribution())?;
        }
        Ok(merged)
    }

    /// A match none of whose records rates it (PyPA and many Go records carry no severity)
    /// takes the rating of a record stored under one of its other ids (the GHSA or CVE record
    /// osv.dev exports beside them), even when that record did not match this package itself.
    fn severity_by_alias(&self, m: &mut Match, distribution: bool) -> Result<()> {
        let ids: Vec<String> = m
            .ids()
            .filter(|id| !m.advisories.iter().any(|a| a == id))
            .map(str::to_owned)
            .collect();
        let mut best: Option<(Severity, String, u8)> = None;
        for id in ids {
            let Some(adv) = self.source.advisory(&id)? else {
                continue;
            };
            let scores = adv
                .severity
                .iter()
                .chain(adv.affected.iter().flat_map(|a| &a.severity));
            if let Some(r) = range::rate(scores, &adv.id, distribution)
                && best
                    .as_ref()
                    .is_none_or(|b| r.2 < b.2 || (r.2 == b.2 && r.0 > b.0))
            {
                best = Some(r);
            }
        }
        if let Some((sev, source, rank)) = best {
            m.severity = Some(sev);
            m.severity_source = Some(format!("{source} (alias)"));
            m.severity_rank = rank;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A GHSA copy merged into an informational RustSec advisory does not turn it into a
    /// vulnerability: cargo-audit, which reads only the RustSec record, warns.
    #[test]
    fn informational_survives_alias_merge() {
        let rustsec = Advisory::from_json(
            br#"{"id":"RUSTSEC-2099-0001","aliases":["GHSA-aaaa-bbbb-cccc"],
            "affected":[{"package":{"ecosystem":"crates.io","name":"demo"},
            "database_specific":{"informational":"unsound"},
            "ranges":[{"type":"SEMVER","events":[{"introduced":"0.0.0-0"},{"fixed":"1.0.0"}]}]}]}"#,
        )
        .unwrap();
        let ghsa = Advisory::from_json(
            br#"{"id":"GHSA-aaaa-bbbb-cccc","aliases":["RUSTSEC-2099-0001"],
            "database_specific":{"severity":"HIGH"},
            "affected":[{"package":{"ecosystem":"crates.io","name":"demo"},
            "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.0.0"}]}]}]}"#,
        )
        .unwrap();
        let plain = Advisory::from_json(
            br#"{"id":"RUSTSEC-2099-0002","affected":[{"package":{"ecosystem":"crates.io","name":"demo"},
            "database_specific":{"informational":null},
            "ranges":[{"type":"SEMVER","events":[{"introduced":"0.0.0-0"}]}]}]}"#,
        )
        .unwrap();
        let m = Matcher::new(MemorySource::new([rustsec, ghsa, plain]));
        let found = m.find(&Query::new("cargo", "demo", "0.9.0")).unwrap();
        assert_eq!(found.len(), 2, "{found:#?}");
        assert_eq!(found[0].id, "RUSTSEC-2099-0001");
        assert_eq!(found[0].aliases, ["GHSA-aaaa-bbbb-cccc"]);
        assert_eq!(found[0].informational.as_deref(), Some("unsound"));
        assert_eq!(found[0].severity, Some(Severity::High));
        assert_eq!(found[1].id, "RUSTSEC-2099-0002");
        assert_eq!(found[1].informational, None);
    }

    /// `failure` 0.1.5 as cargo-audit reports it: an unsound and an unmaintained warning, even
    /// though the notice repeats the ids of the unsound advisory (the GHSA copy joins one).
    #[test]
    fn informational_classes_stay_apart() {
        let rec = |id: &str, aliases: &str, class: &str| {
            Advisory::from_json(
                format!(
                    r#"{{"id":"{id}","aliases":[{aliases}],
                    "affected":[{{"package":{{"ecosystem":"crates.io","name":"failure"}},
                    "database_specific":{{"informational":{class}}},
                    "ranges":[{{"type":"SEMVER","events":[{{"introduced":"0.0.0-0"}}]}}]}}]}}"#
                )
                .as_bytes(),
            )
            .unwrap()
        };
        let shared = r#""CVE-2019-25010","GHSA-r98r-j25q-rmpr""#;
        let m = Matcher::new(MemorySource::new([
            rec("RUSTSEC-2019-0036", shared, r#""unsound""#),
            rec("RUSTSEC-2020-0036", shared, r#""unmaintained""#),
            rec("GHSA-r98r-j25q-rmpr", r#""CVE-2019-25010""#, "null"),
        ]));
        let found = m.find(&Query::new("cargo", "failure", "0.1.5")).unwrap();
        let got: Vec<(&str, Option<&str>)> = found
            .iter()
            .map(|m| (m.id.as_str(), m.informational.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("RUSTSEC-2019-0036", Some("unsound")),
                ("RUSTSEC-2020-0036", Some("unmaintained")),
            ],
            "{found:#?}"
        );
    }
}
