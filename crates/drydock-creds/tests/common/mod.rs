//! Shared test helpers: load a fixture root filesystem the way a scanner would hand it over.
#![allow(dead_code)]

use drydock_creds::{CrackBudget, Finding};
use std::path::Path;
use std::time::Duration;

/// Every file under `tests/fixtures/<name>`, as (`/path/inside/image`, bytes).
pub fn load(name: &str) -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out.sort();
    out
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("fixture dir")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(root, &p, out);
        } else {
            let rel = p
                .strip_prefix(root)
                .expect("under root")
                .to_string_lossy()
                .into_owned();
            out.push((format!("/{rel}"), std::fs::read(&p).expect("read fixture")));
        }
    }
}

/// Enough for the weak hashes (found within the first few guesses) even on a loaded machine,
/// small enough that strong ones give up quickly.
pub fn budget() -> CrackBudget {
    CrackBudget {
        per_hash: Duration::from_secs(2),
        max_words: 30,
    }
}

/// Findings of `rule` at `path`.
pub fn at<'a>(findings: &'a [Finding], rule: &str, path: &str) -> Vec<&'a Finding> {
    findings
        .iter()
        .filter(|f| f.rule.id == rule && f.path == path)
        .collect()
}

/// The one finding of `rule` at `path` whose detail mentions `needle`; panics with the whole
/// list otherwise, which is the most useful failure message.
pub fn one<'a>(findings: &'a [Finding], rule: &str, path: &str, needle: &str) -> &'a Finding {
    let hits: Vec<&Finding> = at(findings, rule, path)
        .into_iter()
        .filter(|f| f.detail.contains(needle))
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "expected one {rule} at {path} mentioning {needle:?}, got {hits:#?}\nall: {findings:#?}"
    );
    hits[0]
}

pub fn none(findings: &[Finding], rule: &str, path: &str, needle: &str) {
    let hits: Vec<&Finding> = at(findings, rule, path)
        .into_iter()
        .filter(|f| f.detail.contains(needle))
        .collect();
    assert!(
        hits.is_empty(),
        "expected no {rule} at {path} mentioning {needle:?}, got {hits:#?}"
    );
}
