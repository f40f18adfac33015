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
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/images/debian-min.oci");
    if p.is_dir() {
        return Some(p);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} missing in CI",
        p.display()
    );
    eprintln!("skipped: ../shared/images/debian-min.oci not found");
    None
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
