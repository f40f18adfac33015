//! Import mechanics on crafted input: bad records are counted and named and never abort the
//! import; archives are read in place; duplicates keep the newest; the swap is atomic.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::Path;

use drydock_vulndb::{Database, ImportOptions, Matcher, Query, import};

fn osv(id: &str, modified: &str, name: &str, fixed: &str) -> String {
    format!(
        r#"{{"id":"{id}","modified":"{modified}","aliases":["CVE-{id}"],"summary":"{id} in {name}",
        "affected":[{{"package":{{"ecosystem":"PyPI","name":"{name}"}},
        "ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"{fixed}"}}]}}]}}]}}"#
    )
}

fn write(dir: &Path, name: &str, body: &str) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, body).unwrap();
}

fn tar_gz(path: &Path, entries: &[(&str, String)]) {
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(path).unwrap(),
        flate2::Compression::default(),
    );
    let mut tar = tar::Builder::new(gz);
    for (name, body) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(body.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, name, body.as_bytes()).unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap();
}

fn zip(path: &Path, entries: &[(&str, String)]) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, body) in entries {
        z.start_file(*name, opts).unwrap();
        z.write_all(body.as_bytes()).unwrap();
    }
    z.finish().unwrap();
}

#[test]
fn bad_records_are_counted_and_named() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("feed");
    write(
        &src,
        "good/A-1.json",
        &osv("A-1", "2024-01-01T00:00:00Z", "alpha", "1.0"),
    );
    write(&src, "bad/invalid.json", "{\"id\": \"B-1\", ");
    write(
        &src,
        "bad/unknown-ecosystem.json",
        r#"{"id":"B-2","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Cobol","name":"x"}}]}"#,
    );
    write(
        &src,
        "bad/malformed-range.json",
        r#"{"id":"B-3","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Go","name":"example.com/m"},
        "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.x"}]}]}]}"#,
    );
    write(
        &src,
        "bad/no-introduced.yaml",
        "id: B-4\nmodified: '2024-01-01T00:00:00Z'\naffected:\n- package: {ecosystem: PyPI, name: x}\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - fixed: '1.0'\n",
    );
    write(&src, "bad/broken.yaml", "id: [B-5\n");
    write(&src, "bad/not-an-object.json", "[1, 2]");
    write(&src, "notes.txt", "not an advisory");
    write(
        &src,
        "good/A-2.yaml",
        "id: A-2\nmodified: '2024-01-01T00:00:00Z'\naffected:\n- package: {ecosystem: PyPI, name: beta}\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: '0'\n    - fixed: 1.10\n",
    );
    tar_gz(
        &src.join("feed.tar.gz"),
        &[
            (
                "osv/A-3.json",
                osv("A-3", "2024-01-01T00:00:00Z", "gamma", "2.0"),
            ),
            ("osv/B-6.json", "{{{".into()),
            ("LICENSE", "CC0".into()),
        ],
    );
    zip(
        &src.join("all.zip"),
        &[
            (
                "A-4.json",
                osv("A-4", "2024-01-01T00:00:00Z", "delta", "3.0"),
            ),
            ("B-7.json", r#"{"id":"B-7","modified":"yesterday"}"#.into()),
        ],
    );
    // A truncated archive: the damage is one bad record, not a failed import.
    let whole = src.join("feed.tar.gz");
    let bytes = std::fs::read(&whole).unwrap();
    std::fs::write(src.join("truncated.tar.gz"), &bytes[..bytes.len() / 2]).unwrap();

    let db = tmp.path().join("db");
    let s = import(&db, &[&src], ImportOptions::default()).unwrap();
    let mut names: Vec<String> = s
        .bad
        .iter()
        .map(|b| {
            let file = b.location.rsplit(['/', '!']).next().unwrap().to_owned();
            format!("{file}:{}", b.id.clone().unwrap_or_default())
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "A-3.json:",
            "B-6.json:",
            "B-7.json:B-7",
            "broken.yaml:",
            "invalid.json:",
            "malformed-range.json:B-3",
            "no-introduced.yaml:B-4",
            "not-an-object.json[0]:",
            "not-an-object.json[1]:",
            "unknown-ecosystem.json:B-2",
        ],
        "{:#?}",
        s.bad
    );
    let reason = |id: &str| {
        s.bad
            .iter()
            .find(|b| b.id.as_deref() == Some(id))
            .unwrap()
            .error
            .clone()
    };
    // The truncated archive names the entry the stream broke in.
    assert!(
        s.bad
            .iter()
            .any(|b| b.location.ends_with("truncated.tar.gz!osv/A-3.json")
                && b.error.contains("archive is corrupt"))
    );
    assert!(reason("B-2").contains("unknown ecosystem \"Cobol\""));
    assert!(reason("B-3").contains("\"1.2.x\""));
    assert!(reason("B-4").contains("no introduced"));
    assert!(reason("B-7").contains("RFC 3339"));
    assert!(s.skipped.iter().any(|p| p.ends_with("notes.txt")));
    assert!(s.skipped.iter().any(|p| p.ends_with("feed.tar.gz!LICENSE")));
    assert_eq!(s.inserted, 4, "{s:#?}");
    assert_eq!(s.by_ecosystem["PyPI"], 4);

    let dbh = Database::open(&db).unwrap();
    assert_eq!(dbh.lookup("PyPI", "gamma").unwrap()[0].id, "A-3");
    assert_eq!(dbh.lookup("PyPI", "delta").unwrap()[0].id, "A-4");
    // YAML kept `1.10` as the version string it is, not the float 1.1.
    let m = Matcher::new(dbh);
    let found = m.find(&Query::new("PyPI", "beta", "1.9")).unwrap();
    assert_eq!(found[0].fixed_versions, ["1.10"]);
}

#[test]
fn duplicates_keep_the_newest_and_merge_mode_adds() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("feed");
    write(
        &src,
        "1/A-1.json",
        &osv("A-1", "2024-03-01T00:00:00Z", "alpha", "2.0"),
    );
    write(
        &src,
        "2/A-1.json",
        &osv("A-1", "2024-01-01T00:00:00Z", "alpha", "1.0"),
    );
    let db = tmp.path().join("db");
    let s = import(&db, &[&src], ImportOptions::default()).unwrap();
    assert_eq!((s.inserted, s.superseded), (1, 1));
    let adv = Database::open(&db).unwrap().get("A-1").unwrap().unwrap();
    assert_eq!(adv.modified.as_deref(), Some("2024-03-01T00:00:00Z"));

    // Merge mode (the default) keeps what is there and adds.
    let more = tmp.path().join("more.json");
    std::fs::write(&more, osv("A-2", "2024-01-01T00:00:00Z", "beta", "1.0")).unwrap();
    let s = import(&db, &[&more], ImportOptions::default()).unwrap();
    assert_eq!(s.total, 2);
    let info = Database::open(&db).unwrap().info().unwrap();
    assert_eq!(info.sources.len(), 2);
    assert!(
        info.sources[0].paths[0].ends_with("more.json"),
        "newest first"
    );

    // Replace mode starts from scratch.
    let s = import(&db, &[&more], ImportOptions { replace: true }).unwrap();
    assert_eq!(s.total, 1);
}

#[test]
fn readers_see_old_or_new_never_half() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let a = tmp.path().join("a.json");
    std::fs::write(&a, osv("A-1", "2024-01-01T00:00:00Z", "alpha", "1.0")).unwrap();
    import(&db, &[&a], ImportOptions::default()).unwrap();
    let old = Database::open(&db).unwrap();

    let b = tmp.path().join("b.json");
    std::fs::write(&b, osv("B-1", "2024-01-01T00:00:00Z", "beta", "1.0")).unwrap();
    import(&db, &[&b], ImportOptions { replace: true }).unwrap();

    // The open handle keeps reading the file it opened (renamed away, not modified).
    assert_eq!(old.lookup("PyPI", "alpha").unwrap().len(), 1);
    assert!(old.lookup("PyPI", "beta").unwrap().is_empty());
    let new = Database::open(&db).unwrap();
    assert!(new.lookup("PyPI", "alpha").unwrap().is_empty());
    assert_eq!(new.lookup("PyPI", "beta").unwrap().len(), 1);
    // No temporary files are left behind.
    let files: Vec<_> = std::fs::read_dir(&db)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(files, ["advisories.sqlite3"]);
}

#[test]
fn a_failed_import_leaves_the_old_database() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let a = tmp.path().join("a.json");
    std::fs::write(&a, osv("A-1", "2024-01-01T00:00:00Z", "alpha", "1.0")).unwrap();
    import(&db, &[&a], ImportOptions::default()).unwrap();
    let err = import(
        &db,
        &[tmp.path().join("missing")],
        ImportOptions { replace: true },
    )
    .unwrap_err();
    assert!(err.to_string().contains("missing"), "{err}");
    assert_eq!(
        Database::open(&db)
            .unwrap()
            .lookup("PyPI", "alpha")
            .unwrap()
            .len(),
        1
    );
    assert!(matches!(
        Database::open(&tmp.path().join("nothing")),
        Err(drydock_vulndb::Error::NotFound(_))
    ));
}
