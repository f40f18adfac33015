use crate::entry::{FileType, LayerEntries};
use crate::path::{ImagePath, PathRef};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet, VecDeque};

/// Symlinks followed while resolving one path before giving up (Linux's own limit).
pub const MAX_SYMLINK_DEPTH: usize = 40;

/// One path of the squashed image view and the layer that put it there, borrowed from that
/// layer's [`LayerEntries`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Node<'a> {
    pub layer: usize,
    pub kind: FileType,
    pub size: u64,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// A symlink's target as written (unresolved), a hard link's target path; empty otherwise.
    pub link: &'a [u8],
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
    pub node: Node<'a>,
}

/// An entry of one layer: (layer, index in its [`LayerEntries`]).
#[derive(Clone, Copy, Debug)]
struct Ref {
    layer: u32,
    item: u32,
}

/// The image as a container would see it: all layers applied in order, whiteouts honoured.
///
/// Memory is the point of its shape (issue: a million-entry layer): the layers' packed entries
/// are kept as they were streamed, and the view is one sorted array of 8-byte references into
/// them, so no path is copied and a lookup is a binary search.
#[derive(Debug, Default)]
pub struct FileTree {
    layers: Vec<LayerEntries>,
    /// Every present path, sorted by path bytes (so a directory's descendants are contiguous).
    order: Vec<Ref>,
}

/// `p`'s strict ancestors, the root (empty path) first; none for the root itself.
fn strict_ancestors(p: &[u8]) -> impl Iterator<Item = &[u8]> {
    let root = (!p.is_empty()).then_some(&p[..0]);
    root.into_iter().chain(
        p.iter()
            .enumerate()
            .filter(|(_, b)| **b == b'/')
            .map(move |(k, _)| &p[..k]),
    )
}

impl FileTree {
    /// Applies `layers` bottom to top with overlay semantics, recording the [`Fate`] of every
    /// `(layer, path)` in `tracked` (the files analyzers reported on) as it happens.
    pub fn squash(
        layers: Vec<LayerEntries>,
        tracked: &HashSet<(usize, ImagePath)>,
    ) -> (Self, HashMap<(usize, ImagePath), Fate>) {
        let tracked: HashSet<(usize, &[u8])> =
            tracked.iter().map(|(l, p)| (*l, p.as_bytes())).collect();
        let mut fates = HashMap::new();
        let mut order = Vec::new();
        for l in 0..layers.len() {
            order = apply_layer(&layers, l, order, &tracked, &mut fates);
        }
        (Self { layers, order }, fates)
    }

    fn path_of(&self, r: Ref) -> &[u8] {
        self.layers[r.layer as usize].path(r.item as usize)
    }

    fn node_of(&self, r: Ref) -> Node<'_> {
        let e = self.layers[r.layer as usize].get(r.item as usize);
        Node {
            layer: r.layer as usize,
            kind: e.kind,
            size: e.size,
            mode: e.mode,
            uid: e.uid,
            gid: e.gid,
            link: e.link,
        }
    }

    fn entry(&self, r: Ref) -> (PathRef<'_>, Node<'_>) {
        (PathRef::from_clean(self.path_of(r)), self.node_of(r))
    }

    fn find(&self, path: &[u8]) -> Option<Ref> {
        self.order
            .binary_search_by(|r| self.path_of(*r).cmp(path))
            .ok()
            .map(|i| self.order[i])
    }

    /// Nodes strictly below `dir`, in path order.
    pub fn descendants<'a>(
        &'a self,
        dir: &ImagePath,
    ) -> impl Iterator<Item = (PathRef<'a>, Node<'a>)> + 'a {
        let dir = dir.as_bytes();
        let range = if dir.is_empty() {
            self.order.partition_point(|r| self.path_of(*r).is_empty())..self.order.len()
        } else {
            // `dir/…` sorts between `dir/` and `dir0` ('0' follows '/').
            let below = |r: &Ref, last: u8| {
                let p = self.path_of(*r);
                let cut = p.len().min(dir.len());
                match p[..cut].cmp(dir) {
                    Ordering::Equal if p.len() > dir.len() => p[dir.len()] < last,
                    Ordering::Equal => true,
                    o => o == Ordering::Less,
                }
            };
            self.order.partition_point(|r| below(r, b'/'))
                ..self.order.partition_point(|r| below(r, b'/' + 1))
        };
        self.order[range].iter().map(|r| self.entry(*r))
    }

    pub fn get(&self, path: &ImagePath) -> Option<Node<'_>> {
        self.find(path.as_bytes()).map(|r| self.node_of(r))
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Every present path, in path order.
    pub fn iter(&self) -> impl Iterator<Item = (PathRef<'_>, Node<'_>)> {
        self.order.iter().map(|r| self.entry(*r))
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
            match self.get(&candidate) {
                None => {
                    // Tar streams often omit parent directories; a path with children is a directory.
                    if !last && self.descendants(&candidate).next().is_some() {
                        current = candidate;
                    } else {
                        return Err(ResolveError::NotFound(candidate));
                    }
                }
                Some(n) if n.kind == FileType::Symlink && (!last || follow_final) => {
                    links += 1;
                    if links > MAX_SYMLINK_DEPTH {
                        return Err(ResolveError::TooManyLinks(path.clone()));
                    }
                    if n.link.first() == Some(&b'/') {
                        current = ImagePath::root();
                    }
                    for c in n.link.split(|&b| b == b'/').rev() {
                        todo.push_front(c.into());
                    }
                }
                Some(n) if !last && n.kind != FileType::Dir => {
                    return Err(ResolveError::NotADirectory(candidate));
                }
                Some(_) => current = candidate,
            }
        }
        match self.get(&current) {
            Some(node) => Ok(Resolved {
                path: current,
                node,
            }),
            None if current.is_root() || self.descendants(&current).next().is_some() => {
                Ok(Resolved {
                    path: current,
                    node: ROOT_DIR,
                })
            }
            None => Err(ResolveError::NotFound(current)),
        }
    }
}

/// One layer applied over the view of the layers below it (`lower`, sorted), as overlayfs
/// and containerd's applier would, in one merge of two sorted lists:
///
/// 1. whiteouts hide a lower path and everything below it, opaque markers everything below
///    (wherever they sit in the stream: they act on lower layers only);
/// 2. a lower non-directory that is an ancestor of this layer's entries gives way to a directory;
/// 3. a non-directory written over a directory takes that directory's content with it (the
///    lower content, and this layer's own entries streamed before it);
/// 4. the last entry of a path in stream order wins.
///
/// Fates are recorded for `tracked` lower entries, as the first of those rules to act on them.
fn apply_layer(
    layers: &[LayerEntries],
    l: usize,
    lower: Vec<Ref>,
    tracked: &HashSet<(usize, &[u8])>,
    fates: &mut HashMap<(usize, ImagePath), Fate>,
) -> Vec<Ref> {
    let layer = &layers[l];
    let path = |r: Ref| layers[r.layer as usize].path(r.item as usize);
    let kind = |r: Ref| layers[r.layer as usize].file_type(r.item as usize);
    let this = |i: u32| Ref {
        layer: l as u32,
        item: i,
    };

    let mut whiteouts: HashSet<&[u8]> = HashSet::new();
    let mut opaques: HashSet<&[u8]> = HashSet::new();
    let mut idx: Vec<u32> = Vec::with_capacity(layer.len());
    for i in 0..layer.len() {
        match layer.file_type(i) {
            FileType::Whiteout => {
                whiteouts.insert(layer.path(i));
            }
            FileType::OpaqueDir => {
                opaques.insert(layer.path(i));
            }
            // `LayerEntries` holds fewer than u32::MAX entries.
            _ => idx.push(i as u32),
        }
    }
    // Stable: equal paths stay in stream order. Tar streams are mostly sorted already, which
    // the standard sort finds as runs.
    idx.sort_by(|&a, &b| layer.path(a as usize).cmp(layer.path(b as usize)));
    // Every entry, sorted, for the fates of tracked lower files (which event came first).
    let all = if tracked.is_empty() {
        Vec::new()
    } else {
        idx.clone()
    };

    let hidden = |p: &[u8]| {
        (!whiteouts.is_empty() || !opaques.is_empty())
            && (whiteouts.contains(p)
                || strict_ancestors(p).any(|a| whiteouts.contains(a) || opaques.contains(a)))
    };

    // Rule 2: every strict ancestor of this layer's entries.
    let mut ancestors: HashSet<&[u8]> = HashSet::new();
    if !lower.is_empty() {
        let mut last_parent: Option<&[u8]> = None;
        for &i in &idx {
            let p = PathRef::from_clean(layer.path(i as usize));
            let parent = p.parent().as_bytes();
            if p.is_root() || last_parent == Some(parent) {
                continue;
            }
            last_parent = Some(parent);
            ancestors.insert(parent);
            ancestors.extend(strict_ancestors(parent));
        }
    }

    // Rules 3 and 4: per path, the stream-ordered entries; a non-directory over a directory
    // cuts what lies below (up to that point in the stream); the last entry is kept.
    let lower_at = |p: &[u8]| {
        lower
            .binary_search_by(|r| path(*r).cmp(p))
            .ok()
            .map(|i| lower[i])
    };
    // Where a cut happened, the stream positions of the cutting entries (ascending).
    let mut cuts: HashMap<&[u8], Vec<u32>> = HashMap::new();
    let mut kept = 0usize;
    let mut g = 0usize;
    while g < idx.len() {
        let p = layer.path(idx[g] as usize);
        let mut end = g + 1;
        while end < idx.len() && layer.path(idx[end] as usize) == p {
            end += 1;
        }
        if idx[g..end]
            .iter()
            .any(|&i| layer.file_type(i as usize) != FileType::Dir)
        {
            // Ancestors sort before their descendants, so every cut above `p` is known here.
            let above: Vec<u32> = strict_ancestors(p)
                .filter_map(|a| cuts.get(a))
                .flatten()
                .copied()
                .collect();
            let lower_dir = lower_at(p).is_some_and(|r| kind(r) == FileType::Dir && !hidden(p));
            let mut before: Option<(u32, FileType)> = None;
            for &i in &idx[g..end] {
                // What sits at `p` just before entry `i`: the latest of this layer's entries
                // there and the cuts above (which emptied it), else the lower node.
                let last_cut = above.iter().copied().filter(|&c| c < i).max();
                let is_dir = match (before, last_cut) {
                    (Some((s, t)), Some(c)) => s > c && t == FileType::Dir,
                    (Some((_, t)), None) => t == FileType::Dir,
                    (None, Some(_)) => false,
                    (None, None) => lower_dir,
                };
                let t = layer.file_type(i as usize);
                if t != FileType::Dir && is_dir {
                    cuts.entry(p).or_default().push(i);
                }
                before = Some((i, t));
            }
        }
        idx[kept] = idx[end - 1];
        kept += 1;
        g = end;
    }
    idx.truncate(kept);
    // Below a cut: a lower entry (`None`) always, one of this layer's if streamed before it.
    let cut = |p: &[u8], stream: Option<u32>| {
        !cuts.is_empty()
            && strict_ancestors(p).any(|a| {
                cuts.get(a)
                    .is_some_and(|c| stream.is_none_or(|s| c.last().is_some_and(|&last| last > s)))
            })
    };

    // A tracked lower entry's fate is the first thing that happened to it in stream order:
    // markers act first; then this layer's first entry at its path (replaced), below it (a
    // non-directory made a directory: deleted), or a cut above it (deleted).
    let first_in = |lo: &[u8], hi: Option<&[u8]>| {
        let from = all.partition_point(|&i| layer.path(i as usize) < lo);
        all[from..]
            .iter()
            .take_while(|&&i| hi.is_none_or(|hi| layer.path(i as usize) < hi))
            .min()
            .copied()
    };
    let fate_of = |r: Ref| {
        let p = path(r);
        if hidden(p) {
            return Fate::Deleted { by_layer: l };
        }
        let at = first_in(p, Some(&[p, b"\0"].concat()));
        let below = (kind(r) != FileType::Dir && !p.is_empty())
            .then(|| first_in(&[p, b"/"].concat(), Some(&[p, b"0"].concat())))
            .flatten();
        let cut_at = strict_ancestors(p)
            .filter_map(|a| cuts.get(a).and_then(|c| c.first()))
            .min()
            .copied();
        match (at, below.into_iter().chain(cut_at).min()) {
            (Some(a), Some(d)) if d < a => Fate::Deleted { by_layer: l },
            (Some(_), _) => Fate::Replaced { by_layer: l },
            _ => Fate::Deleted { by_layer: l },
        }
    };
    let mut gone = |r: Ref| {
        let p = path(r);
        if tracked.contains(&(r.layer as usize, p)) {
            fates
                .entry((r.layer as usize, PathRef::from_clean(p).to_path()))
                .or_insert_with(|| fate_of(r));
        }
    };
    let mut out = Vec::with_capacity(lower.len() + idx.len());
    let (mut i, mut j) = (0, 0);
    loop {
        let ord = match (lower.get(i), idx.get(j)) {
            (None, None) => break,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(&a), Some(&b)) => path(a).cmp(layer.path(b as usize)),
        };
        match ord {
            Ordering::Less => {
                let r = lower[i];
                i += 1;
                let p = path(r);
                if hidden(p) || (kind(r) != FileType::Dir && ancestors.contains(p)) || cut(p, None)
                {
                    gone(r);
                } else {
                    out.push(r);
                }
            }
            Ordering::Greater => {
                let x = idx[j];
                j += 1;
                if !cut(layer.path(x as usize), Some(x)) {
                    out.push(this(x));
                }
            }
            Ordering::Equal => {
                let (r, x) = (lower[i], idx[j]);
                i += 1;
                j += 1;
                gone(r);
                if !cut(path(r), Some(x)) {
                    out.push(this(x));
                }
            }
        }
    }
    out
}

/// Stands in for directories that exist only implicitly (the root, or parents a tar left out).
const ROOT_DIR: Node<'static> = Node {
    layer: 0,
    kind: FileType::Dir,
    size: 0,
    mode: 0o755,
    uid: 0,
    gid: 0,
    link: &[],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{EntryKind, EntryMeta};

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
    fn packed(layers: &[Vec<EntryMeta>]) -> Vec<LayerEntries> {
        layers.iter().map(|l| l.iter().cloned().collect()).collect()
    }
    fn tree(layers: &[Vec<EntryMeta>]) -> FileTree {
        FileTree::squash(packed(layers), &HashSet::new()).0
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
        let (_, fates) = FileTree::squash(packed(&layers), &tracked);
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
        assert_eq!(r.node.kind, FileType::Symlink);
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

    /// The squash as it was written first (a `BTreeMap` mutated in stream order), kept as the
    /// model the merge above must agree with.
    mod model {
        use super::*;
        use std::collections::BTreeMap;
        use std::ops::Bound;

        pub type View = BTreeMap<Vec<u8>, (usize, FileType)>;

        fn remove_below(
            t: &mut View,
            dir: &[u8],
            inclusive: bool,
            gone: &mut dyn FnMut(usize, &[u8]),
        ) {
            if inclusive && let Some((l, _)) = t.remove(dir) {
                gone(l, dir);
            }
            let doomed: Vec<Vec<u8>> = if dir.is_empty() {
                t.keys().filter(|k| !k.is_empty()).cloned().collect()
            } else {
                let mut lo = dir.to_vec();
                lo.push(b'/');
                let mut hi = dir.to_vec();
                hi.push(b'/' + 1);
                t.range::<Vec<u8>, _>((Bound::Included(lo), Bound::Excluded(hi)))
                    .map(|(k, _)| k.clone())
                    .collect()
            };
            for k in doomed {
                if let Some((l, _)) = t.remove(&k) {
                    gone(l, &k);
                }
            }
        }

        pub fn squash(
            layers: &[Vec<EntryMeta>],
            tracked: &HashSet<(usize, Vec<u8>)>,
        ) -> (View, HashMap<(usize, Vec<u8>), Fate>) {
            let mut t = View::new();
            let mut fates = HashMap::new();
            for (layer, entries) in layers.iter().enumerate() {
                let mut gone = |l: usize, p: &[u8], fate: Fate| {
                    if l != layer && tracked.contains(&(l, p.to_vec())) {
                        fates.entry((l, p.to_vec())).or_insert(fate);
                    }
                };
                let del = Fate::Deleted { by_layer: layer };
                for e in entries {
                    match e.kind {
                        EntryKind::Whiteout => {
                            remove_below(&mut t, e.path.as_bytes(), true, &mut |l, p| {
                                gone(l, p, del)
                            })
                        }
                        EntryKind::OpaqueDir => {
                            remove_below(&mut t, e.path.as_bytes(), false, &mut |l, p| {
                                gone(l, p, del)
                            })
                        }
                        _ => {}
                    }
                }
                for e in entries {
                    if matches!(e.kind, EntryKind::Whiteout | EntryKind::OpaqueDir) {
                        continue;
                    }
                    let mut anc = e.path.parent();
                    loop {
                        if let Some(&(l, k)) = t.get(anc.as_bytes())
                            && k != FileType::Dir
                            && l != layer
                        {
                            t.remove(anc.as_bytes());
                            gone(l, anc.as_bytes(), del);
                        }
                        if anc.is_root() {
                            break;
                        }
                        anc = anc.parent();
                    }
                    if e.kind != EntryKind::Dir
                        && matches!(t.get(e.path.as_bytes()), Some((_, FileType::Dir)))
                    {
                        remove_below(&mut t, e.path.as_bytes(), false, &mut |l, p| {
                            gone(l, p, del)
                        });
                    }
                    if let Some((l, _)) =
                        t.insert(e.path.as_bytes().to_vec(), (layer, e.kind.file_type()))
                    {
                        gone(l, e.path.as_bytes(), Fate::Replaced { by_layer: layer });
                    }
                }
            }
            (t, fates)
        }
    }

    /// Random layer stacks over a small alphabet (so paths collide, nest, get whited out and
    /// replaced by other types in every order): the merge agrees with the model on the view,
    /// and on every fate.
    #[test]
    fn merge_squash_agrees_with_the_model() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let names = ["a", "b", "a-b", "c", "a0"];
        for _ in 0..3000 {
            let layers: Vec<Vec<EntryMeta>> = (0..1 + next(4))
                .map(|_| {
                    (0..next(12))
                        .map(|_| {
                            let depth = 1 + next(3);
                            let path: Vec<&str> =
                                (0..depth).map(|_| names[next(5) as usize]).collect();
                            let path = path.join("/");
                            match next(10) {
                                0..=3 => f(&path),
                                4..=5 => e(&path, EntryKind::Dir),
                                6 => l(&path, "a"),
                                7 => e(&path, EntryKind::Whiteout),
                                8 => e(&path, EntryKind::OpaqueDir),
                                _ => e(&path, EntryKind::Fifo),
                            }
                        })
                        .collect()
                })
                .collect();
            let tracked: HashSet<(usize, Vec<u8>)> = layers
                .iter()
                .enumerate()
                .flat_map(|(i, l)| l.iter().map(move |e| (i, e.path.as_bytes().to_vec())))
                .collect();
            let (want, want_fates) = model::squash(&layers, &tracked);
            let tracked_paths: HashSet<(usize, ImagePath)> = tracked
                .iter()
                .map(|(l, p)| (*l, ImagePath::normalize(p).0))
                .collect();
            let (got, got_fates) = FileTree::squash(packed(&layers), &tracked_paths);
            let got_view: model::View = got
                .iter()
                .map(|(p, n)| (p.as_bytes().to_vec(), (n.layer, n.kind)))
                .collect();
            assert_eq!(got_view, want, "layers: {layers:#?}");
            let got_fates: HashMap<(usize, Vec<u8>), Fate> = got_fates
                .into_iter()
                .map(|((l, p), f)| ((l, p.as_bytes().to_vec()), f))
                .collect();
            assert_eq!(
                got_fates.keys().collect::<HashSet<_>>(),
                want_fates.keys().collect::<HashSet<_>>(),
                "layers: {layers:#?}"
            );
            assert_eq!(got_fates, want_fates, "layers: {layers:#?}");
        }
    }
}
