//! Reading policy directories. This is the crate's only I/O, kept apart so that compiling and
//! evaluating stay pure (callers with policies in memory skip it).
//!
//! The walk is bounded because a `--policy` path is often a checkout that also holds other
//! things: at most [`Limits::max_files`] `.rego` files, each at most
//! [`Limits::max_file_bytes`], all together at most [`Limits::max_total_bytes`], at most
//! [`MAX_DEPTH`] directories deep. Symbolic links inside the directory are not followed (a
//! link to `/` must not turn a policy load into a filesystem walk); the path given may itself
//! be a link.

use crate::{Limits, PolicyError, Source};
use std::path::{Path, PathBuf};

/// Deepest directory level searched under a policy path.
pub const MAX_DEPTH: usize = 16;

/// Whether a file is a policy: `*.rego`, but not OPA unit tests (`*_test.rego`), which exercise
/// the policies with fixtures of their own and are not checks.
fn is_policy(name: &str) -> bool {
    name.ends_with(".rego") && !name.ends_with("_test.rego")
}

/// Reads every policy file under each path (a directory, or one `.rego` file), sorted by path
/// so that loading is deterministic. A missing path is an error for the whole load — a typo in
/// `--policy` must not silently run no policies; unreadable or oversized files are per-file
/// errors and the rest load.
pub fn read_paths(
    paths: &[PathBuf],
    limits: &Limits,
) -> Result<(Vec<Source>, Vec<PolicyError>), PolicyError> {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut errors = Vec::new();
    for root in paths {
        let md = std::fs::metadata(root).map_err(|e| PolicyError::Read {
            path: root.display().to_string(),
            message: e.to_string(),
        })?;
        if md.is_file() {
            files.push(root.clone());
            continue;
        }
        walk(root, 0, &mut files, &mut errors);
    }
    files.sort();
    files.dedup();
    if files.len() > limits.max_files {
        errors.push(PolicyError::Limit {
            path: files
                .get(limits.max_files)
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            message: format!(
                "more than {} policy files; the rest are not loaded",
                limits.max_files
            ),
        });
        files.truncate(limits.max_files);
    }
    let mut total = 0usize;
    let mut sources = Vec::new();
    for f in files {
        let path = f.display().to_string();
        let size = std::fs::symlink_metadata(&f)
            .map(|m| usize::try_from(m.len()).unwrap_or(usize::MAX))
            .unwrap_or(0);
        if size > limits.max_file_bytes {
            errors.push(PolicyError::Limit {
                path,
                message: format!(
                    "{size} bytes, over the {}-byte limit for one policy file",
                    limits.max_file_bytes
                ),
            });
            continue;
        }
        if total.saturating_add(size) > limits.max_total_bytes {
            errors.push(PolicyError::Limit {
                path,
                message: format!(
                    "policy files add up to more than {} bytes; this and later files are not loaded",
                    limits.max_total_bytes
                ),
            });
            break;
        }
        match std::fs::read_to_string(&f) {
            Ok(text) => {
                total += text.len();
                sources.push(Source { path, text });
            }
            Err(e) => errors.push(PolicyError::Read {
                path,
                message: e.to_string(),
            }),
        }
    }
    Ok((sources, errors))
}

fn walk(dir: &Path, depth: usize, files: &mut Vec<PathBuf>, errors: &mut Vec<PolicyError>) {
    if depth > MAX_DEPTH {
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(PolicyError::Read {
                path: dir.display().to_string(),
                message: e.to_string(),
            });
            return;
        }
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for e in entries {
        let Ok(ft) = e.file_type() else { continue };
        let name = e.file_name();
        let name = name.to_string_lossy();
        if ft.is_dir() {
            // Hidden directories (.git) hold no policies.
            if !name.starts_with('.') {
                walk(&e.path(), depth + 1, files, errors);
            }
        } else if ft.is_file() && is_policy(&name) {
            files.push(e.path());
        }
    }
}
