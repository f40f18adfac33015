//! The file side of drydock: how an image's layers become entries, and entries become one file tree.
//!
//! Everything here treats image content as hostile. Paths from tar headers are normalised into
//! [`ImagePath`]s that cannot name anything above the image root; link targets are resolved only
//! against the in-memory [`FileTree`], never against the host; nothing is ever extracted.
//! Together with `drydock-image`, this is the only crate that touches host files.

mod digest;
mod dir;
mod entry;
mod error;
mod layer;
mod local;
mod path;
mod pipe;
mod tree;

pub use digest::{Digest, DigestError, Sha256Reader};
pub use dir::{walk_dir, walk_dir_only};
pub use entry::{ArenaFull, EntryKind, EntryMeta, EntryRef, FileType, LayerEntries};
pub use error::{LayerError, LayerErrorKind};
pub use layer::{Compression, Expected, Limits, StreamStats, walk_blob};
pub use local::{ConfigFiles, HostEntry, config_files, host_entries};
pub use path::{ImagePath, PathRef, strip_root};
pub use tree::{Fate, FileTree, MAX_SYMLINK_DEPTH, Node, ResolveError, Resolved};

use std::io::Read;

/// Receives every entry of a layer, in stream order.
///
/// `content` yields the entry's bytes; a visitor that does not read it costs nothing beyond the
/// decompression that streaming needs anyway (for directory sources, the file is never opened).
pub trait EntryVisitor {
    fn visit(&mut self, entry: &EntryMeta, content: &mut dyn Read) -> Result<(), LayerError>;
}

impl<F> EntryVisitor for F
where
    F: FnMut(&EntryMeta, &mut dyn Read) -> Result<(), LayerError>,
{
    fn visit(&mut self, entry: &EntryMeta, content: &mut dyn Read) -> Result<(), LayerError> {
        self(entry, content)
    }
}
