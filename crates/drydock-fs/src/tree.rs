use crate::entry::{EntryKind, EntryMeta};
use crate::path::ImagePath;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::ops::Bound;

/// Symlinks followed while resolving one path before giving up (Linux's own limit).
pub const MAX_SYMLINK_DEPTH: usize = 40;

/// One path of the squashed image view and the layer that put it there.
#[derive(Clone, Debug, Serialize)]
pub struct Node {
    pub layer: usize,
    #[serde(flatten)]
    pub kind: EntryKind,
    pub size: u64,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
}

/// What later layers did to a file a layer wrote: the blob still holds it either way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Fate {
    Present,
    /// A later layer wrote the same path again.
    Replaced {
        by_layer: usize,
    },
    /// A later layer removed it (whiteout, opaque directory, or a parent replaced).
    Deleted {
        by_layer: usize,
    },
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ResolveError {
    #[error("{0} does not exist in the image")]
    NotFound(ImagePath),
    #[error("{0} is not a directory")]
    NotADirectory(ImagePath),
    #[error("more than {MAX_SYMLINK_DEPTH} symlinks (a loop or an over-long chain) resolving {0}")]
    TooManyLinks(ImagePath),
}

/// A path resolved inside the image, and the node found there.
#[derive(Debug)]
pub struct Resolved<'a> {
    pub path: ImagePath,
    pub node: &'a Node,
}

/// The image as a container would see it: all layers applied in order, whiteouts honoured.
#[derive(Debug, Default)]
pub struct FileTree {
    nodes: BTreeMap<ImagePath, Node>,
}

impl FileTree {
    /// Applies `layers` bottom to top with overlay semantics, recording the [`Fate`] of every
    /// `(layer, path)` in `tracked` (the files analyzers reported on) as it happens.
    pub fn squash<'a>(
        layers: impl IntoIterator<Item = &'a [EntryMeta]>,
        tracked: &HashSet<(usize, ImagePath)>,
    ) -> (Self, HashMap<(usize, ImagePath), Fate>) {
        let mut tree = Self::default();
        let mut fates = HashMap::new();
        for (layer, entries) in layers.into_iter().enumerate() {
            let mut gone = |node_layer: usize, path: &ImagePath, fate: Fate| {
                if node_layer != layer && tracked.contains(&(node_layer, path.clone())) {
                    fates.entry((node_layer, path.clone())).or_insert(fate);
                }
            };
            // Whiteouts and opaque markers hide lower layers only, whatever their position in the
            // stream, so they go first.
            for e in entries {
                match e.kind {
                    EntryKind::Whiteout => {
                        tree.remove_subtree(&e.path, true, &mut |l, p| {
                            gone(l, p, Fate::Deleted { by_layer: layer })
                        });
                    }
                    EntryKind::OpaqueDir => {
                        tree.remove_subtree(&e.path, false, &mut |l, p| {
                            gone(l, p, Fate::Deleted { by_layer: layer })
                        });
                    }
                    _ => {}
                }
            }
            let mut last_parent: Option<ImagePath> = None;
            for e in entries {
                if matches!(e.kind, EntryKind::Whiteout | EntryKind::OpaqueDir) {
                    continue;
                }
                // An entry below a lower-layer non-directory turns that path into a directory.
                let parent = e.path.parent();
                if last_parent.as_ref() != Some(&parent) {
                    let mut anc = parent.clone();
                    while !anc.is_root() {
                        if let Some(n) = tree.nodes.get(&anc)
                            && n.kind != EntryKind::Dir
                            && n.layer != layer
                        {
                            let n = tree.nodes.remove(&anc);
                            if let Some(n) = n {
                                gone(n.layer, &anc, Fate::Deleted { by_layer: layer });
                            }
                        }
                        anc = anc.parent();
                    }
                    last_parent = Some(parent);
                }
                if e.kind != EntryKind::Dir {
                    // A non-directory replacing a directory takes the lower subtree with it.
                    if matches!(tree.nodes.get(&e.path), Some(n) if n.kind == EntryKind::Dir) {
                        tree.remove_subtree(&e.path, false, &mut |l, p| {
                            gone(l, p, Fate::Deleted { by_layer: layer })
                        });
                    }
                }
                let node = Node {
                    layer,
                    kind: e.kind.clone(),
                    size: e.size,
                    mode: e.mode,
                    uid: e.uid,
                    gid: e.gid,
                };
                if let Some(old) = tree.nodes.insert(e.path.clone(), node) {
                    gone(old.layer, &e.path, Fate::Replaced { by_layer: layer });
                }
            }
        }
        (tree, fates)
    }

    /// Removes everything below `dir` (and `dir` itself when `inclusive`), reporting each node.
    fn remove_subtree(
        &mut self,
        dir: &ImagePath,
        inclusive: bool,
        report: &mut dyn FnMut(usize, &ImagePath),
    ) {
        if inclusive && let Some(n) = self.nodes.remove(dir) {
            report(n.layer, dir);
        }
        let doomed: Vec<ImagePath> = self.descendants(dir).map(|(p, _)| p.clone()).collect();
        for p in doomed {
            if let Some(n) = self.nodes.remove(&p) {
                report(n.layer, &p);
            }
        }
    }

    /// Nodes strictly below `dir`, in path order.
    pub fn descendants<'a>(
        &'a self,
        dir: &ImagePath,
    ) -> impl Iterator<Item = (&'a ImagePath, &'a Node)> + 'a {
        let (lo, hi) = if dir.is_root() {
            (Bound::Excluded(ImagePath::root()), Bound::Unbounded)
        } else {
            let mut lo = dir.as_bytes().to_vec();
            lo.push(b'/');
            let mut hi = dir.as_bytes().to_vec();
            hi.push(b'/' + 1);
            (
                Bound::Included(ImagePath::range_key(lo)),
                Bound::Excluded(ImagePath::range_key(hi)),
            )
        };
        self.nodes.range((lo, hi))
    }

    pub fn get(&self, path: &ImagePath) -> Option<&Node> {
        self.nodes.get(path)
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&ImagePath, &Node)> {
        self.nodes.iter()
    }

    /// Resolves `path` the way the kernel would inside a chroot at the image root: absolute link
    /// targets restart at the image root, `..` stops there, and at most [`MAX_SYMLINK_DEPTH`]
    /// links are followed. The final component is followed only when `follow_final` is set.
    ///
    /// Nothing here consults the host: a link to `/etc/shadow` names the image's file.
    pub fn resolve(
        &self,
        path: &ImagePath,
        follow_final: bool,
    ) -> Result<Resolved<'_>, ResolveError> {
        let mut current = ImagePath::root();
        let mut todo: VecDeque<Box<[u8]>> = path.components().map(Box::from).collect();
        let mut links = 0usize;
        while let Some(comp) = todo.pop_front() {
            match &*comp {
                b"" | b"." => continue,
                b".." => {
                    current = current.parent();
                    continue;
                }
                _ => {}
            }
            let candidate = current.child(&comp);
            let last = todo.is_empty();
            match self.nodes.get(&candidate) {
                None => {
                    // Tar streams often omit parent directories; a path with children is a directory.
                    if !last && self.descendants(&candidate).next().is_some() {
                        current = candidate;
                    } else {
                        return Err(ResolveError::NotFound(candidate));
                    }
                }
                Some(Node {
                    kind: EntryKind::Symlink { target },
                    ..
                }) if !last || follow_final => {
                    links += 1;
                    if links > MAX_SYMLINK_DEPTH {
                        return Err(ResolveError::TooManyLinks(path.clone()));
                    }
                    if target.first() == Some(&b'/') {
                        current = ImagePath::root();
                    }
                    for c in target.split(|&b| b == b'/').rev() {
                        todo.push_front(c.into());
                    }
                }
                Some(n) if !last && n.kind != EntryKind::Dir => {
                    return Err(ResolveError::NotADirectory(candidate));
                }
                Some(_) => current = candidate,
            }
        }
        match self.nodes.get(&current) {
            Some(node) => Ok(Resolved {
                path: current,
                node,
            }),
            None if current.is_root() || self.descendants(&current).next().is_some() => {
                Ok(Resolved {
                    path: current,
                    node: &ROOT_DIR,
                })
            }
            None => Err(ResolveError::NotFound(current)),
        }
    }
}

/// Stands in for directories that exist only implicitly (the root, or parents a tar left out).
static ROOT_DIR: Node = Node {
    layer: 0,
    kind: EntryKind::Dir,
    size: 0,
    mode: 0o755,
    uid: 0,
    gid: 0,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn e(path: &str, kind: EntryKind) -> EntryMeta {
        EntryMeta {
            path: ImagePath::new(path),
            kind,
            size: 0,
            mode: 0o644,
            uid: 0,
            gid: 0,
        }
    }
    fn f(path: &str) -> EntryMeta {
        e(path, EntryKind::File)
    }
    fn l(path: &str, target: &str) -> EntryMeta {
        e(
            path,
            EntryKind::Symlink {
                target: target.as_bytes().into(),
            },
        )
    }
    fn tree(layers: &[Vec<EntryMeta>]) -> FileTree {
        FileTree::squash(layers.iter().map(Vec::as_slice), &HashSet::new()).0
    }
    fn resolved(t: &FileTree, p: &str) -> Result<String, ResolveError> {
        t.resolve(&ImagePath::new(p), true)
            .map(|r| r.path.display().into_owned())
    }

    #[test]
    fn whiteout_position_in_stream_does_not_matter() {
        // The marker comes after a same-layer file of that name: it still only hides lower layers.
        let t = tree(&[
            vec![f("a/x")],
            vec![f("a/x"), e("a/x", EntryKind::Whiteout)],
        ]);
        assert_eq!(t.get(&ImagePath::new("a/x")).map(|n| n.layer), Some(1));
    }

    #[test]
    fn fates_are_recorded_once_with_the_first_layer_that_acted() {
        let tracked: HashSet<_> = [(0, ImagePath::new("d/x")), (0, ImagePath::new("y"))].into();
        let layers = [
            vec![f("d/x"), f("y")],
            vec![f("y")],
            vec![e("d", EntryKind::Whiteout)],
            vec![e("y", EntryKind::Whiteout)],
        ];
        let (_, fates) = FileTree::squash(layers.iter().map(Vec::as_slice), &tracked);
        assert_eq!(
            fates[&(0, ImagePath::new("d/x"))],
            Fate::Deleted { by_layer: 2 }
        );
        assert_eq!(
            fates[&(0, ImagePath::new("y"))],
            Fate::Replaced { by_layer: 1 }
        );
    }

    #[test]
    fn lower_symlink_becomes_a_directory_under_upper_entries() {
        let t = tree(&[
            vec![l("etc", "/usr/etc"), f("usr/etc/passwd")],
            vec![f("etc/hosts")],
        ]);
        assert!(
            t.get(&ImagePath::new("etc")).is_none(),
            "the symlink gave way to an implicit dir"
        );
        assert_eq!(resolved(&t, "etc/hosts").as_deref(), Ok("/etc/hosts"));
        assert!(resolved(&t, "etc/passwd").is_err());
    }

    #[test]
    fn resolution_stays_in_the_root() {
        let t = tree(&[vec![
            l("up", "../../../.."),
            l("abs", "/etc"),
            l("rel", "etc/../etc/./"),
            f("etc/passwd"),
            l("dangling", "/nowhere/x"),
            l("file-as-dir", "etc/passwd/x"),
        ]]);
        assert_eq!(resolved(&t, "up/etc/passwd").as_deref(), Ok("/etc/passwd"));
        assert_eq!(resolved(&t, "abs/passwd").as_deref(), Ok("/etc/passwd"));
        assert_eq!(resolved(&t, "rel/passwd").as_deref(), Ok("/etc/passwd"));
        assert_eq!(resolved(&t, "up").as_deref(), Ok("/"));
        assert!(matches!(
            t.resolve(&ImagePath::new("dangling"), true),
            Err(ResolveError::NotFound(_))
        ));
        assert!(matches!(
            t.resolve(&ImagePath::new("file-as-dir"), true),
            Err(ResolveError::NotADirectory(_))
        ));
        // Not following the final link returns the link itself.
        let r = t.resolve(&ImagePath::new("abs"), false).expect("exists");
        assert!(matches!(r.node.kind, EntryKind::Symlink { .. }));
    }

    #[test]
    fn loops_and_deep_chains_stop_at_the_limit() {
        let t = tree(&[vec![l("a", "b"), l("b", "a")]]);
        assert!(matches!(
            t.resolve(&ImagePath::new("a"), true),
            Err(ResolveError::TooManyLinks(_))
        ));
        let mut chain: Vec<EntryMeta> = (0..MAX_SYMLINK_DEPTH)
            .map(|i| l(&format!("c{i}"), &format!("c{}", i + 1)))
            .collect();
        chain.push(f(&format!("c{MAX_SYMLINK_DEPTH}")));
        let t = tree(&[chain.clone()]);
        assert!(resolved(&t, "c0").is_ok(), "exactly the limit resolves");
        chain.insert(0, l("start", "c0"));
        let t = tree(&[chain]);
        assert!(matches!(
            t.resolve(&ImagePath::new("start"), true),
            Err(ResolveError::TooManyLinks(_))
        ));
    }
}
