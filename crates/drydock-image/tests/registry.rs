//! A registry image equals the OCI layout it was served from: same digests, same entries.
//! The registry here is a small loopback server serving `../shared/images/debian-min.oci`
//! through the Distribution API routes (the real `docker-registry` harness is not written yet).
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use drydock_fs::{EntryMeta, LayerError, Limits};
use drydock_image::{Image, OpenOptions, open_registry};
use drydock_registry::Reference;
use drydock_registry::client::{Client, ClientOptions};

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

/// Serves the layout; `tamper` flips a byte in the first layer blob served. Counts blob GETs.
fn serve(root: PathBuf, tamper: bool) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let blobs = Arc::new(AtomicUsize::new(0));
    let count = blobs.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let root = root.clone();
            let count = count.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                            break;
                        }
                    }
                    let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
                    let (body, ctype) = route(&root, &path, &count, tamper);
                    let status = if body.is_some() {
                        "200 OK"
                    } else {
                        "404 Not Found"
                    };
                    let body = body.unwrap_or_default();
                    let head = format!(
                        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: {ctype}\r\n\r\n",
                        body.len()
                    );
                    if stream.write_all(head.as_bytes()).is_err()
                        || stream.write_all(&body).is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    (port, blobs)
}

fn route(root: &Path, path: &str, blobs: &AtomicUsize, tamper: bool) -> (Option<Vec<u8>>, String) {
    let blob = |hex: &str| std::fs::read(root.join("blobs/sha256").join(hex)).ok();
    if let Some(r) = path.strip_prefix("/v2/debian/manifests/") {
        if r == "12" {
            let index = std::fs::read(root.join("index.json")).ok();
            return (index, "application/vnd.oci.image.index.v1+json".into());
        }
        let bytes = r.strip_prefix("sha256:").and_then(blob);
        let media = bytes
            .as_ref()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
            .and_then(|v| {
                v.get("mediaType")
                    .and_then(|m| m.as_str())
                    .map(String::from)
            })
            .unwrap_or_default();
        return (bytes, media);
    }
    if let Some(hex) = path.strip_prefix("/v2/debian/blobs/sha256:") {
        let mut bytes = blob(hex);
        if let Some(b) = bytes.as_mut()
            && b.len() > 4096
        {
            blobs.fetch_add(1, Ordering::SeqCst);
            if tamper {
                b[2048] ^= 0xff;
            }
        }
        return (bytes, "application/octet-stream".into());
    }
    (None, String::new())
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

fn open(port: u16) -> Image {
    let r = Reference::parse(&format!("127.0.0.1:{port}/debian:12")).unwrap();
    let client = Client::new(&r, None, ClientOptions::default());
    open_registry(&r, client, &OpenOptions::default()).unwrap()
}

#[test]
fn registry_image_equals_its_layout() {
    let Some(root) = layout() else { return };
    let local = Image::open(&root, &OpenOptions::default()).unwrap();
    let (port, blobs) = serve(root, false);
    let remote = open(port);
    // Opening fetched manifests and config only.
    assert_eq!(blobs.load(Ordering::SeqCst), 0);
    assert_eq!(
        remote.reference.as_deref(),
        Some(format!("127.0.0.1:{port}/debian:12").as_str())
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
    assert_eq!(blobs.load(Ordering::SeqCst), local.layers.len());
}

#[test]
fn tampered_blob_fails_naming_the_blob() {
    let Some(root) = layout() else { return };
    let (port, _) = serve(root, true);
    let remote = open(port);
    let e = entries(&remote, 0).unwrap_err().to_string();
    let digest = remote.layers[0].digest.as_ref().unwrap().to_string();
    assert!(e.contains(&digest), "{e}");
}
