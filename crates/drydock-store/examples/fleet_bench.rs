//! The results store at fleet size (bench/store.sh runs it): N images built from real scans
//! (drydock JSON reports given as arguments), written to SQLite and to a throwaway PostgreSQL
//! cluster, then the fleet queries timed, and optionally `drydock store rematch` on each.
//!
//! `fleet_bench N OUT_DIR [--drydock BIN --db-dir DIR] REPORT.json...`
//!
//! Image i is report `i % reports` with its digest, references and scan time of its own, and
//! with a varied inventory: every 17th package (shifted by i) left out, so no two images of one
//! base hold the same package list. Findings are the report's, minus those of left-out packages.
#![allow(clippy::unwrap_used)]

use drydock_store::*;
use std::time::Instant;

fn load(path: &str) -> ScanRecord {
    let text = std::fs::read_to_string(path).unwrap();
    let r: serde_json::Value = serde_json::from_str(&text).unwrap();
    let s = |v: &serde_json::Value| v.as_str().map(str::to_owned);
    let packages = r["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| PackageRecord {
            class: s(&p["class"]).unwrap_or_default(),
            ecosystem: s(&p["ecosystem"]).unwrap_or_default(),
            name: s(&p["name"]).unwrap_or_default(),
            version: s(&p["version"]).unwrap_or_default(),
            purl: s(&p["purl"]).unwrap_or_default(),
            source_name: s(&p["source_name"]),
            source_version: s(&p["source_version"]),
            layer: p["layer"].as_i64().unwrap_or(0),
            location: s(&p["location"]).unwrap_or_default(),
            unpublished: false,
        })
        .collect();
    let findings = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let refs: Vec<String> = f["references"]
                .as_array()
                .map(|a| a.iter().filter_map(s).collect())
                .unwrap_or_default();
            FindingRecord {
                id: s(&f["id"]).unwrap_or_default(),
                kind: s(&f["kind"]).unwrap_or_default(),
                severity: s(&f["severity"]).unwrap_or_default(),
                status: s(&f["status"]),
                aliases: refs
                    .into_iter()
                    .take_while(|r| !r.contains("://"))
                    .collect(),
                package: s(&f["package"]),
                installed_version: None,
                fixed_version: None,
                title: s(&f["title"]).unwrap_or_default(),
                message: s(&f["message"]).unwrap_or_default(),
                location: s(&f["location"]["path"]),
                suppressed: None,
            }
        })
        .collect();
    let os = r["os"].as_object().map(|o| OsRecord {
        family: o["family"].as_str().unwrap_or_default().to_owned(),
        version: o["version"].as_str().unwrap_or_default().to_owned(),
        name: o.get("name").and_then(|n| n.as_str()).map(str::to_owned),
    });
    ScanRecord {
        digest: String::new(),
        digest_kind: DigestKind::Manifest,
        references: Vec::new(),
        target_kind: "registry".into(),
        target_path: String::new(),
        config_digest: None,
        os,
        layers: vec![LayerRecord {
            index: 0,
            digest: Some("sha256:base".into()),
            diff_id: Some("sha256:base-diff".into()),
        }],
        packages,
        findings,
        analyzer: "drydock bench".into(),
        db: DbRecord {
            version: "1:bench".into(),
            built: None,
        },
        scanned_at: now(),
        filters: None,
    }
}

fn image(bases: &[ScanRecord], i: usize) -> ScanRecord {
    let mut s = bases[i % bases.len()].clone();
    s.digest = format!("sha256:{i:064x}");
    s.references = vec![format!(
        "registry.example/team{}/app{}:{}",
        i % 50,
        i % 500,
        i
    )];
    s.target_path = s.references[0].clone();
    s.scanned_at = now() - i64::try_from(i).unwrap_or(0);
    let dropped: Vec<String> = s
        .packages
        .iter()
        .enumerate()
        .filter(|(j, _)| (j + i).is_multiple_of(17))
        .map(|(_, p)| p.purl.clone())
        .collect();
    s.packages.retain(|p| !dropped.contains(&p.purl));
    s.findings
        .retain(|f| f.package.as_ref().is_none_or(|p| !dropped.contains(p)));
    s
}

fn time<T>(label: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let out = f();
    println!("| {label} | {:.1} ms |", t.elapsed().as_secs_f64() * 1000.0);
    out
}

fn bench(name: &str, url: &str, n: usize, bases: &[ScanRecord], rematch: Option<(&str, &str)>) {
    println!("\n### {name}: {n} images\n\n| step | time |\n|---|---|");
    let mut store = Store::open(url).unwrap();
    let t = Instant::now();
    for i in 0..n {
        store.write_scan(&image(bases, i)).unwrap();
    }
    println!(
        "| write {n} scans (one transaction each) | {:.1} s |",
        t.elapsed().as_secs_f64()
    );
    if store.is_postgres() {
        // What autovacuum does after a bulk load; without statistics the planner guesses.
        let t = Instant::now();
        let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
        c.batch_execute("ANALYZE").unwrap();
        println!(
            "| ANALYZE (autovacuum's job after a bulk load) | {:.1} s |",
            t.elapsed().as_secs_f64()
        );
    }
    let c: Constraint = "<3.0.13-1~deb12u1".parse().unwrap();
    for round in ["cold", "warm"] {
        time(&format!("{round}: images matching `app42:`"), || {
            store.images(Some("app42:")).unwrap().len()
        });
        time(&format!("{round}: finding by alias CVE-2024-6119"), || {
            store.findings("CVE-2024-6119").unwrap().len()
        });
        let (hits, _) = time(&format!("{round}: openssl < 3.0.13-1~deb12u1"), || {
            store.packages("openssl", Some(&c)).unwrap()
        });
        if round == "warm" {
            println!("| (openssl below the bound in {} images) | |", hits.len());
        }
        time(
            &format!("{round}: purl prefix pkg:deb/debian/libc6@"),
            || {
                store
                    .packages("pkg:deb/debian/libc6@", None)
                    .unwrap()
                    .0
                    .len()
            },
        );
        time(&format!("{round}: deltas of the last day"), || {
            store.deltas(now() - 86_400).unwrap().len()
        });
    }
    if let Some((bin, db)) = rematch {
        let t = Instant::now();
        let out = std::process::Command::new(bin)
            .args(["store", "rematch", "--json", "--store", url, "--db-dir", db])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        println!(
            "| `drydock store rematch` ({}) | {:.1} s |",
            String::from_utf8_lossy(&out.stdout).replace('\n', " "),
            t.elapsed().as_secs_f64()
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args[0].parse().unwrap();
    let out = std::path::PathBuf::from(&args[1]);
    let mut rest = &args[2..];
    let mut rematch = None;
    if rest.first().map(String::as_str) == Some("--drydock") {
        rematch = Some((rest[1].clone(), rest[3].clone()));
        rest = &rest[4..];
    }
    let bases: Vec<ScanRecord> = rest.iter().map(|p| load(p)).collect();
    println!(
        "bases: {}",
        bases
            .iter()
            .map(|b| format!(
                "{} packages/{} findings",
                b.packages.len(),
                b.findings.len()
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
    std::fs::create_dir_all(&out).unwrap();
    let file = out.join("fleet.sqlite");
    let _ = std::fs::remove_file(&file);
    let r = rematch.as_ref().map(|(b, d)| (b.as_str(), d.as_str()));
    bench("SQLite", &file.display().to_string(), n, &bases, r);
    // The WAL is checkpointed into the file on close; size both.
    let size: u64 = ["", "-wal"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", file.display())).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "\nSQLite store size: {:.1} MiB",
        size as f64 / (1 << 20) as f64
    );
    // FLEET_BENCH_PG: a PostgreSQL URL to use instead of a throwaway cluster (to look at plans).
    let external = std::env::var("FLEET_BENCH_PG").ok();
    let cluster = match external {
        Some(_) => None,
        None => drydock_testkit::postgres::Postgres::start(),
    };
    let url = external.or_else(|| cluster.as_ref().map(|pg| pg.create_database("fleet")));
    if let Some(url) = url {
        bench("PostgreSQL", &url, n, &bases, r);
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let size: i64 = c
            .query_one("SELECT pg_database_size(current_database())", &[])
            .unwrap()
            .get(0);
        println!(
            "\nPostgreSQL database size: {:.1} MiB",
            size as f64 / (1 << 20) as f64
        );
    }
}
