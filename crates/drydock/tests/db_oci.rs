//! `db push REF` and `db update --from REF` against a real registry (Debian's docker-registry,
//! distribution 2.8): the database round-trips; a damaged artifact and one from a newer
//! drydock are refused with the old database kept.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;

use drydock_testkit::registry::Registry;

fn run(args: &[&str]) -> std::process::Output {
    drydock_testkit::drydock_cmd!()
        .args(args)
        .env("DOCKER_CONFIG", "/nonexistent")
        .env_remove("REGISTRY_AUTH_FILE")
        .output()
        .unwrap()
}

fn advisories(db: &Path) -> u64 {
    let out = run(&["db", "info", "--json", "--db-dir", db.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["advisories"].as_u64().unwrap()
}

const CONFIG_TYPE: &str = "application/vnd.drydock.vulndb.config.v1+json";
const LAYER_TYPE: &str = "application/vnd.drydock.vulndb.layer.v1.sqlite+zstd";

/// Pushes a hand-made artifact the way `db push` would, with the artifact type, `layer` and
/// `schema` as given.
fn push_raw(registry: &Registry, tag: &str, artifact_type: &str, layer: &[u8], schema: &str) {
    let reference =
        drydock_registry::Reference::parse(&format!("{}/advisories:{tag}", registry.host)).unwrap();
    let client =
        drydock_registry::client::Client::new(&reference, None, Default::default()).for_push();
    let annotations: BTreeMap<String, String> =
        [("dev.drydock.vulndb.schema".to_owned(), schema.to_owned())].into();
    drydock_registry::artifact::push(
        &client,
        &reference,
        artifact_type,
        (CONFIG_TYPE, b"{}"),
        &[(LAYER_TYPE, layer)],
        annotations,
    )
    .unwrap();
}

/// `db update --from` into `db` that must fail, leaving it as it was; returns stderr.
fn refused(registry: &Registry, tag: &str, db: &Path) -> String {
    let before = advisories(db);
    let out = run(&[
        "db",
        "update",
        "--from",
        &format!("{}/advisories:{tag}", registry.host),
        "--db-dir",
        db.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{tag}: {err}");
    assert!(err.contains("is unchanged"), "{tag}: {err}");
    assert_eq!(advisories(db), before, "{tag}");
    err
}

/// Whether the registry served a blob of `advisories` since request number `since`.
fn blob_fetched(registry: &Registry, since: usize) -> bool {
    registry.requests()[since..]
        .iter()
        .any(|r| r.starts_with("GET /v2/advisories/blobs/"))
}

#[test]
fn push_then_update_from_round_trips_and_bad_artifacts_change_nothing() {
    let Some(rustsec) = drydock_testkit::shared("data/advisories/rustsec") else {
        return;
    };
    let Some(registry) = Registry::start() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let out = run(&[
        "db",
        "import",
        "--db-dir",
        a.to_str().unwrap(),
        rustsec.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let count = advisories(&a);
    assert!(count > 1000, "{count}");

    let reference = format!("{}/advisories:latest", registry.host);
    let out = run(&["db", "push", &reference, "--db-dir", a.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let digest = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(digest.starts_with("sha256:"), "{digest}");

    // By tag, and by the digest push printed.
    for from in [
        reference.clone(),
        format!("{}/advisories@{digest}", registry.host),
    ] {
        let out = run(&[
            "db",
            "update",
            "--from",
            &from,
            "--db-dir",
            b.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{from}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(advisories(&b), count);
    }
    // --json: the new database's info, as `db info --json` prints it.
    let out = run(&[
        "db",
        "update",
        "--from",
        &reference,
        "--json",
        "--db-dir",
        b.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["advisories"], count);

    // What `db push` wrote: drydock's types, the schema, sources and times as annotations.
    let pinned =
        drydock_registry::Reference::parse(&format!("{}/advisories@{digest}", registry.host))
            .unwrap();
    let client = drydock_registry::client::Client::new(&pinned, None, Default::default());
    let (_, manifest) = drydock_registry::artifact::pull_manifest(&client, &pinned).unwrap();
    assert_eq!(manifest.artifact_type.as_deref(), Some(CONFIG_TYPE));
    assert_eq!(manifest.config.media_type, CONFIG_TYPE);
    assert_eq!(manifest.layers.len(), 1);
    assert_eq!(manifest.layers[0].media_type, LAYER_TYPE);
    let ann = &manifest.annotations;
    assert_eq!(ann["dev.drydock.vulndb.schema"], "1");
    assert_eq!(ann["dev.drydock.vulndb.sources"], "crates.io");
    assert!(
        ann["org.opencontainers.image.created"].ends_with('Z'),
        "{ann:?}"
    );
    let config: serde_json::Value = serde_json::from_slice(
        &client
            .small_blob(&pinned.repository, &manifest.config.digest)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(config["schema"], 1);
    assert_eq!(config["sources"], serde_json::json!(["crates.io"]));
    assert_eq!(config["advisories"], count);

    // A layer that is not a database bundle: refused after download, the old one kept.
    push_raw(
        &registry,
        "damaged",
        CONFIG_TYPE,
        b"not a zstd sqlite bundle",
        "1",
    );
    let err = refused(&registry, "damaged", &b);
    assert!(err.contains("not a usable database"), "{err}");

    // A newer drydock's schema: refused, naming both versions, before the layer is fetched.
    push_raw(&registry, "future", CONFIG_TYPE, b"whatever", "999");
    let since = registry.requests().len();
    let err = refused(&registry, "future", &b);
    assert!(
        err.contains("schema 999, from a newer drydock") && err.contains("reads schema 1"),
        "{err}"
    );
    assert!(!blob_fetched(&registry, since), "the layer was downloaded");

    // Another tool's artifact (a Helm chart's type): refused, nothing fetched.
    push_raw(
        &registry,
        "helm",
        "application/vnd.cncf.helm.config.v1+json",
        b"chart",
        "1",
    );
    let since = registry.requests().len();
    let err = refused(&registry, "helm", &b);
    assert!(err.contains("not a drydock advisory database"), "{err}");
    assert!(!blob_fetched(&registry, since), "the layer was downloaded");

    // The registry serves other bytes under the layer's digest (damaged storage, or a
    // tampering mirror): the download does not hash to the digest and is refused.
    let layer = &manifest.layers[0];
    let file = registry.blob_file(&layer.digest);
    let mut bytes = std::fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&file, &bytes).unwrap();
    let err = refused(&registry, "latest", &b);
    assert!(err.contains("hashes to"), "{err}");
}

/// `db push` and `update --from` over HTTPS with a private CA: refused without `--ca-cert`,
/// trusted with it (the flag image pulls take).
#[test]
fn push_and_pull_over_tls_with_ca_cert() {
    let Some(rustsec) = drydock_testkit::shared("data/advisories/rustsec") else {
        return;
    };
    let Some(registry) = Registry::with_tls() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let a_dir = a.to_str().unwrap();
    assert!(
        run(&["db", "import", "--db-dir", a_dir, rustsec.to_str().unwrap()])
            .status
            .success()
    );
    let reference = format!("{}/advisories:tls", registry.host);
    let out = run(&["db", "push", &reference, "--db-dir", a_dir]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("--ca-cert"), "{err}");

    let ca = registry.ca_pem().unwrap().to_str().unwrap();
    let out = run(&["db", "push", &reference, "--ca-cert", ca, "--db-dir", a_dir]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&[
        "db",
        "update",
        "--from",
        &reference,
        "--ca-cert",
        ca,
        "--db-dir",
        b.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(advisories(&b), advisories(&a));
}

/// Through a Bearer-token registry: `db push` asks the realm for `pull,push` with the
/// credentials from `--password-stdin`; `update --from` pulls with a pull token.
#[test]
fn push_and_pull_through_a_token_registry() {
    use std::io::Write;
    let Some(ghsa) = drydock_testkit::shared("data/advisories/ghsa") else {
        return;
    };
    let (user, password) = ("publisher", "Pu5h-Adv1sories");
    let Some(registry) = Registry::with_token_auth(user, password) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    assert!(
        run(&[
            "db",
            "import",
            "--db-dir",
            a.to_str().unwrap(),
            ghsa.to_str().unwrap()
        ])
        .status
        .success()
    );
    let reference = format!("{}/mirror/advisories:1", registry.host);
    let with_password = |args: &[&str]| {
        let mut child = drydock_testkit::drydock_cmd!()
            .args(args)
            .args(["--username", user, "--password-stdin"])
            .env("DOCKER_CONFIG", "/nonexistent")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(password.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = with_password(&["db", "push", &reference, "--db-dir", a.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        registry.token_requests().iter().any(|t| t
            .scopes
            .iter()
            .any(|s| s == "repository:mirror/advisories:pull,push")),
        "{:?}",
        registry.token_requests()
    );
    let out = with_password(&[
        "db",
        "update",
        "--from",
        &reference,
        "--db-dir",
        b.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(advisories(&b), advisories(&a));
}
