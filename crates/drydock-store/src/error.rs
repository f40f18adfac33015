//! The store's errors. None carries a database URL: a `postgres://` URL may hold a password.

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("store {0}: {1}")]
    Sqlite(String, #[source] rusqlite::Error),
    #[error("PostgreSQL store: {0}")]
    Postgres(String),
    #[error("{0}: {1}")]
    Io(String, #[source] std::io::Error),
    /// A store URL drydock cannot use.
    #[error("store location: {0}")]
    Location(String),
    /// The store was migrated by a newer drydock.
    #[error(
        "the store's schema is version {found}, newer than this drydock knows ({known}): upgrade drydock"
    )]
    SchemaTooNew { found: i64, known: i64 },
    /// A row that does not hold what the schema says.
    #[error("store data: {0}")]
    Data(String),
    /// A `--version` constraint that does not parse.
    #[error("version constraint {0:?}: {1}")]
    Constraint(String, String),
}
