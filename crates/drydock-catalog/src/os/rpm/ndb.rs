//! NDB, rpm's own database format (`Packages.db`, SUSE), after rpm's
//! `lib/backend/ndb/rpmpkg.c`.
//!
//! A 32-byte header (`RpmP`, version 0, generation, slot page count) is followed by that
//! many 4 KiB slot pages (the header takes the first two 16-byte slots of page one). Each
//! slot (`Slot`, package index, block offset, block count; little-endian) locates a blob
//! in 16-byte blocks: a 16-byte blob header (`BlbS`, package index, checksum, length) and
//! the rpm header itself. Slots whose package index is 0 are free.
//!
//! Slots are checked not to overlap before any blob is parsed, so a hostile file cannot
//! make us parse the same bytes once per slot.

use crate::bytes::{slice, u32_le};
use crate::{CatalogError, Diags};

const FORMAT: &str = "rpm NDB";
const HEADER_MAGIC: u32 = u32::from_le_bytes(*b"RpmP");
const SLOT_MAGIC: u32 = u32::from_le_bytes(*b"Slot");
const BLOB_MAGIC: u32 = u32::from_le_bytes(*b"BlbS");
const SLOT_PAGE: usize = 4096;
const SLOT_LEN: usize = 16;
const BLOCK: usize = 16;
const HEADER_LEN: usize = 32;

/// Whether `data` starts with the NDB header magic.
pub fn has_magic(data: &[u8]) -> bool {
    u32_le(data, 0) == Some(HEADER_MAGIC)
}

fn corrupt(path: &str, detail: impl Into<String>) -> CatalogError {
    CatalogError::Corrupt {
        path: path.to_owned(),
        format: FORMAT,
        detail: detail.into(),
    }
}

struct Extent {
    slot: usize,
    pkg: u32,
    start: usize,
    len: usize,
}

/// Reads every package blob and hands each to `on_blob`.
pub(crate) fn read(
    path: &str,
    data: &[u8],
    diags: &mut Diags<'_>,
    on_blob: &mut super::BlobSink<'_>,
) -> Result<(), CatalogError> {
    if !has_magic(data) {
        return Err(CatalogError::Unrecognized {
            path: path.to_owned(),
            format: FORMAT,
            detail: "no RpmP magic".into(),
        });
    }
    let version = u32_le(data, 4).ok_or_else(|| corrupt(path, "header truncated"))?;
    if version != 0 {
        return Err(CatalogError::Unrecognized {
            path: path.to_owned(),
            format: FORMAT,
            detail: format!("unsupported NDB version {version}"),
        });
    }
    let slot_pages = u32_le(data, 12).ok_or_else(|| corrupt(path, "header truncated"))? as usize;
    let slots_end = slot_pages
        .checked_mul(SLOT_PAGE)
        .filter(|&n| n > 0 && n <= data.len())
        .ok_or_else(|| {
            corrupt(
                path,
                format!(
                    "header announces {slot_pages} slot pages, file has {} bytes",
                    data.len()
                ),
            )
        })?;

    let mut extents = Vec::new();
    for (slot, off) in (HEADER_LEN..slots_end).step_by(SLOT_LEN).enumerate() {
        let word = |k: usize| u32_le(data, off + 4 * k).unwrap_or(0);
        if word(0) != SLOT_MAGIC {
            // rpm refuses the whole database here: the slot table is its only index.
            return Err(corrupt(
                path,
                format!(
                    "slot {slot} at offset {off} has bad magic {:#010x}",
                    word(0)
                ),
            ));
        }
        let pkg = word(1);
        if pkg == 0 {
            continue;
        }
        let (blk_off, blk_cnt) = (word(2) as usize, word(3) as usize);
        let extent = blk_off
            .checked_mul(BLOCK)
            .zip(blk_cnt.checked_mul(BLOCK))
            .filter(|&(start, len)| {
                start >= slots_end
                    && len > BLOCK
                    && start.checked_add(len).is_some_and(|e| e <= data.len())
            });
        match extent {
            Some((start, len)) => extents.push(Extent {
                slot,
                pkg,
                start,
                len,
            }),
            None => diags.push(format!(
                "package {pkg} (slot {slot}): blocks {blk_off}+{blk_cnt} lie outside the blob area; skipped"
            )),
        }
    }

    // Drop any extent that overlaps an earlier one (by position), then restore slot order.
    extents.sort_by_key(|e| (e.start, e.slot));
    let mut kept: Vec<Extent> = Vec::with_capacity(extents.len());
    for e in extents {
        if let Some(prev) = kept.last()
            && e.start < prev.start + prev.len
        {
            diags.push(format!(
                "package {} (slot {}): blob overlaps package {}'s; skipped",
                e.pkg, e.slot, prev.pkg
            ));
            continue;
        }
        kept.push(e);
    }
    kept.sort_by_key(|e| e.slot);

    for e in kept {
        let label = format!("package {} (slot {})", e.pkg, e.slot);
        let block = &data[e.start..e.start + e.len];
        let word = |k: usize| u32_le(block, 4 * k).unwrap_or(0);
        if word(0) != BLOB_MAGIC {
            diags.push(format!(
                "{label}: bad blob magic {:#010x}; skipped",
                word(0)
            ));
            continue;
        }
        if word(1) != e.pkg {
            diags.push(format!(
                "{label}: blob belongs to package {}; skipped",
                word(1)
            ));
            continue;
        }
        let blob_len = word(3) as usize;
        match slice(block, BLOCK, blob_len) {
            Some(blob) => on_blob(&label, blob, diags),
            None => diags.push(format!(
                "{label}: blob length {blob_len} exceeds its {} allocated bytes; skipped",
                e.len - BLOCK
            )),
        }
    }
    Ok(())
}
