//! `drydock store query|rematch|deltas`, and the glue `--store` uses: a report's image, scan
//! and findings turned into a [`drydock_store::ScanRecord`].
//!
//! `rematch` rebuilds each stored inventory as the scan an SBOM gives (`Image::sbom`, packages
//! and OS, no layers) and hands it to `drydock_scan::scan` with only the vulnerability scanner:
//! the matching is the one every scan uses, nothing here re-implements it.

use crate::cli::{StoreAt, StoreCommand, StoreQuery};
use anyhow::{Context, Result};
use drydock_analyze::{InstalledPackage, OsInfo, PackageClass, Scan};
use drydock_finding::{Finding, Kind, Suppressed};
use drydock_image::Image;
use drydock_store::{
    DbRecord, DigestKind, FindingRecord, LayerRecord, OsRecord, PackageRecord, ScanRecord, Store,
};
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

pub fn run(c: StoreCommand) -> Result<ExitCode> {
    match c {
        StoreCommand::Query(StoreQuery::Images { pattern, at }) => {
            let rows = open(&at)?.images(pattern.as_deref())?;
            if at.json {
                return json(&rows);
            }
            table(
                &[
                    "DIGEST",
                    "REFERENCES",
                    "OS",
                    "PACKAGES",
                    "FINDINGS",
                    "CRITICAL",
                    "HIGH",
                    "SCANNED",
                ],
                rows.iter()
                    .map(|r| {
                        vec![
                            short(&r.digest),
                            refs(&r.references, &r.target_path),
                            r.os.clone().unwrap_or_else(|| "-".into()),
                            r.packages.to_string(),
                            r.findings.to_string(),
                            r.critical.to_string(),
                            r.high.to_string(),
                            drydock_finding::time::rfc3339(r.last_scanned),
                        ]
                    })
                    .collect(),
            );
        }
        StoreCommand::Query(StoreQuery::Finding { id, at }) => {
            let rows = open(&at)?.findings(&id)?;
            if at.json {
                return json(&rows);
            }
            table(
                &[
                    "IMAGE",
                    "ID",
                    "ALIASES",
                    "SEVERITY",
                    "PACKAGE",
                    "INSTALLED",
                    "FIXED",
                    "SUPPRESSED",
                ],
                rows.iter()
                    .map(|r| {
                        let f = &r.finding;
                        vec![
                            refs(&r.references, &short(&r.digest)),
                            f.id.clone(),
                            f.aliases.join(", "),
                            f.severity.clone(),
                            f.package.clone().unwrap_or_else(|| "-".into()),
                            f.installed_version.clone().unwrap_or_default(),
                            f.fixed_version.clone().unwrap_or_default(),
                            f.suppressed
                                .as_ref()
                                .map_or(String::new(), |s| format!("{} ({})", s.reason, s.by)),
                        ]
                    })
                    .collect(),
            );
        }
        StoreCommand::Query(StoreQuery::Package { name, range, at }) => {
            let constraint = range
                .as_deref()
                .map(str::parse::<drydock_store::Constraint>)
                .transpose()?;
            let (rows, unchecked) = open(&at)?.packages(&name, constraint.as_ref())?;
            for p in &unchecked {
                eprintln!(
                    "drydock: warning: {} {} in {}: its version cannot be compared in its scheme, left out",
                    p.name,
                    p.version,
                    short(&p.digest)
                );
            }
            if at.json {
                return json(&rows);
            }
            table(
                &["IMAGE", "PACKAGE", "VERSION", "SOURCE", "PURL"],
                rows.iter()
                    .map(|r| {
                        vec![
                            refs(&r.references, &short(&r.digest)),
                            r.name.clone(),
                            r.version.clone(),
                            r.source_name.clone().unwrap_or_default(),
                            r.purl.clone(),
                        ]
                    })
                    .collect(),
            );
        }
        StoreCommand::Rematch { at, db } => return rematch(&at, &db),
        StoreCommand::Deltas { since, at } => {
            let since = parse_since(&since)?;
            let rows = open(&at)?.deltas(since)?;
            if at.json {
                return json(&rows);
            }
            table(
                &[
                    "AT",
                    "CHANGE",
                    "ID",
                    "SEVERITY",
                    "PACKAGE",
                    "INSTALLED",
                    "FIXED",
                    "IMAGE",
                ],
                rows.iter()
                    .map(|d| {
                        vec![
                            drydock_finding::time::rfc3339(d.at),
                            d.change.clone(),
                            d.finding_id.clone(),
                            d.severity.clone(),
                            d.package.clone(),
                            d.installed_version.clone().unwrap_or_default(),
                            d.fixed_version.clone().unwrap_or_default(),
                            refs(&d.references, &short(&d.digest)),
                        ]
                    })
                    .collect(),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn open(at: &StoreAt) -> Result<Store> {
    let location = match &at.store {
        Some(url) => drydock_store::Location::parse(url)?,
        None => drydock_store::Location::default_sqlite()?,
    };
    let shown = location.display();
    if let drydock_store::Location::Sqlite(path) = &location
        && !path.exists()
    {
        anyhow::bail!(
            "no results store at {shown}: scans write one with --store (or give --store / DRYDOCK_STORE)"
        );
    }
    Store::open_location(location).with_context(|| format!("cannot open the results store {shown}"))
}

fn json<T: serde::Serialize>(v: &T) -> Result<ExitCode> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(ExitCode::SUCCESS)
}

/// Left-aligned columns, two spaces apart.
fn table(headers: &[&str], rows: Vec<Vec<String>>) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:<w$}  "));
            }
        }
        println!("{}", s.trim_end());
    };
    line(headers.iter().map(|h| (*h).to_owned()).collect());
    for r in rows {
        line(r);
    }
}

/// `sha256:0123456789ab`: enough to tell images apart in a table (`--json` has them whole).
fn short(digest: &str) -> String {
    match digest.split_once(':') {
        Some((alg, hex)) => format!("{alg}:{}", hex.get(..12).unwrap_or(hex)),
        None => digest.to_owned(),
    }
}

fn refs(references: &[String], fallback: &str) -> String {
    if references.is_empty() {
        fallback.to_owned()
    } else {
        references.join(", ")
    }
}

/// The store's name for an advisory database: drydock-vulndb's schema and import time.
pub fn db_record(imported_at: Option<u64>) -> DbRecord {
    match imported_at {
        Some(at) => DbRecord {
            version: format!("{}:{at}", drydock_vulndb::store::SCHEMA_VERSION),
            built: i64::try_from(at).ok(),
        },
        None => DbRecord {
            version: "none".into(),
            built: None,
        },
    }
}

fn kind(k: Kind) -> &'static str {
    match k {
        Kind::Vulnerability => "vulnerability",
        Kind::Secret => "secret",
        Kind::Credential => "credential",
        Kind::Misconfiguration => "misconfiguration",
    }
}

/// A finding as the store keeps it: the report's (redacted) text plus a vulnerability's
/// facts as columns.
pub fn finding_record(f: &Finding, suppressed: Option<&Suppressed>) -> FindingRecord {
    let details = f.vulnerability.as_ref();
    let l = &f.location;
    let location = match (l.layer, &l.path) {
        (Some(n), Some(p)) => Some(format!("layer {n} {p}")),
        (None, Some(p)) => Some(p.clone()),
        (Some(n), None) => Some(format!("layer {n}")),
        (None, None) => None,
    };
    FindingRecord {
        id: f.id.clone(),
        kind: kind(f.kind).into(),
        severity: f.severity.as_str().into(),
        status: f.status.clone(),
        aliases: details.map(|d| d.aliases.clone()).unwrap_or_default(),
        package: f.package.clone(),
        installed_version: details.map(|d| d.installed_version.clone()),
        fixed_version: details
            .filter(|d| !d.fixed_versions.is_empty())
            .map(|d| d.fixed_versions.join(", ")),
        title: f.title.clone(),
        message: f.message.clone(),
        location,
        suppressed: suppressed.map(|s| drydock_store::Suppression {
            by: s.suppressed_by.clone(),
            reason: s.reason.clone(),
        }),
    }
}

fn package_record(p: &InstalledPackage) -> PackageRecord {
    PackageRecord {
        class: p.class.as_str().into(),
        ecosystem: p.ecosystem.clone(),
        name: p.name.clone(),
        version: p.version.clone(),
        purl: p.purl.clone(),
        source_name: p.source_name.clone(),
        source_version: p.source_version.clone(),
        layer: i64::try_from(p.layer).unwrap_or(i64::MAX),
        location: p.location.clone(),
        unpublished: p.unpublished,
    }
}

/// What `--store` writes for one scanned image: `findings` are every finding the scanners
/// kept after suppression (before `--severity`), `suppressed` the suppressed ones with reasons.
pub fn record(
    image: &Image,
    scan: &Scan,
    findings: &[Finding],
    suppressed: &[Suppressed],
    db: DbRecord,
) -> ScanRecord {
    let os = scan.os.as_ref().map(|o| OsRecord {
        family: o.family.clone(),
        version: o.version.clone(),
        name: o.name.clone(),
    });
    let packages: Vec<PackageRecord> = scan.packages.iter().map(package_record).collect();
    let (digest, digest_kind) = match (&image.manifest_digest, &image.config_digest) {
        (Some(d), _) => (d.to_string(), DigestKind::Manifest),
        (None, Some(d)) => (d.to_string(), DigestKind::Config),
        (None, None) => (
            inventory_digest(os.as_ref(), &packages),
            DigestKind::Inventory,
        ),
    };
    let mut references: Vec<String> = image.reference.iter().cloned().collect();
    references.extend(image.repo_tags.iter().cloned());
    references.sort();
    references.dedup();
    let layers = scan
        .layers
        .iter()
        .map(|l| {
            let meta = image.layers.get(l.index);
            LayerRecord {
                index: i64::try_from(l.index).unwrap_or(i64::MAX),
                digest: meta
                    .and_then(|m| m.digest.as_ref())
                    .or(l.stats.digest.as_ref())
                    .map(ToString::to_string),
                diff_id: meta
                    .and_then(|m| m.diff_id.as_ref())
                    .or(l.stats.diff_id.as_ref())
                    .map(ToString::to_string),
            }
        })
        .collect();
    let mut stored: Vec<FindingRecord> = findings.iter().map(|f| finding_record(f, None)).collect();
    stored.extend(
        suppressed
            .iter()
            .map(|s| finding_record(&s.finding, Some(s))),
    );
    ScanRecord {
        digest,
        digest_kind,
        references,
        target_kind: serde_json::to_value(image.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        target_path: image.location.display().to_string(),
        config_digest: image.config_digest.as_ref().map(ToString::to_string),
        os,
        layers,
        packages,
        findings: stored,
        analyzer: format!("drydock {}", env!("CARGO_PKG_VERSION")),
        db,
        scanned_at: i64::try_from(drydock_finding::time::now_secs()).unwrap_or(i64::MAX),
        filters: None,
    }
}

/// A root filesystem or an SBOM has no digest: `sha256` over its OS and sorted packages names
/// the same content the same way, so scanning it again is idempotent too.
fn inventory_digest(os: Option<&OsRecord>, packages: &[PackageRecord]) -> String {
    let mut lines: Vec<String> = packages
        .iter()
        .map(|p| format!("{}\t{}\t{}", p.purl, p.layer, p.location))
        .collect();
    lines.sort();
    let mut text = match os {
        Some(o) => format!("os\t{}\t{}\n", o.family, o.version),
        None => "os\t-\n".to_owned(),
    };
    for l in lines {
        text.push_str(&l);
        text.push('\n');
    }
    drydock_fs::Digest::of(text.as_bytes()).to_string()
}

/// `store rematch`: every stored inventory through the vulnerability scanner again.
fn rematch(at: &StoreAt, db: &crate::cli::DbDir) -> Result<ExitCode> {
    let dir = db.resolve()?;
    if !drydock_vulndb::Database::path_in(&dir).exists() {
        anyhow::bail!(
            "no advisory database in {}: drydock db update, or drydock db import PATH (or --db-dir)",
            dir.display()
        );
    }
    let database = drydock_vulndb::Database::open(&dir)
        .with_context(|| format!("cannot open the advisory database in {}", dir.display()))?;
    let db = db_record(database.imported_at().ok().flatten());
    let options = drydock_scan::Options {
        vulndb: Some(Arc::new(Mutex::new(drydock_vulndb::Matcher::new(database)))),
        ..Default::default()
    };
    let mut store = open(at)?;
    let started = std::time::Instant::now();
    let (summary, now) = rematch_store(&mut store, &options, &db)?;
    if at.json {
        return json(&summary);
    }
    println!(
        "rematched {} images against advisory database {} in {:.1} s: {} new, {} resolved (drydock store deltas --since {})",
        summary.scans,
        db.version,
        started.elapsed().as_secs_f64(),
        summary.new,
        summary.resolved,
        drydock_finding::time::rfc3339(now)
    );
    Ok(ExitCode::SUCCESS)
}

/// Every stored inventory re-matched against the database `options` holds (`db` names it), the
/// new and resolved findings recorded as deltas; `store rematch` and the server run this.
pub fn rematch_store(
    store: &mut Store,
    options: &drydock_scan::Options,
    db: &DbRecord,
) -> Result<(drydock_store::RematchSummary, i64)> {
    let inventories = store.inventories()?;
    let mut fresh = Vec::with_capacity(inventories.len());
    for inv in &inventories {
        let (_, records) = rematch_one(
            options,
            inv.filters.as_deref(),
            &inv.target_path,
            inv.os.as_ref(),
            &inv.packages,
        );
        fresh.push((inv.scan_id.clone(), records));
    }
    let now = i64::try_from(drydock_finding::time::now_secs()).unwrap_or(i64::MAX);
    Ok((store.record_rematch(&db.version, now, &fresh)?, now))
}

/// The suppression a scan ran with, as the store keeps it (`ScanRecord::filters`): the fix
/// statuses it ignored (`--ignore-status`, `--ignore-unfixed`) and its `.drydockignore` / VEX
/// rules. Re-matching applies them again, so a newer database neither brings back what the
/// scan ignored nor reports it as new.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Filters {
    #[serde(default)]
    pub ignore_status: Vec<String>,
    #[serde(default)]
    pub rules: Vec<drydock_scan::suppress::Rule>,
}

impl Filters {
    pub fn new(ignore_status: &[&str], rules: &[drydock_scan::suppress::Rule]) -> Filters {
        Filters {
            ignore_status: ignore_status.iter().map(|s| (*s).to_owned()).collect(),
            rules: rules.to_vec(),
        }
    }

    /// `None` when there is nothing to keep.
    pub fn to_json(&self) -> Option<String> {
        if self.ignore_status.is_empty() && self.rules.is_empty() {
            return None;
        }
        serde_json::to_string(self).ok()
    }

    /// What a stored scan holds; unreadable (a newer drydock's) counts as none, with a warning.
    pub fn parse(text: Option<&str>) -> Filters {
        match text {
            None => Filters::default(),
            Some(t) => serde_json::from_str(t).unwrap_or_else(|e| {
                eprintln!("drydock: warning: a stored scan's suppression is unreadable ({e}); matched without it");
                Filters::default()
            }),
        }
    }

    /// The statuses as the scanner takes them (only the ones it knows).
    fn statuses(&self) -> Vec<&'static str> {
        ["fixed", "affected", "end_of_life"]
            .into_iter()
            .filter(|s| self.ignore_status.iter().any(|i| i == s))
            .collect()
    }
}

/// An inventory re-matched with the suppression it was scanned with: the findings a report
/// would show (unsuppressed) and every finding as the store keeps it (suppressed ones with
/// their reason).
pub fn rematch_one(
    options: &drydock_scan::Options,
    filters: Option<&str>,
    name: &str,
    os: Option<&OsRecord>,
    packages: &[PackageRecord],
) -> (Vec<Finding>, Vec<FindingRecord>) {
    let filters = Filters::parse(filters);
    let mut options = options.clone();
    options.ignore_status = filters.statuses();
    let findings = match_inventory(&options, name, os, packages);
    let (kept, suppressed, _) = drydock_scan::suppress::apply(
        findings.clone(),
        &filters.rules,
        &drydock_finding::time::today(),
    );
    let mut records: Vec<FindingRecord> = kept.iter().map(|f| finding_record(f, None)).collect();
    records.extend(
        suppressed
            .iter()
            .map(|s| finding_record(&s.finding, Some(s))),
    );
    // The report's view: what the statuses let through (the client suppresses by its rules).
    (findings, records)
}

/// The vulnerability findings of a stored (or uploaded) inventory: rebuilt as the scan an SBOM
/// gives (`Image::sbom`, packages and OS, no layers) and handed to `drydock_scan::scan` with
/// only the vulnerability scanner, so the matching is the one every scan uses.
pub fn match_inventory(
    options: &drydock_scan::Options,
    name: &str,
    os: Option<&OsRecord>,
    packages: &[PackageRecord],
) -> Vec<Finding> {
    let image = Image::sbom(Path::new(name));
    let scan = Scan {
        layers: Vec::new(),
        tree: Default::default(),
        outputs: Vec::new(),
        diagnostics: Vec::new(),
        os: os.map(|o| OsInfo {
            family: o.family.clone(),
            version: o.version.clone(),
            name: o.name.clone(),
            codename: None,
            eol_date: None,
            eol: None,
            source: drydock_fs::ImagePath::new("etc/os-release"),
        }),
        packages: packages.iter().map(installed).collect(),
    };
    let input = drydock_scan::Input {
        image: &image,
        scan: &scan,
        options,
    };
    drydock_scan::scan(&input, &[Kind::Vulnerability]).0
}

fn installed(p: &PackageRecord) -> InstalledPackage {
    InstalledPackage {
        class: if p.class == "os" {
            PackageClass::Os
        } else {
            PackageClass::Lang
        },
        ecosystem: p.ecosystem.clone(),
        name: p.name.clone(),
        version: p.version.clone(),
        purl: p.purl.clone(),
        arch: None,
        source_name: p.source_name.clone(),
        source_version: p.source_version.clone(),
        licenses: Vec::new(),
        dev: false,
        location: p.location.clone(),
        dependencies: Vec::new(),
        layer: usize::try_from(p.layer).unwrap_or(0),
        unpublished: p.unpublished,
    }
}

/// `--since`: RFC 3339 (`2026-12-05T08:00:00Z`), a date (UTC midnight), seconds since the
/// epoch, or an age before now (`24h`, `7d`).
fn parse_since(s: &str) -> Result<i64> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.len() > 4 {
        return s.parse().context("--since: seconds since the epoch");
    }
    if let Some(secs) = drydock_finding::time::parse_rfc3339(s) {
        return Ok(secs);
    }
    let age = crate::cli::parse_age(s).map_err(|e| {
        anyhow::anyhow!(
            "--since {s:?}: not a time (2026-12-05T08:00:00Z, 2026-12-05, epoch seconds) nor an age ({e})"
        )
    })?;
    let now = i64::try_from(drydock_finding::time::now_secs()).unwrap_or(i64::MAX);
    Ok(now.saturating_sub(i64::try_from(age.as_secs()).unwrap_or(i64::MAX)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_forms() {
        assert_eq!(
            parse_since("2023-11-14T22:13:20Z").ok(),
            Some(1_700_000_000)
        );
        assert_eq!(parse_since("1970-01-02").ok(), Some(86_400));
        assert_eq!(parse_since("1700000000").ok(), Some(1_700_000_000));
        let now = i64::try_from(drydock_finding::time::now_secs()).unwrap_or(0);
        let day = parse_since("1d").unwrap_or(0);
        assert!((now - 86_400 - day).abs() <= 2);
        assert!(parse_since("yesterday").is_err());
        assert!(parse_since("2023-13-01").is_err());
    }
}
