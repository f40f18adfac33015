//! Scanners: each turns the engine's view of an image (config, file tree, analyzer outputs) into
//! [`Finding`]s. One family per module; rules are static data registered in one list per family.

pub mod credentials;
pub mod image;
pub mod secrets;
pub mod suppress;
pub mod vulns;

pub use drydock_finding::{Finding, Kind, Location, Rule, Severity};

use drydock_analyze::Scan;
use drydock_fs::Fate;
use drydock_image::Image;
use std::sync::Arc;

/// How scanners are configured (CLI flags end up here).
#[derive(Clone)]
pub struct Options {
    /// Print secrets and cracked passwords instead of redacting them.
    pub show_secrets: bool,
    /// Secret rules for image metadata (the file rules run in the engine's analyzer).
    pub secrets: Arc<drydock_secrets::Engine>,
    pub password_budget: drydock_creds::CrackBudget,
    /// Extra words to try on password hashes (`--wordlist`).
    pub wordlist: Vec<String>,
    /// The advisory database; the vulnerability scanner needs it.
    pub vulndb: Option<Arc<vulns::SharedMatcher>>,
    /// Leave out vulnerabilities without a published fix.
    /// Statuses whose vulnerabilities are left out (`--ignore-status`, `--ignore-unfixed`):
    /// `fixed`, `affected`, `end_of_life`.
    pub ignore_status: Vec<&'static str>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            show_secrets: false,
            secrets: Arc::new(drydock_secrets::Engine::builtin()),
            password_budget: drydock_creds::CrackBudget::default(),
            wordlist: Vec::new(),
            vulndb: None,
            ignore_status: Vec::new(),
        }
    }
}

/// Everything a scanner may look at; scanners never read the host.
pub struct Input<'a> {
    pub image: &'a Image,
    pub scan: &'a Scan,
    pub options: &'a Options,
}

/// Runs every scanner family enabled in `kinds` and returns findings in the stable output order.
pub fn run(input: &Input<'_>, kinds: &[Kind]) -> Vec<Finding> {
    scan(input, kinds).0
}

/// Like [`run`], plus notes on what could not be checked (for the report's diagnostics).
pub fn scan(input: &Input<'_>, kinds: &[Kind]) -> (Vec<Finding>, Vec<String>) {
    let mut findings = Vec::new();
    let mut notes = Vec::new();
    if kinds.contains(&Kind::Vulnerability) {
        match &input.options.vulndb {
            Some(db) => {
                let outcome = vulns::check(input, db, &input.options.ignore_status);
                findings.extend(outcome.findings);
                notes.extend(outcome.skipped);
            }
            None => notes.push(
                "vulnerabilities not checked: no advisory database (drydock db import)".into(),
            ),
        }
    }
    if kinds.contains(&Kind::Misconfiguration) {
        findings.extend(image::check(input));
    }
    if kinds.contains(&Kind::Secret) {
        findings.extend(secrets::check(input));
    }
    if kinds.contains(&Kind::Credential) {
        findings.extend(credentials::check(input));
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    (findings, notes)
}

/// The location of something found in `path` of `layer`, with what later layers did to it.
pub fn layer_location(
    scan: &Scan,
    layer: usize,
    path: &str,
    line: Option<u32>,
    fate: Fate,
) -> Location {
    Location {
        layer: Some(layer),
        diff_id: scan
            .layers
            .get(layer)
            .and_then(|l| l.stats.diff_id.as_ref())
            .map(ToString::to_string),
        path: Some(path.to_owned()),
        line,
        status: Some(
            match fate {
                Fate::Present => "present",
                Fate::Replaced { .. } => "replaced",
                Fate::Deleted { .. } => "deleted",
            }
            .to_owned(),
        ),
    }
}

/// "still in layer 2's blob" notes for content a later layer removed.
pub fn fate_note(fate: Fate) -> String {
    match fate {
        Fate::Present => String::new(),
        Fate::Replaced { by_layer } => {
            format!(" (replaced by layer {by_layer}; still in this layer's blob)")
        }
        Fate::Deleted { by_layer } => {
            format!(" (deleted by layer {by_layer}; still in this layer's blob)")
        }
    }
}
