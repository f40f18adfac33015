//! SARIF 2.1.0, shaped for GitHub code scanning: one rule per finding id with help text and a
//! `security-severity`, results with a location each (file paths relative to the image root;
//! findings about image metadata point at the image itself, line 1).

use crate::Report;
use drydock_finding::{Finding, Severity};
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub fn sarif(r: &Report<'_>) -> String {
    let mut rules: BTreeMap<&str, &Finding> = BTreeMap::new();
    for f in r
        .findings
        .iter()
        .chain(r.suppressed.iter().map(|s| &s.finding))
    {
        rules.entry(f.id.as_str()).or_insert(f);
    }
    let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let target = r
        .target
        .reference
        .clone()
        .unwrap_or_else(|| r.target.path.clone());
    let rules_json: Vec<Value> = rules
        .values()
        .map(|f| {
            let mut help = String::new();
            if let Some(d) = &f.description {
                help.push_str(d);
                help.push_str("\n\n");
            }
            if let Some(fix) = &f.fix {
                help.push_str("Fix: ");
                help.push_str(fix);
                help.push('\n');
            }
            for reference in &f.references {
                help.push_str("\n- ");
                help.push_str(reference);
            }
            json!({
                "id": f.id,
                "name": f.id.replace('-', ""),
                "shortDescription": {"text": f.title},
                "fullDescription": {"text": f.description.clone().unwrap_or_else(|| f.title.clone())},
                "help": {"text": help, "markdown": help},
                "defaultConfiguration": {"level": level(f.severity)},
                "properties": {
                    "security-severity": security_severity(f.severity),
                    "tags": ["security", format!("{:?}", f.kind).to_lowercase()],
                    "precision": "high",
                },
            })
        })
        .collect();
    let suppressed = r.suppressed.iter().map(|s| (&s.finding, Some(s)));
    let results: Vec<Value> = r
        .findings
        .iter()
        .map(|f| (f, None))
        .chain(suppressed)
        .map(|(f, sup): (&Finding, Option<&drydock_finding::Suppressed>)| {
            let (uri, line) = match (&f.location.path, f.location.line) {
                // Real files of the image: a path, relative to the root.
                (Some(p), line) if p.starts_with('/') => {
                    (p.trim_start_matches('/').to_owned(), line.unwrap_or(1))
                }
                // Image metadata (`config.User`, `history[2]`): the image itself.
                _ => (target.clone(), 1),
            };
            let mut msg = f.message.clone();
            if let Some(p) = f.location.path.as_ref().filter(|p| !p.starts_with('/')) {
                msg = format!("{msg} ({p})");
            }
            if let Some(l) = f.location.layer {
                msg = format!("{msg} [layer {l}]");
            }
            let mut result = json!({
                "ruleId": f.id,
                "ruleIndex": index[f.id.as_str()],
                "level": level(f.severity),
                "message": {"text": msg},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": uri},
                    "region": {"startLine": line.max(1)},
                }}],
                "partialFingerprints": {"drydock/v1": fingerprint(f)},
            });
            // Code scanning shows suppressed results as dismissed, with the reason.
            if let Some(s) = sup {
                result["suppressions"] = json!([{"kind": "external", "justification": format!("{} ({})", s.reason, s.suppressed_by)}]);
            }
            result
        })
        .collect();
    let mut properties = json!({"target": target});
    if let Some(d) = r.manifest_digest() {
        properties["manifestDigest"] = json!(d);
    }
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "drydock",
                "version": r.drydock_version,
                "informationUri": "https://github.com/drydock-security/drydock",
                "rules": rules_json,
            }},
            "results": results,
            "properties": properties,
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Unknown => "note",
    }
}

/// GitHub maps this score to its own critical/high/medium/low buckets.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "2.0",
        Severity::Unknown => "0.0",
    }
}

/// Stable across runs for the same finding, so code scanning tracks it instead of re-opening it.
fn fingerprint(f: &Finding) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(f.id.as_bytes());
    h.update(f.location.path.as_deref().unwrap_or("").as_bytes());
    h.update(f.package.as_deref().unwrap_or("").as_bytes());
    h.update(f.message.as_bytes());
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}
