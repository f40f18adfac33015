//! The one-pass engine. Each layer blob is decompressed once, in parallel with the others; every
//! entry is offered to the analyzers that declared an interest in it, and only those files'
//! contents are read into memory. Per-layer results are then squashed into the image view, each
//! keeping the layer it came from and what later layers did to its file.
//!
//! Analyzers are pure: they get bytes and return artifacts; they never touch the host.

pub mod analyzers;
pub mod cache;
mod dispatch;
mod engine;
pub mod inventory;
pub mod sbom;

pub use analyzers::collect::CollectedFile;
pub use analyzers::dpkg_files::OwnedFiles;
pub use analyzers::lang_packages::LangFile;
pub use analyzers::os::{OsHint, OsInfo};
pub use analyzers::os_packages::PackageDb;
pub use analyzers::secrets::SecretFile;
pub use cache::LayerCache;
pub use dispatch::Want;
pub use engine::{Diagnostic, Engine, LayerScan, Output, Scan, ScanError};
pub use inventory::{InstalledPackage, PackageClass};

use drydock_fs::{EntryMeta, ImagePath};
use serde::Serialize;

/// A file handed to an analyzer: where it is, what it is, and its bytes.
///
/// `path` is the path the analyzer asked for: for a link followed after the squash, that is the
/// link's path (so `etc/os-release` is parsed as os-release wherever its target lives).
pub struct FileInput<'a> {
    pub layer: usize,
    pub path: &'a ImagePath,
    pub meta: &'a EntryMeta,
    pub content: &'a [u8],
}

/// Why an analyzer could not make sense of a file; becomes a diagnostic, never aborts the scan.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct AnalyzeError(pub String);

/// What analyzers produce. One variant per kind of fact; new analyzers add theirs here.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Artifact {
    Os(OsHint),
    Packages(PackageDb),
    LangPackages(LangFile),
    OwnedFiles(OwnedFiles),
    Secrets(SecretFile),
    Collected(CollectedFile),
}

/// An analyzer: a declaration of interest plus a pure function over file bytes.
pub trait Analyzer: Send + Sync {
    /// Stable identifier: the output field, and part of the layer-cache key.
    fn id(&self) -> &'static str;
    /// Bumped whenever output for the same input may change (layer-cache key).
    fn version(&self) -> u32;
    /// What else decides this analyzer's output (its configuration, such as user-supplied secret
    /// rules); part of the layer-cache key.
    fn fingerprint(&self) -> String {
        String::new()
    }
    /// Which files this analyzer wants; matched once per entry for all analyzers together.
    fn wants(&self) -> &'static [Want];
    /// Consulted for [`Want::Custom`] interests only: a cheap test on metadata, never content.
    fn wants_file(&self, _meta: &EntryMeta) -> bool {
        false
    }
    fn analyze(&self, file: &FileInput<'_>) -> Result<Option<Artifact>, AnalyzeError>;
}
