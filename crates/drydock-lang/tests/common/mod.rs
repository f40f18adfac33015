//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use drydock_lang::Package;

/// `tests/fixtures/<name>`.
pub fn fixture(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A file of the shared data directory (skipped where absent, failing under CI).
pub fn shared(rel: &str) -> Option<Vec<u8>> {
    drydock_testkit::shared(rel)
        .map(|p| std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
}

/// `name@version` lines, sorted, for compact whole-list assertions.
pub fn nv(pkgs: &[Package]) -> Vec<String> {
    let mut v: Vec<String> = pkgs
        .iter()
        .map(|p| format!("{}@{}", p.name, p.version))
        .collect();
    v.sort();
    v
}

/// Feeds truncations and byte flips of `data` to `parse`; it must never panic. Errors are
/// fine, that is what they are for.
pub fn no_panic(data: &[u8], parse: impl Fn(&[u8])) {
    let n = data.len();
    let step = (n / 97).max(1);
    let mut cuts: Vec<usize> = (0..n).step_by(step).collect();
    cuts.extend([0, 1, 2, 3, n.saturating_sub(1)]);
    for cut in cuts {
        parse(&data[..cut.min(n)]);
    }
    let mut buf = data.to_vec();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..200 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        if n == 0 {
            break;
        }
        let i = (seed as usize) % n;
        let old = buf[i];
        buf[i] = (seed >> 32) as u8;
        parse(&buf);
        buf[i] = old;
    }
    // Hostile classics.
    for junk in [
        &b"\xff\xff\xff\xff"[..],
        b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        b"{\"a\":",
        b"\0\0\0\0\0\0\0\0",
    ] {
        parse(junk);
    }
    parse(&vec![b'['; 100_000]);
    parse(&vec![b'{'; 100_000]);
}
