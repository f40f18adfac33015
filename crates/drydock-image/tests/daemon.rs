//! A misbehaving engine on a unix socket: every bad answer is an error naming the image.
#![allow(clippy::unwrap_used)]

use drydock_fs::{Digest, EntryMeta, Limits};
use drydock_image::{EngineKind, EngineSocket, Image};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixListener;
use std::path::PathBuf;
use std::time::Duration;

/// What the fake engine sends for a request path; `None` keeps the connection open, silent.
type Answer = Box<dyn Fn(&str) -> Option<Vec<u8>> + Send>;

/// Serves `answer` on a socket in a temp dir until the test ends.
fn serve(answer: Answer) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("engine.sock");
    let listener = UnixListener::bind(&path).unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let mut line = String::new();
            BufReader::new(&conn).read_line(&mut line).unwrap();
            let req = line.split(' ').nth(1).unwrap_or("").to_owned();
            match answer(&req) {
                Some(bytes) => {
                    let _ = conn.write_all(&bytes);
                }
                None => held.push(conn),
            }
        }
    });
    (dir, path)
}

fn response(body: &[u8]) -> Vec<u8> {
    let mut r = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
    r.extend_from_slice(body);
    r
}

fn layer_tar() -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(3);
    h.set_mode(0o644);
    b.append_data(&mut h, "etc/hello", &b"hi\n"[..]).unwrap();
    b.into_inner().unwrap()
}

fn inspect(diff_id: &Digest) -> Vec<u8> {
    let id = Digest::of(b"config");
    format!(
        r#"{{"Id":"{id}","RepoTags":["app:1"],"Config":{{"User":"app"}},"RootFS":{{"Type":"layers","Layers":["{diff_id}"]}}}}"#
    )
    .into_bytes()
}

/// An export with these members, in order.
fn export(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in members {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o444);
        b.append_data(&mut h, name, *data).unwrap();
    }
    b.into_inner().unwrap()
}

fn engine(answer: Answer) -> (tempfile::TempDir, EngineSocket) {
    let (dir, path) = serve(answer);
    let mut s = EngineSocket::new(EngineKind::Docker, path);
    s.timeout = Duration::from_secs(1);
    (dir, s)
}

/// Opens `app:1` and walks its export; the error text, if any.
fn scan(socket: &EngineSocket) -> Result<usize, String> {
    let image = Image::open_engine(socket, "app:1").map_err(|e| e.to_string())?;
    let mut files = 0;
    image
        .walk_stream(&Limits::default(), &|_| {}, &mut |_, walk| {
            walk.walk(&mut |_: &EntryMeta, _: &mut dyn Read| {
                files += 1;
                Ok(())
            })?;
            Ok(())
        })
        .map_err(|e| e.to_string())?;
    Ok(files)
}

fn with_export(members: Vec<(String, Vec<u8>)>, cut: usize) -> Answer {
    let layer = layer_tar();
    let diff_id = Digest::of(&layer);
    Box::new(move |path| {
        if path.ends_with("/json") {
            return Some(response(&inspect(&diff_id)));
        }
        if path.ends_with("/history") {
            return Some(response(HISTORY.as_bytes()));
        }
        let refs: Vec<(&str, &[u8])> = members.iter().map(|(n, d)| (n.as_str(), &d[..])).collect();
        let mut r = response(&export(&refs));
        r.truncate(r.len() - cut);
        Some(r)
    })
}

/// Newest first, as engines answer; the metadata-only line added no bytes.
const HISTORY: &str = r#"[
  {"Id":"sha256:1","Created":1700000100,"CreatedBy":"/bin/sh -c #(nop)  USER app","Size":0,"Comment":""},
  {"Id":"<missing>","Created":1700000000,"CreatedBy":"/bin/sh -c echo hi > /etc/hello","Size":3,"Comment":"buildkit"}
]"#;

fn good_members() -> Vec<(String, Vec<u8>)> {
    let layer = layer_tar();
    let hex = Digest::of(&layer).hex();
    vec![
        (format!("{hex}.tar"), layer),
        (
            "manifest.json".into(),
            format!(r#"[{{"Config":"c.json","Layers":["{hex}.tar"]}}]"#).into_bytes(),
        ),
    ]
}

#[test]
fn a_well_formed_export_is_walked() {
    let (_d, s) = engine(with_export(good_members(), 0));
    assert_eq!(scan(&s).unwrap(), 1);
    let image = Image::open_engine(&s, "app:1").unwrap();
    assert_eq!(image.repo_tags, ["app:1"]);
    assert_eq!(
        image.layers[0].created_by.as_deref(),
        Some("/bin/sh -c echo hi > /etc/hello"),
        "the engine's history names the layer"
    );
    let config = image.config.unwrap();
    assert_eq!(config.config.user.as_deref(), Some("app"));
    let lines: Vec<_> = config
        .history
        .iter()
        .map(|h| (h.created.as_deref(), h.empty_layer))
        .collect();
    assert_eq!(
        lines,
        [
            (Some("2023-11-14T22:13:20Z"), false),
            (Some("2023-11-14T22:15:00Z"), true)
        ],
        "oldest first"
    );
}

#[test]
fn an_oversized_inspect_is_refused() {
    let (_d, s) = engine(Box::new(|_| {
        let mut big = b"{\"Id\":\"".to_vec();
        big.resize(5 << 20, b'a');
        Some(response(&big))
    }));
    let err = scan(&s).unwrap_err();
    assert!(
        err.contains("docker://app:1") && err.contains("over 4 MiB"),
        "{err}"
    );
}

#[test]
fn a_layer_matching_no_diff_id_is_an_error() {
    let mut members = good_members();
    members[0].0 = format!("{}.tar", Digest::of(b"other").hex());
    let (_d, s) = engine(with_export(members, 0));
    let err = scan(&s).unwrap_err();
    assert!(
        err.contains("docker://app:1") && err.contains("matches no diff-id"),
        "{err}"
    );
}

#[test]
fn a_layer_whose_content_lies_about_its_name_is_an_error() {
    let mut members = good_members();
    members[0].1 = export(&[("etc/evil", b"x")]);
    // The inspect still promises the honest layer's diff-id, the name claims it too.
    let (_d, s) = engine(with_export(members, 0));
    let err = scan(&s).unwrap_err();
    assert!(
        err.contains("docker://app:1") && err.contains("diff-id mismatch"),
        "{err}"
    );
}

#[test]
fn a_missing_manifest_is_an_error() {
    let mut members = good_members();
    members.pop();
    let (_d, s) = engine(with_export(members, 0));
    let err = scan(&s).unwrap_err();
    assert!(
        err.contains("docker://app:1") && err.contains("no manifest.json"),
        "{err}"
    );
}

#[test]
fn a_truncated_stream_is_an_error() {
    let (_d, s) = engine(with_export(good_members(), 1500));
    let err = scan(&s).unwrap_err();
    assert!(err.contains("docker://app:1"), "{err}");
}

#[test]
fn a_stalled_engine_times_out() {
    let (_d, s) = engine(Box::new(|path| {
        if path.ends_with("/json") {
            return Some(response(&inspect(&Digest::of(&layer_tar()))));
        }
        None
    }));
    let err = scan(&s).unwrap_err();
    assert!(err.contains("docker://app:1"), "{err}");
}

#[test]
fn an_engine_error_is_quoted_and_bad_names_never_reach_the_socket() {
    let (_d, s) = engine(Box::new(|_| {
        Some(
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 30\r\n\r\n{\"message\":\"no such image: x\"}"
                .to_vec(),
        )
    }));
    let err = scan(&s).unwrap_err();
    assert!(
        err.contains("404") && err.contains("no such image: x"),
        "{err}"
    );
    let err = Image::open_engine(&s, "a b\r\nHost: x")
        .unwrap_err()
        .to_string();
    assert!(err.contains("not an image reference"), "{err}");
}

/// A Docker < 25 `docker save`: layers as `<v1 id>/layer.tar` (ids unrelated to the content),
/// manifest.json and `repositories` after them, as Docker wrote it.
fn legacy_members(layer: Vec<u8>) -> Vec<(String, Vec<u8>)> {
    let id = "8f6e2a1b".repeat(8);
    vec![
        (format!("{id}/VERSION"), b"1.0".to_vec()),
        (
            format!("{id}/json"),
            format!(r#"{{"id":"{id}"}}"#).into_bytes(),
        ),
        (format!("{id}/layer.tar"), layer),
        ("c.json".into(), b"{}".to_vec()),
        (
            "manifest.json".into(),
            format!(r#"[{{"Config":"c.json","RepoTags":["app:1"],"Layers":["{id}/layer.tar"]}}]"#)
                .into_bytes(),
        ),
        ("repositories".into(), b"{}".to_vec()),
    ]
}

#[test]
fn a_pre_25_docker_export_is_walked_and_its_layers_known_by_content() {
    let (_d, s) = engine(with_export(legacy_members(layer_tar()), 0));
    let image = Image::open_engine(&s, "app:1").unwrap();
    let mut calls = Vec::new();
    for _ in 0..2 {
        image
            .walk_stream(&Limits::default(), &|_| {}, &mut |i, walk| {
                let mut files = 0;
                walk.walk(&mut |_: &EntryMeta, _: &mut dyn Read| {
                    files += 1;
                    Ok(())
                })?;
                calls.push((i, files));
                Ok(())
            })
            .unwrap();
    }
    // First walk: unknown until hashed; the second knows the member as layer 0.
    assert_eq!(calls, [(None, 1), (Some(0), 1)]);
}

#[test]
fn a_pre_25_layer_matching_no_diff_id_is_an_error() {
    let mut other = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(4);
    h.set_mode(0o644);
    other
        .append_data(&mut h, "etc/evil", &b"bad\n"[..])
        .unwrap();
    let (_d, s) = engine(with_export(legacy_members(other.into_inner().unwrap()), 0));
    let err = scan(&s).unwrap_err();
    assert!(
        err.contains("/layer.tar") && err.contains("matches no layer"),
        "{err}"
    );
}
