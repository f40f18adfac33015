use crate::EntryVisitor;
use crate::entry::{EntryKind, EntryMeta};
use crate::error::{LayerError, LayerErrorKind};
use crate::layer::{Limits, StreamStats};
use crate::path::ImagePath;
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Top-level directories of a live root filesystem that hold kernel views, not image content;
/// reading them is slow at best and blocks forever at worst.
const VIRTUAL_TOP: &[&str] = &["proc", "sys", "dev"];

/// Walks a root filesystem directory as if it were a single layer.
///
/// Symlinks are reported, never followed; a file is opened (with `O_NOFOLLOW`, and checked to still
/// be a regular file) only if the visitor reads its content.
pub fn walk_dir(
    root: &Path,
    limits: &Limits,
    visitor: &mut dyn EntryVisitor,
) -> Result<StreamStats, LayerError> {
    walk_dir_only(root, None, limits, visitor)
}

/// [`walk_dir`], limited to `only` (root-relative paths such as `var/lib/dpkg`) when given: the
/// walk descends just into those paths and their ancestors, so checking a live host's package
/// databases and runtime binaries does not walk the whole host.
pub fn walk_dir_only(
    root: &Path,
    only: Option<&[String]>,
    limits: &Limits,
    visitor: &mut dyn EntryVisitor,
) -> Result<StreamStats, LayerError> {
    let name = root.display().to_string();
    let meta =
        std::fs::metadata(root).map_err(|e| LayerError::new(&name, LayerErrorKind::Io(e)))?;
    if !meta.is_dir() {
        return Err(LayerError::new(
            &name,
            LayerErrorKind::Io(io::Error::other("not a directory")),
        ));
    }
    let mut warnings = Vec::new();
    let mut entries = 0u64;
    let mut bytes = 0u64;
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let virtual_top = e.depth() == 1
                && VIRTUAL_TOP
                    .iter()
                    .any(|v| e.file_name().as_bytes() == v.as_bytes());
            !virtual_top && only.is_none_or(|only| wanted(root, e.path(), only))
        });
    for item in walker {
        let item = match item {
            Ok(item) => item,
            Err(e) => {
                warnings.push(format!("skipped: {e}"));
                continue;
            }
        };
        if limits
            .deadline
            .is_some_and(|d| std::time::Instant::now() >= d)
        {
            warnings.push(
                "the scan's time budget (--timeout) ran out: the rest of the directory was not read"
                    .to_owned(),
            );
            break;
        }
        entries += 1;
        if entries > limits.max_entries {
            warnings.push(format!(
                "more than {} entries: the rest is not analyzed",
                limits.max_entries
            ));
            break;
        }
        let Ok(rel) = item.path().strip_prefix(root) else {
            continue;
        };
        let (path, _) = ImagePath::normalize(rel.as_os_str().as_bytes());
        let md = match item.metadata() {
            Ok(md) => md,
            Err(e) => {
                warnings.push(format!("skipped {path}: {e}"));
                continue;
            }
        };
        let ft = md.file_type();
        let kind = if ft.is_file() {
            EntryKind::File
        } else if ft.is_dir() {
            EntryKind::Dir
        } else if ft.is_symlink() {
            match std::fs::read_link(item.path()) {
                Ok(t) => EntryKind::Symlink {
                    target: t.as_os_str().as_bytes().into(),
                },
                Err(e) => {
                    warnings.push(format!("skipped symlink {path}: {e}"));
                    continue;
                }
            }
        } else {
            use std::os::unix::fs::FileTypeExt;
            if ft.is_char_device() {
                EntryKind::CharDevice
            } else if ft.is_block_device() {
                EntryKind::BlockDevice
            } else if ft.is_fifo() {
                EntryKind::Fifo
            } else {
                EntryKind::Other
            }
        };
        let size = if kind == EntryKind::File { md.len() } else { 0 };
        bytes += size;
        let meta = EntryMeta {
            path,
            kind,
            size,
            mode: md.mode() & 0o7777,
            uid: md.uid().into(),
            gid: md.gid().into(),
        };
        let mut content = LazyFile {
            path: item.path().to_path_buf(),
            file: None,
            is_file: meta.is_file(),
        };
        visitor.visit(&meta, &mut content)?;
    }
    Ok(StreamStats {
        compression: None,
        digest: None,
        diff_id: None,
        compressed_bytes: 0,
        uncompressed_bytes: bytes,
        entries,
        warnings,
    })
}

/// Opens the file on first read, so files no analyzer wants are never opened.
struct LazyFile {
    path: PathBuf,
    file: Option<File>,
    is_file: bool,
}

impl Read for LazyFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.is_file {
            return Ok(0);
        }
        let file = match &mut self.file {
            Some(f) => f,
            None => {
                // O_NOFOLLOW: if the file was swapped for a symlink since the walk, refuse it
                // rather than read whatever it points to on the host.
                let f = OpenOptions::new()
                    .read(true)
                    .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
                    .open(&self.path)?;
                if !f.metadata()?.is_file() {
                    return Err(io::Error::other(format!(
                        "{} is no longer a regular file",
                        self.path.display()
                    )));
                }
                self.file.insert(f)
            }
        };
        file.read(buf)
    }
}

/// Inside one of `only`, or an ancestor directory on the way to one.
fn wanted(root: &Path, path: &Path, only: &[String]) -> bool {
    let Ok(rel) = path.strip_prefix(root) else {
        return false;
    };
    only.iter().any(|o| {
        let o = Path::new(o);
        rel.starts_with(o) || o.starts_with(rel)
    })
}
