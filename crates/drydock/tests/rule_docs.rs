//! `docs/rules/` is generated from the rule registries: one page per rule and an index. This
//! test regenerates them and fails when the checked-in pages differ, so a rule cannot change (or
//! appear) without its page. Regenerate with `cargo run -- rules --docs docs/rules`.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;

fn pages(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect()
}

#[test]
fn rule_pages_are_current() {
    let tmp = tempfile::tempdir().unwrap();
    let out = drydock_testkit::drydock_cmd!()
        .args(["rules", "--docs"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fresh = pages(tmp.path());
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules");
    let checked_in = pages(&docs);
    let stale: Vec<&String> = fresh
        .iter()
        .filter(|(name, text)| checked_in.get(*name) != Some(text))
        .map(|(name, _)| name)
        .chain(checked_in.keys().filter(|n| !fresh.contains_key(*n)))
        .collect();
    assert!(
        stale.is_empty(),
        "docs/rules is out of date for {stale:?}: run `cargo run -- rules --docs docs/rules`"
    );
    // Every rule has a page with its why and fix, and the index links it.
    let index = &fresh["README.md"];
    for (name, text) in &fresh {
        if name == "README.md" {
            continue;
        }
        assert!(text.contains("## Why") && text.contains("## Fix"), "{name}");
        assert!(index.contains(&format!("({name})")), "index misses {name}");
    }
    assert!(fresh.len() > 100, "only {} pages", fresh.len());
}

#[test]
fn one_rule_prints_its_page_and_unknown_ids_fail() {
    let out = drydock_testkit::drydock_cmd!()
        .args(["rules", "DD-IMG-001"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("# DD-IMG-001: "));
    let out = drydock_testkit::drydock_cmd!()
        .args(["rules", "DD-NOPE-999"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no rule \"DD-NOPE-999\""));
}
