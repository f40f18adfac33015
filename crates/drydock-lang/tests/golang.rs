//! Go build info against the shared binaries and their `go version -m` oracles.

mod common;

use common::{no_panic, nv, shared};
use drydock_lang::golang::{BuildInfo, parse_go_mod};
use drydock_lang::{Ecosystem, parse_binary};

/// Reads the oracle text into (go version, lines after the first).
fn oracle(name: &str) -> Option<(String, String)> {
    let text = String::from_utf8(shared(&format!("data/pkgdb/gobinary/{name}"))?).ok()?;
    let (first, rest) = text.split_once('\n')?;
    let go = first.split_once(": ")?.1.to_owned();
    Some((go, rest.to_owned()))
}

fn check_against_oracle(bin: &str, oracle_name: &str) -> Option<BuildInfo> {
    let data = shared(&format!("data/pkgdb/gobinary/{bin}"))?;
    let (go, text) = oracle(oracle_name)?;
    let info = BuildInfo::from_binary(bin, &data)
        .expect("parse")
        .expect("build info found");
    let want = BuildInfo::from_modinfo_text(&go, &text);
    assert_eq!(info, want, "{bin} differs from `go version -m`");
    Some(info)
}

#[test]
fn trivy_test_elf_pointer_format() {
    let Some(info) = check_against_oracle("trivy-test.elf", "trivy-test.elf.go-version-m.txt")
    else {
        return;
    };
    assert_eq!(info.go_version, "go1.15.2");
    let pkgs = info.packages("/app/test.elf");
    // Trivy parse_test.go wantPkgs: root (no version), stdlib and three deps.
    assert_eq!(
        nv(&pkgs),
        [
            "github.com/aquasecurity/go-pep440-version@v0.0.0-20210121094942-22b2f8951d46",
            "github.com/aquasecurity/go-version@v0.0.0-20210121072130-637058cfe492",
            "github.com/aquasecurity/test@",
            "golang.org/x/xerrors@v0.0.0-20200804184101-5ec99f83aff1",
            "stdlib@v1.15.2",
        ]
    );
    let main = pkgs
        .iter()
        .find(|p| p.name == "github.com/aquasecurity/test")
        .expect("main");
    assert_eq!(main.purl, "pkg:golang/github.com/aquasecurity/test");
    assert_eq!(main.dependencies.len(), 4);
    assert!(pkgs.iter().all(|p| p.ecosystem == Ecosystem::Go));
}

#[test]
fn trivy_main_version_via_ldflags() {
    let Some(info) = check_against_oracle(
        "trivy-main-version-via-ldflags.elf",
        "trivy-main-version-via-ldflags.elf.go-version-m.txt",
    ) else {
        return;
    };
    assert_eq!(info.setting("-ldflags"), Some("-w -X main.version=v1.0.0"));
    let pkgs = info.packages("x");
    assert_eq!(
        nv(&pkgs),
        ["github.com/aquasecurity/test@v1.0.0", "stdlib@v1.22.1"]
    );
    let purls: Vec<&str> = pkgs.iter().map(|p| p.purl.as_str()).collect();
    assert!(purls.contains(&"pkg:golang/github.com/aquasecurity/test@v1.0.0"));
    assert!(purls.contains(&"pkg:golang/stdlib@v1.22.1"));
}

#[test]
fn trivy_goexperiment_arm64() {
    let Some(info) =
        check_against_oracle("trivy-goexperiment", "trivy-goexperiment.go-version-m.txt")
    else {
        return;
    };
    assert_eq!(info.go_version, "go1.22.1 X:loopvar");
    assert_eq!(info.path, "command-line-arguments");
    assert_eq!(info.setting("GOEXPERIMENT"), Some("loopvar"));
    assert_eq!(nv(&info.packages("x")), ["stdlib@v1.22.1"]);
}

#[test]
fn debian_runc_gopath_build() {
    let Some(xz) = shared("data/pkgdb/gobinary/debian12-runc_1.1.5+ds1-1+deb12u1.xz") else {
        return;
    };
    let mut data = Vec::new();
    lzma_rs::xz_decompress(&mut std::io::BufReader::new(&xz[..]), &mut data).expect("xz");
    assert!(data.starts_with(b"\x7fELF"));
    let (go, text) = oracle("debian12-runc.go-version-m.txt").expect("oracle");
    let info = BuildInfo::from_binary("usr/sbin/runc", &data)
        .expect("parse")
        .expect("found");
    assert_eq!(info, BuildInfo::from_modinfo_text(&go, &text));
    assert_eq!(info.go_version, "go1.19.8");
    assert_eq!(info.path, "github.com/opencontainers/runc");
    assert_eq!(info.main, None);
    assert!(info.deps.is_empty());
    // No module line: only the toolchain is a package; the deb owns the program itself.
    assert_eq!(
        nv(&parse_binary("usr/sbin/runc", &data).expect("parse")),
        ["stdlib@v1.19.8"]
    );
}

#[test]
fn non_go_binaries_yield_nothing() {
    assert!(
        parse_binary("x", b"\x7fELF\x02\x01\x01")
            .expect("ok")
            .is_empty()
    );
    assert!(
        parse_binary("x", b"#!/bin/sh\necho hi\n")
            .expect("ok")
            .is_empty()
    );
}

#[test]
fn go_binaries_never_panic() {
    for name in ["trivy-test.elf", "trivy-main-version-via-ldflags.elf"] {
        let Some(data) = shared(&format!("data/pkgdb/gobinary/{name}")) else {
            return;
        };
        // Cut and flip around the build info and the ELF header, where structure lives.
        let at = data
            .windows(14)
            .position(|w| w == b"\xff Go buildinf:")
            .expect("magic");
        let window = &data[..(at + 4096).min(data.len())];
        let check = |d: &[u8]| {
            let _ = parse_binary(name, d);
        };
        for cut in (at..window.len()).step_by(67).chain((0..64).step_by(5)) {
            check(&data[..cut]);
        }
        let mut buf = data.clone();
        for i in (at..at + 48).chain((0..64).step_by(4)) {
            for b in [0u8, 0xff, 0x80] {
                let old = buf[i];
                buf[i] = b;
                check(&buf);
                buf[i] = old;
            }
        }
    }
}

#[test]
fn go_mod() {
    let data = common::fixture("go.mod");
    let pkgs = parse_go_mod("/src/go.mod", &data).expect("parse");
    assert_eq!(
        nv(&pkgs),
        [
            "github.com/davecgh/go-spew@v1.1.1",
            "github.com/google/uuid@v1.6.0",
            "github.com/pmezard/go-difflib@v1.0.0",
            "github.com/sirupsen/logrus@v1.9.3",
            "github.com/stretchr/testify@v1.9.0",
            "golang.org/x/sys@v0.20.0",
            "gopkg.in/yaml.v3@v3.0.1",
            "stdlib@v1.22.3",
        ]
    );
    let direct = |n: &str| pkgs.iter().find(|p| p.name == n).and_then(|p| p.direct);
    assert_eq!(direct("github.com/sirupsen/logrus"), Some(true));
    assert_eq!(direct("golang.org/x/sys"), Some(false));
    // `replace golang.org/x/sys => golang.org/x/sys v0.20.0` applied; local replace dropped.
    assert!(!pkgs.iter().any(|p| p.name == "example.com/internal/lib"));
    no_panic(&data, |d| {
        let _ = parse_go_mod("go.mod", d);
    });
}
