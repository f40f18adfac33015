//! `drydock cache clean`: removes the layer cache's results.

use crate::cli::CacheCommand;
use anyhow::{Context, Result};
use std::process::ExitCode;

pub fn run(cmd: CacheCommand) -> Result<ExitCode> {
    let CacheCommand::Clean { cache } = cmd;
    let dir = cache.resolve()?;
    let cleaned = drydock_analyze::LayerCache::clean(&dir)
        .with_context(|| format!("cannot clean the layer cache in {}", dir.display()))?;
    println!(
        "removed {} cached layers ({} bytes) from {}",
        cleaned.files,
        cleaned.bytes,
        dir.join("layers").display()
    );
    Ok(ExitCode::SUCCESS)
}
