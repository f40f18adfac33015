//! `drydock image REF` against distribution 2.8 (Debian's `docker-registry`) configured with
//! `auth: token`: the registry challenges with Bearer, the harness's token issuer
//! (`drydock_testkit::token`) checks Basic credentials and signs an ES256 JWT whose `x5c`
//! chains to the registry's `rootcertbundle`, and the registry validates it for real. The image
//! is `../shared/images/debian-min.oci`, pushed with `skopeo` through the same token flow.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use base64::Engine;
use drydock_testkit::registry::Registry;

const USER: &str = "scanner";
const PASSWORD: &str = "t0ken-Flow-Pass";

fn layout() -> Option<PathBuf> {
    drydock_testkit::shared("images/debian-min.oci")
}

/// Runs `drydock image REF --format json --no-cache` with a clean credential environment
/// (`home` is HOME and DOCKER_CONFIG), extra args, extra env and `stdin`.
fn run(reference: &str, home: &Path, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
    let mut cmd = drydock_testkit::drydock_cmd!();
    cmd.args(["image", reference, "--format", "json", "--no-cache", "-q"])
        .args(args)
        .env("DOCKER_CONFIG", home)
        .env("HOME", home)
        .env_remove("REGISTRY_AUTH_FILE")
        .env_remove("XDG_RUNTIME_DIR")
        .env_remove("DRYDOCK_USERNAME")
        .env_remove("DRYDOCK_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn ok_report(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["packages"].as_array().is_some_and(|p| !p.is_empty()));
    report
}

fn never_shows_password(out: &Output) {
    for s in [&out.stdout, &out.stderr] {
        assert!(!String::from_utf8_lossy(s).contains(PASSWORD));
    }
}

#[test]
fn bearer_token_flow_against_distribution() {
    let Some(root) = layout() else { return };
    let Some(registry) = Registry::with_token_auth(USER, PASSWORD) else {
        return;
    };
    registry.push_oci(&root, "team/app:1", false);
    registry.push_oci(&root, "public/debian:12", false);
    let private = format!("{}/team/app:1", registry.host);
    let public = format!("{}/public/debian:12", registry.host);
    let home = tempfile::tempdir().unwrap();

    // Anonymous: the issuer grants pull on public/ only, and distribution honours the grant.
    let before = registry.token_requests().len();
    let anon = run(&public, home.path(), &[], &[], "");
    let report = ok_report(&anon);
    assert_eq!(report["target"]["reference"], public.as_str());
    let asked = registry.token_requests().split_off(before);
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(asked[0].user, None);
    assert_eq!(asked[0].scopes, ["repository:public/debian:pull"]);

    let denied = run(&private, home.path(), &[], &[], "");
    assert!(!denied.status.success());
    let err = String::from_utf8_lossy(&denied.stderr);
    assert!(err.contains(&private), "{err}");
    assert!(err.contains("without credentials"), "{err}");

    // --password-stdin: one token serves the manifest, the config and every layer blob.
    let before = registry.token_requests().len();
    let blobs_before = registry.requests().len();
    let ok = run(
        &private,
        home.path(),
        &["--username", USER, "--password-stdin"],
        &[],
        &format!("{PASSWORD}\n"),
    );
    let report = ok_report(&ok);
    never_shows_password(&ok);
    let asked = registry.token_requests().split_off(before);
    assert_eq!(asked.len(), 1, "token not reused: {asked:?}");
    assert_eq!(asked[0].user.as_deref(), Some(USER));
    assert_eq!(asked[0].scopes, ["repository:team/app:pull"]);
    let layers = report["layers"].as_array().unwrap();
    let fetched: Vec<String> = registry.requests().split_off(blobs_before);
    let blob_gets = fetched
        .iter()
        .filter(|r| r.starts_with("GET /v2/team/app/blobs/"))
        .count();
    // Config plus every layer, all with the one token.
    assert_eq!(blob_gets, layers.len() + 1, "{fetched:?}");

    // A docker config.json (`docker login` writes `auths[host].auth`).
    let cfg = tempfile::tempdir().unwrap();
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    std::fs::write(
        cfg.path().join("config.json"),
        serde_json::json!({"auths": {registry.host.clone(): {"auth": auth}}}).to_string(),
    )
    .unwrap();
    let from_file = run(&private, cfg.path(), &[], &[], "");
    ok_report(&from_file);
    never_shows_password(&from_file);
    assert_eq!(
        registry.token_requests().last().unwrap().user.as_deref(),
        Some(USER)
    );

    // DRYDOCK_USERNAME / DRYDOCK_PASSWORD.
    let from_env = run(
        &private,
        home.path(),
        &[],
        &[("DRYDOCK_USERNAME", USER), ("DRYDOCK_PASSWORD", PASSWORD)],
        "",
    );
    ok_report(&from_env);
    never_shows_password(&from_env);

    // Wrong credentials: the issuer says 401; the error names the user and the realm, not
    // the password.
    let wrong = run(
        &private,
        home.path(),
        &["--username", USER, "--password-stdin"],
        &[],
        "wrong-Pass-123\n",
    );
    assert!(!wrong.status.success());
    let err = String::from_utf8_lossy(&wrong.stderr);
    assert!(err.contains("token endpoint"), "{err}");
    assert!(err.contains("401"), "{err}");
    assert!(err.contains(USER), "{err}");
    assert!(!err.contains("wrong-Pass-123"), "{err}");
    assert_eq!(registry.token_requests().last().unwrap().status, 401);
}

/// distribution serving HTTPS on 127.0.0.1 with a certificate from a throwaway CA (rcgen):
/// HTTPS is tried first even on loopback, an untrusted certificate is not downgraded to plain
/// HTTP but fails naming the host, and `--ca-cert` makes it trusted.
#[test]
fn tls_registry_needs_its_ca() {
    let Some(root) = layout() else { return };
    let Some(registry) = Registry::with_tls() else {
        return;
    };
    registry.push_oci(&root, "debian:12", false);
    let reference = format!("{}/debian:12", registry.host);
    let home = tempfile::tempdir().unwrap();

    let untrusted = run(&reference, home.path(), &[], &[], "");
    assert!(!untrusted.status.success());
    let err = String::from_utf8_lossy(&untrusted.stderr);
    assert!(
        err.contains(&format!(
            "TLS certificate of {} is not trusted",
            registry.host
        )),
        "{err}"
    );
    assert!(err.contains("--ca-cert"), "{err}");

    let ca = registry.ca_pem().unwrap().to_str().unwrap();
    let report = ok_report(&run(&reference, home.path(), &["--ca-cert", ca], &[], ""));
    assert_eq!(report["target"]["reference"], reference.as_str());
    assert!(
        registry
            .requests()
            .iter()
            .any(|r| r.starts_with("GET /v2/debian/manifests/12")),
        "{:?}",
        registry.requests()
    );

    // A --ca-cert file without a certificate is refused by name.
    let bogus = home.path().join("bogus.pem");
    std::fs::write(&bogus, "nothing here\n").unwrap();
    let out = run(
        &reference,
        home.path(),
        &["--ca-cert", bogus.to_str().unwrap()],
        &[],
        "",
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bogus.pem"), "{err}");
}

/// The control for the test above: the same flow against a registry whose `rootcertbundle` is
/// another CA. distribution refuses the issuer's JWT, so the scan fails (and the push could
/// not happen either, so the registry holds nothing to scan: the refusal comes first).
#[test]
fn distribution_refuses_a_token_it_cannot_verify() {
    let Some(registry) = Registry::with_untrusted_token_issuer(USER, PASSWORD) else {
        return;
    };
    let reference = format!("{}/team/app:1", registry.host);
    let home = tempfile::tempdir().unwrap();
    let out = run(
        &reference,
        home.path(),
        &["--username", USER, "--password-stdin"],
        &[],
        &format!("{PASSWORD}\n"),
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    // The issuer did answer 200 with a token; the registry said 401 to it.
    let asked = registry.token_requests();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(asked[0].status, 200);
    assert!(
        err.contains("HTTP 401 with the credentials of user"),
        "{err}"
    );
    never_shows_password(&out);
}
