//! `drydock fleet plan|work` against a real registry (Debian's `docker-registry`): the plan
//! lists the registry's catalog page by page and the tag lists (also through a token-auth
//! registry, which must grant the catalog scope), writes manifests that validate offline
//! against the Kubernetes schemas (`kubernetes-validate`, when installed) and pass drydock's
//! own Kubernetes rules; the shards of `fleet work` scan every image exactly once.
#![allow(clippy::unwrap_used)]

use drydock_testkit::registry::Registry;
use drydock_testkit::{file, image, layer};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::Stdio;

/// Pushes a tiny image under each `repo:tag`.
fn populate(registry: &Registry, names: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    for (i, name) in names.iter().enumerate() {
        let layout = dir.path().join(format!("img{i}"));
        image(vec![layer(vec![file(
            "etc/os-release",
            format!("ID=test\nVERSION_ID={i}\n"),
        )])])
        .write_oci_dir(&layout);
        registry.push_oci(&layout, name, false);
    }
}

const NAMES: &[&str] = &[
    "team/app:1",
    "team/app:2",
    "team/app:3",
    "team/api:1",
    "team-other/x:1",
    "other/y:1",
];

fn plan(args: &[&str]) -> (String, String, bool) {
    let out = drydock_testkit::drydock_cmd!()
        .args([
            "fleet",
            "plan",
            "--worker-image",
            "ghcr.io/example/drydock:0.1",
        ])
        .args(args)
        .env("DOCKER_CONFIG", "/nonexistent")
        .env_remove("REGISTRY_AUTH_FILE")
        .env_remove("DRYDOCK_USERNAME")
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

/// The image list inside the plan's ConfigMap.
fn listed(yaml: &str) -> BTreeSet<String> {
    yaml.lines()
        .skip_while(|l| !l.contains("images.txt: |"))
        .skip(1)
        .take_while(|l| l.starts_with("    "))
        .map(|l| l.trim().to_owned())
        .collect()
}

#[test]
fn plan_lists_a_registry_by_prefix_and_validates() {
    let Some(registry) = Registry::start() else {
        return;
    };
    populate(&registry, NAMES);
    let h = &registry.host;

    // Through the library with two names a page: the Link pagination of the real registry.
    let reference = drydock_registry::Reference::parse(&format!("{h}/x")).unwrap();
    let client = drydock_registry::client::Client::new(&reference, None, Default::default());
    let mut repos = drydock_registry::catalog::repositories_paged(&client, 100, 2).unwrap();
    repos.names.sort();
    assert_eq!(
        repos.names,
        ["other/y", "team-other/x", "team/api", "team/app"],
        "catalog pages"
    );
    let catalog_pages = registry
        .requests()
        .iter()
        .filter(|r| r.contains("/v2/_catalog"))
        .count();
    assert!(catalog_pages >= 2, "the catalog was not read page by page");
    // distribution 2.8 ignores `n` on tag lists (one page); the set is what matters.
    let mut tags = drydock_registry::catalog::tags_paged(&client, "team/app", 100, 2).unwrap();
    tags.names.sort();
    assert_eq!(tags.names, ["1", "2", "3"]);
    // The cap is an error, never a silent cut.
    assert!(drydock_registry::catalog::repositories_paged(&client, 3, 2).is_err());

    let (yaml, stderr, ok) = plan(&["--registry", &format!("{h}/team"), "--shards", "2"]);
    assert!(ok, "{stderr}");
    let want: BTreeSet<String> = ["team/app:1", "team/app:2", "team/app:3", "team/api:1"]
        .iter()
        .map(|n| format!("{h}/{n}"))
        .collect();
    // `team/` is a path prefix: team-other is not under it.
    assert_eq!(listed(&yaml), want);
    assert!(yaml.contains("completionMode: Indexed"));
    assert!(yaml.contains("completions: 2"));
    assert!(yaml.contains("\"$(JOB_COMPLETION_INDEX)/2\""));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.yaml");
    std::fs::write(&path, &yaml).unwrap();
    validate_schemas(&path);
    // drydock's own Kubernetes rules: nothing above LOW.
    let out = drydock_testkit::drydock_cmd!()
        .args(["config", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let serious: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !matches!(f["severity"].as_str(), Some("LOW" | "INFO" | "UNKNOWN")))
        .map(|f| f["id"].to_string())
        .collect();
    assert!(serious.is_empty(), "{serious:?}");
}

/// `kubernetes-validate` (PyPI) checks the manifests against the published schemas offline;
/// skipped with a message where it is not installed (CI installs it).
fn validate_schemas(path: &Path) {
    let tool =
        std::env::var("KUBERNETES_VALIDATE").unwrap_or_else(|_| "kubernetes-validate".into());
    let out = match std::process::Command::new(&tool)
        .args(["--strict", "-k", "1.30.0"])
        .arg(path)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "kubernetes-validate cannot run in CI: {e}"
            );
            eprintln!("SKIPPED schema validation: {tool}: {e}");
            return;
        }
    };
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn catalog_needs_and_gets_its_own_scope_on_a_token_registry() {
    let Some(registry) = Registry::with_token_auth("fleet", "s3cret-Pass") else {
        return;
    };
    populate(&registry, &["team/app:1", "team/app:2"]);
    let mut child = drydock_testkit::drydock_cmd!()
        .args([
            "fleet",
            "plan",
            "--worker-image",
            "ghcr.io/example/drydock:0.1",
        ])
        .args([
            "--registry",
            &registry.host,
            "--username",
            "fleet",
            "--password-stdin",
        ])
        .env("DOCKER_CONFIG", "/nonexistent")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"s3cret-Pass\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(listed(&String::from_utf8_lossy(&out.stdout)).len(), 2);
    let scopes: Vec<String> = registry
        .token_requests()
        .into_iter()
        .flat_map(|r| r.scopes)
        .collect();
    assert!(
        scopes.iter().any(|s| s == "registry:catalog:*"),
        "{scopes:?}"
    );
    assert!(
        scopes.iter().any(|s| s == "repository:team/app:pull"),
        "{scopes:?}"
    );
}

#[test]
fn shards_scan_every_image_exactly_once() {
    let Some(registry) = Registry::start() else {
        return;
    };
    let names = ["team/a:1", "team/b:1", "team/c:1", "team/d:1", "team/e:1"];
    populate(&registry, &names);
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("images.txt");
    let refs: Vec<String> = names
        .iter()
        .map(|n| format!("{}/{n}", registry.host))
        .collect();
    std::fs::write(&list, refs.join("\n") + "\n").unwrap();
    let mut seen = Vec::new();
    for index in 0..3 {
        let out_dir = dir.path().join(format!("shard{index}"));
        std::fs::create_dir(&out_dir).unwrap();
        // As an Indexed Job's pod runs it: the index from $JOB_COMPLETION_INDEX.
        let out = drydock_testkit::drydock_cmd!()
            .args(["fleet", "work", "--shard", "/3", "--images-from"])
            .arg(&list)
            .args(["--skip-db-update", "--scanners", "misconfig", "--format"])
            .arg(format!("json={}/", out_dir.display()))
            .env("JOB_COMPLETION_INDEX", index.to_string())
            .env("DOCKER_CONFIG", dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "shard {index}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for entry in std::fs::read_dir(&out_dir).unwrap() {
            let report: serde_json::Value =
                serde_json::from_slice(&std::fs::read(entry.unwrap().path()).unwrap()).unwrap();
            seen.push(
                report["target"]["reference"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            );
        }
    }
    seen.sort();
    let mut want = refs.clone();
    want.sort();
    assert_eq!(seen, want, "every image once, across the shards");
}

#[test]
fn a_shard_index_past_the_count_is_refused() {
    let out = drydock_testkit::drydock_cmd!()
        .args(["fleet", "work", "--shard", "3/3", "x:1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("below the count"));
}
