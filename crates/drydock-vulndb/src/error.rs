use std::path::PathBuf;

use crate::model::AdvisoryError;

/// Errors of the advisory database. Each names the file, database or advisory involved,
/// because the message usually ends up in front of a user with no other context.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// SQLite failed.
    #[error("advisory database {}: {source}", path.display())]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// The underlying error.
        source: rusqlite::Error,
    },
    /// No database has been imported into the directory yet.
    #[error(
        "no advisory database in {}: run `drydock db import` or `drydock db update` first",
        .0.display()
    )]
    NotFound(PathBuf),
    /// The database was written by an incompatible version of drydock.
    #[error("advisory database {} has schema version {found}, expected {expected}: re-import it", path.display())]
    Schema {
        /// The database file.
        path: PathBuf,
        /// Version found.
        found: String,
        /// Version this build writes.
        expected: u32,
    },
    /// A record is not valid JSON/YAML or not shaped like an advisory.
    #[error("{0}")]
    Parse(String),
    /// A record is well-formed but not a usable advisory.
    #[error(transparent)]
    Advisory(#[from] AdvisoryError),
    /// A lookup was asked something that cannot be answered (e.g. a distro package without a
    /// release).
    #[error("invalid query: {0}")]
    Query(String),
    /// `drydock db update` could not use one or more exports; nothing was changed.
    #[error(
        "update failed, the advisory database was left unchanged: {}",
        .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
    )]
    Update(Vec<crate::update::SourceFailure>),
    /// Downloading a feed failed.
    #[error("{url}: {message}")]
    Http {
        /// The URL requested.
        url: String,
        /// What went wrong.
        message: String,
    },
}

/// Shorthand.
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) trait IoContext<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T> {
        self.map_err(|source| Error::Io {
            path: path.into(),
            source,
        })
    }
}

pub(crate) trait SqlContext<T> {
    fn db(self, path: &std::path::Path) -> Result<T>;
}

impl<T> SqlContext<T> for rusqlite::Result<T> {
    fn db(self, path: &std::path::Path) -> Result<T> {
        self.map_err(|source| Error::Sqlite {
            path: path.to_owned(),
            source,
        })
    }
}
