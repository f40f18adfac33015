//! `drydock image REF` against a real registry (Debian's `docker-registry`, distribution 2.8)
//! holding `../shared/images/debian-min.oci` pushed with `skopeo`: the report equals the
//! layout's (bar the target), a warm re-scan with the layer cache issues no layer-blob request
//! (by the registry's access log), and Basic auth works from `--password-stdin` only.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use drydock_testkit::registry::Registry;

fn layout() -> Option<PathBuf> {
    drydock_testkit::shared("images/debian-min.oci")
}

fn scan(target: &str, cache: &Path) -> serde_json::Value {
    let out = drydock_testkit::drydock_cmd!()
        .args(["image", target, "--format", "json", "--cache-dir"])
        .arg(cache)
        .env("DOCKER_CONFIG", cache)
        .env_remove("REGISTRY_AUTH_FILE")
        .env_remove("DRYDOCK_USERNAME")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{target}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn registry_scan_equals_layout_scan_and_warm_rescan_fetches_no_layer() {
    let Some(root) = layout() else { return };
    let cache = tempfile::tempdir().unwrap();
    let local_cache = tempfile::tempdir().unwrap();
    let local = scan(root.to_str().unwrap(), local_cache.path());
    let Some(registry) = Registry::start() else {
        return;
    };
    registry.push_oci(&root, "debian:12", false);
    let reference = format!("{}/debian:12", registry.host);
    let remote = scan(&reference, cache.path());
    assert_eq!(remote["target"]["reference"], reference.as_str());
    assert_eq!(remote["target"]["kind"], "registry");
    for key in ["image", "os", "layers", "packages", "findings", "totals"] {
        assert_eq!(remote[key], local[key], "{key} differs");
    }
    assert!(remote["packages"].as_array().is_some_and(|p| !p.is_empty()));
    let layers: Vec<String> = remote["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| format!("GET /v2/debian/blobs/{}", l["digest"].as_str().unwrap()))
        .collect();
    let cold = registry.requests();
    assert!(layers.iter().all(|l| cold.contains(l)), "{cold:?}");
    let warm = scan(&reference, cache.path());
    assert_eq!(warm["packages"], remote["packages"]);
    let warm_log = registry.requests().split_off(cold.len());
    assert!(
        warm_log
            .iter()
            .any(|r| r.starts_with("GET /v2/debian/manifests/")),
        "warm re-scan did not reach the registry: {warm_log:?}"
    );
    assert!(
        !warm_log.iter().any(|p| layers.contains(p)),
        "warm re-scan fetched a layer blob: {warm_log:?}"
    );
    // Manifests and the config only: the one blob GET is the config's.
    let config = format!(
        "GET /v2/debian/blobs/{}",
        warm["image"]["id"].as_str().unwrap()
    );
    let blob_gets: Vec<&String> = warm_log.iter().filter(|r| r.contains("/blobs/")).collect();
    assert_eq!(blob_gets, [&config], "{warm_log:?}");
    assert!(
        warm_log
            .iter()
            .all(|r| r == &config || r.starts_with("GET /v2/debian/manifests/") || r == "GET /v2/"),
        "{warm_log:?}"
    );
}

#[test]
fn basic_auth_from_password_stdin_and_never_printed() {
    let Some(root) = layout() else { return };
    let password = "s3cret-Registry-Pass";
    let Some(registry) = Registry::with_basic_auth("scanner", password) else {
        return;
    };
    registry.push_oci(&root, "debian:12", false);
    let reference = format!("{}/debian:12", registry.host);
    let run = |args: &[&str], stdin: &str| {
        let home = tempfile::tempdir().unwrap();
        let mut child = drydock_testkit::drydock_cmd!()
            .args(["image", &reference, "--format", "json", "--no-cache", "-q"])
            .args(args)
            .env("DOCKER_CONFIG", home.path())
            .env("HOME", home.path())
            .env_remove("REGISTRY_AUTH_FILE")
            .env_remove("XDG_RUNTIME_DIR")
            .env_remove("DRYDOCK_USERNAME")
            .env_remove("DRYDOCK_PASSWORD")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    // Without credentials the registry says 401 and the scan fails, naming the reference.
    let anon = run(&[], "");
    assert!(!anon.status.success());
    assert!(String::from_utf8_lossy(&anon.stderr).contains(&reference));
    // A wrong password fails too, and neither password is echoed.
    let wrong = run(
        &["--username", "scanner", "--password-stdin"],
        "not-the-pass\n",
    );
    assert!(!wrong.status.success());
    let err = String::from_utf8_lossy(&wrong.stderr);
    assert!(!err.contains("not-the-pass"), "{err}");
    // The right one scans.
    let ok = run(
        &["--username", "scanner", "--password-stdin"],
        &format!("{password}\n"),
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert!(report["packages"].as_array().is_some_and(|p| !p.is_empty()));
    for out in [&ok.stdout, &ok.stderr, &anon.stderr] {
        assert!(!String::from_utf8_lossy(out).contains(password));
    }
}

#[test]
fn sbom_of_a_registry_reference() {
    let Some(root) = layout() else { return };
    let Some(registry) = Registry::start() else {
        return;
    };
    registry.push_oci(&root, "debian:12", false);
    let home = tempfile::tempdir().unwrap();
    let out = drydock_testkit::drydock_cmd!()
        .args([
            "sbom",
            &format!("{}/debian:12", registry.host),
            "--no-cache",
        ])
        .env("HOME", home.path())
        .env("DOCKER_CONFIG", home.path())
        .env_remove("REGISTRY_AUTH_FILE")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bom: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(bom["bomFormat"], "CycloneDX");
    assert!(bom["components"].as_array().is_some_and(|c| c.len() > 50));
}
