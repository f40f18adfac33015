//! Hot paths of a scan, measured with criterion (`cargo bench -p drydock-analyze`): streaming one
//! real layer (decompress + hash + tar), the whole engine cold and from the layer cache, and the
//! secret rules over text. Whole-image comparisons with peers are in `bench/run.sh`.
//!
//! Reads `../shared/images/debian-min.tar`; benchmarks needing it are skipped when it is absent.
#![allow(clippy::unwrap_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use drydock_analyze::{Engine, LayerCache};
use drydock_fs::{EntryMeta, Limits};
use drydock_image::{Image, OpenOptions};
use std::io::Read;
use std::path::PathBuf;

fn debian_min() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/images/debian-min.tar");
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipping image benchmarks: {} not found", p.display());
        None
    }
}

fn layer_stream(c: &mut Criterion) {
    let Some(path) = debian_min() else { return };
    let image = Image::open(&path, &OpenOptions::default()).unwrap();
    let size = image.layer_blob_len(0).unwrap_or(0);
    let mut g = c.benchmark_group("layer");
    g.throughput(Throughput::Bytes(size));
    g.sample_size(10);
    g.bench_function("stream debian-min layer (gunzip+sha256x2+tar)", |b| {
        b.iter(|| {
            let mut n = 0u64;
            image
                .walk_layer(
                    0,
                    &Limits::default(),
                    &|_| {},
                    &mut |_: &EntryMeta, _: &mut dyn Read| {
                        n += 1;
                        Ok(())
                    },
                )
                .unwrap();
            n
        })
    });
    g.finish();
}

fn engine(c: &mut Criterion) {
    let Some(path) = debian_min() else { return };
    let image = Image::open(&path, &OpenOptions::default()).unwrap();
    let mut g = c.benchmark_group("engine");
    g.sample_size(10);
    let cold = Engine::builtin(Limits::default()).unwrap();
    g.bench_function("debian-min all analyzers, no cache", |b| {
        b.iter(|| cold.scan(&image, &|_| {}).unwrap().outputs.len())
    });
    let dir = tempfile::tempdir().unwrap();
    let warm = Engine::builtin(Limits::default())
        .unwrap()
        .with_cache(LayerCache::open(dir.path(), "bench").unwrap());
    warm.scan(&image, &|_| {}).unwrap();
    g.bench_function("debian-min all analyzers, warm layer cache", |b| {
        b.iter(|| warm.scan(&image, &|_| {}).unwrap().outputs.len())
    });
    g.finish();
}

fn secrets(c: &mut Criterion) {
    let engine = drydock_secrets::Engine::builtin();
    // Config-like text with keywords that wake rules up but no secrets: the common case.
    let mut text = String::new();
    for i in 0..20_000 {
        text.push_str(&format!(
            "export API_URL=https://example.com/v{i}/token # password reset, see the key docs\n"
        ));
    }
    let mut g = c.benchmark_group("secrets");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("builtin rules over keyword-dense text", |b| {
        b.iter(|| engine.scan("etc/app.conf", text.as_bytes()).len())
    });
    g.finish();
}

criterion_group!(benches, layer_stream, engine, secrets);
criterion_main!(benches);
