//! The rpm header blob every rpmdb backend stores per package.
//!
//! Layout (all big-endian): `il` (u32, index entry count), `dl` (u32, data store size),
//! `il` index entries of 16 bytes (`tag`, `type`, `offset` into the data store, `count`),
//! then the `dl`-byte data store. The first entry is usually a region tag
//! (`HEADERIMMUTABLE`) whose data is a trailer entry pointing back over the immutable
//! part of the index; rpm checks it on import, so we do too, as a cheap sign that the
//! blob really is a header and not some other record.
//!
//! Only the tags a scanner needs are decoded. Entries can repeat a tag (a "dribble"
//! entry appended after the region overrides the region's copy), so the last one wins.

use crate::bytes::{slice, u32_be};

const TAG_HEADERSIGNATURES: u32 = 62;
const TAG_HEADERIMMUTABLE: u32 = 63;
const TAG_HEADERIMAGE: u32 = 61;
const TAG_NAME: u32 = 1000;
const TAG_VERSION: u32 = 1001;
const TAG_RELEASE: u32 = 1002;
const TAG_EPOCH: u32 = 1003;
const TAG_LICENSE: u32 = 1014;
const TAG_PACKAGER: u32 = 1015;
const TAG_ARCH: u32 = 1022;
const TAG_SOURCERPM: u32 = 1044;
const TAG_DIRINDEXES: u32 = 1116;
const TAG_BASENAMES: u32 = 1117;
const TAG_DIRNAMES: u32 = 1118;

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_BIN: u32 = 7;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

const ENTRY_SIZE: usize = 16;

/// The package fields decoded from one header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// `NAME`.
    pub name: String,
    /// `VERSION` (upstream version).
    pub version: String,
    /// `RELEASE`.
    pub release: String,
    /// `EPOCH`, when the tag is present.
    pub epoch: Option<u32>,
    /// `ARCH`; absent for `gpg-pubkey` pseudo-packages.
    pub arch: Option<String>,
    /// `SOURCERPM` file name (`util-linux-2.32.1-42.el8_8.src.rpm`); `None` when absent
    /// or `(none)`.
    pub source_rpm: Option<String>,
    /// `LICENSE`; `None` when absent or `(none)`.
    pub license: Option<String>,
    /// `PACKAGER`.
    pub packager: Option<String>,
    /// Installed file paths (`DIRNAMES[DIRINDEXES[i]] + BASENAMES[i]`); empty when the header
    /// has no file list or it is inconsistent (ownership is then unknown, not an error).
    pub files: Vec<String>,
}

/// Why a blob is not a usable rpm header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HeaderError(String);

fn bad(msg: impl Into<String>) -> HeaderError {
    HeaderError(msg.into())
}

#[derive(Clone, Copy)]
struct Entry {
    tag: u32,
    ty: u32,
    offset: u32,
    count: u32,
}

fn tag_name(tag: u32) -> String {
    match tag {
        TAG_NAME => "NAME".into(),
        TAG_VERSION => "VERSION".into(),
        TAG_RELEASE => "RELEASE".into(),
        TAG_EPOCH => "EPOCH".into(),
        TAG_LICENSE => "LICENSE".into(),
        TAG_PACKAGER => "PACKAGER".into(),
        TAG_ARCH => "ARCH".into(),
        TAG_SOURCERPM => "SOURCERPM".into(),
        other => format!("tag {other}"),
    }
}

/// Decodes a header blob as stored in an rpmdb (no lead, no signature, no magic).
pub fn parse(blob: &[u8]) -> Result<Header, HeaderError> {
    let il = u32_be(blob, 0).ok_or_else(|| bad("blob shorter than the 8-byte header preamble"))?;
    let dl = u32_be(blob, 4).ok_or_else(|| bad("blob shorter than the 8-byte header preamble"))?;
    if il == 0 {
        return Err(bad("header has no index entries"));
    }
    // Checked against the blob before anything is sized by these counts.
    let index_len = (il as usize)
        .checked_mul(ENTRY_SIZE)
        .filter(|&n| n <= blob.len().saturating_sub(8))
        .ok_or_else(|| {
            bad(format!(
                "index of {il} entries does not fit in a {}-byte blob",
                blob.len()
            ))
        })?;
    let index = &blob[8..8 + index_len];
    let data = slice(blob, 8 + index_len, dl as usize).ok_or_else(|| {
        bad(format!(
            "data store of {dl} bytes does not fit in a {}-byte blob after {il} index entries",
            blob.len()
        ))
    })?;
    let entry = |i: usize| -> Entry {
        let at = i * ENTRY_SIZE;
        // In bounds: `index` holds exactly `il` entries and callers iterate below `il`.
        let word = |k: usize| u32_be(index, at + 4 * k).unwrap_or(0);
        Entry {
            tag: word(0),
            ty: word(1),
            offset: word(2),
            count: word(3),
        }
    };
    let entries = il as usize;

    check_region(entry(0), entries, data)?;

    let mut found: [Option<Entry>; 8] = [None; 8];
    const WANTED: [u32; 8] = [
        TAG_NAME,
        TAG_VERSION,
        TAG_RELEASE,
        TAG_EPOCH,
        TAG_LICENSE,
        TAG_PACKAGER,
        TAG_ARCH,
        TAG_SOURCERPM,
    ];
    for i in 0..entries {
        let e = entry(i);
        if let Some(slot) = WANTED.iter().position(|&t| t == e.tag) {
            found[slot] = Some(e);
        }
    }
    let [
        name,
        version,
        release,
        epoch,
        license,
        packager,
        arch,
        source_rpm,
    ] = found;
    let required = |e: Option<Entry>, tag: u32| -> Result<String, HeaderError> {
        let e = e.ok_or_else(|| bad(format!("no {} tag", tag_name(tag))))?;
        string(e, data)
    };
    let optional = |e: Option<Entry>| -> Result<Option<String>, HeaderError> {
        e.map(|e| string(e, data)).transpose()
    };
    let none_is_absent = |s: Option<String>| s.filter(|s| !s.is_empty() && s != "(none)");
    let files = file_list(&(0..entries).map(entry).collect::<Vec<_>>(), data);
    Ok(Header {
        name: required(name, TAG_NAME)?,
        version: required(version, TAG_VERSION)?,
        release: required(release, TAG_RELEASE)?,
        epoch: epoch.map(|e| int32(e, data)).transpose()?,
        arch: optional(arch)?.filter(|s| !s.is_empty()),
        source_rpm: none_is_absent(optional(source_rpm)?),
        license: none_is_absent(optional(license)?),
        packager: optional(packager)?.filter(|s| !s.is_empty()),
        files,
    })
}

/// The file list, for deciding which binaries the rpm owns. Every count is checked against the
/// data store before anything is allocated by it.
fn file_list(entries: &[Entry], data: &[u8]) -> Vec<String> {
    let find = |tag| entries.iter().find(|e| e.tag == tag).copied();
    let (Some(base), Some(dirs), Some(idx)) = (
        find(TAG_BASENAMES),
        find(TAG_DIRNAMES),
        find(TAG_DIRINDEXES),
    ) else {
        return Vec::new();
    };
    let (Some(base), Some(dirs)) = (string_array(base, data), string_array(dirs, data)) else {
        return Vec::new();
    };
    if idx.ty != TYPE_INT32 || idx.count as usize != base.len() {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(base.len());
    for (i, b) in base.iter().enumerate() {
        let Some(d) = u32_be(data, idx.offset as usize + 4 * i).and_then(|d| dirs.get(d as usize))
        else {
            return Vec::new();
        };
        out.push(format!("{d}{b}"));
    }
    out
}

/// `count` NUL-terminated strings from `offset`; `None` if they do not fit in the data store.
fn string_array(e: Entry, data: &[u8]) -> Option<Vec<String>> {
    if e.ty != TYPE_STRING_ARRAY || e.count as usize > data.len() {
        return None;
    }
    let mut rest = data.get(e.offset as usize..)?;
    let mut out = Vec::with_capacity(e.count as usize);
    for _ in 0..e.count {
        let end = rest.iter().position(|&b| b == 0)?;
        out.push(String::from_utf8_lossy(&rest[..end]).into_owned());
        rest = &rest[end + 1..];
    }
    Some(out)
}

/// rpm's `hdrblobVerifyRegion`, reduced to what proves the region is self-consistent.
fn check_region(first: Entry, entries: usize, data: &[u8]) -> Result<(), HeaderError> {
    if !matches!(
        first.tag,
        TAG_HEADERIMAGE | TAG_HEADERSIGNATURES | TAG_HEADERIMMUTABLE
    ) {
        // Legacy v3 headers have no region; rpm accepts them.
        return Ok(());
    }
    if first.ty != TYPE_BIN || first.count != ENTRY_SIZE as u32 {
        return Err(bad(format!(
            "region tag {} has type {} count {}, expected a 16-byte binary trailer",
            first.tag, first.ty, first.count
        )));
    }
    let trailer = slice(data, first.offset as usize, ENTRY_SIZE).ok_or_else(|| {
        bad(format!(
            "region trailer at offset {} lies outside the {}-byte data store",
            first.offset,
            data.len()
        ))
    })?;
    let word = |k: usize| u32_be(trailer, 4 * k).unwrap_or(0);
    let (ty, back, count) = (word(1), word(2) as i32, word(3));
    // The trailer's offset is minus the size of the region's index part.
    let region_len = back.checked_neg().filter(|&n| n > 0).map(|n| n as usize);
    let ok = ty == TYPE_BIN
        && count == ENTRY_SIZE as u32
        && region_len.is_some_and(|n| n % ENTRY_SIZE == 0 && n / ENTRY_SIZE <= entries);
    if !ok {
        return Err(bad(format!(
            "region trailer is inconsistent (type {ty}, count {count}, offset {back}) for {entries} index entries"
        )));
    }
    Ok(())
}

fn string(e: Entry, data: &[u8]) -> Result<String, HeaderError> {
    if !matches!(e.ty, TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18NSTRING) {
        return Err(bad(format!(
            "{} has type {}, expected a string",
            tag_name(e.tag),
            e.ty
        )));
    }
    if e.count == 0 {
        return Err(bad(format!("{} has no elements", tag_name(e.tag))));
    }
    let rest = data.get(e.offset as usize..).ok_or_else(|| {
        bad(format!(
            "{} offset {} is outside the {}-byte data store",
            tag_name(e.tag),
            e.offset,
            data.len()
        ))
    })?;
    // Arrays and i18n strings: the first element is the one rpm shows (the C locale).
    let end = rest.iter().position(|&b| b == 0).ok_or_else(|| {
        bad(format!(
            "{} at offset {} is not NUL-terminated within the data store",
            tag_name(e.tag),
            e.offset
        ))
    })?;
    Ok(String::from_utf8_lossy(&rest[..end]).into_owned())
}

fn int32(e: Entry, data: &[u8]) -> Result<u32, HeaderError> {
    if e.ty != TYPE_INT32 || e.count == 0 {
        return Err(bad(format!(
            "{} has type {} count {}, expected int32",
            tag_name(e.tag),
            e.ty,
            e.count
        )));
    }
    u32_be(data, e.offset as usize).ok_or_else(|| {
        bad(format!(
            "{} offset {} is outside the {}-byte data store",
            tag_name(e.tag),
            e.offset,
            data.len()
        ))
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds a header blob with a valid immutable region; `extra` entries are appended
    /// after it as raw (tag, type, offset, count) to test hostile values.
    pub(crate) fn build(tags: &[(u32, &str)], epoch: Option<u32>) -> Vec<u8> {
        let mut data = Vec::new();
        let mut entries: Vec<[u32; 4]> = Vec::new();
        if let Some(e) = epoch {
            entries.push([TAG_EPOCH, TYPE_INT32, data.len() as u32, 1]);
            data.extend_from_slice(&e.to_be_bytes());
        }
        for (tag, value) in tags {
            entries.push([*tag, TYPE_STRING, data.len() as u32, 1]);
            data.extend_from_slice(value.as_bytes());
            data.push(0);
        }
        let il = entries.len() + 1;
        let trailer_off = data.len() as u32;
        let back = -((il * ENTRY_SIZE) as i32);
        for w in [TAG_HEADERIMMUTABLE, TYPE_BIN, back as u32, 16] {
            data.extend_from_slice(&w.to_be_bytes());
        }
        let mut blob = Vec::new();
        blob.extend_from_slice(&(il as u32).to_be_bytes());
        blob.extend_from_slice(&(data.len() as u32).to_be_bytes());
        for w in [TAG_HEADERIMMUTABLE, TYPE_BIN, trailer_off, 16] {
            blob.extend_from_slice(&w.to_be_bytes());
        }
        for e in entries {
            for w in e {
                blob.extend_from_slice(&w.to_be_bytes());
            }
        }
        blob.extend_from_slice(&data);
        blob
    }

    pub(crate) fn sample() -> Vec<u8> {
        build(
            &[
                (TAG_NAME, "curl"),
                (TAG_VERSION, "7.76.0"),
                (TAG_RELEASE, "6.cm2"),
                (TAG_ARCH, "x86_64"),
                (TAG_SOURCERPM, "curl-7.76.0-6.cm2.src.rpm"),
                (TAG_LICENSE, "MIT"),
            ],
            Some(2),
        )
    }

    #[test]
    fn decodes_built_header() {
        let h = parse(&sample()).expect("valid");
        assert_eq!(h.name, "curl");
        assert_eq!(h.version, "7.76.0");
        assert_eq!(h.release, "6.cm2");
        assert_eq!(h.epoch, Some(2));
        assert_eq!(h.arch.as_deref(), Some("x86_64"));
        assert_eq!(h.source_rpm.as_deref(), Some("curl-7.76.0-6.cm2.src.rpm"));
        assert_eq!(h.license.as_deref(), Some("MIT"));
        assert_eq!(h.packager, None);
    }

    #[test]
    fn none_means_absent() {
        let b = build(
            &[
                (TAG_NAME, "gpg-pubkey"),
                (TAG_VERSION, "1"),
                (TAG_RELEASE, "2"),
                (TAG_SOURCERPM, "(none)"),
            ],
            None,
        );
        let h = parse(&b).expect("valid");
        assert_eq!(h.source_rpm, None);
        assert_eq!(h.epoch, None);
    }

    #[test]
    fn hostile_counts_and_offsets() {
        // Huge il with a tiny blob: rejected before any allocation.
        let mut b = vec![0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0];
        assert!(
            parse(&b)
                .expect_err("must be rejected")
                .0
                .contains("does not fit")
        );
        b[0..4].copy_from_slice(&1u32.to_be_bytes());
        b[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        b.extend_from_slice(&[0; 16]);
        assert!(
            parse(&b)
                .expect_err("must be rejected")
                .0
                .contains("data store")
        );
        assert!(parse(&[]).is_err());
        assert!(parse(&[0; 8]).is_err());

        // Missing NAME.
        let no_name = build(&[(TAG_VERSION, "1"), (TAG_RELEASE, "1")], None);
        assert_eq!(
            parse(&no_name).expect_err("must be rejected").0,
            "no NAME tag"
        );

        // String offset pointed past the end, and an unterminated string.
        let mut s = sample();
        let name_entry = 8 + 16 * 2; // region, epoch, then NAME
        s[name_entry + 8..name_entry + 12].copy_from_slice(&0x7fff_fff0u32.to_be_bytes());
        assert!(
            parse(&s)
                .expect_err("must be rejected")
                .0
                .contains("outside")
        );
        let mut s = sample();
        let last = s.len() - 17; // the NUL before the trailer
        s[last] = b'x';
        let _ = parse(&s); // LICENSE now runs into the trailer; still bounded

        // Every single-byte corruption: Ok or Err, never a panic.
        let base = sample();
        for i in 0..base.len() {
            for v in [0u8, 0xff, 0x80] {
                let mut m = base.clone();
                m[i] = v;
                let _ = parse(&m);
            }
        }
    }
}
