//! The `drydock` command: argument parsing, progress, output and exit codes. All the work is in
//! the library crates; this is the only place that prints.
//!
//! `cli.rs` is the clap shape, `args.rs` turns flags, environment and `drydock.toml` into
//! options, `cmd/` has one file per subcommand and `output.rs` writes the formats.

mod args;
mod cli;
mod cmd;
mod output;
mod rules;

use anyhow::Result;
use cli::{Cli, Command};
use std::process::ExitCode;

/// Exit code for errors: unreadable or corrupt input, bad flags. (1 is reserved for findings.)
pub(crate) const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let matches = <Cli as clap::CommandFactory>::command().get_matches();
    let cli = match <Cli as clap::FromArgMatches>::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    match run(cli, &matches) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("drydock: error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// One arm per subcommand, each handing over to its file in `cmd/`.
fn run(mut cli: Cli, matches: &clap::ArgMatches) -> Result<ExitCode> {
    // `drydock.toml` fills what the flags left at their defaults.
    if let Some((_, sub)) = matches.subcommand() {
        match &mut cli.command {
            Command::Image(a) => args::apply(&mut a.common, sub)?,
            Command::Sbom { common, .. }
            | Command::SbomScan { common, .. }
            | Command::Rootfs { common, .. }
            | Command::Config { common, .. }
            | Command::Host { common, .. } => args::apply(common, sub)?,
            Command::Fleet(cli::FleetCommand::Work { image, .. }) => {
                if let Some((_, work)) = sub.subcommand() {
                    args::apply(&mut image.common, work)?;
                }
            }
            _ => {}
        }
        // `store` in drydock.toml, where neither --store nor DRYDOCK_STORE gave one.
        match &mut cli.command {
            Command::Image(a) => args::apply_store(&mut a.store.store)?,
            Command::SbomScan { store, .. } | Command::Rootfs { store, .. } => {
                args::apply_store(&mut store.store)?
            }
            Command::Store(
                cli::StoreCommand::Rematch { at, .. }
                | cli::StoreCommand::Deltas { at, .. }
                | cli::StoreCommand::Query(
                    cli::StoreQuery::Images { at, .. }
                    | cli::StoreQuery::Finding { at, .. }
                    | cli::StoreQuery::Package { at, .. },
                ),
            ) => args::apply_store(&mut at.store)?,
            Command::Server(a) => match &mut a.token {
                None => args::apply_store(&mut a.store.store)?,
                Some(cli::ServerCommand::LayerKey) => {}
                Some(cli::ServerCommand::Token(
                    cli::TokenCommand::Add { store, .. }
                    | cli::TokenCommand::List { store }
                    | cli::TokenCommand::Revoke { store, .. },
                )) => args::apply_store(&mut store.store)?,
            },
            _ => {}
        }
    }
    match cli.command {
        Command::Image(a) => cmd::image::run(*a),
        Command::Rootfs { dir, store, common } => cmd::rootfs::run(&dir, &store, &common),
        Command::Sbom {
            path,
            platform,
            reference,
            common,
        } => cmd::sbom::run(&path, platform, reference, common),
        Command::SbomScan {
            file,
            store,
            common,
        } => cmd::sbom_scan::run(&file, &store, common),
        Command::Config { path, common } => cmd::config::run(&path, &common),
        Command::Host { root, common } => cmd::host::run(&root, &common),
        Command::Rules {
            id,
            json,
            secrets,
            docs,
        } => cmd::rules::run(id.as_deref(), json, secrets, docs.as_deref()),
        Command::Db(c) => cmd::db::run(c),
        Command::Cache(c) => cmd::cache::run(c),
        Command::Fleet(c) => cmd::fleet::run(c),
        Command::Completions { shell } => cmd::completions::run(shell),
        Command::Man => cmd::man::run(),
        Command::Store(c) => cmd::store::run(c),
        Command::Server(a) => cmd::server::run(*a),
    }
}
