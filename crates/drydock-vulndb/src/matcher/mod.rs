//! Deciding whether an installed package is affected, and by what.
//!
//! [`matches`] evaluates one advisory against one package with the OSV algorithm; [`Matcher`]
//! turns an installed package into the ecosystem keys advisories are filed under (Debian and
//! Ubuntu by source package and release, Alpine by origin and branch), asks an
//! [`AdvisorySource`], and merges the advisories that describe one vulnerability under several
//! ids (GO-…, GHSA-…, CVE-…) into one [`Match`], so a report lists each vulnerability once.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::cvss::Severity;
use crate::ecosystem::{normalize_name, scheme_for_base};
use crate::error::{Error, Result};
use crate::model::{Advisory, Affected, Event, RangeKind, SeverityScore};
use crate::store::Database;
use crate::version::Comparator;

/// Where advisories come from: the SQLite store, or memory (tests, small embedded sets).
pub trait AdvisorySource {
    /// Advisories with an affected entry for exactly `ecosystem` (a full key such as
    /// `Debian:12`) and `name` (normalised by the source).
    fn advisories(&self, ecosystem: &str, name: &str) -> Result<Vec<Advisory>>;
}

impl AdvisorySource for Database {
    fn advisories(&self, ecosystem: &str, name: &str) -> Result<Vec<Advisory>> {
        self.lookup(ecosystem, name)
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
    /// Highest of the CVSS-derived and qualitative severities.
    pub severity: Option<Severity>,
    /// Highest CVSS score, when any vector was given.
    pub cvss: Option<CvssScore>,
    /// Reference URLs, deduplicated.
    pub references: Vec<String>,
    /// RustSec's `informational` class (`unmaintained`, `unsound`, `notice`) when the advisory
    /// is not a vulnerability but a warning about the crate; cargo-audit lists these as
    /// warnings, apart from vulnerabilities, and a report should too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub informational: Option<String>,
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

/// Insertion sort that tolerates a non-transitive or partial order (Maven's is not transitive,
/// and `slice::sort_by` may panic on such orders); lists here have a handful of elements.
fn sort_tolerant<T>(items: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && cmp(&items[j - 1], &items[j]) == Ordering::Greater {
            items.swap(j - 1, j);
            j -= 1;
        }
    }
}

fn event_order(cmp: Comparator, a: &Event, b: &Event) -> Ordering {
    let bottom = |e: &Event| matches!(e, Event::Introduced(v) if v == "0");
    match (bottom(a), bottom(b)) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => cmp
            .compare(a.version(), b.version())
            .unwrap_or(Ordering::Equal),
    }
}

/// The OSV evaluation of one SEMVER/ECOSYSTEM range: `Some(fix)` when `version` is affected,
/// with the `fixed` event that ends the affected interval (if the interval ends in a fix).
fn eval_range(cmp: Comparator, events: &[Event], version: &str) -> Option<Option<String>> {
    if !cmp.is_valid(version) {
        return None;
    }
    let limits: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            Event::Limit(l) => Some(l.as_str()),
            _ => None,
        })
        .collect();
    if !limits.is_empty()
        && !limits.contains(&"*")
        && !limits
            .iter()
            .any(|l| cmp.compare(version, l) == Some(Ordering::Less))
    {
        return None;
    }
    let mut sorted: Vec<&Event> = events
        .iter()
        .filter(|e| !matches!(e, Event::Limit(_)))
        .collect();
    sort_tolerant(&mut sorted, |a, b| event_order(cmp, a, b));
    let at_least = |x: &str| {
        matches!(
            cmp.compare(version, x),
            Some(Ordering::Greater | Ordering::Equal)
        )
    };
    let mut affected = false;
    for e in &sorted {
        match e {
            Event::Introduced(x) if x == "0" || at_least(x) => affected = true,
            Event::Fixed(x) if at_least(x) => affected = false,
            Event::LastAffected(x) if cmp.compare(version, x) == Some(Ordering::Greater) => {
                affected = false;
            }
            _ => {}
        }
    }
    if !affected {
        return None;
    }
    // The interval containing `version` ends at the first non-introduced event above it.
    let end = sorted.iter().find(|e| match e {
        Event::Fixed(x) => cmp.compare(version, x) == Some(Ordering::Less),
        Event::LastAffected(x) => !matches!(cmp.compare(version, x), Some(Ordering::Greater)),
        _ => false,
    });
    Some(match end {
        Some(Event::Fixed(x)) => Some(x.clone()),
        _ => None,
    })
}

/// Evaluates one affected entry: ranges first, then the explicit `versions` list (exact
/// strings, per the OSV spec; Go's `v` prefix is ignored on both sides).
fn eval_affected(a: &Affected, base: &str, version: &str) -> Option<Vec<String>> {
    let mut hit = false;
    let mut fixed = Vec::new();
    for r in &a.ranges {
        let Some(cmp) = Comparator::for_range(r.kind, base) else {
            continue;
        };
        if let Some(fix) = eval_range(cmp, &r.events, version) {
            hit = true;
            fixed.extend(fix);
        }
    }
    if !hit {
        let bare = |v: &str| -> String {
            if base == "Go" {
                v.trim_start_matches('v').to_owned()
            } else {
                v.to_owned()
            }
        };
        let want = bare(version);
        if a.versions.iter().any(|v| bare(v) == want) {
            hit = true;
            // A listed version has no interval; offer every fix above it.
            for r in a.ranges.iter().filter(|r| r.kind != RangeKind::Git) {
                let Some(cmp) = Comparator::for_range(r.kind, base) else {
                    continue;
                };
                for e in &r.events {
                    if let Event::Fixed(x) = e
                        && cmp.compare(version, x) == Some(Ordering::Less)
                    {
                        fixed.push(x.clone());
                    }
                }
            }
        }
    }
    hit.then_some(fixed)
}

fn best_cvss<'a>(scores: impl Iterator<Item = &'a SeverityScore>) -> Option<CvssScore> {
    let mut best: Option<CvssScore> = None;
    for s in scores {
        if let Some(score) = s.score
            && best.as_ref().is_none_or(|b| score > b.score)
        {
            best = Some(CvssScore {
                kind: s.kind.clone(),
                vector: s.value.clone(),
                score,
            });
        }
    }
    best
}

/// Whether `advisory` affects `version` of `name` in the ecosystem key `ecosystem`
/// (`Go`, `Debian:12`, `Alpine:v3.9`). Withdrawn advisories never match. The returned match
/// carries only this advisory's ids; [`Matcher`] merges aliases across advisories.
pub fn matches(advisory: &Advisory, ecosystem: &str, name: &str, version: &str) -> Option<Match> {
    if advisory.is_withdrawn() {
        return None;
    }
    let base = ecosystem.split(':').next().unwrap_or_default();
    let key = normalize_name(base, name);
    let mut hit = false;
    let mut fixed: Vec<String> = Vec::new();
    let mut severities: Vec<&SeverityScore> = advisory.severity.iter().collect();
    let mut informational = None;
    for a in &advisory.affected {
        let Some(pkg) = &a.package else { continue };
        if pkg.ecosystem.as_str() != ecosystem || normalize_name(base, &pkg.name) != key {
            continue;
        }
        if let Some(f) = eval_affected(a, base, version) {
            hit = true;
            fixed.extend(f);
            severities.extend(&a.severity);
            informational = informational.or_else(|| informational_of(a));
        }
    }
    if !hit {
        return None;
    }
    fixed.dedup();
    let mut aliases: Vec<String> = advisory
        .aliases
        .iter()
        .chain(&advisory.upstream)
        .filter(|a| **a != advisory.id)
        .cloned()
        .collect();
    aliases.sort();
    aliases.dedup();
    let mut references: Vec<String> = Vec::new();
    for r in &advisory.references {
        if !references.contains(&r.url) {
            references.push(r.url.clone());
        }
    }
    Some(Match {
        id: advisory.id.clone(),
        aliases,
        advisories: vec![advisory.id.clone()],
        summary: advisory.summary.clone(),
        ecosystem: ecosystem.to_owned(),
        package: name.to_owned(),
        installed_version: version.to_owned(),
        fixed_versions: fixed,
        severity: severities.iter().filter_map(|s| s.severity).max(),
        cvss: best_cvss(severities.into_iter()),
        references,
        informational,
    })
}

/// RustSec's OSV export writes `affected[].database_specific.informational` (`null` for
/// vulnerabilities).
fn informational_of(a: &Affected) -> Option<String> {
    a.database_specific
        .as_ref()?
        .get("informational")?
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
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

/// The OSV ecosystem family for a Package URL type (and namespace, for `deb`/`apk`/`rpm`,
/// whose namespace names the distribution).
pub fn ecosystem_from_purl(purl_type: &str, namespace: Option<&str>) -> Option<&'static str> {
    Some(
        match (purl_type, namespace.map(str::to_ascii_lowercase).as_deref()) {
            ("golang", _) => "Go",
            ("pypi", _) => "PyPI",
            ("cargo", _) => "crates.io",
            ("npm", _) => "npm",
            ("maven", _) => "Maven",
            ("gem", _) => "RubyGems",
            ("nuget", _) => "NuGet",
            ("composer", _) => "Packagist",
            ("hex", _) => "Hex",
            ("pub", _) => "Pub",
            ("deb", Some("debian")) => "Debian",
            ("deb", Some("ubuntu")) => "Ubuntu",
            ("apk", Some("alpine")) => "Alpine",
            ("apk", Some("wolfi")) => "Wolfi",
            ("apk", Some("chainguard")) => "Chainguard",
            _ => return None,
        },
    )
}

fn family(ecosystem: &str) -> Option<&'static str> {
    let lower = ecosystem.to_ascii_lowercase();
    if let Some(f) = ecosystem_from_purl(&lower, None) {
        return Some(f);
    }
    const FAMILIES: &[&str] = &[
        "Go",
        "PyPI",
        "crates.io",
        "npm",
        "Maven",
        "RubyGems",
        "NuGet",
        "Packagist",
        "Hex",
        "Pub",
        "Debian",
        "Ubuntu",
        "Alpine",
        "Wolfi",
        "Chainguard",
        "Red Hat",
        "AlmaLinux",
        "Rocky Linux",
        "SUSE",
        "openSUSE",
        "Photon OS",
        "Azure Linux",
        "Mageia",
        "openEuler",
    ];
    FAMILIES
        .iter()
        .find(|f| f.eq_ignore_ascii_case(ecosystem))
        .copied()
}

fn debian_release(r: &str) -> Option<String> {
    let major = match r.to_ascii_lowercase().as_str() {
        "jessie" => "8".to_owned(),
        "stretch" => "9".to_owned(),
        "buster" => "10".to_owned(),
        "bullseye" => "11".to_owned(),
        "bookworm" => "12".to_owned(),
        "trixie" => "13".to_owned(),
        "forky" => "14".to_owned(),
        other => other.split('.').next()?.to_owned(),
    };
    (!major.is_empty() && major.bytes().all(|b| b.is_ascii_digit())).then_some(major)
}

fn ubuntu_release(r: &str) -> Option<String> {
    let known = [
        ("trusty", "14.04"),
        ("xenial", "16.04"),
        ("bionic", "18.04"),
        ("focal", "20.04"),
        ("jammy", "22.04"),
        ("mantic", "23.10"),
        ("noble", "24.04"),
        ("oracular", "24.10"),
        ("plucky", "25.04"),
        ("questing", "25.10"),
    ];
    let lower = r.to_ascii_lowercase();
    if let Some((_, v)) = known.iter().find(|(c, _)| *c == lower) {
        return Some((*v).to_owned());
    }
    let mut parts = lower.split('.');
    let (y, m) = (parts.next()?, parts.next()?);
    let ok = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (ok(y) && ok(m)).then(|| format!("{y}.{m}"))
}

fn alpine_branch(r: &str) -> Option<String> {
    if r == "edge" {
        return Some("edge".into());
    }
    let r = r.strip_prefix('v').unwrap_or(r);
    let mut parts = r.split('.');
    let (major, minor) = (parts.next()?, parts.next()?);
    let ok = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (ok(major) && ok(minor)).then(|| format!("v{major}.{minor}"))
}

/// One ecosystem key to consult for a query.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    ecosystem: String,
    /// Consulted only for advisories that have no entry under the primary keys (Ubuntu Pro).
    fallback: bool,
}

/// Finds every advisory affecting a package, with aliases merged.
#[derive(Debug)]
pub struct Matcher<S> {
    source: S,
}

impl<S: AdvisorySource> Matcher<S> {
    /// A matcher over `source` (a [`Database`] or a [`MemorySource`]).
    pub fn new(source: S) -> Self {
        Matcher { source }
    }

    /// The underlying source.
    pub fn source(&self) -> &S {
        &self.source
    }

    fn targets(q: &Query<'_>, family: &str) -> Result<Vec<Target>> {
        let release = || {
            q.release
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .ok_or_else(|| Error::Query(format!("{family} package {} needs a release", q.name)))
        };
        let bad = |r: &str| Error::Query(format!("{family} release {r:?} is not recognised"));
        let primary = |e: String| Target {
            ecosystem: e,
            fallback: false,
        };
        Ok(match family {
            "Debian" => {
                let r = release()?;
                vec![primary(format!(
                    "Debian:{}",
                    debian_release(r).ok_or_else(|| bad(r))?
                ))]
            }
            "Ubuntu" => {
                let r = release()?;
                let v = ubuntu_release(r).ok_or_else(|| bad(r))?;
                vec![
                    primary(format!("Ubuntu:{v}:LTS")),
                    primary(format!("Ubuntu:{v}")),
                    Target {
                        ecosystem: format!("Ubuntu:Pro:{v}:LTS"),
                        fallback: true,
                    },
                ]
            }
            "Alpine" => {
                let r = release()?;
                vec![primary(format!(
                    "Alpine:{}",
                    alpine_branch(r).ok_or_else(|| bad(r))?
                ))]
            }
            "Red Hat" | "AlmaLinux" | "Rocky Linux" | "SUSE" | "openSUSE" | "Photon OS"
            | "Azure Linux" | "Mageia" | "openEuler" => match q.release {
                Some(r) => vec![primary(format!("{family}:{r}"))],
                None => vec![primary(family.to_owned())],
            },
            other => vec![primary(other.to_owned())],
        })
    }

    /// All vulnerabilities affecting the package, one [`Match`] per vulnerability.
    pub fn find(&self, q: &Query<'_>) -> Result<Vec<Match>> {
        let family = family(q.ecosystem)
            .ok_or_else(|| Error::Query(format!("unknown ecosystem {:?}", q.ecosystem)))?;
        let distro = matches!(
            scheme_for_base(family),
            Some(
                drydock_version::Scheme::Dpkg
                    | drydock_version::Scheme::Apk
                    | drydock_version::Scheme::Rpm
            )
        );
        let (name, version) = if distro {
            (
                q.source_name.unwrap_or(q.name),
                q.source_version.unwrap_or(q.version),
            )
        } else {
            (q.name, q.version)
        };
        let mut seen: HashSet<String> = HashSet::new();
        let mut found: Vec<Match> = Vec::new();
        for t in Self::targets(q, family)? {
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
        Ok(merge(found, family))
    }
}

/// Preference for the id a merged finding leads with: lower is better.
fn rank(id: &str, family: &str) -> u8 {
    let native: &[&str] = match family {
        "Go" => &["GO-"],
        "crates.io" => &["RUSTSEC-"],
        "PyPI" => &["PYSEC-"],
        "Debian" => &["DSA-", "DLA-", "DEBIAN-"],
        "Ubuntu" => &["USN-", "UBUNTU-"],
        "Alpine" => &["ALPINE-"],
        _ => &[],
    };
    let is_native = native.iter().any(|p| id.starts_with(p));
    let distro = matches!(
        scheme_for_base(family),
        Some(
            drydock_version::Scheme::Dpkg
                | drydock_version::Scheme::Apk
                | drydock_version::Scheme::Rpm
        )
    );
    match (distro, is_native, id) {
        (true, _, id) if id.starts_with("CVE-") => 0,
        (true, true, _) => 1,
        (false, true, _) => 0,
        (false, false, id) if id.starts_with("GHSA-") => 1,
        (false, false, id) if id.starts_with("CVE-") => 2,
        _ => 3,
    }
}

/// Groups matches that share any id (transitively) into one.
///
/// Except that two RustSec records of different informational classes stay apart even when
/// they share aliases: `failure`'s unmaintained notice (RUSTSEC-2020-0036) repeats the CVE and
/// GHSA ids of its unsound advisory (RUSTSEC-2019-0036), and cargo-audit reports both.
fn merge(found: Vec<Match>, family: &str) -> Vec<Match> {
    let n = found.len();
    let mut parent: Vec<usize> = (0..n).collect();
    // The informational class each group holds, if any (one per group, by construction).
    let mut class: Vec<Option<&str>> = found.iter().map(|m| m.informational.as_deref()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for i in 0..n {
        for j in 0..i {
            if found[i].ids().any(|a| found[j].ids().any(|b| a == b)) {
                let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
                if ri == rj {
                    continue;
                }
                match (class[ri], class[rj]) {
                    (Some(a), Some(b)) if a != b => continue,
                    (a, b) => class[rj] = a.or(b),
                }
                parent[ri] = rj;
            }
        }
    }
    let mut groups: Vec<(usize, Vec<Match>)> = Vec::new();
    for (i, m) in found.into_iter().enumerate() {
        let r = root(&mut parent, i);
        match groups.iter_mut().find(|(g, _)| *g == r) {
            Some((_, v)) => v.push(m),
            None => groups.push((r, vec![m])),
        }
    }
    let cmp = scheme_for_base(family).map(|_| Comparator::for_range(RangeKind::Ecosystem, family));
    groups
        .into_iter()
        .filter_map(|(_, ms)| combine(ms, family, cmp.flatten()))
        .collect()
}

/// One match out of a group of alias-linked matches; `None` only for an empty group.
fn combine(ms: Vec<Match>, family: &str, cmp: Option<Comparator>) -> Option<Match> {
    let mut ids: Vec<String> = ms.iter().flat_map(|m| m.ids().map(str::to_owned)).collect();
    ids.sort();
    ids.dedup();
    let primary = ids
        .iter()
        .min_by(|a, b| rank(a, family).cmp(&rank(b, family)).then(a.cmp(b)))
        .cloned()
        .unwrap_or_default();
    let aliases: Vec<String> = ids.into_iter().filter(|i| *i != primary).collect();
    let mut advisories: Vec<String> = ms.iter().flat_map(|m| m.advisories.clone()).collect();
    advisories.sort();
    advisories.dedup();
    // Prefer the title of the record whose id leads, then of the native record.
    let lead = ms
        .iter()
        .min_by_key(|m| (rank(&m.id, family), m.id.clone()))
        .cloned();
    let summary = ms
        .iter()
        .find(|m| m.id == primary && m.summary.is_some())
        .or_else(|| lead.as_ref().filter(|m| m.summary.is_some()))
        .or_else(|| ms.iter().find(|m| m.summary.is_some()))
        .and_then(|m| m.summary.clone());
    let mut fixed: Vec<String> = Vec::new();
    for f in ms.iter().flat_map(|m| &m.fixed_versions) {
        let dup = fixed
            .iter()
            .any(|g| g == f || cmp.and_then(|c| c.compare(f, g)) == Some(Ordering::Equal));
        if !dup {
            fixed.push(f.clone());
        }
    }
    if let Some(c) = cmp {
        sort_tolerant(&mut fixed, |a, b| {
            c.compare(a, b).unwrap_or(Ordering::Equal)
        });
    }
    let mut references: Vec<String> = Vec::new();
    for r in ms.iter().flat_map(|m| &m.references) {
        if !references.contains(r) {
            references.push(r.clone());
        }
    }
    let cvss = ms
        .iter()
        .filter_map(|m| m.cvss.clone())
        .max_by(|a, b| a.score.partial_cmp(&b.score).unwrap_or(Ordering::Equal));
    let severity = ms.iter().filter_map(|m| m.severity).max();
    // As cargo-audit decides from the RustSec record alone: an unsound or unmaintained crate
    // stays a warning even when a GHSA copy of the advisory is merged in.
    let informational = ms.iter().find_map(|m| m.informational.clone());
    let base = lead?;
    Some(Match {
        id: primary,
        aliases,
        advisories,
        summary,
        ecosystem: base.ecosystem,
        package: base.package,
        installed_version: base.installed_version,
        fixed_versions: fixed,
        severity,
        cvss,
        references,
        informational,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases() {
        assert_eq!(debian_release("12.5").as_deref(), Some("12"));
        assert_eq!(debian_release("bookworm").as_deref(), Some("12"));
        assert_eq!(debian_release("sid"), None);
        assert_eq!(ubuntu_release("22.04").as_deref(), Some("22.04"));
        assert_eq!(ubuntu_release("jammy").as_deref(), Some("22.04"));
        assert_eq!(alpine_branch("3.19.1").as_deref(), Some("v3.19"));
        assert_eq!(alpine_branch("v3.9").as_deref(), Some("v3.9"));
        assert_eq!(alpine_branch("3"), None);
    }

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

    #[test]
    fn ranks() {
        assert!(rank("GO-2024-2491", "Go") < rank("GHSA-xr7r-f8xq-vfvv", "Go"));
        assert!(rank("GHSA-xr7r-f8xq-vfvv", "Go") < rank("CVE-2024-21626", "Go"));
        assert!(rank("CVE-2019-5736", "Alpine") < rank("ALPINE-CVE-2019-5736", "Alpine"));
    }
}
