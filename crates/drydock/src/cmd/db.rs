//! `drydock db import|export|info|push|update`: the advisory database.

use crate::cli::DbCommand;
use anyhow::{Context, Result};
use std::process::ExitCode;

pub fn run(cmd: DbCommand) -> Result<ExitCode> {
    match cmd {
        // A bundle is a whole database: it always replaces, `--replace` or not.
        DbCommand::Import { paths, db, .. }
            if paths.len() == 1 && drydock_vulndb::bundle::is_bundle(&paths[0]) =>
        {
            let dir = db.resolve()?;
            drydock_vulndb::bundle::import(&dir, &paths[0]).with_context(|| {
                format!(
                    "import of {} failed; the database in {} is unchanged",
                    paths[0].display(),
                    dir.display()
                )
            })?;
            let info = drydock_vulndb::Database::open(&dir).and_then(|d| d.info())?;
            print!("{}", info_table(&info));
            Ok(ExitCode::SUCCESS)
        }
        DbCommand::Export { file, db } => {
            let dir = db.resolve()?;
            let bytes = drydock_vulndb::bundle::export(&dir, &file).with_context(|| {
                format!(
                    "cannot export the database in {} to {}",
                    dir.display(),
                    file.display()
                )
            })?;
            eprintln!(
                "drydock: wrote {} ({:.1} MiB); on the other machine: drydock db import {}",
                file.display(),
                bytes as f64 / 1_048_576.0,
                file.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        DbCommand::Import { paths, replace, db } => {
            let dir = db.resolve()?;
            let summary =
                drydock_vulndb::import(&dir, &paths, drydock_vulndb::ImportOptions { replace })
                    .with_context(|| format!("import into {} failed", dir.display()))?;
            println!(
                "{}",
                serde_json::to_string_pretty(&summary).unwrap_or_default()
            );
            Ok(ExitCode::SUCCESS)
        }
        DbCommand::Info { json, db } => {
            let dir = db.resolve()?;
            let info = drydock_vulndb::Database::open(&dir)
                .and_then(|d| d.info())
                .with_context(|| format!("no readable advisory database in {}", dir.display()))?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&info).unwrap_or_default()
                );
            } else {
                print!("{}", info_table(&info));
            }
            Ok(ExitCode::SUCCESS)
        }
        DbCommand::Push {
            reference,
            registry,
            db,
        } => push(&reference, &registry, &db.resolve()?),
        DbCommand::Update {
            from: Some(reference),
            registry,
            json,
            db,
            ..
        } => {
            let dir = db.resolve()?;
            pull(&reference, &registry, &dir)?;
            let info = drydock_vulndb::Database::open(&dir).and_then(|d| d.info())?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&info).unwrap_or_default()
                );
            } else {
                print!("{}", info_table(&info));
            }
            Ok(ExitCode::SUCCESS)
        }
        DbCommand::Update {
            url,
            ecosystems,
            timeout,
            json,
            db,
            ..
        } => {
            let dir = db.resolve()?;
            let mut options = drydock_vulndb::UpdateOptions {
                progress: crate::output::download_progress(json),
                base_url: url,
                timeout: std::time::Duration::from_secs(timeout.max(1)),
                ..Default::default()
            };
            if !ecosystems.is_empty() {
                options.ecosystems = ecosystems;
            }
            eprintln!(
                "drydock: updating {} from {}: {}",
                dir.display(),
                options.base_url,
                options.ecosystems.join(", ")
            );
            let summary = drydock_vulndb::update(&dir, &options)
                .with_context(|| format!("update of {} failed", dir.display()))?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&summary).unwrap_or_default()
                );
            } else {
                print!("{}", update_table(&summary));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn reference_of(text: &str) -> Result<drydock_registry::Reference> {
    drydock_registry::Reference::parse(text)
        .with_context(|| format!("{text} is not a registry reference"))
}

/// `db push REF`: the `db export` bundle as the one layer of an artifact whose types,
/// config and annotations `drydock_vulndb::oci` defines.
fn push(
    text: &str,
    registry: &crate::cli::RegistryArgs,
    dir: &std::path::Path,
) -> Result<ExitCode> {
    use drydock_finding::time::{now_secs, rfc3339};
    use drydock_vulndb::oci;
    let reference = reference_of(text)?;
    if reference.digest.is_some() {
        anyhow::bail!(
            "{text}: push to a tag (host/repository:tag); the digest is known once pushed"
        );
    }
    let started = std::time::Instant::now();
    let info = drydock_vulndb::Database::open(dir)
        .and_then(|d| d.info())
        .with_context(|| format!("no readable advisory database in {}", dir.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(".push-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    drydock_vulndb::bundle::export(dir, tmp.path())
        .with_context(|| format!("cannot export the database in {}", dir.display()))?;
    let bundle = std::fs::read(tmp.path()).context("cannot read the exported bundle")?;
    let time = |secs: u64| rfc3339(i64::try_from(secs).unwrap_or(0));
    let (config, annotations) = oci::describe(
        &info,
        &time(info.imported_at.unwrap_or_else(now_secs)),
        &time(now_secs()),
    );
    let config = serde_json::to_vec(&config).context("cannot encode the artifact config")?;
    let explicit = super::image::explicit_credential(registry)?;
    let client = super::image::registry_client(&reference, registry, explicit)?.for_push();
    let digest = drydock_registry::artifact::push(
        &client,
        &reference,
        oci::CONFIG_MEDIA_TYPE,
        (oci::CONFIG_MEDIA_TYPE, &config),
        &[(oci::LAYER_MEDIA_TYPE, &bundle)],
        annotations,
    )
    .with_context(|| format!("cannot push the database to {reference}"))?;
    eprintln!(
        "drydock: pushed {} advisories ({:.1} MiB) to {reference}@{digest} in {:.1} s; elsewhere: drydock db update --from {reference}",
        info.advisories,
        bundle.len() as f64 / 1_048_576.0,
        started.elapsed().as_secs_f64()
    );
    println!("{digest}");
    Ok(ExitCode::SUCCESS)
}

/// `db update --from REF`: the artifact is untrusted until checked: its manifest first
/// (`oci::accept`: types, schema, layer size; nothing downloaded yet), the layer's digest
/// while it downloads, then everything `db import` checks of a bundle; only then is it
/// renamed over the current database.
fn pull(text: &str, registry: &crate::cli::RegistryArgs, dir: &std::path::Path) -> Result<()> {
    use drydock_vulndb::oci;
    use std::io::Write;
    let reference = reference_of(text)?;
    let started = std::time::Instant::now();
    let kept = format!("the database in {} is unchanged", dir.display());
    let explicit = super::image::explicit_credential(registry)?;
    let client = super::image::registry_client(&reference, registry, explicit)?;
    let (digest, manifest) = drydock_registry::artifact::pull_manifest(&client, &reference)
        .with_context(|| format!("cannot read {reference}; {kept}"))?;
    let layers: Vec<(&str, u64)> = manifest
        .layers
        .iter()
        .map(|l| (l.media_type.as_str(), l.size))
        .collect();
    let index = oci::accept(&oci::Offer {
        media_type: manifest.media_type.as_deref(),
        artifact_type: manifest.artifact_type.as_deref(),
        config_media_type: &manifest.config.media_type,
        layers: &layers,
        annotations: &manifest.annotations,
    })
    .map_err(|refusal| anyhow::anyhow!("{reference}@{digest}: {refusal}; {kept}"))?;
    let layer = manifest
        .layers
        .get(index)
        .with_context(|| format!("{reference}: no layer {index}; {kept}"))?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".pull-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    drydock_registry::artifact::pull_blob(
        &client,
        &reference.repository,
        layer,
        oci::LAYER_MAX,
        tmp.as_file_mut(),
    )
    .with_context(|| format!("cannot download the database from {reference}; {kept}"))?;
    tmp.as_file_mut()
        .flush()
        .context("cannot write the downloaded bundle")?;
    drydock_vulndb::bundle::import(dir, tmp.path())
        .with_context(|| format!("{reference}@{digest}: not a usable database; {kept}"))?;
    eprintln!(
        "drydock: {reference}@{digest} ({:.1} MiB) checked and swapped into {} in {:.1} s",
        layer.size as f64 / 1_048_576.0,
        dir.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `db info` for people: where, how big, how old, and what is in it.
fn info_table(info: &drydock_vulndb::DbInfo) -> String {
    use drydock_finding::time::{now_secs, rfc3339};
    let when = |t: u64| {
        let days = now_secs().saturating_sub(t) as f64 / 86_400.0;
        format!(
            "{} ({days:.1} days ago)",
            rfc3339(i64::try_from(t).unwrap_or(i64::MAX))
        )
    };
    let mut out = format!(
        "database    {}\nsize        {:.1} MiB\nadvisories  {} ({} withdrawn)\n",
        info.path.display(),
        info.size as f64 / 1_048_576.0,
        info.advisories,
        info.withdrawn
    );
    if let Some(t) = info.imported_at {
        out.push_str(&format!("imported    {}\n", when(t)));
    }
    if let Some(m) = &info.newest_modified {
        out.push_str(&format!("newest data {m}\n"));
    }
    out.push_str("\nsources (newest first)\n");
    for s in &info.sources {
        out.push_str(&format!(
            "  {}  {} records, {} rejected  {}\n",
            when(s.imported_at),
            s.records,
            s.bad,
            s.paths.join(", ")
        ));
    }
    let width = info.by_ecosystem.keys().map(String::len).max().unwrap_or(0);
    out.push_str("\nadvisories per ecosystem\n");
    for (eco, n) in &info.by_ecosystem {
        out.push_str(&format!("  {eco:<width$}  {n}\n"));
    }
    out
}

/// The human summary of `db update`: one line per export, then the database.
fn update_table(s: &drydock_vulndb::UpdateSummary) -> String {
    let mut out = String::new();
    let width = s
        .sources
        .iter()
        .map(|r| r.ecosystem.len())
        .max()
        .unwrap_or(0);
    for r in &s.sources {
        let status = match r.status {
            drydock_vulndb::SourceStatus::Downloaded => "downloaded",
            drydock_vulndb::SourceStatus::Unchanged => "unchanged",
        };
        out.push_str(&format!(
            "{:width$}  {status:10}  {:>9}  {:>7} records  {:>5} bad  {:>6.1}s  {}\n",
            r.ecosystem,
            human_bytes(r.bytes),
            r.records,
            r.bad,
            r.elapsed.as_secs_f64(),
            r.url,
        ));
    }
    for b in &s.bad_examples {
        out.push_str(&format!("  rejected: {}: {}\n", b.location, b.error));
    }
    out.push_str(&format!(
        "{}: {} advisories, {} in {:.1}s\n",
        s.database.display(),
        s.total,
        if s.rebuilt {
            "rebuilt"
        } else {
            "unchanged (every export was unchanged)"
        },
        s.elapsed.as_secs_f64()
    ));
    out
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}
