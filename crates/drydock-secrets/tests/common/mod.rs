//! Shared helpers for the corpus tests.

use std::path::PathBuf;

/// `../shared/data/secrets/<rel>` (skipped where absent, failing under CI).
pub fn shared(rel: &str) -> Option<PathBuf> {
    drydock_testkit::shared(&format!("data/secrets/{rel}"))
}

#[allow(dead_code)] // not every test binary prints rates
pub fn pct(num: usize, den: usize) -> f64 {
    if den == 0 {
        100.0
    } else {
        100.0 * num as f64 / den as f64
    }
}
