//! One canonical report, every format snapshotted (insta). The image is built deterministically;
//! what varies by machine or clock (temp paths, timestamps, the serial number derived from the
//! path) is filtered out.
#![allow(clippy::unwrap_used)]

use drydock_analyze::Engine;
use drydock_finding::Kind;
use drydock_fs::Limits;
use drydock_image::{Image, OpenOptions};
use drydock_report::Report;
use drydock_testkit::*;

const STATUS: &str = "Package: openssl\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3.0.15-1~deb12u1\nMaintainer: Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>\n\n";
// `openssl passwd -6 -salt saltsalt password`
const SHADOW: &str = "root:$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/:19000:0:99999:7:::\n";

fn all_formats() -> Vec<(&'static str, String)> {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("img");
    let mut spec = image(vec![
        layer(vec![
            file(
                "etc/os-release",
                "PRETTY_NAME=\"Debian GNU/Linux 11 (bullseye)\"\nID=debian\nVERSION_ID=\"11\"\nVERSION_CODENAME=bullseye\n",
            ),
            file("var/lib/dpkg/status", STATUS),
            file("etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"),
            file("etc/shadow", SHADOW),
            file("app/.env", "STRIPE=sk_live_51HbQ2xKz8Yw3Lm4Np5Qr6St7\n"),
            file_mode("usr/local/bin/helper", "#!/bin/sh\n", 0o4755),
        ]),
        layer(vec![
            whiteout("app/.env"),
            file(
                "app/package-lock.json",
                r#"{"lockfileVersion":3,"packages":{"":{},"node_modules/lodash":{"version":"4.17.20"}}}"#,
            ),
        ]),
    ]);
    spec.exposed = vec!["22/tcp".into()];
    spec.write_oci_dir(&dir);
    let image = Image::open(&dir, &OpenOptions::default()).unwrap();
    // Every analyzer, the credential-file collector included, as the binary runs them.
    let analyzers = drydock_analyze::analyzers::builtin(drydock_analyze::analyzers::Options {
        credential_files: Some(drydock_scan::credentials::wants),
        ..Default::default()
    });
    let scan = Engine::new(analyzers, Limits::default())
        .unwrap()
        .scan(&image, &|_| {})
        .unwrap();
    let kinds = [Kind::Secret, Kind::Credential, Kind::Misconfiguration];
    let findings = drydock_scan::run(
        &drydock_scan::Input {
            image: &image,
            scan: &scan,
            options: &Default::default(),
        },
        &kinds,
    );
    let report = Report::new(&image, &scan, &findings);
    vec![
        ("table", drydock_report::summary(&report)),
        ("json", report.json()),
        ("sarif", drydock_report::sarif(&report)),
        ("cyclonedx", drydock_report::cyclonedx(&report)),
        ("spdx", drydock_report::spdx(&report)),
        ("junit", drydock_report::junit(&report)),
        ("html", drydock_report::html(&report)),
    ]
    .into_iter()
    .map(|(name, text)| (name, text.replace(&dir.display().to_string(), "[IMAGE]")))
    .collect()
}

#[test]
fn every_format_of_the_canonical_report() {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", "[TIME]");
    settings.add_filter(r"urn:uuid:[0-9a-f-]{36}", "urn:uuid:[SERIAL]");
    settings.add_filter(
        r"spdxdocs/drydock/[0-9a-f-]{36}",
        "spdxdocs/drydock/[SERIAL]",
    );
    settings.add_filter(r"\d+ days? ago|supported until \d{4}-\d{2}-\d{2}", "[DATE]");
    settings.bind(|| {
        for (name, text) in all_formats() {
            insta::assert_snapshot!(name, text);
        }
    });
}
