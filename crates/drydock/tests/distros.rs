//! OS packages of the rpm distributions end to end: a root filesystem with a real rpm
//! database and os-release, scanned by the binary against an imported advisory.
#![allow(clippy::unwrap_used)]

use std::path::Path;

fn run(args: &[&str]) -> std::process::Output {
    drydock_testkit::drydock_cmd!()
        .env("DRYDOCK_NO_CACHE", "1")
        .env("DRYDOCK_QUIET", "1")
        .args(args)
        .output()
        .unwrap()
}

/// A root with `os-release` and, when given, the real SLE 15 SP3 NDB rpm database.
fn root(dir: &Path, os_release: &str, ndb: Option<&Path>) {
    std::fs::create_dir_all(dir.join("etc")).unwrap();
    std::fs::write(dir.join("etc/os-release"), os_release).unwrap();
    if let Some(ndb) = ndb {
        let rpm = dir.join("usr/lib/sysimage/rpm");
        std::fs::create_dir_all(&rpm).unwrap();
        std::fs::copy(ndb, rpm.join("Packages.db")).unwrap();
    }
}

#[test]
fn sles_packages_match_the_module_they_ship_in() {
    let Some(ndb) = drydock_testkit::shared("data/pkgdb/rpm/sle15-bci-ndb/Packages.db") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let advisory = tmp.path().join("suse.json");
    std::fs::write(
        &advisory,
        r#"{"id":"SUSE-SU-TEST:0001-1","upstream":["CVE-TEST-0002"],
 "affected":[{"package":{"ecosystem":"SUSE:Linux Enterprise Module for Basesystem 15 SP3","name":"glibc"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.31-150300.9.1"}]}]}]}"#,
    )
    .unwrap();
    let db = tmp.path().join("db");
    let out = run(&[
        "db",
        "import",
        "--db-dir",
        db.to_str().unwrap(),
        advisory.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sles = tmp.path().join("sles");
    root(
        &sles,
        "NAME=\"SLES\"\nVERSION=\"15-SP3\"\nVERSION_ID=\"15.3\"\nID=\"sles\"\nPRETTY_NAME=\"SUSE Linux Enterprise Server 15 SP3\"\n",
        Some(&ndb),
    );
    let out = run(&[
        "rootfs",
        sles.to_str().unwrap(),
        "--scanners",
        "vuln",
        "--db-dir",
        db.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<(&str, &str)> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].as_str().unwrap(), f["message"].as_str().unwrap()))
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(ids[0].0, "CVE-TEST-0002");
    assert!(ids[0].1.starts_with("glibc 2.31-9.3.2"), "{ids:?}");
}

#[test]
fn a_distribution_without_advisories_is_said_not_clean() {
    let Some(ndb) = drydock_testkit::shared("data/pkgdb/rpm/sle15-bci-ndb/Packages.db") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    // Any database: Amazon Linux has no OSV source whatever it holds.
    let adv = tmp.path().join("go.json");
    std::fs::write(
        &adv,
        r#"{"id":"GO-TEST-0001","affected":[{"package":{"ecosystem":"Go","name":"example.org/x"},
 "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.0"}]}]}]}"#,
    )
    .unwrap();
    assert!(
        run(&[
            "db",
            "import",
            "--db-dir",
            db.to_str().unwrap(),
            adv.to_str().unwrap()
        ])
        .status
        .success()
    );
    let amzn = tmp.path().join("amzn");
    root(
        &amzn,
        "NAME=\"Amazon Linux\"\nVERSION=\"2023\"\nID=\"amzn\"\nVERSION_ID=\"2023\"\nPRETTY_NAME=\"Amazon Linux 2023\"\n",
        Some(&ndb),
    );
    let out = run(&[
        "rootfs",
        amzn.to_str().unwrap(),
        "--scanners",
        "vuln",
        "--db-dir",
        db.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("amzn packages: no advisory source for this OS (Amazon Linux 2023)"),
        "{text}"
    );
}
