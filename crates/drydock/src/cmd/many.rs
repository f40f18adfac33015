//! Many images in one run (`drydock image A B C`, `--images-from FILE`): one report per image,
//! a summary across them, one exit code over all.
//!
//! Every image goes through the same [`super::Session`], so the advisory database and the secret
//! rules are loaded once and a layer several images share (a common base) is analysed once
//! (`Engine::with_shared_layers`). Images are opened and scanned `parallel` at a time; one that
//! cannot be opened or scanned is reported and the others go on.

use crate::cli::{Common, Format, FormatSpec};
use crate::output;
use anyhow::{Context, Result};
use drydock_finding::Severity;
use drydock_image::Image;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// One image's line in the summary, and its rendered reports for the shared outputs.
struct Done {
    digest: Option<String>,
    os: Option<String>,
    totals: BTreeMap<Severity, usize>,
    findings: usize,
    /// Per entry of `--format` that is not a directory: this image's text.
    texts: Vec<Option<String>>,
}

pub fn run(
    targets: &[PathBuf],
    open: &(dyn Fn(&Path) -> Result<Image> + Sync),
    parallel: usize,
    common: &Common,
    target: &crate::cli::StoreTarget,
) -> Result<ExitCode> {
    let dirs = format_dirs(common)?;
    let session = super::Session::for_target(common, true, target)?;
    let results: Vec<Mutex<Option<Result<Done>>>> =
        targets.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let workers = parallel.clamp(1, targets.len());
    if !common.quiet {
        eprintln!(
            "drydock: scanning {} images, {workers} at a time",
            targets.len()
        );
    }
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(target) = targets.get(i) else {
                        break;
                    };
                    let done = scan_one(target, open, &session, common, &dirs);
                    if let Err(e) = &done
                        && !common.quiet
                    {
                        eprintln!("drydock: error: {}: {e:#}", target.display());
                    }
                    *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(done);
                }
            });
        }
    });
    let results: Vec<Result<Done>> = results
        .into_iter()
        .map(|m| {
            m.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .unwrap_or_else(|| Err(anyhow::anyhow!("not scanned")))
        })
        .collect();

    let summary = summary_table(targets, &results);
    let mut summary_shown = false;
    for (k, spec) in common.format.iter().enumerate() {
        if dirs[k].is_some() {
            continue;
        }
        let mut text = String::new();
        for done in results.iter().flatten() {
            if let Some(t) = &done.texts[k] {
                text.push_str(t);
                if !t.ends_with('\n') {
                    text.push('\n');
                }
            }
        }
        if spec.format == Format::Table {
            text.push('\n');
            text.push_str(&summary);
            summary_shown = true;
        }
        match spec.file.as_ref().or(common.output.as_ref()) {
            Some(path) => std::fs::write(path, text)
                .with_context(|| format!("cannot write {}", path.display()))?,
            None => output::write_stdout(text.as_bytes())?,
        }
    }
    if !summary_shown && !common.quiet {
        eprint!("{summary}");
    }

    let failed = results.iter().filter(|r| r.is_err()).count();
    if failed > 0 {
        eprintln!(
            "drydock: error: {failed} of {} images could not be scanned",
            targets.len()
        );
        return Ok(ExitCode::from(crate::EXIT_ERROR));
    }
    let any_findings = results.iter().flatten().any(|d| d.findings > 0);
    if common.exit_code != 0 && any_findings {
        return Ok(ExitCode::from(common.exit_code));
    }
    Ok(ExitCode::SUCCESS)
}

fn scan_one(
    target: &Path,
    open: &(dyn Fn(&Path) -> Result<Image> + Sync),
    session: &super::Session,
    common: &Common,
    dirs: &[Option<PathBuf>],
) -> Result<Done> {
    let image = open(target)?;
    session.scan(&image, common, false, |report| {
        let mut texts = Vec::with_capacity(common.format.len());
        for (spec, dir) in common.format.iter().zip(dirs) {
            let text = output::render(report, spec, common);
            match dir {
                Some(dir) => {
                    let path = dir.join(file_name(target, spec));
                    std::fs::write(&path, text)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    texts.push(None);
                }
                None => texts.push(Some(text)),
            }
        }
        Ok(Done {
            digest: report
                .image
                .as_ref()
                .and_then(|m| m.manifest_digest.or(m.id))
                .map(ToString::to_string),
            os: report.os.map(|o| format!("{} {}", o.family, o.version)),
            totals: report.totals.clone(),
            findings: report.findings.len(),
            texts,
        })
    })
}

/// `--format json=DIR/` (a trailing `/` or an existing directory) writes one file per image
/// there; every other destination receives the images' reports one after another.
/// Whether an output names a directory (`--format json=DIR/`): one file per image there, so
/// even a single image goes through [`run`].
pub(crate) fn wants_dirs(common: &Common) -> bool {
    common.format.iter().any(|spec| {
        spec.file
            .as_ref()
            .is_some_and(|f| f.to_string_lossy().ends_with('/') || f.is_dir())
    })
}

fn format_dirs(common: &Common) -> Result<Vec<Option<PathBuf>>> {
    common
        .format
        .iter()
        .map(|spec| {
            let Some(file) = &spec.file else {
                return Ok(None);
            };
            let text = file.to_string_lossy();
            if !(text.ends_with('/') || file.is_dir()) {
                return Ok(None);
            }
            std::fs::create_dir_all(file)
                .with_context(|| format!("cannot create {}", file.display()))?;
            Ok(Some(file.clone()))
        })
        .collect()
}

/// A file name for an image's report: the argument with every character outside
/// `[A-Za-z0-9._-]` turned into `_` (so `registry:5000/team/app:1.4` cannot name a path
/// outside the directory), and the format's extension.
fn file_name(target: &Path, spec: &FormatSpec) -> String {
    let mut name: String = target
        .to_string_lossy()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    // Never `.` or `..`, never hidden.
    if name.starts_with('.') {
        name.insert(0, '_');
    }
    name.truncate(200);
    let ext = match spec.format {
        Format::Table => "txt",
        Format::Json => "json",
        Format::Sarif => "sarif",
        Format::Cyclonedx => "cdx.json",
        Format::Junit => "junit.xml",
        Format::Html => "html",
        Format::SpdxJson => "spdx.json",
    };
    format!("{name}.{ext}")
}

/// The summary across images: one line each, worst findings first per line.
fn summary_table(targets: &[PathBuf], results: &[Result<Done>]) -> String {
    let header = [
        "IMAGE", "DIGEST", "OS", "CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN", "STATUS",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.map(str::to_owned).to_vec()];
    for (target, result) in targets.iter().zip(results) {
        let name = target.display().to_string();
        rows.push(match result {
            Ok(d) => {
                let n = |s| d.totals.get(&s).copied().unwrap_or(0).to_string();
                vec![
                    name,
                    d.digest
                        .as_deref()
                        .map(|s| s.chars().take(19).collect())
                        .unwrap_or_else(|| "-".into()),
                    d.os.clone().unwrap_or_else(|| "-".into()),
                    n(Severity::Critical),
                    n(Severity::High),
                    n(Severity::Medium),
                    n(Severity::Low),
                    n(Severity::Unknown),
                    "ok".into(),
                ]
            }
            Err(e) => {
                let mut v = vec![name];
                v.extend(std::iter::repeat_n("-".to_owned(), 7));
                let msg = format!("{e:#}");
                v.push(format!("error: {}", msg.lines().next().unwrap_or("")));
                v
            }
        });
    }
    let widths: Vec<usize> = (0..9)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c + 1 == row.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<w$}  ", w = widths[c]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_file_names_stay_in_their_directory() {
        let spec = FormatSpec {
            format: Format::Json,
            file: None,
        };
        assert_eq!(
            file_name(Path::new("127.0.0.1:5000/team/app:1.4"), &spec),
            "127.0.0.1_5000_team_app_1.4.json"
        );
        assert_eq!(
            file_name(Path::new("../../etc/passwd"), &spec),
            "_.._.._etc_passwd.json"
        );
        assert_eq!(file_name(Path::new(".."), &spec), "_...json");
    }
}
