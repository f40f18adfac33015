//! The store's behaviour, run unchanged on both backends: every check in [`CHECKS`] gets a
//! fresh SQLite file (one `#[test]` each) and a fresh database in one real PostgreSQL cluster
//! (`drydock_testkit::postgres`: initdb + pg_ctl on loopback; skipped with a message outside
//! CI when PostgreSQL is not installed, a failure under CI).
#![allow(clippy::unwrap_used)]

use drydock_store::*;

fn package(name: &str, version: &str, purl: &str, source: Option<&str>) -> PackageRecord {
    PackageRecord {
        class: "os".into(),
        ecosystem: "dpkg".into(),
        name: name.into(),
        version: version.into(),
        purl: purl.into(),
        source_name: source.map(Into::into),
        source_version: source.map(|_| version.into()),
        layer: 0,
        location: "var/lib/dpkg/status".into(),
        unpublished: false,
    }
}

fn vuln(id: &str, aliases: &[&str], purl: &str, installed: &str, fixed: &str) -> FindingRecord {
    FindingRecord {
        id: id.into(),
        kind: "vulnerability".into(),
        severity: "HIGH".into(),
        status: Some("fixed".into()),
        aliases: aliases.iter().map(|a| (*a).into()).collect(),
        package: Some(purl.into()),
        installed_version: Some(installed.into()),
        fixed_version: Some(fixed.into()),
        title: format!("{id} in a package"),
        message: format!("openssl {installed} (Debian:12): fixed in {fixed}"),
        location: Some("layer 0 var/lib/dpkg/status".into()),
        suppressed: None,
    }
}

const SSL: &str = "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12";

/// A Debian image with libssl3 (source openssl), one CVE-aliased GHSA finding, one secret.
fn scan(digest: &str, db: &str, libssl: &str) -> ScanRecord {
    let purl = SSL.replace("3.0.11-1~deb12u2", libssl);
    ScanRecord {
        digest: digest.into(),
        digest_kind: DigestKind::Manifest,
        references: vec!["registry.example/team/app:1.4".into(), "app:1.4".into()],
        target_kind: "registry".into(),
        target_path: "registry.example/team/app:1.4".into(),
        config_digest: Some("sha256:c0nf".into()),
        os: Some(OsRecord {
            family: "debian".into(),
            version: "12".into(),
            name: Some("Debian GNU/Linux 12 (bookworm)".into()),
        }),
        layers: vec![LayerRecord {
            index: 0,
            digest: Some("sha256:l0".into()),
            diff_id: Some("sha256:d0".into()),
        }],
        packages: vec![
            package("libssl3", libssl, &purl, Some("openssl")),
            package(
                "zlib1g",
                "1:1.2.13.dfsg-1",
                "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1",
                Some("zlib"),
            ),
        ],
        findings: vec![
            vuln(
                "GHSA-aaaa-bbbb-cccc",
                &["CVE-2024-0001"],
                &purl,
                libssl,
                "3.0.13-1~deb12u1",
            ),
            FindingRecord {
                id: "aws-access-key-id".into(),
                kind: "secret".into(),
                severity: "CRITICAL".into(),
                status: None,
                aliases: vec![],
                package: None,
                installed_version: None,
                fixed_version: None,
                title: "AWS access key".into(),
                message: "AKIA************MPLE in etc/app.env".into(),
                location: Some("layer 0 etc/app.env".into()),
                suppressed: None,
            },
        ],
        analyzer: "drydock 0.1.0".into(),
        db: DbRecord {
            version: db.into(),
            built: Some(1_700_000_000),
        },
        scanned_at: now(),
        filters: None,
    }
}

const D1: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
const D2: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

fn round_trip_and_queries(url: &str) {
    let mut s = Store::open(url).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    s.write_scan(&scan(D1, "1:100", "3.0.11-1~deb12u2"))
        .unwrap();
    let mut other = scan(D2, "1:100", "3.0.13-1~deb12u1");
    other.references = vec!["registry.example/team/worker:2".into()];
    other.target_path = "registry.example/team/worker:2".into();
    other.findings.clear();
    s.write_scan(&other).unwrap();

    let all = s.images(None).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].digest, D1);
    assert_eq!(
        all[0].references,
        vec!["app:1.4", "registry.example/team/app:1.4"]
    );
    assert_eq!(
        (all[0].packages, all[0].findings, all[0].critical),
        (2, 2, 1)
    );
    assert_eq!(all[0].os.as_deref(), Some("debian 12"));
    // By reference substring and by digest prefix; LIKE wildcards in the pattern are literal.
    let by_name = s.images(Some("worker")).unwrap();
    assert_eq!(by_name.len(), 1);
    assert_eq!(by_name[0].digest, D2);
    assert_eq!(s.images(Some("sha256:1111")).unwrap().len(), 1);
    assert!(s.images(Some("%")).unwrap().is_empty());
    assert!(s.images(Some("wor_er")).unwrap().is_empty());

    // The CVE finds the GHSA record that aliases it; the GHSA id finds it too.
    let by_alias = s.findings("CVE-2024-0001").unwrap();
    assert_eq!(by_alias.len(), 1);
    assert_eq!(by_alias[0].finding.id, "GHSA-aaaa-bbbb-cccc");
    assert_eq!(by_alias[0].finding.aliases, vec!["CVE-2024-0001"]);
    assert_eq!(by_alias[0].digest, D1);
    assert_eq!(
        by_alias[0].finding.fixed_version.as_deref(),
        Some("3.0.13-1~deb12u1")
    );
    assert_eq!(s.findings("GHSA-aaaa-bbbb-cccc").unwrap().len(), 1);
    assert!(s.findings("CVE-2099-0001").unwrap().is_empty());
    // The secret is stored as the report showed it, redacted.
    let secret = s.findings("aws-access-key-id").unwrap();
    assert_eq!(
        secret[0].finding.message,
        "AKIA************MPLE in etc/app.env"
    );

    // "Which images contain openssl < 3.0.13-1~deb12u1": by source package, in dpkg order.
    let c: Constraint = "<3.0.13-1~deb12u1".parse().unwrap();
    let (hits, unchecked) = s.packages("openssl", Some(&c)).unwrap();
    assert!(unchecked.is_empty());
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].digest, D1);
    assert_eq!(hits[0].version, "3.0.11-1~deb12u2");
    let (both, _) = s.packages("libssl3", None).unwrap();
    assert_eq!(both.len(), 2);
    // By purl prefix; a prefix is exact (SQLite's LIKE would ignore case).
    let (by_purl, _) = s.packages("pkg:deb/debian/libssl3@", None).unwrap();
    assert_eq!(by_purl.len(), 2);
    assert!(
        s.packages("pkg:deb/debian/LIBSSL3", None)
            .unwrap()
            .0
            .is_empty()
    );
    let ge: Constraint = ">=3.0.13-1~deb12u1".parse().unwrap();
    let (fixed, _) = s.packages("pkg:deb/debian/libssl3", Some(&ge)).unwrap();
    assert_eq!(fixed.len(), 1);
    assert_eq!(fixed[0].digest, D2);
}

fn same_scan_twice_is_one_row(url: &str) {
    let mut s = Store::open(url).unwrap();
    let first = scan(D1, "1:100", "3.0.11-1~deb12u2");
    let id1 = s.write_scan(&first).unwrap();
    let id2 = s.write_scan(&first).unwrap();
    assert_eq!(id1, id2);
    assert_eq!(s.scan_count().unwrap(), 1);
    assert_eq!(s.packages("libssl3", None).unwrap().0.len(), 1);
    assert_eq!(s.findings("CVE-2024-0001").unwrap().len(), 1);
    // Reopening migrates nothing again and keeps the data.
    drop(s);
    let mut s = Store::open(url).unwrap();
    assert_eq!(s.scan_count().unwrap(), 1);
    // A newer database version is another scan row; queries see the latest one per image.
    let mut newer = scan(D1, "1:200", "3.0.11-1~deb12u2");
    newer.scanned_at = first.scanned_at + 10;
    newer.findings.clear();
    s.write_scan(&newer).unwrap();
    assert_eq!(s.scan_count().unwrap(), 2);
    let images = s.images(None).unwrap();
    assert_eq!(images.len(), 1);
    assert_eq!(images[0].db_version, "1:200");
    assert!(s.findings("CVE-2024-0001").unwrap().is_empty());
}

fn concurrent_writers_lose_nothing(url: &str) {
    // Create the schema once so the threads race on data, then again without it (below).
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let url = url.to_owned();
            std::thread::spawn(move || {
                let mut s = Store::open(&url).unwrap();
                for i in 0..10 {
                    let digest = format!("sha256:{t:02}{i:062}");
                    s.write_scan(&scan(&digest, "1:100", "3.0.11-1~deb12u2"))
                        .unwrap();
                    // Every thread also writes one shared scan: it must stay one row.
                    s.write_scan(&scan(D1, "1:100", "3.0.11-1~deb12u2"))
                        .unwrap();
                    // And one image under a database version of its own: four scan rows,
                    // exactly one of them current.
                    s.write_scan(&scan(D2, &format!("1:{t}"), "3.0.11-1~deb12u2"))
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let mut s = Store::open(url).unwrap();
    assert_eq!(s.scan_count().unwrap(), 45);
    assert_eq!(s.images(None).unwrap().len(), 42);
    // The shared scans have their packages once, not once per writer or database version.
    let (rows, _) = s.packages("pkg:deb/debian/zlib1g", None).unwrap();
    assert_eq!(rows.iter().filter(|r| r.digest == D1).count(), 1);
    assert_eq!(rows.iter().filter(|r| r.digest == D2).count(), 1);
    assert_eq!(s.findings("CVE-2024-0001").unwrap().len(), 42);
}

fn rematch_records_new_and_resolved(url: &str) {
    let mut s = Store::open(url).unwrap();
    let mut first = scan(D1, "1:100", "3.0.11-1~deb12u2");
    first.findings[0].suppressed = Some(Suppression {
        by: ".drydockignore:3".into(),
        reason: "not reachable".into(),
    });
    first.findings.push(vuln(
        "DSA-0000-1",
        &[],
        "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1",
        "1:1.2.13.dfsg-1",
        "1:1.3",
    ));
    s.write_scan(&first).unwrap();
    let inventories = s.inventories().unwrap();
    assert_eq!(inventories.len(), 1);
    let inv = &inventories[0];
    assert_eq!(inv.digest, D1);
    assert_eq!(inv.packages.len(), 2);
    assert_eq!(inv.packages[0].source_name.as_deref(), Some("openssl"));
    assert_eq!(
        inv.os
            .as_ref()
            .map(|o| (o.family.as_str(), o.version.as_str())),
        Some(("debian", "12"))
    );

    // The new database still has the GHSA (suppressed before: stays so), no longer the DSA,
    // and a new CVE for zlib1g.
    let purl = first.packages[0].purl.clone();
    let fresh = vec![
        vuln(
            "GHSA-aaaa-bbbb-cccc",
            &["CVE-2024-0001"],
            &purl,
            "3.0.11-1~deb12u2",
            "3.0.13-1~deb12u1",
        ),
        vuln(
            "CVE-2025-9999",
            &[],
            "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1",
            "1:1.2.13.dfsg-1",
            "1:1.3.1",
        ),
    ];
    let before = now();
    let summary = s
        .record_rematch("1:300", before, &[(inv.scan_id.clone(), fresh.clone())])
        .unwrap();
    assert_eq!((summary.scans, summary.new, summary.resolved), (1, 1, 1));
    let deltas = s.deltas(before).unwrap();
    let changes: Vec<(&str, &str)> = deltas
        .iter()
        .map(|d| (d.change.as_str(), d.finding_id.as_str()))
        .collect();
    assert_eq!(
        changes,
        vec![("new", "CVE-2025-9999"), ("resolved", "DSA-0000-1")]
    );
    assert_eq!(deltas[0].digest, D1);
    assert_eq!(deltas[0].db_version, "1:300");
    assert_eq!(deltas[0].fixed_version.as_deref(), Some("1:1.3.1"));
    assert!(!deltas[0].references.is_empty());
    assert!(s.deltas(before + 3600).unwrap().is_empty());
    // The stored findings are now the fresh ones; the secret is untouched, the suppression kept.
    assert!(s.findings("DSA-0000-1").unwrap().is_empty());
    assert_eq!(s.findings("CVE-2025-9999").unwrap().len(), 1);
    let kept = s.findings("CVE-2024-0001").unwrap();
    assert_eq!(
        kept[0]
            .finding
            .suppressed
            .as_ref()
            .map(|x| x.reason.as_str()),
        Some("not reachable")
    );
    assert_eq!(s.findings("aws-access-key-id").unwrap().len(), 1);
    // The same rematch again changes nothing.
    let again = s
        .record_rematch("1:300", before + 1, &[(inv.scan_id.clone(), fresh)])
        .unwrap();
    assert_eq!((again.new, again.resolved), (0, 0));
}

type Check = fn(&str);
const CHECKS: &[(&str, Check)] = &[
    ("round_trip", round_trip_and_queries),
    ("idempotent", same_scan_twice_is_one_row),
    ("concurrent", concurrent_writers_lose_nothing),
    ("rematch", rematch_records_new_and_resolved),
];

fn sqlite(name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/dir/store.sqlite");
    let check = CHECKS.iter().find(|(n, _)| *n == name).unwrap().1;
    check(&format!("sqlite://{}", path.display()));
}

#[test]
fn sqlite_round_trip_and_queries() {
    sqlite("round_trip");
}
#[test]
fn sqlite_same_scan_twice_is_one_row() {
    sqlite("idempotent");
}
#[test]
fn sqlite_concurrent_writers_lose_nothing() {
    sqlite("concurrent");
}
#[test]
fn sqlite_rematch_records_new_and_resolved() {
    sqlite("rematch");
}

/// Every check against a real PostgreSQL, each in its own database.
#[test]
fn postgres_runs_every_check() {
    let Some(pg) = drydock_testkit::postgres::Postgres::start() else {
        return;
    };
    for (name, check) in CHECKS {
        let url = pg.create_database(&format!("check_{name}"));
        check(&url);
        eprintln!("postgres: {name} ok");
    }
    // A wrong password is an error that does not echo it.
    let bad = pg.url("postgres").replace(&pg.password, "wrong-password");
    let err = Store::open(&bad)
        .err()
        .expect("wrong password refused")
        .to_string();
    assert!(!err.contains("wrong-password"), "{err}");
}

/// SQLite's own details: WAL mode, and a store from a newer drydock refused by version.
#[test]
fn sqlite_is_wal_and_refuses_a_newer_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    Store::open(path.to_str().unwrap()).unwrap();
    let conn = rusqlite_conn(&path);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let versions: i64 = conn
        .query_row("SELECT COUNT(*) FROM schema_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(versions, SCHEMA_VERSION);
    conn.execute(
        "INSERT INTO schema_version (version, applied_at) VALUES (99, 0)",
        [],
    )
    .unwrap();
    drop(conn);
    let err = Store::open(path.to_str().unwrap()).err().unwrap();
    assert!(matches!(
        err,
        Error::SchemaTooNew {
            found: 99,
            known: SCHEMA_VERSION
        }
    ));
}

fn rusqlite_conn(path: &std::path::Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap()
}

/// PostgreSQL over TLS: a cluster that refuses plain TCP (`hostssl` only). With its CA given
/// (`sslrootcert`) the store connects and works, with `verify-full` as libpq spells it too;
/// without the CA the certificate is not trusted, and `sslmode=disable` is refused by the
/// server, so the TLS connection is what carried the scan.
#[test]
fn postgres_over_tls() {
    let Some((pg, ca)) = drydock_testkit::postgres::Postgres::start_tls() else {
        return;
    };
    let url = pg.create_database("tls");
    let with = |q: &str| format!("{url}?{q}");
    let ca = ca.display().to_string();
    let mut s = Store::open(&with(&format!("sslmode=require&sslrootcert={ca}"))).unwrap();
    s.write_scan(&scan(
        &format!("sha256:{}", "c".repeat(64)),
        "1:1",
        "3.0.11-1~deb12u1",
    ))
    .unwrap();
    assert_eq!(s.scan_count().unwrap(), 1);
    let mut s = Store::open(&with(&format!("sslmode=verify-full&sslrootcert={ca}"))).unwrap();
    assert_eq!(s.scan_count().unwrap(), 1);
    let untrusted = Store::open(&with("sslmode=require"))
        .err()
        .unwrap()
        .to_string();
    assert!(untrusted.contains("sslrootcert"), "{untrusted}");
    let plain = Store::open(&with("sslmode=disable"))
        .err()
        .unwrap()
        .to_string();
    assert!(!plain.contains(&pg.password), "{plain}");
    assert!(
        plain.contains("pg_hba") || plain.contains("no encryption") || plain.contains("SSL"),
        "{plain}"
    );
}
