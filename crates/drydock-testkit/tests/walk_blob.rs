//! `walk_blob` runs decompression on a second thread; these pin down that the split changes
//! nothing a caller can see: digests, entry order, errors, early stops.
#![allow(clippy::unwrap_used)]

use drydock_fs::{
    Digest, EntryMeta, Expected, LayerError, LayerErrorKind, Limits, StreamStats, walk_blob,
};
use drydock_testkit::{Compression, Layer, file, layer};
use std::io::Read;

fn sha(b: &[u8]) -> Digest {
    Digest::of(b)
}

type Seen = Vec<(String, Vec<u8>)>;

/// Walks `blob`, reading every file whole, and returns the stats and the (path, content) pairs.
fn walk(blob: &[u8], expected: &Expected) -> Result<(StreamStats, Seen), LayerError> {
    let mut seen = Vec::new();
    let stats = walk_blob(
        "test-blob",
        blob,
        expected,
        &Limits::default(),
        &|_| {},
        &mut |m: &EntryMeta, r: &mut dyn Read| -> Result<(), LayerError> {
            // Like the analyzers, a read error is not the visitor's to report: the walk's
            // next read meets it again.
            let mut content = Vec::new();
            let _ = r.read_to_end(&mut content);
            seen.push((m.path.to_string(), content));
            Ok(())
        },
    )?;
    Ok((stats, seen))
}

/// Several MiB of poorly compressible data over many entries, so the pipe fills and recycles.
fn big_layer(c: Compression) -> Layer {
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let entries = (0..40)
        .map(|i| {
            let content: Vec<u8> = (0..(100_000 + i * 3_001))
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    b'a' + (x % 16) as u8
                })
                .collect();
            file(format!("data/f{i:02}"), content)
        })
        .collect();
    layer(entries).compressed(c)
}

#[test]
fn digests_and_entries_are_the_stream_s_own() {
    for c in [Compression::None, Compression::Gzip, Compression::Zstd] {
        let l = big_layer(c);
        let (tar, blob) = (l.tar(), l.blob());
        let expected = Expected {
            digest: Some(sha(&blob)),
            diff_id: Some(sha(&tar)),
        };
        let (stats, seen) = walk(&blob, &expected).unwrap();
        assert_eq!(stats.digest, Some(sha(&blob)));
        assert_eq!(stats.diff_id, Some(sha(&tar)));
        assert_eq!(stats.compressed_bytes, blob.len() as u64);
        assert_eq!(stats.uncompressed_bytes, tar.len() as u64);
        assert_eq!(stats.entries, 40);
        let names: Vec<_> = seen.iter().map(|(p, _)| p.clone()).collect();
        let want: Vec<_> = (0..40).map(|i| format!("/data/f{i:02}")).collect();
        assert_eq!(names, want);
        assert_eq!(seen[39].1.len(), 100_000 + 39 * 3_001);
    }
}

#[test]
fn bytes_after_the_gzip_stream_are_corruption() {
    // As with Go's multistream gzip reader (containerd, Docker): trailing bytes must be another
    // gzip member.
    let mut blob = big_layer(Compression::Gzip).blob();
    blob.extend_from_slice(&[0u8; 1000]);
    let e = walk(&blob, &Expected::default()).unwrap_err();
    assert!(matches!(e.kind, LayerErrorKind::Corrupt { .. }), "{e}");
}

#[test]
fn wrong_digests_are_named_for_every_compression() {
    for c in [Compression::None, Compression::Gzip, Compression::Zstd] {
        let blob = big_layer(c).blob();
        let wrong = Expected {
            digest: None,
            diff_id: Some(sha(b"something else")),
        };
        let e = walk(&blob, &wrong).unwrap_err();
        assert!(
            matches!(e.kind, LayerErrorKind::DiffIdMismatch { .. }),
            "{e}"
        );
        let wrong = Expected {
            digest: Some(sha(b"something else")),
            diff_id: None,
        };
        let e = walk(&blob, &wrong).unwrap_err();
        assert!(
            matches!(e.kind, LayerErrorKind::DigestMismatch { .. }),
            "{e}"
        );
    }
}

#[test]
fn a_truncated_stream_is_corrupt_and_named() {
    for c in [Compression::Gzip, Compression::Zstd] {
        let blob = big_layer(c).blob();
        let e = walk(&blob[..blob.len() / 2], &Expected::default()).unwrap_err();
        assert_eq!(e.source_name, "test-blob");
        assert!(matches!(e.kind, LayerErrorKind::Corrupt { .. }), "{e}");
    }
}

#[test]
fn a_visitor_error_stops_the_walk_and_the_decompressor() {
    for c in [Compression::None, Compression::Gzip, Compression::Zstd] {
        let blob = big_layer(c).blob();
        let mut visits = 0;
        let e = walk_blob(
            "test-blob",
            &blob[..],
            &Expected::default(),
            &Limits::default(),
            &|_| {},
            &mut |_: &EntryMeta, _: &mut dyn Read| -> Result<(), LayerError> {
                visits += 1;
                Err(LayerError::new(
                    "visitor",
                    LayerErrorKind::Analysis("stop".into()),
                ))
            },
        )
        .unwrap_err();
        assert_eq!(visits, 1);
        assert_eq!(e.to_string(), "visitor: stop");
    }
}

#[test]
fn the_size_cap_cuts_the_layer_with_a_warning() {
    let blob = big_layer(Compression::Gzip).blob();
    let limits = Limits {
        max_layer_bytes: 1 << 20,
        ..Limits::default()
    };
    let mut visits = 0;
    let stats = walk_blob(
        "test-blob",
        &blob[..],
        &Expected::default(),
        &limits,
        &|_| {},
        &mut |_: &EntryMeta, r: &mut dyn Read| -> Result<(), LayerError> {
            visits += 1;
            std::io::copy(r, &mut std::io::sink()).unwrap();
            Ok(())
        },
    )
    .unwrap();
    assert!(visits < 40, "{visits}");
    assert_eq!(stats.digest, None);
    assert!(
        stats.warnings[0].contains("larger than the 1 MiB"),
        "{:?}",
        stats.warnings
    );
}

#[test]
fn a_blob_gone_after_open_is_named_once() {
    let dir = tempfile::tempdir().unwrap();
    let built =
        drydock_testkit::image(vec![big_layer(Compression::Gzip)]).write_oci_dir(dir.path());
    let img =
        drydock_image::Image::open(dir.path(), &drydock_image::OpenOptions::default()).unwrap();
    let hex = &built.layer_digests[0]["sha256:".len()..];
    std::fs::remove_file(dir.path().join("blobs/sha256").join(hex)).unwrap();
    let e = img
        .walk_layer(0, &Limits::default(), &|_| {}, &mut |_: &EntryMeta,
                                                          _: &mut dyn Read|
         -> Result<
            (),
            LayerError,
        > { Ok(()) })
        .unwrap_err();
    let msg = e.to_string();
    assert_eq!(msg.matches(hex).count(), 1, "{msg}");
    assert!(matches!(e.kind, LayerErrorKind::Io(_)), "{msg}");
}
