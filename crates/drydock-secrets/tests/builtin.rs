//! The built-in rule file loads, every pattern compiles, and the documented behaviours hold.

use drydock_secrets::Engine;
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

/// Rule ids in the built-in file are unique: a second rule with an id silently replaced the
/// first (the file once held two `putty-private-key` rules with different semantics).
#[test]
fn builtin_rule_ids_are_unique() {
    let text = include_str!("../rules/builtin.toml");
    let mut table = "";
    let mut ids: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.starts_with("[[") {
            table = line;
        } else if table == "[[rules]]"
            && let Some(id) = line
                .strip_prefix("id = \"")
                .and_then(|l| l.split('"').next())
        {
            ids.push(id);
        }
    }
    let total = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), total, "duplicate rule ids in rules/builtin.toml");
}

mod common;

/// gitleaks' own default config loads as a user config, unchanged, and all of it compiles.
#[test]
fn upstream_gitleaks_config_loads_as_is() {
    let Some(path) = common::shared("gitleaks/config/gitleaks.toml") else {
        return;
    };
    let text = std::fs::read_to_string(path).expect("config");
    let engine = Engine::from_gitleaks_toml(&text).expect("gitleaks.toml");
    assert_eq!(engine.precompile(), Ok(()));
    // gitleaks' 222 rules plus drydock's 17 credential-file parsers.
    assert_eq!(engine.rules().len(), 222 + 17);
}
