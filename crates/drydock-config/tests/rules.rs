//! Every rule has a failing and a passing fixture under `tests/fixtures/<family>/<id>/`, and the
//! rule table (ids, severities, titles) is snapshot-tested so an id can never silently change.

use drydock_config::{HostFile, ScanResult, rules, scan_file, scan_host};
use std::path::{Path, PathBuf};

fn family(id: &str) -> &'static str {
    match id.split('-').nth(1) {
        Some("DF") => "dockerfile",
        Some("K8S") => "k8s",
        Some("COMPOSE") => "compose",
        Some("HOST") => "host",
        other => panic!("unknown family {other:?}"),
    }
}

/// Host fixtures: `.json` is a daemon.json (root-owned, 0644); `.meta` lists
/// `path mode uid gid` per line.
fn scan_fixture(path: &Path) -> ScanResult {
    let bytes = std::fs::read(path).expect("fixture readable");
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name.ends_with(".json") {
        return scan_host(&[HostFile {
            path: "/etc/docker/daemon.json".into(),
            mode: 0o644,
            uid: 0,
            gid: 0,
            bytes,
        }]);
    }
    if name.ends_with(".meta") {
        let text = String::from_utf8(bytes).expect("utf-8");
        let files: Vec<HostFile> = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                HostFile {
                    path: f[0].into(),
                    mode: u32::from_str_radix(f[1], 8).expect("octal mode"),
                    uid: f[2].parse().expect("uid"),
                    gid: f[3].parse().expect("gid"),
                    bytes: Vec::new(),
                }
            })
            .collect();
        return scan_host(&files);
    }
    let rel = path
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned();
    scan_file(&rel, &bytes)
}

fn fixture(dir: &Path, stem: &str) -> PathBuf {
    std::fs::read_dir(dir)
        .unwrap_or_else(|_| panic!("missing fixture directory {}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("{stem}.")))
        })
        .unwrap_or_else(|| panic!("missing {stem}.* in {}", dir.display()))
}

#[test]
fn every_rule_fails_and_passes_its_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut problems = Vec::new();
    for rule in rules() {
        let dir = root.join(family(rule.id)).join(rule.id);
        for (stem, want) in [("fail", true), ("pass", false)] {
            let path = fixture(&dir, stem);
            let result = scan_fixture(&path);
            if !result.errors.is_empty() {
                problems.push(format!("{}: errors {:?}", path.display(), result.errors));
            }
            let hits: Vec<&str> = result
                .findings
                .iter()
                .filter(|f| f.id == rule.id)
                .map(|f| f.message.as_str())
                .collect();
            if want && hits.is_empty() {
                problems.push(format!("{}: {} did not fire", path.display(), rule.id));
            }
            if !want && !hits.is_empty() {
                problems.push(format!("{}: {} fired: {hits:?}", path.display(), rule.id));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn no_fixture_without_a_rule() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let ids: Vec<&str> = rules().iter().map(|r| r.id).collect();
    for fam in ["dockerfile", "k8s", "compose", "host"] {
        for e in std::fs::read_dir(root.join(fam)).expect("family dir") {
            let name = e.expect("entry").file_name().to_string_lossy().into_owned();
            assert!(
                ids.contains(&name.as_str()),
                "fixture for unknown rule {name}"
            );
        }
    }
}

#[test]
fn rule_table() {
    let all = rules();
    drydock_finding::check_rule_table(&all).expect("rule table is well formed");
    for r in &all {
        assert!(!r.references.is_empty(), "{} has no references", r.id);
    }
    let table: String = all
        .iter()
        .map(|r| format!("{} {:<8} {}\n", r.id, r.severity.as_str(), r.title))
        .collect();
    insta::assert_snapshot!(table);
}

/// Cross-document facts come from one deployable unit: project `a`'s default-deny policy and
/// ServiceAccount do not silence project `b`'s findings when both are scanned together, a
/// kustomization's subdirectories are one unit, and the finding names the unit and its file.
#[test]
fn cross_document_rules_stay_inside_their_deployable_unit() {
    let deny = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\n  namespace: shop\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n";
    let sa = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: app\n  namespace: shop\nautomountServiceAccountToken: false\n";
    let app = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n  namespace: shop\nspec:\n  template:\n    spec:\n      serviceAccountName: app\n      containers:\n      - name: app\n        image: app@sha256:0000000000000000000000000000000000000000000000000000000000000000\n";
    let files: Vec<(String, Vec<u8>)> = [
        ("a/deny.yaml", deny),
        ("a/sa.yaml", sa),
        ("a/app.yaml", app),
        ("b/app.yaml", app),
        // A kustomization: its base/ and overlay/ directories are one unit.
        (
            "c/kustomization.yaml",
            "resources: [base/app.yaml, policy/deny.yaml, policy/sa.yaml]\n",
        ),
        ("c/base/app.yaml", app),
        ("c/policy/deny.yaml", deny),
        ("c/policy/sa.yaml", sa),
    ]
    .into_iter()
    .map(|(p, t)| (p.to_owned(), t.as_bytes().to_vec()))
    .collect();
    let result = drydock_config::scan_set(&files);
    let hits = |id: &str| -> Vec<(String, String)> {
        result
            .findings
            .iter()
            .filter(|f| f.id == id)
            .map(|f| {
                (
                    f.location.path.clone().unwrap_or_default(),
                    f.message.clone(),
                )
            })
            .collect()
    };
    for id in ["DD-K8S-027", "DD-K8S-035"] {
        let h = hits(id);
        assert_eq!(h.len(), 1, "{id}: {h:?}");
        assert_eq!(h[0].0, "b/app.yaml", "{id}");
        assert!(h[0].1.contains("of b/)"), "{id}: {}", h[0].1);
    }
}

/// A stage a Compose file builds with `target:` runs as an image: it is checked like the final
/// stage (root user, no USER, no HEALTHCHECK, package caches), and only when a Compose file of
/// the scan names it.
#[test]
fn compose_build_targets_are_checked_like_final_stages() {
    let dockerfile = "FROM debian:12@sha256:0000000000000000000000000000000000000000000000000000000000000000 AS dev\nUSER root\nCMD [\"sleep\", \"infinity\"]\n\nFROM debian:12@sha256:0000000000000000000000000000000000000000000000000000000000000000 AS runtime\nUSER 10001\nHEALTHCHECK CMD true\nCMD [\"app\"]\n";
    let compose = "services:\n  dev:\n    build:\n      context: ./app\n      target: dev\n";
    let scan = |with_compose: bool| {
        let mut files = vec![(
            "proj/app/Dockerfile".to_owned(),
            dockerfile.as_bytes().to_vec(),
        )];
        if with_compose {
            files.push(("proj/compose.yaml".to_owned(), compose.as_bytes().to_vec()));
        }
        drydock_config::scan_set(&files)
            .findings
            .into_iter()
            .filter(|f| f.location.path.as_deref() == Some("proj/app/Dockerfile"))
            .map(|f| (f.id, f.message))
            .collect::<Vec<_>>()
    };
    let alone = scan(false);
    assert!(
        !alone
            .iter()
            .any(|(id, _)| id == "DD-DF-003" || id == "DD-DF-017"),
        "the dev stage is not shipped on its own: {alone:?}"
    );
    let built = scan(true);
    let has = |id: &str, text: &str| built.iter().any(|(i, m)| i == id && m.contains(text));
    assert!(
        has(
            "DD-DF-003",
            "USER root is the user of stage dev (a Compose build target)"
        ),
        "{built:?}"
    );
    assert!(
        has(
            "DD-DF-017",
            "stage dev (a Compose build target) defines no HEALTHCHECK"
        ),
        "{built:?}"
    );
}
