//! The layer cache: a warm scan must say exactly what the cold scan said, without reading the
//! blobs, and anything that could change the result must miss.
#![allow(clippy::unwrap_used)]

use drydock_analyze::analyzers::{self, Options};
use drydock_analyze::{Engine, LayerCache, Scan};
use drydock_fs::Limits;
use drydock_image::{Image, OpenOptions};
use drydock_testkit::*;
use std::path::Path;
use std::sync::Arc;

const STATUS: &str = "Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\n\nPackage: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2.15-2+b2\n\n";
const CARGO_LOCK: &str = "version = 3\n\n[[package]]\nname = \"smallvec\"\nversion = \"1.6.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
const KEY: &str = "aws_access_key_id = AKIAZ5GMHYJKMQ2W3XTR\naws_secret_access_key = 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\n";

/// Two layers: a base with an OS, packages, a lockfile and a secret, then a layer that deletes
/// the secret, adds a hard link and a name that is not UTF-8.
fn spec() -> ImageSpec {
    image(vec![
        layer(vec![
            dir("etc"),
            file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
            file("etc/shadow", "root:*:19000:0:99999:7:::\n"),
            file("etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"),
            dir("var/lib/dpkg"),
            file("var/lib/dpkg/status", STATUS),
            file(
                "var/lib/dpkg/info/bash.list",
                "/bin/bash\n/usr/share/doc/bash\n",
            ),
            file("app/Cargo.lock", CARGO_LOCK),
            file("root/.aws/credentials", KEY),
        ]),
        layer(vec![
            whiteout("root/.aws/credentials"),
            hardlink("app/Cargo2.lock", "app/Cargo.lock"),
            file(b"app/\xffname.txt".as_slice(), "hello"),
        ])
        .compressed(Compression::Zstd),
    ])
}

/// Every analyzer, as the binary runs them for a full scan.
fn all_analyzers() -> Options {
    Options {
        credential_files: Some(drydock_creds::wants),
        ..Options::default()
    }
}

fn engine(options: Options, cache: Option<&Path>, build: &str) -> Engine {
    let e = Engine::new(analyzers::builtin(options), Limits::default()).unwrap();
    match cache {
        Some(dir) => e.with_cache(LayerCache::open(dir, build).unwrap()),
        None => e,
    }
}

fn run(engine: &Engine, image: &Path) -> Scan {
    let image = Image::open(image, &OpenOptions::default()).unwrap();
    engine.scan(&image, &|_| {}).unwrap()
}

/// Everything a scan says, in a form that compares the full content (the report serialisation
/// of outputs is deliberately lossy, so compare the debug form).
fn said(s: &Scan) -> String {
    let layers: Vec<_> = s.layers.iter().map(|l| format!("{:?}", l.stats)).collect();
    format!(
        "{layers:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{}",
        s.outputs,
        s.diagnostics,
        s.os,
        s.packages,
        s.tree.len()
    )
}

#[test]
fn warm_scan_equals_cold_scan_in_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = spec();
    let paths = [
        tmp.path().join("oci"),
        tmp.path().join("oci.tar"),
        tmp.path().join("docker.tar"),
    ];
    spec.write_oci_dir(&paths[0]);
    spec.write_oci_tar(&paths[1]);
    spec.write_docker_archive(&paths[2]);
    for p in &paths {
        let cache = tempfile::tempdir().unwrap();
        let uncached = run(&engine(all_analyzers(), None, "b"), p);
        let e = engine(all_analyzers(), Some(cache.path()), "b");
        let cold = run(&e, p);
        assert!(cold.layers.iter().all(|l| !l.cached));
        let warm = run(&e, p);
        assert!(
            warm.layers.iter().all(|l| l.cached),
            "{}: {:?}",
            p.display(),
            warm.diagnostics
        );
        assert_eq!(said(&cold), said(&uncached), "{}", p.display());
        assert_eq!(said(&warm), said(&cold), "{}", p.display());
        // The facts the scanners rely on came through: packages with their ownership data,
        // the deleted secret (with its fate), collected account files, the non-UTF-8 name.
        assert!(warm.packages.iter().any(|p| p.name == "smallvec"));
        assert!(warm.packages.iter().any(|p| p.name == "bash"));
        assert!(warm.outputs.iter().any(|o| o.analyzer == "secrets"
            && matches!(o.fate, drydock_fs::Fate::Deleted { by_layer: 1 })));
        assert!(
            warm.outputs
                .iter()
                .any(|o| o.analyzer == "credential-files")
        );
    }
}

#[test]
fn different_configuration_or_build_misses() {
    let tmp = tempfile::tempdir().unwrap();
    let img = tmp.path().join("oci");
    spec().write_oci_dir(&img);
    let cache = tempfile::tempdir().unwrap();
    let full = engine(all_analyzers(), Some(cache.path()), "b");
    run(&full, &img);
    assert!(run(&full, &img).layers.iter().all(|l| l.cached));

    // Another analyzer set (an SBOM-only run) does not reuse a full run's layers.
    let sbom = Options {
        secret_files: false,
        credential_files: None,
        ..all_analyzers()
    };
    let s = run(&engine(sbom, Some(cache.path()), "b"), &img);
    assert!(s.layers.iter().all(|l| !l.cached));
    assert!(!s.outputs.iter().any(|o| o.analyzer == "secrets"));

    // User secret rules change the secrets analyzer's key.
    let custom =
        drydock_secrets::Engine::from_gitleaks_toml("[[rules]]\nid = \"x\"\nregex = '''hello'''\n")
            .unwrap();
    let options = Options {
        secrets: Some(Arc::new(custom)),
        ..all_analyzers()
    };
    let s = run(&engine(options, Some(cache.path()), "b"), &img);
    assert!(s.layers.iter().all(|l| !l.cached));

    // Another build of drydock never reads what this one wrote.
    let s = run(&engine(all_analyzers(), Some(cache.path()), "c"), &img);
    assert!(s.layers.iter().all(|l| !l.cached));
}

#[test]
fn damaged_entries_are_misses_and_clean_removes_everything() {
    let tmp = tempfile::tempdir().unwrap();
    let img = tmp.path().join("oci");
    spec().write_oci_dir(&img);
    let cache = tempfile::tempdir().unwrap();
    let e = engine(all_analyzers(), Some(cache.path()), "b");
    let cold = run(&e, &img);
    let layers = cache.path().join("layers");
    let files: Vec<_> = std::fs::read_dir(&layers)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 2);
    // Entries are private to the user: they hold secrets and password hashes.
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&layers).unwrap().permissions().mode() & 0o077,
        0
    );
    for f in &files {
        assert_eq!(
            std::fs::metadata(f).unwrap().permissions().mode() & 0o077,
            0
        );
    }
    // Truncate one entry and replace the other with a symlink to a file outside the cache.
    let bytes = std::fs::read(&files[0]).unwrap();
    std::fs::write(&files[0], &bytes[..bytes.len() / 2]).unwrap();
    let outside = tmp.path().join("outside.bin");
    std::fs::copy(&files[1], &outside).unwrap();
    std::fs::remove_file(&files[1]).unwrap();
    std::os::unix::fs::symlink(&outside, &files[1]).unwrap();

    let again = run(&e, &img);
    assert!(again.layers.iter().all(|l| !l.cached));
    assert_eq!(said(&again).lines().nth(1), said(&cold).lines().nth(1));
    assert!(
        again
            .diagnostics
            .iter()
            .any(|d| d.message.contains("layer cache entry unreadable")),
        "{:?}",
        again.diagnostics
    );
    // Rewritten, so the next scan is warm again.
    assert!(run(&e, &img).layers.iter().all(|l| l.cached));

    let cleaned = LayerCache::clean(cache.path()).unwrap();
    assert_eq!(cleaned.files, 2);
    assert!(outside.exists(), "clean must not follow links");
    assert!(run(&e, &img).layers.iter().all(|l| !l.cached));
}

#[test]
fn rootfs_directories_are_never_cached() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("root/etc")).unwrap();
    std::fs::write(tmp.path().join("root/etc/os-release"), "ID=alpine\n").unwrap();
    let cache = tempfile::tempdir().unwrap();
    let e = engine(all_analyzers(), Some(cache.path()), "b");
    let image = Image::rootfs(&tmp.path().join("root")).unwrap();
    e.scan(&image, &|_| {}).unwrap();
    let s = e.scan(&image, &|_| {}).unwrap();
    assert!(s.layers.iter().all(|l| !l.cached));
    assert_eq!(
        std::fs::read_dir(cache.path().join("layers"))
            .unwrap()
            .count(),
        0
    );
}

#[test]
fn exhausted_time_budget_cuts_layers_short_names_them_and_caches_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let img = tmp.path().join("oci");
    spec().write_oci_dir(&img);
    let cache = tempfile::tempdir().unwrap();
    let limits = Limits {
        deadline: Some(std::time::Instant::now()),
        ..Limits::default()
    };
    let e = Engine::new(analyzers::builtin(all_analyzers()), limits)
        .unwrap()
        .with_cache(LayerCache::open(cache.path(), "b").unwrap());
    let s = run(&e, &img);
    assert_eq!(s.layers.len(), 2);
    for l in &s.layers {
        assert!(l.stats.diff_id.is_none(), "a cut layer is not verified");
        assert!(
            l.stats.warnings.iter().any(|w| w.contains("time budget")),
            "{:?}",
            l.stats.warnings
        );
    }
    assert!(
        s.diagnostics
            .iter()
            .filter(|d| d.message.contains("time budget"))
            .count()
            >= 2
    );
    assert_eq!(
        std::fs::read_dir(cache.path().join("layers"))
            .unwrap()
            .count(),
        0
    );
}
