//! Every statement of the store, written once for both backends (see [`crate::backend`]).

use crate::backend::{Exec, Row, Value};
use crate::error::Result;
use crate::model::*;
use std::collections::{BTreeMap, BTreeSet};

/// The current scan of each digest (the one written last): fleet queries look at what an image
/// is now, not at every database version it was ever matched against.
macro_rules! latest {
    () => {
        "s.current"
    };
}

/// A scan's id: 96 bits of sha256 over its (digest, database version) key, which is also
/// unique in `scans`. Short, because every package, finding and alias row repeats it.
pub(crate) fn scan_id(digest: &str, db_version: &str) -> String {
    use sha2::Digest;
    let hash = sha2::Sha256::digest(format!("{digest}\n{db_version}").as_bytes());
    hash.iter().take(12).map(|b| format!("{b:02x}")).collect()
}

/// References of the scans in `scans`: one query per scan for a few, one for the fleet
/// otherwise (a round trip per scan would dominate on PostgreSQL).
fn refs_for(x: &mut dyn Exec, scans: &BTreeSet<String>) -> Result<BTreeMap<String, Vec<String>>> {
    if scans.len() > 32 {
        let mut all = latest_refs(x)?;
        all.retain(|k, _| scans.contains(k));
        return Ok(all);
    }
    let mut out = BTreeMap::new();
    for s in scans {
        out.insert(s.clone(), refs_of(x, s)?);
    }
    Ok(out)
}

/// `LIKE` pattern text for a literal: `\`, `%` and `_` escaped (used with `ESCAPE '\'`).
fn like_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn int(n: usize) -> Value {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

pub(crate) fn write_scan(x: &mut dyn Exec, s: &ScanRecord) -> Result<String> {
    let id = scan_id(&s.digest, &s.db.version);
    // One writer per digest at a time, so exactly one of its scans ends up current.
    let digest_key = scan_id(&s.digest, "");
    let key = i64::from_str_radix(digest_key.get(..15).unwrap_or("0"), 16).unwrap_or(0);
    x.lock_key(key)?;
    let os = s.os.as_ref();
    x.execute(
        "INSERT INTO scans (id, digest, digest_kind, db_version, db_built, analyzer, target_kind, \
         target_path, config_digest, os_family, os_version, os_name, first_scanned, last_scanned, \
         matched_db_version, matched_at, current, filters) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $4, $13, TRUE, $14) \
         ON CONFLICT (digest, db_version) DO UPDATE SET digest_kind = excluded.digest_kind, \
         db_built = excluded.db_built, analyzer = excluded.analyzer, \
         target_kind = excluded.target_kind, target_path = excluded.target_path, \
         config_digest = excluded.config_digest, os_family = excluded.os_family, \
         os_version = excluded.os_version, os_name = excluded.os_name, \
         last_scanned = excluded.last_scanned, matched_db_version = excluded.matched_db_version, \
         matched_at = excluded.matched_at, current = TRUE, filters = excluded.filters",
        &[
            (&id).into(),
            (&s.digest).into(),
            s.digest_kind.as_str().into(),
            (&s.db.version).into(),
            s.db.built.into(),
            (&s.analyzer).into(),
            (&s.target_kind).into(),
            (&s.target_path).into(),
            s.config_digest.as_ref().into(),
            os.map(|o| &o.family).into(),
            os.map(|o| &o.version).into(),
            os.and_then(|o| o.name.as_ref()).into(),
            s.scanned_at.into(),
            s.filters.as_ref().into(),
        ],
    )?;
    x.execute(
        "UPDATE scans SET current = FALSE WHERE digest = $1 AND id <> $2 AND current",
        &[(&s.digest).into(), (&id).into()],
    )?;
    // Everything below the scan is replaced: a re-write of the same scan leaves one copy.
    for table in [
        "DELETE FROM image_refs WHERE scan_id = $1",
        "DELETE FROM layers WHERE scan_id = $1",
        "DELETE FROM packages WHERE scan_id = $1",
        "DELETE FROM finding_aliases WHERE scan_id = $1",
        "DELETE FROM findings WHERE scan_id = $1",
    ] {
        x.execute(table, &[(&id).into()])?;
    }
    let refs: BTreeSet<&String> = s.references.iter().collect();
    for r in refs {
        x.execute(
            "INSERT INTO image_refs (scan_id, ref) VALUES ($1, $2)",
            &[(&id).into(), r.into()],
        )?;
    }
    for l in &s.layers {
        x.execute(
            "INSERT INTO layers (scan_id, idx, digest, diff_id) VALUES ($1, $2, $3, $4)",
            &[
                (&id).into(),
                l.index.into(),
                l.digest.as_ref().into(),
                l.diff_id.as_ref().into(),
            ],
        )?;
    }
    for (i, p) in s.packages.iter().enumerate() {
        x.execute(
            "INSERT INTO packages (scan_id, idx, class, ecosystem, name, version, purl, \
             source_name, source_version, layer, location, unpublished) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            &[
                (&id).into(),
                int(i),
                (&p.class).into(),
                (&p.ecosystem).into(),
                (&p.name).into(),
                (&p.version).into(),
                (&p.purl).into(),
                p.source_name.as_ref().into(),
                p.source_version.as_ref().into(),
                p.layer.into(),
                (&p.location).into(),
                p.unpublished.into(),
            ],
        )?;
    }
    for (i, f) in s.findings.iter().enumerate() {
        insert_finding(x, &id, i, f)?;
    }
    Ok(id)
}

fn insert_finding(x: &mut dyn Exec, scan: &str, idx: usize, f: &FindingRecord) -> Result<()> {
    let sup = f.suppressed.as_ref();
    x.execute(
        "INSERT INTO findings (scan_id, idx, finding_id, kind, severity, status, package, \
         installed_version, fixed_version, title, message, location, suppressed, suppressed_by, \
         suppressed_reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        &[
            scan.into(),
            int(idx),
            (&f.id).into(),
            (&f.kind).into(),
            (&f.severity).into(),
            f.status.as_ref().into(),
            f.package.as_ref().into(),
            f.installed_version.as_ref().into(),
            f.fixed_version.as_ref().into(),
            (&f.title).into(),
            (&f.message).into(),
            f.location.as_ref().into(),
            sup.is_some().into(),
            sup.map(|s| &s.by).into(),
            sup.map(|s| &s.reason).into(),
        ],
    )?;
    let aliases: BTreeSet<&String> = f.aliases.iter().filter(|a| **a != f.id).collect();
    for a in aliases {
        x.execute(
            "INSERT INTO finding_aliases (scan_id, finding_idx, alias) VALUES ($1, $2, $3)",
            &[scan.into(), int(idx), a.into()],
        )?;
    }
    Ok(())
}

pub(crate) fn scan_count(x: &mut dyn Exec) -> Result<u64> {
    let rows = x.query("SELECT COUNT(*) FROM scans", &[])?;
    let n = rows.first().map(|r| r.int(0)).transpose()?.unwrap_or(0);
    Ok(u64::try_from(n).unwrap_or(0))
}

/// References of the latest scans, by scan id.
fn latest_refs(x: &mut dyn Exec) -> Result<BTreeMap<String, Vec<String>>> {
    let rows = x.query(
        concat!(
            "SELECT r.scan_id, r.ref FROM image_refs r JOIN scans s ON s.id = r.scan_id WHERE ",
            latest!(),
            " ORDER BY r.scan_id, r.ref"
        ),
        &[],
    )?;
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in rows {
        out.entry(r.text(0)?).or_default().push(r.text(1)?);
    }
    Ok(out)
}

fn refs_of(x: &mut dyn Exec, scan: &str) -> Result<Vec<String>> {
    x.query(
        "SELECT ref FROM image_refs WHERE scan_id = $1 ORDER BY ref",
        &[scan.into()],
    )?
    .iter()
    .map(|r| r.text(0))
    .collect()
}

pub(crate) fn images(x: &mut dyn Exec, pattern: Option<&str>) -> Result<Vec<ImageRow>> {
    const SELECT: &str = concat!(
        "SELECT s.id, s.digest, s.digest_kind, s.target_path, s.os_family, s.os_version, \
         s.db_version, s.last_scanned, \
         (SELECT COUNT(*) FROM packages p WHERE p.scan_id = s.id), \
         (SELECT COUNT(*) FROM findings f WHERE f.scan_id = s.id AND NOT f.suppressed), \
         (SELECT COUNT(*) FROM findings f WHERE f.scan_id = s.id AND NOT f.suppressed \
            AND f.severity = 'CRITICAL'), \
         (SELECT COUNT(*) FROM findings f WHERE f.scan_id = s.id AND NOT f.suppressed \
            AND f.severity = 'HIGH') \
         FROM scans s WHERE ",
        latest!()
    );
    let rows = match pattern.filter(|p| !p.is_empty()) {
        None => x.query(
            &format!("{SELECT} ORDER BY s.digest, s.db_version DESC"),
            &[],
        )?,
        Some(p) => {
            let lit = like_literal(p);
            x.query(
                &format!(
                    "{SELECT} AND (s.digest LIKE $1 ESCAPE '\\' OR s.target_path LIKE $2 ESCAPE '\\' \
                     OR s.id IN (SELECT r.scan_id FROM image_refs r \
                     WHERE r.ref LIKE $2 ESCAPE '\\')) ORDER BY s.digest, s.db_version DESC"
                ),
                &[format!("{lit}%").into(), format!("%{lit}%").into()],
            )?
        }
    };
    let scans: BTreeSet<String> = rows.iter().map(|r| r.text(0)).collect::<Result<_>>()?;
    let mut refs = refs_for(x, &scans)?;
    let mut out: Vec<ImageRow> = Vec::new();
    for r in rows {
        let digest = r.text(1)?;
        // Two scans of one digest in the same second: the newest database version wins.
        if out.last().is_some_and(|l| l.digest == digest) {
            continue;
        }
        let os = match (r.opt_text(4)?, r.opt_text(5)?) {
            (Some(f), Some(v)) => Some(format!("{f} {v}")),
            (Some(f), None) => Some(f),
            _ => None,
        };
        out.push(ImageRow {
            references: refs.remove(&r.text(0)?).unwrap_or_default(),
            digest,
            digest_kind: r.text(2)?,
            target_path: r.text(3)?,
            os,
            db_version: r.text(6)?,
            last_scanned: r.int(7)?,
            packages: r.int(8)?,
            findings: r.int(9)?,
            critical: r.int(10)?,
            high: r.int(11)?,
        });
    }
    Ok(out)
}

const FINDING_COLUMNS: &str = "f.finding_id, f.kind, f.severity, f.status, f.package, \
     f.installed_version, f.fixed_version, f.title, f.message, f.location, f.suppressed, \
     f.suppressed_by, f.suppressed_reason";

/// A [`FindingRecord`] from [`FINDING_COLUMNS`] starting at column `at` (aliases filled later).
fn finding_from(r: &Row, at: usize) -> Result<FindingRecord> {
    let suppressed = if r.bool(at + 10)? {
        Some(Suppression {
            by: r.opt_text(at + 11)?.unwrap_or_default(),
            reason: r.opt_text(at + 12)?.unwrap_or_default(),
        })
    } else {
        None
    };
    Ok(FindingRecord {
        id: r.text(at)?,
        kind: r.text(at + 1)?,
        severity: r.text(at + 2)?,
        status: r.opt_text(at + 3)?,
        aliases: Vec::new(),
        package: r.opt_text(at + 4)?,
        installed_version: r.opt_text(at + 5)?,
        fixed_version: r.opt_text(at + 6)?,
        title: r.text(at + 7)?,
        message: r.text(at + 8)?,
        location: r.opt_text(at + 9)?,
        suppressed,
    })
}

pub(crate) fn findings(x: &mut dyn Exec, id: &str) -> Result<Vec<FindingRow>> {
    // Two index lookups (by id, by alias) rather than one OR that no index serves.
    let by_id = x.query(
        &format!(
            "SELECT s.id, s.digest, f.idx, {FINDING_COLUMNS} FROM findings f \
             JOIN scans s ON s.id = f.scan_id WHERE f.finding_id = $1 AND {}",
            latest!()
        ),
        &[id.into()],
    )?;
    let by_alias = x.query(
        &format!(
            "SELECT s.id, s.digest, f.idx, {FINDING_COLUMNS} FROM finding_aliases a \
             JOIN findings f ON f.scan_id = a.scan_id AND f.idx = a.finding_idx \
             JOIN scans s ON s.id = f.scan_id WHERE a.alias = $1 AND {}",
            latest!()
        ),
        &[id.into()],
    )?;
    let mut aliases: BTreeMap<(String, i64), Vec<String>> = BTreeMap::new();
    // Every alias of the findings found, by the same two lookups (each joined on
    // finding_aliases' primary key).
    let mut seen = BTreeSet::new();
    for sql in [
        "SELECT a.scan_id, a.finding_idx, a.alias FROM findings f JOIN finding_aliases a \
         ON a.scan_id = f.scan_id AND a.finding_idx = f.idx WHERE f.finding_id = $1",
        "SELECT a.scan_id, a.finding_idx, a.alias FROM finding_aliases b JOIN finding_aliases a \
         ON a.scan_id = b.scan_id AND a.finding_idx = b.finding_idx WHERE b.alias = $1",
    ] {
        for r in x.query(sql, &[id.into()])? {
            let row = (r.text(0)?, r.int(1)?, r.text(2)?);
            if seen.insert(row.clone()) {
                aliases.entry((row.0, row.1)).or_default().push(row.2);
            }
        }
    }
    for list in aliases.values_mut() {
        list.sort();
    }
    let mut rows: BTreeMap<(String, i64), (String, FindingRecord)> = BTreeMap::new();
    for r in by_id.iter().chain(&by_alias) {
        let scan = r.text(0)?;
        let idx = r.int(2)?;
        let key = (scan, idx);
        if rows.contains_key(&key) {
            continue;
        }
        let mut finding = finding_from(r, 3)?;
        finding.aliases = aliases.remove(&key).unwrap_or_default();
        rows.insert(key, (r.text(1)?, finding));
    }
    let scans: BTreeSet<String> = rows.keys().map(|(s, _)| s.clone()).collect();
    let refs = refs_for(x, &scans)?;
    let mut out: Vec<(i64, FindingRow)> = rows
        .into_iter()
        .map(|((scan, idx), (digest, finding))| {
            (
                idx,
                FindingRow {
                    references: refs.get(&scan).cloned().unwrap_or_default(),
                    digest,
                    finding,
                },
            )
        })
        .collect();
    out.sort_by(|a, b| (&a.1.digest, a.0).cmp(&(&b.1.digest, b.0)));
    Ok(out.into_iter().map(|(_, r)| r).collect())
}

pub(crate) fn package_candidates(x: &mut dyn Exec, name_or_purl: &str) -> Result<Vec<PackageRow>> {
    const SELECT: &str = concat!(
        "SELECT s.id, s.digest, p.name, p.version, p.purl, p.ecosystem, p.source_name \
         FROM packages p JOIN scans s ON s.id = p.scan_id WHERE ",
        latest!()
    );
    let is_purl = name_or_purl.starts_with("pkg:");
    let rows = if is_purl {
        // A prefix is the byte range [prefix, prefix + U+10FFFF): an index range scan.
        // PostgreSQL compares in its "C" collation, as its packages_purl index is built; its
        // default collation orders punctuation linguistically and would split the range.
        let upper = format!("{name_or_purl}\u{10FFFF}");
        let range = if x.is_postgres() {
            "p.purl COLLATE \"C\" >= $1 AND p.purl COLLATE \"C\" < $2"
        } else {
            "p.purl >= $1 AND p.purl < $2"
        };
        x.query(
            &format!("{SELECT} AND {range} ORDER BY s.digest, p.idx"),
            &[name_or_purl.into(), upper.into()],
        )?
    } else {
        x.query(
            &format!("{SELECT} AND (p.name = $1 OR p.source_name = $1) ORDER BY s.digest, p.idx"),
            &[name_or_purl.into()],
        )?
    };
    let scans: BTreeSet<String> = rows.iter().map(|r| r.text(0)).collect::<Result<_>>()?;
    let refs = refs_for(x, &scans)?;
    let mut out = Vec::new();
    for r in rows {
        let purl = r.text(4)?;
        if is_purl && !purl.starts_with(name_or_purl) {
            continue;
        }
        let scan = r.text(0)?;
        out.push(PackageRow {
            references: refs.get(&scan).cloned().unwrap_or_default(),
            digest: r.text(1)?,
            name: r.text(2)?,
            version: r.text(3)?,
            purl,
            ecosystem: r.text(5)?,
            source_name: r.opt_text(6)?,
        });
    }
    Ok(out)
}

pub(crate) fn inventories(x: &mut dyn Exec) -> Result<Vec<StoredInventory>> {
    let scans = x.query(
        concat!(
            "SELECT s.id, s.digest, s.target_path, s.os_family, s.os_version, s.os_name, \
             s.filters FROM scans s WHERE ",
            latest!(),
            " ORDER BY s.digest, s.db_version DESC"
        ),
        &[],
    )?;
    let mut out: Vec<StoredInventory> = Vec::new();
    for r in scans {
        let digest = r.text(1)?;
        if out.last().is_some_and(|l| l.digest == digest) {
            continue;
        }
        let os = match (r.opt_text(3)?, r.opt_text(4)?) {
            (Some(family), version) => Some(OsRecord {
                family,
                version: version.unwrap_or_default(),
                name: r.opt_text(5)?,
            }),
            _ => None,
        };
        out.push(StoredInventory {
            scan_id: r.text(0)?,
            filters: r.opt_text(6)?,
            digest,
            target_path: r.text(2)?,
            os,
            packages: Vec::new(),
        });
    }
    let index: BTreeMap<String, usize> = out
        .iter()
        .enumerate()
        .map(|(i, s)| (s.scan_id.clone(), i))
        .collect();
    let rows = x.query(
        concat!(
            "SELECT p.scan_id, p.class, p.ecosystem, p.name, p.version, p.purl, p.source_name, \
             p.source_version, p.layer, p.location, p.unpublished \
             FROM packages p JOIN scans s ON s.id = p.scan_id WHERE ",
            latest!(),
            " ORDER BY p.scan_id, p.idx"
        ),
        &[],
    )?;
    for r in rows {
        let Some(&i) = index.get(&r.text(0)?) else {
            continue;
        };
        out[i].packages.push(PackageRecord {
            class: r.text(1)?,
            ecosystem: r.text(2)?,
            name: r.text(3)?,
            version: r.text(4)?,
            purl: r.text(5)?,
            source_name: r.opt_text(6)?,
            source_version: r.opt_text(7)?,
            layer: r.int(8)?,
            location: r.text(9)?,
            unpublished: r.bool(10)?,
        });
    }
    Ok(out)
}

type Key = (String, String);

fn key(f: &FindingRecord) -> Key {
    (f.id.clone(), f.package.clone().unwrap_or_default())
}

pub(crate) fn record_rematch(
    x: &mut dyn Exec,
    db_version: &str,
    at: i64,
    fresh: &[(String, Vec<FindingRecord>)],
) -> Result<RematchSummary> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let rematch_id = format!("{at}-{}-{nanos:09}", std::process::id());
    x.execute(
        "INSERT INTO rematches (id, at, db_version, scans) VALUES ($1, $2, $3, $4)",
        &[
            (&rematch_id).into(),
            at.into(),
            db_version.into(),
            int(fresh.len()),
        ],
    )?;
    let mut summary = RematchSummary {
        rematch_id: rematch_id.clone(),
        scans: fresh.len() as u64,
        ..Default::default()
    };
    for (scan, findings) in fresh {
        let old_rows = x.query(
            &format!(
                "SELECT f.idx, {FINDING_COLUMNS} FROM findings f \
                 WHERE f.scan_id = $1 AND f.kind = 'vulnerability' ORDER BY f.idx"
            ),
            &[scan.into()],
        )?;
        let mut old: BTreeMap<Key, FindingRecord> = BTreeMap::new();
        for r in &old_rows {
            let f = finding_from(r, 1)?;
            old.entry(key(&f)).or_insert(f);
        }
        let new: BTreeMap<Key, &FindingRecord> =
            findings.iter().map(|f| (key(f), f)).rev().collect();
        let delta = |x: &mut dyn Exec, change: &str, f: &FindingRecord| {
            x.execute(
                "INSERT INTO deltas (rematch_id, scan_id, finding_id, package, change, severity, \
                 installed_version, fixed_version, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &[
                    (&rematch_id).into(),
                    scan.into(),
                    (&f.id).into(),
                    f.package.clone().unwrap_or_default().into(),
                    change.into(),
                    (&f.severity).into(),
                    f.installed_version.as_ref().into(),
                    f.fixed_version.as_ref().into(),
                    at.into(),
                ],
            )
        };
        // A suppressed finding is no news either way: it was ignored on purpose.
        for (k, f) in &new {
            if !old.contains_key(k) && f.suppressed.is_none() {
                delta(x, "new", f)?;
                summary.new += 1;
            }
        }
        for (k, f) in &old {
            if !new.contains_key(k) && f.suppressed.is_none() {
                delta(x, "resolved", f)?;
                summary.resolved += 1;
            }
        }
        // The stored vulnerability findings become the fresh ones; others keep their place.
        x.execute(
            "DELETE FROM finding_aliases WHERE scan_id = $1 AND finding_idx IN \
             (SELECT idx FROM findings WHERE scan_id = $1 AND kind = 'vulnerability')",
            &[scan.into()],
        )?;
        x.execute(
            "DELETE FROM findings WHERE scan_id = $1 AND kind = 'vulnerability'",
            &[scan.into()],
        )?;
        let next = x
            .query(
                "SELECT MAX(idx) FROM findings WHERE scan_id = $1",
                &[scan.into()],
            )?
            .first()
            .map(|r| r.opt_int(0))
            .transpose()?
            .flatten()
            .map_or(0, |n| n + 1);
        let start = usize::try_from(next).unwrap_or(0);
        for (i, f) in findings.iter().enumerate() {
            let mut f = f.clone();
            if f.suppressed.is_none() {
                f.suppressed = old.get(&key(&f)).and_then(|o| o.suppressed.clone());
            }
            insert_finding(x, scan, start + i, &f)?;
        }
        x.execute(
            "UPDATE scans SET matched_db_version = $2, matched_at = $3 WHERE id = $1",
            &[scan.into(), db_version.into(), at.into()],
        )?;
    }
    Ok(summary)
}

pub(crate) fn deltas(x: &mut dyn Exec, since: i64) -> Result<Vec<DeltaRow>> {
    let rows = x.query(
        "SELECT d.at, d.change, d.finding_id, d.package, d.severity, d.installed_version, \
         d.fixed_version, s.digest, d.scan_id, r.db_version FROM deltas d \
         JOIN scans s ON s.id = d.scan_id JOIN rematches r ON r.id = d.rematch_id \
         WHERE d.at >= $1 ORDER BY d.at, s.digest, d.finding_id, d.package, d.change",
        &[since.into()],
    )?;
    let mut refs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut out = Vec::new();
    for r in rows {
        let scan = r.text(8)?;
        if !refs.contains_key(&scan) {
            let v = refs_of(x, &scan)?;
            refs.insert(scan.clone(), v);
        }
        out.push(DeltaRow {
            at: r.int(0)?,
            change: r.text(1)?,
            finding_id: r.text(2)?,
            package: r.text(3)?,
            severity: r.text(4)?,
            installed_version: r.opt_text(5)?,
            fixed_version: r.opt_text(6)?,
            digest: r.text(7)?,
            references: refs.get(&scan).cloned().unwrap_or_default(),
            db_version: r.text(9)?,
        });
    }
    Ok(out)
}

/// The latest scan of `digest` (exact), whole.
pub(crate) fn image_detail(x: &mut dyn Exec, digest: &str) -> Result<Option<ImageDetail>> {
    let Some(image) = images(x, Some(digest))?
        .into_iter()
        .find(|i| i.digest == digest)
    else {
        return Ok(None);
    };
    let rows = x.query(
        concat!(
            "SELECT s.id, s.analyzer, s.target_kind, s.config_digest, s.first_scanned, \
             s.matched_at FROM scans s WHERE s.digest = $1 AND ",
            latest!(),
            " ORDER BY s.db_version DESC"
        ),
        &[digest.into()],
    )?;
    let Some(s) = rows.first() else {
        return Ok(None);
    };
    let scan = s.text(0)?;
    let layers = x
        .query(
            "SELECT idx, digest, diff_id FROM layers WHERE scan_id = $1 ORDER BY idx",
            &[scan.as_str().into()],
        )?
        .iter()
        .map(|r| {
            Ok(LayerRecord {
                index: r.int(0)?,
                digest: r.opt_text(1)?,
                diff_id: r.opt_text(2)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let packages = x
        .query(
            "SELECT class, ecosystem, name, version, purl, source_name, source_version, layer, \
             location, unpublished FROM packages WHERE scan_id = $1 ORDER BY idx",
            &[scan.as_str().into()],
        )?
        .iter()
        .map(|r| {
            Ok(PackageRecord {
                class: r.text(0)?,
                ecosystem: r.text(1)?,
                name: r.text(2)?,
                version: r.text(3)?,
                purl: r.text(4)?,
                source_name: r.opt_text(5)?,
                source_version: r.opt_text(6)?,
                layer: r.int(7)?,
                location: r.text(8)?,
                unpublished: r.bool(9)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut aliases: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for r in x.query(
        "SELECT finding_idx, alias FROM finding_aliases WHERE scan_id = $1 \
         ORDER BY finding_idx, alias",
        &[scan.as_str().into()],
    )? {
        aliases.entry(r.int(0)?).or_default().push(r.text(1)?);
    }
    let findings = x
        .query(
            &format!(
                "SELECT f.idx, {FINDING_COLUMNS} FROM findings f WHERE f.scan_id = $1 \
                 ORDER BY f.idx"
            ),
            &[scan.as_str().into()],
        )?
        .iter()
        .map(|r| {
            let mut f = finding_from(r, 1)?;
            f.aliases = aliases.remove(&r.int(0)?).unwrap_or_default();
            Ok(f)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(ImageDetail {
        image,
        analyzer: s.text(1)?,
        target_kind: s.text(2)?,
        config_digest: s.opt_text(3)?,
        first_scanned: s.int(4)?,
        matched_at: s.int(5)?,
        scan_id: scan,
        layers,
        packages,
        findings,
    }))
}

/// Severity order, worst first, as reports name them.
const SEVERITIES: &[&str] = &["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"];

pub(crate) fn overview(x: &mut dyn Exec, trend_since: i64) -> Result<Overview> {
    let mut o = Overview::default();
    let scans = x.query(
        concat!(
            "SELECT COUNT(*), (SELECT COUNT(*) FROM packages p JOIN scans s ON s.id = p.scan_id \
             WHERE ",
            latest!(),
            ") FROM scans s WHERE ",
            latest!()
        ),
        &[],
    )?;
    if let Some(r) = scans.first() {
        o.images = u64::try_from(r.int(0)?).unwrap_or(0);
        o.packages = u64::try_from(r.int(1)?).unwrap_or(0);
    }
    let rows = x.query(
        concat!(
            "SELECT s.id, f.severity, COUNT(*) FROM findings f JOIN scans s ON s.id = f.scan_id \
             WHERE NOT f.suppressed AND ",
            latest!(),
            " GROUP BY s.id, f.severity"
        ),
        &[],
    )?;
    let rank = |s: &str| {
        SEVERITIES
            .iter()
            .position(|x| *x == s)
            .unwrap_or(SEVERITIES.len())
    };
    let mut worst: BTreeMap<String, usize> = BTreeMap::new();
    for r in rows {
        let severity = r.text(1)?;
        *o.findings_by_severity.entry(severity.clone()).or_default() +=
            u64::try_from(r.int(2)?).unwrap_or(0);
        let w = worst.entry(r.text(0)?).or_insert(usize::MAX);
        *w = (*w).min(rank(&severity));
    }
    for w in worst.values() {
        let name = SEVERITIES.get(*w).copied().unwrap_or("UNKNOWN");
        *o.images_by_worst.entry(name.to_owned()).or_default() += 1;
    }
    let clean = o.images.saturating_sub(worst.len() as u64);
    if clean > 0 {
        o.images_by_worst.insert("NONE".into(), clean);
    }
    let mut days: BTreeMap<i64, TrendDay> = BTreeMap::new();
    for r in x.query(
        "SELECT at, change, COUNT(*) FROM deltas WHERE at >= $1 GROUP BY at, change",
        &[trend_since.into()],
    )? {
        let day = r.int(0)?.div_euclid(86_400) * 86_400;
        let n = u64::try_from(r.int(2)?).unwrap_or(0);
        let d = days.entry(day).or_insert(TrendDay {
            day,
            ..Default::default()
        });
        if r.text(1)? == "new" {
            d.new += n;
        } else {
            d.resolved += n;
        }
    }
    o.trend = days.into_values().collect();
    Ok(o)
}

pub(crate) fn token_add(x: &mut dyn Exec, name: &str, hash: &str, scopes: &[String]) -> Result<()> {
    x.execute(
        "INSERT INTO api_tokens (name, hash, scopes, created_at) VALUES ($1, $2, $3, $4)",
        &[
            name.into(),
            hash.into(),
            scopes.join(",").into(),
            crate::now().into(),
        ],
    )?;
    Ok(())
}

/// The token's name and scopes, if `hash` is a known token's.
pub(crate) fn token_lookup(x: &mut dyn Exec, hash: &str) -> Result<Option<TokenRow>> {
    let rows = x.query(
        "SELECT name, scopes, created_at, last_used FROM api_tokens WHERE hash = $1",
        &[hash.into()],
    )?;
    rows.first().map(token_from).transpose()
}

fn token_from(r: &Row) -> Result<TokenRow> {
    Ok(TokenRow {
        name: r.text(0)?,
        scopes: r
            .text(1)?
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        created_at: r.int(2)?,
        last_used: r.opt_int(3)?,
    })
}

pub(crate) fn tokens(x: &mut dyn Exec) -> Result<Vec<TokenRow>> {
    x.query(
        "SELECT name, scopes, created_at, last_used FROM api_tokens ORDER BY name",
        &[],
    )?
    .iter()
    .map(token_from)
    .collect()
}

pub(crate) fn token_revoke(x: &mut dyn Exec, name: &str) -> Result<bool> {
    Ok(x.execute("DELETE FROM api_tokens WHERE name = $1", &[name.into()])? > 0)
}

pub(crate) fn token_hashes(x: &mut dyn Exec) -> Result<Vec<(String, TokenRow)>> {
    x.query(
        "SELECT name, scopes, created_at, last_used, hash FROM api_tokens ORDER BY name",
        &[],
    )?
    .iter()
    .map(|r| Ok((r.text(4)?, token_from(r)?)))
    .collect()
}

pub(crate) fn layer_put(x: &mut dyn Exec, key: &str, data: &[u8]) -> Result<()> {
    x.execute(
        "INSERT INTO layer_blobs (key, data, size, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (key) DO UPDATE SET data = excluded.data, size = excluded.size, \
         created_at = excluded.created_at",
        &[
            key.into(),
            data.to_vec().into(),
            int(data.len()),
            crate::now().into(),
        ],
    )?;
    Ok(())
}

pub(crate) fn layer_get(x: &mut dyn Exec, key: &str) -> Result<Option<Vec<u8>>> {
    let rows = x.query("SELECT data FROM layer_blobs WHERE key = $1", &[key.into()])?;
    rows.first().map(|r| r.bytes(0)).transpose()
}

pub(crate) fn stale_scans(x: &mut dyn Exec, db_version: &str) -> Result<u64> {
    let rows = x.query(
        concat!(
            "SELECT COUNT(*) FROM scans s WHERE s.matched_db_version <> $1 AND ",
            latest!()
        ),
        &[db_version.into()],
    )?;
    let n = rows.first().map(|r| r.int(0)).transpose()?.unwrap_or(0);
    Ok(u64::try_from(n).unwrap_or(0))
}
