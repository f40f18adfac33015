//! The OSV range algorithm: whether one advisory affects one version, per ecosystem version
//! scheme, and which fixed versions end the affected interval.

use std::cmp::Ordering;

use super::{CvssScore, Match};
use crate::ecosystem::normalize_name;
use crate::model::{Advisory, Affected, Event, RangeKind, SeverityScore};
use crate::version::Comparator;

/// Insertion sort that tolerates a non-transitive or partial order (Maven's is not transitive,
/// and `slice::sort_by` may panic on such orders); lists here have a handful of elements.
pub(super) fn sort_tolerant<T>(items: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
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

/// The severity a set of statements from one record gives, where it came from, and how much
/// it is preferred (lower is better): a distribution's own rating first for its packages (as
/// Trivy does), a CVSS score first for language packages, then any other label.
pub(crate) fn rate<'a>(
    scores: impl Iterator<Item = &'a SeverityScore>,
    record: &str,
    distribution: bool,
) -> Option<(crate::Severity, String, u8)> {
    let mut best: Option<(crate::Severity, String, u8)> = None;
    for s in scores {
        let Some(sev) = s.severity else { continue };
        let cvss = s.score.is_some();
        let rank = match (distribution, cvss) {
            (true, false) => 0,
            (false, true) => 0,
            (true, true) => 1,
            (false, false) => 2,
        };
        let what = match s.kind.as_str() {
            "Ubuntu" => "Ubuntu priority".to_owned(),
            "Debian urgency" => "Debian urgency".to_owned(),
            "database_specific" | "ecosystem_specific" => "severity".to_owned(),
            k => k.replace('_', " "),
        };
        let better = best
            .as_ref()
            .is_none_or(|(bs, _, br)| rank < *br || (rank == *br && sev > *bs));
        if better {
            best = Some((sev, format!("{what} of {record}"), rank));
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
    let mut end_of_life = false;
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
            end_of_life |= crate::model::end_of_life(a);
        }
    }
    if !hit {
        return None;
    }
    fixed.dedup();
    // AlmaLinux and Rocky Linux list the CVEs an erratum fixes under `related`, where OSV means
    // "a different vulnerability". For a distribution's own erratum with neither aliases nor
    // upstream ids, those CVEs are what it fixes: kept as its ids, so findings name the CVEs and
    // a CVE in an ignore file applies.
    let own_erratum = advisory.aliases.is_empty()
        && advisory.upstream.is_empty()
        && crate::ecosystem::info(base).is_some_and(|e| {
            e.is_distribution() && e.native_ids.iter().any(|p| advisory.id.starts_with(p))
        });
    let related = advisory
        .related
        .iter()
        .filter(|r| own_erratum && r.starts_with("CVE-"));
    let mut aliases: Vec<String> = advisory
        .aliases
        .iter()
        .chain(&advisory.upstream)
        .chain(related)
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
    let distribution = crate::ecosystem::info(base).is_some_and(|e| e.is_distribution());
    let rated = rate(severities.iter().copied(), &advisory.id, distribution);
    Some(Match {
        id: advisory.id.clone(),
        aliases,
        advisories: vec![advisory.id.clone()],
        summary: advisory.summary.clone(),
        ecosystem: ecosystem.to_owned(),
        package: name.to_owned(),
        installed_version: version.to_owned(),
        fixed_versions: fixed,
        severity: rated.as_ref().map(|r| r.0),
        severity_source: rated.as_ref().map(|r| r.1.clone()),
        severity_rank: rated.map_or(u8::MAX, |r| r.2),
        cvss: best_cvss(severities.into_iter()),
        references,
        informational,
        end_of_life,
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
