//! Snapshot of drydock's findings on a corpus of realistic Dockerfiles, manifests, Compose
//! files and daemon configurations (`tests/corpus/`, written for these tests). The files are
//! scanned together, as a directory would be, so NetworkPolicy coverage is judged across them.

use std::collections::BTreeMap;
use std::path::Path;

fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("corpus dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, root, out);
        } else {
            let rel = p
                .strip_prefix(root)
                .unwrap_or(&p)
                .to_string_lossy()
                .into_owned();
            out.push((rel, std::fs::read(&p).expect("corpus file")));
        }
    }
}

#[test]
fn corpus_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files = Vec::new();
    walk(&root, &root, &mut files);
    assert!(files.len() >= 30, "corpus has {} files", files.len());
    for (path, _) in &files {
        assert!(drydock_config::wants(path), "{path} would be skipped");
    }
    let result = drydock_config::scan_set(&files);
    assert!(result.errors.is_empty(), "{:?}", result.errors);

    let mut counts: BTreeMap<&str, usize> = files.iter().map(|(p, _)| (p.as_str(), 0)).collect();
    let mut lines = String::new();
    for f in &result.findings {
        let path = f.location.path.as_deref().unwrap_or("?");
        *counts.entry(path).or_default() += 1;
        lines.push_str(&format!(
            "{path}:{} {} {} {}\n",
            f.location.line.unwrap_or(0),
            f.id,
            f.severity,
            f.message
        ));
    }
    let summary: String = counts
        .iter()
        .map(|(p, n)| format!("{n:>3} {p}\n"))
        .collect();
    insta::assert_snapshot!("corpus_counts", summary);
    insta::assert_snapshot!("corpus_findings", lines);
}
