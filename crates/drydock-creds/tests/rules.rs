//! Every DD-CRED rule fires on its failing fixture and stays quiet on its passing one, the same
//! contract the config and image families keep (`tests/fixtures/rules/README.md`).

mod common;

use drydock_creds::{audit, rules::RULES};
use std::path::Path;

#[test]
fn every_rule_fails_and_passes_its_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules");
    let mut problems = Vec::new();
    for rule in RULES {
        for (side, want) in [("fail", true), ("pass", false)] {
            let dir = format!("rules/{}/{side}", rule.id);
            if !root.join(rule.id).join(side).is_dir() {
                problems.push(format!("{}: no {side} fixture", rule.id));
                continue;
            }
            let findings = audit(&common::load(&dir), &common::budget());
            let hits: Vec<&str> = findings
                .iter()
                .filter(|f| f.rule.id == rule.id)
                .map(|f| f.detail.as_str())
                .collect();
            if want && hits.is_empty() {
                problems.push(format!("{dir}: {} did not fire: {findings:#?}", rule.id));
            }
            if !want && !hits.is_empty() {
                problems.push(format!("{dir}: {} fired: {hits:?}", rule.id));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn no_fixture_without_a_rule() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules");
    for e in std::fs::read_dir(root).expect("fixtures/rules") {
        let name = e.expect("entry").file_name().to_string_lossy().into_owned();
        assert!(
            name == "README.md" || RULES.iter().any(|r| r.id == name),
            "fixture for unknown rule {name}"
        );
    }
}
