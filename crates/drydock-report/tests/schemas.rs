//! Machine-readable formats validate against their official JSON schemas (vendored in
//! `schemas/`, from the CycloneDX and SARIF projects' published packages).
#![allow(clippy::unwrap_used)]

use drydock_analyze::Engine;
use drydock_finding::Kind;
use drydock_fs::Limits;
use drydock_image::{Image, OpenOptions};
use drydock_report::Report;
use drydock_testkit::*;
use serde_json::Value;
use std::path::Path;

const STATUS: &str = "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\nVersion: 2.36-9+deb12u9\nMaintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>\n\nPackage: openssl\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3.0.15-1~deb12u1\n\n";

fn schema(name: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schemas")
        .join(name);
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

/// Serves the vendored schemas that the main schema refers to; nothing is fetched.
struct Vendored(Vec<(String, Value)>);

impl jsonschema::Retrieve for Vendored {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        self.0
            .iter()
            .find(|(u, _)| u == uri.as_str())
            .map(|(_, v)| v.clone())
            .ok_or_else(|| format!("schema {uri} is not vendored").into())
    }
}

fn validate(schema_doc: Value, extra: &[(&str, &str)], doc: &str) {
    let vendored = Vendored(
        extra
            .iter()
            .map(|(u, f)| ((*u).to_owned(), schema(f)))
            .collect(),
    );
    let validator = jsonschema::options()
        .with_retriever(vendored)
        .build(&schema_doc)
        .unwrap();
    let instance: Value = serde_json::from_str(doc).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{} schema errors, first: {:#?}",
        errors.len(),
        &errors[..errors.len().min(10)]
    );
}

fn cyclonedx_valid(doc: &str) {
    validate(
        schema("bom-1.6.SNAPSHOT.schema.json"),
        &[
            (
                "http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json",
                "spdx.SNAPSHOT.schema.json",
            ),
            (
                "http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json",
                "jsf-0.82.SNAPSHOT.schema.json",
            ),
        ],
        doc,
    );
}

fn render(path: &Path, f: impl Fn(&Report<'_>) -> String) -> String {
    let image = Image::open(path, &OpenOptions::default()).unwrap();
    let scan = Engine::builtin(Limits::default())
        .unwrap()
        .scan(&image, &|_| {})
        .unwrap();
    let findings = drydock_scan::run(
        &drydock_scan::Input {
            image: &image,
            scan: &scan,
            options: &Default::default(),
        },
        &[Kind::Misconfiguration],
    );
    let report = Report::new(&image, &scan, &findings);
    f(&report)
}

fn small_image(dir: &Path) {
    image(vec![
        layer(vec![
            file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
            file("var/lib/dpkg/status", STATUS),
        ]),
        layer(vec![file(
            "var/lib/dpkg/status",
            STATUS.replace("3.0.15-1~deb12u1", "3.0.16-1~deb12u1"),
        )]),
    ])
    .write_oci_dir(dir);
}

#[test]
fn cyclonedx_is_valid_1_6() {
    let tmp = tempfile::tempdir().unwrap();
    small_image(tmp.path());
    let doc = render(tmp.path(), drydock_report::cyclonedx);
    cyclonedx_valid(&doc);
    let v: Value = serde_json::from_str(&doc).unwrap();
    let purls: Vec<&str> = v["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["purl"].as_str())
        .collect();
    // Only the database present in the final view counts: the upgraded openssl, once.
    assert_eq!(
        purls,
        [
            "pkg:deb/debian/libc6@2.36-9%2Bdeb12u9?arch=amd64&distro=debian-12",
            "pkg:deb/debian/openssl@3.0.16-1~deb12u1?arch=amd64&distro=debian-12"
        ]
    );
}

#[test]
fn spdx_is_valid_2_3() {
    let tmp = tempfile::tempdir().unwrap();
    small_image(tmp.path());
    let doc = render(tmp.path(), drydock_report::spdx);
    validate(schema("spdx-2.3.schema.json"), &[], &doc);
    let v: Value = serde_json::from_str(&doc).unwrap();
    let purls: Vec<&str> = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["externalRefs"][0]["referenceLocator"].as_str())
        .collect();
    assert_eq!(purls.len(), 2, "{doc}");
    assert!(purls.contains(&"pkg:deb/debian/openssl@3.0.16-1~deb12u1?arch=amd64&distro=debian-12"));
    let rels = v["relationships"].as_array().unwrap();
    assert_eq!(rels[0]["relationshipType"], "DESCRIBES");
    assert_eq!(
        rels.iter()
            .filter(|r| r["relationshipType"] == "CONTAINS")
            .count(),
        3,
        "OS + 2 packages"
    );
}

#[test]
fn cyclonedx_of_debian_min_is_valid() {
    let Some(p) = drydock_testkit::shared("images/debian-min.oci") else {
        return;
    };
    let doc = render(&p, drydock_report::cyclonedx);
    cyclonedx_valid(&doc);
    let v: Value = serde_json::from_str(&doc).unwrap();
    assert_eq!(
        v["components"].as_array().unwrap().len(),
        89,
        "88 packages and the OS"
    );
}

/// An image where image rules fire, so the SARIF has rules and results of several levels.
fn findings_image(dir: &Path) {
    let mut spec = image(vec![layer(vec![
        file("etc/os-release", "ID=debian\nVERSION_ID=\"10\"\n"),
        file_mode("usr/local/bin/x", "elf", 0o4755),
    ])]);
    spec.exposed = vec!["2375/tcp".into()];
    spec.write_oci_dir(dir);
}

#[test]
fn sarif_is_valid_2_1_0() {
    let tmp = tempfile::tempdir().unwrap();
    findings_image(tmp.path());
    let doc = render(tmp.path(), drydock_report::sarif);
    validate(schema("sarif-2.1.0.json"), &[], &doc);
    let v: Value = serde_json::from_str(&doc).unwrap();
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert!(rules.len() >= 4 && results.len() >= 4, "{doc}");
    for res in results {
        let idx = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], res["ruleId"]);
        assert!(
            res["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
                >= 1
        );
    }
    let setuid = results
        .iter()
        .find(|r| r["ruleId"] == "DD-IMG-004")
        .unwrap();
    assert_eq!(
        setuid["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "usr/local/bin/x"
    );
    assert!(
        rules
            .iter()
            .all(|r| r["properties"]["security-severity"].is_string())
    );
}

#[test]
fn junit_is_well_formed_enough_for_dashboards() {
    let tmp = tempfile::tempdir().unwrap();
    findings_image(tmp.path());
    let doc = render(tmp.path(), drydock_report::junit);
    assert!(doc.starts_with("<?xml"));
    assert_eq!(doc.matches("<testsuite ").count(), 4);
    assert_eq!(
        doc.matches("<testsuite ").count(),
        doc.matches("</testsuite>").count()
    );
    assert_eq!(
        doc.matches("<failure").count(),
        doc.matches("</failure>").count()
    );
    assert!(doc.contains("DD-IMG-004"));
    assert!(doc.contains("name=\"no secret findings\""));
}

#[test]
fn cyclonedx_carries_lockfile_dependencies() {
    let tmp = tempfile::tempdir().unwrap();
    let lock = r#"{"lockfileVersion":3,"packages":{"":{"dependencies":{"express":"4.18.2"}},
        "node_modules/express":{"version":"4.18.2","dependencies":{"ms":"2.1.3"}},
        "node_modules/ms":{"version":"2.1.3"}}}"#;
    image(vec![layer(vec![file("app/package-lock.json", lock)])]).write_oci_dir(tmp.path());
    let doc = render(tmp.path(), drydock_report::cyclonedx);
    cyclonedx_valid(&doc);
    let v: Value = serde_json::from_str(&doc).unwrap();
    let deps = v["dependencies"].as_array().unwrap();
    let express = deps
        .iter()
        .find(|d| d["ref"] == "pkg:npm/express@4.18.2")
        .unwrap_or_else(|| panic!("{doc}"));
    assert_eq!(
        express["dependsOn"],
        serde_json::json!(["pkg:npm/ms@2.1.3"])
    );
}

#[test]
fn cyclonedx_vex_lists_open_and_suppressed_vulnerabilities() {
    use drydock_finding::{Finding, Location, Severity, Suppressed};
    let tmp = tempfile::tempdir().unwrap();
    small_image(tmp.path());
    let image = Image::open(tmp.path(), &OpenOptions::default()).unwrap();
    let scan = Engine::builtin(Limits::default())
        .unwrap()
        .scan(&image, &|_| {})
        .unwrap();
    let purl = scan
        .packages
        .iter()
        .find(|p| p.name == "openssl")
        .unwrap()
        .purl
        .clone();
    let vuln = |id: &str| Finding {
        id: id.into(),
        kind: Kind::Vulnerability,
        severity: Severity::High,
        severity_source: None,
        status: None,
        title: "a flaw".into(),
        message: "openssl 3.0.16-1~deb12u1: fixed in 3.0.17-1~deb12u1".into(),
        description: None,
        location: Location::default(),
        package: Some(purl.clone()),
        fix: Some("Upgrade openssl to 3.0.17-1~deb12u1 or later.".into()),
        references: vec!["CVE-2025-0001".into()],
        vulnerability: None,
    };
    let findings = vec![vuln("CVE-2025-0001")];
    let suppressed = vec![Suppressed {
        finding: vuln("CVE-2025-0002"),
        suppressed_by: ".drydockignore:3".into(),
        reason: "not reachable".into(),
    }];
    let doc = drydock_report::cyclonedx(
        &Report::new(&image, &scan, &findings).with_suppressed(&suppressed),
    );
    cyclonedx_valid(&doc);
    let v: Value = serde_json::from_str(&doc).unwrap();
    let vulns = v["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), 2);
    assert_eq!(vulns[0]["affects"][0]["ref"], purl.as_str());
    assert_eq!(vulns[1]["analysis"]["state"], "not_affected");
}
