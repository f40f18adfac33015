use crate::path::ImagePath;
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

impl EntryMeta {
    pub fn is_file(&self) -> bool {
        self.kind == EntryKind::File
    }

    pub fn is_setuid(&self) -> bool {
        self.mode & 0o4000 != 0
    }
}

/// The entries of one layer, in stream order: what the squash needs to build the image view.
#[derive(Clone, Debug, Default)]
pub struct LayerEntries {
    pub entries: Vec<EntryMeta>,
}
