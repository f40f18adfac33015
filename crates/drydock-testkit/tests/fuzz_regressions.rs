//! Replays `fuzz/regressions/<target>/*` through the fuzz target of the same name
//! (`drydock_testkit::fuzz::TARGETS`), so every input that once crashed a parser, and every
//! hostile seed, keeps being tried by `cargo test` long after the fuzzer stopped running.
#![allow(clippy::unwrap_used)] // test: a missing corpus should fail loudly

use std::path::{Path, PathBuf};

fn regressions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions")
}

/// Files of one target's directory, sorted so failures are reported in a stable order.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// A directory named after no target would be a corpus that silently never runs (a typo, or a
/// target renamed without its regressions).
#[test]
fn every_regression_dir_names_a_target() {
    let mut unknown = Vec::new();
    for entry in std::fs::read_dir(regressions_dir()).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if !entry.path().is_dir() || drydock_testkit::fuzz::target(&name).is_none() {
            unknown.push(name);
        }
    }
    assert!(unknown.is_empty(), "not a fuzz target: {unknown:?}");
}

/// Every target has seeds, so a new target cannot be added without its hostile inputs.
#[test]
fn every_target_has_regressions() {
    let missing: Vec<&str> = drydock_testkit::fuzz::TARGETS
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| {
            let dir = regressions_dir().join(name);
            !dir.is_dir() || inputs(&dir).is_empty()
        })
        .collect();
    assert!(missing.is_empty(), "no regression inputs for {missing:?}");
}

/// Runs every input; a panic is caught per file so one run names every failing input.
#[test]
fn regressions_do_not_crash() {
    let mut failed = Vec::new();
    let mut ran = 0;
    for (name, run) in drydock_testkit::fuzz::TARGETS {
        let dir = regressions_dir().join(name);
        if !dir.is_dir() {
            continue;
        }
        for file in inputs(&dir) {
            let data = std::fs::read(&file).unwrap();
            ran += 1;
            // Shown with --nocapture: a stack overflow aborts the process before any report.
            eprintln!("{name}: {}", file.display());
            if std::panic::catch_unwind(|| run(&data)).is_err() {
                failed.push(file.display().to_string());
            }
        }
    }
    assert!(ran > 0, "no regression inputs found");
    assert!(failed.is_empty(), "crashed on {failed:?}");
}
