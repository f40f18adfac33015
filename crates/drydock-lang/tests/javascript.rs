//! npm, yarn, pnpm lockfiles and installed package.json.

mod common;

use common::{fixture, no_panic, nv};
use drydock_lang::javascript::{node_modules, package_lock, pnpm, yarn};
use drydock_lang::{Package, parse_file};

fn find<'a>(pkgs: &'a [Package], name: &str, version: &str) -> &'a Package {
    pkgs.iter()
        .find(|p| p.name == name && p.version == version)
        .unwrap_or_else(|| panic!("{name}@{version} missing"))
}

#[test]
fn package_lock_v1() {
    let data = fixture("npm/v1.package-lock.json");
    let pkgs = package_lock::parse("/app/package-lock.json", &data).expect("parse");
    assert_eq!(
        nv(&pkgs),
        [
            "debug@2.6.9",
            "lodash@4.17.21",
            "mocha@10.2.0",
            "ms@2.0.0",
            "ms@2.1.3"
        ]
    );
    // `requires` resolved through nesting: debug's own ms is 2.0.0.
    assert_eq!(
        find(&pkgs, "debug", "2.6.9").dependencies,
        ["pkg:npm/ms@2.0.0"]
    );
    assert!(find(&pkgs, "mocha", "10.2.0").dev);
    assert!(!find(&pkgs, "ms", "2.1.3").dev);
    assert_eq!(
        find(&pkgs, "lodash", "4.17.21").purl,
        "pkg:npm/lodash@4.17.21"
    );
    assert_eq!(find(&pkgs, "debug", "2.6.9").direct, None);
}

#[test]
fn package_lock_v3() {
    let data = fixture("npm/v3.package-lock.json");
    let pkgs = package_lock::parse("/app/package-lock.json", &data).expect("parse");
    assert_eq!(
        nv(&pkgs),
        [
            "@babel/runtime@7.23.2",
            "debug@2.6.9",
            "express@4.18.2",
            "jest-util@29.7.0",
            "ms@2.0.0",
            "ms@2.1.3",
            "regenerator-runtime@0.14.0",
            "strip-ansi@6.0.1",
        ]
    );
    let babel = find(&pkgs, "@babel/runtime", "7.23.2");
    assert_eq!(babel.purl, "pkg:npm/%40babel/runtime@7.23.2");
    assert_eq!(babel.direct, Some(true));
    assert_eq!(babel.licenses, ["MIT"]);
    assert_eq!(babel.dependencies, ["pkg:npm/regenerator-runtime@0.14.0"]);
    let express = find(&pkgs, "express", "4.18.2");
    // Node resolution: express's own nested ms wins over the hoisted one.
    assert_eq!(
        express.dependencies,
        ["pkg:npm/debug@2.6.9", "pkg:npm/ms@2.0.0"]
    );
    assert_eq!(
        find(&pkgs, "jest-util", "29.7.0").dependencies,
        ["pkg:npm/ms@2.1.3"]
    );
    assert_eq!(find(&pkgs, "debug", "2.6.9").direct, Some(false));
    assert_eq!(
        find(&pkgs, "debug", "2.6.9").dependencies,
        ["pkg:npm/ms@2.0.0"]
    );
    assert!(find(&pkgs, "jest-util", "29.7.0").dev);
    assert_eq!(find(&pkgs, "jest-util", "29.7.0").direct, Some(true));
    assert!(!find(&pkgs, "express", "4.18.2").dev);
    // The workspace package itself and its link are local code.
    assert!(!pkgs.iter().any(|p| p.name == "ui"));
}

#[test]
fn yarn_classic() {
    let data = fixture("npm/classic.yarn.lock");
    let pkgs = yarn::parse("/app/yarn.lock", &data).expect("parse");
    assert_eq!(
        nv(&pkgs),
        [
            "@babel/code-frame@7.22.13",
            "@babel/highlight@7.22.20",
            "chalk@2.4.2",
            "lodash@4.17.21"
        ]
    );
    assert_eq!(
        find(&pkgs, "@babel/code-frame", "7.22.13").dependencies,
        ["pkg:npm/%40babel/highlight@7.22.20", "pkg:npm/chalk@2.4.2"]
    );
}

#[test]
fn yarn_berry() {
    let data = fixture("npm/berry.yarn.lock");
    let pkgs = yarn::parse("/app/yarn.lock", &data).expect("parse");
    assert_eq!(
        nv(&pkgs),
        [
            "@babel/code-frame@7.22.13",
            "@babel/highlight@7.22.20",
            "chalk@2.4.2"
        ]
    );
    assert_eq!(
        find(&pkgs, "@babel/code-frame", "7.22.13").dependencies,
        ["pkg:npm/%40babel/highlight@7.22.20", "pkg:npm/chalk@2.4.2"]
    );
}

const PNPM_ALL: [&str; 8] = [
    "@emotion/react@11.11.1",
    "hoist-non-react-statics@3.3.2",
    "js-tokens@4.0.0",
    "lodash@4.17.21",
    "loose-envify@1.4.0",
    "react-is@16.13.1",
    "react@18.2.0",
    "typescript@5.2.2",
];

fn check_pnpm(pkgs: &[Package]) {
    let emotion = find(pkgs, "@emotion/react", "11.11.1");
    assert_eq!(emotion.direct, Some(true));
    assert!(!emotion.dev);
    assert_eq!(
        emotion.dependencies,
        [
            "pkg:npm/hoist-non-react-statics@3.3.2",
            "pkg:npm/react@18.2.0"
        ]
    );
    assert_eq!(find(pkgs, "loose-envify", "1.4.0").direct, Some(false));
    assert_eq!(
        find(pkgs, "loose-envify", "1.4.0").dependencies,
        ["pkg:npm/js-tokens@4.0.0"]
    );
    assert!(find(pkgs, "typescript", "5.2.2").dev);
    assert_eq!(find(pkgs, "typescript", "5.2.2").direct, Some(true));
    assert!(!find(pkgs, "js-tokens", "4.0.0").dev);
}

#[test]
fn pnpm_v5() {
    let pkgs = pnpm::parse("pnpm-lock.yaml", &fixture("npm/v5.pnpm-lock.yaml")).expect("parse");
    assert_eq!(nv(&pkgs), PNPM_ALL);
    check_pnpm(&pkgs);
}

#[test]
fn pnpm_v6() {
    let pkgs = pnpm::parse("pnpm-lock.yaml", &fixture("npm/v6.pnpm-lock.yaml")).expect("parse");
    assert_eq!(nv(&pkgs), PNPM_ALL);
    check_pnpm(&pkgs);
}

#[test]
fn pnpm_v9() {
    let pkgs = pnpm::parse("pnpm-lock.yaml", &fixture("npm/v9.pnpm-lock.yaml")).expect("parse");
    let mut want: Vec<&str> = PNPM_ALL.to_vec();
    want.push("string-width@4.2.3");
    want.sort();
    assert_eq!(nv(&pkgs), want);
    check_pnpm(&pkgs);
    // Aliased dependency of a workspace package: direct and production.
    let sw = find(&pkgs, "string-width", "4.2.3");
    assert_eq!(sw.direct, Some(true));
    assert!(!sw.dev);
}

#[test]
fn installed_package_json() {
    let pkgs = parse_file(
        "/app/node_modules/express/package.json",
        &fixture("npm/express.package.json"),
    )
    .expect("parse");
    assert_eq!(nv(&pkgs), ["express@4.18.2"]);
    assert_eq!(pkgs[0].licenses, ["MIT"]);
    assert_eq!(pkgs[0].dependencies, ["accepts", "body-parser"]);
    let pkgs = node_modules::parse(
        "node_modules/@scope/old/package.json",
        &fixture("npm/legacy-license.package.json"),
    )
    .expect("parse");
    assert_eq!(pkgs[0].purl, "pkg:npm/%40scope/old@0.1.0");
    assert_eq!(pkgs[0].licenses, ["MIT", "Apache-2.0"]);
    // Not an install location: the registry ignores it.
    assert!(
        parse_file("/app/package.json", &fixture("npm/express.package.json"))
            .expect("ok")
            .is_empty()
    );
}

#[test]
fn javascript_never_panics() {
    for (f, name) in [
        ("npm/v1.package-lock.json", "package-lock.json"),
        ("npm/v3.package-lock.json", "package-lock.json"),
        ("npm/classic.yarn.lock", "yarn.lock"),
        ("npm/berry.yarn.lock", "yarn.lock"),
        ("npm/v5.pnpm-lock.yaml", "pnpm-lock.yaml"),
        ("npm/v6.pnpm-lock.yaml", "pnpm-lock.yaml"),
        ("npm/v9.pnpm-lock.yaml", "pnpm-lock.yaml"),
        ("npm/express.package.json", "node_modules/x/package.json"),
    ] {
        no_panic(&fixture(f), |d| {
            let _ = parse_file(name, d);
        });
    }
}
