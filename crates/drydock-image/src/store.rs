//! Where an image's files live: an unpacked directory or an uncompressed tar, read in place.

use crate::error::ImageError;
use drydock_fs::{Digest, ImagePath, Sha256Reader};
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// JSON documents (index, manifests, configs) larger than this are refused rather than buffered.
const MAX_METADATA_BYTES: u64 = 16 << 20;
/// Links followed inside an archive before giving up (docker save links shared layers).
const MAX_ARCHIVE_LINKS: usize = 40;

#[derive(Debug)]
pub(crate) enum Store {
    Dir {
        root: PathBuf,
    },
    Tar {
        file: PathBuf,
        members: HashMap<ImagePath, Member>,
    },
}

#[derive(Debug, Clone)]
pub(crate) enum Member {
    File { offset: u64, size: u64 },
    Symlink(Box<[u8]>),
    Hardlink(ImagePath),
    Other,
}

/// A member resolved to readable bytes.
#[derive(Debug, Clone)]
pub(crate) struct BlobLoc {
    pub name: String,
    place: Place,
}

#[derive(Debug, Clone)]
enum Place {
    Path(PathBuf),
    Range { offset: u64, size: u64 },
}

impl Store {
    pub fn open_dir(root: &Path) -> Result<Self, ImageError> {
        let root = root
            .canonicalize()
            .map_err(|e| ImageError::io(root.display().to_string(), e))?;
        Ok(Store::Dir { root })
    }

    /// Indexes an uncompressed tar by reading only its headers (seeking over the content).
    pub fn open_tar(path: &Path) -> Result<Self, ImageError> {
        let name = path.display().to_string();
        let mut file = File::open(path).map_err(|e| ImageError::io(&name, e))?;
        let mut magic = [0u8; 6];
        let n = read_up_to(&mut file, &mut magic).map_err(|e| ImageError::io(&name, e))?;
        match &magic[..n] {
            [0x1f, 0x8b, ..] | [0x28, 0xb5, 0x2f, 0xfd, ..] | [0xfd, b'7', b'z', b'X', b'Z', 0] => {
                return Err(ImageError::invalid(
                    &name,
                    "the archive itself is compressed; decompress it first (docker save writes a plain tar)",
                ));
            }
            _ => {}
        }
        file.seek(SeekFrom::Start(0))
            .map_err(|e| ImageError::io(&name, e))?;
        let mut archive = tar::Archive::new(file);
        let mut members = HashMap::new();
        let corrupt =
            |e: io::Error| ImageError::invalid(&name, format!("not a readable tar archive: {e}"));
        for entry in archive.entries_with_seek().map_err(corrupt)? {
            let entry = entry.map_err(corrupt)?;
            let (path, _) = ImagePath::normalize(&entry.path_bytes());
            let member = match entry.header().entry_type() {
                tar::EntryType::Regular | tar::EntryType::Continuous => Member::File {
                    offset: entry.raw_file_position(),
                    size: entry.size(),
                },
                tar::EntryType::Symlink => Member::Symlink(
                    entry
                        .link_name_bytes()
                        .map(|t| t.into_owned().into())
                        .unwrap_or_default(),
                ),
                tar::EntryType::Link => Member::Hardlink(
                    ImagePath::normalize(&entry.link_name_bytes().unwrap_or_default()).0,
                ),
                _ => Member::Other,
            };
            members.insert(path, member);
            if members.len() > 1_000_000 {
                return Err(ImageError::invalid(
                    &name,
                    "more than 1,000,000 members: not an image archive",
                ));
            }
        }
        Ok(Store::Tar {
            file: path.to_path_buf(),
            members,
        })
    }

    /// `file:member`, the way errors name a member of the image.
    pub fn member_label(&self, member: &ImagePath) -> String {
        match self {
            Store::Dir { root } => root
                .join(String::from_utf8_lossy(member.as_bytes()).as_ref())
                .display()
                .to_string(),
            Store::Tar { file, .. } => format!(
                "{}:{}",
                file.display(),
                String::from_utf8_lossy(member.as_bytes())
            ),
        }
    }

    pub fn exists(&self, member: &ImagePath) -> bool {
        self.locate(member).is_ok()
    }

    /// Finds a member, following links only inside the archive; nothing outside can be named.
    pub fn locate(&self, member: &ImagePath) -> Result<BlobLoc, ImageError> {
        let name = self.member_label(member);
        match self {
            Store::Dir { root } => {
                let joined = root.join(String::from_utf8_lossy(member.as_bytes()).as_ref());
                let real = joined
                    .canonicalize()
                    .map_err(|e| ImageError::io(&name, e))?;
                if !real.starts_with(root) {
                    return Err(ImageError::invalid(
                        &name,
                        "resolves outside the image directory",
                    ));
                }
                let md = real.metadata().map_err(|e| ImageError::io(&name, e))?;
                if !md.is_file() {
                    return Err(ImageError::invalid(&name, "not a regular file"));
                }
                Ok(BlobLoc {
                    name,
                    place: Place::Path(real),
                })
            }
            Store::Tar { members, .. } => {
                let mut current = member.clone();
                for _ in 0..MAX_ARCHIVE_LINKS {
                    match members.get(&current) {
                        Some(Member::File { offset, size }) => {
                            return Ok(BlobLoc {
                                name,
                                place: Place::Range {
                                    offset: *offset,
                                    size: *size,
                                },
                            });
                        }
                        Some(Member::Symlink(target)) => {
                            current = current.parent().join_lexical(target).0
                        }
                        Some(Member::Hardlink(target)) => current = target.clone(),
                        Some(Member::Other) => {
                            return Err(ImageError::invalid(&name, "not a regular file"));
                        }
                        None => {
                            return Err(ImageError::io(
                                name,
                                io::Error::new(io::ErrorKind::NotFound, "missing from the archive"),
                            ));
                        }
                    }
                }
                Err(ImageError::invalid(
                    &name,
                    "too many links inside the archive",
                ))
            }
        }
    }

    /// The blob's length in bytes, from the archive index or the file system.
    pub fn blob_len(&self, loc: &BlobLoc) -> Option<u64> {
        match &loc.place {
            Place::Path(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            Place::Range { size, .. } => Some(*size),
        }
    }

    pub fn open(&self, loc: &BlobLoc) -> Result<Box<dyn Read + Send>, ImageError> {
        let io_err = |e| ImageError::io(&loc.name, e);
        match (&loc.place, self) {
            (Place::Path(p), _) => Ok(Box::new(File::open(p).map_err(io_err)?)),
            (Place::Range { offset, size }, Store::Tar { file, .. }) => {
                let mut f = File::open(file).map_err(io_err)?;
                f.seek(SeekFrom::Start(*offset)).map_err(io_err)?;
                Ok(Box::new(f.take(*size)))
            }
            (Place::Range { .. }, Store::Dir { .. }) => Err(ImageError::invalid(
                &loc.name,
                "internal: archive range in a directory store",
            )),
        }
    }

    /// Reads a small JSON document whole, refusing oversized ones.
    pub fn read_small(&self, member: &ImagePath) -> Result<(Vec<u8>, String), ImageError> {
        let loc = self.locate(member)?;
        let mut buf = Vec::new();
        self.open(&loc)?
            .take(MAX_METADATA_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(|e| ImageError::io(&loc.name, e))?;
        if buf.len() as u64 > MAX_METADATA_BYTES {
            return Err(ImageError::invalid(
                &loc.name,
                format!(
                    "larger than {} MiB: not image metadata",
                    MAX_METADATA_BYTES >> 20
                ),
            ));
        }
        Ok((buf, loc.name))
    }

    /// Reads a blob by digest and proves its content matches the digest.
    pub fn read_blob(&self, digest: &Digest) -> Result<(Vec<u8>, String), ImageError> {
        let (bytes, name) = self.read_small(&blob_path(digest))?;
        let actual = Sha256Reader::new(&bytes[..])
            .finish()
            .map_err(|e| ImageError::io(&name, e))?
            .0;
        if actual != *digest {
            return Err(ImageError::invalid(
                &name,
                format!("content digest is {actual}, not {digest}"),
            ));
        }
        Ok((bytes, name))
    }
}

/// `blobs/sha256/<hex>`: built only from a validated [`Digest`], so it cannot contain `/` or `..`.
pub(crate) fn blob_path(digest: &Digest) -> ImagePath {
    ImagePath::new(&format!("blobs/sha256/{}", digest.hex()))
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}
