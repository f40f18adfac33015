//! SQLite rpmdb (`rpmdb.sqlite`): table `Packages(hnum INTEGER PRIMARY KEY, blob BLOB)`.
//!
//! The bytes are loaded into an in-memory SQLite (`sqlite3_deserialize`), so nothing is
//! written to disk and no path in the image is ever opened.
//!
//! rpm keeps this database in WAL mode. Committed transactions stay in `rpmdb.sqlite-wal`
//! until a checkpoint copies them into the main file, so an image layer built by
//! `dnf install` can hold packages that only the WAL knows about. (The go-rpmdb fixture
//! staged for our tests has an empty WAL: all 129 packages are in the main file.) An
//! in-memory database cannot have a WAL, so [`apply_wal`] replays the committed frames
//! onto a copy of the main file the way SQLite's recovery does, and the header is then
//! switched to rollback-journal mode so SQLite does not look for a `-wal` file.

use std::io::Read;

use rusqlite::{Connection, MAIN_DB, OpenFlags, limits::Limit, types::ValueRef};

use crate::bytes::{u16_be, u32_be};
use crate::{CatalogError, Diags};

/// The first 16 bytes of every SQLite 3 database.
pub const MAGIC: &[u8] = b"SQLite format 3\0";

/// Suffix SQLite gives the write-ahead log of a database.
pub const WAL_SUFFIX: &str = "-wal";

const FORMAT: &str = "rpm SQLite";
const HEADER_LEN: usize = 100;
const WAL_HEADER_LEN: usize = 32;
const WAL_FRAME_HEADER_LEN: usize = 24;
const WAL_MAGIC_LE: u32 = 0x377f_0682;
const WAL_MAGIC_BE: u32 = 0x377f_0683;
const WAL_VERSION: u32 = 3_007_000;

fn corrupt(path: &str, detail: impl Into<String>) -> CatalogError {
    CatalogError::Corrupt {
        path: path.to_owned(),
        format: FORMAT,
        detail: detail.into(),
    }
}

fn sqlite_err(path: &str) -> impl Fn(rusqlite::Error) -> CatalogError + '_ {
    move |source| CatalogError::Sqlite {
        path: path.to_owned(),
        source,
    }
}

/// Page size from the database header (offset 16; the value 1 means 65536).
fn page_size(db: &[u8]) -> Option<usize> {
    let raw = u16_be(db, 16)?;
    let size = if raw == 1 { 65536 } else { raw as usize };
    (size.is_power_of_two() && (512..=65536).contains(&size)).then_some(size)
}

/// Replays the committed frames of a write-ahead log onto a copy of the database.
///
/// Follows SQLite's recovery rules: a WAL whose header magic, version or checksum is
/// wrong is ignored as SQLite would ignore it; frames are valid while their salts match
/// the header and their cumulative checksum holds; only frames up to the last valid
/// commit frame count, and a later frame for the same page wins. The result is never
/// larger than the two inputs together.
pub fn apply_wal(db: &[u8], wal: &[u8]) -> Result<Vec<u8>, String> {
    let ps = page_size(db).ok_or("database header has an invalid page size")?;
    let Some(magic) = u32_be(wal, 0) else {
        return Ok(db.to_vec());
    };
    let big_endian = match magic {
        WAL_MAGIC_LE => false,
        WAL_MAGIC_BE => true,
        _ => return Ok(db.to_vec()),
    };
    let header = &wal[..WAL_HEADER_LEN.min(wal.len())];
    let field = |off: usize| u32_be(header, off);
    let (Some(version), Some(wal_ps), Some(salt1), Some(salt2), Some(c1), Some(c2)) = (
        field(4),
        field(8),
        field(16),
        field(20),
        field(24),
        field(28),
    ) else {
        return Ok(db.to_vec());
    };
    if checksum(big_endian, &header[..24], (0, 0)) != (c1, c2) {
        return Ok(db.to_vec());
    }
    if version != WAL_VERSION {
        return Err(format!("unsupported WAL format version {version}"));
    }
    if wal_ps as usize != ps {
        return Err(format!(
            "WAL page size {wal_ps} differs from the database page size {ps}"
        ));
    }

    let frame_len = WAL_FRAME_HEADER_LEN + ps;
    let mut sum = (c1, c2);
    let mut pending: Vec<(u32, usize)> = Vec::new();
    let mut committed: Vec<(u32, usize)> = Vec::new();
    let mut db_pages: Option<u32> = None;
    let mut off = WAL_HEADER_LEN;
    while let Some(frame) = wal.get(off..off + frame_len) {
        let f = |k: usize| u32_be(frame, k).unwrap_or(0);
        let (pgno, commit, s1, s2) = (f(0), f(4), f(8), f(12));
        if pgno == 0 || s1 != salt1 || s2 != salt2 {
            break;
        }
        let next = checksum(
            big_endian,
            &frame[WAL_FRAME_HEADER_LEN..],
            checksum(big_endian, &frame[..8], sum),
        );
        if next != (f(16), f(20)) {
            break;
        }
        sum = next;
        pending.push((pgno, off + WAL_FRAME_HEADER_LEN));
        if commit != 0 {
            committed.append(&mut pending);
            db_pages = Some(commit);
        }
        off += frame_len;
    }
    let Some(db_pages) = db_pages else {
        return Ok(db.to_vec());
    };
    let size = (db_pages as usize)
        .checked_mul(ps)
        .filter(|&n| n <= db.len().saturating_add(wal.len()))
        .ok_or_else(|| {
            format!("WAL commit claims {db_pages} pages, more than the database and WAL hold")
        })?;
    let mut out = vec![0u8; size];
    let keep = size.min(db.len());
    out[..keep].copy_from_slice(&db[..keep]);
    for (pgno, at) in committed {
        // Pages past the committed size were truncated away by that commit.
        let Some(start) = (pgno as usize - 1).checked_mul(ps) else {
            continue;
        };
        if let (Some(dst), Some(src)) = (
            crate::bytes::slice_mut(&mut out, start, ps),
            crate::bytes::slice(wal, at, ps),
        ) {
            dst.copy_from_slice(src);
        }
    }
    Ok(out)
}

/// SQLite's WAL checksum: Fibonacci-weighted sums of 32-bit words, in the byte order the
/// WAL magic announces. Input lengths are multiples of 8 (headers and page sizes are).
fn checksum(big_endian: bool, data: &[u8], (mut s1, mut s2): (u32, u32)) -> (u32, u32) {
    for pair in data.chunks_exact(8) {
        let word = |b: &[u8]| {
            let a = [b[0], b[1], b[2], b[3]];
            if big_endian {
                u32::from_be_bytes(a)
            } else {
                u32::from_le_bytes(a)
            }
        };
        s1 = s1.wrapping_add(word(&pair[..4])).wrapping_add(s2);
        s2 = s2.wrapping_add(word(&pair[4..])).wrapping_add(s1);
    }
    (s1, s2)
}

/// Reads every header blob from an rpm SQLite database (plus its WAL, if given) and
/// hands each to `on_blob` with a record label for messages.
pub(crate) fn read(
    path: &str,
    data: &[u8],
    wal: Option<&[u8]>,
    diags: &mut Diags<'_>,
    on_blob: &mut super::BlobSink<'_>,
) -> Result<(), CatalogError> {
    if data.len() < HEADER_LEN || !data.starts_with(MAGIC) {
        return Err(corrupt(path, "shorter than the 100-byte SQLite header"));
    }
    if page_size(data).is_none() {
        return Err(corrupt(path, "invalid page size in the SQLite header"));
    }
    let replayed;
    let image: &[u8] = match wal.filter(|w| !w.is_empty()) {
        Some(wal) => {
            replayed = apply_wal(data, wal).map_err(|e| corrupt(path, e))?;
            &replayed
        }
        None => data,
    };
    if image.len() < HEADER_LEN {
        return Err(corrupt(
            path,
            "database shorter than its header after WAL replay",
        ));
    }
    // Bytes 18-19 = 1: rollback-journal mode. Everything the WAL held is already in
    // `image`, and an in-memory database cannot open a WAL: left at 2, every query on
    // the deserialized fixture fails with SQLITE_CANTOPEN.
    let mut head = [0u8; HEADER_LEN];
    head.copy_from_slice(&image[..HEADER_LEN]);
    head[18] = 1;
    head[19] = 1;

    let to_sql = sqlite_err(path);
    let mut conn = Connection::open_in_memory_with_flags(
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(&to_sql)?;
    conn.deserialize_read_exact(
        MAIN_DB,
        (&head[..]).chain(&image[HEADER_LEN..]),
        image.len(),
        true,
    )
    .map_err(&to_sql)?;
    // No value read from this database can be longer than the database itself; the
    // limit stops SQLite from allocating a hostile cell's claimed payload size.
    let max_len = i32::try_from(image.len()).unwrap_or(i32::MAX);
    conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, max_len)
        .map_err(&to_sql)?;
    conn.pragma_update(None, "trusted_schema", false)
        .map_err(&to_sql)?;
    conn.pragma_update(None, "cell_size_check", true)
        .map_err(&to_sql)?;

    // A view or virtual table named Packages could compute rows forever; only a plain
    // table is bounded by the file.
    let kind: Option<(String, String)> = conn
        .query_row(
            "SELECT type, coalesce(sql, '') FROM sqlite_master WHERE name = 'Packages' COLLATE NOCASE",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })
        .map_err(&to_sql)?;
    match kind {
        None => {
            return Err(CatalogError::Unrecognized {
                path: path.to_owned(),
                format: FORMAT,
                detail: "SQLite database has no Packages table".into(),
            });
        }
        Some((ty, sql))
            if ty != "table"
                || sql
                    .trim_start()
                    .to_ascii_uppercase()
                    .starts_with("CREATE VIRTUAL") =>
        {
            return Err(corrupt(
                path,
                format!("Packages is a {ty}, not a plain table"),
            ));
        }
        Some(_) => {}
    }

    let mut stmt = conn
        .prepare("SELECT hnum, blob FROM Packages")
        .map_err(&to_sql)?;
    let mut rows = stmt.query([]).map_err(&to_sql)?;
    // Rows of a real table cannot add up to more than the file; more means cells share
    // overflow pages, and reading on would be quadratic.
    let mut total: usize = 0;
    while let Some(row) = rows.next().map_err(&to_sql)? {
        let hnum: i64 = row.get(0).map_err(&to_sql)?;
        let label = format!("row hnum={hnum}");
        match row.get_ref(1).map_err(&to_sql)? {
            ValueRef::Blob(blob) => {
                total = total.saturating_add(blob.len());
                if total > image.len() {
                    return Err(corrupt(
                        path,
                        "Packages rows add up to more bytes than the database holds",
                    ));
                }
                on_blob(&label, blob, diags);
            }
            other => diags.push(format!(
                "{label}: blob column holds {:?}, not a blob; skipped",
                other.data_type()
            )),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wal_garbage_is_ignored_or_rejected() {
        let mut db = vec![0u8; 4096];
        db[..16].copy_from_slice(MAGIC);
        db[16..18].copy_from_slice(&4096u16.to_be_bytes());
        assert_eq!(apply_wal(&db, b"").as_deref(), Ok(&db[..]));
        assert_eq!(apply_wal(&db, b"short").as_deref(), Ok(&db[..]));
        assert_eq!(apply_wal(&db, &[0xab; 100]).as_deref(), Ok(&db[..]));
        // A well-formed header with no frames changes nothing.
        let mut wal = Vec::new();
        for w in [WAL_MAGIC_BE, WAL_VERSION, 4096, 0, 7, 9] {
            wal.extend_from_slice(&w.to_be_bytes());
        }
        let (c1, c2) = checksum(true, &wal, (0, 0));
        wal.extend_from_slice(&c1.to_be_bytes());
        wal.extend_from_slice(&c2.to_be_bytes());
        assert_eq!(apply_wal(&db, &wal).as_deref(), Ok(&db[..]));
        // A frame that claims a huge commit size: valid checksum, so it must be refused
        // by the size bound rather than allocated.
        let mut frame = Vec::new();
        for w in [1u32, u32::MAX, 7, 9] {
            frame.extend_from_slice(&w.to_be_bytes());
        }
        let page = vec![0u8; 4096];
        let s = checksum(true, &page, checksum(true, &frame[..8], (c1, c2)));
        frame.extend_from_slice(&s.0.to_be_bytes());
        frame.extend_from_slice(&s.1.to_be_bytes());
        frame.extend_from_slice(&page);
        let mut big = wal.clone();
        big.extend_from_slice(&frame);
        assert!(
            apply_wal(&db, &big)
                .expect_err("must be rejected")
                .contains("claims")
        );
    }
}
