//! The results store end to end, through the binary: real scans written with `--store`, fleet
//! queries, `store rematch` against a database with one more real advisory, and concurrent
//! writers in separate processes. The scenario runs on a SQLite file and on a real PostgreSQL
//! cluster (drydock-testkit's throwaway one; skipped with a message outside CI without it).
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{debian_db, drydock, json, ok};

/// A Debian 12 root filesystem whose dpkg database is the file `status`.
fn rootfs(dir: &Path, status: &Path) -> PathBuf {
    common::debian12_rootfs(dir, &std::fs::read(status).unwrap())
}

fn digests(v: &serde_json::Value) -> Vec<String> {
    let mut d: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["digest"].as_str().unwrap().to_owned())
        .collect();
    d.sort();
    d.dedup();
    d
}

/// The whole story on one store: scan, query, rematch, deltas.
fn scenario(store: &str, tmp: &Path) {
    let (Some(image), Some(old_status)) = (
        drydock_testkit::shared("images/debian-min.tar"),
        drydock_testkit::shared("data/advisories/debian12/debian12-old.status"),
    ) else {
        return;
    };
    // db1 lacks DSA-5532-1 (openssl, CVE-2023-5363); db2 is every DSA.
    let (db1, db2) = (tmp.join("db1"), tmp.join("db2"));
    if debian_db(&db1, &["DSA-5532-1"]).is_none() || debian_db(&db2, &[]).is_none() {
        return;
    }
    let (db1, db2) = (db1.display().to_string(), db2.display().to_string());
    let root = rootfs(&tmp.join("root"), &old_status);
    let root = root.display().to_string();
    let ignore = tmp.join("ignore");
    std::fs::write(&ignore, "CVE-2024-6119 # fixed by our own patch\n").unwrap();
    let ignore = ignore.display().to_string();

    // A real image and an aged root filesystem. --severity CRITICAL shows nothing of the
    // rootfs, but the store keeps every finding; the ignore entry is stored with its reason.
    ok(drydock(&[
        "image",
        &image.display().to_string(),
        "--store",
        store,
        "--db-dir",
        &db1,
        "-f",
        "json",
    ]));
    ok(drydock(&[
        "rootfs",
        &root,
        "--store",
        store,
        "--db-dir",
        &db1,
        "--severity",
        "CRITICAL",
        "--ignorefile",
        &ignore,
    ]));
    // Written twice: still one image (idempotent per digest and database).
    ok(drydock(&[
        "rootfs",
        &root,
        "--store",
        store,
        "--db-dir",
        &db1,
        "--ignorefile",
        &ignore,
    ]));

    let images = json(&["store", "query", "images", "--store", store, "--json"]);
    let list = images.as_array().unwrap();
    assert_eq!(list.len(), 2, "{images:#}");
    let min = list
        .iter()
        .find(|i| i["digest_kind"] != "inventory")
        .expect("the image, by its digest");
    assert_eq!(min["packages"], 88);
    assert_eq!(min["os"], "debian 12");
    let aged = list
        .iter()
        .find(|i| i["digest_kind"] == "inventory")
        .expect("the rootfs, by inventory digest");
    let aged_digest = aged["digest"].as_str().unwrap().to_owned();
    assert_eq!(aged["packages"], 19);
    assert!(aged["findings"].as_i64().unwrap() > 20, "{aged:#}");
    // By name: the rootfs path.
    let by_name = json(&[
        "store", "query", "images", "root", "--store", store, "--json",
    ]);
    assert_eq!(digests(&by_name), vec![aged_digest.clone()]);

    // libc6 in both; below 2.36-9+deb12u3 only the aged one, in dpkg order: as strings the
    // image's 2.36-9+deb12u14 would sort below it too.
    let libc = json(&[
        "store", "query", "package", "libc6", "--store", store, "--json",
    ]);
    assert_eq!(digests(&libc).len(), 2);
    let old_libc = json(&[
        "store",
        "query",
        "package",
        "libc6",
        "--version",
        "<2.36-9+deb12u3",
        "--store",
        store,
        "--json",
    ]);
    assert_eq!(digests(&old_libc), vec![aged_digest.clone()]);
    assert_eq!(old_libc[0]["version"], "2.36-9");
    // Which images contain openssl < 3.0.13-1~deb12u1 (the source package, by purl prefix too).
    let openssl = json(&[
        "store",
        "query",
        "package",
        "openssl",
        "--version",
        "<3.0.13-1~deb12u1",
        "--store",
        store,
        "--json",
    ]);
    assert_eq!(digests(&openssl), vec![aged_digest.clone()]);
    let by_purl = json(&[
        "store",
        "query",
        "package",
        "pkg:deb/debian/libssl3@",
        "--store",
        store,
        "--json",
    ]);
    assert_eq!(by_purl.as_array().unwrap().len(), 1);
    // The table names them too.
    let table = ok(drydock(&[
        "store", "query", "package", "openssl", "--store", store,
    ]));
    assert!(String::from_utf8_lossy(&table.stdout).contains("3.0.11-1~deb12u1"));

    // A finding by its DSA alias: CVE-2024-6119 for libssl3 and openssl, suppressed with the
    // ignore file's reason although the report of the first run showed nothing.
    let f = json(&[
        "store",
        "query",
        "finding",
        "DSA-5764-1",
        "--store",
        store,
        "--json",
    ]);
    let rows = f.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{f:#}");
    for r in rows {
        assert_eq!(r["finding"]["id"], "CVE-2024-6119");
        assert_eq!(r["finding"]["installed_version"], "3.0.11-1~deb12u1");
        assert_eq!(r["finding"]["fixed_version"], "3.0.14-1~deb12u2");
        assert_eq!(
            r["finding"]["suppressed"]["reason"],
            "fixed by our own patch"
        );
    }
    // Not in db1.
    let none = json(&[
        "store",
        "query",
        "finding",
        "CVE-2023-5363",
        "--store",
        store,
        "--json",
    ]);
    assert!(none.as_array().unwrap().is_empty());

    // The new advisory, matched against the stored inventories only.
    let summary = json(&[
        "store", "rematch", "--store", store, "--db-dir", &db2, "--json",
    ]);
    assert_eq!(summary["scans"], 2);
    assert_eq!(summary["new"], 2, "{summary:#}");
    assert_eq!(summary["resolved"], 0);
    let deltas = json(&[
        "store", "deltas", "--since", "1h", "--store", store, "--json",
    ]);
    let mut new: Vec<(String, String)> = deltas
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            assert_eq!(d["change"], "new");
            assert_eq!(d["digest"], aged_digest.as_str());
            assert_eq!(d["fixed_version"], "3.0.11-1~deb12u2");
            (
                d["finding_id"].as_str().unwrap().to_owned(),
                d["package"]
                    .as_str()
                    .unwrap()
                    .split('@')
                    .next()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect();
    new.sort();
    assert_eq!(
        new,
        vec![
            ("CVE-2023-5363".into(), "pkg:deb/debian/libssl3".into()),
            ("CVE-2023-5363".into(), "pkg:deb/debian/openssl".into()),
        ]
    );
    let found = json(&[
        "store",
        "query",
        "finding",
        "DSA-5532-1",
        "--store",
        store,
        "--json",
    ]);
    assert_eq!(found.as_array().unwrap().len(), 2);
    // Nothing new the second time; nothing from the future.
    let again = json(&[
        "store", "rematch", "--store", store, "--db-dir", &db2, "--json",
    ]);
    assert_eq!(
        (again["new"].as_u64(), again["resolved"].as_u64()),
        (Some(0), Some(0))
    );
    let later = json(&[
        "store",
        "deltas",
        "--since",
        "2999-01-01",
        "--store",
        store,
        "--json",
    ]);
    assert!(later.as_array().unwrap().is_empty());
    // Back to db1: the advisory is gone, so the pair is resolved.
    let back = json(&[
        "store", "rematch", "--store", store, "--db-dir", &db1, "--json",
    ]);
    assert_eq!(
        (back["new"].as_u64(), back["resolved"].as_u64()),
        (Some(0), Some(2))
    );
}

/// A rematch applies the suppression the scan ran with: an advisory the newer database brings
/// that the scan's ignore file names is stored suppressed, with the file's reason, and is not a
/// `new` delta.
#[test]
fn rematch_keeps_the_scans_suppression() {
    let Some(old_status) = drydock_testkit::shared("data/advisories/debian12/debian12-old.status")
    else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let (db1, db2) = (tmp.path().join("db1"), tmp.path().join("db2"));
    if debian_db(&db1, &["DSA-5532-1"]).is_none() || debian_db(&db2, &[]).is_none() {
        return;
    }
    let store = tmp.path().join("s.sqlite").display().to_string();
    let root = rootfs(&tmp.path().join("root"), &old_status);
    let ignore = tmp.path().join("ignore");
    std::fs::write(&ignore, "CVE-2023-5363 # accepted: not reachable here\n").unwrap();
    ok(drydock(&[
        "rootfs",
        &root.display().to_string(),
        "--store",
        &store,
        "--db-dir",
        &db1.display().to_string(),
        "--ignorefile",
        &ignore.display().to_string(),
    ]));
    let summary = json(&[
        "store",
        "rematch",
        "--store",
        &store,
        "--db-dir",
        &db2.display().to_string(),
        "--json",
    ]);
    assert_eq!(
        (summary["new"].as_u64(), summary["resolved"].as_u64()),
        (Some(0), Some(0)),
        "an ignored advisory came back as new: {summary:#}"
    );
    let rows = json(&[
        "store",
        "query",
        "finding",
        "DSA-5532-1",
        "--store",
        &store,
        "--json",
    ]);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for r in rows {
        assert_eq!(
            r["finding"]["suppressed"]["reason"], "accepted: not reachable here",
            "{r:#}"
        );
    }
}

#[test]
fn sqlite_scan_query_rematch() {
    let tmp = tempfile::tempdir().unwrap();
    let store = format!("sqlite://{}", tmp.path().join("fleet.sqlite").display());
    scenario(&store, tmp.path());
}

#[test]
fn postgres_scan_query_rematch() {
    let Some(pg) = drydock_testkit::postgres::Postgres::start() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    scenario(&pg.create_database("fleet"), tmp.path());
}

/// Separate processes writing one SQLite store at once (WAL, busy timeout): two roots scanned
/// three times each, all six processes started together, lose nothing and duplicate nothing.
#[test]
fn concurrent_processes_write_one_store() {
    let Some(status) = drydock_testkit::shared("data/advisories/debian12/debian12-old.status")
    else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    if debian_db(&tmp.path().join("db"), &[]).is_none() {
        return;
    }
    let db = tmp.path().join("db").display().to_string();
    let store = tmp.path().join("fleet.sqlite").display().to_string();
    let a = rootfs(&tmp.path().join("a"), &status);
    let b = rootfs(&tmp.path().join("b"), &status);
    // b differs by one package line, so it is another image.
    let text = std::fs::read_to_string(&status).unwrap();
    std::fs::write(
        b.join("var/lib/dpkg/status"),
        format!("{text}\nPackage: drydock-probe\nStatus: install ok installed\nVersion: 1.0-1\nArchitecture: all\n"),
    )
    .unwrap();
    let children: Vec<_> = [&a, &b, &a, &b, &a, &b]
        .iter()
        .map(|root| {
            drydock_testkit::drydock_cmd!()
                .env("DRYDOCK_NO_CACHE", "1")
                .env("DRYDOCK_QUIET", "1")
                .env("DRYDOCK_STORE", &store)
                .args(["rootfs", &root.display().to_string(), "--db-dir", &db])
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let images = json(&["store", "query", "images", "--store", &store, "--json"]);
    assert_eq!(images.as_array().unwrap().len(), 2, "{images:#}");
    for i in images.as_array().unwrap() {
        let n = i["packages"].as_i64().unwrap();
        assert!(n == 19 || n == 20, "{i:#}");
    }
    // Each image's packages once, not once per writer.
    let libc = json(&[
        "store", "query", "package", "libc6", "--store", &store, "--json",
    ]);
    assert_eq!(libc.as_array().unwrap().len(), 2);
}

/// Bad locations and combinations fail clearly, before any image is read.
#[test]
fn store_flag_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let out = drydock(&[
        "rootfs",
        &tmp.path().display().to_string(),
        "--store",
        "mysql://h/db",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("mysql://"));
    let out = drydock(&[
        "rootfs",
        &tmp.path().display().to_string(),
        "--store",
        &tmp.path().join("s.sqlite").display().to_string(),
        "--show-secrets",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--show-secrets"));
    // A query of a store that does not exist says so instead of creating an empty one.
    let missing = tmp.path().join("none.sqlite");
    let out = drydock(&[
        "store",
        "query",
        "images",
        "--store",
        &missing.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!missing.exists());
    // A password in a PostgreSQL URL is never echoed (nothing listens on port 1).
    let out = drydock(&[
        "store",
        "query",
        "images",
        "--store",
        "postgres://u:hunter2@127.0.0.1:1/db",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("hunter2"), "{err}");
    assert!(err.contains("u:***@127.0.0.1:1"), "{err}");
}

/// A secret is stored as the report shows it, redacted: the raw token is nowhere in the store's
/// files, and the stored finding's text is the report's.
#[test]
fn secrets_are_stored_redacted() {
    const TOKEN: &str = "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";
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    std::fs::create_dir_all(root.join("app")).unwrap();
    std::fs::write(root.join("app/.env"), format!("GITHUB_TOKEN={TOKEN}\n")).unwrap();
    let store = tmp.path().join("fleet.sqlite");
    let report = json(&[
        "rootfs",
        &root.display().to_string(),
        "--scanners",
        "secret",
        "-f",
        "json",
        "--store",
        &store.display().to_string(),
    ]);
    let secret = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "secret")
        .expect("the planted token is found")
        .clone();
    let id = secret["id"].as_str().unwrap();
    let stored = json(&[
        "store",
        "query",
        "finding",
        id,
        "--store",
        &store.display().to_string(),
        "--json",
    ]);
    assert_eq!(stored[0]["finding"]["message"], secret["message"]);
    for suffix in ["", "-wal", "-shm"] {
        let path = format!("{}{suffix}", store.display());
        if let Ok(bytes) = std::fs::read(&path) {
            assert!(
                !bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()),
                "the raw token is in {path}"
            );
        }
    }
}
