//! The inventory: OS and language packages of the final view, and the dpkg ownership rule that
//! keeps a distro-patched binary from being reported (and matched) a second time upstream.
#![allow(clippy::unwrap_used)]

use drydock_analyze::{Engine, PackageClass};
use drydock_fs::Limits;
use drydock_image::{Image, OpenOptions};
use drydock_testkit::*;

/// A package database from `../shared/data/pkgdb` (skipped where absent, failing under CI).
fn shared(rel: &str) -> Option<Vec<u8>> {
    drydock_testkit::shared(&format!("data/pkgdb/{rel}"))
        .map(|p| std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
}

const STATUS: &str = "Package: runc\nStatus: install ok installed\nArchitecture: amd64\nSource: runc (1.1.5+ds1-1+deb12u1)\nVersion: 1.1.5+ds1-1+deb12u1\n\n";

#[test]
fn dpkg_owned_go_binary_is_the_deb_and_other_binaries_are_go_modules() {
    let (Some(runc_xz), Some(app)) = (
        shared("gobinary/debian12-runc_1.1.5+ds1-1+deb12u1.xz"),
        shared("gobinary/trivy-test.elf"),
    ) else {
        return;
    };
    let mut runc = Vec::new();
    lzma_rs::xz_decompress(&mut &runc_xz[..], &mut runc).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    image(vec![
        layer(vec![
            file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
            file("var/lib/dpkg/status", STATUS),
            file(
                "var/lib/dpkg/info/runc.list",
                "/.\n/usr\n/usr/sbin\n/usr/sbin/runc\n",
            ),
            file_mode("usr/sbin/runc", &runc, 0o755),
        ]),
        layer(vec![file_mode("usr/local/bin/app", &app, 0o755)]).compressed(Compression::Zstd),
    ])
    .write_oci_dir(tmp.path());
    let image = Image::open(tmp.path(), &OpenOptions::default()).unwrap();
    let scan = Engine::builtin(Limits::default())
        .unwrap()
        .scan(&image, &|_| {})
        .unwrap();
    let pkgs = &scan.packages;
    let deb = pkgs.iter().find(|p| p.name == "runc").unwrap();
    assert_eq!(
        (deb.class, deb.ecosystem.as_str(), deb.version.as_str()),
        (PackageClass::Os, "dpkg", "1.1.5+ds1-1+deb12u1")
    );
    assert!(deb.purl.contains("distro=debian-12"), "{}", deb.purl);
    assert!(
        !pkgs.iter().any(|p| p.location == "/usr/sbin/runc"),
        "the dpkg-owned binary must not be reported again: {pkgs:#?}"
    );
    let from_app: Vec<(&str, &str)> = pkgs
        .iter()
        .filter(|p| p.location == "/usr/local/bin/app")
        .map(|p| (p.name.as_str(), p.version.as_str()))
        .collect();
    assert!(
        from_app.contains(&("golang.org/x/xerrors", "v0.0.0-20200804184101-5ec99f83aff1")),
        "{from_app:?}"
    );
    assert!(from_app.contains(&("stdlib", "v1.15.2")), "{from_app:?}");
    assert!(
        pkgs.iter()
            .filter(|p| p.location == "/usr/local/bin/app")
            .all(|p| p.layer == 1 && p.ecosystem == "Go")
    );
}

#[test]
fn lockfiles_in_deleted_layers_do_not_count() {
    let lock = r#"{"name":"app","lockfileVersion":3,"packages":{"":{"name":"app"},"node_modules/lodash":{"version":"4.17.20"}}}"#;
    let tmp = tempfile::tempdir().unwrap();
    image(vec![
        layer(vec![
            file("app/package-lock.json", lock),
            file("srv/package-lock.json", lock),
        ]),
        layer(vec![whiteout("app/package-lock.json")]),
    ])
    .write_oci_dir(tmp.path());
    let image = Image::open(tmp.path(), &OpenOptions::default()).unwrap();
    let scan = Engine::builtin(Limits::default())
        .unwrap()
        .scan(&image, &|_| {})
        .unwrap();
    let lodash: Vec<&str> = scan
        .packages
        .iter()
        .filter(|p| p.name == "lodash")
        .map(|p| p.location.as_str())
        .collect();
    assert_eq!(lodash, ["/srv/package-lock.json"]);
    let p = scan.packages.iter().find(|p| p.name == "lodash").unwrap();
    assert_eq!(p.purl, "pkg:npm/lodash@4.17.20");
}

#[test]
fn corrupt_databases_warn_with_the_file_and_keep_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let good = "Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b2\nArchitecture: amd64\n\n";
    let truncated = format!(
        "{good}Package: coreutils\nStatus: install ok installed\nVersion: 9.1-1\nArchitecture: amd64\n\nPackage: bro"
    );
    image(vec![layer(vec![
        file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
        file("var/lib/dpkg/status", truncated),
        file(
            "var/lib/rpm/rpmdb.sqlite",
            b"SQLite format 3\0garbage garbage garbage",
        ),
        file(
            "app/package-lock.json",
            "{\"lockfileVersion\": 3, \"packages\": {",
        ),
        file(
            "srv/package-lock.json",
            r#"{"lockfileVersion":3,"packages":{"":{},"node_modules/ms":{"version":"2.1.3"}}}"#,
        ),
    ])])
    .write_oci_dir(tmp.path());
    let image = Image::open(tmp.path(), &OpenOptions::default()).unwrap();
    let scan = Engine::builtin(Limits::default())
        .unwrap()
        .scan(&image, &|_| {})
        .unwrap();
    let names: Vec<&str> = scan.packages.iter().map(|p| p.name.as_str()).collect();
    assert!(
        names.contains(&"bash") && names.contains(&"coreutils") && names.contains(&"ms"),
        "{names:?}"
    );
    let diag = format!("{:?}", scan.diagnostics);
    assert!(diag.contains("/var/lib/rpm/rpmdb.sqlite"), "{diag}");
    assert!(
        diag.contains("/var/lib/dpkg/status"),
        "the truncated stanza is named: {diag}"
    );
    assert!(diag.contains("/app/package-lock.json"), "{diag}");
}
