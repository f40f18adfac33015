//! Suppression: `.drydockignore` entries (id, optional path and package, mandatory reason,
//! optional expiry) and OpenVEX statements. Suppressed findings are kept and counted, never
//! silently dropped: reports list them with the reason.
//!
//! `.drydockignore`, one entry per line, the reason after `#` is required:
//! ```text
//! CVE-2024-1234 package=pkg:deb/debian/openssl exp=2027-01-31 # not reachable: no TLS server
//! DD-IMG-001 # the entrypoint drops privileges itself
//! aws-access-token path=/app/tests/* # fake keys in test fixtures
//! ```

use drydock_finding::Finding;
pub use drydock_finding::Suppressed;

/// One way to suppress findings, with where it was written. Serializable: the results store
/// keeps a scan's rules so `store rematch` applies them to what a newer database finds.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Rule {
    id: String,
    path: Option<String>,
    package: Option<String>,
    expires: Option<String>,
    reason: String,
    source: String,
}

#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {problem}")]
pub struct SuppressError {
    pub file: String,
    pub line: usize,
    pub problem: String,
}

/// Parses a `.drydockignore` file.
pub fn parse_ignore(file: &str, text: &str) -> Result<Vec<Rule>, SuppressError> {
    let mut rules = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let err = |problem: &str| SuppressError {
            file: file.to_owned(),
            line: i + 1,
            problem: problem.to_owned(),
        };
        let (spec, reason) = match line.split_once('#') {
            Some((s, r)) if !r.trim().is_empty() => (s, r.trim()),
            _ => return Err(err("an ignore entry needs a reason after '#'")),
        };
        let mut words = spec.split_whitespace();
        let Some(id) = words.next() else {
            return Err(err("an ignore entry starts with a finding id"));
        };
        let mut rule = Rule {
            id: id.to_owned(),
            path: None,
            package: None,
            expires: None,
            reason: reason.to_owned(),
            source: format!("{file}:{}", i + 1),
        };
        for w in words {
            match w.split_once('=') {
                Some(("path", v)) => rule.path = Some(v.to_owned()),
                Some(("package", v)) => rule.package = Some(v.to_owned()),
                Some(("exp", v)) => {
                    if v.len() != 10
                        || v.as_bytes().get(4) != Some(&b'-')
                        || v.as_bytes().get(7) != Some(&b'-')
                    {
                        return Err(err(&format!("expiry {v:?} is not YYYY-MM-DD")));
                    }
                    rule.expires = Some(v.to_owned());
                }
                _ => {
                    return Err(err(&format!(
                        "unknown field {w:?} (use path=, package=, exp=)"
                    )));
                }
            }
        }
        rules.push(rule);
    }
    Ok(rules)
}

/// Parses an OpenVEX document: statements that say a vulnerability does not affect (or is fixed
/// in) the listed products become suppression rules, one per product.
pub fn parse_openvex(file: &str, text: &str) -> Result<Vec<Rule>, SuppressError> {
    let err = |problem: String| SuppressError {
        file: file.to_owned(),
        line: 0,
        problem,
    };
    let doc: serde_json::Value =
        serde_json::from_str(text).map_err(|e| err(format!("not valid OpenVEX JSON: {e}")))?;
    let Some(statements) = doc.get("statements").and_then(|s| s.as_array()) else {
        return Err(err(
            "no \"statements\" array: not an OpenVEX document".into()
        ));
    };
    let mut rules = Vec::new();
    for (i, st) in statements.iter().enumerate() {
        let status = st.get("status").and_then(|s| s.as_str()).unwrap_or("");
        if !matches!(status, "not_affected" | "fixed") {
            continue;
        }
        let vuln = st.get("vulnerability");
        let name = vuln
            .and_then(|v| {
                v.as_str()
                    .or_else(|| v.get("name").and_then(|n| n.as_str()))
            })
            .ok_or_else(|| err(format!("statement {i} names no vulnerability")))?;
        let why = st
            .get("justification")
            .or_else(|| st.get("impact_statement"))
            .and_then(|j| j.as_str())
            .unwrap_or("no justification given");
        let products: Vec<Option<String>> = match st.get("products").and_then(|p| p.as_array()) {
            Some(ps) if !ps.is_empty() => ps
                .iter()
                .map(|p| {
                    p.as_str()
                        .or_else(|| p.get("@id").and_then(|x| x.as_str()))
                        .map(str::to_owned)
                })
                .collect(),
            _ => vec![None],
        };
        for product in products {
            rules.push(Rule {
                id: name.to_owned(),
                path: None,
                package: product,
                expires: None,
                reason: format!("VEX {status}: {why}"),
                source: format!("{file}#statements[{i}]"),
            });
        }
    }
    Ok(rules)
}

impl Rule {
    fn matches(&self, f: &Finding) -> bool {
        let id_ok = f.id == self.id || f.references.contains(&self.id);
        let path_ok = self.path.as_deref().is_none_or(|p| {
            match (p.strip_suffix('*'), f.location.path.as_deref()) {
                (Some(prefix), Some(fp)) => fp.starts_with(prefix),
                (None, Some(fp)) => fp == p,
                _ => false,
            }
        });
        // Package URLs match by prefix, so `pkg:deb/debian/openssl` covers every version.
        let pkg_ok = self
            .package
            .as_deref()
            .is_none_or(|p| f.package.as_deref().is_some_and(|fp| fp.starts_with(p)));
        id_ok && path_ok && pkg_ok
    }
}

/// Splits `findings` into kept and suppressed; expired rules are not applied and produce a note.
pub fn apply(
    findings: Vec<Finding>,
    rules: &[Rule],
    today: &str,
) -> (Vec<Finding>, Vec<Suppressed>, Vec<String>) {
    let mut notes = Vec::new();
    let live: Vec<&Rule> = rules
        .iter()
        .filter(|r| match &r.expires {
            Some(exp) if exp.as_str() < today => {
                notes.push(format!(
                    "{}: ignore entry for {} expired on {exp}; not applied",
                    r.source, r.id
                ));
                false
            }
            _ => true,
        })
        .collect();
    let mut kept = Vec::new();
    let mut suppressed = Vec::new();
    for f in findings {
        match live.iter().find(|r| r.matches(&f)) {
            Some(r) => suppressed.push(Suppressed {
                finding: f,
                suppressed_by: r.source.clone(),
                reason: r.reason.clone(),
            }),
            None => kept.push(f),
        }
    }
    (kept, suppressed, notes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use drydock_finding::{Kind, Location, Severity};

    fn finding(id: &str, path: &str, package: Option<&str>, aliases: &[&str]) -> Finding {
        Finding {
            id: id.into(),
            kind: Kind::Vulnerability,
            severity: Severity::High,
            severity_source: None,
            status: None,
            title: id.into(),
            message: String::new(),
            description: None,
            location: Location {
                path: Some(path.into()),
                ..Location::default()
            },
            package: package.map(Into::into),
            fix: None,
            references: aliases.iter().map(|a| (*a).to_owned()).collect(),
            vulnerability: None,
        }
    }

    #[test]
    fn ignore_file_entries_match_by_id_alias_path_and_package() {
        let rules = parse_ignore(
            ".drydockignore",
            "# team policy\nCVE-2024-21626 package=pkg:golang/github.com/opencontainers/runc # patched build\nDD-IMG-001 # drops privileges\nsecret-x path=/app/tests/* exp=2000-01-01 # old fixture\n",
        )
        .expect("parses");
        let fs = vec![
            finding(
                "GO-2024-2491",
                "/usr/bin/runc",
                Some("pkg:golang/github.com/opencontainers/runc@v1.1.11"),
                &["CVE-2024-21626"],
            ),
            finding(
                "GO-2024-2491",
                "/usr/bin/other",
                Some("pkg:golang/example.com/other@v1"),
                &["CVE-2024-21626"],
            ),
            finding("DD-IMG-001", "config.User", None, &[]),
            finding("secret-x", "/app/tests/a.txt", None, &[]),
        ];
        let (kept, suppressed, notes) = apply(fs, &rules, "2026-11-29");
        assert_eq!(
            kept.iter()
                .map(|f| f.location.path.clone().unwrap_or_default())
                .collect::<Vec<_>>(),
            ["/usr/bin/other", "/app/tests/a.txt"]
        );
        assert_eq!(suppressed.len(), 2);
        assert_eq!(suppressed[0].reason, "patched build");
        assert_eq!(notes.len(), 1, "the expired entry says so");
    }

    #[test]
    fn entries_need_reasons_and_valid_fields() {
        assert!(parse_ignore("f", "CVE-1\n").is_err());
        assert!(parse_ignore("f", "CVE-1 colour=red # x\n").is_err());
        let e = parse_ignore("f", "CVE-1 exp=tomorrow # x\n").expect_err("bad date");
        assert_eq!(e.to_string(), "f:1: expiry \"tomorrow\" is not YYYY-MM-DD");
    }

    #[test]
    fn openvex_not_affected_statements_suppress_per_product() {
        let vex = r#"{"@context":"https://openvex.dev/ns/v0.2.0","statements":[
            {"vulnerability":{"name":"CVE-2024-21626"},"products":[{"@id":"pkg:golang/github.com/opencontainers/runc"}],"status":"not_affected","justification":"vulnerable_code_not_in_execute_path"},
            {"vulnerability":"CVE-2099-0001","status":"affected"}]}"#;
        let rules = parse_openvex("vex.json", vex).expect("parses");
        assert_eq!(rules.len(), 1);
        let (kept, suppressed, _) = apply(
            vec![finding(
                "GO-2024-2491",
                "/usr/bin/runc",
                Some("pkg:golang/github.com/opencontainers/runc@v1.1.11"),
                &["CVE-2024-21626"],
            )],
            &rules,
            "2026-11-29",
        );
        assert!(kept.is_empty());
        assert!(suppressed[0].reason.starts_with("VEX not_affected"));
        assert!(parse_openvex("x", "[]").is_err());
    }
}
