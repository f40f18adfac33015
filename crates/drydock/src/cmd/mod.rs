//! One file per subcommand; this module holds what several share: the image scan pipeline
//! (`image`, `rootfs`, `sbom`), suppression, `--policy` checks and rendering file findings.
//!
//! Adding a subcommand: a variant in `cli::Command`, a file here with a `run` function, a
//! `pub mod` line below and one match arm in `main.rs`'s `run`.

pub mod cache;
pub mod completions;
pub mod config;
pub mod db;
pub mod fleet;
pub mod host;
pub mod image;
pub mod man;
pub mod many;
pub mod rootfs;
pub mod rules;
pub mod sbom;
pub mod sbom_scan;
pub mod server;
pub mod store;

use crate::cli::{Common, Scanner, StoreTarget};
use crate::{args, output};
use anyhow::{Context, Result};
use drydock_analyze::Engine;
use drydock_finding::Kind;
use drydock_image::Image;
use drydock_report::Report;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

/// Scans an opened image (or root filesystem) with the scanners the options ask for, and emits
/// the report (and writes it where `target` says: a results store, or a server).
pub fn scan_image(image: &Image, common: &Common, target: &StoreTarget) -> Result<ExitCode> {
    let session = Session::for_target(common, false, target)?;
    session.scan(image, common, !common.quiet, |report| {
        output::emit(report, common)
    })
}

/// What every image of one run shares: the scanners, the advisory database, the secret rules
/// and the engine (with its layer cache, and for many images the layers they share).
pub struct Session {
    kinds: Vec<Kind>,
    scan_options: drydock_scan::Options,
    engine: Engine,
    /// `--store`: every report is also written there (one connection, shared by the images).
    store: Option<Mutex<drydock_store::Store>>,
    /// `--server`: inventories go there, vulnerabilities come back.
    server: Option<server::Remote>,
}

impl Session {
    pub fn new(common: &Common, shared_layers: bool) -> Result<Session> {
        Self::build(common, shared_layers, None, None)
    }

    /// A session writing where `target` says: `--store`, or `--server` (client/server mode,
    /// no local advisory database).
    pub fn for_target(
        common: &Common,
        shared_layers: bool,
        target: &StoreTarget,
    ) -> Result<Session> {
        let Some(url) = &target.server else {
            return Self::new(common, shared_layers)?.with_store(target.store.as_deref(), common);
        };
        let (remote, layers) = server::client_side(url, target, common)?;
        Self::build(common, shared_layers, Some(remote), layers)
    }

    fn build(
        common: &Common,
        shared_layers: bool,
        mut server: Option<server::Remote>,
        layers: Option<Arc<dyn drydock_analyze::cache::RemoteLayers>>,
    ) -> Result<Session> {
        let explicit = !common.scanners.is_empty();
        let scanners = if explicit {
            common.scanners.clone()
        } else {
            vec![
                Scanner::Vuln,
                Scanner::Secret,
                Scanner::Credential,
                Scanner::Misconfig,
            ]
        };
        let mut kinds = Vec::new();
        let mut vulndb = None;
        for s in &scanners {
            match s {
                Scanner::Misconfig => kinds.push(Kind::Misconfiguration),
                Scanner::Secret => kinds.push(Kind::Secret),
                Scanner::Credential => kinds.push(Kind::Credential),
                Scanner::None => {}
                Scanner::Vuln if server.is_some() => {
                    if let Some(r) = &mut server {
                        r.vulns = true;
                    }
                }
                Scanner::Vuln => match args::open_vulndb(common, explicit)? {
                    Some(db) => {
                        vulndb = Some(Arc::new(Mutex::new(drydock_vulndb::Matcher::new(db))));
                        kinds.push(Kind::Vulnerability);
                    }
                    None if !common.quiet => eprintln!(
                        "drydock: warning: vulnerabilities not checked: {}",
                        args::no_vulndb(common)?
                    ),
                    None => {}
                },
            }
        }
        let secrets = Arc::new(match &common.secret_config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                let yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
                // Trivy's trivy-secret.yaml or gitleaks' TOML, by extension.
                if yaml {
                    drydock_secrets::Engine::from_trivy_yaml(&text)
                } else {
                    drydock_secrets::Engine::from_gitleaks_toml(&text)
                }
                .with_context(|| format!("{}: invalid secret rules", path.display()))?
            }
            None => drydock_secrets::Engine::builtin(),
        });
        let wordlist = match &common.wordlist {
            Some(path) => std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?
                .lines()
                .map(str::to_owned)
                .filter(|w| !w.is_empty())
                .collect(),
            None => Vec::new(),
        };
        use crate::cli::FixStatus;
        if let Some(s) = common.ignore_status.iter().find(|s| {
            !matches!(
                s,
                FixStatus::Fixed | FixStatus::Affected | FixStatus::EndOfLife
            )
        }) {
            anyhow::bail!(
                "--ignore-status {s:?}: OSV advisory data says whether a fixed version exists (fixed, affected) and Debian's end of life (end_of_life); a {s:?} status is not in it, so nothing could be filtered by it"
            );
        }
        if !(common.password_budget.is_finite() && common.password_budget >= 0.0) {
            anyhow::bail!(
                "--password-budget must be a number of seconds, not {}",
                common.password_budget
            );
        }
        let scan_options = drydock_scan::Options {
            show_secrets: common.show_secrets,
            secrets: secrets.clone(),
            password_budget: drydock_creds::CrackBudget {
                per_hash: std::time::Duration::from_secs_f64(common.password_budget),
                ..Default::default()
            },
            wordlist,
            vulndb,
            ignore_status: args::ignored_statuses(common),
        };
        let analyzer_options = drydock_analyze::analyzers::Options {
            secrets: Some(secrets),
            secret_files: kinds.contains(&Kind::Secret),
            credential_files: kinds
                .contains(&Kind::Credential)
                .then_some(drydock_scan::credentials::wants as fn(&str) -> bool),
        };
        let mut engine = Engine::new(
            drydock_analyze::analyzers::builtin(analyzer_options),
            args::limits(common),
        )?;
        if !common.no_cache {
            let dir = common.cache.resolve()?;
            match drydock_analyze::LayerCache::open(&dir, &args::build_id()) {
                Ok(cache) => engine = engine.with_cache(cache),
                Err(e) => eprintln!(
                    "drydock: warning: layer cache off: cannot create {}: {e}",
                    dir.join("layers").display()
                ),
            }
        }
        if let Some(remote) = layers {
            engine = engine.with_remote(remote);
        }
        if shared_layers {
            engine = engine.with_shared_layers();
        }
        Ok(Session {
            kinds,
            scan_options,
            engine,
            store: None,
            server,
        })
    }

    /// Opens (and migrates) the results store `--store` names, so a bad URL fails before any
    /// image is read. The store keeps findings as the report shows them, redacted: with
    /// `--show-secrets` the report holds raw values, so the two are refused together.
    pub fn with_store(mut self, url: Option<&str>, common: &Common) -> Result<Session> {
        let Some(url) = url else {
            return Ok(self);
        };
        if common.show_secrets {
            anyhow::bail!(
                "--store keeps secrets only as reports redact them: it cannot be combined with --show-secrets"
            );
        }
        let location = drydock_store::Location::parse(url)?;
        let shown = location.display();
        let store = drydock_store::Store::open_location(location)
            .with_context(|| format!("cannot open the results store {shown}"))?;
        self.store = Some(Mutex::new(store));
        Ok(self)
    }

    /// The advisory database the vulnerability findings come from, as the store records it.
    fn db_record(&self) -> drydock_store::DbRecord {
        let imported = self
            .scan_options
            .vulndb
            .as_ref()
            .filter(|_| self.kinds.contains(&Kind::Vulnerability))
            .and_then(|m| m.lock().ok()?.source().imported_at().ok().flatten());
        store::db_record(imported)
    }

    /// Scans one image and hands its report to `sink`.
    pub fn scan<R>(
        &self,
        image: &Image,
        common: &Common,
        progress: bool,
        sink: impl FnOnce(&Report<'_>) -> Result<R>,
    ) -> Result<R> {
        let bar = output::progress_bar(image, !progress);
        let scan = self.engine.scan(image, &|n| bar.inc(n))?;
        bar.finish_and_clear();
        self.judge(image, &scan, common, sink)
    }

    /// Runs the scanners over an inventory (an image's scan, or an SBOM's) and hands the
    /// report to `sink`.
    pub fn judge<R>(
        &self,
        image: &Image,
        scan: &drydock_analyze::Scan,
        common: &Common,
        sink: impl FnOnce(&Report<'_>) -> Result<R>,
    ) -> Result<R> {
        let Session {
            kinds,
            scan_options,
            ..
        } = self;
        let (mut findings, mut notes) = drydock_scan::scan(
            &drydock_scan::Input {
                image,
                scan,
                options: scan_options,
            },
            kinds,
        );
        notes.extend(image.notes.iter().cloned());
        let rules = suppression_rules(common)?;
        let filters = store::Filters::new(&scan_options.ignore_status, &rules).to_json();
        if let Some(remote) = &self.server {
            // What goes up: the inventory and these findings, as `--store` would write them
            // (redacted, suppressed by the rules, which go along so the server applies them to
            // the vulnerabilities too); what comes back: the vulnerabilities it matched.
            let (kept, gone, _) = drydock_scan::suppress::apply(
                findings.clone(),
                &rules,
                &drydock_finding::time::today(),
            );
            let mut record = store::record(image, scan, &kept, &gone, store::db_record(None));
            record.filters = filters.clone();
            let uploaded = remote.client.upload(&record)?;
            if remote.vulns {
                findings.extend(uploaded.vulnerabilities);
                findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            }
            notes.push(format!(
                "vulnerabilities matched by {} against advisory database {}; stored as scan {}",
                remote.url, uploaded.db_version, uploaded.scan_id
            ));
        }
        if kinds.contains(&Kind::Misconfiguration) && !common.policy.is_empty() {
            let docs: Vec<_> = image
                .config
                .iter()
                .filter_map(|c| serde_json::to_value(c).ok())
                .map(drydock_policy::image_config)
                .collect();
            let (custom, custom_notes) = custom_policies(common, &docs)?;
            findings.extend(custom);
            findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            notes.extend(custom_notes);
        }
        let (mut findings, suppressed) = apply_suppression(findings, &rules, common, &mut notes);
        // The store keeps every finding; `--severity` only narrows what is shown.
        let unfiltered = self.store.as_ref().map(|_| findings.clone());
        severity_filter(&mut findings, common);
        let mut report = Report::new(image, scan, &findings)
            .with_notes(&notes)
            .with_suppressed(&suppressed);
        if !common.show_secrets {
            let input = drydock_scan::Input {
                image,
                scan,
                options: scan_options,
            };
            let redactor = drydock_scan::secrets::metadata_redactor(&input);
            report = report.redact_metadata(|s| redactor.apply(s));
        }
        let out = sink(&report)?;
        if let (Some(store), Some(all)) = (&self.store, unfiltered) {
            let mut record = store::record(image, scan, &all, &suppressed, self.db_record());
            record.filters = filters;
            let mut store = store
                .lock()
                .map_err(|_| anyhow::anyhow!("results store lock poisoned"))?;
            let shown = store.location().display();
            store
                .write_scan(&record)
                .with_context(|| format!("cannot write the scan to the results store {shown}"))?;
        }
        Ok(out)
    }
}

/// Applies `.drydockignore` and VEX suppressions, then the `--severity` filter.
pub fn suppress(
    findings: Vec<drydock_finding::Finding>,
    common: &Common,
    notes: &mut Vec<String>,
) -> Result<(
    Vec<drydock_finding::Finding>,
    Vec<drydock_finding::Suppressed>,
)> {
    let rules = suppression_rules(common)?;
    let (mut kept, suppressed) = apply_suppression(findings, &rules, common, notes);
    severity_filter(&mut kept, common);
    Ok((kept, suppressed))
}

/// `--severity`: the findings shown.
fn severity_filter(findings: &mut Vec<drydock_finding::Finding>, common: &Common) {
    if !common.severity.is_empty() {
        findings.retain(|f| common.severity.contains(&f.severity));
    }
}

/// The rules of `.drydockignore` (or `--ignorefile`) and `--vex`.
fn suppression_rules(common: &Common) -> Result<Vec<drydock_scan::suppress::Rule>> {
    let mut rules = Vec::new();
    let default = PathBuf::from(".drydockignore");
    let ignorefile = common
        .ignorefile
        .clone()
        .or_else(|| default.is_file().then_some(default));
    if let Some(path) = ignorefile {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        rules.extend(drydock_scan::suppress::parse_ignore(
            &path.display().to_string(),
            &text,
        )?);
    }
    for path in &common.vex {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        rules.extend(drydock_scan::suppress::parse_openvex(
            &path.display().to_string(),
            &text,
        )?);
    }
    Ok(rules)
}

/// Splits findings by `rules`; expired rules are warnings and notes.
fn apply_suppression(
    findings: Vec<drydock_finding::Finding>,
    rules: &[drydock_scan::suppress::Rule],
    common: &Common,
    notes: &mut Vec<String>,
) -> (
    Vec<drydock_finding::Finding>,
    Vec<drydock_finding::Suppressed>,
) {
    let (kept, suppressed, expired) =
        drydock_scan::suppress::apply(findings, rules, &drydock_finding::time::today());
    for n in &expired {
        if !common.quiet {
            eprintln!("drydock: warning: {n}");
        }
    }
    notes.extend(expired);
    (kept, suppressed)
}

/// Renders what `drydock-config` found in files (config or host). Files it could not read or
/// parse (`result.errors`, and `skipped`: unreadable or over the size limit) are warnings.
pub fn emit_files(
    kind: drydock_report::FilesKind,
    path: &std::path::Path,
    result: drydock_config::ScanResult,
    mut notes: Vec<String>,
    skipped: Vec<String>,
    common: &Common,
) -> Result<ExitCode> {
    // A file that could not be read must never look like a clean one: it is a warning on
    // stderr and in the report, and fails an `--exit-code` gate like a finding would.
    let mut unreadable: Vec<String> = result
        .errors
        .iter()
        .map(|e| format!("{e} (not fully checked)"))
        .collect();
    unreadable.extend(skipped);
    if !common.quiet {
        for u in &unreadable {
            eprintln!("drydock: warning: {u}");
        }
    }
    let skipped = !unreadable.is_empty();
    notes.extend(unreadable);
    let mut findings = result.findings;
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let (findings, suppressed) = suppress(findings, common, &mut notes)?;
    let report = Report::files(kind, &path.display().to_string(), &findings, &notes)
        .with_suppressed(&suppressed);
    let code = output::emit(&report, common)?;
    if skipped && common.exit_code != 0 {
        return Ok(ExitCode::from(common.exit_code));
    }
    Ok(code)
}

/// Runs the `--policy` checks over documents. Their findings join the scan's (suppression,
/// `--severity` and formats then apply as to any other); a policy that does not compile, or
/// fails on one document, becomes a note and a warning so one broken policy never stops a scan.
/// A `--policy` path that does not exist is an error: a typo must not silently check nothing.
pub fn custom_policies(
    common: &Common,
    docs: &[drydock_policy::Document],
) -> Result<(Vec<drydock_finding::Finding>, Vec<String>)> {
    if common.policy.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let limits = drydock_policy::Limits::default();
    let (sources, mut errors) =
        drydock_policy::read_paths(&common.policy, &limits).context("--policy")?;
    let (set, compile_errors) = drydock_policy::PolicySet::compile(sources, limits);
    errors.extend(compile_errors);
    let mut notes: Vec<String> = errors
        .iter()
        .map(|e| format!("policy not loaded: {e}"))
        .collect();
    let outcome = set.evaluate(docs);
    notes.extend(outcome.notes);
    if !common.quiet {
        for n in &notes {
            eprintln!("drydock: warning: {n}");
        }
    }
    Ok((outcome.findings, notes))
}
