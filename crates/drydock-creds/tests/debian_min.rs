//! The shared Debian 12 base image must yield no credential findings: its accounts are locked
//! and it ships no service configuration. The image is read with the system `tar` when it is
//! present beside the repository (`../shared/images/debian-min.tar`, as CI lays it out); its
//! account files are also kept under `tests/fixtures/debian-min` so the check runs without it.

mod common;

use drydock_creds::{audit, wants};
use std::path::PathBuf;
use std::process::Command;

#[test]
fn fixture_copy_yields_nothing() {
    let f = audit(&common::load("debian-min"), &common::budget());
    assert!(f.is_empty(), "{f:#?}");
}

fn image() -> Option<PathBuf> {
    drydock_testkit::shared("images/debian-min.tar")
}

fn tar(args: &[&str]) -> Option<Vec<u8>> {
    let out = Command::new("tar").args(args).output().ok()?;
    out.status.success().then_some(out.stdout)
}

#[test]
fn shared_image_yields_nothing() {
    let Some(image) = image() else {
        return;
    };
    let image = image.to_string_lossy().into_owned();
    let manifest = tar(&["-xOf", &image, "manifest.json"]).expect("manifest.json in the image");
    let manifest = String::from_utf8_lossy(&manifest);
    // Layer members are the quoted `.../layer.tar` (or blob) names listed under "Layers".
    let layers_part = manifest
        .split("\"Layers\"")
        .nth(1)
        .expect("Layers in manifest");
    let layers: Vec<&str> = layers_part.split('"').filter(|s| s.contains('/')).collect();
    assert!(!layers.is_empty(), "{manifest}");
    let dir = std::env::temp_dir().join(format!("drydock-creds-debian-{}", std::process::id()));
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for layer in layers {
        // Layers in order, each unpacked fresh: a later layer's file replaces an earlier one.
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let layer_tar = dir.join("layer.tar");
        std::fs::write(&layer_tar, tar(&["-xOf", &image, layer]).expect("layer"))
            .expect("write layer");
        let layer_tar = layer_tar.to_string_lossy().into_owned();
        let list = tar(&["-tf", &layer_tar]).expect("list layer");
        let list = String::from_utf8_lossy(&list);
        let names: Vec<&str> = list
            .lines()
            .filter(|n| wants(n) && !n.ends_with('/'))
            .collect();
        if names.is_empty() {
            continue;
        }
        let out = dir.join("root");
        std::fs::create_dir_all(&out).expect("out dir");
        let out_s = out.to_string_lossy().into_owned();
        let mut args = vec!["-xf", layer_tar.as_str(), "-C", out_s.as_str()];
        args.extend(names.iter().copied());
        tar(&args).expect("extract wanted files");
        for name in names {
            // Only regular files; a symlink is not followed out of the extraction dir.
            let p = out.join(name);
            if std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_file()) {
                files.retain(|(q, _)| q != name);
                files.push((name.to_owned(), std::fs::read(&p).expect("read extracted")));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let names: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    for needed in ["etc/passwd", "etc/shadow", "etc/group", "etc/gshadow"] {
        assert!(
            names.contains(&needed),
            "{needed} not found in the image: {names:?}"
        );
    }
    let f = audit(&files, &common::budget());
    assert!(f.is_empty(), "{f:#?}");
}
