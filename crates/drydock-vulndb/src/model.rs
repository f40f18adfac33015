//! The OSV data model: permissive `Raw*` mirrors of the wire format, and validated types.
//!
//! Feeds are untrusted and inconsistent (null where a list is expected, unknown fields, new
//! severity types), so parsing happens in two steps, as in RustSec's crates: serde reads
//! whatever is structurally JSON into `Raw*`, and `TryFrom` decides whether the record is usable,
//! with an error that names the advisory and the offending field. Everything downstream (the
//! store, the matcher) only ever sees validated [`Advisory`] values.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cvss::{self, Severity};
use crate::ecosystem::{Ecosystem, UnknownEcosystem};
use crate::version::Comparator;

/// A record that is well-formed JSON/YAML but not a usable advisory.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdvisoryError {
    /// The record has no `id`.
    #[error("record has no id")]
    MissingId,
    /// A timestamp is not RFC 3339.
    #[error("{id}: field {field} is not an RFC 3339 timestamp: {value:?}")]
    Timestamp {
        /// Advisory id.
        id: String,
        /// Field name.
        field: &'static str,
        /// Offending value.
        value: String,
    },
    /// `affected[].package.ecosystem` is not an OSV ecosystem.
    #[error("{id}: {source}")]
    Ecosystem {
        /// Advisory id.
        id: String,
        /// The ecosystem that was not recognised.
        source: UnknownEcosystem,
    },
    /// `affected[].package.name` is empty.
    #[error("{id}: affected[{index}] has an empty package name")]
    EmptyName {
        /// Advisory id.
        id: String,
        /// Index into `affected`.
        index: usize,
    },
    /// A range is malformed (unknown type, bad event, unparseable version, ...).
    #[error("{id}: affected[{index}] ({package}): malformed range: {reason}")]
    Range {
        /// Advisory id.
        id: String,
        /// Index into `affected`.
        index: usize,
        /// `ecosystem/name` of the affected package.
        package: String,
        /// What is wrong.
        reason: String,
    },
}

/// `severity[]` entry as written.
#[derive(Debug, Clone, Deserialize)]
pub struct RawSeverity {
    /// `CVSS_V2`, `CVSS_V3`, `CVSS_V4`, `Ubuntu`, ...
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Vector or label.
    pub score: Option<Value>,
}

/// `references[]` entry as written.
#[derive(Debug, Clone, Deserialize)]
pub struct RawReference {
    /// `ADVISORY`, `FIX`, `WEB`, ...
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The URL.
    pub url: Option<String>,
}

/// `affected[].package` as written.
#[derive(Debug, Clone, Deserialize)]
pub struct RawPackage {
    /// OSV ecosystem.
    pub ecosystem: Option<String>,
    /// Package name in that ecosystem.
    pub name: Option<String>,
    /// Package URL.
    pub purl: Option<String>,
}

/// `affected[].ranges[]` as written; events are kept as JSON so that a bad event is reported
/// as a malformed range rather than as a parse error of the whole file.
#[derive(Debug, Clone, Deserialize)]
pub struct RawRange {
    /// `SEMVER`, `ECOSYSTEM` or `GIT`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Repository URL of `GIT` ranges.
    pub repo: Option<String>,
    /// Event objects.
    pub events: Option<Vec<Value>>,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<RawRange>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        Many(Vec<RawRange>),
        One(RawRange),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        Some(OneOrMany::Many(v)) => Some(v),
        Some(OneOrMany::One(r)) => Some(vec![r]),
        None => None,
    })
}

/// `affected[]` as written.
#[derive(Debug, Clone, Deserialize)]
pub struct RawAffected {
    /// The package.
    pub package: Option<RawPackage>,
    /// Per-package severity (schema 1.7).
    pub severity: Option<Vec<RawSeverity>>,
    /// Ranges. Photon OS's feed writes a single range as an object instead of a list in some
    /// records; it is read as a list of one (anything else is still a schema error).
    #[serde(default, deserialize_with = "one_or_many")]
    pub ranges: Option<Vec<RawRange>>,
    /// Explicit version list.
    pub versions: Option<Vec<Value>>,
    /// Free-form, ecosystem-defined.
    pub ecosystem_specific: Option<Value>,
    /// Free-form, database-defined.
    pub database_specific: Option<Value>,
}

/// An OSV record as written.
#[derive(Debug, Clone, Deserialize)]
pub struct RawAdvisory {
    /// Schema version, informative only.
    pub schema_version: Option<String>,
    /// Identifier.
    pub id: Option<String>,
    /// Last modification time.
    pub modified: Option<String>,
    /// Publication time.
    pub published: Option<String>,
    /// Withdrawal time.
    pub withdrawn: Option<String>,
    /// Other ids of the same vulnerability.
    pub aliases: Option<Vec<String>>,
    /// Ids this record is derived from (schema 1.7), e.g. the CVE of a distro record.
    pub upstream: Option<Vec<String>>,
    /// Related but different vulnerabilities.
    pub related: Option<Vec<String>>,
    /// One-line summary.
    pub summary: Option<String>,
    /// Long description.
    pub details: Option<String>,
    /// Severity scores.
    pub severity: Option<Vec<RawSeverity>>,
    /// Affected packages.
    pub affected: Option<Vec<RawAffected>>,
    /// References.
    pub references: Option<Vec<RawReference>>,
    /// Free-form, database-defined.
    pub database_specific: Option<Value>,
}

/// One severity statement, with its numeric score when it is a CVSS vector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeverityScore {
    /// `CVSS_V2`, `CVSS_V3`, `CVSS_V4`, `Ubuntu`, or `database_specific`/`ecosystem_specific`
    /// for the free-form `severity` fields of GHSA, Debian and others.
    pub kind: String,
    /// Vector or label, verbatim.
    pub value: String,
    /// CVSS base score, if `value` is a vector that could be scored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// Qualitative rating from the score or the label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
}

impl SeverityScore {
    /// Scores CVSS vectors and maps labels. A vector that does not parse is kept without a
    /// score instead of rejecting the advisory: a typo in a score must not hide a vulnerability.
    pub fn new(kind: &str, value: &str) -> SeverityScore {
        let (score, severity) = match kind {
            "CVSS_V3" => match cvss::score_v3(value) {
                Ok(s) => (Some(s), Severity::from_score(s)),
                Err(_) => (None, None),
            },
            "CVSS_V4" => match cvss::score_v4(value) {
                Ok(s) => (Some(s), Severity::from_score(s)),
                Err(_) => (None, None),
            },
            "CVSS_V2" => match cvss::score_v2(value) {
                Ok(s) => (Some(s), cvss::severity_v2(s)),
                Err(_) => (None, None),
            },
            _ => (None, Severity::from_label(value)),
        };
        SeverityScore {
            kind: kind.to_owned(),
            value: value.to_owned(),
            score,
            severity,
        }
    }
}

/// A reference link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// `ADVISORY`, `FIX`, `WEB`, ...
    #[serde(rename = "type")]
    pub kind: String,
    /// The URL.
    pub url: String,
}

/// An affected package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// Validated ecosystem.
    pub ecosystem: Ecosystem,
    /// Name as the advisory writes it (see [`crate::ecosystem::normalize_name`] for the key).
    pub name: String,
    /// Package URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
}

/// The kind of a range, which decides the version order of its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RangeKind {
    /// SemVer 2.0 order (for Go: `golang.org/x/mod/semver` with the `v` added).
    Semver,
    /// The ecosystem's own order.
    Ecosystem,
    /// Commit hashes; ignored for package matching.
    Git,
}

impl RangeKind {
    /// The OSV spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RangeKind::Semver => "SEMVER",
            RangeKind::Ecosystem => "ECOSYSTEM",
            RangeKind::Git => "GIT",
        }
    }
}

/// A range event, serialised exactly as OSV writes it (`{"fixed": "1.2.3"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Versions from here on are affected (`0`: from the beginning).
    Introduced(String),
    /// Versions from here on are not affected.
    Fixed(String),
    /// Versions after this one are not affected.
    LastAffected(String),
    /// Upper bound of the whole range (`*`: none).
    Limit(String),
}

impl Event {
    /// The event's version.
    pub fn version(&self) -> &str {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
        }
    }
}

/// A validated range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    /// Range type.
    #[serde(rename = "type")]
    pub kind: RangeKind,
    /// Repository of a `GIT` range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// Events in the order written (evaluation sorts them).
    pub events: Vec<Event>,
}

/// A validated `affected[]` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Affected {
    /// The package; absent only for records that describe a repository by `GIT` ranges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<Package>,
    /// Per-package severities, including the free-form `severity` of `ecosystem_specific`
    /// and `database_specific`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<SeverityScore>,
    /// Ranges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<Range>,
    /// Explicitly enumerated affected versions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// Kept for consumers (Go symbol lists, Ubuntu binary names).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem_specific: Option<Value>,
    /// Kept for consumers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<Value>,
}

/// A validated advisory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    /// Identifier (`GO-2024-2491`, `RUSTSEC-…`, `ALPINE-CVE-…`).
    pub id: String,
    /// RFC 3339; absent for converted feeds (Alpine secdb) that have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// RFC 3339; a withdrawn advisory is stored but never matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    /// Same vulnerability, other databases.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Upstream ids (a distro record's CVE); merged like aliases.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upstream: Vec<String>,
    /// Related, *different* vulnerabilities; never merged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    /// One line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Long text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// Record-level severities (CVSS vectors, `Ubuntu`, GHSA's `database_specific.severity`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<SeverityScore>,
    /// Affected packages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affected: Vec<Affected>,
    /// Links.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
}

impl Advisory {
    /// Whether the advisory was withdrawn (kept for `info`, never matched).
    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn.is_some()
    }

    /// The id, aliases and upstream ids: every name this vulnerability goes by.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str())
            .chain(self.aliases.iter().map(String::as_str))
            .chain(self.upstream.iter().map(String::as_str))
    }

    /// Parses and validates one OSV JSON record.
    pub fn from_json(bytes: &[u8]) -> Result<Advisory, crate::Error> {
        let raw: RawAdvisory =
            serde_json::from_slice(bytes).map_err(|e| crate::Error::Parse(e.to_string()))?;
        Ok(Advisory::try_from(raw)?)
    }

    /// Parses and validates one OSV YAML record (PyPA's format).
    pub fn from_yaml(text: &str) -> Result<Advisory, crate::Error> {
        let value = crate::yaml::to_json(text)?;
        let raw: RawAdvisory =
            serde_json::from_value(value).map_err(|e| crate::Error::Parse(e.to_string()))?;
        Ok(Advisory::try_from(raw)?)
    }
}

/// Checks the RFC 3339 shape `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)` without a date library:
/// the value is only stored and compared, never computed with.
pub fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if b.len() < 20
        || !digits(0..4)
        || b[4] != b'-'
        || !digits(5..7)
        || b[7] != b'-'
        || !digits(8..10)
        || !matches!(b[10], b'T' | b't' | b' ')
        || !digits(11..13)
        || b[13] != b':'
        || !digits(14..16)
        || b[16] != b':'
        || !digits(17..19)
    {
        return false;
    }
    let mut i = 19;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match &b[i..] {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|d| d.is_ascii_digit()),
        _ => false,
    }
}

fn timestamp(
    id: &str,
    field: &'static str,
    v: Option<String>,
) -> Result<Option<String>, AdvisoryError> {
    match v {
        Some(t) if !is_rfc3339(&t) => Err(AdvisoryError::Timestamp {
            id: id.to_owned(),
            field,
            value: t,
        }),
        other => Ok(other),
    }
}

fn severities(raw: Option<Vec<RawSeverity>>) -> Vec<SeverityScore> {
    raw.unwrap_or_default()
        .into_iter()
        .filter_map(|s| {
            let kind = s.kind?;
            let value = match s.score? {
                Value::String(v) => v,
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            Some(SeverityScore::new(&kind, &value))
        })
        .collect()
}

/// The free-form `severity` label of `database_specific`/`ecosystem_specific` (GHSA writes
/// `"severity": "HIGH"`, Debian-derived feeds `"urgency"`, some a nested object).
fn specific_severity(kind: &str, v: Option<&Value>) -> Option<SeverityScore> {
    let v = v?;
    if let Some(label) = v.get("severity").and_then(Value::as_str) {
        let s = SeverityScore::new(kind, label);
        if s.severity.is_some() {
            return Some(s);
        }
    }
    // osv.dev's Debian records (DEBIAN-CVE-*) carry the security tracker's urgency:
    // `unimportant`, `low`, `medium`, `high` (a trailing `**` marks a guess), or
    // `not yet assigned` / `end-of-life`, which rate nothing.
    let urgency = v.get("urgency").and_then(Value::as_str)?;
    let s = SeverityScore::new("Debian urgency", urgency.trim_end_matches('*'));
    s.severity.is_some().then_some(s)
}

/// Whether an affected entry says the package's release is past its support (Debian's
/// `end-of-life` urgency): no fix will come for it from the distribution.
pub(crate) fn end_of_life(a: &Affected) -> bool {
    a.ecosystem_specific
        .as_ref()
        .and_then(|v| v.get("urgency"))
        .and_then(Value::as_str)
        == Some("end-of-life")
}

fn strings(v: Option<Vec<String>>) -> Vec<String> {
    let mut v: Vec<String> = v
        .unwrap_or_default()
        .into_iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    v.dedup();
    v
}

fn parse_event(v: &Value) -> Result<Event, String> {
    let obj = v
        .as_object()
        .ok_or_else(|| format!("event {v} is not an object"))?;
    if obj.len() != 1 {
        return Err(format!("event {v} must have exactly one key"));
    }
    let Some((k, val)) = obj.iter().next() else {
        return Err(format!("event {v} is empty"));
    };
    let version = val
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| format!("event {k} has no version string"))?
        .to_owned();
    Ok(match k.as_str() {
        "introduced" => Event::Introduced(version),
        "fixed" => Event::Fixed(version),
        "last_affected" => Event::LastAffected(version),
        "limit" => Event::Limit(version),
        other => return Err(format!("unknown event type {other:?}")),
    })
}

fn parse_range(raw: RawRange, ecosystem_base: Option<&str>) -> Result<Range, String> {
    let kind = match raw.kind.as_deref() {
        Some("SEMVER") => RangeKind::Semver,
        Some("ECOSYSTEM") => RangeKind::Ecosystem,
        Some("GIT") => RangeKind::Git,
        Some(other) => return Err(format!("unknown range type {other:?}")),
        None => return Err("range has no type".into()),
    };
    if kind == RangeKind::Git && raw.repo.as_deref().is_none_or(str::is_empty) {
        return Err("GIT range without repo".into());
    }
    let events = raw
        .events
        .unwrap_or_default()
        .iter()
        .map(parse_event)
        .collect::<Result<Vec<_>, _>>()?;
    if !events.iter().any(|e| matches!(e, Event::Introduced(_))) {
        return Err(format!("{} range has no introduced event", kind.as_str()));
    }
    if kind != RangeKind::Git {
        let Some(base) = ecosystem_base else {
            return Err(format!("{} range without a package", kind.as_str()));
        };
        if let Some(cmp) = Comparator::for_range(kind, base) {
            for e in &events {
                let v = e.version();
                let sentinel =
                    matches!((e, v), (Event::Introduced(_), "0") | (Event::Limit(_), "*"));
                if !sentinel && !cmp.is_valid(v) {
                    return Err(format!(
                        "{} version {v:?} is not valid {}",
                        match e {
                            Event::Introduced(_) => "introduced",
                            Event::Fixed(_) => "fixed",
                            Event::LastAffected(_) => "last_affected",
                            Event::Limit(_) => "limit",
                        },
                        cmp.scheme()
                    ));
                }
            }
        }
    }
    Ok(Range {
        kind,
        repo: raw.repo,
        events,
    })
}

impl TryFrom<RawAdvisory> for Advisory {
    type Error = AdvisoryError;

    fn try_from(raw: RawAdvisory) -> Result<Self, Self::Error> {
        let id = raw
            .id
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .ok_or(AdvisoryError::MissingId)?;
        let modified = timestamp(&id, "modified", raw.modified)?;
        let published = timestamp(&id, "published", raw.published)?;
        let withdrawn = timestamp(&id, "withdrawn", raw.withdrawn)?;

        let mut severity = severities(raw.severity);
        severity.extend(specific_severity(
            "database_specific",
            raw.database_specific.as_ref(),
        ));

        let mut affected = Vec::new();
        for (index, a) in raw.affected.unwrap_or_default().into_iter().enumerate() {
            let package = match a.package {
                Some(p) => {
                    let eco = p.ecosystem.unwrap_or_default();
                    let ecosystem = Ecosystem::parse(eco.trim()).map_err(|source| {
                        AdvisoryError::Ecosystem {
                            id: id.clone(),
                            source,
                        }
                    })?;
                    let name = p.name.map(|n| n.trim().to_owned()).unwrap_or_default();
                    if name.is_empty() {
                        return Err(AdvisoryError::EmptyName {
                            id: id.clone(),
                            index,
                        });
                    }
                    Some(Package {
                        ecosystem,
                        name,
                        purl: p.purl,
                    })
                }
                None => None,
            };
            let base = package.as_ref().map(|p| p.ecosystem.base());
            let label = package.as_ref().map_or_else(
                || "no package".to_owned(),
                |p| format!("{}/{}", p.ecosystem, p.name),
            );
            let ranges = a
                .ranges
                .unwrap_or_default()
                .into_iter()
                .map(|r| parse_range(r, base))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|reason| AdvisoryError::Range {
                    id: id.clone(),
                    index,
                    package: label.clone(),
                    reason,
                })?;
            let mut versions = Vec::new();
            for v in a.versions.unwrap_or_default() {
                match v {
                    Value::String(s) if !s.trim().is_empty() => versions.push(s.trim().to_owned()),
                    other => {
                        return Err(AdvisoryError::Range {
                            id: id.clone(),
                            index,
                            package: label,
                            reason: format!("versions[] entry {other} is not a version string"),
                        });
                    }
                }
            }
            let mut sev = severities(a.severity);
            sev.extend(specific_severity(
                "ecosystem_specific",
                a.ecosystem_specific.as_ref(),
            ));
            sev.extend(specific_severity(
                "database_specific",
                a.database_specific.as_ref(),
            ));
            affected.push(Affected {
                package,
                severity: sev,
                ranges,
                versions,
                ecosystem_specific: a.ecosystem_specific,
                database_specific: a.database_specific,
            });
        }

        let references = raw
            .references
            .unwrap_or_default()
            .into_iter()
            .filter_map(|r| {
                Some(Reference {
                    kind: r.kind.unwrap_or_else(|| "WEB".into()),
                    url: r.url.filter(|u| !u.is_empty())?,
                })
            })
            .collect();

        Ok(Advisory {
            aliases: strings(raw.aliases)
                .into_iter()
                .filter(|a| *a != id)
                .collect(),
            upstream: strings(raw.upstream),
            related: strings(raw.related),
            id,
            modified,
            published,
            withdrawn,
            summary: raw.summary.filter(|s| !s.trim().is_empty()),
            details: raw.details.filter(|s| !s.trim().is_empty()),
            severity,
            affected,
            references,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert!(is_rfc3339("2024-01-31T22:44:08Z"));
        assert!(is_rfc3339("2022-08-29T16:56:41.591821Z"));
        assert!(is_rfc3339("0001-01-01T00:00:00Z"));
        assert!(is_rfc3339("2024-01-31T22:44:08+02:00"));
        assert!(!is_rfc3339("2024-01-31"));
        assert!(!is_rfc3339("2024-01-31T22:44:08"));
        assert!(!is_rfc3339("2024-01-31T22:44:08.Z"));
    }

    fn adv(json: &str) -> Result<Advisory, crate::Error> {
        Advisory::from_json(json.as_bytes())
    }

    #[test]
    fn rejects_malformed() {
        let e = adv(r#"{"id":"X-1","affected":[{"package":{"ecosystem":"Cobol","name":"a"}}]}"#)
            .unwrap_err();
        assert!(
            e.to_string().contains("X-1") && e.to_string().contains("Cobol"),
            "{e}"
        );
        let e = adv(r#"{"id":"X-2","affected":[{"package":{"ecosystem":"Go","name":"a"},
            "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"not.a.version"}]}]}]}"#)
        .unwrap_err();
        assert!(e.to_string().contains("not.a.version"), "{e}");
        let e = adv(
            r#"{"id":"X-3","affected":[{"package":{"ecosystem":"PyPI","name":"a"},
            "ranges":[{"type":"ECOSYSTEM","events":[{"fixed":"1.0"}]}]}]}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("no introduced"), "{e}");
        let e = adv(
            r#"{"id":"X-4","affected":[{"package":{"ecosystem":"PyPI","name":"a"},
            "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0","fixed":"1"}]}]}]}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("exactly one key"), "{e}");
        assert!(matches!(
            adv(r#"{"affected":[]}"#),
            Err(crate::Error::Advisory(AdvisoryError::MissingId))
        ));
    }

    #[test]
    fn severities_are_scored() {
        let a = adv(r#"{"id":"GHSA-x","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H"}],
            "database_specific":{"severity":"MODERATE"}}"#)
        .unwrap();
        assert_eq!(a.severity[0].score, Some(8.6));
        assert_eq!(a.severity[1].severity, Some(Severity::Medium));
        let round: Advisory = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        assert_eq!(round, a);
    }
}
