//! `--policy` end to end: the example policies in docs/policies over config files, an image and
//! a host; a broken policy next to them is a note, not a failed scan.
#![allow(clippy::unwrap_used)]

use drydock_testkit::*;
use std::path::{Path, PathBuf};
use std::process::Output;

fn drydock_in(dir: &Path, args: &[&str]) -> Output {
    drydock_testkit::drydock_cmd!()
        .args(args)
        .current_dir(dir)
        .env("DRYDOCK_QUIET", "1")
        // No user drydock.toml from the machine running the tests.
        .env("XDG_CONFIG_HOME", dir)
        .output()
        .unwrap()
}

fn json_in(dir: &Path, args: &[&str]) -> serde_json::Value {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let out = drydock_in(dir, &a);
    assert!(
        out.status.success(),
        "drydock {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/policies")
}

fn findings<'a>(r: &'a serde_json::Value, id: &str) -> Vec<&'a serde_json::Value> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == id)
        .collect()
}

#[test]
fn config_with_example_policies_reports_custom_findings_with_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    std::fs::create_dir_all(src.join("deploy")).unwrap();
    std::fs::write(
        src.join("Dockerfile"),
        "FROM golang:1.22 AS build\nRUN go build -o /app .\n\nFROM registry.acme.io/base:1\nCOPY --from=build /app /app\n",
    )
    .unwrap();
    std::fs::write(
        src.join("deploy/web.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: registry.acme.io/web:1\n          resources:\n            limits:\n              memory: 128Mi\n        - name: sidecar\n          image: registry.acme.io/proxy:1\n",
    )
    .unwrap();
    let extra = tmp.path().join("more-policies");
    std::fs::create_dir_all(&extra).unwrap();
    std::fs::write(
        extra.join("broken.rego"),
        "package user.broken\n\nimport rego.v1\n\ndeny contains msg if {\n\tmsg := \n}\n",
    )
    .unwrap();

    let r = json_in(
        tmp.path(),
        &[
            "config",
            src.to_str().unwrap(),
            "--policy",
            examples().to_str().unwrap(),
            "--policy",
            extra.to_str().unwrap(),
        ],
    );
    let df = findings(&r, "ACME-DF-001");
    assert_eq!(df.len(), 1, "{}", r["findings"]);
    assert_eq!(df[0]["location"]["line"], 1);
    assert!(
        df[0]["location"]["path"]
            .as_str()
            .unwrap()
            .ends_with("Dockerfile")
    );
    assert_eq!(df[0]["severity"], "HIGH");
    assert_eq!(df[0]["kind"], "misconfiguration");
    assert_eq!(
        df[0]["message"],
        "FROM golang:1.22: not from an approved registry"
    );
    let k8s = findings(&r, "ACME-K8S-001");
    assert_eq!(k8s.len(), 1, "{}", r["findings"]);
    assert_eq!(k8s[0]["location"]["line"], 14, "the sidecar's list item");
    // drydock's own rules still run alongside.
    assert!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"].as_str().unwrap().starts_with("DD-")),
        "{}",
        r["findings"]
    );
    let notes = r["notes"].to_string();
    assert!(
        notes.contains("broken.rego:6") || notes.contains("broken.rego:7"),
        "the broken policy is named with its line: {notes}"
    );

    // Suppression applies to custom findings like any other.
    std::fs::write(
        tmp.path().join(".drydockignore"),
        "ACME-K8S-001 # sidecar limits come from the mesh injector\n",
    )
    .unwrap();
    let r = json_in(
        tmp.path(),
        &[
            "config",
            src.to_str().unwrap(),
            "--policy",
            examples().to_str().unwrap(),
        ],
    );
    assert!(findings(&r, "ACME-K8S-001").is_empty());
    assert_eq!(findings(&r, "ACME-DF-001").len(), 1);
}

#[test]
fn image_and_host_with_policies_from_drydock_toml() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("img.tar");
    let mut spec = image(vec![layer(vec![file(
        "etc/os-release",
        "ID=debian\nVERSION_ID=12\n",
    )])]);
    spec.env = vec!["PATH=/usr/bin".into(), "DEBUG=1".into()];
    spec.exposed = vec!["22/tcp".into()];
    spec.write_docker_archive(&archive);
    // The policy path comes from the project's drydock.toml.
    std::fs::write(
        tmp.path().join("drydock.toml"),
        format!("policy = [{:?}]\n", examples().to_str().unwrap()),
    )
    .unwrap();
    let r = json_in(
        tmp.path(),
        &[
            "image",
            archive.to_str().unwrap(),
            "--scanners",
            "misconfig",
        ],
    );
    let img = findings(&r, "ACME-IMG-001");
    let messages: Vec<_> = img.iter().map(|f| f["message"].as_str().unwrap()).collect();
    assert_eq!(img.len(), 2, "{}", r["findings"]);
    assert!(messages.contains(&"image exposes the SSH port 22/tcp"));
    assert!(img.iter().all(|f| f["location"]["path"] == "config"));
    // Without the misconfiguration scanner, custom checks do not run either.
    let r = json_in(
        tmp.path(),
        &["image", archive.to_str().unwrap(), "--scanners", "secret"],
    );
    assert!(findings(&r, "ACME-IMG-001").is_empty());

    // `drydock host`: daemon.json is a `docker-daemon` document.
    let root = tmp.path().join("host");
    std::fs::create_dir_all(root.join("etc/docker")).unwrap();
    std::fs::write(
        root.join("etc/docker/daemon.json"),
        "{\n  \"live-restore\": false\n}\n",
    )
    .unwrap();
    let policies = tmp.path().join("host-policies");
    std::fs::create_dir_all(&policies).unwrap();
    std::fs::write(
        policies.join("live_restore.rego"),
        "# METADATA\n# title: live-restore off\n# custom:\n#   id: ACME-HOST-001\n#   severity: LOW\n#   input:\n#     selector:\n#     - type: docker-daemon\npackage user.host.live_restore\n\nimport rego.v1\n\ndeny contains \"live-restore is off: containers stop when the daemon restarts\" if {\n\tnot input[\"live-restore\"]\n}\n",
    )
    .unwrap();
    let r = json_in(
        tmp.path(),
        &[
            "host",
            "--root",
            root.to_str().unwrap(),
            "--policy",
            policies.to_str().unwrap(),
        ],
    );
    let host = findings(&r, "ACME-HOST-001");
    assert_eq!(host.len(), 1, "{}", r["findings"]);
    assert_eq!(host[0]["location"]["path"], "/etc/docker/daemon.json");
    assert_eq!(host[0]["severity"], "LOW");

    // A --policy path that does not exist is an error, not a silent no-op.
    let out = drydock_in(
        tmp.path(),
        &["config", root.to_str().unwrap(), "--policy", "/no/such/dir"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/dir"));
}
