//! drydock's results store: every scan written with `--store` (image digest and references,
//! OS, layers, inventory, findings with their suppression, analyzer and advisory-database
//! versions, timestamps), queried across the fleet and re-matched against a newer advisory
//! database without reading any image again.
//!
//! Two backends, one schema and one set of queries: SQLite (a file, the default: WAL mode and a
//! busy timeout so several scans may write at once) and PostgreSQL (`postgres://…`). Both sit
//! behind [`backend::Exec`]; the schema is versioned ([`migrate`]: a `schema_version` table and
//! numbered SQL files, applied in a transaction). Writes are idempotent per (image digest,
//! advisory database version): the same scan written twice is one scan row, updated.
//!
//! Only parameterised SQL; no value is spliced into a statement. The caller hands over findings
//! as its report shows them, secrets already redacted: the store never sees a raw value.
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod backend;
pub mod constraint;
mod error;
mod migrate;
mod model;
mod queries;

pub use constraint::{Constraint, Unchecked};
pub use error::{Error, Result};
pub use migrate::SCHEMA_VERSION;
pub use model::*;

use backend::{Exec, Postgres, Sqlite};
use std::path::PathBuf;

/// Where a store lives, as `--store` names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file: a path, or `sqlite://PATH`.
    Sqlite(PathBuf),
    /// `postgres://` or `postgresql://` (libpq's URL form).
    Postgres(String),
}

impl Location {
    /// `postgres://…` or `postgresql://…` selects PostgreSQL; `sqlite://PATH` or a plain path
    /// selects SQLite. Any other `scheme://` is refused rather than taken for a file name.
    pub fn parse(s: &str) -> Result<Location> {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(Location::Postgres(s.to_owned()));
        }
        if let Some(path) = s.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(Error::Location("sqlite:// needs a file path".into()));
            }
            return Ok(Location::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = s.split_once("://")
            && !scheme.is_empty()
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.')
        {
            return Err(Error::Location(format!(
                "{scheme}:// is not a store drydock knows: use postgres://…, sqlite://PATH or a file path"
            )));
        }
        if s.is_empty() {
            return Err(Error::Location("empty store location".into()));
        }
        Ok(Location::Sqlite(PathBuf::from(s)))
    }

    /// The default store: `$XDG_DATA_HOME/drydock/store.sqlite`, else
    /// `~/.local/share/drydock/store.sqlite`.
    pub fn default_sqlite() -> Result<Location> {
        let base = std::env::var_os("XDG_DATA_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
            .ok_or_else(|| {
                Error::Location("no data directory (HOME unset): give --store".into())
            })?;
        Ok(Location::Sqlite(base.join("drydock").join("store.sqlite")))
    }

    /// For messages: the path, or the PostgreSQL URL without its password.
    pub fn display(&self) -> String {
        match self {
            Location::Sqlite(p) => p.display().to_string(),
            Location::Postgres(url) => redact_password(url),
        }
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`; a `password=` query
/// parameter (libpq's other place for it) is masked too.
fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => kv.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

enum Conn {
    Sqlite(Sqlite),
    Postgres(Box<Postgres>),
}

/// An open store, migrated to [`SCHEMA_VERSION`].
pub struct Store {
    conn: Conn,
    location: Location,
}

impl Store {
    /// Opens the store at `url` ([`Location::parse`]) and brings its schema up to date.
    pub fn open(url: &str) -> Result<Store> {
        Self::open_location(Location::parse(url)?)
    }

    pub fn open_location(location: Location) -> Result<Store> {
        let conn = match &location {
            Location::Sqlite(path) => Conn::Sqlite(Sqlite::open(path)?),
            Location::Postgres(url) => Conn::Postgres(Box::new(Postgres::connect(url)?)),
        };
        let mut store = Store { conn, location };
        store.tx(migrate::migrate)?;
        Ok(store)
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Whether this is the PostgreSQL backend.
    pub fn is_postgres(&self) -> bool {
        matches!(self.conn, Conn::Postgres(_))
    }

    /// Runs `f` in one transaction, committed when it returns `Ok`, rolled back otherwise.
    fn tx<T>(&mut self, f: impl FnOnce(&mut dyn Exec) -> Result<T>) -> Result<T> {
        match &mut self.conn {
            Conn::Sqlite(c) => c.transaction(f),
            Conn::Postgres(c) => c.transaction(f),
        }
    }

    /// The schema version the store is at.
    pub fn schema_version(&mut self) -> Result<i64> {
        self.tx(migrate::current)
    }

    /// Writes one scan in one transaction: a new row, or the row of the same (digest, database
    /// version) updated with everything below it replaced. Returns the scan's id.
    pub fn write_scan(&mut self, scan: &ScanRecord) -> Result<String> {
        self.tx(|x| queries::write_scan(x, scan))
    }

    /// Scan rows stored (every digest and database version).
    pub fn scan_count(&mut self) -> Result<u64> {
        self.tx(queries::scan_count)
    }

    /// Images whose digest starts with `pattern` or one of whose references (or scanned path)
    /// contains it; every image without a pattern. The latest scan of each digest.
    pub fn images(&mut self, pattern: Option<&str>) -> Result<Vec<ImageRow>> {
        self.tx(|x| queries::images(x, pattern))
    }

    /// Findings whose id or one of whose aliases is `id` (case-insensitive), in the latest scan
    /// of every image.
    pub fn findings(&mut self, id: &str) -> Result<Vec<FindingRow>> {
        self.tx(|x| queries::findings(x, id))
    }

    /// Packages named `name_or_purl` exactly, or whose purl starts with it (when it starts
    /// with `pkg:`), in the latest scan of every image, optionally within a version range
    /// compared in each package's own scheme. Packages whose version cannot be compared are
    /// returned in the second list.
    pub fn packages(
        &mut self,
        name_or_purl: &str,
        constraint: Option<&Constraint>,
    ) -> Result<(Vec<PackageRow>, Vec<PackageRow>)> {
        let candidates = self.tx(|x| queries::package_candidates(x, name_or_purl))?;
        let Some(c) = constraint else {
            return Ok((candidates, Vec::new()));
        };
        let mut hits = Vec::new();
        let mut unchecked = Vec::new();
        for p in candidates {
            match c.matches(&p.purl, &p.ecosystem, &p.version) {
                Ok(true) => hits.push(p),
                Ok(false) => {}
                Err(_) => unchecked.push(p),
            }
        }
        Ok((hits, unchecked))
    }

    /// The inventory of the latest scan of every image, with its stored vulnerability findings:
    /// what `store rematch` re-evaluates.
    pub fn inventories(&mut self) -> Result<Vec<StoredInventory>> {
        self.tx(queries::inventories)
    }

    /// Records a rematch in one transaction: for each scan, the vulnerability findings `fresh`
    /// holds are compared with the stored ones by (id, package); the difference is written as
    /// `new` / `resolved` deltas stamped `at`, and the stored vulnerability findings become
    /// `fresh` (a finding suppressed before stays suppressed, with its reason).
    pub fn record_rematch(
        &mut self,
        db_version: &str,
        at: i64,
        fresh: &[(String, Vec<FindingRecord>)],
    ) -> Result<RematchSummary> {
        self.tx(|x| queries::record_rematch(x, db_version, at, fresh))
    }

    /// The latest scan of the image with exactly this digest, whole; `None` if unknown.
    pub fn image(&mut self, digest: &str) -> Result<Option<ImageDetail>> {
        self.tx(|x| queries::image_detail(x, digest))
    }

    /// Counts over the latest scan of every image, and the rematch trend per day since
    /// `trend_since`.
    pub fn overview(&mut self, trend_since: i64) -> Result<Overview> {
        self.tx(|x| queries::overview(x, trend_since))
    }

    /// Adds a server bearer token by its SHA-256 (hex); the token itself is never stored.
    /// A name already taken is an error.
    pub fn token_add(&mut self, name: &str, hash: &str, scopes: &[String]) -> Result<()> {
        self.tx(|x| queries::token_add(x, name, hash, scopes))
    }

    /// The token whose SHA-256 (hex) is `hash`, if any.
    pub fn token_lookup(&mut self, hash: &str) -> Result<Option<TokenRow>> {
        self.tx(|x| queries::token_lookup(x, hash))
    }

    /// Every token (names and scopes; no hashes).
    pub fn tokens(&mut self) -> Result<Vec<TokenRow>> {
        self.tx(queries::tokens)
    }

    /// Every token with its hash: what a server keeps in memory to authenticate requests.
    pub fn token_hashes(&mut self) -> Result<Vec<(String, TokenRow)>> {
        self.tx(queries::token_hashes)
    }

    /// Removes the token named `name`; whether there was one.
    pub fn token_revoke(&mut self, name: &str) -> Result<bool> {
        self.tx(|x| queries::token_revoke(x, name))
    }

    /// Keeps a shared layer analysis (opaque bytes) under its layer-cache key, replacing what
    /// was there: a client that could not open the stored one (forged by a token holder without
    /// the fleet's key, or sealed with an old key) writes the real one over it.
    pub fn layer_put(&mut self, key: &str, data: &[u8]) -> Result<()> {
        self.tx(|x| queries::layer_put(x, key, data))
    }

    /// The shared layer analysis under `key`, if any.
    pub fn layer_get(&mut self, key: &str) -> Result<Option<Vec<u8>>> {
        self.tx(|x| queries::layer_get(x, key))
    }

    /// Images whose findings were last matched against another advisory database than
    /// `db_version`: what a rematch would bring up to date.
    pub fn stale_scans(&mut self, db_version: &str) -> Result<u64> {
        self.tx(|x| queries::stale_scans(x, db_version))
    }

    /// Deltas recorded at or after `since` (seconds since the epoch), oldest first.
    pub fn deltas(&mut self, since: i64) -> Result<Vec<DeltaRow>> {
        self.tx(|x| queries::deltas(x, since))
    }
}

/// Seconds since the Unix epoch, now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The default store's path, if it is the SQLite default.
pub fn default_path() -> Option<PathBuf> {
    match Location::default_sqlite() {
        Ok(Location::Sqlite(p)) => Some(p),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations() {
        assert_eq!(
            Location::parse("postgres://u@h/db").unwrap(),
            Location::Postgres("postgres://u@h/db".into())
        );
        assert_eq!(
            Location::parse("sqlite:///var/lib/s.db").unwrap(),
            Location::Sqlite("/var/lib/s.db".into())
        );
        assert_eq!(
            Location::parse("fleet.sqlite").unwrap(),
            Location::Sqlite("fleet.sqlite".into())
        );
        assert!(Location::parse("mysql://h/db").is_err());
        assert!(Location::parse("sqlite://").is_err());
    }

    #[test]
    fn postgres_password_is_never_displayed() {
        let l = Location::parse("postgres://drydock:s3cret@db.internal:5432/fleet").unwrap();
        assert_eq!(l.display(), "postgres://drydock:***@db.internal:5432/fleet");
        assert!(!l.display().contains("s3cret"));
        let q =
            Location::parse("postgres://db.internal/fleet?user=d&password=s3cret&sslmode=disable")
                .unwrap();
        assert_eq!(
            q.display(),
            "postgres://db.internal/fleet?user=d&password=***&sslmode=disable"
        );
    }
}
