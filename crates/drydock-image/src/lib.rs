//! Opens container images without unpacking them: `docker save` archives (classic and OCI-style),
//! OCI image layouts as directories or tars, and plain root filesystems.
//!
//! Everything read here is untrusted. Digests are validated before a blob path is built from
//! them, member names are resolved only inside the archive, metadata documents are size-capped,
//! and every error names the file it is about.

mod config;
mod daemon;
mod error;
mod registry;
mod select;
mod store;

pub use config::{ContainerConfig, Healthcheck, History, ImageConfig, RootFs};
pub use daemon::{EngineKind, EngineSocket, StreamWalk};
pub use error::ImageError;
pub use registry::open_registry;
pub use select::Platform;

use drydock_fs::{Digest, EntryVisitor, Expected, ImagePath, LayerError, Limits, StreamStats};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use store::{BlobLoc, Store};

/// Which reader opened the image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// `docker save` output with `manifest.json` and `<id>/layer.tar`.
    DockerArchive,
    /// An OCI image layout (`oci-layout`, `index.json`, `blobs/`) — including Docker 25+ saves.
    OciLayout,
    /// A root filesystem directory: one implicit layer, no config.
    Rootfs,
    /// Pulled from an OCI registry (`drydock image REF`); layers stream from the network.
    Registry,
    /// An image in a local Docker or Podman engine, streamed from its API socket.
    Engine,
    /// An SBOM (`drydock sbom-scan`): its inventory stands for an image nobody opened.
    Sbom,
}

/// What `drydock host` reads to find the container runtimes: package databases, release files
/// and the usual binary directories, never the whole host.
pub const HOST_RUNTIME_PATHS: &[&str] = &[
    "etc/os-release",
    "usr/lib/os-release",
    "etc/alpine-release",
    "etc/debian_version",
    "etc/redhat-release",
    "etc/lsb-release",
    "var/lib/dpkg",
    "lib/apk/db",
    "var/lib/rpm",
    "usr/lib/sysimage/rpm",
    "bin",
    "sbin",
    "usr/bin",
    "usr/sbin",
    "usr/local/bin",
    "usr/local/sbin",
    "usr/libexec/docker",
    "opt/containerd/bin",
];

/// How to choose one image when a source holds several.
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    /// `os/arch[/variant]`; defaults to the host's platform when an index offers several.
    pub platform: Option<Platform>,
    /// `org.opencontainers.image.ref.name`, a containerd image name, or a docker `RepoTags` entry.
    pub reference: Option<String>,
}

/// An opened image: its metadata and a handle on each layer, read later, once, by the engine.
#[derive(Debug)]
pub struct Image {
    pub kind: SourceKind,
    pub location: PathBuf,
    pub reference: Option<String>,
    pub repo_tags: Vec<String>,
    pub manifest_digest: Option<Digest>,
    /// The digest of the config blob: the image ID.
    pub config_digest: Option<Digest>,
    pub config: Option<ImageConfig>,
    pub layers: Vec<Layer>,
    /// What the source could not provide, for the report (e.g. an engine that fails to give
    /// the image's history).
    pub notes: Vec<String>,
    store: Option<Store>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Layer {
    pub index: usize,
    /// The blob digest the manifest promises (checked while streaming).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<Digest>,
    /// The uncompressed digest the config promises (checked while streaming).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff_id: Option<Digest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(skip)]
    source: LayerSource,
}

#[derive(Clone, Debug)]
enum LayerSource {
    Blob(BlobLoc),
    /// A directory, and the root-relative paths to limit the walk to (all when `None`).
    Dir(PathBuf, Option<Vec<String>>),
    /// A blob left in a registry, fetched only when the layer is walked (a cache hit never is).
    Remote(registry::RemoteBlob),
    /// A layer of an image in a container engine, read from the engine's export stream.
    Engine(std::sync::Arc<daemon::EngineRef>),
}

impl Image {
    /// Opens a `docker save` archive or an OCI layout, as a tar or a directory.
    pub fn open(path: &Path, opts: &OpenOptions) -> Result<Self, ImageError> {
        let md =
            std::fs::metadata(path).map_err(|e| ImageError::io(path.display().to_string(), e))?;
        let store = if md.is_dir() {
            Store::open_dir(path)?
        } else {
            Store::open_tar(path)?
        };
        let index = ImagePath::new("index.json");
        let manifest = ImagePath::new("manifest.json");
        let mut image = if store.exists(&index) {
            select::open_oci(store, opts)?
        } else if store.exists(&manifest) {
            select::open_docker(store, opts)?
        } else if md.is_dir() {
            return Err(ImageError::invalid(
                path.display().to_string(),
                "neither an OCI layout (index.json) nor a docker archive (manifest.json); for a root filesystem use `drydock rootfs`",
            ));
        } else {
            return Err(ImageError::invalid(
                path.display().to_string(),
                "no index.json or manifest.json inside: not a docker-archive or OCI image tar",
            ));
        };
        image.location = path.to_path_buf();
        Ok(image)
    }

    /// The parts of a host's root filesystem that say which container runtimes it runs
    /// ([`HOST_RUNTIME_PATHS`]), for `drydock host`.
    pub fn host_runtimes(root: &Path) -> Result<Self, ImageError> {
        Self::rootfs_only(root, HOST_RUNTIME_PATHS)
    }

    /// Part of a root filesystem: only `paths` (root-relative) and their ancestors are walked.
    /// For a live host, where walking everything would take long and tell nothing more.
    pub fn rootfs_only(dir: &Path, paths: &[&str]) -> Result<Self, ImageError> {
        let mut image = Self::rootfs(dir)?;
        for l in &mut image.layers {
            if let LayerSource::Dir(_, only) = &mut l.source {
                *only = Some(
                    paths
                        .iter()
                        .map(|p| p.trim_matches('/').to_owned())
                        .collect(),
                );
            }
        }
        Ok(image)
    }

    /// The image an SBOM describes: no layers, nothing to read; the caller supplies the
    /// inventory the SBOM lists.
    pub fn sbom(file: &Path) -> Self {
        Self {
            kind: SourceKind::Sbom,
            location: file.to_path_buf(),
            reference: None,
            repo_tags: Vec::new(),
            manifest_digest: None,
            config_digest: None,
            config: None,
            layers: Vec::new(),
            notes: Vec::new(),
            store: None,
        }
    }

    /// A root filesystem directory, scanned as a single layer.
    pub fn rootfs(dir: &Path) -> Result<Self, ImageError> {
        let md =
            std::fs::metadata(dir).map_err(|e| ImageError::io(dir.display().to_string(), e))?;
        if !md.is_dir() {
            return Err(ImageError::invalid(
                dir.display().to_string(),
                "not a directory",
            ));
        }
        Ok(Self {
            kind: SourceKind::Rootfs,
            location: dir.to_path_buf(),
            reference: None,
            repo_tags: Vec::new(),
            manifest_digest: None,
            config_digest: None,
            config: None,
            layers: vec![Layer {
                index: 0,
                digest: None,
                diff_id: None,
                media_type: None,
                size: None,
                created_by: None,
                source: LayerSource::Dir(dir.to_path_buf(), None),
            }],
            notes: Vec::new(),
            store: None,
        })
    }

    /// Streams layer `i` once through `visitor`, verifying its digests as it goes.
    pub fn walk_layer(
        &self,
        i: usize,
        limits: &Limits,
        progress: &(dyn Fn(u64) + Sync),
        visitor: &mut dyn EntryVisitor,
    ) -> Result<StreamStats, LayerError> {
        let Some(layer) = self.layers.get(i) else {
            return Err(LayerError::new(
                format!("layer {i}"),
                drydock_fs::LayerErrorKind::Analysis("no such layer".into()),
            ));
        };
        match (&layer.source, &self.store) {
            (LayerSource::Dir(root, only), _) => {
                drydock_fs::walk_dir_only(root, only.as_deref(), limits, visitor)
            }
            (LayerSource::Blob(loc), Some(store)) => {
                // The layer error names the blob; the store's own error would name it again.
                let reader = store.open(loc).map_err(|e| {
                    let kind = match e {
                        ImageError::Io { source, .. } => drydock_fs::LayerErrorKind::Io(source),
                        ImageError::Layer(e) => return e,
                        ImageError::Invalid { problem, .. }
                        | ImageError::Select { problem, .. } => {
                            drydock_fs::LayerErrorKind::Analysis(problem)
                        }
                        ImageError::Json { what, detail, .. } => {
                            drydock_fs::LayerErrorKind::Analysis(format!(
                                "not valid JSON for {what}: {detail}"
                            ))
                        }
                    };
                    LayerError::new(loc.name.clone(), kind)
                })?;
                let expected = Expected {
                    digest: layer.digest.clone(),
                    diff_id: layer.diff_id.clone(),
                };
                drydock_fs::walk_blob(&loc.name, reader, &expected, limits, progress, visitor)
            }
            (LayerSource::Remote(blob), _) => {
                let reader = blob.open().map_err(|e| {
                    LayerError::new(
                        blob.name.clone(),
                        drydock_fs::LayerErrorKind::Analysis(e.to_string()),
                    )
                })?;
                let expected = Expected {
                    digest: layer.digest.clone(),
                    diff_id: layer.diff_id.clone(),
                };
                drydock_fs::walk_blob(&blob.name, reader, &expected, limits, progress, visitor)
            }
            (LayerSource::Engine(_), _) => self.walk_engine_layer(i, limits, progress, visitor),
            (LayerSource::Blob(loc), None) => Err(LayerError::new(
                loc.name.clone(),
                drydock_fs::LayerErrorKind::Analysis("blob without a store".into()),
            )),
        }
    }

    /// The length of layer `i`'s blob as stored; `None` for directory layers. Part of the layer
    /// cache key: a blob whose length differs from the cached one is not the cached blob.
    pub fn layer_blob_len(&self, i: usize) -> Option<u64> {
        match (&self.layers.get(i)?.source, &self.store) {
            (LayerSource::Blob(loc), Some(store)) => store.blob_len(loc),
            // The descriptor's size: the stream is refused if it runs longer.
            (LayerSource::Remote(blob), _) => Some(blob.size),
            _ => None,
        }
    }

    /// Human name of the layer's blob, for messages.
    pub fn layer_name(&self, i: usize) -> String {
        match self.layers.get(i).map(|l| &l.source) {
            Some(LayerSource::Blob(loc)) => loc.name.clone(),
            Some(LayerSource::Dir(p, _)) => p.display().to_string(),
            Some(LayerSource::Remote(blob)) => blob.name.clone(),
            Some(LayerSource::Engine(_)) => format!(
                "{} layer {}",
                self.location.display(),
                self.layers[i]
                    .diff_id
                    .as_ref()
                    .map(Digest::to_string)
                    .unwrap_or_default()
            ),
            None => format!("layer {i}"),
        }
    }
}

/// The docker `manifest.json` entry (classic `docker save`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerManifestEntry {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    #[serde(default)]
    layers: Vec<String>,
}
