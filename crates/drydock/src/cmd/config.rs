//! `drydock config PATH`: Dockerfiles, Kubernetes manifests, Compose files and daemon.json.

use crate::cli::Common;
use anyhow::{Context, Result};
use std::process::ExitCode;

/// `drydock config PATH`: Dockerfiles, Kubernetes manifests, Compose files and daemon.json
/// under a file or directory, checked together (NetworkPolicy coverage spans documents).
pub fn run(path: &std::path::Path, common: &Common) -> Result<ExitCode> {
    let drydock_fs::ConfigFiles { files, skipped } = drydock_fs::config_files(
        path,
        drydock_config::wants,
        drydock_config::MAX_FILE_SIZE as u64,
    )
    .with_context(|| format!("cannot walk {}", path.display()))?;
    let mut notes = Vec::new();
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
        drydock_report::FilesKind::Config,
        path,
        result,
        notes,
        skipped,
        common,
    )
}
