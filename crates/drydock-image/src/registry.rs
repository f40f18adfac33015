//! Images pulled from an OCI registry: manifests and config are fetched (size-capped,
//! digest-verified), layers stay remote and stream from the socket when the engine walks them.

use std::collections::HashSet;
use std::io::Read;
use std::sync::Arc;

use drydock_fs::Digest;
use drydock_registry::Reference;
use drydock_registry::client::Client;
use oci_spec::image::{ImageIndex, ImageManifest};

use crate::config::ImageConfig;
use crate::error::ImageError;
use crate::select::{Candidate, attach_config, choose, collect, digest_of, parse_json};
use crate::{Image, Layer, LayerSource, OpenOptions, SourceKind};

/// A layer blob left in the registry.
#[derive(Clone)]
pub(crate) struct RemoteBlob {
    pub client: Arc<Client>,
    pub repository: String,
    pub digest: Digest,
    pub size: u64,
    /// `registry/repo@digest`, for messages.
    pub name: String,
}

impl std::fmt::Debug for RemoteBlob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

impl RemoteBlob {
    pub(crate) fn open(&self) -> Result<Box<dyn Read + Send>, ImageError> {
        let r = self
            .client
            .blob(&self.repository, &self.digest.to_string(), self.size)
            .map_err(|e| ImageError::invalid(&self.name, e.to_string()))?;
        Ok(Box::new(r))
    }
}

/// Opens `reference` through `client` (which was made for that reference's registry).
pub fn open_registry(
    reference: &Reference,
    client: Client,
    opts: &OpenOptions,
) -> Result<Image, ImageError> {
    let client = Arc::new(client);
    let shown = reference.to_string();
    let (bytes, media_type) = client
        .manifest(reference)
        .map_err(|e| ImageError::invalid(&shown, e.to_string()))?;
    let top_digest = Digest::of(&bytes);
    if let Some(want) = &reference.digest
        && *want != top_digest.to_string()
    {
        return Err(ImageError::invalid(
            &shown,
            format!("manifest digest is {top_digest}, not the requested {want}"),
        ));
    }
    let by_digest = |d: &Digest| -> Result<(Vec<u8>, String), ImageError> {
        let mut r = reference.clone();
        r.digest = Some(d.to_string());
        let name = format!("{}/{}@{d}", r.registry, r.repository);
        let (bytes, _) = client
            .manifest(&r)
            .map_err(|e| ImageError::invalid(&name, e.to_string()))?;
        let actual = Digest::of(&bytes);
        if actual != *d {
            return Err(ImageError::invalid(
                &name,
                format!("content digest is {actual}, not {d}"),
            ));
        }
        Ok((bytes, name))
    };
    let is_index = media_type.ends_with("image.index.v1+json")
        || media_type.ends_with("manifest.list.v2+json")
        || (media_type.is_empty() || media_type == "application/json")
            && serde_json::from_slice::<serde_json::Value>(&bytes)
                .is_ok_and(|v| v.get("manifests").is_some());
    let (manifest_digest, manifest_bytes, mfile) = if is_index {
        let index: ImageIndex = parse_json(&bytes, &shown, "an OCI image index")?;
        let mut candidates: Vec<Candidate> = Vec::new();
        let mut seen = HashSet::from([top_digest]);
        collect(
            &by_digest,
            &index,
            &shown,
            None,
            0,
            &mut seen,
            &mut candidates,
        )?;
        // `--ref` names an image inside a layout; the registry reference already chose one.
        let opts = OpenOptions {
            reference: None,
            ..opts.clone()
        };
        let chosen = choose(candidates, &opts, &shown)?;
        let d = digest_of(&chosen.desc, &shown)?;
        let (b, name) = by_digest(&d)?;
        (d, b, name)
    } else {
        (top_digest, bytes, shown.clone())
    };
    let manifest: ImageManifest = parse_json(&manifest_bytes, &mfile, "an OCI image manifest")?;
    let config_digest = digest_of(manifest.config(), &mfile)?;
    let cfile = format!(
        "{}/{}@{config_digest}",
        reference.registry, reference.repository
    );
    let cbytes = client
        .small_blob(&reference.repository, &config_digest.to_string())
        .map_err(|e| ImageError::invalid(&cfile, e.to_string()))?;
    let actual = Digest::of(&cbytes);
    if actual != config_digest {
        return Err(ImageError::invalid(
            &cfile,
            format!("content digest is {actual}, not {config_digest}"),
        ));
    }
    let config: ImageConfig = parse_json(&cbytes, &cfile, "an image config")?;
    let mut layers = Vec::with_capacity(manifest.layers().len());
    for (i, desc) in manifest.layers().iter().enumerate() {
        let digest = digest_of(desc, &mfile)?;
        layers.push(Layer {
            index: i,
            digest: Some(digest.clone()),
            diff_id: None,
            media_type: Some(desc.media_type().to_string()),
            size: Some(desc.size()),
            created_by: None,
            source: LayerSource::Remote(RemoteBlob {
                client: client.clone(),
                repository: reference.repository.clone(),
                name: format!("{}/{}@{digest}", reference.registry, reference.repository),
                digest,
                size: desc.size(),
            }),
        });
    }
    attach_config(&mut layers, &config, &cfile)?;
    Ok(Image {
        kind: SourceKind::Registry,
        location: Default::default(),
        reference: Some(shown),
        repo_tags: Vec::new(),
        manifest_digest: Some(manifest_digest),
        config_digest: Some(config_digest),
        config: Some(config),
        layers,
        notes: Vec::new(),
        store: None,
    })
}
