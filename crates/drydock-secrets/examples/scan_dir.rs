//! Scans a directory tree (an unpacked image root, say) with the built-in rules and prints
//! redacted findings and throughput. Not a test: a way to look at real data.
//!
//! `cargo run --release --example scan_dir -- <dir> [--show-secrets]`

use drydock_secrets::{Engine, redact};
use std::path::Path;
use std::time::Instant;

fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, std::path::PathBuf, u64)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let Ok(meta) = e.path().symlink_metadata() else {
            continue;
        };
        let path = e.path();
        if meta.is_dir() {
            walk(root, &path, out);
        } else if meta.is_file() {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            out.push((rel.to_string_lossy().into_owned(), path.clone(), meta.len()));
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(root) = args.first() else {
        eprintln!("usage: scan_dir <dir> [--show-secrets]");
        std::process::exit(2);
    };
    let show = args.iter().any(|a| a == "--show-secrets");
    let engine = Engine::builtin();
    let mut files = Vec::new();
    walk(Path::new(root), Path::new(root), &mut files);
    let (mut read, mut bytes, mut findings) = (0usize, 0u64, 0usize);
    let total: u64 = files.iter().map(|f| f.2).sum();
    let start = Instant::now();
    for (rel, path, size) in &files {
        if !engine.wants(rel, *size) {
            continue;
        }
        let Ok(content) = std::fs::read(path) else {
            continue;
        };
        read += 1;
        bytes += content.len() as u64;
        for f in engine.scan(rel, &content) {
            findings += 1;
            let secret = if show {
                f.secret.clone()
            } else {
                redact(&f.secret)
            };
            println!(
                "{rel}:{}:{} {} [{}] {} {:?}",
                f.line, f.column, f.rule_id, f.severity, secret, f.context
            );
        }
    }
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "{} files ({:.1} MiB), {read} read ({:.1} MiB), {findings} findings in {secs:.2}s: \
         {:.0} MiB/s of tree, {:.0} MiB/s read",
        files.len(),
        total as f64 / 1048576.0,
        bytes as f64 / 1048576.0,
        total as f64 / 1048576.0 / secs,
        bytes as f64 / 1048576.0 / secs
    );
}
