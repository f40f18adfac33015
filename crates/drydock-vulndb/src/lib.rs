//! The advisory database and vulnerability matching of drydock.
//!
//! * [`model`]: OSV records, parsed permissively (`Raw*`) and validated with `TryFrom`, so that
//!   a malformed record is rejected with a message naming it instead of silently matching
//!   nothing (or everything).
//! * [`import()`]: OSV JSON/YAML files, directories, `.zip` and `.tar.gz` archives and the Alpine
//!   secdb format into an SQLite file, atomically replaced.
//! * [`update()`]: osv.dev's per-ecosystem `all.zip` exports, downloaded conditionally
//!   (`ETag`/`Last-Modified`), verified and cached, rebuilt into the store all or nothing.
//! * [`oci`]: the database as an OCI artifact (`db push`, `db update --from`): its media
//!   types and annotations, and the checks a pulled manifest must pass before its layer is
//!   fetched.
//! * [`Database`]: read-only lookups by `(ecosystem, package)` and `info()`.
//! * [`matcher`]: the OSV range algorithm per ecosystem version scheme, ecosystem keys for
//!   distributions, and alias merging (one finding per vulnerability, whatever the number of
//!   databases describing it).
//!
//! ```no_run
//! use drydock_vulndb::{import, ImportOptions, Database, Matcher, Query};
//! # fn main() -> Result<(), drydock_vulndb::Error> {
//! let dir = std::path::Path::new("/var/cache/drydock/db");
//! let summary = import(dir, &["govulndb.tar.gz"], ImportOptions::default())?;
//! println!("{} advisories, {} bad", summary.total, summary.bad.len());
//! let matcher = Matcher::new(Database::open(dir)?);
//! for m in matcher.find(&Query::new("Go", "github.com/opencontainers/runc", "v1.1.11"))? {
//!     println!("{} {:?} fixed in {:?}", m.id, m.aliases, m.fixed_versions);
//! }
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod alpine;
pub mod bundle;
pub mod cvss;
pub mod ecosystem;
mod error;
pub mod import;
pub mod matcher;
pub mod model;
pub mod oci;
pub mod store;
pub mod update;
pub mod version;
mod yaml;

pub use cvss::Severity;
pub use ecosystem::Ecosystem;
pub use error::{Error, Result};
pub use import::{BadRecord, ImportOptions, ImportSummary, InputSummary, import};
pub use matcher::{AdvisorySource, Match, Matcher, MemorySource, Query, matches};
pub use model::{Advisory, AdvisoryError};
pub use store::{Database, DbInfo, Source};
pub use update::{
    Progress, ProgressEvent, SourceFailure, SourceReport, SourceStatus, UpdateOptions,
    UpdateSummary, update,
};
