//! The finding model shared by every scanner (vulnerabilities, secrets, credentials,
//! misconfiguration) and every output format.
//!
//! Rules are static data with stable ids (`DD-IMG-001`): severity, a one-line title, why it
//! matters, how to fix it, and references. A [`Finding`] is one rule firing at one place.

pub mod time;

use serde::Serialize;
use std::fmt;

/// Ordered from least to most severe, so `>=` gates work.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    Unknown,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Unknown => "UNKNOWN",
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl std::str::FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_uppercase().as_str() {
            "UNKNOWN" => Severity::Unknown,
            "LOW" => Severity::Low,
            "MEDIUM" | "MODERATE" => Severity::Medium,
            "HIGH" => Severity::High,
            "CRITICAL" => Severity::Critical,
            _ => {
                return Err(format!(
                    "unknown severity {s:?} (use low, medium, high, critical)"
                ));
            }
        })
    }
}

/// Which scanner a finding comes from.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Vulnerability,
    Secret,
    Credential,
    Misconfiguration,
}

/// A rule's fixed documentation. Ids never change meaning; retired ids are not reused.
#[derive(Debug, Serialize)]
pub struct Rule {
    pub id: &'static str,
    pub kind: Kind,
    pub severity: Severity,
    /// One line, imperative or descriptive: "Image runs as root".
    pub title: &'static str,
    /// Why it matters, in a sentence or two.
    pub why: &'static str,
    /// What to change.
    pub fix: &'static str,
    /// CIS benchmark items, Pod Security Standards controls, advisories, docs.
    pub references: &'static [&'static str],
}

impl Rule {
    /// The rule's documentation page (Markdown): what `docs/rules/<ID>.md` holds and
    /// `drydock rules ID` prints, so the page and the binary never disagree.
    pub fn markdown(&self) -> String {
        let kind = match self.kind {
            Kind::Vulnerability => "vulnerability",
            Kind::Secret => "secret",
            Kind::Credential => "credential",
            Kind::Misconfiguration => "misconfiguration",
        };
        let mut s = format!(
            "# {}: {}\n\n| severity | scanner |\n|---|---|\n| {} | {kind} |\n\n## Why\n\n{}\n\n## Fix\n\n{}\n",
            self.id, self.title, self.severity, self.why, self.fix
        );
        if !self.references.is_empty() {
            s.push_str("\n## References\n\n");
            for r in self.references {
                s.push_str(&format!("- {r}\n"));
            }
        }
        s
    }
}

/// Where a finding is: the layer that holds it (and whether later layers removed it), a path and
/// a line, or a synthetic place such as `config.Env[3]` for image metadata.
// Deserialize: `drydock image --server` reads back the findings a server matched.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// `present`, `replaced` or `deleted`: deleted content is still in the layer blob.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// One rule (or advisory) firing at one place.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct Finding {
    /// Rule id or advisory id.
    pub id: String,
    pub kind: Kind,
    pub severity: Severity,
    /// Vulnerabilities: which record's rating `severity` is (`CVSS V3 of GHSA-…`, `Ubuntu
    /// priority of UBUNTU-CVE-…`); absent for rules, whose severity is the rule's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity_source: Option<String>,
    /// Vulnerabilities: `fixed` (a fixed version exists for the installed line) or `affected`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    pub title: String,
    /// What was seen here, specifically (redacted where it would leak a secret).
    pub message: String,
    /// Why it matters (the rule's rationale, or the advisory's summary).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub location: Location,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// Vulnerabilities: the facts `message` spells out for people, kept structured for the
    /// results store. Not in reports (they show the message).
    #[serde(skip)]
    pub vulnerability: Option<VulnFacts>,
}

/// What a vulnerability finding says in its message, as data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VulnFacts {
    /// The advisory's other ids (CVE, GHSA, distribution records).
    pub aliases: Vec<String>,
    pub installed_version: String,
    /// Empty when no fixed version is published.
    pub fixed_versions: Vec<String>,
}

impl Finding {
    /// A finding for a documented rule, at `location`, with a specific `message`.
    pub fn from_rule(rule: &Rule, location: Location, message: impl Into<String>) -> Self {
        Finding {
            id: rule.id.to_owned(),
            kind: rule.kind,
            severity: rule.severity,
            severity_source: None,
            status: None,
            title: rule.title.to_owned(),
            message: message.into(),
            description: Some(rule.why.to_owned()),
            location,
            package: None,
            fix: Some(rule.fix.to_owned()),
            references: rule.references.iter().map(|r| (*r).to_owned()).collect(),
            vulnerability: None,
        }
    }

    /// The stable sort used by every output: most severe first, then by id and place.
    pub fn sort_key(&self) -> (std::cmp::Reverse<Severity>, &str, &Location, &str) {
        (
            std::cmp::Reverse(self.severity),
            &self.id,
            &self.location,
            &self.message,
        )
    }
}

/// A finding that an ignore entry or a VEX statement suppressed: reported with the reason, never
/// dropped, and not counted for `--exit-code`.
#[derive(Clone, Debug, Serialize)]
pub struct Suppressed {
    #[serde(flatten)]
    pub finding: Finding,
    /// `file:line` of the ignore entry, or the VEX statement.
    pub suppressed_by: String,
    pub reason: String,
}

/// One entry of a rule table: a rule and the function that checks it. Every family's registry
/// is a `&[Check<F>]` in id order, `F` being what that family's checks look at (a Dockerfile, a
/// set of Kubernetes objects, a Compose service, the Docker host, an image), so adding a rule
/// is always the same two steps: declare the `Rule` next to its function, add one line here.
pub struct Check<F: 'static> {
    pub rule: &'static Rule,
    pub run: F,
}

impl<F> Check<F> {
    /// The rules of a table, for listings and table tests.
    pub fn rules(table: &[Check<F>]) -> impl Iterator<Item = &'static Rule> + '_ {
        table.iter().map(|c| c.rule)
    }
}

/// Checks a rule table for duplicate or malformed ids (`DD-<FAMILY>-<NNN>`); used by each
/// family's tests so a copy-paste slip cannot ship.
pub fn check_rule_table(rules: &[&Rule]) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for r in rules {
        let mut parts = r.id.split('-');
        let ok = parts.next() == Some("DD")
            && parts.next().is_some_and(|f| {
                !f.is_empty()
                    && f.bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            })
            && parts
                .next()
                .is_some_and(|n| n.len() == 3 && n.bytes().all(|b| b.is_ascii_digit()))
            && parts.next().is_none();
        if !ok {
            return Err(format!("malformed rule id {:?}", r.id));
        }
        if !seen.insert(r.id) {
            return Err(format!("duplicate rule id {}", r.id));
        }
        if r.title.is_empty() || r.why.is_empty() || r.fix.is_empty() {
            return Err(format!("rule {} lacks a title, why or fix", r.id));
        }
    }
    Ok(())
}
