//! `drydock config PATH`: Dockerfiles, Kubernetes manifests, Compose files and daemon.json.

use crate::cli::Common;
use anyhow::{Context, Result};
use std::process::ExitCode;

/// `drydock config PATH`: Dockerfiles, Kubernetes manifests, Compose files and daemon.json
/// under a file or directory, checked together (NetworkPolicy coverage spans documents).
pub fn run(path: &std::path::Path, common: &Common) -> Result<ExitCode> {
    const SKIP_DIRS: &[&str] = &[".git", "node_modules", "target", "vendor", ".terraform"];
    let mut files = Vec::new();
    let mut notes = Vec::new();
    let mut skipped = Vec::new();
    let walker = walkdir::WalkDir::new(path)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            !(e.file_type().is_dir()
                && e.depth() > 0
                && SKIP_DIRS.iter().any(|d| e.file_name() == *d))
        });
    for entry in walker {
        let entry = entry.with_context(|| format!("cannot walk {}", path.display()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let name = entry.path().display().to_string();
        if !drydock_config::wants(&name) {
            continue;
        }
        if entry
            .metadata()
            .map(|m| m.len() as usize > drydock_config::MAX_FILE_SIZE)
            .unwrap_or(true)
        {
            skipped.push(format!(
                "{name}: larger than {} MiB, not checked",
                drydock_config::MAX_FILE_SIZE >> 20
            ));
            continue;
        }
        match std::fs::read(entry.path()) {
            Ok(bytes) => files.push((name, bytes)),
            Err(e) => skipped.push(format!("{name}: cannot read: {e}")),
        }
    }
    if files.is_empty() && !path.exists() {
        anyhow::bail!("{}: no such file or directory", path.display());
    }
    let mut result = drydock_config::scan_set(&files);
    let docs: Vec<_> = files
        .iter()
        .filter_map(|(name, bytes)| drydock_policy::documents(name, bytes).ok())
        .flatten()
        .collect();
    let (custom, custom_notes) = super::custom_policies(common, &docs)?;
    result.findings.extend(custom);
    notes.extend(custom_notes);
    super::emit_files(
        drydock_image::SourceKind::Config,
        path,
        result,
        notes,
        skipped,
        common,
    )
}
