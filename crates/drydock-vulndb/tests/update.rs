//! `drydock db update` against a local HTTP server that serves zips built here from the real
//! advisories in `shared/data/advisories`, with `ETag`/`Last-Modified` and honest `304`s.
//!
//! The server is a few lines over `std::net::TcpListener` (one connection at a time,
//! `Connection: close`) so that every request the client makes, and the validators it sent,
//! can be asserted on.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use drydock_vulndb::{
    Database, Error, Matcher, Query, SourceStatus, UpdateOptions, UpdateSummary, update,
};

fn data() -> Option<PathBuf> {
    drydock_testkit::shared("data/advisories")
}

/// A zip of the files in `dir` whose names start with `prefix` and end in `.json`.
fn zip_of(dir: &Path, prefix: &str) -> Vec<u8> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with(prefix) && n.ends_with(".json")
        })
        .collect();
    names.sort();
    let entries: Vec<(String, Vec<u8>)> = names
        .iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(p).unwrap(),
            )
        })
        .collect();
    zip_bytes(&entries)
}

fn zip_bytes(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, body) in entries {
        z.start_file(name.as_str(), opts).unwrap();
        z.write_all(body).unwrap();
    }
    z.finish().unwrap().into_inner()
}

#[derive(Clone)]
enum Body {
    /// A resource with validators, answered with 304 when they match.
    Zip {
        bytes: Vec<u8>,
        etag: String,
        last_modified: String,
    },
    /// A fixed status and body (an error page, or a 200 with HTML).
    Fixed {
        status: u16,
        content_type: &'static str,
        body: Vec<u8>,
    },
}

#[derive(Debug, Clone)]
struct Seen {
    path: String,
    if_none_match: Option<String>,
    if_modified_since: Option<String>,
    status: u16,
}

#[derive(Clone, Default)]
struct Server {
    base: String,
    routes: Arc<Mutex<BTreeMap<String, Body>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let server = Server {
            base: format!("http://{}", listener.local_addr().unwrap()),
            ..Server::default()
        };
        let s = server.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let _ = s.handle(conn);
            }
        });
        server
    }

    fn set(&self, path: &str, body: Body) {
        self.routes.lock().unwrap().insert(path.to_owned(), body);
    }

    fn zip(&self, path: &str, bytes: Vec<u8>, etag: &str) {
        self.set(
            path,
            Body::Zip {
                bytes,
                etag: format!("\"{etag}\""),
                last_modified: "Fri, 21 Aug 2026 10:00:00 GMT".into(),
            },
        );
    }

    fn take_seen(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }

    fn handle(&self, conn: std::net::TcpStream) -> std::io::Result<()> {
        let mut reader = BufReader::new(conn.try_clone()?);
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
        let mut headers = BTreeMap::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h)? == 0 || h == "\r\n" || h == "\n" {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
            }
        }
        let inm = headers.get("if-none-match").cloned();
        let ims = headers.get("if-modified-since").cloned();
        let route = self.routes.lock().unwrap().get(&path).cloned();
        let (status, extra, body): (u16, Vec<String>, Vec<u8>) = match route {
            None => (
                404,
                vec!["Content-Type: text/html".into()],
                b"<html><body>No such object</body></html>".to_vec(),
            ),
            Some(Body::Fixed {
                status,
                content_type,
                body,
            }) => (status, vec![format!("Content-Type: {content_type}")], body),
            Some(Body::Zip {
                bytes,
                etag,
                last_modified,
            }) => {
                let validators = vec![
                    format!("ETag: {etag}"),
                    format!("Last-Modified: {last_modified}"),
                ];
                // RFC 9110: If-None-Match wins; If-Modified-Since only without it.
                let fresh = match &inm {
                    Some(v) => v.split(',').any(|t| t.trim() == etag),
                    None => ims.as_deref() == Some(last_modified.as_str()),
                };
                if fresh {
                    (304, validators, Vec::new())
                } else {
                    let mut h = validators;
                    h.push("Content-Type: application/zip".into());
                    (200, h, bytes)
                }
            }
        };
        self.seen.lock().unwrap().push(Seen {
            path,
            if_none_match: inm,
            if_modified_since: ims,
            status,
        });
        let mut out = conn;
        write!(out, "HTTP/1.1 {status} X\r\nConnection: close\r\n")?;
        for h in extra {
            write!(out, "{h}\r\n")?;
        }
        if status != 304 {
            write!(out, "Content-Length: {}\r\n", body.len())?;
        }
        write!(out, "\r\n")?;
        out.write_all(&body)?;
        out.flush()
    }
}

fn options(base: &str, ecosystems: &[&str]) -> UpdateOptions {
    UpdateOptions {
        base_url: base.to_owned(),
        ecosystems: ecosystems.iter().map(|&e| e.to_owned()).collect(),
        ..Default::default()
    }
}

fn runc_ids(db_dir: &Path) -> Vec<String> {
    let m = Matcher::new(Database::open(db_dir).unwrap());
    m.find(&Query::new(
        "Go",
        "github.com/opencontainers/runc",
        "v1.1.11",
    ))
    .unwrap()
    .into_iter()
    .map(|m| m.id)
    .collect()
}

fn source<'a>(s: &'a UpdateSummary, eco: &str) -> &'a drydock_vulndb::SourceReport {
    s.sources.iter().find(|r| r.ecosystem == eco).unwrap()
}

/// Serves Go and crates.io; returns the server and the record counts of the two zips.
fn serve_real(data: &Path) -> Server {
    let server = Server::start();
    server.zip("/Go/all.zip", zip_of(&data.join("govulndb"), "GO-"), "go-1");
    server.zip(
        "/crates.io/all.zip",
        zip_of(&data.join("rustsec"), "RUSTSEC-"),
        "rs-1",
    );
    server
}

#[test]
fn first_update_downloads_then_304_keeps_everything() {
    let Some(data) = data() else { return };
    let server = serve_real(&data);
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let mut opts = options(&server.base, &["Go", "crates.io"]);
    // Per-source progress: a start with the size, the bytes, and an end, for each download.
    let events = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = events.clone();
    opts.progress = drydock_vulndb::Progress::new(move |eco, e| {
        sink.lock().unwrap().push((eco.to_owned(), e));
    });

    let t = Instant::now();
    let first = update(&db, &opts).unwrap();
    for eco in ["Go", "crates.io"] {
        use drydock_vulndb::ProgressEvent as E;
        let seen: Vec<E> = events
            .lock()
            .unwrap()
            .iter()
            .filter(|(n, _)| n == eco)
            .map(|(_, e)| *e)
            .collect();
        let Some(E::Start { total: Some(total) }) = seen.first() else {
            panic!("{eco}: {seen:?}");
        };
        let bytes: u64 = seen
            .iter()
            .map(|e| if let E::Bytes(n) = e { *n } else { 0 })
            .sum();
        assert_eq!(bytes, *total, "{eco}");
        assert_eq!(seen.last(), Some(&E::Done), "{eco}");
    }
    eprintln!("first update: {:.2?} {first:#?}", t.elapsed());
    assert!(first.rebuilt);
    let go = source(&first, "Go");
    assert_eq!(go.status, SourceStatus::Downloaded);
    assert_eq!(go.url, format!("{}/Go/all.zip", server.base));
    assert_eq!((go.records, go.bad), (77, 0));
    let rs = source(&first, "crates.io");
    assert_eq!(rs.status, SourceStatus::Downloaded);
    assert_eq!((rs.records, rs.bad), (31, 0));
    assert_eq!(first.total, 77 + 31);
    assert!(runc_ids(&db).contains(&"GO-2024-2491".to_owned()));
    assert!(db.join("sources/Go.zip").is_file());
    assert!(db.join("sources/crates.io.zip").is_file());
    let seen = server.take_seen();
    assert_eq!(seen.len(), 2);
    assert!(
        seen.iter()
            .all(|s| s.status == 200 && s.if_none_match.is_none())
    );
    // The database records where its advisories came from.
    let info = Database::open(&db).unwrap().info().unwrap();
    assert_eq!(
        info.sources[0].paths,
        [go.url.clone(), rs.url.clone()],
        "sources are the URLs, not temp files"
    );

    // Second run: conditional requests, 304 for both, nothing rebuilt.
    let t = Instant::now();
    let second = update(&db, &opts).unwrap();
    eprintln!("second update (all 304): {:.2?}", t.elapsed());
    let seen = server.take_seen();
    assert_eq!(seen.len(), 2);
    for s in &seen {
        assert_eq!(s.status, 304, "{s:?}");
        let want = if s.path.starts_with("/Go/") {
            "\"go-1\""
        } else {
            "\"rs-1\""
        };
        assert_eq!(s.if_none_match.as_deref(), Some(want));
        assert_eq!(
            s.if_modified_since.as_deref(),
            Some("Fri, 21 Aug 2026 10:00:00 GMT")
        );
    }
    assert!(!second.rebuilt);
    assert!(
        second
            .sources
            .iter()
            .all(|s| s.status == SourceStatus::Unchanged)
    );
    assert_eq!(source(&second, "Go").records, 77);
    assert_eq!(second.total, first.total);
    assert!(runc_ids(&db).contains(&"GO-2024-2491".to_owned()));

    // One export changes: only it is downloaded, and the unchanged one is re-imported from the
    // cache, so its advisories survive the rebuild.
    let mut fewer = zip_of(&data.join("rustsec"), "RUSTSEC-2016-");
    server.zip("/crates.io/all.zip", std::mem::take(&mut fewer), "rs-2");
    let third = update(&db, &opts).unwrap();
    assert!(third.rebuilt);
    assert_eq!(source(&third, "Go").status, SourceStatus::Unchanged);
    assert_eq!(source(&third, "crates.io").status, SourceStatus::Downloaded);
    assert_eq!(source(&third, "crates.io").records, 4);
    assert_eq!(third.total, 77 + 4, "the old crates.io advisories are gone");
    assert!(runc_ids(&db).contains(&"GO-2024-2491".to_owned()));
    let db_handle = Database::open(&db).unwrap();
    assert!(db_handle.get("RUSTSEC-2016-0001").unwrap().is_some());
    assert!(db_handle.get("RUSTSEC-2020-0071").unwrap().is_none());

    // A `db import` since the last update means the database is no longer the exports alone:
    // the next update rebuilds it even though every export answers 304.
    drydock_vulndb::import(
        &db,
        &[data.join("ghsa/GHSA-xr7r-f8xq-vfvv.json")],
        Default::default(),
    )
    .unwrap();
    let fourth = update(&db, &opts).unwrap();
    assert!(fourth.rebuilt);
    assert!(
        fourth
            .sources
            .iter()
            .all(|s| s.status == SourceStatus::Unchanged)
    );
    assert_eq!(fourth.total, 77 + 4);
}

/// The error of a failed update, with the database and cache checked to be untouched.
fn fails(db: &Path, opts: &UpdateOptions, before_total: u64) -> String {
    let size = std::fs::metadata(Database::path_in(db)).unwrap().len();
    let err = update(db, opts).unwrap_err();
    assert!(matches!(err, Error::Update(_)), "{err:?}");
    let msg = err.to_string();
    eprintln!("{msg}");
    let info = Database::open(db).unwrap().info().unwrap();
    assert_eq!(info.advisories, before_total, "old database intact: {msg}");
    assert_eq!(
        std::fs::metadata(Database::path_in(db)).unwrap().len(),
        size
    );
    assert!(runc_ids(db).contains(&"GO-2024-2491".to_owned()));
    // No temporary file left behind.
    for dir in [db.to_owned(), db.join("sources")] {
        for e in std::fs::read_dir(dir).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            assert!(
                !name.ends_with(".tmp") && !name.starts_with(".download-"),
                "{name}"
            );
        }
    }
    msg
}

#[test]
fn broken_exports_fail_by_url_and_leave_the_old_database() {
    let Some(data) = data() else { return };
    let server = serve_real(&data);
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let opts = options(&server.base, &["Go", "crates.io"]);
    let total = update(&db, &opts).unwrap().total;
    let go_url = format!("{}/Go/all.zip", server.base);
    let go_zip = zip_of(&data.join("govulndb"), "GO-");

    // A download cut short: the zip's directory is missing.
    server.zip("/Go/all.zip", go_zip[..go_zip.len() / 2].to_vec(), "go-cut");
    let msg = fails(&db, &opts, total);
    assert!(
        msg.contains(&go_url) && msg.contains("not a readable zip"),
        "{msg}"
    );
    assert!(!msg.contains("crates.io/all.zip"), "{msg}");

    // Bytes flipped inside a compressed entry: only reading every entry finds it.
    let mut flipped = go_zip.clone();
    for b in &mut flipped[2000..2064] {
        *b ^= 0x5a;
    }
    server.zip("/Go/all.zip", flipped, "go-flipped");
    let msg = fails(&db, &opts, total);
    assert!(msg.contains(&go_url) && msg.contains("zip entry"), "{msg}");

    // A 200 carrying an HTML error page (a captive portal, a misconfigured mirror).
    server.set(
        "/Go/all.zip",
        Body::Fixed {
            status: 200,
            content_type: "text/html; charset=utf-8",
            body: b"<!DOCTYPE html><html><title>Sign in to Wi-Fi</title></html>".to_vec(),
        },
    );
    let msg = fails(&db, &opts, total);
    assert!(
        msg.contains(&go_url) && msg.contains("HTML page, not a zip") && msg.contains("Wi-Fi"),
        "{msg}"
    );

    // A server error.
    server.set(
        "/Go/all.zip",
        Body::Fixed {
            status: 500,
            content_type: "text/plain",
            body: b"backend unavailable".to_vec(),
        },
    );
    let msg = fails(&db, &opts, total);
    assert!(
        msg.contains(&go_url) && msg.contains("HTTP 500") && msg.contains("backend unavailable"),
        "{msg}"
    );

    // A valid zip with nothing usable in it.
    server.zip(
        "/Go/all.zip",
        zip_bytes(&[("GO-0000-0000.json".into(), b"{\"id\": ".to_vec())]),
        "go-empty",
    );
    let msg = fails(&db, &opts, total);
    assert!(
        msg.contains(&go_url) && msg.contains("no valid advisory") && msg.contains("invalid JSON"),
        "{msg}"
    );

    // Over the size cap.
    server.zip("/Go/all.zip", go_zip.clone(), "go-big");
    let small = UpdateOptions {
        max_bytes: 10_000,
        ..opts.clone()
    };
    let msg = fails(&db, &small, total);
    assert!(
        msg.contains(&go_url) && msg.contains("limit of 10000 bytes"),
        "{msg}"
    );

    // Back to the original export: the cache still vouches for it, so it is a 304.
    server.zip("/Go/all.zip", go_zip, "go-1");
    server.take_seen();
    let ok = update(&db, &opts).unwrap();
    assert!(!ok.rebuilt, "{ok:#?}");
    assert!(server.take_seen().iter().all(|s| s.status == 304));
}

#[test]
fn missing_ecosystem_is_reported_and_nothing_is_written() {
    let Some(data) = data() else { return };
    let server = serve_real(&data);
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let err = update(&db, &options(&server.base, &["Go", "npm", "PyPI"])).unwrap_err();
    let msg = err.to_string();
    eprintln!("{msg}");
    let Error::Update(failures) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(failures.len(), 2, "every failing source is listed: {msg}");
    assert_eq!(failures[0].url, format!("{}/npm/all.zip", server.base));
    assert!(failures[0].message.contains("HTTP 404"), "{msg}");
    assert!(failures[0].message.contains("\"npm\""), "{msg}");
    assert!(failures[1].url.ends_with("/PyPI/all.zip"));
    assert!(matches!(Database::open(&db), Err(Error::NotFound(_))));
    assert!(!db.join("sources/Go.zip").exists());

    // Typos are caught before any request: osv.dev's names are case-sensitive.
    server.take_seen();
    let err = update(&db, &options(&server.base, &["go"])).unwrap_err();
    assert!(err.to_string().contains("case-sensitive"), "{err}");
    assert!(server.take_seen().is_empty());
}

#[test]
fn file_mirror_works_and_is_conditional_too() {
    let Some(data) = data() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let mirror = tmp.path().join("mirror dir");
    std::fs::create_dir_all(mirror.join("Go")).unwrap();
    std::fs::write(
        mirror.join("Go/all.zip"),
        zip_of(&data.join("govulndb"), "GO-"),
    )
    .unwrap();
    let base = format!("file://{}", mirror.display()).replace(' ', "%20");
    let db = tmp.path().join("db");
    let opts = options(&base, &["Go"]);
    let first = update(&db, &opts).unwrap();
    assert_eq!(first.sources[0].status, SourceStatus::Downloaded);
    assert_eq!(first.sources[0].records, 77);
    assert!(runc_ids(&db).contains(&"GO-2024-2491".to_owned()));
    let second = update(&db, &opts).unwrap();
    assert_eq!(second.sources[0].status, SourceStatus::Unchanged);
    assert!(!second.rebuilt);

    let msg = update(&db, &options(&base, &["Go", "npm"]))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("npm/all.zip: no such file"), "{msg}");
}

/// A server that accepts the connection and then says nothing must not hang the update.
#[test]
fn stalled_server_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming() {
            held.push(conn);
        }
    });
    let tmp = tempfile::tempdir().unwrap();
    let opts = UpdateOptions {
        read_timeout: std::time::Duration::from_millis(300),
        ..options(&base, &["Go"])
    };
    let t = Instant::now();
    let msg = update(&tmp.path().join("db"), &opts)
        .unwrap_err()
        .to_string();
    assert!(t.elapsed().as_secs() < 10, "{:?}", t.elapsed());
    assert!(
        msg.contains(&format!("{base}/Go/all.zip")) && msg.contains("timeout"),
        "{msg}"
    );
}
