//! The on-disk advisory database: one SQLite file per directory.
//!
//! Layout: `advisories` holds each advisory once, as compact JSON of the validated model (so a
//! lookup decodes exactly what was validated, without re-checking ranges); `packages` maps
//! `(ecosystem, normalised name)` to advisories and is the only index a scan needs. Readers open
//! the file read-only; writers build a complete new file next to it and rename it into place, so
//! a reader sees either the old or the new database, never a half-imported one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::Serialize;

use crate::ecosystem::normalize_name;
use crate::error::{Error, IoContext, Result, SqlContext};
use crate::model::Advisory;

/// Bumped whenever the tables or the JSON model change incompatibly.
pub const SCHEMA_VERSION: u32 = 1;

/// File name of the database inside the directory the caller chooses.
pub const FILE_NAME: &str = "advisories.sqlite3";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS imports(
    id INTEGER PRIMARY KEY,
    time INTEGER NOT NULL,
    sources TEXT NOT NULL,
    records INTEGER NOT NULL,
    bad INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS advisories(
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    modified TEXT,
    withdrawn INTEGER NOT NULL,
    import_id INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS packages(
    ecosystem TEXT NOT NULL,
    name TEXT NOT NULL,
    advisory INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS packages_key ON packages(ecosystem, name);
CREATE INDEX IF NOT EXISTS packages_advisory ON packages(advisory);
";

/// A read-only handle on an imported database.
#[derive(Debug)]
pub struct Database {
    conn: Connection,
    path: PathBuf,
}

/// One import that contributed to the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    /// Seconds since the Unix epoch.
    pub imported_at: u64,
    /// The paths (or URLs) given to that import.
    pub paths: Vec<String>,
    /// Valid records read.
    pub records: u64,
    /// Records rejected.
    pub bad: u64,
}

/// What `drydock db info` prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DbInfo {
    /// The database file.
    pub path: PathBuf,
    /// Size of the file in bytes.
    pub size: u64,
    /// Imports, newest first.
    pub sources: Vec<Source>,
    /// Advisories stored (withdrawn included).
    pub advisories: u64,
    /// Of which withdrawn.
    pub withdrawn: u64,
    /// Distinct advisories per ecosystem key (`Go`, `Alpine:v3.9`, ...).
    pub by_ecosystem: BTreeMap<String, u64>,
    /// Newest `modified` timestamp of any advisory (RFC 3339), the age of the data.
    pub newest_modified: Option<String>,
    /// Time of the last import, seconds since the Unix epoch.
    pub imported_at: Option<u64>,
}

pub(crate) fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

/// Converts an SQLite integer that is non-negative by construction.
fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl Database {
    /// The database file for directory `dir`.
    pub fn path_in(dir: &Path) -> PathBuf {
        dir.join(FILE_NAME)
    }

    /// Opens the database in `dir` read-only.
    pub fn open(dir: &Path) -> Result<Database> {
        let path = Self::path_in(dir);
        if !path.is_file() {
            return Err(Error::NotFound(dir.to_owned()));
        }
        // `immutable=1`: a database file is never modified once it has been renamed into
        // place (imports write a new file), so SQLite may skip locking and change detection,
        // which otherwise cost several system calls per lookup.
        let uri = format!("file:{}?immutable=1", uri_path(&path));
        let conn = Connection::open_with_flags(
            &uri,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )
        .db(&path)?;
        check_schema(&conn, &path)?;
        conn.execute_batch("PRAGMA temp_store = MEMORY; PRAGMA cache_size = -16384;")
            .db(&path)?;
        Ok(Database { conn, path })
    }

    /// The file this handle reads.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Advisories affecting `name` in the exact ecosystem key `ecosystem` (`Debian:12`, `Go`),
    /// withdrawn ones included. `name` is normalised for the ecosystem here.
    pub fn lookup(&self, ecosystem: &str, name: &str) -> Result<Vec<Advisory>> {
        let base = ecosystem.split(':').next().unwrap_or_default();
        let key = normalize_name(base, name);
        let mut stmt = self
            .conn
            .prepare_cached(
                // Written as IN (subquery), not as a join: with the bundled build's STAT4, the
                // join form is re-prepared by SQLite on every new binding (measured: 99 of 100
                // executions), which made a lookup cost tens of microseconds more. Rows are
                // sorted in memory rather than by a temporary b-tree.
                "SELECT id, data FROM advisories WHERE rowid IN
                 (SELECT advisory FROM packages WHERE ecosystem = ?1 AND name = ?2)",
            )
            .db(&self.path)?;
        let rows = stmt
            .query_map(params![ecosystem, key], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .db(&self.path)?;
        let mut out = Vec::new();
        for row in rows {
            let (id, data) = row.db(&self.path)?;
            out.push(decode(&self.path, &id, &data)?);
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    /// One advisory by its primary id.
    pub fn get(&self, id: &str) -> Result<Option<Advisory>> {
        let data: Option<String> = self
            .conn
            .prepare_cached("SELECT data FROM advisories WHERE id = ?1")
            .db(&self.path)?
            .query_row([id], |r| r.get(0))
            .optional()
            .db(&self.path)?;
        data.map(|d| decode(&self.path, id, &d)).transpose()
    }

    /// Every full ecosystem key stored under `family` (keys with a `:` suffix), sorted: an
    /// index range scan over `family:`..`family;` (`;` follows `:`).
    pub fn ecosystem_keys(&self, family: &str) -> Result<Vec<String>> {
        let p = &self.path;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT ecosystem FROM packages WHERE ecosystem >= ?1 AND ecosystem < ?2",
            )
            .db(p)?;
        let rows = stmt
            .query_map(params![format!("{family}:"), format!("{family};")], |r| {
                r.get::<_, String>(0)
            })
            .db(p)?;
        let mut out = Vec::new();
        for r in rows {
            out.push(r.db(p)?);
        }
        Ok(out)
    }

    /// Whether any advisory has an affected package under exactly `ecosystem` (`Debian:12`).
    pub fn has_ecosystem(&self, ecosystem: &str) -> Result<bool> {
        let p = &self.path;
        self.conn
            .prepare_cached("SELECT 1 FROM packages WHERE ecosystem = ?1 LIMIT 1")
            .db(p)?
            .exists([ecosystem])
            .db(p)
    }

    /// When the data was last imported (seconds since the epoch): one cheap query, for the
    /// freshness check every scan makes.
    pub fn imported_at(&self) -> Result<Option<u64>> {
        let p = &self.path;
        let time: Option<i64> = self
            .conn
            .query_row("SELECT MAX(time) FROM imports", [], |r| r.get(0))
            .db(p)?;
        Ok(time.map(count))
    }

    /// Sources, counts and age of the data.
    pub fn info(&self) -> Result<DbInfo> {
        let p = &self.path;
        let size = std::fs::metadata(p).at(p)?.len();
        let mut sources = Vec::new();
        {
            let mut stmt = self
                .conn
                .prepare("SELECT time, sources, records, bad FROM imports ORDER BY id DESC")
                .db(p)?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, i64>(3)?,
                    ))
                })
                .db(p)?;
            for row in rows {
                let (time, paths, records, bad) = row.db(p)?;
                sources.push(Source {
                    imported_at: count(time),
                    paths: serde_json::from_str(&paths).unwrap_or_default(),
                    records: count(records),
                    bad: count(bad),
                });
            }
        }
        let (advisories, withdrawn, newest): (i64, i64, Option<String>) = self
            .conn
            .query_row(
                "SELECT COUNT(*), COALESCE(SUM(withdrawn), 0), MAX(modified) FROM advisories",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .db(p)?;
        let mut by_ecosystem = BTreeMap::new();
        {
            let mut stmt = self
                .conn
                .prepare(
                    "SELECT ecosystem, COUNT(DISTINCT advisory) FROM packages GROUP BY ecosystem",
                )
                .db(p)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
                .db(p)?;
            for row in rows {
                let (e, n) = row.db(p)?;
                by_ecosystem.insert(e, count(n));
            }
        }
        Ok(DbInfo {
            path: p.clone(),
            size,
            imported_at: sources.first().map(|s| s.imported_at),
            sources,
            advisories: count(advisories),
            withdrawn: count(withdrawn),
            by_ecosystem,
            newest_modified: newest,
        })
    }
}

/// Percent-encodes the characters that are special in an SQLite URI path.
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for b in path.to_string_lossy().bytes() {
        match b {
            b'%' | b'?' | b'#' | b' ' | 0..=0x1f | 0x7f..=0xff => {
                out.push_str(&format!("%{b:02X}"));
            }
            _ => out.push(char::from(b)),
        }
    }
    out
}

fn decode(path: &Path, id: &str, data: &str) -> Result<Advisory> {
    serde_json::from_str(data).map_err(|e| {
        Error::Parse(format!(
            "advisory database {}: stored advisory {id} is corrupt: {e}",
            path.display()
        ))
    })
}

pub(crate) fn check_schema(conn: &Connection, path: &Path) -> Result<()> {
    let found: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| {
            r.get(0)
        })
        .optional()
        .db(path)?;
    match found {
        Some(v) if v == SCHEMA_VERSION.to_string() => Ok(()),
        other => Err(Error::Schema {
            path: path.to_owned(),
            found: other.unwrap_or_else(|| "none".into()),
            expected: SCHEMA_VERSION,
        }),
    }
}

/// What happened to one advisory handed to [`Writer::put`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Put {
    Inserted,
    Replaced,
    /// A stored record with a newer `modified` was kept.
    Superseded,
}

/// Writes one import into a temporary copy of the database inside a single transaction.
pub(crate) struct Writer {
    conn: Connection,
    path: PathBuf,
    import_id: i64,
}

impl Writer {
    /// Opens (creating if needed) the database at `path`, which must be the private temp file,
    /// and starts the import transaction.
    pub(crate) fn begin(path: &Path, sources: &[String]) -> Result<Writer> {
        let conn = Connection::open(path).db(path)?;
        // The file is private until it is renamed into place, so neither a journal nor syncs
        // during the import buy anything; the file is synced once before the rename.
        conn.execute_batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -65536;",
        )
        .db(path)?;
        let existing: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| {
                r.get(0)
            })
            .optional()
            .unwrap_or(None);
        if let Some(v) = existing
            && v != SCHEMA_VERSION.to_string()
        {
            return Err(Error::Schema {
                path: path.to_owned(),
                found: v,
                expected: SCHEMA_VERSION,
            });
        }
        conn.execute_batch(SCHEMA).db(path)?;
        conn.execute_batch("BEGIN").db(path)?;
        conn.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema', ?1)",
            [SCHEMA_VERSION.to_string()],
        )
        .db(path)?;
        let sources_json = serde_json::to_string(sources).unwrap_or_else(|_| "[]".into());
        conn.execute(
            "INSERT INTO imports(time, sources, records, bad) VALUES (?1, ?2, 0, 0)",
            params![i64::try_from(now_unix()).unwrap_or(i64::MAX), sources_json],
        )
        .db(path)?;
        let import_id = conn.last_insert_rowid();
        Ok(Writer {
            conn,
            path: path.to_owned(),
            import_id,
        })
    }

    /// Stores `adv`, unless a stored record of the same id is newer. With `merge`, the affected
    /// entries of a stored record are kept and `adv`'s added (feeds converted per release).
    pub(crate) fn put(&mut self, mut adv: Advisory, merge: bool) -> Result<Put> {
        let p = &self.path;
        let existing: Option<(i64, Option<String>, String)> = self
            .conn
            .prepare_cached("SELECT rowid, modified, data FROM advisories WHERE id = ?1")
            .db(p)?
            .query_row([&adv.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()
            .db(p)?;
        let outcome = match &existing {
            None => Put::Inserted,
            Some((_, old_modified, data)) => {
                if merge {
                    let mut old = decode(p, &adv.id, data)?;
                    crate::alpine::merge(&mut old, adv);
                    adv = old;
                    Put::Replaced
                } else if let (Some(old), Some(new)) = (old_modified, &adv.modified)
                    && old > new
                {
                    return Ok(Put::Superseded);
                } else {
                    Put::Replaced
                }
            }
        };
        let data = serde_json::to_string(&adv)
            .map_err(|e| Error::Parse(format!("{}: cannot serialise: {e}", adv.id)))?;
        let rowid = match existing {
            Some((rowid, _, _)) => {
                self.conn
                    .prepare_cached(
                        "UPDATE advisories SET modified = ?2, withdrawn = ?3, import_id = ?4, data = ?5
                         WHERE rowid = ?1",
                    )
                    .db(p)?
                    .execute(params![
                        rowid,
                        adv.modified,
                        adv.is_withdrawn(),
                        self.import_id,
                        data
                    ])
                    .db(p)?;
                self.conn
                    .prepare_cached("DELETE FROM packages WHERE advisory = ?1")
                    .db(p)?
                    .execute([rowid])
                    .db(p)?;
                rowid
            }
            None => {
                self.conn
                    .prepare_cached(
                        "INSERT INTO advisories(id, modified, withdrawn, import_id, data)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                    )
                    .db(p)?
                    .execute(params![
                        adv.id,
                        adv.modified,
                        adv.is_withdrawn(),
                        self.import_id,
                        data
                    ])
                    .db(p)?;
                self.conn.last_insert_rowid()
            }
        };
        let mut keys: Vec<(String, String)> = adv
            .affected
            .iter()
            .filter_map(|a| a.package.as_ref())
            .map(|pkg| {
                (
                    pkg.ecosystem.as_str().to_owned(),
                    normalize_name(pkg.ecosystem.base(), &pkg.name),
                )
            })
            .collect();
        keys.sort();
        keys.dedup();
        let mut stmt = self
            .conn
            .prepare_cached("INSERT INTO packages(ecosystem, name, advisory) VALUES (?1, ?2, ?3)")
            .db(p)?;
        for (eco, name) in keys {
            stmt.execute(params![eco, name, rowid]).db(p)?;
        }
        Ok(outcome)
    }

    /// Distinct advisories last written by this import, per ecosystem key.
    pub(crate) fn counts_this_import(&self) -> Result<BTreeMap<String, usize>> {
        let p = &self.path;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT p.ecosystem, COUNT(DISTINCT p.advisory) FROM packages p
                 JOIN advisories a ON a.rowid = p.advisory WHERE a.import_id = ?1
                 GROUP BY p.ecosystem",
            )
            .db(p)?;
        let rows = stmt
            .query_map([self.import_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })
            .db(p)?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (e, n) = row.db(p)?;
            out.insert(e, usize::try_from(n).unwrap_or(0));
        }
        Ok(out)
    }

    /// Records the tallies, commits and closes the file.
    pub(crate) fn finish(self, records: usize, bad: usize) -> Result<u64> {
        let p = &self.path;
        self.conn
            .execute(
                "UPDATE imports SET records = ?2, bad = ?3 WHERE id = ?1",
                params![
                    self.import_id,
                    i64::try_from(records).unwrap_or(i64::MAX),
                    i64::try_from(bad).unwrap_or(i64::MAX)
                ],
            )
            .db(p)?;
        let total: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM advisories", [], |r| r.get(0))
            .db(p)?;
        self.conn.execute_batch("COMMIT").db(p)?;
        // No ANALYZE: the only query plan needed is the obvious index search, and the
        // statistics (stat4 in the bundled build) make SQLite re-prepare the lookup statement
        // on every new binding, which tripled the cost of a lookup.
        self.conn.close().map_err(|(_, source)| Error::Sqlite {
            path: p.clone(),
            source,
        })?;
        Ok(count(total))
    }
}
