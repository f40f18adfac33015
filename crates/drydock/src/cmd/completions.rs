//! `drydock completions SHELL`: completions from the same clap definitions as the parser.

use crate::{cli::Cli, output::write_stdout};
use anyhow::Result;
use std::process::ExitCode;

pub fn run(shell: clap_complete::Shell) -> Result<ExitCode> {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "drydock", &mut buf);
    write_stdout(&buf).map(|()| ExitCode::SUCCESS)
}
