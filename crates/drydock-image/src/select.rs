//! Reading the image's own metadata (index, manifests, config) and choosing one image from it.

use crate::config::ImageConfig;
use crate::error::ImageError;
use crate::store::{Store, blob_path};
use crate::{DockerManifestEntry, Image, Layer, LayerSource, OpenOptions, SourceKind};
use drydock_fs::{Digest, ImagePath};
use oci_spec::image::{Descriptor, ImageIndex, ImageManifest};
use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

/// Indexes may nest (multi-arch lists inside a layout); deeper than this is hostile.
const MAX_INDEX_DEPTH: usize = 8;
/// Nested indexes fetched in all: depth alone does not bound a wide tree of distinct ones,
/// each a registry round trip.
const MAX_INDEXES: usize = 64;
const REF_NAME: &str = "org.opencontainers.image.ref.name";
const CONTAINERD_NAME: &str = "io.containerd.image.name";

/// `os/arch[/variant]`, as `--platform` takes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub arch: String,
    pub variant: Option<String>,
}

impl FromStr for Platform {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split('/').collect();
        match parts.as_slice() {
            [os, arch] if !os.is_empty() && !arch.is_empty() => Ok(Self {
                os: os.to_string(),
                arch: arch.to_string(),
                variant: None,
            }),
            [os, arch, variant] if !os.is_empty() && !arch.is_empty() && !variant.is_empty() => {
                Ok(Self {
                    os: os.to_string(),
                    arch: arch.to_string(),
                    variant: Some(variant.to_string()),
                })
            }
            _ => Err(format!(
                "invalid platform {s:?}: expected os/arch[/variant], e.g. linux/amd64"
            )),
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.arch)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

impl Platform {
    /// The platform this binary runs on, in OCI's spelling.
    pub fn host() -> Self {
        let arch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "powerpc64" => "ppc64le",
            other => other,
        };
        Self {
            os: "linux".into(),
            arch: arch.into(),
            variant: None,
        }
    }

    fn matches(&self, other: &Platform) -> bool {
        let variant_ok = match (&self.variant, &other.variant) {
            (Some(a), Some(b)) => a == b,
            // arm64 images rarely spell out the default v8 variant.
            (Some(v), None) | (None, Some(v)) => {
                self.arch != "arm64" || v == "v8" || self.variant.is_none()
            }
            (None, None) => true,
        };
        self.os == other.os && self.arch == other.arch && variant_ok
    }
}

pub(crate) struct Candidate {
    pub(crate) desc: Descriptor,
    ref_name: Option<String>,
    image_name: Option<String>,
    platform: Option<Platform>,
}

impl Candidate {
    fn label(&self) -> String {
        let name = self
            .ref_name
            .clone()
            .or_else(|| self.image_name.clone())
            .unwrap_or_else(|| "(unnamed)".into());
        match &self.platform {
            Some(p) => format!("{name} [{p}]"),
            None => name,
        }
    }
}

pub(crate) fn open_oci(store: Store, opts: &OpenOptions) -> Result<Image, ImageError> {
    let index_path = ImagePath::new("index.json");
    let (bytes, file) = store.read_small(&index_path)?;
    let index: ImageIndex = parse_json(&bytes, &file, "an OCI image index")?;
    let mut candidates = Vec::new();
    let mut seen = HashSet::new();
    collect(
        &|d: &Digest| store.read_blob(d),
        &index,
        &file,
        None,
        0,
        &mut seen,
        &mut candidates,
    )?;
    let chosen = choose(candidates, opts, &file)?;
    let manifest_digest = digest_of(&chosen.desc, &file)?;
    let (bytes, mfile) = store.read_blob(&manifest_digest)?;
    let manifest: ImageManifest = parse_json(&bytes, &mfile, "an OCI image manifest")?;
    let config_digest = digest_of(manifest.config(), &mfile)?;
    let (bytes, cfile) = store.read_blob(&config_digest)?;
    let config: ImageConfig = parse_json(&bytes, &cfile, "an image config")?;
    let mut layers = Vec::with_capacity(manifest.layers().len());
    for (i, desc) in manifest.layers().iter().enumerate() {
        let digest = digest_of(desc, &mfile)?;
        let loc = store.locate(&blob_path(&digest))?;
        layers.push(Layer {
            index: i,
            digest: Some(digest),
            diff_id: None,
            media_type: Some(desc.media_type().to_string()),
            size: Some(desc.size()),
            created_by: None,
            source: LayerSource::Blob(loc),
        });
    }
    attach_config(&mut layers, &config, &cfile)?;
    // Docker 25+ saves carry manifest.json too; its RepoTags name the image for people.
    let repo_tags = store
        .read_small(&ImagePath::new("manifest.json"))
        .ok()
        .and_then(|(b, _)| serde_json::from_slice::<Vec<DockerManifestEntry>>(&b).ok())
        .map(|entries| {
            entries
                .into_iter()
                .flat_map(|e| e.repo_tags.unwrap_or_default())
                .collect()
        })
        .unwrap_or_default();
    Ok(Image {
        kind: SourceKind::OciLayout,
        location: Default::default(),
        reference: chosen.ref_name.or(chosen.image_name),
        repo_tags,
        manifest_digest: Some(manifest_digest),
        config_digest: Some(config_digest),
        config: Some(config),
        layers,
        notes: Vec::new(),
        store: Some(store),
    })
}

/// A nested index's bytes (and a name for messages) by digest, digest-verified: from a layout's
/// `blobs/` or from a registry.
pub(crate) type Fetch<'a> = &'a dyn Fn(&Digest) -> Result<(Vec<u8>, String), ImageError>;

pub(crate) fn collect(
    fetch: Fetch<'_>,
    index: &ImageIndex,
    file: &str,
    inherited: Option<(&Option<String>, &Option<String>)>,
    depth: usize,
    seen: &mut HashSet<Digest>,
    out: &mut Vec<Candidate>,
) -> Result<(), ImageError> {
    if depth > MAX_INDEX_DEPTH {
        return Err(ImageError::invalid(
            file,
            format!("image indexes nested deeper than {MAX_INDEX_DEPTH}"),
        ));
    }
    for desc in index.manifests() {
        let annotations = desc.annotations().as_ref();
        let ann = |k: &str| annotations.and_then(|a| a.get(k)).cloned();
        let (ref_name, image_name) = match inherited {
            Some((r, n)) => (r.clone(), n.clone()),
            None => (ann(REF_NAME), ann(CONTAINERD_NAME)),
        };
        let media = desc.media_type().to_string();
        if media.ends_with("image.index.v1+json") || media.ends_with("manifest.list.v2+json") {
            let digest = digest_of(desc, file)?;
            if !seen.insert(digest.clone()) {
                return Err(ImageError::invalid(
                    file,
                    format!("image index {digest} refers to itself in a loop"),
                ));
            }
            if seen.len() > MAX_INDEXES {
                return Err(ImageError::invalid(
                    file,
                    format!("more than {MAX_INDEXES} nested image indexes"),
                ));
            }
            let (bytes, nfile) = fetch(&digest)?;
            let nested: ImageIndex = parse_json(&bytes, &nfile, "an OCI image index")?;
            collect(
                fetch,
                &nested,
                &nfile,
                Some((&ref_name, &image_name)),
                depth + 1,
                seen,
                out,
            )?;
        } else if media.ends_with("image.manifest.v1+json") || media.ends_with("manifest.v2+json") {
            // Buildkit attaches provenance as pseudo-images for platform unknown/unknown.
            if ann("vnd.docker.reference.type").as_deref() == Some("attestation-manifest") {
                continue;
            }
            let platform = desc.platform().as_ref().map(|p| Platform {
                os: p.os().to_string(),
                arch: p.architecture().to_string(),
                variant: p.variant().clone(),
            });
            if platform.as_ref().is_some_and(|p| p.os == "unknown") {
                continue;
            }
            out.push(Candidate {
                desc: desc.clone(),
                ref_name,
                image_name,
                platform,
            });
        }
    }
    Ok(())
}

pub(crate) fn choose(
    mut c: Vec<Candidate>,
    opts: &OpenOptions,
    file: &str,
) -> Result<Candidate, ImageError> {
    let list = |c: &[Candidate]| {
        c.iter()
            .map(Candidate::label)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if c.is_empty() {
        return Err(ImageError::Select {
            file: file.into(),
            problem: "lists no image manifest".into(),
        });
    }
    if let Some(r) = &opts.reference {
        let all = list(&c);
        c.retain(|k| {
            k.ref_name.as_deref() == Some(r)
                || k.image_name.as_deref() == Some(r)
                || k.image_name
                    .as_deref()
                    .is_some_and(|n| n.ends_with(&format!("/{r}")))
        });
        if c.is_empty() {
            return Err(ImageError::Select {
                file: file.into(),
                problem: format!("no image named {r:?}; it has: {all}"),
            });
        }
    }
    if let Some(p) = &opts.platform {
        let all = list(&c);
        c.retain(|k| k.platform.as_ref().is_none_or(|kp| p.matches(kp)));
        if c.is_empty() {
            return Err(ImageError::Select {
                file: file.into(),
                problem: format!("no image for platform {p}; it has: {all}"),
            });
        }
    }
    if c.len() > 1 {
        let names: HashSet<_> = c
            .iter()
            .map(|k| (k.ref_name.clone(), k.image_name.clone()))
            .collect();
        if names.len() > 1 {
            return Err(ImageError::Select {
                file: file.into(),
                problem: format!("holds several images; choose one with --ref: {}", list(&c)),
            });
        }
        let host = Platform::host();
        let all = list(&c);
        c.retain(|k| k.platform.as_ref().is_none_or(|kp| host.matches(kp)));
        if c.is_empty() {
            return Err(ImageError::Select {
                file: file.into(),
                problem: format!(
                    "no image for this host's platform {host}; choose one with --platform: {all}"
                ),
            });
        }
    }
    Ok(c.swap_remove(0))
}

pub(crate) fn open_docker(store: Store, opts: &OpenOptions) -> Result<Image, ImageError> {
    let (bytes, file) = store.read_small(&ImagePath::new("manifest.json"))?;
    let mut entries: Vec<DockerManifestEntry> =
        parse_json(&bytes, &file, "a docker-archive manifest")?;
    let pick = match &opts.reference {
        Some(r) => entries
            .iter()
            .position(|e| {
                e.repo_tags
                    .iter()
                    .flatten()
                    .any(|t| t == r || t.ends_with(&format!("/{r}")))
            })
            .ok_or_else(|| ImageError::Select {
                file: file.clone(),
                problem: format!("no image tagged {r:?}"),
            })?,
        None if entries.len() == 1 => 0,
        None if entries.is_empty() => {
            return Err(ImageError::Select {
                file,
                problem: "lists no image".into(),
            });
        }
        None => {
            let tags: Vec<String> = entries
                .iter()
                .flat_map(|e| e.repo_tags.clone().unwrap_or_default())
                .collect();
            return Err(ImageError::Select {
                file,
                problem: format!(
                    "holds several images; choose one with --ref: {}",
                    tags.join(", ")
                ),
            });
        }
    };
    let entry = entries.swap_remove(pick);
    let config_member = member(&entry.config, &file)?;
    let (bytes, cfile) = store.read_small(&config_member)?;
    let config_digest = Digest::of(&bytes);
    // The config's file name is its digest in every docker save; a mismatch means tampering.
    if let Some(named) = digest_in_name(&config_member)
        && named != config_digest
    {
        return Err(ImageError::invalid(
            &cfile,
            format!("content digest is {config_digest}, not {named} as its name says"),
        ));
    }
    let config: ImageConfig = parse_json(&bytes, &cfile, "an image config")?;
    let mut layers = Vec::with_capacity(entry.layers.len());
    for (i, raw) in entry.layers.iter().enumerate() {
        let m = member(raw, &file)?;
        let loc = store.locate(&m)?;
        layers.push(Layer {
            index: i,
            // Only OCI-style member names (`blobs/sha256/<hex>`) promise a blob digest.
            digest: if m.as_bytes().starts_with(b"blobs/") {
                digest_in_name(&m)
            } else {
                None
            },
            diff_id: None,
            media_type: None,
            size: None,
            created_by: None,
            source: LayerSource::Blob(loc),
        });
    }
    attach_config(&mut layers, &config, &cfile)?;
    Ok(Image {
        kind: SourceKind::DockerArchive,
        location: Default::default(),
        reference: entry.repo_tags.as_ref().and_then(|t| t.first().cloned()),
        repo_tags: entry.repo_tags.unwrap_or_default(),
        manifest_digest: None,
        config_digest: Some(config_digest),
        config: Some(config),
        layers,
        notes: Vec::new(),
        store: Some(store),
    })
}

/// Validates the config's diff-ids and gives each layer its own, plus the history line that made it.
pub(crate) fn attach_config(
    layers: &mut [Layer],
    config: &ImageConfig,
    file: &str,
) -> Result<(), ImageError> {
    let ids = &config.rootfs.diff_ids;
    if ids.len() != layers.len() {
        return Err(ImageError::invalid(
            file,
            format!(
                "lists {} layer diff-ids but the manifest has {} layers",
                ids.len(),
                layers.len()
            ),
        ));
    }
    let history = config.layer_history();
    let history_fits = history.len() == layers.len();
    for (i, (layer, id)) in layers.iter_mut().zip(ids).enumerate() {
        layer.diff_id = Some(
            id.parse()
                .map_err(|e| ImageError::invalid(file, format!("rootfs.diff_ids[{i}]: {e}")))?,
        );
        if history_fits {
            layer.created_by = history[i].map(str::to_owned);
        }
    }
    Ok(())
}

/// A path named inside a manifest; refused if it tries to leave the archive.
fn member(raw: &str, file: &str) -> Result<ImagePath, ImageError> {
    let (p, escaped) = ImagePath::normalize(raw.as_bytes());
    if escaped || raw.starts_with('/') || p.is_root() {
        return Err(ImageError::invalid(
            file,
            format!("path {raw:?} points outside the archive"),
        ));
    }
    Ok(p)
}

/// `<hex>.json`, `blobs/sha256/<hex>` or `<hex>/layer.tar`-style names that embed a digest.
fn digest_in_name(p: &ImagePath) -> Option<Digest> {
    let name = p.to_str()?;
    let stem = name.rsplit('/').next()?.trim_end_matches(".json");
    format!("sha256:{stem}").parse().ok()
}

pub(crate) fn digest_of(desc: &Descriptor, file: &str) -> Result<Digest, ImageError> {
    desc.digest()
        .to_string()
        .parse()
        .map_err(|e| ImageError::invalid(file, format!("descriptor digest: {e}")))
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    file: &str,
    what: &'static str,
) -> Result<T, ImageError> {
    serde_json::from_slice(bytes).map_err(|e| {
        let mut detail = e.to_string();
        // oci-spec rejects malformed digests while deserializing; say so in plain words.
        if ["encoded value", "algorithm", "digest"]
            .iter()
            .any(|k| detail.contains(k))
            && !detail.contains("digest")
        {
            detail = format!("invalid digest: {detail}");
        }
        ImageError::Json {
            file: file.into(),
            what,
            detail,
        }
    })
}
