//! `drydock image podman://NAME`: the image streamed from a Podman engine's API socket reports
//! what its `docker save` archive reports.
#![allow(clippy::unwrap_used)]

use drydock_testkit::podman::Podman;
use std::path::Path;

fn json(args: &[&str], socket: &Path) -> serde_json::Value {
    let out = drydock_testkit::drydock_cmd!()
        .args(args)
        .args(["--format", "json"])
        .env("DRYDOCK_QUIET", "1")
        .env("DRYDOCK_NO_CACHE", "1")
        .env("CONTAINER_HOST", format!("unix://{}", socket.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "drydock {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn podman_image_reports_like_its_archive() {
    let Some(tar) = drydock_testkit::shared("images/debian-min.tar") else {
        return;
    };
    let Some(podman) = Podman::start() else {
        return;
    };
    let name = podman.load(&tar);
    let a = json(&["image", tar.to_str().unwrap()], &podman.socket);
    let b = json(&["image", &format!("podman://{name}")], &podman.socket);
    assert_eq!(b["target"]["kind"], "engine");
    assert_eq!(a["image"]["id"], b["image"]["id"]);
    assert_eq!(a["os"], b["os"]);
    assert_eq!(a["files"], b["files"]);
    assert_eq!(a["layers"][0]["diff_id"], b["layers"][0]["diff_id"]);
    assert!(!a["packages"].as_array().unwrap().is_empty());
    for key in ["packages", "analyses", "findings", "totals", "diagnostics"] {
        assert!(!a[key].is_null(), "{key} missing from the report");
        assert_eq!(a[key], b[key], "{key} differ");
    }
}
