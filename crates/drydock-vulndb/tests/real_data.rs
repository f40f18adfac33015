//! Import of all of `shared/data/advisories` (full Go vulndb, RustSec, PyPA exports, Alpine
//! secdb, GHSA, Ubuntu) and matching of the container-runtime vulnerabilities against it.
//!
//! The import runs once per test binary and is shared by the tests; it is skipped with a
//! message when the shared data is not present.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use drydock_vulndb::{Database, ImportOptions, ImportSummary, Match, Matcher, Query, Severity};

struct Fixture {
    _dir: tempfile::TempDir,
    db_dir: PathBuf,
    summary: ImportSummary,
}

fn fixture() -> Option<&'static Fixture> {
    static F: OnceLock<Option<Fixture>> = OnceLock::new();
    F.get_or_init(|| {
        let data = drydock_testkit::shared("data/advisories")?;
        let data = data.as_path();
        let dir = tempfile::tempdir().unwrap();
        let db_dir = dir.path().join("db");
        // Everything but `debian12/raw/`: the Debian security tracker's own JSON, kept there as
        // the source the OSV records beside it were converted from (not OSV, so not imported).
        let mut inputs: Vec<PathBuf> = Vec::new();
        for entry in std::fs::read_dir(data).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n == "debian12") {
                for e in std::fs::read_dir(&path).unwrap() {
                    let p = e.unwrap().path();
                    if p.extension().is_some_and(|x| x == "json") {
                        inputs.push(p);
                    }
                }
            } else {
                inputs.push(path);
            }
        }
        inputs.sort();
        let summary = drydock_vulndb::import(&db_dir, &inputs, ImportOptions::default()).unwrap();
        eprintln!(
            "imported {} advisories ({} files, {} records) from {} in {:.2?}",
            summary.total,
            summary.files,
            summary.records,
            data.display(),
            summary.elapsed
        );
        Some(Fixture {
            _dir: dir,
            db_dir,
            summary,
        })
    })
    .as_ref()
}

/// One read-only connection per test thread is what a scanner has; a Mutex keeps it simple.
fn matcher(f: &Fixture) -> &'static Mutex<Matcher<Database>> {
    static M: OnceLock<Mutex<Matcher<Database>>> = OnceLock::new();
    M.get_or_init(|| Mutex::new(Matcher::new(Database::open(&f.db_dir).unwrap())))
}

fn find(q: &Query<'_>) -> Option<Vec<Match>> {
    let f = fixture()?;
    Some(matcher(f).lock().unwrap().find(q).unwrap())
}

fn by_base(counts: &BTreeMap<String, usize>) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for (k, v) in counts {
        *out.entry(k.split(':').next().unwrap().to_owned())
            .or_insert(0) += v;
    }
    out
}

#[test]
fn import_counts_per_ecosystem() {
    let Some(f) = fixture() else { return };
    let s = &f.summary;
    let base = by_base(&s.by_ecosystem);
    eprintln!("per ecosystem: {base:?}");
    eprintln!("import time: {:.2?}", s.elapsed);
    // Go: the 4,291 records of the full export (the 77 loose copies are the same ids) plus
    // GHSA-xr7r-f8xq-vfvv, which is filed under the Go ecosystem too.
    assert_eq!(base["Go"], 4_292);
    assert_eq!(base["crates.io"], 1_206);
    // PyPA: 2,661 records, of which two have unparseable PEP 440 bounds (see below).
    assert_eq!(base["PyPI"], 2_659);
    // One UBUNTU-CVE record, three releases.
    assert_eq!(s.by_ecosystem["Ubuntu:22.04:LTS"], 1);
    assert_eq!(s.by_ecosystem["Ubuntu:20.04:LTS"], 1);
    assert_eq!(s.by_ecosystem["Ubuntu:Pro:18.04:LTS"], 1);
    // Alpine: one advisory per CVE, counted per release branch; v3.3 community is empty.
    let alpine: Vec<_> = s
        .by_ecosystem
        .keys()
        .filter(|k| k.starts_with("Alpine:"))
        .cloned()
        .collect();
    assert_eq!(alpine.len(), 9, "{alpine:?}");
    assert!(s.by_ecosystem["Alpine:v3.11"] > 1_800);

    // The real feeds contain exactly two malformed records, both in PyPA, and they are named.
    let bad: Vec<_> = s
        .bad
        .iter()
        .map(|b| b.id.clone().unwrap_or_default())
        .collect();
    assert_eq!(bad, ["PYSEC-2021-371", "PYSEC-2019-125"], "{:#?}", s.bad);
    assert!(
        s.bad[0]
            .location
            .ends_with("pypa-advisory-database-full.tar.gz!vulns/binderhub/PYSEC-2021-371.yaml")
    );
    assert!(s.bad[0].error.contains("0.2.0-n653"));
    // READMEs, INDEX.tsv, LICENSE entries and Go's exclusion reports are not advisories.
    assert!(
        s.skipped
            .iter()
            .any(|p| p.ends_with("excluded-GO-2023-2257.yaml"))
    );
    assert!(
        s.elapsed.as_secs() < 60,
        "import took {:.1?}; it must take seconds",
        s.elapsed
    );

    let info = Database::open(&f.db_dir).unwrap().info().unwrap();
    assert_eq!(info.advisories, s.total);
    assert_eq!(info.sources.len(), 1);
    assert_eq!(info.sources[0].bad, 2);
    assert!(info.newest_modified.as_deref() >= Some("2026-01-01"));
    assert_eq!(info.by_ecosystem["Go"], 4_292);
    eprintln!(
        "db: {} bytes, {} advisories ({} withdrawn), newest modified {:?}",
        info.size, info.advisories, info.withdrawn, info.newest_modified
    );
}

#[test]
fn runc_1_1_11_go_module() {
    let Some(ms) = find(&Query::new(
        "Go",
        "github.com/opencontainers/runc",
        "v1.1.11",
    )) else {
        return;
    };
    let m = ms
        .iter()
        .find(|m| m.id == "GO-2024-2491")
        .unwrap_or_else(|| panic!("no GO-2024-2491 in {ms:#?}"));
    assert_eq!(m.aliases, ["CVE-2024-21626", "GHSA-xr7r-f8xq-vfvv"]);
    assert_eq!(
        m.advisories,
        ["GHSA-xr7r-f8xq-vfvv", "GO-2024-2491"],
        "the GO and GHSA records merge into one finding"
    );
    assert_eq!(m.fixed_versions, ["1.1.12"]);
    assert_eq!(m.installed_version, "v1.1.11");
    // The CVSS vector comes from the GHSA record: 8.6 HIGH.
    assert_eq!(m.severity, Some(Severity::High));
    assert_eq!(m.cvss.as_ref().map(|c| c.score), Some(8.6));
    assert!(m.summary.as_deref().unwrap().contains("Container breakout"));
    assert_eq!(
        ms.iter()
            .filter(|m| m.ids().any(|i| i == "CVE-2024-21626"))
            .count(),
        1,
        "one vulnerability, one finding"
    );
}

#[test]
fn runc_1_1_12_is_not_affected_by_cve_2024_21626() {
    let Some(ms) = find(&Query::new(
        "Go",
        "github.com/opencontainers/runc",
        "v1.1.12",
    )) else {
        return;
    };
    assert!(
        !ms.iter().any(|m| m.ids().any(|i| i == "CVE-2024-21626")),
        "{ms:#?}"
    );
}

#[test]
fn containerd_1_4_2() {
    let Some(ms) = find(&Query::new(
        "Go",
        "github.com/containerd/containerd",
        "v1.4.2",
    )) else {
        return;
    };
    let m = ms.iter().find(|m| m.id == "GO-2022-0784").unwrap();
    assert_eq!(m.aliases, ["CVE-2020-15257", "GHSA-36xw-fx78-c5r4"]);
    assert_eq!(
        m.fixed_versions,
        ["1.4.3"],
        "the fix of the installed 1.4 line"
    );
    // The same advisory's first interval: 1.3.x is fixed by 1.3.9.
    let ms = find(&Query::new(
        "Go",
        "github.com/containerd/containerd",
        "v1.3.8",
    ))
    .unwrap();
    let m = ms.iter().find(|m| m.id == "GO-2022-0784").unwrap();
    assert_eq!(m.fixed_versions, ["1.3.9"]);
    let ms = find(&Query::new(
        "Go",
        "github.com/containerd/containerd",
        "v1.4.3",
    ))
    .unwrap();
    assert!(!ms.iter().any(|m| m.id == "GO-2022-0784"));
}

#[test]
fn alpine_v3_9_runc() {
    let q = |v| Query::distro("Alpine", "3.9.6", "runc", v);
    let Some(ms) = find(&q("1.0.0_rc6-r0")) else {
        return;
    };
    let m = ms
        .iter()
        .find(|m| m.id == "CVE-2019-5736")
        .unwrap_or_else(|| panic!("{ms:#?}"));
    assert_eq!(m.aliases, ["ALPINE-CVE-2019-5736"]);
    assert_eq!(m.fixed_versions, ["1.0.0_rc6-r1"]);
    assert_eq!(m.ecosystem, "Alpine:v3.9");
    let ms = find(&q("1.0.0_rc6-r1")).unwrap();
    assert!(!ms.iter().any(|m| m.id == "CVE-2019-5736"), "{ms:#?}");
    // v3.10 lists the fix as `1.0.0_rc7` (no -r suffix).
    let ms = find(&Query::distro("Alpine", "v3.10", "runc", "1.0.0_rc6-r5")).unwrap();
    let m = ms.iter().find(|m| m.id == "CVE-2019-5736").unwrap();
    assert_eq!(m.fixed_versions, ["1.0.0_rc7"]);
    // docker CVE-2018-15664, fixed 18.09.7 in community.
    let ms = find(&Query::distro("Alpine", "3.9", "docker", "18.09.6-r0")).unwrap();
    assert!(ms.iter().any(|m| m.id == "CVE-2018-15664"), "{ms:#?}");
    // Subpackages are matched by origin: `docker-cli` comes from `docker`.
    let ms = find(
        &Query::distro("Alpine", "3.9", "docker-cli", "18.09.6-r0").with_source("docker", None),
    )
    .unwrap();
    assert!(ms.iter().any(|m| m.id == "CVE-2018-15664"));
}

#[test]
fn ubuntu_22_04_runc() {
    let q = |v| Query::distro("Ubuntu", "22.04", "runc", v);
    let Some(ms) = find(&q("1.1.7-0ubuntu1~22.04.1")) else {
        return;
    };
    let m = ms.iter().find(|m| m.id == "CVE-2024-21626").unwrap();
    assert_eq!(m.aliases, ["UBUNTU-CVE-2024-21626"]);
    assert_eq!(m.fixed_versions, ["1.1.7-0ubuntu1~22.04.2"]);
    assert_eq!(m.ecosystem, "Ubuntu:22.04:LTS");
    assert_eq!(m.severity, Some(Severity::High));
    // Listed in `versions` and below the fix.
    let ms = find(&q("1.0.1-0ubuntu2")).unwrap();
    assert!(ms.iter().any(|m| m.id == "CVE-2024-21626"));
    let ms = find(&q("1.1.7-0ubuntu1~22.04.2")).unwrap();
    assert!(ms.is_empty(), "{ms:#?}");
    // The binary package name does not matter, the source does.
    let ms = find(
        &Query::distro(
            "Ubuntu",
            "jammy",
            "golang-github-opencontainers-runc-dev",
            "1.1.0-0ubuntu1",
        )
        .with_source("runc", None),
    )
    .unwrap();
    assert!(ms.iter().any(|m| m.id == "CVE-2024-21626"));
    // 18.04 has only an Ubuntu Pro entry, consulted as a fallback.
    let ms = find(&Query::distro(
        "Ubuntu",
        "18.04",
        "runc",
        "1.0.0~rc4+dfsg1-6",
    ))
    .unwrap();
    let m = ms.iter().find(|m| m.id == "CVE-2024-21626").unwrap();
    assert_eq!(m.ecosystem, "Ubuntu:Pro:18.04:LTS");
}

#[test]
fn rustsec_withdrawn_never_matches() {
    let Some(f) = fixture() else { return };
    let db = Database::open(&f.db_dir).unwrap();
    let adv = db.get("RUSTSEC-2020-0053").unwrap().unwrap();
    assert!(adv.is_withdrawn(), "kept in the database");
    let ms = find(&Query::new("crates.io", "dirs", "1.0.0")).unwrap();
    assert!(ms.is_empty(), "withdrawn: {ms:#?}");
    assert!(drydock_vulndb::matches(&adv, "crates.io", "dirs", "1.0.0").is_none());
    // RustSec alone has 13 withdrawn advisories; all are stored.
    assert!(db.info().unwrap().withdrawn >= 13);
}

#[test]
fn rustsec_informational_is_exposed() {
    // RUSTSEC-2021-0035 (quinn): `unsound`, with CVE and GHSA aliases; 0.5.4 fixes it.
    let Some(ms) = find(&Query::new("crates.io", "quinn", "0.5.3")) else {
        return;
    };
    let m = ms.iter().find(|m| m.id == "RUSTSEC-2021-0035").unwrap();
    assert_eq!(m.informational.as_deref(), Some("unsound"));
    assert_eq!(m.fixed_versions, ["0.5.4"]);
    // RUSTSEC-2017-0008 (serial): `unmaintained`, no fix.
    let ms = find(&Query::new("crates.io", "serial", "0.4.0")).unwrap();
    let m = ms.iter().find(|m| m.id == "RUSTSEC-2017-0008").unwrap();
    assert_eq!(m.informational.as_deref(), Some("unmaintained"));
    assert!(!m.is_fixed());
    // A vulnerability record says `"informational": null`.
    let ms = find(&Query::new("crates.io", "time", "0.1.45")).unwrap();
    let m = ms.iter().find(|m| m.id == "RUSTSEC-2020-0071").unwrap();
    assert_eq!(m.informational, None);
}

#[test]
fn rustsec_semver_ranges() {
    // RUSTSEC-2016-0001 (openssl): SEMVER introduced 0.0.0-0, fixed 0.9.0.
    let Some(ms) = find(&Query::new("crates.io", "openssl", "0.8.3")) else {
        return;
    };
    assert!(ms.iter().any(|m| m.id == "RUSTSEC-2016-0001"), "{ms:#?}");
    let m = ms.iter().find(|m| m.id == "RUSTSEC-2016-0001").unwrap();
    assert!(m.aliases.contains(&"CVE-2016-10931".to_owned()));
    let ms = find(&Query::new("cargo", "openssl", "0.9.0")).unwrap();
    assert!(!ms.iter().any(|m| m.id == "RUSTSEC-2016-0001"));
}

#[test]
fn pypa_yaml_ranges() {
    // PYSEC-2019-217: jinja2 introduced 0, fixed 2.10.1.
    let Some(ms) = find(&Query::new("PyPI", "Jinja2", "2.10")) else {
        return;
    };
    let m = ms.iter().find(|m| m.id == "PYSEC-2019-217").unwrap();
    assert_eq!(m.fixed_versions, ["2.10.1"]);
    assert_eq!(m.package, "Jinja2");
    let ms = find(&Query::new("pypi", "jinja2", "2.10.1")).unwrap();
    assert!(!ms.iter().any(|m| m.id == "PYSEC-2019-217"));
    // PEP 440 order, not string order: 2.9.6 < 2.10.1.
    let ms = find(&Query::new("PyPI", "jinja2", "2.9.6")).unwrap();
    assert!(ms.iter().any(|m| m.id == "PYSEC-2019-217"));
    // PEP 503 names: `ansible_runner` is `ansible-runner`.
    let ms = find(&Query::new("PyPI", "Ansible_Runner", "2.0.0")).unwrap();
    let m = ms.iter().find(|m| m.id == "PYSEC-2022-253").unwrap();
    assert_eq!(m.fixed_versions, ["2.1.0"]);
    assert!(m.aliases.contains(&"GHSA-6j58-grhv-2769".to_owned()));
}

#[test]
fn lookups_cost_microseconds() {
    let Some(f) = fixture() else { return };
    let db = Database::open(&f.db_dir).unwrap();
    let keys = [
        ("Go", "github.com/opencontainers/runc"),
        ("Go", "stdlib"),
        ("crates.io", "openssl"),
        ("PyPI", "pillow"),
        ("Alpine:v3.11", "openssl"),
        ("Go", "example.com/not/there"),
    ];
    for (e, n) in keys {
        db.lookup(e, n).unwrap(); // warm the statement cache and pages
    }
    let rounds = 200;
    let start = Instant::now();
    let mut hits = 0;
    for _ in 0..rounds {
        for (e, n) in keys {
            hits += db.lookup(e, n).unwrap().len();
        }
    }
    let per = start.elapsed() / (rounds * keys.len() as u32);
    let start = Instant::now();
    for _ in 0..rounds {
        db.lookup("Go", "example.com/not/there").unwrap();
    }
    let miss = start.elapsed() / rounds;
    eprintln!(
        "lookup: {per:.1?} per (ecosystem, name) including JSON decoding of {} advisories on average; {miss:.1?} for a package without advisories",
        hits / (rounds as usize * keys.len())
    );
    assert!(miss.as_micros() < 500, "miss lookup took {miss:?}");

    // Whole matcher, the stdlib has hundreds of advisories.
    let m = Matcher::new(db);
    let start = Instant::now();
    let found = m.find(&Query::new("Go", "stdlib", "go1.21.5")).unwrap();
    eprintln!(
        "match stdlib go1.21.5: {} findings in {:.1?}",
        found.len(),
        start.elapsed()
    );
    assert!(found.len() > 20);
}

/// A clean result means something only where the database has the advisories: the shared data
/// holds Debian 11/12/13 (DSAs list several releases), Ubuntu and Go records, none for Debian 10
/// or Packagist, and `covers` says so.
#[test]
fn covers_says_which_releases_the_data_can_judge() {
    let Some(f) = fixture() else { return };
    let m = matcher(f).lock().unwrap();
    assert!(
        m.covers(&Query::distro(
            "Debian",
            "12",
            "openssl",
            "3.0.11-1~deb12u2"
        ))
        .unwrap()
    );
    assert!(
        m.covers(&Query::new(
            "Go",
            "github.com/opencontainers/runc",
            "1.1.11"
        ))
        .unwrap()
    );
    assert!(
        !m.covers(&Query::new("Packagist", "laravel/framework", "10.0.0"))
            .unwrap()
    );
    assert!(
        !m.covers(&Query::distro(
            "Debian",
            "10",
            "openssl",
            "1.1.1n-0+deb10u6"
        ))
        .unwrap()
    );
}
