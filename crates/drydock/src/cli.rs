//! The command line's shape: clap types only. What the flags mean is in `args.rs` (turning
//! them into options) and `cmd/` (one file per subcommand).

use clap::{Args, Parser, Subcommand, ValueEnum};
use drydock_finding::Severity;
use drydock_image::Platform;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "drydock",
    version,
    about = "Audit container images and root filesystems, offline"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Scan an image: a registry reference, a `docker save` archive, an OCI layout (directory or
    /// tar), or `docker://NAME` / `podman://NAME` in the local engine
    Image(Box<ImageArgs>),
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
    /// Known vulnerabilities of the packages an SBOM lists: CycloneDX 1.4-1.6 or SPDX 2.2/2.3
    /// JSON, from drydock, Syft or Trivy; same formats and exit codes as `image`
    SbomScan {
        /// The SBOM file
        file: PathBuf,
        #[command(flatten)]
        store: StoreTarget,
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
    /// Scan a fleet on Kubernetes: `plan` writes an Indexed Job over an image list, `work` is
    /// what each of its pods runs
    #[command(subcommand)]
    Fleet(FleetCommand),
    /// Scan a root filesystem directory (an unpacked image or a mounted host)
    Rootfs {
        /// The directory to treat as `/`
        dir: PathBuf,
        #[command(flatten)]
        store: StoreTarget,
        #[command(flatten)]
        common: Common,
    },
    /// The results store: what scans written with `--store` hold, queried across the fleet and
    /// re-matched against a newer advisory database without reading any image again
    #[command(subcommand)]
    Store(StoreCommand),
    /// Serve the results store: a JSON API (described at /openapi.json) with bearer tokens, a
    /// web UI, Prometheus metrics; clients upload inventories (`image --server`), the server
    /// matches them with its advisory database. `server token` manages the tokens
    Server(Box<ServerArgs>),
}

/// `--store URL` or `--store-file FILE` of `server`.
#[derive(Args, Clone)]
pub struct ServerStore {
    /// The results store: a SQLite file (a path or sqlite://PATH) or postgres://…
    /// [default: `store` in drydock.toml, else $XDG_DATA_HOME/drydock/store.sqlite]
    #[arg(long, env = "DRYDOCK_STORE", value_name = "URL")]
    pub store: Option<String>,
    /// Read the store URL from FILE (a mounted Secret): the password stays out of the
    /// process's arguments and environment
    #[arg(long, value_name = "FILE", conflicts_with = "store")]
    pub store_file: Option<PathBuf>,
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ServerArgs {
    #[command(subcommand)]
    pub token: Option<ServerCommand>,
    /// Address to listen on; anything but loopback is a choice (use --tls-cert/--tls-key)
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    #[command(flatten)]
    pub store: ServerStore,
    #[command(flatten)]
    pub db: DbDir,
    /// PEM certificate chain: serve HTTPS (with --tls-key)
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Largest request body accepted, in MiB
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub max_body_mib: u32,
    /// A registry `POST /api/v1/scans` may pull from (host or host:port); repeatable. Without
    /// one, scans by reference are refused
    #[arg(long, value_name = "HOST")]
    pub allow_registry: Vec<String>,
    /// Scans by reference running at once
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub max_scans: u32,
    /// Store connections
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub pool: u32,
    /// Every SECONDS, check whether the advisory database changed (`db update`); if stored
    /// images were matched against another one, re-match them all and record the deltas, as
    /// `store rematch` does. 0: never
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub rematch_check: u64,
}

#[derive(Subcommand)]
pub enum ServerCommand {
    /// Manage the server's bearer tokens (stored as hashes in the results store)
    #[command(subcommand)]
    Token(TokenCommand),
    /// Print a new random layer key: clients holding it share layer analyses through the
    /// server (`--layer-key-file`), which stores them sealed and cannot read them
    LayerKey,
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it (once: only its SHA-256 is stored)
    Add {
        /// A name to list and revoke it by
        name: String,
        /// read (queries, metrics), submit (upload inventories, scan by reference), admin
        /// (tokens; implies the others); repeatable
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        #[command(flatten)]
        store: ServerStore,
    },
    /// List the tokens (names, scopes, dates)
    List {
        #[command(flatten)]
        store: ServerStore,
    },
    /// Revoke a token
    Revoke {
        name: String,
        #[command(flatten)]
        store: ServerStore,
    },
}

/// `--store URL` of the scan commands (`image`, `rootfs`, `sbom-scan`).
#[derive(Args, Clone, Default)]
pub struct StoreTarget {
    /// Also write the scan to a results store (`drydock store`): a SQLite file (a path or
    /// sqlite://PATH) or postgres://USER:PASSWORD@HOST/DB; idempotent per image digest and
    /// advisory database
    #[arg(long, env = "DRYDOCK_STORE", value_name = "URL")]
    pub store: Option<String>,
    /// Client/server mode: analyse here, send the inventory and the (redacted) secret,
    /// credential and misconfiguration findings to this `drydock server`, which matches
    /// vulnerabilities with its advisory database and stores the scan; no local database needed
    #[arg(
        long,
        env = "DRYDOCK_SERVER",
        value_name = "URL",
        conflicts_with = "store"
    )]
    pub server: Option<String>,
    /// File holding the server's bearer token (a `submit` token) [or $DRYDOCK_SERVER_TOKEN]
    #[arg(long, value_name = "FILE", requires = "server")]
    pub server_token_file: Option<PathBuf>,
    /// PEM certificate(s) to trust for the server's TLS, besides the system's
    #[arg(long, value_name = "FILE", requires = "server")]
    pub server_ca: Option<PathBuf>,
    /// Share layer analyses with the fleet through the server, sealed with the key in FILE
    /// (`drydock server layer-key`; the server cannot read them): layers another machine
    /// analysed are not downloaded again [or $DRYDOCK_LAYER_KEY_FILE]
    #[arg(
        long,
        value_name = "FILE",
        env = "DRYDOCK_LAYER_KEY_FILE",
        requires = "server"
    )]
    pub layer_key_file: Option<PathBuf>,
    /// Allow http:// to a server that is not on loopback: the token crosses the network in
    /// clear. For a cluster network whose traffic is protected otherwise (a mesh's mTLS)
    #[arg(long, requires = "server")]
    pub server_plain_http: bool,
}

/// Which store `drydock store …` reads, and how it prints.
#[derive(Args, Clone)]
pub struct StoreAt {
    /// The results store: a SQLite file (a path or sqlite://PATH) or postgres://…
    /// [default: `store` in drydock.toml, else $XDG_DATA_HOME/drydock/store.sqlite]
    #[arg(long, env = "DRYDOCK_STORE", value_name = "URL")]
    pub store: Option<String>,
    /// JSON instead of the table
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand)]
pub enum StoreCommand {
    /// Fleet questions over the latest stored scan of every image
    #[command(subcommand)]
    Query(StoreQuery),
    /// Re-evaluate every stored inventory against the current advisory database and record
    /// the findings that are new or resolved since (no image is read again)
    Rematch {
        #[command(flatten)]
        at: StoreAt,
        #[command(flatten)]
        db: DbDir,
    },
    /// New and resolved findings `store rematch` recorded since a time
    Deltas {
        /// RFC 3339 time (2026-12-05T08:00:00Z), a date (2026-12-05, UTC), seconds since the
        /// epoch, or an age (24h, 7d)
        #[arg(long, value_name = "TIME", default_value = "1d")]
        since: String,
        #[command(flatten)]
        at: StoreAt,
    },
}

#[derive(Subcommand)]
pub enum StoreQuery {
    /// Images by digest prefix or by name (a part of a reference or of the scanned path); every
    /// image without one
    Images {
        pattern: Option<String>,
        #[command(flatten)]
        at: StoreAt,
    },
    /// Findings by id or alias: `CVE-2024-2511` also finds the GHSA, PYSEC or distribution
    /// records that name it as an alias
    Finding {
        id: String,
        #[command(flatten)]
        at: StoreAt,
    },
    /// Packages by name (binary or source package) or purl prefix (`pkg:deb/debian/openssl`),
    /// optionally within a version range compared in the package's own scheme (dpkg, rpm,
    /// PEP 440...)
    Package {
        /// A package or source package name, or a purl prefix starting with `pkg:`
        name: String,
        /// Comma-separated bounds, all of which must hold: `<3.0.13-1~deb12u1`, `>=1.2,<1.5`
        #[arg(long = "version", value_name = "RANGE")]
        range: Option<String>,
        #[command(flatten)]
        at: StoreAt,
    },
}

// No doc comment here: the variant's (`Command::Image`) is the subcommand's help.
#[derive(Args)]
pub struct ImageArgs {
    /// Image references (`registry.example:5000/team/app:1.4`, `debian:12`, `registry://…`),
    /// `docker://NAME` or `podman://NAME`, or paths to archives or layouts (a path that exists
    /// wins); several give one report each and a summary
    #[arg(value_name = "IMAGE", required_unless_present = "images_from")]
    pub images: Vec<PathBuf>,
    /// Read more images from FILE, one reference or path per line (`#` starts a comment)
    #[arg(long, value_name = "FILE")]
    pub images_from: Option<PathBuf>,
    /// Images scanned at once when there are several (each also streams its layers in parallel)
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallel: u16,
    /// Where to look for a bare reference, tried in this order (like Trivy's --image-src);
    /// `registry://`, `docker://` and `podman://` prefixes choose one source directly, and a
    /// path that exists is always a file
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "registry",
        env = "DRYDOCK_IMAGE_SRC"
    )]
    pub image_src: Vec<ImageSrc>,
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// Platform to pick from a multi-arch index: os/arch[/variant]
    #[arg(long, value_parser = parse_platform)]
    pub platform: Option<Platform>,
    /// Image to pick when the source holds several (ref name, image name or repo tag)
    #[arg(long = "ref")]
    pub reference: Option<String>,
    #[command(flatten)]
    pub store: StoreTarget,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Subcommand)]
pub enum FleetCommand {
    /// Write Kubernetes manifests (a ConfigMap with the image list, a NetworkPolicy and an
    /// Indexed Job of N shards) that scan every image with `fleet work`
    Plan(Box<PlanArgs>),
    /// Scan this shard's share of an image list (`--shard I/N`: every N-th image from the I-th);
    /// the same flags as `drydock image`
    Work {
        /// I/N, 0 <= I < N; `/N` takes I from $JOB_COMPLETION_INDEX (an Indexed Job's pods)
        #[arg(long, value_parser = parse_shard)]
        shard: Shard,
        /// Read the results store's URL from FILE (a mounted Secret), so the password is in
        /// neither the pod's arguments nor its environment
        #[arg(long, value_name = "FILE", conflicts_with = "store")]
        store_file: Option<PathBuf>,
        #[command(flatten)]
        image: Box<ImageArgs>,
    },
}

/// One share of a list: the images at positions `index`, `index + count`, ...
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

fn parse_shard(s: &str) -> Result<Shard, String> {
    let (i, n) = s
        .split_once('/')
        .ok_or_else(|| format!("{s:?}: expected I/N (or /N with $JOB_COMPLETION_INDEX set)"))?;
    let count: u32 = n
        .parse()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("{n:?}: the shard count must be a positive number"))?;
    let index_text = if i.is_empty() {
        std::env::var("JOB_COMPLETION_INDEX")
            .map_err(|_| format!("{s:?}: no index given and $JOB_COMPLETION_INDEX is not set"))?
    } else {
        i.to_owned()
    };
    let index: u32 = index_text
        .trim()
        .parse()
        .map_err(|_| format!("{index_text:?}: the shard index must be a number"))?;
    if index >= count {
        return Err(format!(
            "shard {index} of {count}: the index must be below the count"
        ));
    }
    Ok(Shard { index, count })
}

#[derive(Args)]
pub struct PlanArgs {
    /// The images, one reference per line (`#` starts a comment)
    #[arg(long, value_name = "FILE", required_unless_present = "registry_host")]
    pub images_from: Option<PathBuf>,
    /// Every tag of every repository of this registry (under PREFIX if given), listed with
    /// `/v2/_catalog` and the tag lists
    #[arg(
        long = "registry",
        value_name = "HOST[/PREFIX]",
        conflicts_with = "images_from"
    )]
    pub registry_host: Option<String>,
    /// Shards: the Job's completions, one pod each
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub shards: u32,
    /// Pods running at once [default: the shards, at most 8]
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub parallelism: Option<u32>,
    /// The drydock container image the pods run (pin it by digest)
    #[arg(long, value_name = "IMAGE")]
    pub worker_image: String,
    /// Name of the ConfigMap, NetworkPolicy and Job
    #[arg(long, default_value = "drydock-fleet")]
    pub name: String,
    #[arg(long, default_value = "drydock")]
    pub namespace: String,
    /// Secret whose key `url` is the results store's URL (`postgres://…`), for `--store`
    #[arg(long, default_value = "drydock-store", value_name = "SECRET")]
    pub store_secret: String,
    /// A kubernetes.io/dockerconfigjson Secret with the credentials of the scanned registries
    #[arg(long, value_name = "SECRET")]
    pub registry_secret: Option<String>,
    /// Advisory database for the workers: an init container runs `db update --from REF`
    /// (see `drydock db push`); without it each pod downloads osv.dev's data
    #[arg(long, value_name = "REF", conflicts_with = "server")]
    pub db_from: Option<String>,
    /// Workers send inventories to this `drydock server` (client/server mode: no store URL
    /// and no advisory database in the pods) instead of writing a store
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// Secret whose key `token` is a `submit` token of --server
    #[arg(long, default_value = "drydock-server-token", value_name = "SECRET")]
    pub server_token_secret: String,
    /// Secret whose key `ca.pem` is the CA of --server's certificate (a private CA)
    #[arg(long, value_name = "SECRET", requires = "server")]
    pub server_ca_secret: Option<String>,
    /// Secret whose key `key` is the fleet's layer key (`drydock server layer-key`): the pods
    /// share layer analyses through the server, so a base layer is read once per fleet
    #[arg(long, value_name = "SECRET", requires = "server")]
    pub layer_key_secret: Option<String>,
    /// Most images a plan may hold (a registry listing stops with an error past it)
    #[arg(long, default_value_t = 100_000)]
    pub max_images: usize,
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// Write the manifests here instead of stdout
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// A place `drydock image REF` looks for a bare reference.
#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
pub enum ImageSrc {
    /// Pull from the reference's registry (OCI Distribution API)
    Registry,
    /// The local Docker engine (`DOCKER_HOST` or /var/run/docker.sock)
    Docker,
    /// The local Podman engine (`CONTAINER_HOST` or Podman's default sockets)
    Podman,
}

impl ImageSrc {
    /// The flag's spelling (`registry`, `docker`, `podman`), also the engine URL scheme.
    pub fn name(self) -> &'static str {
        match self {
            ImageSrc::Registry => "registry",
            ImageSrc::Docker => "docker",
            ImageSrc::Podman => "podman",
        }
    }
}

#[derive(Subcommand)]
pub enum DbCommand {
    /// Import OSV advisories: JSON or YAML files, directories, .zip and .tar.gz archives, Alpine
    /// secdb; or one file from `db export`, which replaces the database after it is checked
    Import {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Start from an empty database instead of adding to the current one
        #[arg(long)]
        replace: bool,
        #[command(flatten)]
        db: DbDir,
    },
    /// Write the whole database to one compressed file, for `db import FILE` on a machine
    /// without network access
    Export {
        file: PathBuf,
        #[command(flatten)]
        db: DbDir,
    },
    /// Publish the database as an OCI artifact to a registry (REF: host/repository:tag), for
    /// `db update --from REF` on machines that reach that registry but not osv.dev
    Push {
        #[arg(value_name = "REF")]
        reference: String,
        #[command(flatten)]
        registry: RegistryArgs,
        #[command(flatten)]
        db: DbDir,
    },
    /// Sources, counts per ecosystem and age of the database
    Info {
        /// JSON instead of the table
        #[arg(long)]
        json: bool,
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
        /// Take the whole database from an OCI artifact `db push` published (REF:
        /// host/repository:tag or @sha256:…) instead of osv.dev; checked, then swapped in
        #[arg(long, value_name = "REF", conflicts_with_all = ["ecosystems"])]
        from: Option<String>,
        #[command(flatten)]
        registry: RegistryArgs,
        /// Ecosystem to download (repeatable) [default: the ecosystems drydock matches]
        #[arg(long = "ecosystem", value_name = "NAME")]
        ecosystems: Vec<String>,
        /// Give up on one download after this many seconds
        #[arg(long, value_name = "SECS", default_value_t = 1800)]
        timeout: u64,
        /// Print the summary as JSON (with --from: the new database's `db info --json`)
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbDir,
    },
}

#[derive(Subcommand)]
pub enum CacheCommand {
    /// Remove every cached layer result
    Clean {
        #[command(flatten)]
        cache: CacheDir,
    },
}

#[derive(Args, Clone)]
pub struct CacheDir {
    /// Where cached layer results live [default: the user cache dir, drydock]
    #[arg(long, env = "DRYDOCK_CACHE_DIR", value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

/// How to reach and log in to a registry: image pulls, `db push`, `db update --from`.
#[derive(Args, Clone, Default)]
pub struct RegistryArgs {
    /// Allow plain HTTP (registry and token realm) for a registry that is not on loopback
    /// (HTTPS is tried first; a certificate is always verified: see --ca-cert)
    #[arg(long)]
    pub insecure: bool,
    /// PEM file of CA certificates trusted for registries, on top of the system's roots
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Registry user name; the password is read from standard input (`--password-stdin`)
    #[arg(long, requires = "password_stdin")]
    pub username: Option<String>,
    /// Read the registry password from standard input
    #[arg(long, requires = "username")]
    pub password_stdin: bool,
}

/// Trivy's vulnerability statuses, for `--ignore-status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
#[clap(rename_all = "snake_case")]
pub enum FixStatus {
    Unknown,
    NotAffected,
    Affected,
    Fixed,
    UnderInvestigation,
    WillNotFix,
    FixDeferred,
    EndOfLife,
}

#[derive(Args, Clone)]
pub struct DbDir {
    /// Where the advisory database lives [default: the user cache dir, drydock/db]
    #[arg(long, env = "DRYDOCK_DB_DIR", value_name = "DIR")]
    pub db_dir: Option<PathBuf>,
}

#[derive(Args)]
pub struct Common {
    /// Output format, optionally with its own file: `--format json=out.json`; repeatable.
    /// Formats: table, json, sarif, cyclonedx, junit, html, spdx-json
    #[arg(long, short, value_parser = parse_format_spec, default_value = "table")]
    pub format: Vec<FormatSpec>,
    /// Write the output to this file instead of stdout
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// No progress on stderr
    #[arg(long, short, env = "DRYDOCK_QUIET", value_parser = clap::builder::FalseyValueParser::new())]
    pub quiet: bool,
    /// Largest file analyzers may read, in MiB
    #[arg(long, default_value_t = 64, value_name = "MIB")]
    pub max_file_size: u64,
    /// Largest uncompressed layer read, in MiB (past it the layer is cut short with a warning)
    #[arg(long, default_value_t = 64 << 10, value_name = "MIB")]
    pub max_layer_size: u64,
    /// Most entries indexed per layer
    #[arg(long, default_value_t = 2_000_000)]
    pub max_entries: u64,
    /// Time budget for reading the image, in seconds (0: none). Layers still being read when it
    /// runs out are cut short with a warning naming them; the findings so far are reported
    #[arg(
        long,
        default_value_t = 1800,
        value_name = "SECS",
        env = "DRYDOCK_TIMEOUT"
    )]
    pub timeout: u64,
    /// Scanners to run, comma-separated [default: all; vuln when a database exists]
    #[arg(long, value_enum, value_delimiter = ',')]
    pub scanners: Vec<Scanner>,
    /// Leave out vulnerabilities that have no fixed version yet
    #[arg(long)]
    pub ignore_unfixed: bool,
    /// Leave out vulnerabilities with these fix statuses, comma-separated (Trivy's flag):
    /// `fixed` (a fixed version exists), `affected` (none yet) and `end_of_life` (Debian will
    /// not fix the release) are what OSV data tells; the others are refused with the reason
    #[arg(long, value_enum, value_delimiter = ',')]
    pub ignore_status: Vec<FixStatus>,
    #[command(flatten)]
    pub db: DbDir,
    /// Do not download a missing advisory database (scan with what is there, or without)
    #[arg(long, env = "DRYDOCK_SKIP_DB_UPDATE", value_parser = clap::builder::FalseyValueParser::new())]
    pub skip_db_update: bool,
    /// Touch no network: no database download, no registry pull (engines and files only)
    #[arg(long, env = "DRYDOCK_OFFLINE", value_parser = clap::builder::FalseyValueParser::new())]
    pub offline: bool,
    /// Where a missing database is downloaded from on first use (osv.dev's layout; mirrors and
    /// file:// copies too) [default: osv.dev]
    #[arg(long, env = "DRYDOCK_DB_URL", value_name = "URL")]
    pub db_url: Option<String>,
    /// Warn when the advisory data was imported longer ago than this (30m, 48h, 7d)
    #[arg(long, env = "DRYDOCK_DB_WARN_AGE", default_value = "7d", value_parser = parse_age, value_name = "AGE")]
    pub db_warn_age: std::time::Duration,
    /// Fail (exit 2) when the advisory data is older than this: a CI gate on stale data
    #[arg(long, env = "DRYDOCK_DB_MAX_AGE", value_parser = parse_age, value_name = "AGE")]
    pub db_max_age: Option<std::time::Duration>,
    #[command(flatten)]
    pub cache: CacheDir,
    /// Read every layer blob again instead of reusing (and writing) cached layer results.
    /// Cached results hold what the analyzers found, secrets included; the cache is private to
    /// the user
    #[arg(long, env = "DRYDOCK_NO_CACHE", value_parser = clap::builder::FalseyValueParser::new())]
    pub no_cache: bool,
    /// Show secrets and cracked passwords in the output instead of redacting them
    #[arg(long)]
    pub show_secrets: bool,
    /// Secret rules: gitleaks' TOML (`[extend] useDefault = true` keeps the built-ins) or Trivy's .yaml
    #[arg(long, value_name = "FILE", env = "DRYDOCK_SECRET_CONFIG")]
    pub secret_config: Option<PathBuf>,
    /// Seconds spent guessing each password hash at most (the default lets SHA-512-crypt, the
    /// slowest fast scheme, try the whole list on two cores; weak hashes fall in the first guesses)
    #[arg(long, default_value_t = 25.0, value_name = "SECONDS")]
    pub password_budget: f64,
    /// Extra passwords to try on every hash, one per line
    #[arg(long, value_name = "FILE")]
    pub wordlist: Option<PathBuf>,
    /// Severities to report, comma-separated (default: all)
    #[arg(long, value_delimiter = ',', value_parser = parse_severity, env = "DRYDOCK_SEVERITY")]
    pub severity: Vec<Severity>,
    /// Suppressions: `ID [path=P] [package=PURL] [exp=YYYY-MM-DD] # reason` per line
    /// [default: ./.drydockignore when present]
    #[arg(long, value_name = "FILE", env = "DRYDOCK_IGNOREFILE")]
    pub ignorefile: Option<PathBuf>,
    /// OpenVEX documents: not_affected / fixed statements suppress matching vulnerabilities
    #[arg(long, value_name = "FILE")]
    pub vex: Vec<PathBuf>,
    /// Exit with this code when any reported finding remains (for CI gates)
    #[arg(long, default_value_t = 0, env = "DRYDOCK_EXIT_CODE")]
    pub exit_code: u8,
    /// Custom checks in Rego, Trivy-style (`deny` rules, `# METADATA`): a directory of .rego
    /// files or one file; repeatable
    #[arg(long = "policy", value_name = "DIR")]
    pub policy: Vec<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scanner {
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
pub enum Format {
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
pub struct FormatSpec {
    pub format: Format,
    pub file: Option<PathBuf>,
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

/// `90s`, `30m`, `48h`, `7d`, `2w`.
pub(crate) fn parse_age(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: u64 = n
        .parse()
        .map_err(|_| format!("{s:?}: an age is a number and a unit: 30m, 48h, 7d"))?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" | "" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(format!("{s:?}: unknown unit {unit:?} (s, m, h, d, w)")),
    };
    Ok(std::time::Duration::from_secs(n.saturating_mul(secs)))
}

fn parse_platform(s: &str) -> Result<Platform, String> {
    s.parse()
}
