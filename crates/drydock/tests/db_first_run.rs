//! The advisory database on first use: a scan with none downloads it (from a `file://` mirror in
//! osv.dev's layout here), `--skip-db-update` and `--offline` never do, a failed download warns
//! naming the URL and scans without vulnerabilities (or fails when `--scanners vuln` was asked
//! for), stale data warns and fails past `--db-max-age`, and `db info` prints a table.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

/// The real advisories in ../shared, or `None` (skipped outside CI).
fn advisories() -> Option<PathBuf> {
    drydock_testkit::shared("data/advisories")
}

/// osv.dev's layout for every ecosystem drydock downloads by default, each export holding real
/// records from ../shared: Go, crates.io and Debian their own, the others the one real GHSA
/// record (a mirror's exports only need to be valid OSV for this test).
fn mirror(dir: &Path, shared: &Path) {
    for eco in drydock_vulndb::UpdateOptions::default().ecosystems {
        let src = shared.join(match eco.as_str() {
            "Go" => "govulndb",
            "crates.io" => "rustsec",
            "Debian" => "debian12",
            _ => "ghsa",
        });
        std::fs::create_dir_all(dir.join(&eco)).unwrap();
        let mut z =
            zip::ZipWriter::new(std::fs::File::create(dir.join(&eco).join("all.zip")).unwrap());
        let opts = zip::write::SimpleFileOptions::default();
        for e in std::fs::read_dir(&src).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "json") {
                z.start_file(p.file_name().unwrap().to_str().unwrap(), opts)
                    .unwrap();
                z.write_all(&std::fs::read(&p).unwrap()).unwrap();
            }
        }
        z.finish().unwrap();
    }
}

fn drydock(home: &Path, args: &[&str]) -> Output {
    drydock_testkit::drydock_cmd!()
        .args(args)
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env_remove("DRYDOCK_DB_DIR")
        .env_remove("DRYDOCK_DB_URL")
        .env_remove("DRYDOCK_OFFLINE")
        .env_remove("DRYDOCK_SKIP_DB_UPDATE")
        .output()
        .unwrap()
}

/// A root filesystem with a Go binary's module list is more than this test needs: an empty
/// directory scans (no packages) and shows whether the database was fetched.
fn rootfs(home: &Path) -> String {
    let root = home.join("root");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    root.to_str().unwrap().to_owned()
}

#[test]
fn first_scan_downloads_then_later_scans_reuse() {
    let Some(shared) = advisories() else { return };
    let home = tempfile::tempdir().unwrap();
    let m = home.path().join("mirror");
    mirror(&m, &shared);
    let url = format!("file://{}", m.display());
    let root = rootfs(home.path());

    // --skip-db-update and --offline: no download, the scan says vulnerabilities were skipped.
    for flag in ["--skip-db-update", "--offline"] {
        let out = drydock(home.path(), &["rootfs", &root, flag, "--db-url", &url]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("vulnerabilities not checked") && err.contains(flag),
            "{flag}: {err}"
        );
        let db = drydock_vulndb::Database::path_in(&home.path().join("cache/drydock/db"));
        assert!(!db.exists(), "{flag} downloaded nothing");
        let out = drydock(home.path(), &["rootfs", &root, flag, "--scanners", "vuln"]);
        assert_eq!(out.status.code(), Some(2), "{flag} with --scanners vuln");
        assert!(String::from_utf8_lossy(&out.stderr).contains(flag));
    }

    // First use: downloaded, said so, then scanned with it.
    let out = drydock(
        home.path(),
        &["rootfs", &root, "--db-url", &url, "--format", "json"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("downloading") && err.contains(&url), "{err}");
    assert!(!err.contains("vulnerabilities not checked"), "{err}");
    let info = drydock(home.path(), &["db", "info", "--json"]);
    let info: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    assert!(info["advisories"].as_u64().unwrap() > 50, "{info}");

    // Second use: nothing downloaded again.
    let out = drydock(
        home.path(),
        &["rootfs", &root, "--db-url", "file:///nonexistent"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && !err.contains("downloading"),
        "{err}"
    );

    // Sneakernet: export to one file, import it elsewhere; a damaged file changes nothing.
    let bundle = home.path().join("advisories.db.zst");
    let out = drydock(home.path(), &["db", "export", bundle.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let other = home.path().join("other-db");
    let other_arg = other.to_str().unwrap();
    let out = drydock(
        home.path(),
        &[
            "db",
            "import",
            bundle.to_str().unwrap(),
            "--db-dir",
            other_arg,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let count = |dir: &str| {
        let out = drydock(home.path(), &["db", "info", "--json", "--db-dir", dir]);
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["advisories"].clone()
    };
    assert_eq!(count(other_arg), info["advisories"]);
    let bytes = std::fs::read(&bundle).unwrap();
    let damaged = home.path().join("damaged.db.zst");
    std::fs::write(&damaged, &bytes[..bytes.len() / 2]).unwrap();
    let not_a_db = home.path().join("not-a-db.zst");
    std::fs::write(
        &not_a_db,
        zstd::encode_all(&b"hello, not SQLite"[..], 3).unwrap(),
    )
    .unwrap();
    for bad in [&damaged, &not_a_db] {
        let out = drydock(
            home.path(),
            &["db", "import", bad.to_str().unwrap(), "--db-dir", other_arg],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("unchanged"), "{err}");
        assert_eq!(
            count(other_arg),
            info["advisories"],
            "the old database is kept"
        );
    }

    // The table form of db info.
    let out = drydock(home.path(), &["db", "info"]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("imported") && table.contains("Go"),
        "{table}"
    );

    // Freshness: SOURCE_DATE_EPOCH moves "now" 30 days on.
    let later = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 30 * 86_400)
        .to_string();
    let stale = |extra: &[&str]| {
        let mut args = vec!["rootfs", root.as_str()];
        args.extend(extra);
        drydock_testkit::drydock_cmd!()
            .args(&args)
            .env("HOME", home.path())
            .env("XDG_CACHE_HOME", home.path().join("cache"))
            .env("SOURCE_DATE_EPOCH", &later)
            .output()
            .unwrap()
    };
    let out = stale(&[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && err.contains("days old"), "{err}");
    let out = stale(&["--db-max-age", "7d"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--db-max-age"));
}

#[test]
fn a_failed_first_download_warns_and_scans_or_fails_when_vulns_were_asked_for() {
    let home = tempfile::tempdir().unwrap();
    let root = rootfs(home.path());
    let url = "http://127.0.0.1:9/osv"; // discard port: nothing listens
    let out = drydock(home.path(), &["rootfs", &root, "--db-url", url]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("warning") && err.contains(url) && err.contains("vulnerabilities not checked"),
        "{err}"
    );
    let out = drydock(
        home.path(),
        &["rootfs", &root, "--db-url", url, "--scanners", "vuln"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(url));
}
