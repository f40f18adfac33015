//! Versioned migrations: `schema_version` holds one row per applied migration; each numbered SQL
//! file runs once, in the transaction that records it, so a store is at version N or N-1, never
//! in between. Concurrent first opens are serialised ([`Exec::lock_migrations`]).

use crate::backend::{Exec, Value};
use crate::error::{Error, Result};

/// The numbered migrations, in order, each with the statement that differs by backend (if
/// any) as (SQLite, PostgreSQL). Append only: a released migration never changes.
type Migration = (i64, &'static str, Option<(&'static str, &'static str)>);
const MIGRATIONS: &[Migration] = &[
    (
        1,
        include_str!("../migrations/0001_init.sql"),
        // Byte order for purl prefix ranges: SQLite's default collation, PostgreSQL's "C".
        Some((
            "CREATE INDEX packages_purl ON packages (purl)",
            "CREATE INDEX packages_purl ON packages (purl COLLATE \"C\")",
        )),
    ),
    (2, include_str!("../migrations/0002_api_tokens.sql"), None),
    (
        3,
        include_str!("../migrations/0003_layer_blobs.sql"),
        Some((
            "CREATE TABLE layer_blobs (key TEXT PRIMARY KEY, data BLOB NOT NULL, \
             size BIGINT NOT NULL, created_at BIGINT NOT NULL)",
            "CREATE TABLE layer_blobs (key TEXT PRIMARY KEY, data BYTEA NOT NULL, \
             size BIGINT NOT NULL, created_at BIGINT NOT NULL)",
        )),
    ),
    (4, include_str!("../migrations/0004_scan_filters.sql"), None),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 4;

const CREATE: &str = "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)";

pub(crate) fn current(x: &mut dyn Exec) -> Result<i64> {
    let rows = x.query("SELECT MAX(version) FROM schema_version", &[])?;
    Ok(match rows.first() {
        Some(r) => r.opt_int(0)?.unwrap_or(0),
        None => 0,
    })
}

pub(crate) fn migrate(x: &mut dyn Exec) -> Result<()> {
    x.lock_migrations()?;
    x.batch(CREATE)?;
    let at = current(x)?;
    if at > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            found: at,
            known: SCHEMA_VERSION,
        });
    }
    for (version, sql, by_backend) in MIGRATIONS.iter().filter(|(v, _, _)| *v > at) {
        x.batch(sql)?;
        if let Some((sqlite, postgres)) = by_backend {
            x.batch(if x.is_postgres() { postgres } else { sqlite })?;
        }
        x.execute(
            "INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)",
            &[Value::Int(*version), Value::Int(crate::now())],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_numbered_in_order_up_to_the_schema_version() {
        for (i, (v, _, _)) in super::MIGRATIONS.iter().enumerate() {
            assert_eq!(*v, i as i64 + 1);
        }
        assert_eq!(
            super::MIGRATIONS.last().map(|m| m.0),
            Some(super::SCHEMA_VERSION)
        );
    }
}
