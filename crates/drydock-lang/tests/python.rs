//! Python metadata, requirements.txt, poetry.lock, Pipfile.lock, uv.lock.

mod common;

use common::{fixture, no_panic, nv};
use drydock_lang::python::{metadata, pipfile, poetry, requirements, uv};
use drydock_lang::{Package, parse_file};

fn find<'a>(pkgs: &'a [Package], name: &str) -> &'a Package {
    pkgs.iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("{name} missing"))
}

#[test]
fn dist_info_metadata() {
    let path = "/usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA";
    let pkgs = parse_file(path, &fixture("python/requests.METADATA")).expect("parse");
    assert_eq!(nv(&pkgs), ["requests@2.31.0"]);
    let p = &pkgs[0];
    assert_eq!(p.purl, "pkg:pypi/requests@2.31.0");
    assert_eq!(p.licenses, ["Apache 2.0"]);
    // The socks extra is not installed by default.
    assert_eq!(
        p.dependencies,
        ["charset-normalizer", "idna", "urllib3", "certifi"]
    );
    assert_eq!(p.location, path);

    let pkgs = metadata::parse(
        "x.dist-info/METADATA",
        &fixture("python/typing_extensions.METADATA"),
    )
    .expect("parse");
    assert_eq!(pkgs[0].name, "typing_extensions");
    assert_eq!(pkgs[0].purl, "pkg:pypi/typing-extensions@4.8.0");
    assert_eq!(pkgs[0].licenses, ["Python Software Foundation License"]);
}

#[test]
fn egg_info_pkg_info() {
    let path = "/usr/lib/python3/site-packages/PyYAML-5.3.1.egg-info/PKG-INFO";
    let pkgs = parse_file(path, &fixture("python/pyyaml.PKG-INFO")).expect("parse");
    assert_eq!(nv(&pkgs), ["PyYAML@5.3.1"]);
    assert_eq!(pkgs[0].purl, "pkg:pypi/pyyaml@5.3.1");
    // The full licence text continues on indented lines: not an identifier.
    assert!(pkgs[0].licenses.is_empty());
}

#[test]
fn requirements_txt() {
    let pkgs = requirements::parse("/app/requirements.txt", &fixture("python/requirements.txt"))
        .expect("parse");
    assert_eq!(
        nv(&pkgs),
        [
            "Django@4.2.7",
            "Flask_SQLAlchemy@3.1.1",
            "numpy@1.26.2",
            "requests@2.31.0",
            "zope.interface@6.1"
        ]
    );
    assert_eq!(
        find(&pkgs, "Flask_SQLAlchemy").purl,
        "pkg:pypi/flask-sqlalchemy@3.1.1"
    );
    assert_eq!(
        find(&pkgs, "zope.interface").purl,
        "pkg:pypi/zope-interface@6.1"
    );
    assert!(pkgs.iter().all(|p| p.direct == Some(true) && !p.dev));
    let dev = requirements::parse("/app/requirements-dev.txt", b"pytest==7.4.3\n").expect("parse");
    assert!(dev[0].dev);
}

#[test]
fn poetry_lock() {
    let pkgs = poetry::parse("poetry.lock", &fixture("python/poetry.lock")).expect("parse");
    assert_eq!(
        nv(&pkgs),
        [
            "certifi@2023.7.22",
            "idna@3.4",
            "iniconfig@2.0.0",
            "pytest@7.4.3",
            "requests@2.31.0"
        ]
    );
    assert!(find(&pkgs, "pytest").dev);
    assert!(!find(&pkgs, "requests").dev);
    assert_eq!(
        find(&pkgs, "requests").dependencies,
        ["pkg:pypi/certifi@2023.7.22", "pkg:pypi/idna@3.4"]
    );
    // colorama is only needed on Windows and not locked: kept as a bare name.
    assert_eq!(
        find(&pkgs, "pytest").dependencies,
        ["colorama", "pkg:pypi/iniconfig@2.0.0"]
    );
}

#[test]
fn pipfile_lock() {
    let pkgs = pipfile::parse("Pipfile.lock", &fixture("python/Pipfile.lock")).expect("parse");
    assert_eq!(
        nv(&pkgs),
        ["certifi@2023.7.22", "pytest@7.4.3", "requests@2.31.0"]
    );
    assert!(find(&pkgs, "pytest").dev);
    assert!(
        !find(&pkgs, "certifi").dev,
        "in default and develop: shipped"
    );
}

#[test]
fn uv_lock() {
    let pkgs = uv::parse("uv.lock", &fixture("python/uv.lock")).expect("parse");
    assert_eq!(
        nv(&pkgs),
        [
            "certifi@2024.8.30",
            "demo@0.1.0",
            "idna@3.10",
            "iniconfig@2.0.0",
            "pytest@8.3.3",
            "requests@2.32.3"
        ]
    );
    let requests = find(&pkgs, "requests");
    assert_eq!(requests.direct, Some(true));
    assert!(!requests.dev);
    assert_eq!(
        requests.dependencies,
        ["pkg:pypi/certifi@2024.8.30", "pkg:pypi/idna@3.10"]
    );
    assert_eq!(find(&pkgs, "certifi").direct, Some(false));
    assert!(find(&pkgs, "pytest").dev);
    assert_eq!(find(&pkgs, "pytest").direct, Some(true));
    assert!(find(&pkgs, "iniconfig").dev);
    assert_eq!(find(&pkgs, "demo").direct, None);
}

#[test]
fn python_never_panics() {
    for (f, name) in [
        ("python/requests.METADATA", "a.dist-info/METADATA"),
        ("python/pyyaml.PKG-INFO", "a.egg-info/PKG-INFO"),
        ("python/requirements.txt", "requirements.txt"),
        ("python/poetry.lock", "poetry.lock"),
        ("python/Pipfile.lock", "Pipfile.lock"),
        ("python/uv.lock", "uv.lock"),
    ] {
        no_panic(&fixture(f), |d| {
            let _ = parse_file(name, d);
        });
    }
}
