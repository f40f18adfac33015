//! apk cataloger against trivy's installed databases.

mod common;

use common::{assert_same_rows, catalog, fixture, mangle, tsv};
use drydock_catalog::{DbFile, Distro, Ecosystem, apk};

const INSTALLED: &str = "/lib/apk/db/installed";

fn alpine() -> Distro {
    Distro::new("alpine", Some("3.4.6"))
}

#[test]
fn trivy_alpine_installed_matches_trivy_expectations() {
    let (Some(data), Some(want)) = (
        fixture("apk/trivy-alpine-installed"),
        tsv("apk/trivy-alpine-installed.expected.tsv"),
    ) else {
        return;
    };
    let (pkgs, diags) = catalog(INSTALLED, &data, &alpine());
    assert_eq!(want.len(), 15);
    assert_same_rows(
        "trivy-alpine-installed",
        pkgs.iter()
            .map(|p| {
                vec![
                    p.name.clone(),
                    p.version.clone(),
                    p.source_name.clone().unwrap_or_default(),
                    p.source_version.clone().unwrap_or_default(),
                ]
            })
            .collect(),
        want,
    );
    // The injected record without V: is reported and skipped.
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(diags[0].message.contains("invalidPackageWithoutAVersion"));
    assert!(pkgs.iter().all(|p| p.ecosystem == Ecosystem::Apk
        && p.arch.as_deref() == Some("x86_64")
        && p.epoch.is_none()));
    let ada = pkgs
        .iter()
        .find(|p| p.name == "ada-libs")
        .expect("ada-libs");
    assert_eq!(
        ada.license.as_deref(),
        Some("( Apache-2.0 OR MIT ) AND MPL-2.0")
    );
    let musl = pkgs.iter().find(|p| p.name == "musl").expect("musl");
    assert_eq!(
        musl.maintainer.as_deref(),
        Some("Timo Teräs <timo.teras@iki.fi>")
    );
    assert_eq!(
        musl.purl,
        "pkg:apk/alpine/musl@1.1.14-r10?arch=x86_64&distro=3.4.6"
    );
}

#[test]
fn trivy_small_installed() {
    let Some(data) = fixture("apk/trivy-small-installed") else {
        return;
    };
    let (pkgs, diags) = catalog(INSTALLED, &data, &Distro::new("alpine", Some("3.20.0")));
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(pkgs.len(), 1);
    println!("trivy-small-installed: 1 packages matched");
    assert_eq!(pkgs[0].name, "musl");
    assert_eq!(pkgs[0].version, "1.1.24-r2");
    assert_eq!(pkgs[0].license.as_deref(), Some("MIT"));
    assert_eq!(
        pkgs[0].purl,
        "pkg:apk/alpine/musl@1.1.24-r2?arch=x86_64&distro=3.20.0"
    );
}

#[test]
fn truncated_and_flipped_installed_never_panics() {
    let Some(data) = fixture("apk/trivy-alpine-installed") else {
        return;
    };
    let n = mangle(&data, 3000, 0xa1b2, |bytes| {
        let mut diags = Vec::new();
        let pkgs = apk::parse(&DbFile::new(INSTALLED, bytes), &alpine(), &mut diags)
            .expect("apk never fails as a whole");
        assert!(pkgs.len() <= 17);
    });
    println!("apk: {n} mangled variants parsed without panic");
}
