use crate::EntryVisitor;
use crate::digest::{Digest, Sha256Reader};
use crate::entry::{EntryKind, EntryMeta};
use crate::error::{LayerError, LayerErrorKind};
use crate::path::ImagePath;
use crate::pipe::Pumped;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use std::io::{self, BufRead, BufReader, Read};

/// Resource bounds for one layer; hitting one is a warning, never a crash or an unbounded wait.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Entries indexed per layer; later entries are still streamed (for the digest) but not indexed.
    pub max_entries: u64,
    /// Uncompressed bytes read per layer; past this the layer is cut short (decompression bombs).
    pub max_layer_bytes: u64,
    /// Largest file whose content analyzers may ask for.
    pub max_file_bytes: u64,
    /// When the whole scan must stop reading: layers still streaming are cut short there, with a
    /// warning, and the findings so far are reported. Not part of any cache key: a layer cut
    /// short is never cached.
    pub deadline: Option<std::time::Instant>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_entries: 2_000_000,
            max_layer_bytes: 64 << 30,
            max_file_bytes: 64 << 20,
            deadline: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// Digests the manifest and config promise; checked against what the stream really holds.
#[derive(Clone, Debug, Default)]
pub struct Expected {
    pub digest: Option<Digest>,
    pub diff_id: Option<Digest>,
}

/// What streaming a layer measured. Digests are `None` for directory sources.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StreamStats {
    pub compression: Option<Compression>,
    pub digest: Option<Digest>,
    pub diff_id: Option<Digest>,
    pub compressed_bytes: u64,
    pub uncompressed_bytes: u64,
    pub entries: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Streams one layer blob once: detects the compression from its magic bytes (media types lie),
/// decompresses, hashes both the blob and the tar, and hands every entry to `visitor`.
///
/// Reading, hashing the blob and decompressing run on a thread of their own, joined to the tar
/// walk by a bounded pipe ([`crate::pipe`]), so one large layer uses two cores.
///
/// `progress` is told how many compressed bytes were consumed, in coarse steps.
pub fn walk_blob(
    name: &str,
    raw: impl Read + Send,
    expected: &Expected,
    limits: &Limits,
    progress: &(dyn Fn(u64) + Sync),
    visitor: &mut dyn EntryVisitor,
) -> Result<StreamStats, LayerError> {
    let err = |kind| LayerError::new(name, kind);
    let mut buf = BufReader::with_capacity(
        256 << 10,
        Sha256Reader::new(ProgressReader::new(raw, progress)),
    );
    let compression = sniff(buf.fill_buf().map_err(|e| err(LayerErrorKind::Io(e)))?)
        .map_err(|what| err(LayerErrorKind::UnsupportedCompression(what)))?;
    let what = match compression {
        Compression::None => "tar stream",
        Compression::Gzip => "gzip stream",
        Compression::Zstd => "zstd stream",
    };
    let corrupt = |e: io::Error| {
        err(LayerErrorKind::Corrupt {
            what: what.into(),
            detail: e.to_string(),
        })
    };
    let (writer, reader) = crate::pipe::pipe();
    let mut warnings = Vec::new();
    let mut entries = 0;
    let (walked, hit, read, diff_id, blob) = std::thread::scope(|s| {
        let producer = s.spawn(move || -> io::Result<Option<(Digest, u64)>> {
            let mut buf = buf;
            let pumped = {
                let mut decoder: Box<dyn Read> = match compression {
                    Compression::None => Box::new(&mut buf),
                    Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(&mut buf)),
                    Compression::Zstd => match zstd::stream::read::Decoder::with_buffer(&mut buf) {
                        Ok(decoder) => Box::new(decoder),
                        Err(e) => Box::new(Broken(Some(e))),
                    },
                };
                writer.pump(&mut decoder)
            };
            match pumped {
                // Bytes buffered but not decoded were hashed when they were read; the rest of
                // the blob (trailing padding) still counts toward its digest.
                Pumped::Eof => buf.into_inner().finish().map(Some),
                // The walk stopped early and says why; the digest is not checked then.
                Pumped::Abandoned | Pumped::Failed => Ok(None),
            }
        });
        let mut plain = PlainReader {
            inner: CapReader {
                inner: reader,
                left: limits.max_layer_bytes,
                deadline: limits.deadline,
                hit: None,
            },
            // An uncompressed blob is its own tar: its digest is its diff-id, hashed once.
            hasher: (compression != Compression::None).then(Sha256::new),
            bytes: 0,
        };
        let mut walked = {
            let mut archive = tar::Archive::new(&mut plain);
            walk_tar(&mut archive, limits, visitor, &mut warnings, &mut entries)
        };
        // The tar's trailing blocks count toward the diff-id.
        if walked.is_ok()
            && plain.inner.hit.is_none()
            && let Err(e) = io::copy(&mut plain, &mut io::sink())
        {
            walked = Err(WalkError::Io(e));
        }
        let (hit, read) = (plain.inner.hit, plain.bytes);
        let diff_id = plain.hasher.take().map(Digest::from_hasher);
        // On an early stop, dropping the reader is what tells the producer to give up.
        drop(plain);
        let blob = match producer.join() {
            Ok(blob) => blob,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        (walked, hit, read, diff_id, blob)
    });
    match walked {
        Ok(()) => {}
        // A capped stream looks truncated to tar; the cap, not corruption, is the story then.
        Err(_) if hit.is_some() => {}
        Err(WalkError::Io(e)) => return Err(corrupt(e)),
        Err(WalkError::Layer(e)) => return Err(e),
    }
    if let Some(cap) = hit {
        warnings.push(match cap {
            Cap::Size => format!(
                "layer is larger than the {} MiB uncompressed limit: the rest was not read and its digests were not verified",
                limits.max_layer_bytes >> 20
            ),
            Cap::Time => "the scan's time budget (--timeout) ran out: the rest of this layer was not read and its digests were not verified".to_owned(),
        });
        return Ok(StreamStats {
            compression: Some(compression),
            digest: None,
            diff_id: None,
            compressed_bytes: 0,
            uncompressed_bytes: read,
            entries,
            warnings,
        });
    }
    let Some((digest, compressed_bytes)) = blob.map_err(|e| err(LayerErrorKind::Io(e)))? else {
        // The producer only gives up when the walk stopped or its stream failed, and both
        // returned above; say so rather than report an unverified layer as verified.
        return Err(corrupt(io::Error::other(
            "the stream stopped before its end",
        )));
    };
    let diff_id = diff_id.unwrap_or_else(|| digest.clone());
    if let Some(expected) = &expected.digest
        && *expected != digest
    {
        return Err(err(LayerErrorKind::DigestMismatch {
            expected: expected.clone(),
            actual: digest,
        }));
    }
    if let Some(expected) = &expected.diff_id
        && *expected != diff_id
    {
        return Err(err(LayerErrorKind::DiffIdMismatch {
            expected: expected.clone(),
            actual: diff_id,
        }));
    }
    Ok(StreamStats {
        compression: Some(compression),
        digest: Some(digest),
        diff_id: Some(diff_id),
        compressed_bytes,
        uncompressed_bytes: read,
        entries,
        warnings,
    })
}

/// The tar side of the pipe: counts (and, for compressed blobs, hashes) what the walk reads.
struct PlainReader {
    inner: CapReader<crate::pipe::Reader>,
    hasher: Option<Sha256>,
    bytes: u64,
}

impl Read for PlainReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(h) = &mut self.hasher {
            h.update(&buf[..n]);
        }
        self.bytes += n as u64;
        Ok(n)
    }
}

/// A decoder that could not be set up: its error reaches the walk like any stream error.
struct Broken(Option<io::Error>);

impl Read for Broken {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        match self.0.take() {
            Some(e) => Err(e),
            None => Ok(0),
        }
    }
}

fn sniff(magic: &[u8]) -> Result<Compression, &'static str> {
    Ok(match magic {
        [0x1f, 0x8b, ..] => Compression::Gzip,
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
        [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => return Err("xz"),
        [b'B', b'Z', b'h', ..] => return Err("bzip2"),
        _ => Compression::None,
    })
}

enum WalkError {
    Io(io::Error),
    Layer(LayerError),
}

/// Counts into `count` as it goes, so a layer cut short still says how much of it was read.
fn walk_tar<R: Read>(
    archive: &mut tar::Archive<R>,
    limits: &Limits,
    visitor: &mut dyn EntryVisitor,
    warnings: &mut Vec<String>,
    count: &mut u64,
) -> Result<(), WalkError> {
    for (i, entry) in archive.entries().map_err(WalkError::Io)?.enumerate() {
        let mut entry = entry
            .map_err(|e| WalkError::Io(io::Error::new(e.kind(), format!("entry #{i}: {e}"))))?;
        *count += 1;
        let count = *count;
        if count > limits.max_entries {
            if count == limits.max_entries + 1 {
                warnings.push(format!(
                    "more than {} entries: later entries are not analyzed",
                    limits.max_entries
                ));
            }
            continue;
        }
        let Some(meta) = classify(&entry, warnings) else {
            continue;
        };
        visitor.visit(&meta, &mut entry).map_err(WalkError::Layer)?;
    }
    Ok(())
}

/// Turns a tar header into an [`EntryMeta`], recognising whiteouts and clamping hostile names.
fn classify<R: Read>(entry: &tar::Entry<'_, R>, warnings: &mut Vec<String>) -> Option<EntryMeta> {
    let raw_name = entry.path_bytes();
    let (path, escaped) = ImagePath::normalize(&raw_name);
    if escaped {
        warnings.push(format!(
            "entry {:?} climbs above the image root; it is read as {path}",
            String::from_utf8_lossy(&raw_name)
        ));
    }
    let header = entry.header();
    let mode = header.mode().unwrap_or(0);
    let uid = header.uid().unwrap_or(0);
    let gid = header.gid().unwrap_or(0);
    let name = path.file_name();
    let (path, kind) = if let Some(hidden) = name.strip_prefix(b".wh.") {
        if hidden == b".wh..opq" {
            (path.parent(), EntryKind::OpaqueDir)
        } else if hidden.starts_with(b".wh.")
            || hidden.is_empty()
            || hidden == b"."
            || hidden == b".."
        {
            // aufs bookkeeping (`.wh..wh.plnk` and friends) is not content; skip it like containerd.
            return None;
        } else {
            (path.parent().child(hidden), EntryKind::Whiteout)
        }
    } else {
        let kind = match header.entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
                EntryKind::File
            }
            tar::EntryType::Directory => EntryKind::Dir,
            tar::EntryType::Symlink => EntryKind::Symlink {
                target: entry
                    .link_name_bytes()
                    .map(|t| t.into_owned().into_boxed_slice())
                    .unwrap_or_default(),
            },
            tar::EntryType::Link => {
                let target = entry.link_name_bytes().unwrap_or_default();
                let (target, escaped) = ImagePath::normalize(&target);
                if escaped {
                    warnings.push(format!(
                        "hard link {path} points above the image root; read as {target}"
                    ));
                }
                EntryKind::Hardlink { target }
            }
            tar::EntryType::Char => EntryKind::CharDevice,
            tar::EntryType::Block => EntryKind::BlockDevice,
            tar::EntryType::Fifo => EntryKind::Fifo,
            _ => EntryKind::Other,
        };
        (path, kind)
    };
    if path.is_root() && !matches!(kind, EntryKind::Dir | EntryKind::OpaqueDir) {
        warnings.push(format!(
            "entry {:?} names the image root as a non-directory; skipped",
            String::from_utf8_lossy(&raw_name)
        ));
        return None;
    }
    let size = if kind == EntryKind::File {
        entry.size()
    } else {
        0
    };
    Some(EntryMeta {
        path,
        kind,
        size,
        mode,
        uid,
        gid,
    })
}

/// Ends the stream after `left` bytes so a decompression bomb cannot run forever.
/// Which limit ended a layer early.
#[derive(Clone, Copy)]
enum Cap {
    Size,
    Time,
}

/// Ends the uncompressed stream at the size limit or the deadline, whichever comes first; to
/// the tar reader that looks like the end of the data, and `hit` says why.
struct CapReader<R> {
    inner: R,
    left: u64,
    deadline: Option<std::time::Instant>,
    hit: Option<Cap>,
}

impl<R: Read> Read for CapReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.hit.is_some() {
            return Ok(0);
        }
        if self
            .deadline
            .is_some_and(|d| std::time::Instant::now() >= d)
        {
            self.hit = Some(Cap::Time);
            return Ok(0);
        }
        if self.left == 0 {
            let mut probe = [0u8; 1];
            if self.inner.read(&mut probe)? > 0 {
                self.hit = Some(Cap::Size);
            }
            return Ok(0);
        }
        let max = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..max])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// Reports consumed bytes every few MiB, so progress costs nothing per read.
struct ProgressReader<'a, R> {
    inner: R,
    pending: u64,
    progress: &'a (dyn Fn(u64) + Sync),
}

impl<'a, R> ProgressReader<'a, R> {
    fn new(inner: R, progress: &'a (dyn Fn(u64) + Sync)) -> Self {
        Self {
            inner,
            pending: 0,
            progress,
        }
    }
}

impl<R: Read> Read for ProgressReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pending += n as u64;
        if self.pending >= 4 << 20 || (n == 0 && self.pending > 0) {
            (self.progress)(self.pending);
            self.pending = 0;
        }
        Ok(n)
    }
}
