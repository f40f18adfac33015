//! dpkg cataloger against real status files and the trivy / syft edge cases.

mod common;

use common::{assert_same_rows, catalog, fixture, mangle, tsv, txtar};
use drydock_catalog::{DbFile, Distro, Ecosystem, Package, dpkg};

const STATUS: &str = "/var/lib/dpkg/status";

fn debian() -> Distro {
    Distro::new("debian", Some("12"))
}

fn ubuntu() -> Distro {
    Distro::new("ubuntu", Some("18.04"))
}

fn row(p: &Package) -> Vec<String> {
    vec![
        p.name.clone(),
        p.version.clone(),
        p.arch.clone().unwrap_or_default(),
        p.source_name.clone().unwrap_or_default(),
        p.source_version.clone().unwrap_or_default(),
    ]
}

/// Expected rows from a `dpkg-query` TSV (package, version, arch, raw Source, status):
/// only `ii` records, with dpkg's own defaulting of source name and version.
fn expected(rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
    rows.into_iter()
        .filter(|r| r[4].trim() == "ii")
        .map(|r| {
            let (name, version, arch, source) = (&r[0], &r[1], &r[2], r[3].trim());
            let (src_name, src_version) = match source.split_once(" (") {
                Some((n, v)) => (n.to_owned(), v.trim_end_matches(')').to_owned()),
                None if source.is_empty() => (name.clone(), version.clone()),
                None => (source.to_owned(), version.clone()),
            };
            vec![
                name.clone(),
                version.clone(),
                arch.clone(),
                src_name,
                src_version,
            ]
        })
        .collect()
}

#[test]
fn debian12_host_status_matches_dpkg_query() {
    let (Some(data), Some(want)) = (
        fixture("dpkg/debian12-host.status"),
        tsv("dpkg/debian12-host.expected.tsv"),
    ) else {
        return;
    };
    let (pkgs, diags) = catalog(STATUS, &data, &debian());
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(pkgs.len(), 723);
    let want = expected(want);
    assert_eq!(want.len(), 723);
    assert_same_rows("debian12-host.status", pkgs.iter().map(row).collect(), want);
    let bsdutils = pkgs
        .iter()
        .find(|p| p.name == "bsdutils")
        .expect("bsdutils");
    assert_eq!(bsdutils.epoch, Some(1));
    // `+` is percent-encoded in canonical purls (packageurl, trivy and syft agree).
    assert_eq!(
        bsdutils.purl,
        "pkg:deb/debian/bsdutils@1:2.38.1-5%2Bdeb12u3?arch=amd64&distro=debian-12"
    );
    assert!(pkgs.iter().all(|p| p.ecosystem == Ecosystem::Dpkg
        && p.db_path == STATUS
        && p.license.is_none()
        && p.purl.starts_with("pkg:deb/debian/")));
    assert!(pkgs.iter().all(|p| p.maintainer.is_some()));
}

#[test]
fn trivy_ubuntu_valid_keeps_only_installed() {
    let (Some(data), Some(want)) = (
        fixture("dpkg/trivy-ubuntu-valid.status"),
        tsv("dpkg/trivy-ubuntu-valid.expected.tsv"),
    ) else {
        return;
    };
    assert_eq!(want.len(), 91);
    let (pkgs, diags) = catalog(STATUS, &data, &ubuntu());
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(pkgs.len(), 90, "the `rc` git record must be left out");
    assert!(!pkgs.iter().any(|p| p.name == "git"));
    assert_same_rows(
        "trivy-ubuntu-valid.status",
        pkgs.iter().map(row).collect(),
        expected(want),
    );
    // Spot checks against trivy's own expectations (dpkg_test.go, case "valid").
    let libgcc1 = pkgs.iter().find(|p| p.name == "libgcc1").expect("libgcc1");
    assert_eq!(libgcc1.version, "1:8-20180414-1ubuntu2");
    assert_eq!(libgcc1.source_name.as_deref(), Some("gcc-8"));
    assert_eq!(
        libgcc1.source_version.as_deref(),
        Some("8-20180414-1ubuntu2")
    );
    let adduser = pkgs.iter().find(|p| p.name == "adduser").expect("adduser");
    assert_eq!(
        adduser.maintainer.as_deref(),
        Some("Ubuntu Core Developers <ubuntu-devel-discuss@lists.ubuntu.com>")
    );
    assert_eq!(
        adduser.purl,
        "pkg:deb/ubuntu/adduser@3.116ubuntu1?arch=all&distro=ubuntu-18.04"
    );
}

/// Runs the status section of a trivy txtar and returns (name, version, src name, src
/// version) rows plus the diagnostics.
fn trivy_case(file: &str) -> Option<(Vec<Vec<String>>, Vec<String>)> {
    let bytes = fixture(&format!("dpkg/{file}"))?;
    let sections = txtar(&bytes);
    let mut rows = Vec::new();
    let mut messages = Vec::new();
    for (name, body) in &sections {
        let path = format!("/{name}");
        let Some(c) = drydock_catalog::cataloger_for(&path) else {
            // `available` and `info/*.md5sums` are not package records.
            assert!(
                name.ends_with("/available") || name.contains("/info/"),
                "unexpected section {name}"
            );
            continue;
        };
        let mut diags = Vec::new();
        let pkgs = (c.parse)(&DbFile::new(&path, body), &ubuntu(), &mut diags).expect("parses");
        rows.extend(pkgs.iter().map(|p| {
            vec![
                p.name.clone(),
                p.version.clone(),
                p.source_name.clone().unwrap_or_default(),
                p.source_version.clone().unwrap_or_default(),
            ]
        }));
        messages.extend(diags.into_iter().map(|d| d.message));
    }
    Some((rows, messages))
}

fn rows(items: &[[&str; 4]]) -> Vec<Vec<String>> {
    items
        .iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect()
}

#[test]
fn trivy_corrupsed() {
    let Some((got, diags)) = trivy_case("trivy-corrupsed.txtar") else {
        return;
    };
    assert_same_rows(
        "trivy-corrupsed.txtar",
        got,
        rows(&[
            ["libgcc1", "1:5.1.1-12ubuntu1", "gcc-5", "5.1.1-12ubuntu1"],
            [
                "libpam-modules-bin",
                "1.1.8-3.1ubuntu3",
                "pam",
                "1.1.8-3.1ubuntu3",
            ],
            [
                "libpam-runtime",
                "1.1.8-3.1ubuntu3",
                "pam",
                "1.1.8-3.1ubuntu3",
            ],
            ["makedev", "2.3.1-93ubuntu1", "makedev", "2.3.1-93ubuntu1"],
        ]),
    );
    // The version-less stub and the `5.#` record are reported, not silently lost.
    assert_eq!(diags.len(), 2, "{diags:?}");
    assert!(diags[0].contains("brokenPackageWithNoVersionThatShouldGetThrownOut"));
    assert!(diags[1].contains("invalidpkg"));
}

#[test]
fn trivy_only_apt_third_party_digest_md5sums() {
    let cases: [(&str, Vec<Vec<String>>); 4] = [
        (
            "trivy-only-apt.txtar",
            rows(&[["apt", "1.6.3ubuntu0.1", "apt", "1.6.3ubuntu0.1"]]),
        ),
        (
            "trivy-third-party.txtar",
            rows(&[
                [
                    "docker-ce",
                    "5:20.10.7~3-0~debian-buster",
                    "docker-ce",
                    "5:20.10.7~3-0~debian-buster",
                ],
                ["apt", "1.6.3ubuntu0.1", "apt", "1.6.3ubuntu0.1"],
            ]),
        ),
        (
            "trivy-digest.txtar",
            rows(&[
                ["sed", "4.4-2", "sed", "4.4-2"],
                ["tar", "1.34+dfsg-1", "tar", "1.34+dfsg-1"],
            ]),
        ),
        (
            "trivy-md5sums.txtar",
            rows(&[["tar", "1.29b-2", "tar", "1.29b-2"]]),
        ),
    ];
    for (file, want) in cases {
        let Some((got, diags)) = trivy_case(file) else {
            return;
        };
        assert!(diags.is_empty(), "{file}: {diags:?}");
        assert_same_rows(file, got, want);
    }
}

#[test]
fn syft_status_d() {
    let dir = "/var/lib/dpkg/status.d";
    let Some(runtime) = fixture("dpkg/syft-status.d/libpam-runtime") else {
        return;
    };
    let (pkgs, diags) = catalog(&format!("{dir}/libpam-runtime"), &runtime, &debian());
    assert!(diags.is_empty(), "{diags:?}");
    assert_same_rows(
        "syft-status.d/libpam-runtime",
        pkgs.iter().map(row).collect(),
        vec![
            [
                "libpam-runtime",
                "1.5.2-6+deb12u1",
                "all",
                "pam",
                "1.5.2-6+deb12u1",
            ]
            .map(String::from)
            .to_vec(),
        ],
    );
    let Some(multiple) = fixture("dpkg/syft-status.d/multiple") else {
        return;
    };
    let (pkgs, diags) = catalog(&format!("{dir}/multiple"), &multiple, &debian());
    assert!(diags.is_empty(), "{diags:?}");
    assert_same_rows(
        "syft-status.d/multiple",
        pkgs.iter().map(row).collect(),
        vec![
            [
                "tzdata",
                "2020a-0+deb10u1",
                "all",
                "tzdata-dev",
                "2020a-0+deb10u1",
            ]
            .map(String::from)
            .to_vec(),
            [
                "util-linux",
                "2.33.1-0.1",
                "amd64",
                "util-linux",
                "2.33.1-0.1",
            ]
            .map(String::from)
            .to_vec(),
        ],
    );
}

#[test]
fn crlf_copy_parses_identically() {
    let Some(data) = fixture("dpkg/trivy-ubuntu-valid.status") else {
        return;
    };
    let crlf: Vec<u8> = String::from_utf8_lossy(&data)
        .replace('\n', "\r\n")
        .into_bytes();
    let (a, _) = catalog(STATUS, &data, &ubuntu());
    let (b, diags) = catalog(STATUS, &crlf, &ubuntu());
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(a, b);
}

#[test]
fn truncated_and_flipped_status_never_panics() {
    let Some(data) = fixture("dpkg/trivy-ubuntu-valid.status") else {
        return;
    };
    let n = mangle(&data, 1000, 0xd9c6, |bytes| {
        let mut diags = Vec::new();
        let pkgs = dpkg::parse(&DbFile::new(STATUS, bytes), &ubuntu(), &mut diags)
            .expect("dpkg never fails as a whole");
        assert!(pkgs.len() <= 90);
    });
    println!("dpkg: {n} mangled variants parsed without panic");
}
