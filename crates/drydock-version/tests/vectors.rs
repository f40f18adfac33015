//! Upstream comparison vectors from `../shared/data/versions/*.tsv` (see its README.md).
//!
//! Every row `a<TAB>op<TAB>b` must hold for `Scheme::compare(a, b)`, and so must its mirror
//! image `compare(b, a)`, since a comparator that is right one way round only is still wrong.
//! Invalid inputs appear only where the reference orders them (Go: invalid < valid, all invalid
//! equal; apk: token-wise), and `Scheme::compare` reproduces exactly that, so no row is
//! special-cased here.

use std::cmp::Ordering;
use std::path::PathBuf;

use drydock_version::Scheme;

const FILES: [(&str, Scheme); 8] = [
    ("dpkg.tsv", Scheme::Dpkg),
    ("apk.tsv", Scheme::Apk),
    ("rpm.tsv", Scheme::Rpm),
    ("pep440.tsv", Scheme::Pep440),
    ("semver.tsv", Scheme::Semver),
    ("semver-loose.tsv", Scheme::SemverLoose),
    ("gosemver.tsv", Scheme::Go),
    ("maven.tsv", Scheme::Maven),
];

const MAX_REPORTED: usize = 20;

fn vectors_dir() -> Option<PathBuf> {
    drydock_testkit::shared("data/versions")
}

fn op(o: Ordering) -> &'static str {
    match o {
        Ordering::Less => "<",
        Ordering::Equal => "=",
        Ordering::Greater => ">",
    }
}

fn parse_op(s: &str) -> Option<Ordering> {
    match s {
        "<" => Some(Ordering::Less),
        "=" => Some(Ordering::Equal),
        ">" => Some(Ordering::Greater),
        _ => None,
    }
}

/// Checks one direction; `None` when it holds, otherwise a description of the failure.
fn check(scheme: Scheme, a: &str, b: &str, want: Ordering) -> Option<String> {
    let got = match scheme.compare(a, b) {
        Ok(got) => got,
        Err(e) => return Some(format!("{a:?} {} {b:?}: error: {e}", op(want))),
    };
    if got != want {
        return Some(format!("{a:?} {} {b:?}: got {}", op(want), op(got)));
    }
    // Where both sides are valid, the parsed `Version` ordering must agree with `compare`
    // (for Go and apk `compare` does not go through `Version`).
    if let (Ok(va), Ok(vb)) = (scheme.parse(a), scheme.parse(b)) {
        let parsed = va.cmp(&vb);
        if parsed != want {
            return Some(format!(
                "{a:?} {} {b:?}: Version::cmp got {}",
                op(want),
                op(parsed)
            ));
        }
    }
    None
}

/// Checks every row of one vector file; returns (rows, failed) and appends failures.
fn run_file(
    path: &std::path::Path,
    file: &str,
    scheme: Scheme,
    failures: &mut Vec<String>,
) -> (usize, usize) {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("a\top\tb"), "{file}: unexpected header");
    let (mut rows, mut failed) = (0, 0);
    for (n, line) in lines.enumerate() {
        let fields: Vec<&str> = line.split('\t').collect();
        let [a, o, b] = fields[..] else {
            panic!("{file}:{}: expected 3 tab-separated fields", n + 2);
        };
        let want = parse_op(o).unwrap_or_else(|| panic!("{file}:{}: bad op {o:?}", n + 2));
        rows += 1;
        let errs: Vec<String> = [
            check(scheme, a, b, want),
            check(scheme, b, a, want.reverse()),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !errs.is_empty() {
            failed += 1;
            for e in errs {
                failures.push(format!("{file}:{}: {scheme}: {e}", n + 2));
            }
        }
    }
    assert!(rows > 0, "{file}: no rows");
    if failed == 0 {
        println!("{file} {scheme}: {rows} rows passed");
    } else {
        println!(
            "{file} {scheme}: {} of {rows} rows passed, {failed} failed",
            rows - failed
        );
    }
    (rows, failed)
}

fn report(total_failed: usize, failures: &[String]) {
    if total_failed > 0 {
        let shown: Vec<&String> = failures.iter().take(MAX_REPORTED).collect();
        panic!(
            "{total_failed} rows failed; first {}:\n{}",
            shown.len(),
            shown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

#[test]
fn upstream_vectors() {
    let Some(dir) = vectors_dir() else {
        return;
    };
    let mut failures = Vec::new();
    let mut total_failed = 0;
    for (file, scheme) in FILES {
        total_failed += run_file(&dir.join(file), file, scheme, &mut failures).1;
    }
    report(total_failed, &failures);
}

/// The differential vectors of `tests/vectors/`: pairs drawn from real version strings and
/// their mutations, each answered by the scheme's reference implementation (dpkg, rpm,
/// packaging, node-semver, RubyGems, Maven's ComparableVersion) by `tools/version-vectors.py`.
#[test]
fn reference_differential_vectors() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let files = [
        ("dpkg.tsv", Scheme::Dpkg),
        ("rpm.tsv", Scheme::Rpm),
        ("pep440.tsv", Scheme::Pep440),
        ("pep440-legacy.tsv", Scheme::Pep440),
        ("semver.tsv", Scheme::Semver),
        ("semver-loose.tsv", Scheme::SemverLoose),
        ("gem.tsv", Scheme::Gem),
        ("maven.tsv", Scheme::Maven),
        // NuGet.Client's own VersionComparerTests (no .NET here to generate more).
        ("nuget.tsv", Scheme::NuGet),
    ];
    let mut failures = Vec::new();
    let mut total_failed = 0;
    for (file, scheme) in files {
        total_failed += run_file(&dir.join(file), file, scheme, &mut failures).1;
    }
    report(total_failed, &failures);
}

/// Antisymmetry and transitivity on random triples of every string the vector files hold: a
/// comparator that orders pairs right but cycles on triples would still pick wrong ranges.
#[test]
fn orderings_are_antisymmetric_and_transitive() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let files = [
        ("dpkg.tsv", Scheme::Dpkg),
        ("rpm.tsv", Scheme::Rpm),
        ("pep440.tsv", Scheme::Pep440),
        ("semver.tsv", Scheme::Semver),
        ("semver-loose.tsv", Scheme::SemverLoose),
        ("gem.tsv", Scheme::Gem),
        ("maven.tsv", Scheme::Maven),
    ];
    // A small deterministic generator (xorshift): reproducible triples without a dependency.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    for (file, scheme) in files {
        let text = std::fs::read_to_string(dir.join(file)).expect("vector file readable");
        let mut strings: Vec<&str> = text
            .lines()
            .skip(1)
            .flat_map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                [f[0], f[2]]
            })
            .collect();
        strings.sort_unstable();
        strings.dedup();
        let cmp = |a: &str, b: &str| scheme.compare(a, b).ok();
        for _ in 0..20_000 {
            let (a, b, c) = (
                strings[next(strings.len())],
                strings[next(strings.len())],
                strings[next(strings.len())],
            );
            let (Some(ab), Some(ba), Some(bc), Some(ac)) =
                (cmp(a, b), cmp(b, a), cmp(b, c), cmp(a, c))
            else {
                continue;
            };
            assert_eq!(
                ab,
                ba.reverse(),
                "{scheme}: {a:?} vs {b:?} not antisymmetric"
            );
            // Maven's own ComparableVersion is not transitive on odd qualifiers (with
            // maven-artifact 3.x: "000000000000000001.Final" < "1.0.0x" < "1release-alpha-1"
            // yet the first > the last), and drydock reproduces the reference, not a fix of it.
            if scheme != Scheme::Maven && ab != Ordering::Greater && bc != Ordering::Greater {
                assert_ne!(
                    ac,
                    Ordering::Greater,
                    "{scheme}: {a:?} <= {b:?} <= {c:?} but {a:?} > {c:?}"
                );
            }
        }
    }
}
