//! One file that carries a whole advisory database to an air-gapped site: `db export FILE`
//! writes the SQLite database zstd-compressed, `db import FILE` swaps it in.
//!
//! The file is untrusted on the way in: it is decompressed size-capped into a temporary file
//! beside the database, opened read-only, checked (SQLite header, `quick_check`, schema version
//! of this drydock) and only then renamed over the old database, so a corrupt, truncated or
//! newer-schema bundle leaves the database as it was.

use std::io::{Read, Write};
use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, IoContext, Result, SqlContext};
use crate::store::{Database, check_schema};

/// zstd's frame magic, how a bundle is told from OSV input.
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
/// No advisory database comes near this; a bundle that inflates past it is refused.
const MAX_DB_BYTES: u64 = 8 << 30;

/// Whether `path` looks like a bundle (a zstd frame) rather than OSV files.
pub fn is_bundle(path: &Path) -> bool {
    let mut head = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && head == ZSTD_MAGIC
}

/// Writes the database in `dir` to `out`, zstd-compressed; returns the bytes written.
pub fn export(dir: &Path, out: &Path) -> Result<u64> {
    let db = Database::open(dir)?;
    let src = db.path().to_owned();
    drop(db);
    let mut input = std::fs::File::open(&src).at(&src)?;
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(parent).at(parent)?;
    let mut enc = zstd::Encoder::new(tmp, 10).at(out)?;
    std::io::copy(&mut input, &mut enc).at(out)?;
    let mut tmp = enc.finish().at(out)?;
    tmp.flush().at(out)?;
    let written = tmp.as_file().metadata().at(out)?.len();
    tmp.persist(out).map_err(|e| Error::Io {
        path: out.to_owned(),
        source: e.error,
    })?;
    Ok(written)
}

/// Replaces the database in `dir` with the one in `bundle`, after checking it.
pub fn import(dir: &Path, bundle: &Path) -> Result<()> {
    if !is_bundle(bundle) {
        return Err(Error::Parse(format!(
            "{}: not a drydock database bundle (a zstd-compressed database from `drydock db export`)",
            bundle.display()
        )));
    }
    std::fs::create_dir_all(dir).at(dir)?;
    let file = std::fs::File::open(bundle).at(bundle)?;
    let mut dec = zstd::Decoder::new(file).at(bundle)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).at(dir)?;
    let n = std::io::copy(&mut (&mut dec).take(MAX_DB_BYTES + 1), &mut tmp)
        .map_err(|e| Error::Parse(format!("{}: corrupt bundle: {e}", bundle.display())))?;
    if n > MAX_DB_BYTES {
        return Err(Error::Parse(format!(
            "{}: inflates past {} GiB; refused",
            bundle.display(),
            MAX_DB_BYTES >> 30
        )));
    }
    tmp.flush().at(dir)?;
    let path = tmp.path().to_owned();
    {
        let mut head = [0u8; 16];
        let ok = std::fs::File::open(&path)
            .and_then(|mut f| f.read_exact(&mut head))
            .is_ok();
        if !ok || &head != b"SQLite format 3\0" {
            return Err(Error::Parse(format!(
                "{}: the bundle does not hold a SQLite database",
                bundle.display()
            )));
        }
        let conn =
            Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY).db(&path)?;
        let check: String = conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .db(&path)?;
        if check != "ok" {
            return Err(Error::Parse(format!(
                "{}: the database in the bundle is damaged ({check})",
                bundle.display()
            )));
        }
        check_schema(&conn, &path).map_err(|e| match e {
            Error::Schema { found, expected, .. } => Error::Parse(format!(
                "{}: database schema {found}, this drydock reads {expected}: use the drydock that exported it, or export again with this one",
                bundle.display()
            )),
            other => other,
        })?;
    }
    let target = Database::path_in(dir);
    tmp.persist(&target).map_err(|e| Error::Io {
        path: target.clone(),
        source: e.error,
    })?;
    Ok(())
}
