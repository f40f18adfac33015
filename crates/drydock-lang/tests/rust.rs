//! Cargo.lock (fixtures and this repository's own lockfile) and cargo-auditable binaries.

mod common;

use std::io::Write;

use common::{fixture, no_panic, nv};
use drydock_lang::rust::{parse_auditable, parse_cargo_lock};
use drydock_lang::{Package, parse_binary};

fn find<'a>(pkgs: &'a [Package], name: &str, version: &str) -> &'a Package {
    pkgs.iter()
        .find(|p| p.name == name && p.version == version)
        .unwrap_or_else(|| panic!("{name}@{version} missing"))
}

#[test]
fn cargo_lock_v1() {
    let pkgs = parse_cargo_lock("Cargo.lock", &fixture("cargo/v1.Cargo.lock")).expect("parse");
    assert_eq!(
        nv(&pkgs),
        ["app@0.1.0", "autocfg@0.1.4", "libc@0.2.54", "rand@0.6.5"]
    );
    let rand = find(&pkgs, "rand", "0.6.5");
    assert_eq!(rand.purl, "pkg:cargo/rand@0.6.5");
    assert_eq!(rand.direct, Some(true));
    assert_eq!(
        rand.dependencies,
        ["pkg:cargo/autocfg@0.1.4", "pkg:cargo/libc@0.2.54"]
    );
    assert_eq!(find(&pkgs, "autocfg", "0.1.4").direct, Some(false));
    assert_eq!(find(&pkgs, "app", "0.1.0").direct, None, "workspace member");
}

#[test]
fn cargo_lock_v3_disambiguated_versions() {
    let pkgs = parse_cargo_lock("Cargo.lock", &fixture("cargo/v3.Cargo.lock")).expect("parse");
    assert_eq!(
        nv(&pkgs),
        [
            "bitflags@1.3.2",
            "bitflags@2.4.1",
            "demo@0.1.0",
            "nix@0.26.4"
        ]
    );
    assert_eq!(
        find(&pkgs, "demo", "0.1.0").dependencies,
        ["pkg:cargo/bitflags@2.4.1", "pkg:cargo/nix@0.26.4"]
    );
    assert_eq!(find(&pkgs, "bitflags", "2.4.1").direct, Some(true));
    assert_eq!(find(&pkgs, "bitflags", "1.3.2").direct, Some(false));
    assert_eq!(
        find(&pkgs, "nix", "0.26.4").dependencies,
        ["pkg:cargo/bitflags@1.3.2"]
    );
}

#[test]
fn this_repository_cargo_lock() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.lock");
    let Ok(data) = std::fs::read(path) else {
        eprintln!("SKIP: {path} not readable");
        return;
    };
    let text = String::from_utf8_lossy(&data);
    let pkgs = parse_cargo_lock(path, &data).expect("parse");
    // One package per [[package]] table (name+version pairs are unique in a lockfile).
    assert_eq!(pkgs.len(), text.matches("[[package]]").count());
    let drydock = pkgs
        .iter()
        .find(|p| p.name == "drydock")
        .expect("workspace root crate");
    assert_eq!(drydock.direct, None);
    assert!(!drydock.dependencies.is_empty());
    assert!(
        pkgs.iter()
            .any(|p| p.name == "serde" && p.direct == Some(true))
    );
    // Every dependency edge resolved to a purl of a listed package.
    let purls: std::collections::HashSet<&str> = pkgs.iter().map(|p| p.purl.as_str()).collect();
    for p in &pkgs {
        for d in &p.dependencies {
            assert!(purls.contains(d.as_str()), "{}: unresolved {d}", p.name);
        }
    }
}

/// A minimal ELF64 with `.shstrtab` and `.dep-v0` sections, as cargo-auditable emits.
fn auditable_elf(json: &str) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(json.as_bytes()).expect("compress");
    let dep = z.finish().expect("compress");
    let shstr = b"\0.shstrtab\0.dep-v0\0";
    let shstr_off = 64u64;
    let dep_off = shstr_off + shstr.len() as u64;
    let sh_off = dep_off + dep.len() as u64;
    let mut f = Vec::new();
    f.extend_from_slice(b"\x7fELF\x02\x01\x01\0");
    f.extend_from_slice(&[0; 8]);
    f.extend_from_slice(&2u16.to_le_bytes()); // e_type EXEC
    f.extend_from_slice(&62u16.to_le_bytes()); // x86-64
    f.extend_from_slice(&1u32.to_le_bytes());
    f.extend_from_slice(&0u64.to_le_bytes()); // entry
    f.extend_from_slice(&0u64.to_le_bytes()); // phoff
    f.extend_from_slice(&sh_off.to_le_bytes());
    f.extend_from_slice(&0u32.to_le_bytes()); // flags
    for v in [64u16, 56, 0, 64, 3, 1] {
        f.extend_from_slice(&v.to_le_bytes()); // ehsize, phentsize, phnum, shentsize, shnum, shstrndx
    }
    f.extend_from_slice(shstr);
    f.extend_from_slice(&dep);
    let section = |f: &mut Vec<u8>, name: u32, ty: u32, off: u64, size: u64| {
        f.extend_from_slice(&name.to_le_bytes());
        f.extend_from_slice(&ty.to_le_bytes());
        f.extend_from_slice(&0u64.to_le_bytes()); // flags
        f.extend_from_slice(&0u64.to_le_bytes()); // addr
        f.extend_from_slice(&off.to_le_bytes());
        f.extend_from_slice(&size.to_le_bytes());
        f.extend_from_slice(&[0; 24]); // link, info, align, entsize
    };
    section(&mut f, 0, 0, 0, 0);
    section(&mut f, 1, 3, shstr_off, shstr.len() as u64);
    section(&mut f, 11, 1, dep_off, dep.len() as u64);
    f
}

const AUDIT_JSON: &str = r#"{"packages":[
 {"name":"hello","version":"0.1.0","source":"local","dependencies":[1,2],"root":true},
 {"name":"serde","version":"1.0.193","source":"crates.io","dependencies":[3]},
 {"name":"cc","version":"1.0.83","source":"crates.io","kind":"build"},
 {"name":"itoa","version":"1.0.9","source":"crates.io"}
]}"#;

#[test]
fn cargo_auditable_binary() {
    let elf = auditable_elf(AUDIT_JSON);
    let pkgs = parse_binary("/usr/local/bin/hello", &elf).expect("parse");
    // Build-only `cc` is not in the binary.
    assert_eq!(nv(&pkgs), ["hello@0.1.0", "itoa@1.0.9", "serde@1.0.193"]);
    assert_eq!(
        find(&pkgs, "hello", "0.1.0").dependencies,
        ["pkg:cargo/serde@1.0.193"]
    );
    assert_eq!(find(&pkgs, "serde", "1.0.193").direct, Some(true));
    assert_eq!(find(&pkgs, "itoa", "1.0.9").direct, Some(false));
    assert_eq!(
        find(&pkgs, "serde", "1.0.193").dependencies,
        ["pkg:cargo/itoa@1.0.9"]
    );
}

#[test]
fn cargo_auditable_bomb_is_refused() {
    // 64 MiB of spaces compresses to a few KiB; the cap is relative to the section size.
    let json = format!("{{\"packages\":[]{}}}", " ".repeat(64 << 20));
    let elf = auditable_elf(&json);
    assert!(parse_auditable("bomb", &elf).is_err());
}

#[test]
fn rust_never_panics() {
    for f in ["cargo/v1.Cargo.lock", "cargo/v3.Cargo.lock"] {
        no_panic(&fixture(f), |d| {
            let _ = parse_cargo_lock("Cargo.lock", d);
        });
    }
    no_panic(&auditable_elf(AUDIT_JSON), |d| {
        let _ = parse_binary("bin", d);
    });
}

#[test]
fn workspace_path_and_git_crates_are_unpublished() {
    let lock = r#"version = 3

[[package]]
name = "smallvec"
version = "1.6.0"

[[package]]
name = "time"
version = "0.1.40"
source = "git+https://github.com/example/time?rev=abc#abc"

[[package]]
name = "libc"
version = "0.2.54"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "regex"
version = "1.5.4"
source = "sparse+https://index.crates.io/"
"#;
    let pkgs = parse_cargo_lock("Cargo.lock", lock.as_bytes()).expect("parse");
    // All stay in the inventory; only registry crates are what crates.io advisories describe.
    assert!(find(&pkgs, "smallvec", "1.6.0").unpublished);
    assert!(find(&pkgs, "time", "0.1.40").unpublished);
    assert!(!find(&pkgs, "libc", "0.2.54").unpublished);
    assert!(!find(&pkgs, "regex", "1.5.4").unpublished);
}
