//! Images read from a container engine's API (Podman here) scan exactly like the same image
//! read from its `docker save` archive.
#![allow(clippy::unwrap_used)]

use drydock_analyze::Engine;
use drydock_fs::Limits;
use drydock_image::{EngineKind, EngineSocket, Image, OpenOptions};
use drydock_testkit::podman::Podman;

#[test]
fn debian_min_from_podman_equals_its_docker_archive() {
    let Some(tar) = drydock_testkit::shared("images/debian-min.tar") else {
        return;
    };
    let Some(podman) = Podman::start() else {
        return;
    };
    let name = podman.load(&tar);
    let engine = Engine::builtin(Limits::default()).unwrap();

    let from_file = Image::open(&tar, &OpenOptions::default()).unwrap();
    let socket = EngineSocket::new(EngineKind::Podman, &podman.socket);
    let from_engine = Image::open_engine(&socket, &name).unwrap();
    assert!(from_engine.is_streamed());
    assert_eq!(from_engine.config_digest, from_file.config_digest);
    let diff_ids = |i: &Image| {
        i.layers
            .iter()
            .map(|l| l.diff_id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(diff_ids(&from_engine), diff_ids(&from_file));
    assert_eq!(
        from_engine.config.as_ref().unwrap().config.user,
        from_file.config.as_ref().unwrap().config.user
    );

    let a = engine.scan(&from_file, &|_| {}).unwrap();
    let b = engine.scan(&from_engine, &|_| {}).unwrap();
    assert!(!a.packages.is_empty());
    assert_eq!(json(&a.packages), json(&b.packages));
    assert_eq!(json(&a.outputs), json(&b.outputs));
    assert_eq!(
        a.os.as_ref().map(|o| format!("{o:?}")),
        b.os.as_ref().map(|o| format!("{o:?}"))
    );
    assert_eq!(a.tree.len(), b.tree.len());
    assert_eq!(b.layers.len(), 1);
    assert_eq!(a.layers[0].stats.diff_id, b.layers[0].stats.diff_id);
    let messages = |s: &drydock_analyze::Scan| {
        s.diagnostics
            .iter()
            .map(|d| d.message.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(messages(&a), messages(&b));
}

#[test]
fn podman_names_a_missing_image() {
    let Some(podman) = Podman::start() else {
        return;
    };
    let socket = EngineSocket::new(EngineKind::Podman, &podman.socket);
    let err = Image::open_engine(&socket, "no-such-image:1")
        .unwrap_err()
        .to_string();
    assert!(err.contains("podman://no-such-image:1"), "{err}");
    assert!(err.contains("404"), "{err}");
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap()
}
