//! `drydock image A B C` against a real registry (Debian's `docker-registry`, pushed with
//! `skopeo`): two images sharing a base layer, plus one that does not exist. Each image gets its
//! own report (one file each with `--format json=DIR/`), the summary lists all three, the missing
//! one fails the run without stopping the others, and the shared base layer is fetched from the
//! registry once (by the registry's access log), with the layer cache on and off.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use drydock_testkit::registry::Registry;
use drydock_testkit::{file, image, layer};

const AWS_KEY: &str = "AKIAZ4Q7RXW3KD6TYB2N";

fn push(
    registry: &Registry,
    dir: &Path,
    layers: Vec<drydock_testkit::Layer>,
    name: &str,
) -> Vec<String> {
    let layout = dir.join(name.replace([':', '/'], "_"));
    let built = image(layers).write_oci_dir(&layout);
    registry.push_oci(&layout, name, false);
    built.layer_digests
}

fn base() -> drydock_testkit::Layer {
    layer(vec![
        file(
            "etc/os-release",
            "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian 12\"\n",
        ),
        file("usr/share/base.txt", "the shared base layer\n".repeat(64)),
    ])
}

#[test]
fn many_images_one_report_each_shared_base_fetched_once() {
    let Some(registry) = Registry::start() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let secret = format!("aws_access_key_id = {AWS_KEY}\n");
    let a_layers = push(
        &registry,
        work.path(),
        vec![base(), layer(vec![file("app/a/.env", secret.as_str())])],
        "team/a:1",
    );
    let b_layers = push(
        &registry,
        work.path(),
        vec![
            base(),
            layer(vec![file("app/b/readme.txt", "nothing here\n")]),
        ],
        "team/b:1",
    );
    assert_eq!(a_layers[0], b_layers[0], "the base layer is one blob");
    let base_digest = &a_layers[0];
    let a = format!("{}/team/a:1", registry.host);
    let b = format!("{}/team/b:1", registry.host);
    let missing = format!("{}/team/missing:1", registry.host);

    for cache in [true, false] {
        let home = tempfile::tempdir().unwrap();
        let reports = home.path().join("reports/");
        let list = home.path().join("images.txt");
        std::fs::write(&list, format!("# fleet\n{b}\n\n{missing}  # gone\n")).unwrap();
        let before = registry.requests().len();
        let mut cmd = drydock_testkit::drydock_cmd!();
        cmd.args(["image", &a, "--images-from"])
            .arg(&list)
            .args(["--scanners", "secret", "--format", "table", "--format"])
            .arg(format!("json={}", reports.display()))
            .arg("--cache-dir")
            .arg(home.path().join("cache"))
            .env("HOME", home.path())
            .env("DOCKER_CONFIG", home.path())
            .env_remove("REGISTRY_AUTH_FILE")
            .env_remove("DRYDOCK_USERNAME");
        if !cache {
            cmd.arg("--no-cache");
        }
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
        assert!(
            stderr.contains("1 of 3 images could not be scanned"),
            "{stderr}"
        );
        assert!(
            stderr.contains(&missing),
            "the failing image is named: {stderr}"
        );

        // One JSON report per scanned image, named after its reference.
        let mut names: Vec<String> = std::fs::read_dir(&reports)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names.len(), 2, "{names:?}");
        for (name, reference, findings) in [(&names[0], &a, 1), (&names[1], &b, 0)] {
            let json: serde_json::Value =
                serde_json::from_slice(&std::fs::read(reports.join(name)).unwrap()).unwrap();
            assert_eq!(json["target"]["reference"], reference.as_str());
            assert_eq!(
                json["findings"].as_array().unwrap().len(),
                findings,
                "{name}"
            );
        }

        // The table output: each image's report, then the summary with one line per image.
        let summary = stdout.rsplit("IMAGE ").next().unwrap();
        for (reference, status) in [(&a, "ok"), (&b, "ok"), (&missing, "error:")] {
            let line = summary
                .lines()
                .find(|l| l.starts_with(reference.as_str()))
                .unwrap_or_else(|| panic!("{reference} not in the summary:\n{stdout}"));
            assert!(line.contains(status), "{line}");
        }
        assert!(!stdout.contains(AWS_KEY), "the secret is redacted");

        let log = registry.requests().split_off(before);
        let base_gets = log
            .iter()
            .filter(|r| r.starts_with("GET ") && r.contains(&format!("/blobs/{base_digest}")))
            .count();
        assert_eq!(
            base_gets, 1,
            "cache {cache}: shared base {base_digest} fetched once: {log:#?}"
        );
    }
}

#[test]
fn explicit_credentials_are_refused_for_images_from_several_registries() {
    let out = drydock_testkit::drydock_cmd!()
        .args([
            "image",
            "registry.example/a:1",
            "other.example/b:1",
            "--username",
            "me",
            "--password-stdin",
        ])
        .env("HOME", tempfile::tempdir().unwrap().path())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("other.example") && stderr.contains("registry.example"),
        "{stderr}"
    );
}
