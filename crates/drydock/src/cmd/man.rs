//! `drydock man`: the man page (roff) from the clap definitions.

use crate::{cli::Cli, output::write_stdout};
use anyhow::{Context, Result};
use std::process::ExitCode;

pub fn run() -> Result<ExitCode> {
    let cmd = <Cli as clap::CommandFactory>::command();
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut buf)
        .context("cannot render the man page")?;
    write_stdout(&buf).map(|()| ExitCode::SUCCESS)
}
