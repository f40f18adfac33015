//! `drydock image REF` against a loopback server speaking the Distribution routes for
//! `../shared/images/debian-min.oci`: the report equals the layout's (bar the target), and a
//! warm re-scan with the layer cache issues no layer-blob request.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

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

/// Serves the layout; returns the port and the log of request paths.
fn serve(root: PathBuf) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let log2 = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let (root, log) = (root.clone(), log2.clone());
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
                    log.lock().unwrap().push(path.clone());
                    let blob = |hex: &str| std::fs::read(root.join("blobs/sha256").join(hex)).ok();
                    let (body, ctype) = if path == "/v2/debian/manifests/12" {
                        (
                            std::fs::read(root.join("index.json")).ok(),
                            "application/vnd.oci.image.index.v1+json".to_string(),
                        )
                    } else if let Some(hex) = path.strip_prefix("/v2/debian/manifests/sha256:") {
                        let b = blob(hex);
                        let media = b
                            .as_ref()
                            .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
                            .and_then(|v| v["mediaType"].as_str().map(String::from))
                            .unwrap_or_default();
                        (b, media)
                    } else if let Some(hex) = path.strip_prefix("/v2/debian/blobs/sha256:") {
                        (blob(hex), "application/octet-stream".to_string())
                    } else {
                        (None, String::new())
                    };
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
    (port, log)
}

fn scan(target: &str, cache: &Path) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_drydock"))
        .args(["image", target, "--format", "json", "--cache-dir"])
        .arg(cache)
        .env("DOCKER_CONFIG", cache)
        .env_remove("REGISTRY_AUTH_FILE")
        .env_remove("DRYDOCK_USERNAME")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{target}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn registry_scan_equals_layout_scan_and_warm_rescan_fetches_no_layer() {
    let Some(root) = layout() else { return };
    let cache = tempfile::tempdir().unwrap();
    let local_cache = tempfile::tempdir().unwrap();
    let local = scan(root.to_str().unwrap(), local_cache.path());
    let (port, log) = serve(root.clone());
    let reference = format!("127.0.0.1:{port}/debian:12");
    let remote = scan(&reference, cache.path());
    assert_eq!(remote["target"]["reference"], reference.as_str());
    assert_eq!(remote["target"]["kind"], "registry");
    for key in ["image", "os", "layers", "packages", "findings", "totals"] {
        assert_eq!(remote[key], local[key], "{key} differs");
    }
    assert!(remote["packages"].as_array().is_some_and(|p| !p.is_empty()));
    let layers: Vec<String> = remote["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| format!("/v2/debian/blobs/{}", l["digest"].as_str().unwrap()))
        .collect();
    let cold = log.lock().unwrap().clone();
    assert!(layers.iter().all(|l| cold.contains(l)), "{cold:?}");
    log.lock().unwrap().clear();
    let warm = scan(&reference, cache.path());
    assert_eq!(warm["packages"], remote["packages"]);
    let warm_log = log.lock().unwrap().clone();
    assert!(
        !warm_log.iter().any(|p| layers.contains(p)),
        "warm re-scan fetched a layer blob: {warm_log:?}"
    );
}
