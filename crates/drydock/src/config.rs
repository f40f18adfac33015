//! `drydock.toml`: defaults for the scan flags, from the project (`./drydock.toml`) and the user
//! (`$XDG_CONFIG_HOME/drydock/drydock.toml`, else `~/.config/drydock/drydock.toml`).
//!
//! Precedence, highest first: command-line flags, `DRYDOCK_*` environment variables, the
//! project file, the user file, built-in defaults. A key applies only where the flag was left at
//! its default (clap tells which).
//!
//! ```toml
//! severity = ["HIGH", "CRITICAL"]
//! exit-code = 1
//! scanners = ["vuln", "secret"]
//! ignorefile = ".drydockignore"
//! vex = ["vex/openvex.json"]
//! db-dir = "/var/cache/drydock/db"
//! password-budget = 1.0
//! ignore-unfixed = true
//! quiet = true
//! policy = ["policies/"]
//! ```

use crate::{Common, Scanner};
use anyhow::{Context, Result};
use clap::ArgMatches;
use clap::parser::ValueSource;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct File {
    severity: Option<Vec<String>>,
    exit_code: Option<u8>,
    scanners: Option<Vec<String>>,
    ignorefile: Option<PathBuf>,
    vex: Option<Vec<PathBuf>>,
    db_dir: Option<PathBuf>,
    password_budget: Option<f64>,
    ignore_unfixed: Option<bool>,
    quiet: Option<bool>,
    policy: Option<Vec<PathBuf>>,
}

fn read(path: &Path) -> Result<Option<File>> {
    if !path.is_file() {
        return Ok(None);
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    toml::from_str(&text)
        .map(Some)
        .with_context(|| format!("{}: invalid drydock configuration", path.display()))
}

fn user_file() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("drydock").join("drydock.toml"))
}

/// Fills the flags the user did not give from the config files.
pub fn apply(common: &mut Common, matches: &ArgMatches) -> Result<()> {
    let mut files = Vec::new();
    if let Some(f) = read(Path::new("drydock.toml"))? {
        files.push(f);
    }
    if let Some(f) = user_file().map(|p| read(&p)).transpose()?.flatten() {
        files.push(f);
    }
    // Project first, so its keys win over the user's.
    let unset = |id: &str| {
        matches!(
            matches.value_source(id),
            None | Some(ValueSource::DefaultValue)
        )
    };
    for f in files {
        if let (Some(v), true) = (f.severity, unset("severity") && common.severity.is_empty()) {
            common.severity = v
                .iter()
                .map(|s| s.parse().map_err(anyhow::Error::msg))
                .collect::<Result<_>>()?;
        }
        if let (Some(v), true) = (f.exit_code, unset("exit_code") && common.exit_code == 0) {
            common.exit_code = v;
        }
        if let (Some(v), true) = (f.scanners, unset("scanners") && common.scanners.is_empty()) {
            common.scanners = v
                .iter()
                .map(|s| {
                    <Scanner as clap::ValueEnum>::from_str(s, true)
                        .map_err(|_| anyhow::anyhow!("unknown scanner {s:?} in drydock.toml"))
                })
                .collect::<Result<_>>()?;
        }
        if let (Some(v), true) = (
            f.ignorefile,
            unset("ignorefile") && common.ignorefile.is_none(),
        ) {
            common.ignorefile = Some(v);
        }
        if let (Some(v), true) = (f.vex, unset("vex") && common.vex.is_empty()) {
            common.vex = v;
        }
        if let (Some(v), true) = (f.db_dir, unset("db_dir") && common.db.db_dir.is_none()) {
            common.db.db_dir = Some(v);
        }
        if let (Some(v), true) = (f.password_budget, unset("password_budget")) {
            common.password_budget = v;
        }
        if let (Some(v), true) = (
            f.ignore_unfixed,
            unset("ignore_unfixed") && !common.ignore_unfixed,
        ) {
            common.ignore_unfixed = v;
        }
        if let (Some(v), true) = (f.quiet, unset("quiet") && !common.quiet) {
            common.quiet = v;
        }
        if let (Some(v), true) = (f.policy, unset("policy") && common.policy.is_empty()) {
            common.policy = v;
        }
    }
    Ok(())
}
