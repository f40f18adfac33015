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

/// Pushes a hand-made artifact the way `db push` would, with `layer` and `schema` as given.
fn push_raw(registry: &Registry, tag: &str, layer: &[u8], schema: &str) {
    let reference =
        drydock_registry::Reference::parse(&format!("{}/advisories:{tag}", registry.host)).unwrap();
    let client =
        drydock_registry::client::Client::new(&reference, None, Default::default()).for_push();
    let annotations: BTreeMap<String, String> =
        [("dev.drydock.vulndb.schema".to_owned(), schema.to_owned())].into();
    drydock_registry::artifact::push(
        &client,
        &reference,
        "application/vnd.drydock.vulndb.v1",
        ("application/vnd.drydock.vulndb.config.v1+json", b"{}"),
        &[("application/vnd.drydock.vulndb.layer.v1.sqlite+zstd", layer)],
        annotations,
    )
    .unwrap();
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

    // A layer that is not a database bundle: refused after download, the old one kept.
    push_raw(&registry, "damaged", b"not a zstd sqlite bundle", "1");
    let out = run(&[
        "db",
        "update",
        "--from",
        &format!("{}/advisories:damaged", registry.host),
        "--db-dir",
        b.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("is unchanged"), "{err}");
    assert_eq!(advisories(&b), count);

    // A newer drydock's schema: refused before the layer is fetched.
    let before = registry.requests().len();
    push_raw(&registry, "future", b"whatever", "999");
    let pushed = registry.requests().len();
    let out = run(&[
        "db",
        "update",
        "--from",
        &format!("{}/advisories:future", registry.host),
        "--db-dir",
        b.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("schema 999, from a newer drydock"), "{err}");
    assert!(
        !registry.requests()[pushed..]
            .iter()
            .any(|r| r.starts_with("GET /v2/advisories/blobs/")),
        "the layer was downloaded: {:?}",
        &registry.requests()[before..]
    );
    assert_eq!(advisories(&b), count);
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
