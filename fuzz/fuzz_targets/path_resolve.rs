//! Arbitrary names and link targets squashed into a tree, then resolved: resolution must stay
//! inside the root (it has no other place to go) and terminate.
#![no_main]
use drydock_fs::{EntryKind, EntryMeta, FileTree, ImagePath};
use libfuzzer_sys::fuzz_target;
use std::collections::HashSet;

fuzz_target!(|data: &[u8]| {
    let mut layers: Vec<Vec<EntryMeta>> = vec![Vec::new()];
    for line in data.split(|&b| b == b'\n').take(500) {
        let mut parts = line.splitn(3, |&b| b == b' ');
        let (Some(op), Some(name)) = (parts.next(), parts.next()) else { continue };
        let target = parts.next().unwrap_or(b"");
        let kind = match op {
            b"f" => EntryKind::File,
            b"d" => EntryKind::Dir,
            b"l" => EntryKind::Symlink { target: target.into() },
            b"h" => EntryKind::Hardlink { target: ImagePath::normalize(target).0 },
            b"w" => EntryKind::Whiteout,
            b"o" => EntryKind::OpaqueDir,
            b"-" => {
                layers.push(Vec::new());
                continue;
            }
            _ => continue,
        };
        let path = ImagePath::normalize(name).0;
        if let Some(layer) = layers.last_mut() {
            layer.push(EntryMeta { path, kind, size: 0, mode: 0o644, uid: 0, gid: 0 });
        }
    }
    let (tree, _) = FileTree::squash(layers.iter().map(Vec::as_slice), &HashSet::new());
    for line in data.split(|&b| b == b'\n').take(50) {
        let _ = tree.resolve(&ImagePath::normalize(line).0, true);
    }
});
