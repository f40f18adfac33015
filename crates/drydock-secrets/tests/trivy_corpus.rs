//! Trivy's secret-scanner test cases (`expected-findings.json`, 62 cases from Trivy's
//! `TestSecretScanner`), run through drydock with each case's Trivy YAML config.
//!
//! Trivy's built-in rules are Trivy's; drydock's are gitleaks' plus its own, so some ids
//! differ: `TRIVY_ID` maps drydock's id to Trivy's for the comparison (and nothing else).
//! A finding matches an expected one on (rule id, start line, end line).
//!
//! Two runs:
//! - **default**: drydock as it ships. Trivy's fixtures are fakes, and drydock drops some
//!   fakes by design: GitHub tokens whose CRC32 checksum is wrong, AWS key ids that are not
//!   base32, and values containing the alphabet run `abcdefghijklmnopqrstuvwxyz` (gitleaks'
//!   placeholder stop-word).
//! - **trivy-compatible**: the same with format verification off and the `placeholders`
//!   allowlist disabled. Every expected finding must be found here.

mod common;

use drydock_secrets::{Engine, Options, SecretMatch};
use serde::Deserialize;
use std::path::Path;

/// drydock rule id -> Trivy rule id, where they differ.
const TRIVY_ID: &[(&str, &str)] = &[
    ("aws-access-token", "aws-access-key-id"),
    ("azure-ad-client-secret", "azure-entra-client-secret"),
    ("grafana-api-key", "grafana-api-token"),
    ("huggingface-access-token", "hugging-face-access-token"),
    ("jwt", "jwt-token"),
];

/// Cases whose golden expects no finding but drydock reports one, with the reason. Kept
/// explicit so a new disagreement fails the test.
const KNOWN_EXTRA: &[(&str, &str, &str)] = &[
    (
        "find OpenAI Legacy User API Key",
        "openai-api-key",
        "the golden lists no finding, but the key carries OpenAI's T3BlbkFJ watermark, \
         gitleaks' openai-api-key rule matches it, and so does Trivy's own \
         openai-legacy-api-key rule (the extracted golden seems to have lost the OpenAI cases' \
         findings: all seven are named 'find ...')",
    ),
    (
        "find Alibaba AccessKey ID txt",
        "generic-api-key",
        "lines 1 and 6 are `key : LTAI` + 23 characters: too long for an Alibaba id, but a \
         high-entropy value assigned to `key`, which gitleaks' generic rule reports (Trivy has \
         no generic rule)",
    ),
    (
        "invalid aws secrets",
        "generic-api-key",
        "line 6 is `\"AWS_key\":` + 64 random characters: too long for an AWS secret, but a \
         high-entropy value assigned to a key, which gitleaks' generic rule reports",
    ),
];

#[derive(Deserialize)]
struct Case {
    name: String,
    config: String,
    input: String,
    findings: Vec<Expected>,
}

#[derive(Deserialize, Clone)]
struct Expected {
    rule_id: String,
    start_line: usize,
    end_line: usize,
}

fn trivy_id(id: &str) -> &str {
    TRIVY_ID
        .iter()
        .find(|(ours, _)| *ours == id)
        .map_or(id, |(_, theirs)| theirs)
}

/// Adds `placeholders` to the config's `disable-allow-rules`.
fn trivy_compatible(yaml: &str) -> String {
    if let Some(i) = yaml.find("disable-allow-rules:") {
        let end = i + "disable-allow-rules:".len();
        format!("{}\n  - placeholders{}", &yaml[..end], &yaml[end..])
    } else {
        format!("{yaml}\ndisable-allow-rules:\n  - placeholders\n")
    }
}

struct Tally {
    tp: usize,
    fn_: usize,
    fp: usize,
    lines: Vec<String>,
}

fn run(dir: &Path, cases: &[Case], compatible: bool) -> Tally {
    let mut t = Tally {
        tp: 0,
        fn_: 0,
        fp: 0,
        lines: Vec::new(),
    };
    for case in cases {
        let config_path = dir.join(&case.config);
        // A config that does not exist means "built-in rules only" (as in Trivy).
        let yaml = std::fs::read_to_string(&config_path).unwrap_or_default();
        let yaml = if compatible {
            trivy_compatible(&yaml)
        } else {
            yaml
        };
        let engine = Engine::from_trivy_yaml(&yaml)
            .unwrap_or_else(|e| panic!("{}: {e}", case.config))
            .with_options(Options {
                verify_formats: !compatible,
                ..Options::default()
            });
        let content = std::fs::read(dir.join(&case.input)).expect("input file");
        let found: Vec<SecretMatch> = engine.scan(&case.input, &content);
        let mut expected = case.findings.clone();
        let mut extra = Vec::new();
        for f in &found {
            let id = trivy_id(&f.rule_id);
            match expected.iter().position(|e| {
                e.rule_id == id && e.start_line == f.start_line && e.end_line == f.end_line
            }) {
                Some(i) => {
                    expected.remove(i);
                    t.tp += 1;
                }
                None => extra.push(f),
            }
        }
        for e in &expected {
            t.fn_ += 1;
            t.lines.push(format!(
                "  FN [{}] {} {}-{}",
                case.name, e.rule_id, e.start_line, e.end_line
            ));
        }
        for f in extra {
            let known = KNOWN_EXTRA
                .iter()
                .any(|(name, id, _)| *name == case.name && *id == f.rule_id);
            t.fp += 1;
            t.lines.push(format!(
                "  FP [{}] {} {}-{} {}{}",
                case.name,
                f.rule_id,
                f.start_line,
                f.end_line,
                f.match_line,
                if known {
                    " (known, see KNOWN_EXTRA)"
                } else {
                    ""
                }
            ));
            assert!(
                known,
                "unexpected finding in case {:?}: {} line {} ({})",
                case.name, f.rule_id, f.start_line, f.match_line
            );
        }
    }
    t
}

#[test]
fn trivy_secret_cases() {
    let Some(dir) = common::shared("trivy") else {
        return;
    };
    let json = std::fs::read_to_string(dir.join("expected-findings.json")).expect("golden");
    let cases: Vec<Case> = serde_json::from_str(&json).expect("golden json");
    assert_eq!(cases.len(), 62);
    let expected: usize = cases.iter().map(|c| c.findings.len()).sum();
    for (compatible, label) in [(false, "default"), (true, "trivy-compatible")] {
        let t = run(&dir, &cases, compatible);
        println!("Trivy corpus, {label} run:");
        for l in &t.lines {
            println!("{l}");
        }
        println!(
            "  {} cases, {expected} expected findings: TP {} FN {} FP {}; recall {:.1}%, precision {:.1}%",
            cases.len(),
            t.tp,
            t.fn_,
            t.fp,
            common::pct(t.tp, t.tp + t.fn_),
            common::pct(t.tp, t.tp + t.fp)
        );
        assert_eq!(t.tp + t.fn_, expected);
        if compatible {
            assert_eq!(t.fn_, 0, "every expected Trivy finding must be found");
            assert_eq!(
                t.fp, 4,
                "the known extras: 1 OpenAI, 2 Alibaba lines, 1 AWS line"
            );
        }
    }
}
