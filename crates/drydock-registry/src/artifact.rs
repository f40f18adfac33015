//! OCI artifacts (image-spec 1.1 `artifactType`): a small config, a few layers and the
//! manifest's annotations, pushed and pulled with the registry client. drydock publishes its
//! advisory database this way so any OCI registry can mirror it.

use std::collections::BTreeMap;
use std::io::{Read, Write};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::client::{Client, ClientError};
use crate::reference::Reference;

/// The OCI image manifest media type artifacts are pushed with.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

/// A content descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    pub media_type: String,
    pub digest: String,
    pub size: u64,
}

/// An artifact manifest as drydock writes and reads it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub schema_version: u32,
    #[serde(default)]
    pub media_type: Option<String>,
    #[serde(default)]
    pub artifact_type: Option<String>,
    pub config: Descriptor,
    #[serde(default)]
    pub layers: Vec<Descriptor>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let mut out = String::from("sha256:");
    for b in hash {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Pushes the config and layers (skipping blobs the registry has), then the manifest under
/// the reference's tag (`latest` without one). Returns the manifest's digest.
pub fn push(
    client: &Client,
    reference: &Reference,
    artifact_type: &str,
    config: (&str, &[u8]),
    layers: &[(&str, &[u8])],
    annotations: BTreeMap<String, String>,
) -> Result<String, ClientError> {
    // A digest names content the caller cannot know before the manifest is written: a push
    // goes to a tag, and prints the digest.
    if reference.digest.is_some() {
        return Err(ClientError::Artifact {
            url: reference.to_string(),
            reason: "push to a tag (host/repository:tag), not to a digest".into(),
        });
    }
    let repo = &reference.repository;
    let describe = |media_type: &str, bytes: &[u8]| Descriptor {
        media_type: media_type.to_owned(),
        digest: sha256_digest(bytes),
        size: bytes.len() as u64,
    };
    let config_desc = describe(config.0, config.1);
    client.push_blob(repo, &config_desc.digest, config.1)?;
    let mut layer_descs = Vec::new();
    for (media_type, bytes) in layers {
        let d = describe(media_type, bytes);
        client.push_blob(repo, &d.digest, bytes)?;
        layer_descs.push(d);
    }
    let manifest = Manifest {
        schema_version: 2,
        media_type: Some(OCI_MANIFEST.to_owned()),
        artifact_type: Some(artifact_type.to_owned()),
        config: config_desc,
        layers: layer_descs,
        annotations,
    };
    let bytes = serde_json::to_vec(&manifest).map_err(|e| ClientError::Artifact {
        url: reference.to_string(),
        reason: e.to_string(),
    })?;
    let tag = reference.tag.as_deref().unwrap_or("latest");
    let digest = sha256_digest(&bytes);
    // A registry that stored other bytes than we sent (rewrote the manifest) would have
    // pullers check a digest nobody published: say so rather than print ours.
    if let Some(named) = client.push_manifest(repo, tag, OCI_MANIFEST, &bytes)?
        && named != digest
    {
        return Err(ClientError::Artifact {
            url: reference.to_string(),
            reason: format!("the registry stored the manifest as {named}, not as {digest}"),
        });
    }
    Ok(digest)
}

/// The manifest at `reference`, its digest checked when the reference pins one.
pub fn pull_manifest(
    client: &Client,
    reference: &Reference,
) -> Result<(String, Manifest), ClientError> {
    let (bytes, _media_type) = client.manifest(reference)?;
    let digest = sha256_digest(&bytes);
    if let Some(want) = &reference.digest
        && *want != digest
    {
        return Err(ClientError::DigestMismatch {
            digest: want.clone(),
            actual: digest,
        });
    }
    let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| ClientError::Artifact {
        url: reference.to_string(),
        reason: format!("not an OCI artifact manifest: {e}"),
    })?;
    Ok((digest, manifest))
}

/// Copies the blob `desc` into `out`, refusing one larger than `max` bytes or whose content
/// does not hash to its digest (the caller must discard `out` on error).
pub fn pull_blob(
    client: &Client,
    repository: &str,
    desc: &Descriptor,
    max: u64,
    out: &mut dyn Write,
) -> Result<(), ClientError> {
    if desc.size > max {
        return Err(ClientError::TooLarge {
            url: desc.digest.clone(),
            what: "artifact layer",
            max,
        });
    }
    if !desc.digest.starts_with("sha256:") {
        return Err(ClientError::Artifact {
            url: desc.digest.clone(),
            reason: "only sha256 digests are accepted".into(),
        });
    }
    let mut reader = client.blob(repository, &desc.digest, desc.size)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = reader.read(&mut buf).map_err(|e| ClientError::Http {
            url: desc.digest.clone(),
            reason: e.to_string(),
        })?;
        if n == 0 {
            break;
        }
        total += n as u64;
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n])
            .map_err(|e| ClientError::Artifact {
                url: desc.digest.clone(),
                reason: format!("cannot write the blob: {e}"),
            })?;
    }
    let mut actual = String::from("sha256:");
    for b in hasher.finalize() {
        actual.push_str(&format!("{b:02x}"));
    }
    if actual != desc.digest || total != desc.size {
        return Err(ClientError::DigestMismatch {
            digest: desc.digest.clone(),
            actual: format!("{actual} ({total} bytes)"),
        });
    }
    Ok(())
}
