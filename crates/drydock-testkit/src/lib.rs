//! Image fixtures written from a short description, ripgrep-`dir.create` style: tests say which
//! entries each layer has (including ones no honest builder would write: `..` names, links to
//! host paths, loops) and get a docker-archive, an OCI layout directory or an OCI tar.
#![allow(clippy::unwrap_used)] // test support: a failure to write a fixture should panic loudly

pub mod cli;
pub mod fuzz;
pub mod podman;
pub mod postgres;
pub mod registry;
pub mod server;
pub mod token;

use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// `../shared/<rel>` beside the repository (real data: advisories, package databases, secret
/// corpora, images), or `None` with a visible skip message where it is absent. Under CI (`CI`
/// set) a missing path fails the test instead: CI always has the shared data, so a silent pass
/// there would hide a broken path.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared")
        .join(rel);
    if p.exists() {
        return Some(p);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is missing (CI has ../shared; a skip there would hide a broken path)",
        p.display()
    );
    eprintln!(
        "SKIPPED: {} not found (the shared data lives beside the repository)",
        p.display()
    );
    None
}

/// One tar entry, with the name written byte for byte (no sanitising).
#[derive(Clone)]
pub enum Entry {
    File(Vec<u8>, Vec<u8>, u32),
    Dir(Vec<u8>, u32),
    Symlink(Vec<u8>, Vec<u8>),
    Hardlink(Vec<u8>, Vec<u8>),
    Fifo(Vec<u8>),
    CharDev(Vec<u8>),
}

pub fn file(name: impl AsRef<[u8]>, content: impl AsRef<[u8]>) -> Entry {
    Entry::File(name.as_ref().to_vec(), content.as_ref().to_vec(), 0o644)
}
pub fn file_mode(name: impl AsRef<[u8]>, content: impl AsRef<[u8]>, mode: u32) -> Entry {
    Entry::File(name.as_ref().to_vec(), content.as_ref().to_vec(), mode)
}
pub fn dir(name: impl AsRef<[u8]>) -> Entry {
    Entry::Dir(name.as_ref().to_vec(), 0o755)
}
pub fn dir_mode(name: impl AsRef<[u8]>, mode: u32) -> Entry {
    Entry::Dir(name.as_ref().to_vec(), mode)
}
pub fn symlink(name: impl AsRef<[u8]>, target: impl AsRef<[u8]>) -> Entry {
    Entry::Symlink(name.as_ref().to_vec(), target.as_ref().to_vec())
}
pub fn hardlink(name: impl AsRef<[u8]>, target: impl AsRef<[u8]>) -> Entry {
    Entry::Hardlink(name.as_ref().to_vec(), target.as_ref().to_vec())
}
/// `.wh.NAME` in `NAME`'s directory.
pub fn whiteout(path: &str) -> Entry {
    let (parent, name) = path.rsplit_once('/').map_or(("", path), |(p, n)| (p, n));
    let wh = if parent.is_empty() {
        format!(".wh.{name}")
    } else {
        format!("{parent}/.wh.{name}")
    };
    file(wh, "")
}
pub fn opaque(dir: &str) -> Entry {
    file(format!("{dir}/.wh..wh..opq"), "")
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

#[derive(Clone)]
pub struct Layer {
    pub entries: Vec<Entry>,
    pub compression: Compression,
}

pub fn layer(entries: Vec<Entry>) -> Layer {
    Layer {
        entries,
        compression: Compression::Gzip,
    }
}

impl Layer {
    pub fn compressed(mut self, c: Compression) -> Self {
        self.compression = c;
        self
    }

    /// The uncompressed tar stream.
    pub fn tar(&self) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for e in &self.entries {
            let (name, kind, data, link, mode): (&[u8], tar::EntryType, &[u8], &[u8], u32) = match e
            {
                Entry::File(n, c, m) => (n, tar::EntryType::Regular, c, b"", *m),
                Entry::Dir(n, m) => (n, tar::EntryType::Directory, b"", b"", *m),
                Entry::Symlink(n, t) => (n, tar::EntryType::Symlink, b"", t, 0o777),
                Entry::Hardlink(n, t) => (n, tar::EntryType::Link, b"", t, 0o644),
                Entry::Fifo(n) => (n, tar::EntryType::Fifo, b"", b"", 0o644),
                Entry::CharDev(n) => (n, tar::EntryType::Char, b"", b"", 0o666),
            };
            // GNU long names and link targets: a `././@LongLink` entry carrying the bytes first.
            for (value, kind) in [
                (name, tar::EntryType::GNULongName),
                (link, tar::EntryType::GNULongLink),
            ] {
                if value.len() >= 100 {
                    let mut long = tar::Header::new_gnu();
                    long.as_gnu_mut().unwrap().name[..13].copy_from_slice(b"././@LongLink");
                    long.set_entry_type(kind);
                    long.set_size(value.len() as u64 + 1);
                    long.set_cksum();
                    let mut data = value.to_vec();
                    data.push(0);
                    b.append(&long, &data[..]).unwrap();
                }
            }
            let mut h = tar::Header::new_gnu();
            let n = name.len().min(99);
            h.as_gnu_mut().unwrap().name[..n].copy_from_slice(&name[..n]);
            let l = link.len().min(99);
            h.as_gnu_mut().unwrap().linkname[..l].copy_from_slice(&link[..l]);
            h.set_entry_type(kind);
            h.set_mode(mode);
            h.set_size(data.len() as u64);
            h.set_mtime(0);
            h.set_cksum();
            b.append(&h, data).unwrap();
        }
        b.into_inner().unwrap()
    }

    pub fn blob(&self) -> Vec<u8> {
        compress(&self.tar(), self.compression)
    }
}

pub fn compress(raw: &[u8], c: Compression) -> Vec<u8> {
    match c {
        Compression::None => raw.to_vec(),
        Compression::Gzip => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(raw).unwrap();
            e.finish().unwrap()
        }
        Compression::Zstd => zstd::encode_all(raw, 1).unwrap(),
    }
}

pub fn sha256(b: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(b)))
}

/// An image description: layers plus the few config fields tests look at.
#[derive(Clone)]
pub struct ImageSpec {
    pub layers: Vec<Layer>,
    pub user: String,
    pub env: Vec<String>,
    pub exposed: Vec<String>,
    pub arch: String,
    /// `created_by` per layer; defaults to `layer N`.
    pub history: Vec<String>,
    pub healthcheck: bool,
    /// `config.Labels`, in order.
    pub labels: Vec<(String, String)>,
}

pub fn image(layers: Vec<Layer>) -> ImageSpec {
    ImageSpec {
        layers,
        user: String::new(),
        env: vec![],
        exposed: vec![],
        arch: "amd64".into(),
        history: vec![],
        healthcheck: false,
        labels: vec![],
    }
}

/// Digests of what was written, for assertions.
pub struct Built {
    pub path: PathBuf,
    pub diff_ids: Vec<String>,
    pub layer_digests: Vec<String>,
    pub config_digest: String,
    pub manifest_digest: String,
}

impl ImageSpec {
    pub fn config_json(&self, diff_ids: &[String]) -> Vec<u8> {
        let ports: serde_json::Map<String, serde_json::Value> = self
            .exposed
            .iter()
            .map(|p| (p.clone(), serde_json::json!({})))
            .collect();
        let labels: serde_json::Map<String, serde_json::Value> = self
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::json!(v)))
            .collect();
        let mut config = serde_json::json!({
            "architecture": self.arch, "os": "linux",
            "config": {"User": self.user, "Env": self.env, "Cmd": ["/bin/sh"], "ExposedPorts": ports,
                       "Healthcheck": if self.healthcheck { serde_json::json!({"Test": ["CMD", "true"]}) } else { serde_json::Value::Null }},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": self.layers.iter().enumerate().map(|(i, _)| serde_json::json!({
                "created_by": self.history.get(i).cloned().unwrap_or_else(|| format!("layer {i}"))
            })).collect::<Vec<_>>(),
        });
        // Only when set, so images without labels keep the config bytes (and digests) they had.
        if !labels.is_empty() {
            config["config"]["Labels"] = serde_json::Value::Object(labels);
        }
        serde_json::to_vec(&config).unwrap()
    }

    /// Writes an OCI image layout into `dir`; returns the blobs written (digest, bytes) too.
    pub fn write_oci_dir(&self, dir: &Path) -> Built {
        let blobs = dir.join("blobs/sha256");
        std::fs::create_dir_all(&blobs).unwrap();
        let (built, files) = self.oci_files(dir);
        for (name, bytes) in files {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
        built
    }

    /// The files of an OCI layout, by relative name.
    pub fn oci_files(&self, path: &Path) -> (Built, Vec<(String, Vec<u8>)>) {
        let mut files = Vec::new();
        let mut diff_ids = Vec::new();
        let mut layer_digests = Vec::new();
        let mut descs = Vec::new();
        for l in &self.layers {
            let raw = l.tar();
            diff_ids.push(sha256(&raw));
            let blob = compress(&raw, l.compression);
            let d = sha256(&blob);
            let media = match l.compression {
                Compression::None => "application/vnd.oci.image.layer.v1.tar",
                Compression::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
                Compression::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
            };
            descs.push(serde_json::json!({"mediaType": media, "digest": d, "size": blob.len()}));
            files.push((blob_name(&d), blob));
            layer_digests.push(d);
        }
        let config = self.config_json(&diff_ids);
        let config_digest = sha256(&config);
        let manifest = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len()},
            "layers": descs,
        }))
        .unwrap();
        let manifest_digest = sha256(&manifest);
        files.push((blob_name(&config_digest), config));
        files.push((blob_name(&manifest_digest), manifest.clone()));
        let index = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_digest,
                           "size": manifest.len(), "annotations": {"org.opencontainers.image.ref.name": "test"}}],
        }))
        .unwrap();
        files.push(("index.json".into(), index));
        files.push((
            "oci-layout".into(),
            br#"{"imageLayoutVersion": "1.0.0"}"#.to_vec(),
        ));
        let built = Built {
            path: path.to_path_buf(),
            diff_ids,
            layer_digests,
            config_digest,
            manifest_digest,
        };
        (built, files)
    }

    /// Writes the OCI layout as one tar (what `docker save` writes since Docker 25, minus manifest.json).
    pub fn write_oci_tar(&self, path: &Path) -> Built {
        let (built, files) = self.oci_files(path);
        write_tar(path, &files);
        built
    }

    /// Writes a classic `docker save` archive: `manifest.json`, `<config-hex>.json`, `<n>/layer.tar`.
    pub fn write_docker_archive(&self, path: &Path) -> Built {
        let mut files = Vec::new();
        let mut diff_ids = Vec::new();
        let mut layer_digests = Vec::new();
        let mut names = Vec::new();
        for (i, l) in self.layers.iter().enumerate() {
            let raw = l.tar();
            diff_ids.push(sha256(&raw));
            let blob = compress(&raw, l.compression);
            layer_digests.push(sha256(&blob));
            let name = format!("{i:064x}/layer.tar");
            names.push(name.clone());
            files.push((name, blob));
        }
        let config = self.config_json(&diff_ids);
        let config_digest = sha256(&config);
        let config_name = format!("{}.json", &config_digest[7..]);
        files.push((config_name.clone(), config));
        let manifest = serde_json::to_vec(&serde_json::json!([{
            "Config": config_name, "RepoTags": ["test:latest"], "Layers": names,
        }]))
        .unwrap();
        files.push(("manifest.json".into(), manifest));
        write_tar(path, &files);
        Built {
            path: path.to_path_buf(),
            diff_ids,
            layer_digests,
            config_digest,
            manifest_digest: String::new(),
        }
    }
}

/// Writes a multi-platform OCI layout into `dir`: every image's blobs, an image index blob
/// naming each manifest with its `platform` (linux/`arch`), and `index.json` holding that one
/// index, as `skopeo copy --all oci:DIR …` and `docker buildx --platform a,b` produce. Returns
/// each image's digests and the index digest.
pub fn write_multi_arch_oci(dir: &Path, images: &[ImageSpec]) -> (Vec<Built>, String) {
    std::fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
    let mut built = Vec::new();
    let mut manifests = Vec::new();
    for spec in images {
        let (b, files) = spec.oci_files(dir);
        for (name, bytes) in files {
            if name.starts_with("blobs/") {
                std::fs::write(dir.join(name), bytes).unwrap();
            }
        }
        let size = std::fs::metadata(dir.join(blob_name(&b.manifest_digest)))
            .unwrap()
            .len();
        manifests.push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": b.manifest_digest, "size": size,
            "platform": {"architecture": spec.arch, "os": "linux"},
        }));
        built.push(b);
    }
    let index = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": manifests,
    }))
    .unwrap();
    let index_digest = sha256(&index);
    std::fs::write(dir.join(blob_name(&index_digest)), &index).unwrap();
    let top = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{"mediaType": "application/vnd.oci.image.index.v1+json", "digest": index_digest,
                       "size": index.len(), "annotations": {"org.opencontainers.image.ref.name": "multi"}}],
    }))
    .unwrap();
    std::fs::write(dir.join("index.json"), top).unwrap();
    std::fs::write(
        dir.join("oci-layout"),
        br#"{"imageLayoutVersion": "1.0.0"}"#,
    )
    .unwrap();
    (built, index_digest)
}

pub fn blob_name(digest: &str) -> String {
    format!("blobs/sha256/{}", &digest[7..])
}

/// A plain tar of named files (the outer archive), with names written as given.
pub fn write_tar(path: &Path, files: &[(String, Vec<u8>)]) {
    let mut b = tar::Builder::new(std::fs::File::create(path).unwrap());
    for (name, bytes) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, name, &bytes[..]).unwrap();
    }
    b.finish().unwrap();
}
