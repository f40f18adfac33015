//! `drydock host`: the Docker daemon's configuration, socket permissions and runtimes.

use crate::args;
use crate::cli::{Common, Scanner};
use anyhow::Result;
use drydock_analyze::Engine;
use drydock_fs::Limits;
use drydock_image::Image;
use std::process::ExitCode;

/// `drydock host`: the Docker daemon's configuration and the runtime sockets' permissions,
/// read from the host (or a copy of its root at `--root`).
pub fn run(root: &std::path::Path, common: &Common) -> Result<ExitCode> {
    // Content only for daemon.json (1 MiB at most); metadata for the rest.
    let files: Vec<drydock_config::HostFile> = drydock_fs::host_entries(
        root,
        drydock_config::host::known_paths(),
        "/etc/docker",
        |p| p.ends_with("daemon.json"),
        1 << 20,
    )
    .into_iter()
    .map(|e| drydock_config::HostFile {
        path: e.path,
        mode: e.mode,
        uid: e.uid,
        gid: e.gid,
        bytes: e.bytes,
    })
    .collect();
    let mut result = drydock_config::scan_host(&files);
    let docs: Vec<_> = files
        .iter()
        .filter(|f| f.path.ends_with("daemon.json") && !f.bytes.is_empty())
        .filter_map(|f| {
            let text = std::str::from_utf8(&f.bytes).ok()?;
            drydock_policy::daemon_json(&f.path, text).ok()
        })
        .collect();
    let (custom, mut notes) = super::custom_policies(common, &docs)?;
    result.findings.extend(custom);
    let (runtimes, runtime_notes) = host_runtimes(root, common)?;
    result.findings.extend(runtimes);
    notes.extend(runtime_notes);
    super::emit_files(
        drydock_report::FilesKind::Host,
        root,
        result,
        notes,
        Vec::new(),
        common,
    )
}

/// The host's runc, containerd, Docker (and other runtimes), from its package databases and
/// binaries, matched against the advisory database: the runtime CVEs (CVE-2019-5736,
/// CVE-2024-21626...) are about the host, not any one image. Notes name each runtime found.
fn host_runtimes(
    root: &std::path::Path,
    common: &Common,
) -> Result<(Vec<drydock_finding::Finding>, Vec<String>)> {
    if !common.scanners.is_empty() && !common.scanners.contains(&Scanner::Vuln) {
        return Ok((Vec::new(), Vec::new()));
    }
    // Resolved first so a missing cache directory is reported before any reading.
    common.db.resolve()?;
    let image = Image::host_runtimes(root)?;
    let options = drydock_analyze::analyzers::Options {
        secrets: None,
        secret_files: false,
        credential_files: None,
    };
    let limits = Limits {
        max_file_bytes: common.max_file_size.saturating_mul(1 << 20),
        ..Limits::default()
    };
    let mut scan =
        Engine::new(drydock_analyze::analyzers::builtin(options), limits)?.scan(&image, &|_| {})?;
    scan.packages
        .retain(drydock_analyze::inventory::is_container_runtime);
    let mut notes: Vec<String> = scan
        .packages
        .iter()
        .map(|p| {
            format!(
                "container runtime {} {} ({}, {})",
                p.name, p.version, p.ecosystem, p.location
            )
        })
        .collect();
    let Some(db) = args::open_vulndb(common, common.scanners.contains(&Scanner::Vuln))? else {
        notes.push(format!(
            "container runtime versions not checked for vulnerabilities: {}",
            args::no_vulndb(common)?
        ));
        return Ok((Vec::new(), notes));
    };
    let matcher = std::sync::Mutex::new(drydock_vulndb::Matcher::new(db));
    let options = drydock_scan::Options::default();
    let input = drydock_scan::Input {
        image: &image,
        scan: &scan,
        options: &options,
    };
    let outcome =
        drydock_scan::vulns::check(&input, &matcher, &crate::args::ignored_statuses(common));
    notes.extend(outcome.skipped);
    Ok((outcome.findings, notes))
}
