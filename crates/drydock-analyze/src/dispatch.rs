use crate::Analyzer;
use drydock_fs::EntryMeta;
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use std::collections::HashMap;

/// A cheap test on an entry's metadata (never its content).
pub type EntryPredicate = fn(&EntryMeta) -> bool;

/// One way an analyzer names the files it wants.
#[derive(Clone, Copy)]
pub enum Want {
    /// An exact path inside the image, without the leading slash (`etc/os-release`). Exact paths
    /// are also looked up through symlinks in the final image view.
    Path(&'static str),
    /// Any file with this name, in any directory (`Cargo.lock`).
    FileName(&'static str),
    /// A glob over the path without the leading slash (`usr/lib/**/*.jar`).
    Glob(&'static str),
    /// A cheap test on path, size and mode, for what names alone cannot say.
    Predicate(EntryPredicate),
    /// Ask the analyzer itself ([`Analyzer::wants_file`]): for interests that depend on the
    /// analyzer's configuration (user secret rules and allow-lists).
    Custom,
}

/// All analyzers' interests compiled into lookups that cost one hash probe and one glob-set match
/// per entry, however many analyzers there are.
pub(crate) struct Dispatcher {
    exact: HashMap<Box<[u8]>, Vec<usize>>,
    names: HashMap<Box<[u8]>, Vec<usize>>,
    globs: GlobSet,
    glob_owner: Vec<usize>,
    predicates: Vec<(EntryPredicate, usize)>,
    custom: Vec<usize>,
}

impl Dispatcher {
    pub fn new(analyzers: &[Box<dyn Analyzer>]) -> Result<Self, String> {
        let mut d = Dispatcher {
            exact: HashMap::new(),
            names: HashMap::new(),
            globs: GlobSet::empty(),
            glob_owner: Vec::new(),
            predicates: Vec::new(),
            custom: Vec::new(),
        };
        let mut builder = GlobSetBuilder::new();
        for (i, a) in analyzers.iter().enumerate() {
            for w in a.wants() {
                match *w {
                    Want::Path(p) => d.exact.entry(p.as_bytes().into()).or_default().push(i),
                    Want::FileName(n) => d.names.entry(n.as_bytes().into()).or_default().push(i),
                    Want::Glob(g) => {
                        let glob = GlobBuilder::new(g)
                            .literal_separator(true)
                            .build()
                            .map_err(|e| format!("analyzer {}: bad glob {g:?}: {e}", a.id()))?;
                        builder.add(glob);
                        d.glob_owner.push(i);
                    }
                    Want::Predicate(f) => d.predicates.push((f, i)),
                    Want::Custom => d.custom.push(i),
                }
            }
        }
        d.globs = builder.build().map_err(|e| e.to_string())?;
        Ok(d)
    }

    /// Indices of the analyzers that want `meta`, deduplicated, in registry order.
    pub fn matching(
        &self,
        analyzers: &[Box<dyn Analyzer>],
        meta: &EntryMeta,
        out: &mut Vec<usize>,
    ) {
        out.clear();
        // Globs first, straight into `out`: `matches_into` clears its buffer, and reusing the
        // caller's keeps this per-tar-entry call free of allocations (`matches` returns a new
        // Vec each time). Glob indices are then rewritten in place to their analyzers.
        if !self.glob_owner.is_empty() {
            // Non-UTF-8 names cannot match our (UTF-8) globs; lossy conversion would invent matches.
            if let Some(s) = meta.path.to_str() {
                self.globs.matches_into(s, out);
                for g in out.iter_mut() {
                    *g = self.glob_owner[*g];
                }
            }
        }
        let path = meta.path.as_bytes();
        if let Some(v) = self.exact.get(path) {
            out.extend(v);
        }
        if let Some(v) = self.names.get(meta.path.file_name()) {
            out.extend(v);
        }
        for (f, i) in &self.predicates {
            if f(meta) {
                out.push(*i);
            }
        }
        for &i in &self.custom {
            if analyzers[i].wants_file(meta) {
                out.push(i);
            }
        }
        if out.len() > 1 {
            out.sort_unstable();
            out.dedup();
        }
    }

    /// Exact-path interests, for the symlink follow-up after the squash.
    pub fn exact_paths(&self) -> impl Iterator<Item = (&[u8], &[usize])> {
        self.exact.iter().map(|(k, v)| (&**k, v.as_slice()))
    }
}
