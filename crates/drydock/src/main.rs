//! The `drydock` command: argument parsing, progress, output and exit codes. All the work is in
//! the library crates; this is the only place that prints.

mod config;
mod rules;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use drydock_analyze::Engine;
use drydock_finding::{Kind, Severity};
use drydock_fs::Limits;
use drydock_image::{Image, OpenOptions, Platform};
use drydock_report::Report;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit code for errors: unreadable or corrupt input, bad flags. (1 is reserved for findings.)
const EXIT_ERROR: u8 = 2;

#[derive(Parser)]
#[command(
    name = "drydock",
    version,
    about = "Audit container images and root filesystems, offline"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan an image: a registry reference, a `docker save` archive, an OCI layout (directory or
    /// tar), or `docker://NAME` / `podman://NAME` in the local engine
    Image {
        /// Image reference (`registry.example:5000/team/app:1.4`, `debian:12`, `registry://…`),
        /// `docker://NAME` or `podman://NAME`, or the path to an archive or layout (a path that
        /// exists wins)
        path: PathBuf,
        /// Allow plain HTTP (registry and token realm) for a registry that is not on loopback
        #[arg(long)]
        insecure: bool,
        /// Registry user name; the password is read from standard input (`--password-stdin`)
        #[arg(long, requires = "password_stdin")]
        username: Option<String>,
        /// Read the registry password from standard input
        #[arg(long, requires = "username")]
        password_stdin: bool,
        /// Platform to pick from a multi-arch index: os/arch[/variant]
        #[arg(long, value_parser = parse_platform)]
        platform: Option<Platform>,
        /// Image to pick when the source holds several (ref name, image name or repo tag)
        #[arg(long = "ref")]
        reference: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Software bill of materials of an image or directory (short for `--format cyclonedx`)
    Sbom {
        /// An image archive or layout, or a root filesystem directory
        path: PathBuf,
        /// Platform to pick from a multi-arch index: os/arch[/variant]
        #[arg(long, value_parser = parse_platform)]
        platform: Option<Platform>,
        /// Image to pick when the source holds several
        #[arg(long = "ref")]
        reference: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Check Dockerfiles, Kubernetes manifests, Compose files and daemon.json under a path
    Config {
        /// A file or a directory (searched recursively; .git, node_modules, target, vendor skipped)
        path: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// Check this host's Docker daemon configuration and runtime socket permissions (CIS Docker)
    Host {
        /// Read the host's files under this directory instead of /
        #[arg(long, default_value = "/")]
        root: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// List every built-in rule, or print one rule's documentation page
    Rules {
        /// A rule id such as DD-K8S-001: print its page
        id: Option<String>,
        /// Print the list as JSON
        #[arg(long)]
        json: bool,
        /// List the secret rules (gitleaks' set and drydock's) instead
        #[arg(long)]
        secrets: bool,
        /// Write one Markdown page per rule and an index into DIR (how docs/rules is made)
        #[arg(long, value_name = "DIR")]
        docs: Option<PathBuf>,
    },
    /// Print shell completions (bash, zsh, fish, elvish, powershell)
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff)
    Man,
    /// Manage the offline advisory database (OSV)
    #[command(subcommand)]
    Db(DbCommand),
    /// Manage the layer cache (per-layer results reused by later scans)
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Scan a root filesystem directory (an unpacked image or a mounted host)
    Rootfs {
        /// The directory to treat as `/`
        dir: PathBuf,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Subcommand)]
enum DbCommand {
    /// Import OSV advisories: JSON or YAML files, directories, .zip and .tar.gz archives, Alpine secdb
    Import {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Start from an empty database instead of adding to the current one
        #[arg(long)]
        replace: bool,
        #[command(flatten)]
        db: DbDir,
    },
    /// Sources, counts per ecosystem and age of the database
    Info {
        #[command(flatten)]
        db: DbDir,
    },
    /// Download osv.dev's per-ecosystem exports and rebuild the database from them.
    ///
    /// Exports are cached under DIR/sources and asked for again with If-None-Match /
    /// If-Modified-Since, so an unchanged export is not downloaded twice. The database is
    /// replaced by the exports (re-run `db import` for extra feeds afterwards); if any export
    /// fails, nothing is changed.
    Update {
        /// Where the exports live: {URL}/{Ecosystem}/all.zip (https://, http:// or file://)
        #[arg(long, value_name = "URL", default_value = drydock_vulndb::update::DEFAULT_BASE_URL)]
        url: String,
        /// Ecosystem to download (repeatable) [default: the ecosystems drydock matches]
        #[arg(long = "ecosystem", value_name = "NAME")]
        ecosystems: Vec<String>,
        /// Give up on one download after this many seconds
        #[arg(long, value_name = "SECS", default_value_t = 1800)]
        timeout: u64,
        /// Print the summary as JSON
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbDir,
    },
}

#[derive(Subcommand)]
enum CacheCommand {
    /// Remove every cached layer result
    Clean {
        #[command(flatten)]
        cache: CacheDir,
    },
}

#[derive(Args, Clone)]
struct CacheDir {
    /// Where cached layer results live [default: the user cache dir, drydock]
    #[arg(long, env = "DRYDOCK_CACHE_DIR", value_name = "DIR")]
    cache_dir: Option<PathBuf>,
}

impl CacheDir {
    fn resolve(&self) -> Result<PathBuf> {
        match &self.cache_dir {
            Some(d) => Ok(d.clone()),
            None => Ok(user_cache()
                .context("no cache directory: set --cache-dir or DRYDOCK_CACHE_DIR")?
                .join("drydock")),
        }
    }
}

/// `$XDG_CACHE_HOME`, else `~/.cache`.
fn user_cache() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
}

/// Names this build of drydock for the layer cache: the executable's size and modification
/// time change with every build, so a rebuilt binary never reads results an older one wrote.
fn build_id() -> String {
    let exe = std::env::current_exe().and_then(std::fs::metadata);
    let stamp = exe.as_ref().map_or(String::new(), |m| {
        let mtime = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        format!("{}:{mtime}", m.len())
    });
    format!("{} {stamp}", env!("CARGO_PKG_VERSION"))
}

#[derive(Args, Clone)]
struct DbDir {
    /// Where the advisory database lives [default: the user cache dir, drydock/db]
    #[arg(long, env = "DRYDOCK_DB_DIR", value_name = "DIR")]
    db_dir: Option<PathBuf>,
}

impl DbDir {
    fn resolve(&self) -> Result<PathBuf> {
        if let Some(d) = &self.db_dir {
            return Ok(d.clone());
        }
        let cache = user_cache().context("no cache directory: set --db-dir or DRYDOCK_DB_DIR")?;
        Ok(cache.join("drydock").join("db"))
    }
}

#[derive(Args)]
struct Common {
    /// Output format, optionally with its own file: `--format json=out.json`; repeatable.
    /// Formats: table, json, sarif, cyclonedx, junit, html, spdx-json
    #[arg(long, short, value_parser = parse_format_spec, default_value = "table")]
    format: Vec<FormatSpec>,
    /// Write the output to this file instead of stdout
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// No progress on stderr
    #[arg(long, short, env = "DRYDOCK_QUIET", value_parser = clap::builder::FalseyValueParser::new())]
    quiet: bool,
    /// Largest file analyzers may read, in MiB
    #[arg(long, default_value_t = 64, value_name = "MIB")]
    max_file_size: u64,
    /// Largest uncompressed layer read, in MiB (past it the layer is cut short with a warning)
    #[arg(long, default_value_t = 64 << 10, value_name = "MIB")]
    max_layer_size: u64,
    /// Most entries indexed per layer
    #[arg(long, default_value_t = 2_000_000)]
    max_entries: u64,
    /// Time budget for reading the image, in seconds (0: none). Layers still being read when it
    /// runs out are cut short with a warning naming them; the findings so far are reported
    #[arg(
        long,
        default_value_t = 1800,
        value_name = "SECS",
        env = "DRYDOCK_TIMEOUT"
    )]
    timeout: u64,
    /// Scanners to run, comma-separated [default: all; vuln when a database exists]
    #[arg(long, value_enum, value_delimiter = ',')]
    scanners: Vec<Scanner>,
    /// Leave out vulnerabilities that have no fixed version yet
    #[arg(long)]
    ignore_unfixed: bool,
    #[command(flatten)]
    db: DbDir,
    #[command(flatten)]
    cache: CacheDir,
    /// Read every layer blob again instead of reusing (and writing) cached layer results.
    /// Cached results hold what the analyzers found, secrets included; the cache is private to
    /// the user
    #[arg(long, env = "DRYDOCK_NO_CACHE", value_parser = clap::builder::FalseyValueParser::new())]
    no_cache: bool,
    /// Show secrets and cracked passwords in the output instead of redacting them
    #[arg(long)]
    show_secrets: bool,
    /// Secret rules: gitleaks' TOML (`[extend] useDefault = true` keeps the built-ins) or Trivy's .yaml
    #[arg(long, value_name = "FILE", env = "DRYDOCK_SECRET_CONFIG")]
    secret_config: Option<PathBuf>,
    /// Seconds spent guessing each password hash
    #[arg(long, default_value_t = 2.0, value_name = "SECONDS")]
    password_budget: f64,
    /// Extra passwords to try on every hash, one per line
    #[arg(long, value_name = "FILE")]
    wordlist: Option<PathBuf>,
    /// Severities to report, comma-separated (default: all)
    #[arg(long, value_delimiter = ',', value_parser = parse_severity, env = "DRYDOCK_SEVERITY")]
    severity: Vec<Severity>,
    /// Suppressions: `ID [path=P] [package=PURL] [exp=YYYY-MM-DD] # reason` per line
    /// [default: ./.drydockignore when present]
    #[arg(long, value_name = "FILE", env = "DRYDOCK_IGNOREFILE")]
    ignorefile: Option<PathBuf>,
    /// OpenVEX documents: not_affected / fixed statements suppress matching vulnerabilities
    #[arg(long, value_name = "FILE")]
    vex: Vec<PathBuf>,
    /// Exit with this code when any reported finding remains (for CI gates)
    #[arg(long, default_value_t = 0, env = "DRYDOCK_EXIT_CODE")]
    exit_code: u8,
    /// Custom checks in Rego, Trivy-style (`deny` rules, `# METADATA`): a directory of .rego
    /// files or one file; repeatable
    #[arg(long = "policy", value_name = "DIR")]
    policy: Vec<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Scanner {
    /// Known vulnerabilities in packages (OSV advisories)
    Vuln,
    /// Leaked secrets in files, config and history
    Secret,
    /// Weak, empty and default credentials
    Credential,
    /// Misconfiguration of the image and its files
    Misconfig,
    /// No scanner (inventory only)
    #[value(skip)]
    None,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// A human summary and findings table
    #[value(alias = "summary")]
    Table,
    /// The versioned JSON document
    Json,
    /// CycloneDX 1.6 JSON SBOM
    Cyclonedx,
    /// SPDX 2.3 JSON SBOM
    SpdxJson,
    /// SARIF 2.1.0 (GitHub code scanning)
    Sarif,
    /// JUnit XML (CI dashboards)
    Junit,
    /// One self-contained HTML page
    Html,
}

/// One requested output: a format and where it goes (stdout, `--output`, or its own file).
#[derive(Clone)]
struct FormatSpec {
    format: Format,
    file: Option<PathBuf>,
}

fn parse_format_spec(s: &str) -> Result<FormatSpec, String> {
    let (name, file) = match s.split_once('=') {
        Some((n, f)) if !f.is_empty() => (n, Some(PathBuf::from(f))),
        Some((n, _)) => return Err(format!("--format {n}= needs a file name after '='")),
        None => (s, None),
    };
    let format = Format::from_str(name, true).map_err(|_| {
        format!(
            "unknown format {name:?}: use table, json, sarif, cyclonedx, junit, html or spdx-json"
        )
    })?;
    Ok(FormatSpec { format, file })
}

/// A reference to pull, unless `arg` is an existing path (which is scanned as a file, as before)
/// or does not parse as a reference (then the path error names it).
fn registry_reference(arg: &std::path::Path) -> Result<Option<drydock_registry::Reference>> {
    let Some(text) = arg.to_str() else {
        return Ok(None);
    };
    if let Some(rest) = text.strip_prefix("registry://") {
        return Ok(Some(drydock_registry::Reference::parse(rest)?));
    }
    if text.starts_with("docker://") || text.starts_with("podman://") {
        // A container engine's image (`open_image`), not a registry.
        return Ok(None);
    }
    if arg.exists() {
        return Ok(None);
    }
    Ok(drydock_registry::Reference::parse(text).ok())
}

fn pull(
    reference: &drydock_registry::Reference,
    opts: &OpenOptions,
    insecure: bool,
    username: Option<String>,
    password_stdin: bool,
) -> Result<Image> {
    let explicit = match (username, password_stdin) {
        (Some(username), true) => {
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .context("cannot read the registry password from standard input")?;
            Some(drydock_registry::Credential {
                username,
                secret: drydock_registry::Secret::new(password.trim_end_matches(['\r', '\n'])),
            })
        }
        _ => None,
    };
    // Credentials are looked up by the reference's registry only.
    let credential = drydock_registry::CredentialSources::from_env(explicit)
        .lookup(&reference.registry)
        .with_context(|| format!("cannot read credentials for {}", reference.registry))?;
    let client = drydock_registry::client::Client::new(
        reference,
        credential,
        drydock_registry::client::ClientOptions {
            insecure,
            ..Default::default()
        },
    );
    drydock_image::open_registry(reference, client, opts)
        .with_context(|| format!("cannot pull {reference}"))
}

fn parse_platform(s: &str) -> Result<Platform, String> {
    s.parse()
}

fn main() -> ExitCode {
    let matches = <Cli as clap::CommandFactory>::command().get_matches();
    let cli = match <Cli as clap::FromArgMatches>::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    match run(cli, &matches) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("drydock: error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// An image path, or `docker://NAME` / `podman://NAME`: an image in the local engine, streamed
/// from its API socket (`DOCKER_HOST`, `CONTAINER_HOST` or the default sockets).
fn open_image(path: &Path, opts: &OpenOptions) -> Result<Image> {
    let text = path.to_string_lossy();
    let engine = [
        ("docker://", drydock_image::EngineKind::Docker),
        ("podman://", drydock_image::EngineKind::Podman),
    ]
    .into_iter()
    .find_map(|(prefix, kind)| text.strip_prefix(prefix).map(|name| (kind, name)));
    let Some((kind, name)) = engine else {
        return Ok(Image::open(path, opts)?);
    };
    let socket = drydock_image::EngineSocket::from_env(kind)?;
    Image::open_engine(&socket, name).with_context(|| {
        format!(
            "cannot open {text} from the engine socket {}",
            socket.path.display()
        )
    })
}

fn run(mut cli: Cli, matches: &clap::ArgMatches) -> Result<ExitCode> {
    // `drydock.toml` fills what the flags left at their defaults.
    if let Some((_, sub)) = matches.subcommand() {
        match &mut cli.command {
            Command::Image { common, .. }
            | Command::Sbom { common, .. }
            | Command::Rootfs { common, .. }
            | Command::Config { common, .. }
            | Command::Host { common, .. } => config::apply(common, sub)?,
            _ => {}
        }
    }
    let (image, common) = match cli.command {
        Command::Image {
            path,
            platform,
            reference,
            insecure,
            username,
            password_stdin,
            common,
        } => {
            let opts = OpenOptions {
                platform,
                reference,
            };
            let image = match registry_reference(&path)? {
                Some(r) => pull(&r, &opts, insecure, username, password_stdin)?,
                None => open_image(&path, &opts)?,
            };
            (image, common)
        }
        Command::Rootfs { dir, common } => (Image::rootfs(&dir)?, common),
        Command::Db(cmd) => return db(cmd),
        Command::Rules {
            id,
            json,
            secrets,
            docs,
        } => return rules_command(id.as_deref(), json, secrets, docs.as_deref()),
        Command::Cache(CacheCommand::Clean { cache }) => {
            let dir = cache.resolve()?;
            let cleaned = drydock_analyze::LayerCache::clean(&dir)
                .with_context(|| format!("cannot clean the layer cache in {}", dir.display()))?;
            println!(
                "removed {} cached layers ({} bytes) from {}",
                cleaned.files,
                cleaned.bytes,
                dir.join("layers").display()
            );
            return Ok(ExitCode::SUCCESS);
        }
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cmd, "drydock", &mut buf);
            return write_stdout(&buf).map(|()| ExitCode::SUCCESS);
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            let mut buf = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut buf)
                .context("cannot render the man page")?;
            return write_stdout(&buf).map(|()| ExitCode::SUCCESS);
        }
        Command::Config { path, common } => return config(&path, &common),
        Command::Host { root, common } => return host(&root, &common),
        Command::Sbom {
            path,
            platform,
            reference,
            mut common,
        } => {
            for spec in &mut common.format {
                if spec.format == Format::Table {
                    spec.format = Format::Cyclonedx;
                }
            }
            common.scanners = vec![Scanner::None];
            // A directory is an image layout if it says so, otherwise a root filesystem.
            let layout = ["index.json", "manifest.json"]
                .iter()
                .any(|f| path.join(f).is_file());
            let image = if path.is_dir() && !layout {
                Image::rootfs(&path)?
            } else {
                open_image(
                    &path,
                    &OpenOptions {
                        platform,
                        reference,
                    },
                )?
            };
            (image, common)
        }
    };
    let db_dir = common.db.resolve()?;
    let db_file = drydock_vulndb::Database::path_in(&db_dir);
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
            Scanner::Vuln if db_file.exists() => {
                let db = drydock_vulndb::Database::open(&db_dir).with_context(|| {
                    format!("cannot open the advisory database in {}", db_dir.display())
                })?;
                vulndb = Some(std::sync::Arc::new(std::sync::Mutex::new(
                    drydock_vulndb::Matcher::new(db),
                )));
                kinds.push(Kind::Vulnerability);
            }
            Scanner::Vuln if explicit => anyhow::bail!(
                "no advisory database in {}: download it with `drydock db update` or import OSV data with `drydock db import PATH` (or set --db-dir)",
                db_dir.display()
            ),
            Scanner::Vuln => {
                if !common.quiet {
                    eprintln!(
                        "drydock: warning: vulnerabilities not checked: no advisory database in {} (drydock db update, or drydock db import PATH)",
                        db_dir.display()
                    );
                }
            }
        }
    }
    let secrets = std::sync::Arc::new(match &common.secret_config {
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
        ignore_unfixed: common.ignore_unfixed,
    };
    let analyzer_options = drydock_analyze::analyzers::Options {
        secrets: Some(secrets),
        secret_files: kinds.contains(&Kind::Secret),
        credential_files: kinds
            .contains(&Kind::Credential)
            .then_some(drydock_scan::credentials::wants as fn(&str) -> bool),
    };
    let limits = Limits {
        max_entries: common.max_entries,
        max_layer_bytes: common.max_layer_size.saturating_mul(1 << 20),
        max_file_bytes: common.max_file_size.saturating_mul(1 << 20),
        deadline: (common.timeout > 0)
            .then(|| std::time::Instant::now() + std::time::Duration::from_secs(common.timeout)),
    };
    let mut engine = Engine::new(
        drydock_analyze::analyzers::builtin(analyzer_options),
        limits,
    )?;
    if !common.no_cache {
        let dir = common.cache.resolve()?;
        match drydock_analyze::LayerCache::open(&dir, &build_id()) {
            Ok(cache) => engine = engine.with_cache(cache),
            Err(e) => eprintln!(
                "drydock: warning: layer cache off: cannot create {}: {e}",
                dir.join("layers").display()
            ),
        }
    }
    let bar = progress_bar(&image, common.quiet);
    let scan = engine.scan(&image, &|n| bar.inc(n))?;
    bar.finish_and_clear();

    let (mut findings, mut notes) = drydock_scan::scan(
        &drydock_scan::Input {
            image: &image,
            scan: &scan,
            options: &scan_options,
        },
        &kinds,
    );
    if kinds.contains(&Kind::Misconfiguration) && !common.policy.is_empty() {
        let docs: Vec<_> = image
            .config
            .iter()
            .filter_map(|c| serde_json::to_value(c).ok())
            .map(drydock_policy::image_config)
            .collect();
        let (custom, custom_notes) = custom_policies(&common, &docs)?;
        findings.extend(custom);
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        notes.extend(custom_notes);
    }
    let (findings, suppressed) = suppress(findings, &common, &mut notes)?;
    let mut report = Report::new(&image, &scan, &findings)
        .with_notes(&notes)
        .with_suppressed(&suppressed);
    if !common.show_secrets {
        let input = drydock_scan::Input {
            image: &image,
            scan: &scan,
            options: &scan_options,
        };
        let redactor = drydock_scan::secrets::metadata_redactor(&input);
        report = report.redact_metadata(|s| redactor.apply(s));
    }
    emit(&report, &common)
}

/// Applies `.drydockignore` and VEX suppressions, then the `--severity` filter.
fn suppress(
    findings: Vec<drydock_finding::Finding>,
    common: &Common,
    notes: &mut Vec<String>,
) -> Result<(
    Vec<drydock_finding::Finding>,
    Vec<drydock_finding::Suppressed>,
)> {
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
    let (mut kept, suppressed, expired) =
        drydock_scan::suppress::apply(findings, &rules, &drydock_finding::time::today());
    for n in &expired {
        if !common.quiet {
            eprintln!("drydock: warning: {n}");
        }
    }
    notes.extend(expired);
    if !common.severity.is_empty() {
        kept.retain(|f| common.severity.contains(&f.severity));
    }
    Ok((kept, suppressed))
}

/// Writes every requested format and turns remaining findings into the `--exit-code`.
fn emit(report: &Report<'_>, common: &Common) -> Result<ExitCode> {
    for spec in &common.format {
        let text = match spec.format {
            Format::Table => {
                use std::io::IsTerminal;
                let to_terminal = spec.file.is_none()
                    && common.output.is_none()
                    && std::io::stdout().is_terminal();
                let colour =
                    to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
                drydock_report::summary_styled(report, colour)
            }
            Format::Json => report.json(),
            Format::Cyclonedx => drydock_report::cyclonedx(report),
            Format::Sarif => drydock_report::sarif(report),
            Format::Junit => drydock_report::junit(report),
            Format::Html => drydock_report::html(report),
            Format::SpdxJson => drydock_report::spdx(report),
        };
        match spec.file.as_ref().or(common.output.as_ref()) {
            Some(path) => std::fs::write(path, text)
                .with_context(|| format!("cannot write {}", path.display()))?,
            None => write_stdout(text.as_bytes())?,
        }
    }
    if common.exit_code != 0 && !report.findings.is_empty() {
        return Ok(ExitCode::from(common.exit_code));
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes to stdout; a closed pipe (`drydock ... | head`) is not an error worth a message.
fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(e).context("cannot write to stdout")
        }
        _ => Ok(()),
    }
}

/// `drydock config PATH`: Dockerfiles, Kubernetes manifests, Compose files and daemon.json
/// under a file or directory, checked together (NetworkPolicy coverage spans documents).
fn config(path: &std::path::Path, common: &Common) -> Result<ExitCode> {
    const SKIP_DIRS: &[&str] = &[".git", "node_modules", "target", "vendor", ".terraform"];
    let mut files = Vec::new();
    let mut notes = Vec::new();
    let walker = walkdir::WalkDir::new(path)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            !(e.file_type().is_dir()
                && e.depth() > 0
                && SKIP_DIRS.iter().any(|d| e.file_name() == *d))
        });
    for entry in walker {
        let entry = entry.with_context(|| format!("cannot walk {}", path.display()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let name = entry.path().display().to_string();
        if !drydock_config::wants(&name) {
            continue;
        }
        if entry
            .metadata()
            .map(|m| m.len() as usize > drydock_config::MAX_FILE_SIZE)
            .unwrap_or(true)
        {
            notes.push(format!(
                "{name}: larger than {} MiB, not checked",
                drydock_config::MAX_FILE_SIZE >> 20
            ));
            continue;
        }
        match std::fs::read(entry.path()) {
            Ok(bytes) => files.push((name, bytes)),
            Err(e) => notes.push(format!("{name}: cannot read: {e}")),
        }
    }
    if files.is_empty() && !path.exists() {
        anyhow::bail!("{}: no such file or directory", path.display());
    }
    let mut result = drydock_config::scan_set(&files);
    let docs: Vec<_> = files
        .iter()
        .filter_map(|(name, bytes)| drydock_policy::documents(name, bytes).ok())
        .flatten()
        .collect();
    let (custom, custom_notes) = custom_policies(common, &docs)?;
    result.findings.extend(custom);
    notes.extend(custom_notes);
    emit_files(
        drydock_image::SourceKind::Config,
        path,
        result,
        notes,
        common,
    )
}

/// Renders what `drydock-config` found in files (config or host), with its parse errors as notes.
fn emit_files(
    kind: drydock_image::SourceKind,
    path: &std::path::Path,
    result: drydock_config::ScanResult,
    mut notes: Vec<String>,
    common: &Common,
) -> Result<ExitCode> {
    notes.extend(result.errors.iter().map(ToString::to_string));
    let mut findings = result.findings;
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let (findings, suppressed) = suppress(findings, common, &mut notes)?;
    let report = Report::files(kind, &path.display().to_string(), &findings, &notes)
        .with_suppressed(&suppressed);
    emit(&report, common)
}

/// `drydock host`: the Docker daemon's configuration and the runtime sockets' permissions,
/// read from the host (or a copy of its root at `--root`).
fn host(root: &std::path::Path, common: &Common) -> Result<ExitCode> {
    use std::os::unix::fs::MetadataExt;
    let mut paths: Vec<String> = drydock_config::host::known_paths()
        .map(str::to_owned)
        .collect();
    let etc_docker = root.join("etc/docker");
    if etc_docker.is_dir() {
        paths.push("/etc/docker".into());
        for e in walkdir::WalkDir::new(&etc_docker)
            .follow_links(false)
            .max_depth(3)
            .into_iter()
            .flatten()
        {
            if let Ok(rel) = e.path().strip_prefix(root) {
                paths.push(format!("/{}", rel.display()));
            }
        }
    }
    paths.sort();
    paths.dedup();
    let mut files = Vec::new();
    for p in paths {
        let on_disk = root.join(p.trim_start_matches('/'));
        // Never follow a link out of `--root`: the checks are about the entries themselves.
        let Ok(md) = std::fs::symlink_metadata(&on_disk) else {
            continue;
        };
        let bytes = if p.ends_with("daemon.json") && md.is_file() && md.len() < (1 << 20) {
            std::fs::read(&on_disk).unwrap_or_default()
        } else {
            Vec::new()
        };
        files.push(drydock_config::host::HostFile {
            path: p,
            mode: md.mode() & 0o7777,
            uid: md.uid(),
            gid: md.gid(),
            bytes,
        });
    }
    let mut result = drydock_config::scan_host(&files);
    let docs: Vec<_> = files
        .iter()
        .filter(|f| f.path.ends_with("daemon.json") && !f.bytes.is_empty())
        .filter_map(|f| {
            let text = std::str::from_utf8(&f.bytes).ok()?;
            drydock_policy::daemon_json(&f.path, text).ok()
        })
        .collect();
    let (custom, mut notes) = custom_policies(common, &docs)?;
    result.findings.extend(custom);
    let (runtimes, runtime_notes) = host_runtimes(root, common)?;
    result.findings.extend(runtimes);
    notes.extend(runtime_notes);
    emit_files(drydock_image::SourceKind::Host, root, result, notes, common)
}

/// What `drydock host` reads to find the container runtimes: package databases, release files
/// and the usual binary directories, never the whole host.
const HOST_RUNTIME_PATHS: &[&str] = &[
    "etc/os-release",
    "usr/lib/os-release",
    "etc/alpine-release",
    "etc/debian_version",
    "etc/redhat-release",
    "etc/lsb-release",
    "var/lib/dpkg",
    "lib/apk/db",
    "var/lib/rpm",
    "usr/lib/sysimage/rpm",
    "bin",
    "sbin",
    "usr/bin",
    "usr/sbin",
    "usr/local/bin",
    "usr/local/sbin",
    "usr/libexec/docker",
    "opt/containerd/bin",
];

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
    let db_dir = common.db.resolve()?;
    let image = Image::rootfs_only(root, HOST_RUNTIME_PATHS)?;
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
    if !drydock_vulndb::Database::path_in(&db_dir).exists() {
        if common.scanners.contains(&Scanner::Vuln) {
            anyhow::bail!(
                "no advisory database in {}: download it with `drydock db update` or import OSV data with `drydock db import PATH` (or set --db-dir)",
                db_dir.display()
            );
        }
        notes.push(format!(
            "container runtime versions not checked for vulnerabilities: no advisory database in {} (drydock db update, or drydock db import PATH)",
            db_dir.display()
        ));
        return Ok((Vec::new(), notes));
    }
    let db = drydock_vulndb::Database::open(&db_dir)
        .with_context(|| format!("cannot open the advisory database in {}", db_dir.display()))?;
    let matcher = std::sync::Mutex::new(drydock_vulndb::Matcher::new(db));
    let options = drydock_scan::Options::default();
    let input = drydock_scan::Input {
        image: &image,
        scan: &scan,
        options: &options,
    };
    let outcome = drydock_scan::vulns::check(&input, &matcher, common.ignore_unfixed);
    notes.extend(outcome.skipped);
    Ok((outcome.findings, notes))
}

/// Runs the `--policy` checks over documents. Their findings join the scan's (suppression,
/// `--severity` and formats then apply as to any other); a policy that does not compile, or
/// fails on one document, becomes a note and a warning so one broken policy never stops a scan.
/// A `--policy` path that does not exist is an error: a typo must not silently check nothing.
fn custom_policies(
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

fn db(cmd: DbCommand) -> Result<ExitCode> {
    match cmd {
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
        DbCommand::Info { db } => {
            let dir = db.resolve()?;
            let info = drydock_vulndb::Database::open(&dir)
                .and_then(|d| d.info())
                .with_context(|| format!("no readable advisory database in {}", dir.display()))?;
            println!(
                "{}",
                serde_json::to_string_pretty(&info).unwrap_or_default()
            );
            Ok(ExitCode::SUCCESS)
        }
        DbCommand::Update {
            url,
            ecosystems,
            timeout,
            json,
            db,
        } => {
            let dir = db.resolve()?;
            let mut options = drydock_vulndb::UpdateOptions {
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

fn rules_command(
    id: Option<&str>,
    json: bool,
    secrets: bool,
    docs: Option<&std::path::Path>,
) -> Result<ExitCode> {
    if let Some(dir) = docs {
        let n = rules::write_docs(dir)?;
        println!("wrote {n} rule pages and an index to {}", dir.display());
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = String::new();
    if secrets {
        let list = drydock_secrets::Engine::builtin().rules();
        if json {
            out = serde_json::to_string_pretty(&list)?;
        } else {
            for r in &list {
                out.push_str(&format!("{:<40} {:<8} {}\n", r.id, r.severity, r.title));
            }
        }
    } else if let Some(id) = id {
        let rule = rules::all()
            .into_iter()
            .find(|r| r.id.eq_ignore_ascii_case(id))
            .with_context(|| format!("no rule {id:?} (`drydock rules` lists them)"))?;
        out = if json {
            serde_json::to_string_pretty(rule)?
        } else {
            rule.markdown()
        };
    } else if json {
        out = serde_json::to_string_pretty(&rules::all())?;
    } else {
        for r in rules::all() {
            out.push_str(&format!("{:<16} {:<8} {}\n", r.id, r.severity, r.title));
        }
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    write_stdout(out.as_bytes()).map(|()| ExitCode::SUCCESS)
}

fn progress_bar(image: &Image, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let total: u64 = image.layers.iter().filter_map(|l| l.size).sum();
    let bar = ProgressBar::with_draw_target(Some(total.max(1)), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} reading layers {bytes}/{total_bytes} {wide_bar} {eta}",
    ) {
        bar.set_style(style);
    }
    bar
}
