//! `deploy/`, the plain manifests for `drydock server` (issue 19): every file validates offline
//! against the Kubernetes 1.30 schemas (`kubernetes-validate --strict`, PyPI), and drydock's
//! own Kubernetes rules report nothing on them. The issue asks for nothing above LOW; the test
//! asks for nothing at all, since the hardening settings that matter most here
//! (readOnlyRootFilesystem, limits, the service account token, the digest) are LOW rules and a
//! LOW bar would let them go unnoticed. A weakened copy shows the rules do see these files.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../deploy")
        .canonicalize()
        .unwrap()
}

/// Every file under `dir`, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The manifests: every file of deploy/, all of them YAML (anything else would escape both
/// checks below).
fn manifests() -> Vec<PathBuf> {
    let all = files(&deploy_dir());
    let other: Vec<_> = all
        .iter()
        .filter(|p| p.extension().is_none_or(|e| e != "yaml"))
        .collect();
    assert!(
        other.is_empty(),
        "deploy/ holds only .yaml manifests: {other:?}"
    );
    for want in ["40-deployment.yaml", "postgres/40-deployment.yaml"] {
        assert!(
            all.iter().any(|p| p.ends_with(want)),
            "deploy/{want} is missing"
        );
    }
    all
}

#[test]
fn deploy_validates_against_the_kubernetes_schemas() {
    let files = manifests();
    let Some(text) = common::kubernetes_validate(&files) else {
        return;
    };
    // One "passed" line per resource: a file the tool skipped (no kind, empty) fails here.
    for file in &files {
        let name = file.display().to_string();
        assert!(
            text.lines()
                .any(|l| l.contains(&name) && l.contains(" passed ")),
            "{name} was not validated:\n{text}"
        );
    }
}

#[test]
fn drydock_config_reports_nothing_on_deploy() {
    manifests();
    let findings = common::config_findings(&deploy_dir());
    let serious = common::above_low(&findings);
    assert!(serious.is_empty(), "above LOW on deploy/: {serious:?}");
    assert!(
        findings.is_empty(),
        "deploy/ is held to no findings at all:\n{findings:#?}"
    );
}

/// The same files with a setting taken out each: the rules must fire, so the test above is not
/// passing because drydock saw no Kubernetes objects.
#[test]
fn a_weakened_copy_of_deploy_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    for file in manifests() {
        let rel = file.strip_prefix(deploy_dir()).unwrap();
        let to = dir.path().join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&file, &to).unwrap();
    }
    let edit = |rel: &str, from: &str, to: &str| {
        let path = dir.path().join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{rel} no longer holds {from:?}");
        std::fs::write(&path, text.replace(from, to)).unwrap();
    };
    edit(
        "40-deployment.yaml",
        "readOnlyRootFilesystem: true",
        "readOnlyRootFilesystem: false",
    );
    edit(
        "postgres/40-deployment.yaml",
        "limits: {cpu: \"2\", memory: 2Gi}",
        "limits: {cpu: \"2\"}",
    );
    edit(
        "postgres/20-networkpolicy-postgres.yaml",
        "  podSelector: {}\n",
        "  podSelector: {matchLabels: {x: y}}\n",
    );
    let findings = common::config_findings(dir.path());
    let ids: Vec<&str> = findings.iter().map(|(_, id, _)| id.as_str()).collect();
    // Writable root (LOW), no memory limit (LOW), postgres/ without a default deny (MEDIUM).
    for want in ["DD-K8S-021", "DD-K8S-022", "DD-K8S-035"] {
        assert!(ids.contains(&want), "{want} not reported: {findings:#?}");
    }
}
