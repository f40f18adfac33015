//! Scanners: each turns the engine's view of an image (config, file tree, analyzer outputs) into
//! [`Finding`]s. One family per module; rules are static data registered in one list per family.

pub mod image;

pub use drydock_finding::{Finding, Kind, Location, Rule, Severity};

use drydock_analyze::Scan;
use drydock_image::Image;

/// Everything a scanner may look at; scanners never read the host.
pub struct Input<'a> {
    pub image: &'a Image,
    pub scan: &'a Scan,
}

/// Runs every scanner family enabled in `kinds` and returns findings in the stable output order.
pub fn run(input: &Input<'_>, kinds: &[Kind]) -> Vec<Finding> {
    let mut findings = Vec::new();
    if kinds.contains(&Kind::Misconfiguration) {
        findings.extend(image::check(input));
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings
}
