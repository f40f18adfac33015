//! Order-theoretic properties over generated, version-shaped junk.
//!
//! `Version: Ord` is used as a sort key, and Rust's sort may panic when `Ord` is not a total
//! order, so for every scheme this checks reflexivity, antisymmetry and transitivity on
//! thousands of generated strings, and that neither parsing nor `Scheme::compare` panics on
//! them. The generator is a fixed-seed xorshift, so failures reproduce.

#![allow(clippy::unwrap_used)]

use std::cmp::Ordering;

use drydock_version::{Scheme, Version};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Fragments that hit the interesting branches of the various schemes.
const PIECES: &[&str] = &[
    "0",
    "1",
    "2",
    "9",
    "10",
    "00",
    "01",
    "007",
    "2147483648",
    "99999999999999999999",
    ".",
    ".",
    ".",
    "-",
    "-",
    "_",
    "~",
    "^",
    "+",
    "!",
    ":",
    " ",
    "a",
    "b",
    "c",
    "m",
    "p",
    "r",
    "v",
    "x",
    "z",
    "A",
    "B",
    "alpha",
    "beta",
    "rc",
    "pre",
    "post",
    "dev",
    "final",
    "ga",
    "sp",
    "snapshot",
    "milestone",
    "release",
    "cr",
    "git",
    "svn",
    "hg",
    "cvs",
    "-r",
    "_p",
    "_alpha",
    "_rc",
    "incompatible",
    "\u{663}",
    "\u{17f}",
    "\u{e9}",
    "\u{130}",
];

fn junk(rng: &mut Rng, prefix: &str) -> String {
    let mut s = String::from(prefix);
    for _ in 0..1 + rng.below(7) {
        s.push_str(PIECES[rng.below(PIECES.len())]);
    }
    s
}

fn prefixes(scheme: Scheme) -> &'static [&'static str] {
    match scheme {
        Scheme::Go => &["v", "v1.", "v0.0.", "v1.2.3-", "v1.2.3-0."],
        Scheme::Semver | Scheme::SemverLoose => &["1.", "0.0.", "1.2.3-", "1.2.3+", "v1.2."],
        Scheme::Pep440 => &["1.", "1.0", "1!1.", "1.0+", "1.0.post"],
        Scheme::Dpkg => &["1.", "1:1.", "1.0-", "0:", ""],
        Scheme::Apk => &["1.", "1.0", "1.0_", "1.0-r", "1.0~"],
        Scheme::NuGet => &["1.", "1.0.0-", "1.0.0.", "1.0.0-a."],
        _ => &["1.", "1", "1-", ""],
    }
}

fn check_scheme(scheme: Scheme, seed: u64) {
    let mut rng = Rng(seed);
    let mut valid: Vec<Version> = Vec::new();
    let mut raw: Vec<String> = Vec::new();
    let pre = prefixes(scheme);
    for _ in 0..3000 {
        let prefix = pre[rng.below(pre.len())];
        let s = junk(&mut rng, prefix);
        if let Ok(v) = scheme.parse(&s) {
            valid.push(v);
        }
        raw.push(s);
    }
    assert!(
        valid.len() >= 100,
        "{scheme}: generator produced only {} valid versions",
        valid.len()
    );

    for v in &valid {
        assert_eq!(
            v.cmp(v),
            Ordering::Equal,
            "{scheme}: {v:?} not equal to itself"
        );
    }
    let n = valid.len().min(400);
    let vs = &valid[..n];
    for a in vs {
        for b in vs {
            assert_eq!(
                a.cmp(b),
                b.cmp(a).reverse(),
                "{scheme}: antisymmetry {a:?} {b:?}"
            );
        }
    }
    if scheme == Scheme::Maven {
        // Maven's reference order is not transitive (see `maven_reference_cycle`); only the
        // panic-free sort is exercised.
        let mut sorted = valid.clone();
        drydock_version::sort(&mut sorted);
        assert_eq!(sorted.len(), valid.len());
        return;
    }
    for _ in 0..100_000 {
        let (a, b, c) = (&vs[rng.below(n)], &vs[rng.below(n)], &vs[rng.below(n)]);
        if a <= b && b <= c {
            assert!(a <= c, "{scheme}: transitivity {a:?} <= {b:?} <= {c:?}");
        }
    }
    // Sorting is the operation that would panic on an inconsistent order.
    let mut sorted = valid.clone();
    sorted.sort();
    for w in sorted.windows(2) {
        assert!(
            w[0] <= w[1],
            "{scheme}: sort produced {:?} > {:?}",
            w[0],
            w[1]
        );
    }

    // The lenient comparators must be antisymmetric on arbitrary strings too.
    for i in 0..raw.len().min(500) {
        let (a, b) = (&raw[i], &raw[rng.below(raw.len())]);
        match (scheme.compare(a, b), scheme.compare(b, a)) {
            (Ok(x), Ok(y)) => assert_eq!(x, y.reverse(), "{scheme}: compare {a:?} {b:?}"),
            (Err(_), Err(_)) => {}
            (x, y) => panic!("{scheme}: compare asymmetric in failure {a:?} {b:?}: {x:?} {y:?}"),
        }
    }
}

#[test]
fn all_schemes_are_total_orders() {
    for (i, scheme) in Scheme::ALL.into_iter().enumerate() {
        check_scheme(scheme, 0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1));
    }
}

/// Maven 3.8.7 itself answers `1.r-1 < 1-beta`, `1-beta < 1` and `1 < 1.r-1`: a dotted
/// qualifier followed by a `-` list is below any `-` list but above the bare release.
#[test]
fn maven_reference_cycle() {
    let c = |a, b| Scheme::Maven.compare(a, b).unwrap();
    assert_eq!(c("1.r-1", "1-beta"), Ordering::Less);
    assert_eq!(c("1-beta", "1"), Ordering::Less);
    assert_eq!(c("1", "1.r-1"), Ordering::Less);
}

#[test]
fn hostile_inputs_do_not_panic() {
    let long_digits = "9".repeat(20_000);
    let inputs = [
        String::new(),
        "\0".into(),
        "\u{feff}".into(),
        long_digits.clone(),
        format!("1.{long_digits}"),
        format!("v1.2.3-{long_digits}"),
        format!("1.2.3-{long_digits}"),
        "-".repeat(10_000),
        ".".repeat(10_000),
        "a1".repeat(10_000),
        "~".repeat(10_000),
        format!("{}1", "0:".repeat(1000)),
        "\u{10ffff}\u{1d7d1}\u{663}".repeat(1000),
    ];
    for scheme in Scheme::ALL {
        for a in &inputs {
            let _ = scheme.parse(a);
            let _ = scheme.is_valid(a);
            for b in &inputs {
                let _ = scheme.compare(a, b);
            }
        }
    }
}
