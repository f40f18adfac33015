//! `drydock sbom-scan`: drydock's own CycloneDX and SPDX of a real image, scanned back, give
//! exactly the vulnerabilities of scanning the image; SBOMs in Syft's and Trivy's shapes keep
//! their distribution and source packages; bad input is a clear error.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::Path;

fn run(args: &[&str]) -> std::process::Output {
    drydock_testkit::drydock_cmd!()
        .env("DRYDOCK_NO_CACHE", "1")
        .env("DRYDOCK_QUIET", "1")
        .args(args)
        .output()
        .unwrap()
}

/// (id, purl) of every vulnerability finding of a JSON report.
fn vulns(out: &std::process::Output) -> BTreeSet<(String, String)> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "vulnerability")
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_owned(),
                f["package"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// A database of the 34 real Debian 12 DSAs in ../shared (their OSV records, not `raw/`).
fn debian_db(dir: &Path) -> Option<()> {
    let dsa = drydock_testkit::shared("data/advisories/debian12")?;
    let mut args = vec![
        "db".to_owned(),
        "import".into(),
        "--db-dir".into(),
        dir.display().to_string(),
    ];
    for e in std::fs::read_dir(dsa).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            args.push(p.display().to_string());
        }
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(())
}

#[test]
fn own_cyclonedx_and_spdx_give_the_image_scan_vulnerabilities() {
    // A real Debian 12 dpkg database aged to older bookworm versions (31 affected rows in its
    // ground truth), in a root filesystem with os-release.
    let Some(status) = drydock_testkit::shared("data/advisories/debian12/debian12-old.status")
    else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    if debian_db(&db).is_none() {
        return;
    }
    let root = tmp.path().join("root");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::create_dir_all(root.join("var/lib/dpkg")).unwrap();
    std::fs::write(
        root.join("etc/os-release"),
        "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n",
    )
    .unwrap();
    std::fs::copy(status, root.join("var/lib/dpkg/status")).unwrap();
    let db = db.to_str().unwrap();
    let root = root.to_str().unwrap();
    let image = vulns(&run(&[
        "rootfs",
        root,
        "--scanners",
        "vuln",
        "--db-dir",
        db,
        "--format",
        "json",
    ]));
    assert!(
        image.len() >= 10,
        "the aged packages have known vulnerabilities: {image:?}"
    );
    for format in ["cyclonedx", "spdx-json"] {
        let sbom = tmp.path().join(format!("sbom.{format}.json"));
        let out = run(&[
            "sbom",
            root,
            "--format",
            format,
            "--output",
            sbom.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let back = vulns(&run(&[
            "sbom-scan",
            sbom.to_str().unwrap(),
            "--db-dir",
            db,
            "--format",
            "json",
        ]));
        assert_eq!(back, image, "{format}");
    }
}

/// Syft writes the distribution in the purl (`distro=debian-12`) and the source as
/// `upstream=`; Trivy writes `distro=3.19.1`-style qualifiers, `SrcName` properties and an
/// `operating-system` component. Both must reach the Debian advisories by source package.
#[test]
fn syft_and_trivy_shapes_keep_distro_and_source() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    if debian_db(&db).is_none() {
        return;
    }
    // libc6 of glibc 2.36-9+deb12u1: DSA-5514-1 fixed glibc in 2.36-9+deb12u3.
    let syft = serde_json::json!({
        "spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "x",
        "packages": [{
            "name": "libc6", "SPDXID": "SPDXRef-Package-deb-libc6", "versionInfo": "2.36-9+deb12u1",
            "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
              "referenceLocator": "pkg:deb/debian/libc6@2.36-9%2Bdeb12u1?arch=amd64&upstream=glibc&distro=debian-12"}]
        }]
    });
    let trivy = serde_json::json!({
        "bomFormat": "CycloneDX", "specVersion": "1.5",
        "components": [
            {"type": "operating-system", "name": "debian", "version": "12.1"},
            {"type": "library", "name": "libc6", "version": "2.36-9+deb12u1",
             "purl": "pkg:deb/debian/libc6@2.36-9%2Bdeb12u1?arch=amd64&distro=debian-12.1",
             "properties": [{"name": "aquasecurity:trivy:SrcName", "value": "glibc"},
                            {"name": "aquasecurity:trivy:SrcVersion", "value": "2.36-9+deb12u1"}]}
        ]
    });
    for (name, doc) in [("syft.spdx.json", syft), ("trivy.cdx.json", trivy)] {
        let path = tmp.path().join(name);
        std::fs::write(&path, doc.to_string()).unwrap();
        let found = vulns(&run(&[
            "sbom-scan",
            path.to_str().unwrap(),
            "--db-dir",
            db.to_str().unwrap(),
            "--format",
            "json",
        ]));
        assert!(
            found
                .iter()
                .any(|(id, purl)| id.starts_with("CVE-") && purl.contains("libc6")),
            "{name}: {found:?}"
        );
    }
}

#[test]
fn unknown_distro_and_bad_input_are_said() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    if debian_db(&db).is_none() {
        return;
    }
    let db = db.to_str().unwrap();
    // A deb purl with no namespace and no OS component: the distribution is unknown.
    let lost = tmp.path().join("lost.json");
    std::fs::write(
        &lost,
        r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[
            {"type":"library","name":"libc6","version":"2.36-9","purl":"pkg:deb/libc6@2.36-9"}]}"#,
    )
    .unwrap();
    let out = run(&[
        "sbom-scan",
        lost.to_str().unwrap(),
        "--db-dir",
        db,
        "--format",
        "json",
    ]);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("libc6: OS unknown"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    for (body, want) in [
        (
            "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.2\"}",
            "CycloneDX 1.2 is not supported",
        ),
        ("{\"hello\":1}", "neither CycloneDX"),
        ("not json", "not JSON"),
    ] {
        let bad = tmp.path().join("bad.json");
        std::fs::write(&bad, body).unwrap();
        let out = run(&["sbom-scan", bad.to_str().unwrap(), "--db-dir", db]);
        assert_eq!(out.status.code(), Some(2), "{body}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(want),
            "{body}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `--ignore-status` (Trivy's flag): `fixed` and `affected` filter, every finding says its
/// status, and a status OSV data does not carry is refused rather than silently ignored.
#[test]
fn ignore_status_filters_what_osv_tells_and_refuses_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    if debian_db(&db).is_none() {
        return;
    }
    let sbom = tmp.path().join("s.json");
    std::fs::write(
        &sbom,
        r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[
            {"type":"operating-system","name":"debian","version":"12"},
            {"type":"library","name":"libc6","version":"2.36-9+deb12u1",
             "purl":"pkg:deb/debian/libc6@2.36-9%2Bdeb12u1?distro=debian-12",
             "properties":[{"name":"drydock:package:source_name","value":"glibc"}]}]}"#,
    )
    .unwrap();
    let scan = |extra: &[&str]| {
        let mut args = vec![
            "sbom-scan",
            sbom.to_str().unwrap(),
            "--db-dir",
            db.to_str().unwrap(),
            "--format",
            "json",
        ];
        args.extend(extra);
        run(&args)
    };
    let out = scan(&[]);
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = r["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    assert!(
        findings.iter().all(|f| f["status"] == "fixed"),
        "{findings:?}"
    );
    assert!(vulns(&scan(&["--ignore-status", "fixed"])).is_empty());
    assert_eq!(
        vulns(&scan(&["--ignore-status", "affected"])).len(),
        findings.len()
    );
    let out = scan(&["--ignore-status", "will_not_fix"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("OSV advisory data says whether"));
}
