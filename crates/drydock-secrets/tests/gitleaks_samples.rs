//! gitleaks' labelled samples (`rule-samples.jsonl`): the literal true and false positives of
//! every rule's generator in gitleaks' sources. gitleaks' own generator asserts that, with
//! only that rule loaded, each tp yields a finding and each fp none; here they go through the
//! whole built-in engine, as drydock ships it.
//!
//! A sample counts for its labelled rule: a tp is found if some finding has that rule id, an
//! fp is a false positive if some finding has that rule id. Findings of other rules on fp
//! samples are reported separately ("any rule"): gitleaks' full config makes those too.

mod common;

use drydock_secrets::Engine;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct Sample {
    rule_id: String,
    label: String,
    sample: String,
}

#[test]
fn gitleaks_rule_samples() {
    let Some(path) = common::shared("gitleaks/rule-samples.jsonl") else {
        return;
    };
    let text = std::fs::read_to_string(path).expect("read samples");
    let samples: Vec<Sample> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("sample line"))
        .collect();
    assert_eq!(samples.len(), 381);

    let engine = Engine::builtin();
    let (mut tp, mut fn_, mut fp, mut tn, mut fp_any) = (0, 0, 0, 0, 0);
    let mut per_rule: BTreeMap<&str, [usize; 4]> = BTreeMap::new();
    let mut misses = Vec::new();
    for s in &samples {
        let found = engine.scan_text("sample", &s.sample);
        let hit = found.iter().any(|f| f.rule_id == s.rule_id);
        let row = per_rule.entry(&s.rule_id).or_default();
        match (s.label.as_str(), hit) {
            ("tp", true) => {
                tp += 1;
                row[0] += 1;
            }
            ("tp", false) => {
                fn_ += 1;
                row[1] += 1;
                misses.push(format!(
                    "FN {}: {:.120}",
                    s.rule_id,
                    s.sample.escape_debug()
                ));
            }
            ("fp", true) => {
                fp += 1;
                row[2] += 1;
                misses.push(format!(
                    "FP {}: {:.120}",
                    s.rule_id,
                    s.sample.escape_debug()
                ));
            }
            _ => {
                tn += 1;
                row[3] += 1;
            }
        }
        if s.label == "fp" && !found.is_empty() {
            fp_any += 1;
            for f in &found {
                if f.rule_id != s.rule_id {
                    println!(
                        "  other rule on fp sample of {}: {} ({})",
                        s.rule_id, f.rule_id, f.match_line
                    );
                }
            }
        }
    }
    for m in &misses {
        println!("{m}");
    }
    let recall = common::pct(tp, tp + fn_);
    let precision = common::pct(tp, tp + fp);
    println!(
        "gitleaks samples: {} tp-labelled, {} fp-labelled over {} rules",
        tp + fn_,
        fp + tn,
        per_rule.len()
    );
    println!("  per labelled rule: TP {tp} FN {fn_} FP {fp} TN {tn}");
    println!("  recall {recall:.1}%  precision {precision:.1}%");
    println!(
        "  fp-labelled samples with a finding of any rule: {fp_any}/{}",
        fp + tn
    );
    // The one known miss: a Bedrock key made of `EXAMPLE` repeated, which drydock's
    // Trivy-derived `examples` allowlist (match contains "example") drops on purpose.
    let known_misses = ["FN aws-amazon-bedrock-api-key-long-lived: ABSKQmVkcm9ja0FQSUtleS1EXAMPLE"];
    for m in &misses {
        assert!(
            known_misses.iter().any(|k| m.starts_with(k)),
            "unexpected miss: {m}"
        );
    }
    assert!(recall >= 98.8, "recall {recall:.1}%");
    assert_eq!(fp, 0, "false positives on gitleaks' negative samples");
    // Every finding on an fp sample comes from another gitleaks rule (as gitleaks' own full
    // config would report), never from a rule drydock added.
    assert!(fp_any <= 10, "{fp_any} fp-labelled samples with findings");
}
