//! Reading the files `drydock config` and `drydock host` are pointed at: the only host reads
//! besides images, kept here so the rule crates stay pure (bytes and metadata in, findings out).

use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Directories a configuration walk never enters: vendored and generated trees hold other
/// projects' manifests, and `.git` only history.
const SKIP_DIRS: &[&str] = &[".git", "node_modules", "target", "vendor", ".terraform"];

/// The files a configuration walk read, and the ones it could not.
#[derive(Debug, Default)]
pub struct ConfigFiles {
    /// (path as displayed, content), in file-name order.
    pub files: Vec<(String, Vec<u8>)>,
    /// "path: why" for wanted files that were too large or unreadable: the caller reports them,
    /// since a file that was not checked must not pass as clean.
    pub skipped: Vec<String>,
}

/// Walks `path` (a file or directory, links not followed) and reads each regular file `wants`
/// accepts, up to `max_size` bytes each.
pub fn config_files(
    path: &Path,
    wants: impl Fn(&str) -> bool,
    max_size: u64,
) -> std::io::Result<ConfigFiles> {
    let mut out = ConfigFiles::default();
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
        let entry = entry?;
        if !entry.file_type().is_file() {
            continue;
        }
        let name = entry.path().display().to_string();
        if !wants(&name) {
            continue;
        }
        if entry.metadata().map(|m| m.len() > max_size).unwrap_or(true) {
            out.skipped.push(format!(
                "{name}: larger than {} MiB, not checked",
                max_size >> 20
            ));
            continue;
        }
        match std::fs::read(entry.path()) {
            Ok(bytes) => out.files.push((name, bytes)),
            Err(e) => out.skipped.push(format!("{name}: cannot read: {e}")),
        }
    }
    Ok(out)
}

/// One host path's metadata, and its content when asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostEntry {
    /// Absolute path on the host, without the `root` prefix.
    pub path: String,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub bytes: Vec<u8>,
}

/// Reads `paths` under `root` (a live `/` or a copy of a host's root) plus everything up to
/// three levels under `dir_to_list` when it exists. Entries are looked at themselves, never
/// through a link, so nothing outside `root` is read; content is read for regular files
/// `content` accepts, up to `max_content` bytes.
pub fn host_entries<'a>(
    root: &Path,
    paths: impl IntoIterator<Item = &'a str>,
    dir_to_list: &str,
    content: impl Fn(&str) -> bool,
    max_content: u64,
) -> Vec<HostEntry> {
    let mut all: Vec<String> = paths.into_iter().map(str::to_owned).collect();
    let dir = root.join(dir_to_list.trim_start_matches('/'));
    if dir.is_dir() {
        all.push(dir_to_list.to_owned());
        for e in walkdir::WalkDir::new(&dir)
            .follow_links(false)
            .max_depth(3)
            .into_iter()
            .flatten()
        {
            if let Ok(rel) = e.path().strip_prefix(root) {
                all.push(format!("/{}", rel.display()));
            }
        }
    }
    all.sort();
    all.dedup();
    let mut out = Vec::new();
    for p in all {
        let on_disk = root.join(p.trim_start_matches('/'));
        let Ok(md) = std::fs::symlink_metadata(&on_disk) else {
            continue;
        };
        let bytes = if content(&p) && md.is_file() && md.len() < max_content {
            std::fs::read(&on_disk).unwrap_or_default()
        } else {
            Vec::new()
        };
        out.push(HostEntry {
            path: p,
            mode: md.mode() & 0o7777,
            uid: md.uid(),
            gid: md.gid(),
            bytes,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_walk_skips_vendored_trees_and_reports_large_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        std::fs::create_dir_all(d.join("node_modules/x")).expect("mkdir");
        std::fs::write(d.join("node_modules/x/Dockerfile"), "FROM a\n").expect("write");
        std::fs::write(d.join("Dockerfile"), "FROM b\n").expect("write");
        std::fs::write(d.join("big.yaml"), vec![b'a'; 64]).expect("write");
        std::fs::write(d.join("README"), "x").expect("write");
        let got = config_files(d, |n| !n.ends_with("README"), 32).expect("walk");
        let names: Vec<&str> = got.files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, [d.join("Dockerfile").display().to_string()]);
        assert_eq!(got.skipped.len(), 1, "{:?}", got.skipped);
        assert!(got.skipped[0].contains("big.yaml"));
    }

    #[test]
    fn host_entries_never_follow_links_out_of_root() {
        let outside = tempfile::tempdir().expect("tempdir");
        std::fs::write(outside.path().join("daemon.json"), "{\"secret\":1}").expect("write");
        let root = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(root.path().join("etc/docker")).expect("mkdir");
        std::os::unix::fs::symlink(
            outside.path().join("daemon.json"),
            root.path().join("etc/docker/daemon.json"),
        )
        .expect("symlink");
        let got = host_entries(
            root.path(),
            ["/run/docker.sock"],
            "/etc/docker",
            |_| true,
            1 << 20,
        );
        let paths: Vec<&str> = got.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["/etc/docker", "/etc/docker/daemon.json"]);
        assert!(
            got.iter().all(|e| e.bytes.is_empty()),
            "link content was read"
        );
    }
}
