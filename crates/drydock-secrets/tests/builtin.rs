//! The built-in rule file loads, every pattern compiles, and the documented behaviours hold.

use drydock_secrets::{Engine, Options};
use std::time::Instant;

#[test]
fn every_builtin_pattern_compiles() {
    let t = Instant::now();
    let engine = Engine::builtin();
    let load = t.elapsed();
    let t = Instant::now();
    assert_eq!(engine.precompile(), Ok(()));
    println!(
        "{} rules: load {load:?}, compile all {:?}",
        engine.rules().len(),
        t.elapsed()
    );
    assert!(engine.rules().len() >= 222 + 17);
}
