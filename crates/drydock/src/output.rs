//! Writing the report: each `--format` to stdout or its file, the exit code, and progress.

use crate::cli::{Common, Format, FormatSpec};
use anyhow::{Context, Result};
use drydock_image::Image;
use drydock_report::Report;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::Write;
use std::process::ExitCode;

/// Writes every requested format and turns remaining findings into the `--exit-code`.
pub fn emit(report: &Report<'_>, common: &Common) -> Result<ExitCode> {
    for spec in &common.format {
        let text = render(report, spec, common);
        match spec.file.as_ref().or(common.output.as_ref()) {
            Some(path) => std::fs::write(path, text)
                .with_context(|| format!("cannot write {}", path.display()))?,
            None => write_stdout(text.as_bytes())?,
        }
    }
    if common.exit_code != 0 && !report.findings.is_empty() {
        return Ok(ExitCode::from(common.exit_code));
    }
    Ok(ExitCode::SUCCESS)
}

/// One format of a report.
pub fn render(report: &Report<'_>, spec: &FormatSpec, common: &Common) -> String {
    match spec.format {
        Format::Table => {
            use std::io::IsTerminal;
            let to_terminal =
                spec.file.is_none() && common.output.is_none() && std::io::stdout().is_terminal();
            let colour = to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            drydock_report::summary_styled(report, colour)
        }
        Format::Json => report.json(),
        Format::Cyclonedx => drydock_report::cyclonedx(report),
        Format::Sarif => drydock_report::sarif(report),
        Format::Junit => drydock_report::junit(report),
        Format::Html => drydock_report::html(report),
        Format::SpdxJson => drydock_report::spdx(report),
    }
}

/// Writes to stdout; a closed pipe (`drydock ... | head`) is not an error worth a message.
pub fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(e).context("cannot write to stdout")
        }
        _ => Ok(()),
    }
}

pub fn progress_bar(image: &Image, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let total: u64 = image.layers.iter().filter_map(|l| l.size).sum();
    let bar = ProgressBar::with_draw_target(Some(total.max(1)), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} reading layers {bytes}/{total_bytes} {wide_bar} {eta}",
    ) {
        bar.set_style(style);
    }
    bar
}

/// One progress bar per advisory source being downloaded, on stderr (indicatif draws nothing
/// when stderr is not a terminal, so logs and CI stay clean).
pub fn download_progress(quiet: bool) -> drydock_vulndb::Progress {
    if quiet {
        return drydock_vulndb::Progress::default();
    }
    let multi = indicatif::MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
    let bars: std::sync::Mutex<std::collections::HashMap<String, ProgressBar>> = Default::default();
    drydock_vulndb::Progress::new(move |eco, event| {
        let Ok(mut bars) = bars.lock() else { return };
        match event {
            drydock_vulndb::ProgressEvent::Start { total } => {
                let bar = multi.add(ProgressBar::new(total.unwrap_or(0)));
                let template = if total.is_some() {
                    "{prefix:>12} {bytes}/{total_bytes} {wide_bar} {eta}"
                } else {
                    "{prefix:>12} {bytes} {spinner}"
                };
                if let Ok(style) = ProgressStyle::with_template(template) {
                    bar.set_style(style);
                }
                bar.set_prefix(eco.to_owned());
                bars.insert(eco.to_owned(), bar);
            }
            drydock_vulndb::ProgressEvent::Bytes(n) => {
                if let Some(bar) = bars.get(eco) {
                    bar.inc(n);
                }
            }
            drydock_vulndb::ProgressEvent::Done => {
                if let Some(bar) = bars.remove(eco) {
                    bar.finish_and_clear();
                }
            }
        }
    })
}
