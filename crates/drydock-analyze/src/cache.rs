//! The layer cache: what one layer's stream yielded (its entry list, the analyzers' outputs and
//! diagnostics), stored per layer so a re-scan of an image that shares base layers with an
//! earlier one reads only the new layers.
//!
//! **Key.** A layer's blob digest (from the manifest), its diff-id (from the config), the blob's
//! length on disk, every analyzer's id, version and configuration, the limits, and the build of
//! drydock itself. Anything that can change what the stream yields is in the key, so an entry is
//! either exactly right or never found; there is no invalidation.
//!
//! **Trust.** An entry is written only after the stream verified both digests, so it records
//! what a blob with that digest holds. A hit skips the stream, and with it the re-hashing: an
//! image whose blob lies about its digest (and has exactly the length of the real blob) would be
//! reported as the real blob. Docker and containerd refuse such an image on load, so it cannot run
//! either; `--no-cache` verifies every byte.
//!
//! **Store.** One file per layer under the cache directory (`layers/<key>.bin`), written to a
//! temporary file and renamed, so concurrent scans never see half an entry; the directory and
//! files are private to the user, because outputs hold secrets and password hashes in clear.
//! Entries are MessagePack (`rmp-serde`): self-describing, so a stale or damaged entry fails to
//! decode instead of decoding into garbage, and a decode failure is a miss, never an error.

use crate::engine::{Diagnostic, Output};
use crate::{Artifact, CollectedFile, LangFile, OsHint, OwnedFiles, PackageDb, SecretFile};
use drydock_fs::{Digest, Fate, ImagePath, LayerEntries, Limits, StreamStats};
use serde::{Deserialize, Serialize};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Bumped whenever the layout of [`Entry`] (or of anything it holds) changes.
const FORMAT: u32 = 2;
const MAGIC: &[u8; 8] = b"DDLAYER\0";
/// No layer's metadata comes near this; a larger file is not ours.
const MAX_ENTRY_BYTES: u64 = 1 << 30;

/// A directory of cached layer results.
#[derive(Clone, Debug)]
pub struct LayerCache {
    dir: PathBuf,
    build: String,
}

/// What `drydock cache clean` removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Cleaned {
    pub files: u64,
    pub bytes: u64,
}

impl LayerCache {
    /// Uses (and creates, private to the user) `dir/layers`. `build` names the drydock build, so
    /// that a rebuilt binary never reads what an older one wrote (analyzer versions are the
    /// contract; the build id is the safety net during development).
    pub fn open(dir: &Path, build: &str) -> io::Result<Self> {
        let layers = dir.join("layers");
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&layers)?;
        Ok(Self {
            dir: layers,
            build: build.to_owned(),
        })
    }

    /// Removes every cached layer under `dir` (as given to [`LayerCache::open`]).
    pub fn clean(dir: &Path) -> io::Result<Cleaned> {
        let layers = dir.join("layers");
        let mut cleaned = Cleaned::default();
        let entries = match std::fs::read_dir(&layers) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(cleaned),
            Err(e) => return Err(e),
        };
        for e in entries {
            let e = e?;
            let md = e.metadata()?;
            // Only our own files: a symlink planted here is removed as a link, never followed.
            if md.is_file() || md.is_symlink() {
                std::fs::remove_file(e.path())?;
                cleaned.files += 1;
                cleaned.bytes += md.len();
            }
        }
        Ok(cleaned)
    }

    pub(crate) fn get(&self, key: &Digest) -> Result<Option<Entry>, String> {
        let path = self.path(key);
        let file = match open_nofollow(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        // Streamed from the file: a million-entry layer's entry is tens of MB, read once.
        decode(io::BufReader::new(file.take(MAX_ENTRY_BYTES)))
            .map(Some)
            .map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Writes an entry already encoded ([`encode`]; from the remote tier) as [`Self::put`] does.
    pub(crate) fn put_encoded(&self, key: &Digest, bytes: &[u8]) -> Result<(), String> {
        let path = self.path(key);
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)
            .map_err(|e| format!("{}: {e}", self.dir.display()))?;
        tmp.write_all(bytes)
            .map_err(|e| format!("{}: {e}", self.dir.display()))?;
        tmp.persist(&path)
            .map_err(|e| format!("{}: {}", path.display(), e.error))?;
        Ok(())
    }

    /// Written straight to the file from the pass (nothing copied first), then renamed in.
    pub(crate) fn put(&self, key: &Digest, entry: &EntryOut<'_>) -> Result<(), String> {
        let path = self.path(key);
        let tmp = tempfile::NamedTempFile::new_in(&self.dir)
            .map_err(|e| format!("{}: {e}", self.dir.display()))?;
        let mut out = io::BufWriter::new(tmp);
        out.write_all(MAGIC)
            .and_then(|()| out.write_all(&FORMAT.to_le_bytes()))
            .map_err(|e| format!("{}: {e}", self.dir.display()))?;
        rmp_serde::encode::write_named(&mut out, entry).map_err(|e| e.to_string())?;
        let tmp = out
            .into_inner()
            .map_err(|e| format!("{}: {}", self.dir.display(), e.error()))?;
        tmp.persist(&path)
            .map_err(|e| format!("{}: {}", path.display(), e.error))?;
        Ok(())
    }

    /// The drydock build this cache is for.
    pub(crate) fn build(&self) -> &str {
        &self.build
    }

    fn path(&self, key: &Digest) -> PathBuf {
        self.dir.join(format!("{}.bin", key.hex()))
    }
}

/// An entry as the cache file holds it: magic, format, MessagePack. The remote tier
/// ([`RemoteLayers`]) carries the same bytes.
pub(crate) fn encode(entry: &EntryOut<'_>) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(1 << 16);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    rmp_serde::encode::write_named(&mut out, entry).map_err(|e| e.to_string())?;
    Ok(out)
}

/// Reads what [`encode`] wrote; anything else (another format, damage) is an error.
pub(crate) fn decode(mut reader: impl Read) -> Result<Entry, String> {
    let mut head = [0u8; 12];
    let ours = reader.read_exact(&mut head).is_ok()
        && head[..8] == MAGIC[..]
        && u32::from_le_bytes([head[8], head[9], head[10], head[11]]) == FORMAT;
    if !ours {
        return Err("not a drydock layer cache entry of this format".into());
    }
    rmp_serde::from_read(reader).map_err(|e| e.to_string())
}

/// A second tier behind the disk cache, shared by several machines (a `drydock server`):
/// encoded entries by cache key. The key covers the drydock build and every analyzer's
/// configuration, so only identical scanners share. What `get` returns is trusted as the
/// layer's analysis: an implementation must authenticate it (the binary's seals entries with a
/// key the fleet holds and the server does not).
pub trait RemoteLayers: Send + Sync {
    /// The entry under `key`, if the remote has one that opens; `None` on any failure.
    fn get(&self, key: &Digest) -> Option<Vec<u8>>;
    /// Offers an entry; an error is reported as a note, never fails the scan.
    fn put(&self, key: &Digest, entry: &[u8]) -> Result<(), String>;
}

/// The cache key of one layer; `None` when the layer has no digest to key on (directories).
pub(crate) fn key(
    build: &str,
    digest: Option<&Digest>,
    diff_id: Option<&Digest>,
    blob_len: Option<u64>,
    analyzers: &[(&str, u32, String)],
    limits: &Limits,
) -> Option<Digest> {
    let diff_id = diff_id?;
    let blob_len = blob_len?;
    let mut k = format!(
        "drydock-layer-cache {FORMAT}\nbuild {}\nversion {}\ndiff_id {diff_id}\nlen {blob_len}\n",
        build,
        env!("CARGO_PKG_VERSION"),
    );
    if let Some(d) = digest {
        k.push_str(&format!("digest {d}\n"));
    }
    k.push_str(&format!(
        "limits {} {} {}\n",
        limits.max_entries, limits.max_layer_bytes, limits.max_file_bytes
    ));
    for (id, version, fingerprint) in analyzers {
        k.push_str(&format!(
            "analyzer {id} {version} {}\n",
            Digest::of(fingerprint.as_bytes())
        ));
    }
    Some(Digest::of(k.as_bytes()))
}

/// A link planted where an entry should be is refused, not followed.
fn open_nofollow(path: &Path) -> io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    if !f.metadata()?.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    Ok(f)
}

/// One layer's cached pass. Analyzer ids are strings here and mapped back to the running
/// analyzers on load (their ids are `&'static`).
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Entry {
    pub stats: StreamStats,
    pub entries: LayerEntries,
    pub outputs: Vec<CachedOutput>,
    pub diagnostics: Vec<Diagnostic>,
    pub hardlinks: Vec<(ImagePath, ImagePath, Vec<usize>)>,
}

/// [`Entry`] as it is written: borrowed from the pass, field for field the same encoding.
#[derive(Serialize)]
pub(crate) struct EntryOut<'a> {
    pub stats: &'a StreamStats,
    pub entries: &'a LayerEntries,
    pub outputs: Vec<CachedOutput>,
    pub diagnostics: &'a [Diagnostic],
    pub hardlinks: &'a [(ImagePath, ImagePath, Vec<usize>)],
}

#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct CachedOutput {
    pub analyzer: String,
    pub layer: usize,
    pub path: ImagePath,
    pub fate: Fate,
    pub artifact: CachedArtifact,
}

/// [`Artifact`] in full: the report serialisation of artifacts is deliberately lossy (counts
/// instead of secrets and package lists), so the cache has its own.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) enum CachedArtifact {
    Os(OsHint),
    Packages {
        ecosystem: String,
        packages: Vec<drydock_catalog::Package>,
        /// `Package::files`, which the package's own serialisation leaves out.
        files: Vec<Vec<String>>,
        problems: Vec<String>,
    },
    LangPackages(Vec<drydock_lang::Package>),
    OwnedFiles {
        package: String,
        paths: Vec<String>,
    },
    Secrets(Vec<drydock_secrets::SecretMatch>),
    Collected(#[serde(with = "serde_bytes")] Vec<u8>),
}

impl CachedOutput {
    pub(crate) fn from_output(o: &Output) -> Self {
        let artifact = match &o.artifact {
            Artifact::Os(h) => CachedArtifact::Os(h.clone()),
            Artifact::Packages(db) => CachedArtifact::Packages {
                ecosystem: db.ecosystem.to_owned(),
                files: db.packages.iter().map(|p| p.files.clone()).collect(),
                packages: db.packages.clone(),
                problems: db.problems.clone(),
            },
            Artifact::LangPackages(f) => CachedArtifact::LangPackages(f.packages.clone()),
            Artifact::OwnedFiles(f) => CachedArtifact::OwnedFiles {
                package: f.package.clone(),
                paths: f.paths.clone(),
            },
            Artifact::Secrets(f) => CachedArtifact::Secrets(f.matches.clone()),
            Artifact::Collected(f) => CachedArtifact::Collected(f.bytes.clone()),
        };
        Self {
            analyzer: o.analyzer.to_owned(),
            layer: o.layer,
            path: o.path.clone(),
            fate: o.fate,
            artifact,
        }
    }

    /// Back to an [`Output`]; `analyzer` maps the stored id to the running analyzer's static id,
    /// `None` (a miss) when no running analyzer has it or the ecosystem is unknown.
    pub(crate) fn into_output(
        self,
        analyzer: impl Fn(&str) -> Option<&'static str>,
    ) -> Option<Output> {
        let artifact = match self.artifact {
            CachedArtifact::Os(h) => Artifact::Os(h),
            CachedArtifact::Packages {
                ecosystem,
                mut packages,
                files,
                problems,
            } => {
                if files.len() != packages.len() {
                    return None;
                }
                for (p, f) in packages.iter_mut().zip(files) {
                    p.files = f;
                }
                Artifact::Packages(PackageDb {
                    ecosystem: crate::analyzers::os_packages::static_ecosystem(&ecosystem)?,
                    packages,
                    problems,
                })
            }
            CachedArtifact::LangPackages(packages) => Artifact::LangPackages(LangFile { packages }),
            CachedArtifact::OwnedFiles { package, paths } => {
                Artifact::OwnedFiles(OwnedFiles { package, paths })
            }
            CachedArtifact::Secrets(matches) => Artifact::Secrets(SecretFile { matches }),
            CachedArtifact::Collected(bytes) => Artifact::Collected(CollectedFile { bytes }),
        };
        Some(Output {
            analyzer: analyzer(&self.analyzer)?,
            layer: self.layer,
            path: self.path,
            fate: self.fate,
            artifact,
        })
    }
}
