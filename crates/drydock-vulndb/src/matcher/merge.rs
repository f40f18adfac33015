//! Alias merging: the matches that describe one vulnerability under several ids (GO-, GHSA-,
//! CVE-...) become one, led by the id a report should show.

use std::cmp::Ordering;

use super::Match;
use super::range::sort_tolerant;
use crate::ecosystem::scheme_for_base;
use crate::model::RangeKind;
use crate::version::Comparator;

/// Preference for the id a merged finding leads with: lower is better.
fn rank(id: &str, family: &str) -> u8 {
    let native = crate::ecosystem::info(family).map_or(&[][..], |e| e.native_ids);
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
pub(super) fn merge(found: Vec<Match>, family: &str) -> Vec<Match> {
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
    // The most preferred source's rating; the highest among equally preferred ones.
    let rated = ms.iter().filter(|m| m.severity.is_some()).min_by(|a, b| {
        a.severity_rank
            .cmp(&b.severity_rank)
            .then(b.severity.cmp(&a.severity))
    });
    let severity = rated.and_then(|m| m.severity);
    let severity_source = rated.and_then(|m| m.severity_source.clone());
    let severity_rank = rated.map_or(u8::MAX, |m| m.severity_rank);
    // As cargo-audit decides from the RustSec record alone: an unsound or unmaintained crate
    // stays a warning even when a GHSA copy of the advisory is merged in.
    let informational = ms.iter().find_map(|m| m.informational.clone());
    let end_of_life = ms.iter().any(|m| m.end_of_life);
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
        severity_source,
        severity_rank,
        cvss,
        references,
        informational,
        end_of_life,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks() {
        assert!(rank("GO-2024-2491", "Go") < rank("GHSA-xr7r-f8xq-vfvv", "Go"));
        assert!(rank("GHSA-xr7r-f8xq-vfvv", "Go") < rank("CVE-2024-21626", "Go"));
        assert!(rank("CVE-2019-5736", "Alpine") < rank("ALPINE-CVE-2019-5736", "Alpine"));
    }
}
