//! `--image-src`: which sources a bare reference is looked up in, in which order, with the
//! real registry (Debian's `docker-registry` holding `../shared/images/debian-min.oci`) and a
//! real Podman engine (`podman system service`, `../shared/images/debian-min.tar` loaded).
//! Explicit `registry://` / `podman://` prefixes bypass the list; a path that exists is a file.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Output;

use drydock_testkit::podman::Podman;
use drydock_testkit::registry::Registry;

fn shared(name: &str) -> Option<PathBuf> {
    drydock_testkit::shared(&format!("images/{name}"))
}

/// `drydock image ARGS --format json` with engine sockets that do not exist unless given.
fn drydock(args: &[&str], cwd: &Path, podman: Option<&Path>) -> Output {
    let home = tempfile::tempdir().unwrap();
    let podman = podman.map_or_else(
        || "unix:///nonexistent/podman.sock".to_string(),
        |p| format!("unix://{}", p.display()),
    );
    drydock_testkit::drydock_cmd!()
        .arg("image")
        .args(args)
        .args(["--format", "json", "--no-cache", "-q"])
        .current_dir(cwd)
        .env("DOCKER_CONFIG", home.path())
        .env("HOME", home.path())
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .env("CONTAINER_HOST", podman)
        .env_remove("DRYDOCK_IMAGE_SRC")
        .env_remove("REGISTRY_AUTH_FILE")
        .env_remove("DRYDOCK_USERNAME")
        .output()
        .unwrap()
}

fn kind(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["target"]["kind"].as_str().unwrap().to_string()
}

#[test]
fn sources_in_order_prefixes_and_paths() {
    let Some(root) = shared("debian-min.oci") else {
        return;
    };
    let Some(registry) = Registry::start() else {
        return;
    };
    registry.push_oci(&root, "debian:12", false);
    let reference = format!("{}/debian:12", registry.host);
    let cwd = tempfile::tempdir().unwrap();

    // Docker first (no engine here), then the registry.
    let out = drydock(
        &[&reference, "--image-src", "docker,registry"],
        cwd.path(),
        None,
    );
    assert_eq!(kind(&out), "registry");

    // Neither engine has it: the error names the argument and what each source said, and
    // the registry, not listed, is not asked.
    let before = registry.requests().len();
    let out = drydock(
        &[&reference, "--image-src", "docker,podman"],
        cwd.path(),
        None,
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&reference), "{err}");
    assert!(err.contains("not found in any --image-src source"), "{err}");
    assert!(
        err.contains("docker: ") && err.contains("/nonexistent/docker.sock"),
        "{err}"
    );
    assert!(
        err.contains("podman: ") && err.contains("/nonexistent/podman.sock"),
        "{err}"
    );
    assert_eq!(registry.requests().len(), before, "the registry was asked");

    // registry:// bypasses the list.
    let prefixed = format!("registry://{reference}");
    let out = drydock(&[&prefixed, "--image-src", "podman"], cwd.path(), None);
    assert_eq!(kind(&out), "registry");

    // A path that exists wins over a reference spelt the same.
    std::os::unix::fs::symlink(&root, cwd.path().join("debian:12")).unwrap();
    let out = drydock(&["debian:12"], cwd.path(), None);
    assert_eq!(kind(&out), "oci-layout");

    // A bad value is refused by name.
    let out = drydock(&[&reference, "--image-src", "containerd"], cwd.path(), None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("containerd"));
}

#[test]
fn podman_before_registry_finds_the_local_image() {
    let Some(tar) = shared("debian-min.tar") else {
        return;
    };
    let Some(podman) = Podman::start() else {
        return;
    };
    let name = podman.load(&tar);
    let cwd = tempfile::tempdir().unwrap();
    let out = drydock(
        &[&name, "--image-src", "podman,registry"],
        cwd.path(),
        Some(&podman.socket),
    );
    assert_eq!(kind(&out), "engine");
    // (Registry first is not tried here: the loaded name is a Docker Hub one, and tests stay
    // on 127.0.0.0/8; the fall-through order is tested above with the local registry.)
}
