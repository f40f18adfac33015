use crate::path::{ImagePath, PathRef};
use serde::{Deserialize, Serialize};

/// What a layer entry is, after whiteout markers have been recognised.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EntryKind {
    File,
    Dir,
    /// The raw link target, unresolved: it means something only inside the image root.
    Symlink {
        target: Box<[u8]>,
    },
    /// A hard link to another path of this or a lower layer (tar link names are root-relative).
    Hardlink {
        target: ImagePath,
    },
    CharDevice,
    BlockDevice,
    Fifo,
    /// `.wh.NAME`: the entry's path is the path deleted from lower layers.
    Whiteout,
    /// `.wh..wh..opq`: the entry's path is the directory whose lower content is hidden.
    OpaqueDir,
    Other,
}

/// One entry's metadata; the content is streamed separately and only when asked for.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EntryMeta {
    pub path: ImagePath,
    pub kind: EntryKind,
    pub size: u64,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
}

impl EntryKind {
    pub fn file_type(&self) -> FileType {
        match self {
            Self::File => FileType::File,
            Self::Dir => FileType::Dir,
            Self::Symlink { .. } => FileType::Symlink,
            Self::Hardlink { .. } => FileType::Hardlink,
            Self::CharDevice => FileType::CharDevice,
            Self::BlockDevice => FileType::BlockDevice,
            Self::Fifo => FileType::Fifo,
            Self::Whiteout => FileType::Whiteout,
            Self::OpaqueDir => FileType::OpaqueDir,
            Self::Other => FileType::Other,
        }
    }
}

/// An entry's type without its link target: what the squashed view compares on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum FileType {
    File,
    Dir,
    Symlink,
    Hardlink,
    CharDevice,
    BlockDevice,
    Fifo,
    Whiteout,
    OpaqueDir,
    Other,
}

impl FileType {
    const ALL: [FileType; 10] = [
        Self::File,
        Self::Dir,
        Self::Symlink,
        Self::Hardlink,
        Self::CharDevice,
        Self::BlockDevice,
        Self::Fifo,
        Self::Whiteout,
        Self::OpaqueDir,
        Self::Other,
    ];

    fn from_u8(b: u8) -> Option<Self> {
        Self::ALL.get(usize::from(b)).copied()
    }

    pub fn is_marker(self) -> bool {
        matches!(self, Self::Whiteout | Self::OpaqueDir)
    }
}

impl EntryMeta {
    pub fn is_file(&self) -> bool {
        self.kind == EntryKind::File
    }

    pub fn is_setuid(&self) -> bool {
        self.mode & 0o4000 != 0
    }
}

/// The entries of one layer, in stream order, packed: every path (and link target) back to back
/// in one byte arena, and a 32-byte record per entry. A million-entry layer costs ~32 MB plus its
/// path bytes, where separately allocated paths and 72-byte structs cost three times that; the
/// squashed [`crate::FileTree`] points into these instead of copying paths again.
#[derive(Clone, Debug, Default)]
pub struct LayerEntries {
    /// Entry `i`'s path, then its link target (up to the next record's `start`).
    bytes: Vec<u8>,
    items: Vec<Item>,
}

#[derive(Clone, Copy, Debug)]
struct Item {
    start: u32,
    path_len: u32,
    mode: u32,
    /// Linux ids are 32-bit; a larger tar value saturates (never wraps to root).
    uid: u32,
    gid: u32,
    size: u64,
    kind: FileType,
}

/// A layer's paths exceed what one layer's index holds (4 GiB of names).
#[derive(Debug, thiserror::Error)]
#[error("the layer's entry names exceed 4 GiB (or its entries 4 billion); not indexed further")]
pub struct ArenaFull;

/// One entry of a [`LayerEntries`], borrowed.
#[derive(Clone, Copy, Debug)]
pub struct EntryRef<'a> {
    pub path: PathRef<'a>,
    pub kind: FileType,
    /// Symlink target as written, or a hard link's (clean) target path; empty otherwise.
    pub link: &'a [u8],
    pub size: u64,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
}

impl LayerEntries {
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Appends an entry; refused (nothing appended) past 4 GiB of names.
    pub fn push(&mut self, meta: &EntryMeta) -> Result<(), ArenaFull> {
        let path = meta.path.as_bytes();
        let link: &[u8] = match &meta.kind {
            EntryKind::Symlink { target } => target,
            EntryKind::Hardlink { target } => target.as_bytes(),
            _ => &[],
        };
        if self.items.len() >= u32::MAX as usize {
            return Err(ArenaFull);
        }
        let start = u32::try_from(self.bytes.len()).map_err(|_| ArenaFull)?;
        let path_len = u32::try_from(path.len()).map_err(|_| ArenaFull)?;
        let end = self.bytes.len() + path.len() + link.len();
        if u32::try_from(end).is_err() {
            return Err(ArenaFull);
        }
        self.bytes.extend_from_slice(path);
        self.bytes.extend_from_slice(link);
        self.items.push(Item {
            start,
            path_len,
            mode: meta.mode,
            uid: u32::try_from(meta.uid).unwrap_or(u32::MAX),
            gid: u32::try_from(meta.gid).unwrap_or(u32::MAX),
            size: meta.size,
            kind: meta.kind.file_type(),
        });
        Ok(())
    }

    /// Entry `i` (panics if out of range, like slice indexing: callers index with `0..len()`).
    pub fn get(&self, i: usize) -> EntryRef<'_> {
        let item = self.items[i];
        let start = item.start as usize;
        let mid = start + item.path_len as usize;
        let end = self
            .items
            .get(i + 1)
            .map_or(self.bytes.len(), |n| n.start as usize);
        EntryRef {
            path: PathRef::from_clean(&self.bytes[start..mid]),
            kind: item.kind,
            link: &self.bytes[mid..end],
            size: item.size,
            mode: item.mode,
            uid: u64::from(item.uid),
            gid: u64::from(item.gid),
        }
    }

    /// Entry `i`'s path.
    pub fn path(&self, i: usize) -> &[u8] {
        let item = &self.items[i];
        let start = item.start as usize;
        &self.bytes[start..start + item.path_len as usize]
    }

    pub(crate) fn file_type(&self, i: usize) -> FileType {
        self.items[i].kind
    }

    pub fn iter(&self) -> impl Iterator<Item = EntryRef<'_>> {
        (0..self.items.len()).map(|i| self.get(i))
    }
}

impl FromIterator<EntryMeta> for LayerEntries {
    /// For tests and small inputs: entries past the arena's capacity are dropped.
    fn from_iter<I: IntoIterator<Item = EntryMeta>>(iter: I) -> Self {
        let mut out = Self::default();
        for e in iter {
            if out.push(&e).is_err() {
                break;
            }
        }
        out
    }
}

/// The layer cache stores the arena as one byte string and each record as a tuple, streamed
/// to the file as it is encoded (no copy of the layer's entries is built first).
impl Serialize for LayerEntries {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        struct Records<'a>(&'a [Item]);
        impl Serialize for Records<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0.iter().map(|it| {
                    (
                        it.start,
                        it.path_len,
                        it.mode,
                        it.uid,
                        it.gid,
                        it.size,
                        it.kind as u8,
                    )
                }))
            }
        }
        let mut t = s.serialize_tuple(2)?;
        t.serialize_element(serde_bytes::Bytes::new(&self.bytes))?;
        t.serialize_element(&Records(&self.items))?;
        t.end()
    }
}

type Record = (u32, u32, u32, u32, u32, u64, u8);

/// Checked on the way in (a cache file is only as trustworthy as the disk): every record must
/// point inside the arena, in order, at a clean path, with a known type; anything else fails
/// to decode (a miss). Records are checked as they arrive, straight into the packed list.
impl<'de> Deserialize<'de> for LayerEntries {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{DeserializeSeed, Error, SeqAccess, Visitor};
        use std::fmt;

        struct Records<'b>(&'b [u8]);
        impl<'de> DeserializeSeed<'de> for Records<'_> {
            type Value = Vec<Item>;
            fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Vec<Item>, D::Error> {
                d.deserialize_seq(self)
            }
        }
        impl<'de> Visitor<'de> for Records<'_> {
            type Value = Vec<Item>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("layer entry records")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Item>, A::Error> {
                let bytes = self.0;
                // The hint comes from the file: bounded, then grown as records really arrive.
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 20));
                let mut next = 0usize;
                while let Some((start, path_len, mode, uid, gid, size, kind)) =
                    seq.next_element::<Record>()?
                {
                    let kind = FileType::from_u8(kind)
                        .ok_or_else(|| A::Error::custom("unknown entry type in layer records"))?;
                    let (from, to) = (start as usize, start as usize + path_len as usize);
                    if from < next || to > bytes.len() || !PathRef::is_clean(&bytes[from..to]) {
                        return Err(A::Error::custom(
                            "layer entry record points outside its names or at an unclean path",
                        ));
                    }
                    if items.len() >= u32::MAX as usize {
                        return Err(A::Error::custom("over 4 billion layer entries"));
                    }
                    next = to;
                    items.push(Item {
                        start,
                        path_len,
                        mode,
                        uid,
                        gid,
                        size,
                        kind,
                    });
                }
                Ok(items)
            }
        }

        struct Whole;
        impl<'de> Visitor<'de> for Whole {
            type Value = LayerEntries;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a layer's names and entry records")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<LayerEntries, A::Error> {
                let bytes = seq
                    .next_element::<serde_bytes::ByteBuf>()?
                    .ok_or_else(|| A::Error::custom("layer names missing"))?
                    .into_vec();
                if u32::try_from(bytes.len()).is_err() {
                    return Err(A::Error::custom("layer names over 4 GiB"));
                }
                let items = seq
                    .next_element_seed(Records(&bytes))?
                    .ok_or_else(|| A::Error::custom("layer entry records missing"))?;
                Ok(LayerEntries { bytes, items })
            }
        }
        d.deserialize_tuple(2, Whole)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(path: &[u8], kind: EntryKind) -> EntryMeta {
        EntryMeta {
            path: ImagePath::normalize(path).0,
            kind,
            size: 7,
            mode: 0o4755,
            uid: u64::from(u32::MAX) + 5,
            gid: 3,
        }
    }

    #[test]
    fn packed_entries_keep_every_field_and_round_trip_through_the_cache_encoding() {
        let list: LayerEntries = [
            meta(b"usr/bin/su", EntryKind::File),
            meta(b"etc", EntryKind::Dir),
            meta(
                b"lib64",
                EntryKind::Symlink {
                    target: b"/usr/lib64".as_slice().into(),
                },
            ),
            meta(
                b"bin/hard",
                EntryKind::Hardlink {
                    target: ImagePath::new("usr/bin/su"),
                },
            ),
            meta(b"caf\xe9/\xff", EntryKind::Whiteout),
            meta(b"", EntryKind::Dir),
        ]
        .into_iter()
        .collect();
        let bytes = rmp_serde::to_vec(&list).expect("encodes");
        let back: LayerEntries = rmp_serde::from_slice(&bytes).expect("decodes");
        assert_eq!(back.len(), 6);
        for i in 0..list.len() {
            let (a, b) = (list.get(i), back.get(i));
            assert_eq!(
                (a.path, a.kind, a.link, a.size, a.mode, a.uid, a.gid),
                (b.path, b.kind, b.link, b.size, b.mode, b.uid, b.gid)
            );
        }
        let e = back.get(0);
        // A uid past 32 bits saturates: never wraps round to root.
        assert_eq!((e.uid, e.gid, e.mode), (u64::from(u32::MAX), 3, 0o4755));
        assert_eq!(back.get(2).link, b"/usr/lib64");
        assert_eq!(back.get(3).link, b"usr/bin/su");
        assert_eq!(back.get(4).path.as_bytes(), b"caf\xe9/\xff");
        assert!(back.get(5).path.is_root());
    }

    #[test]
    fn tampered_cache_records_fail_to_decode() {
        let bad = |names: &[u8], records: Vec<Record>| {
            let encoded =
                rmp_serde::to_vec(&(serde_bytes::Bytes::new(names), records)).expect("encodes");
            rmp_serde::from_slice::<LayerEntries>(&encoded)
        };
        assert!(bad(b"etc/passwd", vec![(0, 10, 0o644, 0, 0, 0, 0)]).is_ok());
        // A path that climbs out of the root, one past the names, overlapping records, an
        // unknown type.
        assert!(bad(b"../etc/passwd", vec![(0, 13, 0, 0, 0, 0, 0)]).is_err());
        assert!(bad(b"etc", vec![(0, 4, 0, 0, 0, 0, 0)]).is_err());
        assert!(
            bad(
                b"etcpasswd",
                vec![(0, 3, 0, 0, 0, 0, 1), (1, 3, 0, 0, 0, 0, 0)]
            )
            .is_err()
        );
        assert!(bad(b"etc", vec![(0, 3, 0, 0, 0, 0, 99)]).is_err());
        assert!(bad(b"/etc", vec![(0, 4, 0, 0, 0, 0, 1)]).is_err());
    }
}
