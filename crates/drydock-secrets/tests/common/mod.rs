//! Shared helpers for the corpus tests.

use std::path::PathBuf;

/// `../shared/data/secrets/<rel>` next to the repository, or `None` (with a message) when the
/// shared data is not there, so the suite still passes on a machine without it.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/secrets/"
    ))
    .join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("SKIPPED: {} not found (shared corpus absent)", p.display());
        None
    }
}

#[allow(dead_code)] // not every test binary prints rates
pub fn pct(num: usize, den: usize) -> f64 {
    if den == 0 {
        100.0
    } else {
        100.0 * num as f64 / den as f64
    }
}
