//! rpm cataloger against go-rpmdb's SQLite, Berkeley DB and NDB databases.

mod common;

use common::{assert_same_rows, catalog, fixture, mangle, tsv};
use drydock_catalog::{Companion, DbFile, Distro, Ecosystem, Package, rpm};

fn distro() -> Distro {
    Distro::new("mariner", Some("2.0"))
}

fn row(p: &Package) -> Vec<String> {
    vec![
        p.name.clone(),
        p.epoch.unwrap_or(0).to_string(),
        p.version.clone(),
        p.arch.clone().unwrap_or_default(),
        p.source_name.clone().unwrap_or_default(),
        p.source_version.clone().unwrap_or_default(),
    ]
}

/// Expected rows from an `rpm -qa` TSV (name, epoch, version, release, arch, sourcerpm),
/// in the crate's spelling: `[epoch:]version-release`, source split out of the file name.
fn expected(rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
    rows.into_iter()
        .map(|r| {
            let epoch = &r[1];
            let with_epoch = |vr: String| {
                if epoch == "0" {
                    vr
                } else {
                    format!("{epoch}:{vr}")
                }
            };
            let srpm = r[5].strip_suffix(".src.rpm").expect("a .src.rpm name");
            let mut parts = srpm.rsplitn(3, '-');
            let (release, version, name) = (
                parts.next().expect("release"),
                parts.next().expect("version"),
                parts.next().expect("name"),
            );
            vec![
                r[0].clone(),
                epoch.clone(),
                with_epoch(format!("{}-{}", r[2], r[3])),
                r[4].clone(),
                name.to_owned(),
                with_epoch(format!("{version}-{release}")),
            ]
        })
        .collect()
}

fn check_fixture(
    db: &str,
    expected_tsv: &str,
    path_in_image: &str,
    count: usize,
) -> Option<Vec<Package>> {
    let (Some(data), Some(want)) = (fixture(db), tsv(expected_tsv)) else {
        return None;
    };
    let (pkgs, diags) = catalog(path_in_image, &data, &distro());
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(want.len(), count);
    assert_same_rows(db, pkgs.iter().map(row).collect(), expected(want));
    assert!(
        pkgs.iter()
            .all(|p| p.ecosystem == Ecosystem::Rpm && p.db_path == path_in_image)
    );
    Some(pkgs)
}

#[test]
fn sqlite_cbl_mariner() {
    let Some(pkgs) = check_fixture(
        "rpm/cbl-mariner-2.0/rpmdb.sqlite",
        "rpm/cbl-mariner-2.0.expected.tsv",
        "/var/lib/rpm/rpmdb.sqlite",
        129,
    ) else {
        return;
    };
    // go-rpmdb's own spot check.
    let curl = pkgs.iter().find(|p| p.name == "curl").expect("curl");
    assert_eq!(curl.version, "7.76.0-6.cm2");
    assert_eq!(curl.license.as_deref(), Some("MIT"));
    assert_eq!(
        curl.purl,
        "pkg:rpm/mariner/curl@7.76.0-6.cm2?arch=x86_64&distro=mariner-2.0"
    );
    let ca = pkgs
        .iter()
        .find(|p| p.name == "ca-certificates-base")
        .expect("ca-certificates-base");
    assert_eq!(ca.version, "1:2.0.0-1.cm2");
    assert_eq!(
        ca.purl,
        "pkg:rpm/mariner/ca-certificates-base@2.0.0-1.cm2?arch=noarch&distro=mariner-2.0&epoch=1"
    );
}

#[test]
fn sqlite_with_empty_wal_companion() {
    let (Some(data), Some(wal)) = (
        fixture("rpm/cbl-mariner-2.0/rpmdb.sqlite"),
        fixture("rpm/cbl-mariner-2.0/rpmdb.sqlite-wal"),
    ) else {
        return;
    };
    // The staged WAL is empty: the fixture's packages all live in the main file.
    assert!(wal.is_empty());
    let path = "/var/lib/rpm/rpmdb.sqlite";
    let comps = [Companion {
        path: "/var/lib/rpm/rpmdb.sqlite-wal",
        data: &wal,
    }];
    let mut diags = Vec::new();
    let pkgs = rpm::parse(
        &DbFile::new(path, &data).with_companions(&comps),
        &distro(),
        &mut diags,
    )
    .expect("parses");
    assert_eq!(pkgs.len(), 129);
}

#[test]
fn bdb_libuuid() {
    let Some(pkgs) = check_fixture(
        "rpm/libuuid-bdb/Packages",
        "rpm/libuuid-bdb.expected.tsv",
        "/var/lib/rpm/Packages",
        1,
    ) else {
        return;
    };
    assert_eq!(pkgs[0].version, "2.32.1-42.el8_8");
    assert_eq!(pkgs[0].source_name.as_deref(), Some("util-linux"));
}

#[test]
fn ndb_sle15_bci() {
    let Some(pkgs) = check_fixture(
        "rpm/sle15-bci-ndb/Packages.db",
        "rpm/sle15-bci-ndb.expected.tsv",
        "/usr/lib/sysimage/rpm/Packages.db",
        35,
    ) else {
        return;
    };
    assert!(pkgs.iter().any(|p| p.name == "libstdc++6"
        && p.purl == "pkg:rpm/mariner/libstdc%2B%2B6@11.2.1%2Bgit610-1.3.9?arch=x86_64&distro=mariner-2.0"));
}

#[test]
fn backend_detection() {
    for (file, backend) in [
        ("rpm/cbl-mariner-2.0/rpmdb.sqlite", rpm::Backend::Sqlite),
        ("rpm/libuuid-bdb/Packages", rpm::Backend::BerkeleyDb),
        ("rpm/sle15-bci-ndb/Packages.db", rpm::Backend::Ndb),
    ] {
        let Some(data) = fixture(file) else { return };
        assert_eq!(rpm::detect(&data), Some(backend), "{file}");
    }
}

/// Packages that exist only in the write-ahead log are found when the caller hands the
/// WAL over, and only committed transactions count.
#[test]
fn sqlite_wal_replay() {
    let Some(data) = fixture("rpm/cbl-mariner-2.0/rpmdb.sqlite") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("drydock-catalog-wal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let db_path = dir.join("rpmdb.sqlite");
    std::fs::write(&db_path, &data).expect("copy fixture");

    let conn = rusqlite::Connection::open(&db_path).expect("open copy");
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .expect("wal mode");
    assert_eq!(mode, "wal");
    conn.query_row("PRAGMA wal_autocheckpoint = 0", [], |_| Ok(()))
        .expect("no autocheckpoint");
    // rpm's index tables reference Packages; this test only cares about Packages rows.
    conn.execute_batch("PRAGMA foreign_keys = OFF;")
        .expect("no foreign keys");
    // Transaction 1: remove ten packages and duplicate one (a new hnum).
    conn.execute_batch(
        "BEGIN;
         DELETE FROM Packages WHERE hnum IN (SELECT hnum FROM Packages ORDER BY hnum LIMIT 10);
         INSERT INTO Packages(blob) SELECT blob FROM Packages ORDER BY hnum DESC LIMIT 1;
         COMMIT;",
    )
    .expect("txn 1");
    let wal_after_1 = std::fs::read(dir.join("rpmdb.sqlite-wal")).expect("wal");
    // Transaction 2: remove five more.
    conn.execute_batch(
        "DELETE FROM Packages WHERE hnum IN (SELECT hnum FROM Packages ORDER BY hnum LIMIT 5);",
    )
    .expect("txn 2");
    let main = std::fs::read(&db_path).expect("main");
    let wal = std::fs::read(dir.join("rpmdb.sqlite-wal")).expect("wal");
    drop(conn);
    let _ = std::fs::remove_dir_all(&dir);

    let count = |wal: Option<&[u8]>| {
        let comps;
        let mut file = DbFile::new("/var/lib/rpm/rpmdb.sqlite", &main);
        if let Some(wal) = wal {
            comps = [Companion {
                path: "/var/lib/rpm/rpmdb.sqlite-wal",
                data: wal,
            }];
            file = file.with_companions(&comps);
        }
        let mut diags = Vec::new();
        let pkgs = rpm::parse(&file, &distro(), &mut diags).expect("parses");
        assert!(diags.is_empty(), "{diags:?}");
        pkgs.len()
    };
    assert!(wal.len() > wal_after_1.len());
    assert_eq!(
        count(None),
        129,
        "main file alone: nothing checkpointed yet"
    );
    assert_eq!(count(Some(&wal)), 129 - 10 + 1 - 5, "both transactions");
    assert_eq!(count(Some(&wal_after_1)), 120, "first transaction only");
    // A WAL cut inside transaction 2's frames rolls back to transaction 1.
    assert_eq!(
        count(Some(&wal[..wal.len() - 1])),
        120,
        "torn second commit"
    );
    println!("sqlite WAL replay: 129 / 120 / 115 packages as committed");

    // Garbage WAL: ignored (bad header) or rejected, never a panic.
    let n = mangle(&wal, 200, 0x3a1, |w| {
        let comps = [Companion {
            path: "/var/lib/rpm/rpmdb.sqlite-wal",
            data: w,
        }];
        let mut diags = Vec::new();
        let _ = rpm::parse(
            &DbFile::new("/var/lib/rpm/rpmdb.sqlite", &main).with_companions(&comps),
            &distro(),
            &mut diags,
        );
    });
    println!("sqlite WAL: {n} mangled variants parsed without panic");
}

fn never_panics(file: &str, path: &str, flips: usize, seed: u64) {
    let Some(data) = fixture(file) else { return };
    let mut errors = 0;
    let n = mangle(&data, flips, seed, |bytes| {
        let mut diags = Vec::new();
        match rpm::parse(&DbFile::new(path, bytes), &distro(), &mut diags) {
            Ok(_) => {}
            Err(e) => {
                errors += 1;
                assert!(!e.to_string().is_empty());
            }
        }
    });
    println!("{file}: {n} mangled variants, {errors} rejected with an error, none panicked");
}

/// Sets each byte in `range` to 0x00 and 0xff in turn and parses.
fn sweep(data: &[u8], range: std::ops::Range<usize>, path: &str) {
    let mut m = data.to_vec();
    for at in range {
        let old = m[at];
        for v in [0u8, 0xff] {
            m[at] = v;
            let mut diags = Vec::new();
            let _ = rpm::parse(&DbFile::new(path, &m), &distro(), &mut diags);
        }
        m[at] = old;
    }
}

#[test]
fn sqlite_corruption_never_panics() {
    never_panics(
        "rpm/cbl-mariner-2.0/rpmdb.sqlite",
        "/var/lib/rpm/rpmdb.sqlite",
        150,
        11,
    );
    let Some(data) = fixture("rpm/cbl-mariner-2.0/rpmdb.sqlite") else {
        return;
    };
    sweep(&data, 0..100, "/var/lib/rpm/rpmdb.sqlite");
}

/// A `Packages` view that would generate rows forever is refused before any query.
#[test]
fn sqlite_packages_view_is_refused() {
    let mut conn = rusqlite::Connection::open_in_memory().expect("memory db");
    conn.execute_batch(
        "CREATE VIEW Packages AS
           WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)
           SELECT x AS hnum, zeroblob(100) AS blob FROM c;",
    )
    .expect("view");
    let bytes = conn
        .serialize(rusqlite::MAIN_DB)
        .expect("serialize")
        .to_vec();
    let mut diags = Vec::new();
    let err = rpm::parse(
        &DbFile::new("/var/lib/rpm/rpmdb.sqlite", &bytes),
        &distro(),
        &mut diags,
    )
    .expect_err("must be rejected");
    assert!(err.to_string().contains("Packages is a view"), "{err}");

    // And a database without the table at all is not an rpmdb.
    let plain = rusqlite::Connection::open_in_memory()
        .and_then(|mut c| {
            c.execute_batch("CREATE TABLE t(x);")?;
            Ok(c.serialize(rusqlite::MAIN_DB)?.to_vec())
        })
        .expect("db");
    let err = rpm::parse(
        &DbFile::new("/var/lib/rpm/rpmdb.sqlite", &plain),
        &distro(),
        &mut diags,
    )
    .expect_err("must be rejected");
    assert!(err.to_string().contains("no Packages table"), "{err}");
}

#[test]
fn bdb_corruption_never_panics() {
    never_panics(
        "rpm/libuuid-bdb/Packages",
        "/var/lib/rpm/Packages",
        3000,
        12,
    );
    let Some(data) = fixture("rpm/libuuid-bdb/Packages") else {
        return;
    };
    // Metadata page and both hash pages (the second holds the off-page item), then the
    // header of every overflow page.
    sweep(&data, 0..12288, "/var/lib/rpm/Packages");
    for page in 3..23 {
        sweep(
            &data,
            page * 4096..page * 4096 + 26,
            "/var/lib/rpm/Packages",
        );
    }
}

/// An overflow chain that loops back on itself is reported, not followed forever.
#[test]
fn bdb_overflow_cycle_is_reported() {
    let Some(data) = fixture("rpm/libuuid-bdb/Packages") else {
        return;
    };
    for target in [3u32, 10] {
        let mut m = data.clone();
        // Page 10's next_pgno (offset 16) pointed back into the chain.
        m[10 * 4096 + 16..10 * 4096 + 20].copy_from_slice(&target.to_le_bytes());
        let mut diags = Vec::new();
        let pkgs = rpm::parse(
            &DbFile::new("/var/lib/rpm/Packages", &m),
            &distro(),
            &mut diags,
        )
        .expect("structure is sound; the entry is skipped");
        assert!(pkgs.is_empty());
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(
            diags[0].message.contains("already part of another chain"),
            "{}",
            diags[0].message
        );
    }
}

#[test]
fn ndb_corruption_never_panics() {
    never_panics(
        "rpm/sle15-bci-ndb/Packages.db",
        "/var/lib/rpm/Packages.db",
        600,
        13,
    );
    // Every byte of the header and the used part of the slot page (35 slots), set to
    // extremes.
    let Some(data) = fixture("rpm/sle15-bci-ndb/Packages.db") else {
        return;
    };
    sweep(&data, 0..1024, "/var/lib/rpm/Packages.db");
}

/// Two slots claiming the same blocks: the second is reported, the rest still parse.
#[test]
fn ndb_overlapping_slots_are_reported() {
    let Some(data) = fixture("rpm/sle15-bci-ndb/Packages.db") else {
        return;
    };
    let mut m = data.clone();
    // Slot 1 (package 2) gets slot 0's block offset and count.
    let (slot0, slot1) = (32, 48);
    let extent: [u8; 8] = m[slot0 + 8..slot0 + 16].try_into().expect("8 bytes");
    m[slot1 + 8..slot1 + 16].copy_from_slice(&extent);
    let mut diags = Vec::new();
    let pkgs = rpm::parse(
        &DbFile::new("/var/lib/rpm/Packages.db", &m),
        &distro(),
        &mut diags,
    )
    .expect("slot table is sound");
    assert_eq!(pkgs.len(), 34);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(
        diags[0].message.contains("overlaps"),
        "{}",
        diags[0].message
    );
}

#[test]
fn sqlite_headers_carry_their_file_lists() {
    let Some(bytes) = common::fixture("rpm/cbl-mariner-2.0/rpmdb.sqlite") else {
        return;
    };
    let file = drydock_catalog::DbFile::new("/var/lib/rpm/rpmdb.sqlite", &bytes);
    let pkgs =
        drydock_catalog::rpm::parse(&file, &drydock_catalog::Distro::default(), &mut Vec::new())
            .expect("parses");
    let curl = pkgs
        .iter()
        .find(|p| p.name == "curl")
        .expect("curl is installed");
    assert!(
        curl.files.iter().any(|f| f == "/usr/bin/curl"),
        "{:?}",
        &curl.files[..curl.files.len().min(10)]
    );
    let with_files = pkgs.iter().filter(|p| !p.files.is_empty()).count();
    println!("{with_files} of {} packages list their files", pkgs.len());
    assert!(with_files > pkgs.len() / 2);
}
