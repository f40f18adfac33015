//! A registry image equals the OCI layout it was pushed from: same digests, same entries. The
//! registry is Debian's `docker-registry` (distribution 2.8) with the layout pushed by `skopeo`
//! (`drydock_testkit::registry`); its access log says which blobs were fetched.
#![allow(clippy::unwrap_used)]

use std::io::Read;
use std::path::{Path, PathBuf};

use drydock_fs::{EntryMeta, LayerError, Limits};
use drydock_image::{Image, OpenOptions, open_registry};
use drydock_registry::Reference;
use drydock_registry::client::{Client, ClientOptions};
use drydock_testkit::registry::Registry;

fn layout() -> Option<PathBuf> {
    drydock_testkit::shared("images/debian-min.oci")
}

/// The layout pushed as `debian:12` to a fresh registry.
fn serve(root: &Path) -> Option<Registry> {
    let registry = Registry::start()?;
    registry.push_oci(root, "debian:12", false);
    Some(registry)
}

/// Layer-blob GETs in the registry's access log so far.
fn blob_gets(registry: &Registry, image: &Image) -> usize {
    let layers: Vec<String> = image
        .layers
        .iter()
        .filter_map(|l| l.digest.as_ref())
        .map(|d| format!("GET /v2/debian/blobs/{d}"))
        .collect();
    registry
        .requests()
        .iter()
        .filter(|r| layers.contains(r))
        .count()
}

fn entries(image: &Image, i: usize) -> Result<Vec<(String, u64)>, LayerError> {
    let mut out = Vec::new();
    let mut visit = |e: &EntryMeta, _: &mut dyn Read| -> Result<(), LayerError> {
        out.push((
            String::from_utf8_lossy(e.path.as_bytes()).into_owned(),
            e.size,
        ));
        Ok(())
    };
    image.walk_layer(i, &Limits::default(), &|_| {}, &mut visit)?;
    Ok(out)
}

fn open(registry: &Registry) -> Image {
    let r = Reference::parse(&format!("{}/debian:12", registry.host)).unwrap();
    let client = Client::new(&r, None, ClientOptions::default());
    open_registry(&r, client, &OpenOptions::default()).unwrap()
}

#[test]
fn registry_image_equals_its_layout() {
    let Some(root) = layout() else { return };
    let local = Image::open(&root, &OpenOptions::default()).unwrap();
    let Some(registry) = serve(&root) else { return };
    let remote = open(&registry);
    // Opening fetched manifests and config only.
    assert_eq!(blob_gets(&registry, &remote), 0);
    assert_eq!(
        remote.reference.as_deref(),
        Some(format!("{}/debian:12", registry.host).as_str())
    );
    assert_eq!(remote.manifest_digest, local.manifest_digest);
    assert_eq!(remote.config_digest, local.config_digest);
    assert_eq!(remote.layers.len(), local.layers.len());
    for (i, (a, b)) in remote.layers.iter().zip(&local.layers).enumerate() {
        assert_eq!(
            (&a.digest, &a.diff_id, a.size),
            (&b.digest, &b.diff_id, b.size)
        );
        assert_eq!(remote.layer_blob_len(i), local.layer_blob_len(i));
        let (ra, la) = (entries(&remote, i).unwrap(), entries(&local, i).unwrap());
        assert!(!la.is_empty());
        assert_eq!(ra, la, "layer {i}");
    }
    assert_eq!(blob_gets(&registry, &remote), local.layers.len());
}

#[test]
fn tampered_blob_fails_naming_the_blob() {
    let Some(root) = layout() else { return };
    let Some(registry) = serve(&root) else { return };
    let remote = open(&registry);
    // The registry's stored copy is damaged after the push: it serves the bytes as they are.
    let digest = remote.layers[0].digest.as_ref().unwrap().to_string();
    let file = registry.blob_file(&digest);
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[2048] ^= 0xff;
    std::fs::write(&file, bytes).unwrap();
    let e = entries(&remote, 0).unwrap_err().to_string();
    assert!(e.contains(&digest), "{e}");
}

/// Indexes nested `depth` deep above the layout's manifest, uploaded to the real registry
/// bottom-up (distribution checks each reference exists) and tagged `debian:nested`.
fn nest(registry: &Registry, root: &Path, depth: usize) -> Result<Image, String> {
    const INDEX: &str = "application/vnd.oci.image.index.v1+json";
    let top: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("index.json")).unwrap()).unwrap();
    let mut desc = top["manifests"][0].clone();
    desc.as_object_mut().unwrap().remove("annotations");
    desc["platform"] = serde_json::json!({"os": "linux", "architecture": "amd64"});
    let mut body = Vec::new();
    for level in 0..depth {
        body = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2, "mediaType": INDEX, "manifests": [desc],
        }))
        .unwrap();
        let digest = drydock_testkit::sha256(&body);
        let tag = if level + 1 == depth {
            "nested".to_string()
        } else {
            digest.clone()
        };
        registry.put_manifest("debian", &tag, INDEX, &body);
        desc = serde_json::json!({"mediaType": INDEX, "digest": digest, "size": body.len()});
    }
    assert!(!body.is_empty());
    let r = Reference::parse(&format!("{}/debian:nested", registry.host)).unwrap();
    let client = Client::new(&r, None, ClientOptions::default());
    let opts = OpenOptions {
        platform: Some("linux/amd64".parse().unwrap()),
        ..OpenOptions::default()
    };
    open_registry(&r, client, &opts).map_err(|e| e.to_string())
}

#[test]
fn nested_indexes_are_followed_but_not_too_deep() {
    let Some(root) = layout() else { return };
    let Some(registry) = serve(&root) else { return };
    let local = Image::open(&root, &OpenOptions::default()).unwrap();
    // Three levels: the manifest underneath is found.
    let image = nest(&registry, &root, 3).unwrap();
    assert_eq!(image.manifest_digest, local.manifest_digest);
    // Twelve: refused, naming the limit, before the manifest or any blob is fetched.
    let e = nest(&registry, &root, 12).unwrap_err();
    assert!(e.contains("nested deeper than 8"), "{e}");
}

#[test]
fn too_many_nested_indexes_are_refused() {
    const INDEX: &str = "application/vnd.oci.image.index.v1+json";
    let Some(root) = layout() else { return };
    let Some(registry) = serve(&root) else { return };
    let top: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("index.json")).unwrap()).unwrap();
    let manifest = top["manifests"][0].clone();
    // 70 distinct one-entry indexes (an annotation tells them apart) under one top index.
    let children: Vec<serde_json::Value> = (0..70)
        .map(|i| {
            let mut m = manifest.clone();
            m["annotations"] = serde_json::json!({"drydock.test/n": i.to_string()});
            let body = serde_json::to_vec(&serde_json::json!({
                "schemaVersion": 2, "mediaType": INDEX, "manifests": [m],
            }))
            .unwrap();
            let digest = drydock_testkit::sha256(&body);
            registry.put_manifest("debian", &digest, INDEX, &body);
            serde_json::json!({"mediaType": INDEX, "digest": digest, "size": body.len()})
        })
        .collect();
    let body = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": INDEX, "manifests": children,
    }))
    .unwrap();
    registry.put_manifest("debian", "wide", INDEX, &body);
    let r = Reference::parse(&format!("{}/debian:wide", registry.host)).unwrap();
    let client = Client::new(&r, None, ClientOptions::default());
    let e = open_registry(&r, client, &OpenOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("more than 64 nested image indexes"), "{e}");
    let fetched = registry
        .requests()
        .iter()
        .filter(|l| l.starts_with("GET /v2/debian/manifests/sha256:"))
        .count();
    assert!(fetched <= 64, "{fetched} indexes fetched");
}
