//! `drydock sbom-scan FILE`: the vulnerabilities of the packages an SBOM lists, judged by the
//! same matcher and reported in the same formats as an image scan.

use crate::cli::{Common, Scanner, StoreTarget};
use anyhow::{Context, Result};
use drydock_image::Image;
use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

pub fn run(file: &Path, store: &StoreTarget, mut common: Common) -> Result<ExitCode> {
    // An SBOM lists packages, not files: vulnerabilities are all there is to check.
    if common.scanners.iter().any(|s| *s != Scanner::Vuln) {
        anyhow::bail!("sbom-scan checks vulnerabilities only (--scanners vuln)");
    }
    common.scanners = vec![Scanner::Vuln];
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .with_context(|| format!("cannot open {}", file.display()))?
        .take(drydock_analyze::sbom::MAX_SBOM_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", file.display()))?;
    let inventory = drydock_analyze::sbom::read(&file.display().to_string(), &bytes)?;
    let mut image = Image::sbom(file);
    image.notes = inventory.notes;
    image.notes.insert(
        0,
        format!(
            "{}: {} packages read from the SBOM",
            inventory.format,
            inventory.packages.len()
        ),
    );
    let scan = drydock_analyze::Scan {
        layers: Vec::new(),
        tree: Default::default(),
        outputs: Vec::new(),
        diagnostics: Vec::new(),
        os: inventory.os,
        packages: inventory.packages,
    };
    let session = super::Session::for_target(&common, false, store)?;
    session.judge(&image, &scan, &common, |report| {
        crate::output::emit(report, &common)
    })
}
