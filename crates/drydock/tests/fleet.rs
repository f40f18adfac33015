//! `drydock fleet plan|work` against a real registry (Debian's `docker-registry`): the plan
//! lists the registry's catalog page by page and the tag lists (also through a token-auth
//! registry, which must grant the catalog scope), writes manifests that validate offline
//! against the Kubernetes schemas (`kubernetes-validate`, when installed) and pass drydock's
//! own Kubernetes rules; the shards of `fleet work` scan every image exactly once.
#![allow(clippy::unwrap_used)]

mod common;

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
    common::kubernetes_validate(std::slice::from_ref(&path));
    // drydock's own Kubernetes rules: nothing above LOW.
    let serious = common::above_low(&common::config_findings(&path));
    assert!(serious.is_empty(), "{serious:?}");
}

/// With `--server` the workers get the server's URL and token (and CA) from Secrets, and no
/// store URL; the manifests validate and pass the rules as the store variant does.
#[test]
fn plan_for_a_server_validates() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("images.txt");
    std::fs::write(&list, "ghcr.io/example/app:1\nquay.io/example/db:2\n").unwrap();
    let (yaml, stderr, ok) = plan(&[
        "--images-from",
        &list.display().to_string(),
        "--server",
        "https://drydock.drydock.svc:8080",
        "--server-ca-secret",
        "drydock-ca",
        "--layer-key-secret",
        "drydock-layer-key",
        "--shards",
        "3",
    ]);
    assert!(ok, "{stderr}");
    assert!(yaml.contains(
        "--server, \"https://drydock.drydock.svc:8080\", --server-token-file, /etc/drydock-server/token, --server-ca, /etc/drydock-server-ca/ca.pem, --layer-key-file, /etc/drydock-layer-key/key]"
    ), "{yaml}");
    assert!(yaml.contains("secretName: drydock-layer-key"));
    assert!(yaml.contains("secretName: drydock-server-token"));
    assert!(!yaml.contains("--store-file") && !yaml.contains("drydock-store"));
    assert!(!yaml.contains("--server-plain-http"));
    let path = dir.path().join("plan.yaml");
    std::fs::write(&path, &yaml).unwrap();
    common::kubernetes_validate(std::slice::from_ref(&path));
    let serious = common::above_low(&common::config_findings(&path));
    assert!(serious.is_empty(), "{serious:?}");

    // Plain http is allowed with a warning, and the workers say so explicitly.
    let (yaml, stderr, ok) = plan(&[
        "--images-from",
        &list.display().to_string(),
        "--server",
        "http://drydock.drydock.svc:8080",
    ]);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("plain http"), "{stderr}");
    assert!(yaml.contains("--server-plain-http"));
    // Anything but a scheme, host and port is refused (it goes into YAML verbatim).
    for bad in [
        "drydock:8080",
        "https://x/\"]}",
        "https://x:1/path",
        "ftp://x",
    ] {
        let (_, stderr, ok) = plan(&[
            "--images-from",
            &list.display().to_string(),
            "--server",
            bad,
        ]);
        assert!(!ok, "{bad} accepted");
        assert!(stderr.contains("--server"), "{stderr}");
    }
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

/// Where the workers send their results.
enum Sink<'a> {
    /// `--store-file FILE` (a PostgreSQL URL).
    Store(&'a Path),
    /// `--server URL --server-token-file FILE`.
    Server(String, &'a Path),
}

/// The worker contract as an Indexed Job runs it: two shards at once store every image once;
/// then shard 0 is killed with SIGKILL while it works through its share and run again, as the
/// Job's backoffLimitPerIndex would: nothing is lost and nothing duplicated. `url` is the
/// PostgreSQL store the results end up in, directly or through the server.
fn kill_and_rerun(registry: &Registry, url: &str, sink: Sink<'_>, secret: &str) {
    let names: Vec<String> = (0..8).map(|i| format!("fleet/img{i}:1")).collect();
    let names_ref: Vec<&str> = names.iter().map(String::as_str).collect();
    populate(registry, &names_ref);
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("images.txt");
    let refs: Vec<String> = names
        .iter()
        .map(|n| format!("{}/{n}", registry.host))
        .collect();
    std::fs::write(&list, refs.join("\n") + "\n").unwrap();
    let worker = |index: u32, parallel: &str| {
        let mut cmd = drydock_testkit::drydock_cmd!();
        cmd.args(["fleet", "work", "--shard", "/2"]);
        match &sink {
            Sink::Store(file) => cmd.arg("--store-file").arg(file),
            Sink::Server(server, token) => cmd
                .args(["--server", server])
                .arg("--server-token-file")
                .arg(token),
        };
        cmd.arg("--images-from")
            .arg(&list)
            .args([
                "--skip-db-update",
                "--scanners",
                "misconfig",
                "--parallel",
                parallel,
            ])
            .args(["--format", "json", "--output"])
            .arg(dir.path().join(format!("out{index}.json")))
            .env("JOB_COMPLETION_INDEX", index.to_string())
            .env("DOCKER_CONFIG", dir.path())
            .env(
                "DRYDOCK_CACHE_DIR",
                dir.path().join(format!("cache{index}")),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        cmd
    };
    let stored = || {
        let mut store = drydock_store::Store::open(url).unwrap();
        let mut images: Vec<String> = store
            .images(None)
            .unwrap()
            .into_iter()
            .flat_map(|i| i.references)
            .collect();
        images.sort();
        (store.scan_count().unwrap(), images)
    };
    let before = stored().0;

    // Shard 0 is killed once its first image is stored, part way through its share.
    let mut first = worker(0, "1").spawn().unwrap();
    let started = std::time::Instant::now();
    while stored().0 == before && started.elapsed() < std::time::Duration::from_secs(20) {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    first.kill().unwrap(); // SIGKILL
    let _ = first.wait();
    let at_kill = stored().0 - before;
    eprintln!("shard 0 killed with {at_kill} of its 4 images stored");
    assert!(at_kill >= 1);

    // The Job runs the index again, beside the other shard.
    let running: Vec<_> = (0..2).map(|i| worker(i, "1").spawn().unwrap()).collect();
    for (i, child) in running.into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "shard {i}: {err}");
        assert!(!err.contains(secret), "a secret was printed");
    }
    let mut want = refs.clone();
    want.sort();
    assert_eq!(stored(), (8, want), "lost or duplicated after the kill");
}

#[test]
fn workers_store_every_image_once_even_when_killed() {
    let Some(pg) = drydock_testkit::postgres::Postgres::start() else {
        return;
    };
    let Some(registry) = Registry::start() else {
        return;
    };
    let url = pg.create_database("fleet");
    // As the plan mounts it: the URL in a file, not in the arguments or the environment.
    let dir = tempfile::tempdir().unwrap();
    let url_file = dir.path().join("store-url");
    std::fs::write(&url_file, format!("{url}\n")).unwrap();
    kill_and_rerun(&registry, &url, Sink::Store(&url_file), &pg.password);
}

/// The same contract through a real `drydock server` on PostgreSQL: the workers hold a token,
/// no store URL and no advisory database.
#[test]
fn workers_through_a_server_lose_and_duplicate_nothing() {
    let Some(pg) = drydock_testkit::postgres::Postgres::start() else {
        return;
    };
    let Some(registry) = Registry::start() else {
        return;
    };
    let url = pg.create_database("fleet_server");
    let dir = tempfile::tempdir().unwrap();
    let out = drydock_testkit::drydock_cmd!()
        .args([
            "server", "token", "add", "workers", "--scope", "submit", "--store", &url,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, &token).unwrap();
    // The server's advisory database: empty of advisories, but a database (matching runs).
    let db = dir.path().join("db");
    let empty = dir.path().join("empty.json");
    std::fs::write(&empty, "[]").unwrap();
    let out = drydock_testkit::drydock_cmd!()
        .args(["db", "import", "--db-dir"])
        .arg(&db)
        .arg(&empty)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut cmd = drydock_testkit::drydock_cmd!();
    cmd.args([
        "server",
        "--listen",
        "127.0.0.1:0",
        "--store",
        &url,
        "--db-dir",
    ])
    .arg(&db);
    let server = drydock_testkit::server::Server::start(cmd);
    kill_and_rerun(
        &registry,
        &url,
        Sink::Server(server.url(), &token_file),
        &token,
    );
    assert!(
        !server.log().contains(&pg.password),
        "the store password was logged"
    );
}
