//! Layer semantics end to end: images built in a temp dir, opened in every format, scanned.
//! The os-release analyzer is the probe: what it saw, in which layer, and what became of it.
#![allow(clippy::unwrap_used)]

use drydock_analyze::{Engine, Scan};
use drydock_fs::{Fate, ImagePath, Limits};
use drydock_image::{Image, OpenOptions};
use drydock_testkit::*;
use std::path::Path;

const ALPINE: &str = "ID=alpine\nVERSION_ID=3.19.1\n";
const DEBIAN11: &str = "ID=debian\nVERSION_ID=\"11\"\nVERSION_CODENAME=bullseye\n";
const DEBIAN12: &str = "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n";

/// Scans the spec in all three formats and checks they agree; returns the OCI-dir scan.
fn scan(spec: &ImageSpec) -> Scan {
    let tmp = tempfile::tempdir().unwrap();
    let oci = tmp.path().join("oci");
    spec.write_oci_dir(&oci);
    let oci_tar = tmp.path().join("oci.tar");
    spec.write_oci_tar(&oci_tar);
    let docker = tmp.path().join("docker.tar");
    spec.write_docker_archive(&docker);
    let scans: Vec<Scan> = [&oci, &oci_tar, &docker]
        .iter()
        .map(|p| scan_path(p))
        .collect();
    for s in &scans[1..] {
        assert_eq!(s.os, scans[0].os, "formats disagree on the OS");
        assert_eq!(
            s.tree.len(),
            scans[0].tree.len(),
            "formats disagree on the tree"
        );
        assert_eq!(s.outputs.len(), scans[0].outputs.len());
    }
    scans.into_iter().next().unwrap()
}

fn scan_path(p: &Path) -> Scan {
    let image = Image::open(p, &OpenOptions::default()).unwrap();
    Engine::builtin(Limits::default())
        .unwrap()
        .scan(&image, &|_| {})
        .unwrap()
}

fn fate(s: &Scan, layer: usize, path: &str) -> Fate {
    s.outputs
        .iter()
        .find(|o| o.layer == layer && o.path == ImagePath::new(path))
        .unwrap_or_else(|| panic!("no output for {path} in layer {layer}: {:?}", s.outputs))
        .fate
}

fn os(s: &Scan) -> (String, String) {
    let os =
        s.os.as_ref()
            .unwrap_or_else(|| panic!("no OS: {:?} {:?}", s.diagnostics, s.outputs));
    (os.family.clone(), os.version.clone())
}

#[test]
fn whiteout_deletes_but_the_layer_still_reports_it() {
    let s = scan(&image(vec![
        layer(vec![
            dir("etc"),
            file("etc/alpine-release", "3.19.1\n"),
            file("etc/os-release", ALPINE),
        ]),
        layer(vec![
            whiteout("etc/os-release"),
            whiteout("etc/alpine-release"),
            file("etc/debian_version", "12.5\n"),
        ]),
    ]));
    assert_eq!(os(&s), ("debian".into(), "12.5".into()));
    assert_eq!(fate(&s, 0, "etc/os-release"), Fate::Deleted { by_layer: 1 });
    assert_eq!(
        fate(&s, 0, "etc/alpine-release"),
        Fate::Deleted { by_layer: 1 }
    );
    assert!(s.tree.get(&ImagePath::new("etc/os-release")).is_none());
}

#[test]
fn opaque_dir_hides_lower_content_only() {
    let s = scan(&image(vec![
        layer(vec![
            dir("etc"),
            file("etc/alpine-release", "3.18.0\n"),
            file("etc/motd", "hi"),
        ]),
        layer(vec![
            dir("etc"),
            file("etc/debian_version", "11.9\n"),
            opaque("etc"),
        ]),
    ]));
    assert_eq!(os(&s), ("debian".into(), "11.9".into()));
    assert_eq!(
        s.os.as_ref().unwrap().eol,
        Some(true),
        "Debian 11 ended in 2026-08"
    );
    assert_eq!(
        fate(&s, 0, "etc/alpine-release"),
        Fate::Deleted { by_layer: 1 }
    );
    assert!(s.tree.get(&ImagePath::new("etc/motd")).is_none());
    assert!(
        s.tree.get(&ImagePath::new("etc/debian_version")).is_some(),
        "same-layer content survives its own opaque marker"
    );
}

#[test]
fn file_replaced_in_a_later_layer() {
    let s = scan(&image(vec![
        layer(vec![file("etc/os-release", DEBIAN11)]),
        layer(vec![file("etc/os-release", DEBIAN12)]).compressed(Compression::Zstd),
        layer(vec![file("srv/unrelated", "x")]).compressed(Compression::None),
    ]));
    assert_eq!(os(&s), ("debian".into(), "12".into()));
    assert_eq!(
        fate(&s, 0, "etc/os-release"),
        Fate::Replaced { by_layer: 1 }
    );
    assert_eq!(fate(&s, 1, "etc/os-release"), Fate::Present);
}

#[test]
fn directory_replaced_by_a_file_takes_its_subtree() {
    let s = scan(&image(vec![
        layer(vec![dir("etc"), file("etc/os-release", ALPINE)]),
        layer(vec![file("etc", "not a dir any more")]),
    ]));
    assert!(s.os.is_none());
    assert_eq!(fate(&s, 0, "etc/os-release"), Fate::Deleted { by_layer: 1 });
}

#[test]
fn hardlink_reads_its_target_content() {
    let s = scan(&image(vec![
        layer(vec![file(
            "usr/share/base/os",
            "ID=alpine\nVERSION_ID=3.20.0\n",
        )]),
        layer(vec![hardlink("etc/os-release", "usr/share/base/os")]),
    ]));
    assert_eq!(os(&s), ("alpine".into(), "3.20.0".into()));
    assert_eq!(fate(&s, 1, "etc/os-release"), Fate::Present);
}

#[test]
fn symlink_chain_and_symlink_to_root() {
    let s = scan(&image(vec![layer(vec![
        symlink("rootlink", "/"),
        symlink("etc/os-release", "a1"),
        symlink("etc/a1", "../etc/a2"),
        symlink("etc/a2", "/etc/a3"),
        symlink("etc/a3", "/rootlink/rootlink/../srv/real"),
        file("srv/real", DEBIAN12),
    ])]));
    assert_eq!(os(&s), ("debian".into(), "12".into()));
    // The content came from where it really lives in the layer.
    assert_eq!(fate(&s, 0, "srv/real"), Fate::Present);
}

#[test]
fn symlink_loops_and_long_chains_fail_only_that_path() {
    let mut entries = vec![
        symlink("etc/os-release", "loop-a"),
        symlink("etc/loop-a", "loop-b"),
        symlink("etc/loop-b", "loop-a"),
    ];
    entries.push(symlink("usr/lib/os-release", "/c/0"));
    for i in 0..2000 {
        entries.push(symlink(format!("c/{i}"), format!("/c/{}", i + 1)));
    }
    entries.push(file("c/2000", ALPINE));
    entries.push(file("etc/alpine-release", "3.19.1\n"));
    let s = scan(&image(vec![layer(entries)]));
    assert_eq!(os(&s), ("alpine".into(), "3.19.1".into()));
    let loops = s
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("more than 40 symlinks"))
        .count();
    assert_eq!(loops, 2, "{:?}", s.diagnostics);
}

#[test]
fn hostile_names_stay_inside_the_root() {
    let s = scan(&image(vec![layer(vec![
        file("../../../../etc/alpine-release", "3.19.1\n"),
        file("/etc/os-release", ALPINE),
        file("a/../../../b", "x"),
        Entry::Fifo(b"dev/fifo".to_vec()),
        Entry::CharDev(b"dev/null".to_vec()),
        file(vec![b'z'; 10_000], "long name"),
        file(b"bad/\xff\xfe-utf8", "x"),
    ])]));
    assert_eq!(os(&s), ("alpine".into(), "3.19.1".into()));
    assert!(s.tree.get(&ImagePath::new("b")).is_some());
    assert!(
        s.tree
            .get(&ImagePath::normalize(&[b'z'; 10_000]).0)
            .is_some()
    );
    assert!(
        s.diagnostics
            .iter()
            .any(|d| d.message.contains("climbs above the image root"))
    );
}

#[test]
fn links_to_host_paths_resolve_inside_the_image() {
    let host = tempfile::tempdir().unwrap();
    let canary = host.path().join("os-release");
    std::fs::write(&canary, "ID=canaryhost\nVERSION_ID=666\n").unwrap();
    let target = canary.to_str().unwrap().to_owned();
    let s = scan(&image(vec![layer(vec![
        symlink("etc/os-release", &target),
        hardlink("usr/lib/os-release", &target),
        symlink(
            "etc/lsb-release",
            "../../../../../../../../".to_owned() + &target,
        ),
    ])]));
    assert!(s.os.is_none(), "{:?}", s.os);
    let dump = format!("{:?}", s.outputs);
    assert!(!dump.contains("canaryhost"));
}

#[test]
fn picks_by_platform_and_ref_from_nested_index() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("multi");
    let amd = image(vec![layer(vec![file("etc/os-release", DEBIAN12)])]);
    let mut arm = image(vec![layer(vec![file("etc/os-release", ALPINE)])]);
    arm.arch = "arm64".into();
    // Write both images' blobs, then a nested index over them.
    let a = amd.write_oci_dir(&dir);
    let b = arm.write_oci_dir(&dir);
    let size = |d: &str| std::fs::metadata(dir.join(blob_name(d))).unwrap().len();
    let nested = serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": a.manifest_digest, "size": size(&a.manifest_digest),
         "platform": {"os": "linux", "architecture": "amd64"}},
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": b.manifest_digest, "size": size(&b.manifest_digest),
         "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
    ]}))
    .unwrap();
    let nd = sha256(&nested);
    std::fs::write(dir.join(blob_name(&nd)), &nested).unwrap();
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": [
            {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": nd, "size": nested.len(),
             "annotations": {"org.opencontainers.image.ref.name": "v1"}}]}))
        .unwrap(),
    )
    .unwrap();
    let engine = Engine::builtin(Limits::default()).unwrap();
    let open = |platform: &str, r: Option<&str>| {
        Image::open(
            &dir,
            &OpenOptions {
                platform: Some(platform.parse().unwrap()),
                reference: r.map(Into::into),
            },
        )
    };
    let arm_img = open("linux/arm64", Some("v1")).unwrap();
    assert_eq!(
        engine.scan(&arm_img, &|_| {}).unwrap().os.unwrap().family,
        "alpine"
    );
    let amd_img = open("linux/amd64", None).unwrap();
    assert_eq!(
        engine.scan(&amd_img, &|_| {}).unwrap().os.unwrap().family,
        "debian"
    );
    let err = open("linux/s390x", None).unwrap_err().to_string();
    assert!(err.contains("no image for platform linux/s390x"), "{err}");
    let err = open("linux/amd64", Some("nope")).unwrap_err().to_string();
    assert!(err.contains("no image named \"nope\""), "{err}");
}

#[test]
fn rootfs_directory_never_opens_fifos_or_follows_links_out() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::create_dir_all(root.join("usr/lib")).unwrap();
    let canary = tmp.path().join("canary");
    std::fs::write(&canary, "ID=canaryhost\nVERSION_ID=1\n").unwrap();
    std::os::unix::fs::symlink(&canary, root.join("usr/lib/os-release")).unwrap();
    // A FIFO where an analyzer wants a file: opening it would block the scan forever.
    let status = std::process::Command::new("mkfifo")
        .arg(root.join("etc/os-release"))
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::write(root.join("etc/alpine-release"), "3.20.3\n").unwrap();
    let image = Image::rootfs(&root).unwrap();
    let s = Engine::builtin(Limits::default())
        .unwrap()
        .scan(&image, &|_| {})
        .unwrap();
    assert_eq!(os(&s), ("alpine".into(), "3.20.3".into()));
    assert!(!format!("{:?}", s.outputs).contains("canaryhost"));
}
