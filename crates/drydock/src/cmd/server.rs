//! `drydock server` and `drydock server token add|list|revoke`. HTTP, tokens and the store
//! live in drydock-server; this file hands it the scan pipeline ([`Pipeline`]): matching an
//! uploaded inventory with the advisory database, scanning an image by reference (a child
//! `drydock image --store` process: a hostile image that crashes a scan cannot take the server
//! down, and the scan is the one the CLI runs), and redacting uploaded text. Also the client
//! side of `--server` the scan commands share ([`client_side`], [`SharedLayers`]).

use crate::cli::{DbDir, ServerArgs, ServerCommand, ServerStore, TokenCommand};
use anyhow::{Context, Result};
use drydock_server::auth;
use drydock_store::{DbRecord, Location, OsRecord, PackageRecord, Store};
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

pub fn run(args: ServerArgs) -> Result<ExitCode> {
    match args.token {
        Some(ServerCommand::Token(t)) => token(t),
        Some(ServerCommand::LayerKey) => {
            println!(
                "{}",
                drydock_server::layers::LayerKey::generate().map_err(anyhow::Error::msg)?
            );
            Ok(ExitCode::SUCCESS)
        }
        None => serve(args),
    }
}

/// The store URL: `--store-file`, else `--store` (or drydock.toml's), else the default file.
fn store_url(s: &ServerStore) -> Result<String> {
    if let Some(file) = &s.store_file {
        return crate::args::read_secret_line(file, "the store URL");
    }
    match &s.store {
        Some(url) => Ok(url.clone()),
        None => match Location::default_sqlite()? {
            Location::Sqlite(p) => Ok(p.display().to_string()),
            Location::Postgres(u) => Ok(u),
        },
    }
}

fn open(s: &ServerStore) -> Result<Store> {
    let location = Location::parse(&store_url(s)?)?;
    let shown = location.display();
    Store::open_location(location).with_context(|| format!("cannot open the results store {shown}"))
}

fn token(cmd: TokenCommand) -> Result<ExitCode> {
    match cmd {
        TokenCommand::Add {
            name,
            scopes,
            store,
        } => {
            auth::check_name(&name).map_err(anyhow::Error::msg)?;
            let mut parsed = Vec::new();
            for s in scopes.iter().flat_map(|s| s.split(',')) {
                parsed.push(auth::Scope::parse(s.trim()).map_err(anyhow::Error::msg)?);
            }
            parsed.sort();
            parsed.dedup();
            let scopes: Vec<String> = parsed.iter().map(|s| s.as_str().to_owned()).collect();
            let mut store = open(&store)?;
            if store.tokens()?.iter().any(|t| t.name == name) {
                anyhow::bail!("a token named {name:?} exists: revoke it first");
            }
            let (token, hash) = auth::generate().map_err(anyhow::Error::msg)?;
            store.token_add(&name, &hash, &scopes)?;
            eprintln!(
                "drydock: token {name:?} ({}) created; it is shown once, only its hash is kept:",
                scopes.join(", ")
            );
            println!("{token}");
        }
        TokenCommand::List { store } => {
            for t in open(&store)?.tokens()? {
                println!(
                    "{}\t{}\tcreated {}",
                    t.name,
                    t.scopes.join(","),
                    drydock_finding::time::rfc3339(t.created_at)
                );
            }
        }
        TokenCommand::Revoke { name, store } => {
            if !open(&store)?.token_revoke(&name)? {
                anyhow::bail!("no token named {name:?}");
            }
            eprintln!("drydock: token {name:?} revoked");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn serve(args: ServerArgs) -> Result<ExitCode> {
    let url = store_url(&args.store)?;
    let location = Location::parse(&url)?;
    let mut config = drydock_server::Config::new(args.listen, location.clone());
    config.tls = args.tls_cert.clone().zip(args.tls_key.clone());
    config.max_body = (args.max_body_mib as usize) << 20;
    config.allow_registries = args
        .allow_registry
        .iter()
        .map(|r| r.trim().to_ascii_lowercase())
        .collect();
    config.max_scans = args.max_scans as usize;
    config.pool = args.pool as usize;
    if !args.listen.ip().is_loopback() && config.tls.is_none() {
        eprintln!(
            "drydock server: warning: listening on {} without TLS: tokens and results cross the network in clear (give --tls-cert/--tls-key, or terminate TLS in front)",
            args.listen
        );
    }
    let pipeline = Arc::new(Pipeline::new(&args.db, url.clone())?);
    if args.rematch_check > 0 {
        let (p, every) = (pipeline.clone(), Duration::from_secs(args.rematch_check));
        std::thread::Builder::new()
            .name("rematch".into())
            .spawn(move || rematch_loop(&p, &url, every))
            .context("cannot start the rematch thread")?;
    }
    if pipeline.db_path.exists() {
        eprintln!(
            "drydock server: advisory database {}",
            pipeline.db_path.display()
        );
    } else {
        eprintln!(
            "drydock server: warning: no advisory database in {}: inventory uploads are refused until `drydock db update --db-dir {}` fills it",
            pipeline.db_dir.display(),
            pipeline.db_dir.display()
        );
    }
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let shown = location.display();
    drydock_server::run(config, pipeline, |addr| {
        eprintln!("drydock server: store {shown}; listening on {scheme}://{addr}");
    })
    .context("drydock server")?;
    eprintln!("drydock server: stopped");
    Ok(ExitCode::SUCCESS)
}

/// Keeps the stored findings current with the advisory database: whenever stored images were
/// matched against another database than the one on disk (after `db update`, or a restart on a
/// newer one), every inventory is re-matched and the new and resolved findings recorded, so
/// "what became vulnerable overnight" needs no one to run `store rematch`.
fn rematch_loop(pipeline: &Pipeline, url: &str, every: Duration) {
    let mut store: Option<Store> = None;
    loop {
        if let Err(e) = rematch_if_stale(pipeline, url, &mut store) {
            eprintln!("drydock server: warning: rematch: {e:#}");
            store = None;
        }
        std::thread::sleep(every);
    }
}

fn rematch_if_stale(pipeline: &Pipeline, url: &str, store: &mut Option<Store>) -> Result<()> {
    let Ok((options, db)) = pipeline.options() else {
        return Ok(()); // No database yet: nothing to match against.
    };
    if store.is_none() {
        *store = Some(Store::open(url)?);
    }
    let Some(s) = store.as_mut() else {
        return Ok(());
    };
    let stale = s.stale_scans(&db.version)?;
    if stale == 0 {
        return Ok(());
    }
    let started = Instant::now();
    let (summary, _) = super::store::rematch_store(s, &options, &db)?;
    eprintln!(
        "drydock server: advisory database {}: rematched {} images in {:.1} s: {} new, {} resolved",
        db.version,
        summary.scans,
        started.elapsed().as_secs_f64(),
        summary.new,
        summary.resolved
    );
    Ok(())
}

/// The advisory database as last opened, and the file's modification time then.
struct Opened {
    modified: SystemTime,
    options: drydock_scan::Options,
    db: DbRecord,
}

struct Pipeline {
    db_dir: PathBuf,
    db_path: PathBuf,
    opened: Mutex<Option<Opened>>,
    secrets: drydock_secrets::Engine,
    store_url: String,
    exe: PathBuf,
}

impl Pipeline {
    fn new(db: &DbDir, store_url: String) -> Result<Pipeline> {
        let db_dir = db.resolve()?;
        Ok(Pipeline {
            db_path: drydock_vulndb::Database::path_in(&db_dir),
            db_dir,
            opened: Mutex::new(None),
            secrets: drydock_secrets::Engine::builtin(),
            store_url,
            exe: std::env::current_exe().context("cannot find drydock's own executable")?,
        })
    }

    /// The matcher options, reopened when `db update` replaced the database since.
    fn options(&self) -> Result<(drydock_scan::Options, DbRecord), String> {
        let modified = std::fs::metadata(&self.db_path)
            .and_then(|m| m.modified())
            .map_err(|_| {
                format!(
                    "the server has no advisory database ({}): drydock db update --db-dir {}",
                    self.db_path.display(),
                    self.db_dir.display()
                )
            })?;
        let mut guard = self.opened.lock().map_err(|_| "matcher lock poisoned")?;
        if let Some(o) = guard.as_ref().filter(|o| o.modified == modified) {
            return Ok((o.options.clone(), o.db.clone()));
        }
        let database = drydock_vulndb::Database::open(&self.db_dir).map_err(|e| {
            format!(
                "cannot open the advisory database in {}: {e}",
                self.db_dir.display()
            )
        })?;
        let db = super::store::db_record(database.imported_at().ok().flatten());
        let options = drydock_scan::Options {
            vulndb: Some(Arc::new(Mutex::new(drydock_vulndb::Matcher::new(database)))),
            ..Default::default()
        };
        *guard = Some(Opened {
            modified,
            options: options.clone(),
            db: db.clone(),
        });
        Ok((options, db))
    }
}

/// Suppression rules one upload may carry (a `.drydockignore` has tens).
const MAX_RULES: usize = 10_000;

/// A child's report is one image's JSON; anything larger is not one.
const MAX_REPORT: u64 = 512 << 20;

impl drydock_server::Backend for Pipeline {
    fn match_inventory(
        &self,
        os: Option<&OsRecord>,
        packages: &[PackageRecord],
        filters: Option<&str>,
    ) -> Result<drydock_server::Matched, drydock_server::MatchError> {
        use drydock_server::MatchError;
        let (options, db) = self.options().map_err(MatchError::Failed)?;
        // Every rule is tried against every finding: a client's list is capped.
        let rules = super::store::Filters::parse(filters).rules.len();
        if rules > MAX_RULES {
            return Err(MatchError::Refused(format!(
                "{rules} suppression rules, more than the {MAX_RULES} an upload may carry"
            )));
        }
        let (findings, records) =
            super::store::rematch_one(&options, filters, "upload", os, packages);
        Ok(drydock_server::Matched {
            findings,
            records,
            db,
        })
    }

    fn scan_reference(&self, reference: &str, timeout: Duration) -> Result<String, String> {
        // The store URL through the environment, not argv: other users can read a process's
        // arguments, not its environment.
        let mut child = Command::new(&self.exe)
            .args(["image", "--format", "json", "--quiet", "--skip-db-update"])
            .arg("--db-dir")
            .arg(&self.db_dir)
            // From the registry only, whatever the environment says (DRYDOCK_IMAGE_SRC), and
            // never as a path: a file of that name in the server's directory is not read.
            .args(["--image-src", "registry", "--"])
            .arg(format!("registry://{reference}"))
            .env("DRYDOCK_STORE", &self.store_url)
            // The child writes this server's store; a client-mode setting in the server's
            // environment must not send the scan elsewhere.
            .env_remove("DRYDOCK_SERVER")
            .env_remove("DRYDOCK_SERVER_TOKEN")
            .env_remove("DRYDOCK_LAYER_KEY_FILE")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.exe.display()))?;
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let out = std::thread::spawn(move || {
            let mut s = Vec::new();
            if let Some(o) = stdout {
                let _ = o.take(MAX_REPORT).read_to_end(&mut s);
            }
            s
        });
        let err = std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(e) = stderr {
                let _ = e.take(64 << 10).read_to_string(&mut s);
            }
            s
        });
        let started = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(s)) => break s,
                Ok(None) if started.elapsed() > timeout => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!("no result within {} s", timeout.as_secs()));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(50)),
                Err(e) => return Err(format!("waiting for the scan: {e}")),
            }
        };
        let stdout = out.join().unwrap_or_default();
        let stderr = err.join().unwrap_or_default();
        // 0 clean, 1 findings at the --exit-code gate (not set here); anything else failed.
        if !status.success() {
            let why = stderr
                .lines()
                .rfind(|l| !l.trim().is_empty())
                .unwrap_or("the scan failed")
                .trim_start_matches("drydock: ")
                .to_owned();
            return Err(why);
        }
        let report: serde_json::Value = serde_json::from_slice(&stdout)
            .map_err(|e| format!("the scan's report is not JSON: {e}"))?;
        let image = &report["image"];
        image["manifest_digest"]
            .as_str()
            .or_else(|| image["id"].as_str())
            .map(str::to_owned)
            .ok_or_else(|| "the scan's report names no image digest".to_owned())
    }

    fn redact(&self, text: &str) -> String {
        let found = self.secrets.scan_text("upload", text);
        if found.is_empty() {
            return text.to_owned();
        }
        drydock_secrets::Redactor::new(found.into_iter().map(|m| m.secret)).apply(text)
    }
}

/// The server as the engine's remote layer tier: entries sealed with the fleet's key on the way
/// up, opened with it on the way down; whatever does not open (another key, tampering, a
/// server error) is a miss, and the layer is read.
pub struct SharedLayers {
    pub client: drydock_server::client::Client,
    pub key: drydock_server::layers::LayerKey,
}

impl drydock_analyze::cache::RemoteLayers for SharedLayers {
    fn get(&self, key: &drydock_fs::Digest) -> Option<Vec<u8>> {
        let key = key.hex();
        let sealed = self.client.layer_get(&key).ok().flatten()?;
        self.key.open(&key, &sealed)
    }

    fn put(&self, key: &drydock_fs::Digest, entry: &[u8]) -> Result<(), String> {
        let key = key.hex();
        let sealed = self.key.seal(&key, entry)?;
        self.client
            .layer_put(&key, &sealed)
            .map_err(|e| e.to_string())
    }
}

/// The server of client/server mode, as a scan session holds it.
pub struct Remote {
    pub client: drydock_server::client::Client,
    pub url: String,
    /// Whether its vulnerabilities join the report (`--scanners` selects vuln).
    pub vulns: bool,
}

/// `--server URL` and its flags turned into the client, and the shared layer tier when a
/// layer key is given.
pub fn client_side(
    url: &str,
    target: &crate::cli::StoreTarget,
    common: &crate::cli::Common,
) -> Result<(
    Remote,
    Option<Arc<dyn drydock_analyze::cache::RemoteLayers>>,
)> {
    if common.show_secrets {
        anyhow::bail!(
            "--server receives secrets only as reports redact them: it cannot be combined with --show-secrets"
        );
    }
    let token = match &target.server_token_file {
        Some(file) => crate::args::read_secret_line(file, "the server token")?,
        None => std::env::var("DRYDOCK_SERVER_TOKEN").map_err(|_| {
            anyhow::anyhow!(
                "--server needs a token: --server-token-file FILE or $DRYDOCK_SERVER_TOKEN (drydock server token add NAME --scope submit)"
            )
        })?,
    };
    let roots = match &target.server_ca {
        Some(path) => drydock_registry::client::load_ca_file(path)
            .with_context(|| format!("--server-ca {}", path.display()))?,
        None => Vec::new(),
    };
    let client =
        drydock_server::client::Client::new(url, token.trim(), &roots, target.server_plain_http)?;
    let layers: Option<Arc<dyn drydock_analyze::cache::RemoteLayers>> = match &target.layer_key_file
    {
        None => None,
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read the layer key {}", file.display()))?;
            let key = drydock_server::layers::LayerKey::parse(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            anyhow::ensure!(
                !common.no_cache,
                "--layer-key-file shares layers through the layer cache: it cannot be combined with --no-cache"
            );
            Some(Arc::new(SharedLayers {
                client: client.clone(),
                key,
            }))
        }
    };
    Ok((
        Remote {
            client,
            url: url.to_owned(),
            vulns: false,
        },
        layers,
    ))
}
