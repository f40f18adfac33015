//! `drydock server`: the results store behind a JSON REST API (described at `/openapi.json`),
//! bearer tokens with scopes, Prometheus metrics and the web UI, over HTTP/1.1 or TLS (rustls).
//!
//! The server holds no scanning code: what needs the scan pipeline (matching an uploaded
//! inventory against the advisory database, scanning an image by reference) is the
//! [`Backend`] the binary hands in. That keeps this crate to HTTP, auth and the store, and the
//! pipeline synchronous: store calls and backend calls run on tokio's blocking threads.
//!
//! **Security.** Every data route needs a bearer token ([`auth`]); tokens are stored as their
//! SHA-256 only. Request bodies are capped ([`Config::max_body`]) and JSON is parsed into typed
//! records with counts checked ([`api`]). Connections are capped, a TLS handshake and the
//! request head each have a deadline, and every handler one too. Scans by reference pull only
//! from registries the operator allowed. The listener defaults to loopback.
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod api;
pub mod auth;
pub mod client;
pub mod layers;
mod metrics;
pub mod openapi;
mod pool;
mod serve;
mod ui;

pub use serve::run;

use drydock_store::{DbRecord, FindingRecord, Location, OsRecord, PackageRecord};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How `drydock server` runs.
#[derive(Clone, Debug)]
pub struct Config {
    pub listen: SocketAddr,
    pub store: Location,
    /// PEM certificate chain and private key: HTTPS instead of HTTP.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Largest request body accepted, in bytes.
    pub max_body: usize,
    /// Uploads (requests with a body) read and handled at once; more wait. With `max_body`,
    /// the bound on the memory bodies can hold.
    pub max_uploads: usize,
    /// Store connections (each a blocking thread while in use).
    pub pool: usize,
    /// Registries `POST /api/v1/scans` may pull from (`host` or `host:port`); none: refused.
    pub allow_registries: Vec<String>,
    /// Scans by reference running at once; more wait.
    pub max_scans: usize,
    /// Deadline of one scan by reference.
    pub scan_timeout: Duration,
    /// Deadline of every other request.
    pub request_timeout: Duration,
    /// Open connections at most; more wait in the kernel's backlog.
    pub max_connections: usize,
}

impl Config {
    pub fn new(listen: SocketAddr, store: Location) -> Config {
        Config {
            listen,
            store,
            tls: None,
            max_body: 32 << 20,
            max_uploads: 16,
            pool: 4,
            allow_registries: Vec::new(),
            max_scans: 2,
            scan_timeout: Duration::from_secs(1800),
            request_timeout: Duration::from_secs(60),
            max_connections: 1024,
        }
    }
}

/// What an uploaded inventory's vulnerabilities are, from the server's advisory database.
pub struct Matched {
    /// As reports show them before suppression (the client applies its own rules).
    pub findings: Vec<drydock_finding::Finding>,
    /// As the store keeps them (suppressed ones with their reason).
    pub records: Vec<FindingRecord>,
    pub db: DbRecord,
}

/// Why an inventory was not matched.
#[derive(Debug)]
pub enum MatchError {
    /// The upload itself is unacceptable (400).
    Refused(String),
    /// The server cannot match now (no advisory database...: 503).
    Failed(String),
}

/// The scan pipeline, as the binary provides it.
pub trait Backend: Send + Sync + 'static {
    /// Matches an inventory against the advisory database, with the suppression it came with
    /// (`ScanRecord::filters`: the client's ignored fix statuses and ignore/VEX rules).
    fn match_inventory(
        &self,
        os: Option<&OsRecord>,
        packages: &[PackageRecord],
        filters: Option<&str>,
    ) -> Result<Matched, MatchError>;

    /// Pulls `reference` from its registry, scans it and writes the scan to the store; the
    /// image's digest. `reference` is already checked against the allowed registries.
    fn scan_reference(&self, reference: &str, timeout: Duration) -> Result<String, String>;

    /// Masks anything in an uploaded text that a secret rule recognises: clients send findings
    /// already redacted, and the store must not depend on every client doing it right.
    fn redact(&self, text: &str) -> String;
}

/// Errors starting the server (request errors are HTTP responses).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot listen on {0}: {1}")]
    Listen(SocketAddr, std::io::Error),
    #[error("TLS: {0}")]
    Tls(String),
    #[error(transparent)]
    Store(#[from] drydock_store::Error),
    #[error("{0}")]
    Runtime(std::io::Error),
}
