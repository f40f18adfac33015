//! A multi-platform image in a real registry (Debian's `docker-registry`, distribution 2.8):
//! an OCI layout whose one ref is an image index of a linux/amd64 and a linux/arm64 manifest
//! (built by `drydock_testkit::write_multi_arch_oci`), pushed with `skopeo copy --all`, digests
//! preserved. `--platform` and the host default pick the right manifest, only that manifest's
//! layer is fetched, and every report format names the reference and the chosen manifest.
#![allow(clippy::unwrap_used)]

use std::process::Output;

use drydock_testkit::registry::Registry;
use drydock_testkit::{file, image, layer, write_multi_arch_oci};

fn drydock(args: &[&str], home: &std::path::Path) -> Output {
    drydock_testkit::drydock_cmd!()
        .args(args)
        .args(["--no-cache", "-q"])
        .env("DOCKER_CONFIG", home)
        .env("HOME", home)
        .env_remove("REGISTRY_AUTH_FILE")
        .env_remove("DRYDOCK_USERNAME")
        .output()
        .unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn platform_selection_from_a_pushed_index_and_every_format_names_it() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("multi");
    // Debian's os-release (bookworm, as in ../shared/images/debian-min.oci) and a marker
    // file per platform, so each manifest has its own layer.
    let os_release = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n\
                      VERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n";
    let specs: Vec<_> = ["amd64", "arm64"]
        .iter()
        .map(|arch| {
            let mut spec = image(vec![layer(vec![
                file("etc/os-release", os_release),
                file("etc/drydock-test-arch", *arch),
            ])]);
            spec.arch = (*arch).to_string();
            spec
        })
        .collect();
    let (built, index_digest) = write_multi_arch_oci(&layout, &specs);
    let Some(registry) = Registry::start() else {
        return;
    };
    registry.push_oci(&layout, "multi:1", true);
    let reference = format!("{}/multi:1", registry.host);
    let home = tempfile::tempdir().unwrap();

    let arm = json(&drydock(
        &[
            "image",
            &reference,
            "--platform",
            "linux/arm64",
            "--format",
            "json",
        ],
        home.path(),
    ));
    assert_eq!(arm["target"]["reference"], reference.as_str());
    assert_eq!(arm["image"]["architecture"], "arm64");
    assert_eq!(arm["image"]["manifest_digest"], built[1].manifest_digest);
    assert_ne!(arm["image"]["manifest_digest"], index_digest);
    let log = registry.requests();
    let blob = |b: &drydock_testkit::Built| format!("GET /v2/multi/blobs/{}", b.layer_digests[0]);
    assert!(log.contains(&blob(&built[1])), "{log:?}");
    assert!(
        !log.contains(&blob(&built[0])),
        "amd64 layer fetched: {log:?}"
    );

    // No --platform: the host's.
    let host_arch = match std::env::consts::ARCH {
        "x86_64" => Some(0),
        "aarch64" => Some(1),
        _ => None,
    };
    let default = drydock(&["image", &reference, "--format", "json"], home.path());
    match host_arch {
        Some(i) => {
            let report = json(&default);
            assert_eq!(report["image"]["manifest_digest"], built[i].manifest_digest);
            assert_eq!(report["image"]["architecture"], specs[i].arch.as_str());
        }
        None => assert!(!default.status.success()),
    }

    // A platform the index does not have fails naming what it has.
    let missing = drydock(
        &["image", &reference, "--platform", "linux/s390x"],
        home.path(),
    );
    assert!(!missing.status.success());
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(err.contains("s390x") && err.contains("arm64"), "{err}");

    // Every format carries the reference and the manifest actually scanned.
    for format in [
        "table",
        "json",
        "sarif",
        "cyclonedx",
        "spdx-json",
        "junit",
        "html",
    ] {
        let out = drydock(
            &[
                "image",
                &reference,
                "--platform",
                "linux/arm64",
                "--format",
                format,
            ],
            home.path(),
        );
        // Findings may set a non-zero exit code; the document is still written.
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(&reference), "{format}: no reference\n{text}");
        assert!(
            text.contains(&built[1].manifest_digest),
            "{format}: no manifest digest\n{text}"
        );
    }
}
