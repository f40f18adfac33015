//! Berkeley DB hash database (`/var/lib/rpm/Packages`), read without libdb.
//!
//! Page 0 is the hash metadata page (magic `0x061561`, page size, last page number).
//! Hash pages (type 13, or 2 for the unsorted pages of RHEL 5-era files) carry an index
//! of 16-bit item offsets after the 26-byte page header, in key/value pairs. rpm's values
//! are header blobs, far larger than a page, so they are `H_OFFPAGE` items naming the
//! first page of a chain of overflow pages (type 7), each holding `hf_offset` bytes of
//! the value after its header and linking to the next via `next_pgno`. Small values
//! stored inline (`H_KEYDATA`) are read too.
//!
//! The file is written in the byte order of the machine that wrote it; the metadata
//! magic tells which. Every overflow page may belong to one chain only, which bounds the
//! total work by the file size even when a hostile file makes chains share pages.

use crate::CatalogError;
use crate::Diags;
use crate::bytes::{Endian, slice, u32_be, u32_le};

const FORMAT: &str = "rpm Berkeley DB hash";
const HASH_MAGIC: u32 = 0x0006_1561;
const PAGE_HEADER: usize = 26;
const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASHMETA: u8 = 8;
const P_HASH: u8 = 13;
const H_KEYDATA: u8 = 1;
const H_OFFPAGE: u8 = 3;
const HOFFPAGE_LEN: usize = 12;
/// Smallest possible rpm header: preamble plus one index entry.
const MIN_HEADER: usize = 8 + 16;

/// Whether `data` starts with a Berkeley DB hash metadata page, in either byte order.
pub fn has_magic(data: &[u8]) -> bool {
    endian(data).is_some()
}

fn endian(data: &[u8]) -> Option<Endian> {
    if u32_le(data, 12)? == HASH_MAGIC {
        Some(Endian::Little)
    } else if u32_be(data, 12)? == HASH_MAGIC {
        Some(Endian::Big)
    } else {
        None
    }
}

fn corrupt(path: &str, detail: impl Into<String>) -> CatalogError {
    CatalogError::Corrupt {
        path: path.to_owned(),
        format: FORMAT,
        detail: detail.into(),
    }
}

fn unrecognized(path: &str, detail: impl Into<String>) -> CatalogError {
    CatalogError::Unrecognized {
        path: path.to_owned(),
        format: FORMAT,
        detail: detail.into(),
    }
}

/// Reads every value of the hash database and hands each to `on_blob`.
pub(crate) fn read(
    path: &str,
    data: &[u8],
    diags: &mut Diags<'_>,
    on_blob: &mut super::BlobSink<'_>,
) -> Result<(), CatalogError> {
    let order = endian(data).ok_or_else(|| unrecognized(path, "no hash magic at offset 12"))?;
    let meta_u32 = |off: usize| order.u32(data, off);
    let page_size = meta_u32(20).ok_or_else(|| corrupt(path, "metadata page truncated"))? as usize;
    if !page_size.is_power_of_two() || !(512..=65536).contains(&page_size) {
        return Err(corrupt(path, format!("invalid page size {page_size}")));
    }
    let (Some(&encryption), Some(&page_type)) = (data.get(24), data.get(25)) else {
        return Err(corrupt(path, "metadata page truncated"));
    };
    if encryption != 0 {
        return Err(unrecognized(
            path,
            format!("encrypted database (algorithm {encryption})"),
        ));
    }
    if page_type != P_HASHMETA {
        return Err(unrecognized(
            path,
            format!("page 0 has type {page_type}, not a hash metadata page"),
        ));
    }
    let last_pgno = meta_u32(32).ok_or_else(|| corrupt(path, "metadata page truncated"))?;
    let pages = (last_pgno as usize)
        .checked_add(1)
        .filter(|&n| {
            n.checked_mul(page_size)
                .is_some_and(|len| len <= data.len())
        })
        .ok_or_else(|| {
            corrupt(
                path,
                format!(
                    "truncated: metadata says {} pages of {page_size} bytes, file has {} bytes",
                    u64::from(last_pgno) + 1,
                    data.len()
                ),
            )
        })?;
    let page = |n: usize| slice(data, n * page_size, page_size);
    let mut used_overflow = vec![false; pages];

    for pgno in 1..pages {
        let Some(p) = page(pgno) else { break };
        if !matches!(p[25], P_HASH | P_HASH_UNSORTED) {
            continue;
        }
        let entries = order.u16(p, 20).map_or(0, usize::from);
        let index_end = PAGE_HEADER + 2 * entries;
        if index_end > page_size {
            diags.push(format!(
                "page {pgno}: index of {entries} items overruns the page; page skipped"
            ));
            continue;
        }
        if entries % 2 != 0 {
            diags.push(format!(
                "page {pgno}: odd item count {entries} (items come in key/value pairs)"
            ));
        }
        let item_off = |i: usize| order.u16(p, PAGE_HEADER + 2 * i).map_or(0, usize::from);
        for value in (1..entries).step_by(2) {
            let label = format!("page {pgno} item {value}");
            let off = item_off(value);
            if off < index_end || off >= page_size {
                diags.push(format!(
                    "{label}: offset {off} outside the item area; skipped"
                ));
                continue;
            }
            match p[off] {
                H_OFFPAGE => {
                    match overflow_chain(p, off, order, &page, &mut used_overflow, data.len()) {
                        Ok(blob) => on_blob(&label, &blob, diags),
                        Err(e) => diags.push(format!("{label}: {e}; skipped")),
                    }
                }
                H_KEYDATA => {
                    // Items are packed from the page end downwards, so an item ends where
                    // the previous one (its key) starts.
                    let end = item_off(value - 1).min(page_size);
                    let Some(bytes) = p.get(off + 1..end) else {
                        diags.push(format!("{label}: inline item overlaps its key; skipped"));
                        continue;
                    };
                    // rpm keeps a tiny bookkeeping record inline; headers never fit.
                    if bytes.len() >= MIN_HEADER {
                        on_blob(&label, bytes, diags);
                    }
                }
                other => diags.push(format!("{label}: unsupported item type {other}; skipped")),
            }
        }
    }
    Ok(())
}

/// Concatenates the overflow chain an `H_OFFPAGE` item points at.
fn overflow_chain<'d>(
    p: &[u8],
    off: usize,
    order: Endian,
    page: &impl Fn(usize) -> Option<&'d [u8]>,
    used: &mut [bool],
    file_len: usize,
) -> Result<Vec<u8>, String> {
    let item = slice(p, off, HOFFPAGE_LEN).ok_or("off-page item runs past the page end")?;
    let first = order.u32(item, 4).unwrap_or(0) as usize;
    let total = order.u32(item, 8).unwrap_or(0) as usize;
    if total > file_len {
        return Err(format!("value length {total} exceeds the file size"));
    }
    let mut value = Vec::with_capacity(total);
    let mut cur = first;
    while cur != 0 {
        let seen = used
            .get_mut(cur)
            .ok_or_else(|| format!("overflow page {cur} is past the last page"))?;
        if *seen {
            return Err(format!(
                "overflow page {cur} is already part of another chain"
            ));
        }
        *seen = true;
        let ov = page(cur).ok_or_else(|| format!("overflow page {cur} is past the file end"))?;
        if ov[25] != P_OVERFLOW {
            return Err(format!(
                "page {cur} in an overflow chain has type {}",
                ov[25]
            ));
        }
        let len = order.u16(ov, 22).map_or(0, usize::from);
        let chunk = slice(ov, PAGE_HEADER, len)
            .ok_or_else(|| format!("overflow page {cur} claims {len} bytes, more than a page"))?;
        if value.len() + chunk.len() > total {
            return Err(format!(
                "overflow chain holds more than the {total} bytes announced"
            ));
        }
        value.extend_from_slice(chunk);
        cur = order.u32(ov, 16).unwrap_or(0) as usize;
    }
    if value.len() != total {
        return Err(format!(
            "overflow chain holds {} bytes, {total} announced",
            value.len()
        ));
    }
    Ok(value)
}
