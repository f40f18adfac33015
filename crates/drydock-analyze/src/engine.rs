use crate::analyzers::os::{self, OsInfo};
use crate::cache::{self, CachedOutput, LayerCache};
use crate::dispatch::Dispatcher;
use crate::inventory::{self, InstalledPackage};
use crate::{Analyzer, Artifact, FileInput};
use drydock_fs::{
    Digest, EntryKind, EntryMeta, EntryVisitor, Fate, FileTree, FileType, ImagePath, LayerEntries,
    LayerError, LayerErrorKind, Limits, StreamStats,
};
use drydock_image::Image;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::sync::{Arc, Mutex};

/// A fact an analyzer found in one file of one layer, and what later layers did to that file.
#[derive(Clone, Debug, Serialize)]
pub struct Output {
    pub analyzer: &'static str,
    pub layer: usize,
    pub path: ImagePath,
    #[serde(flatten)]
    pub fate: Fate,
    pub artifact: Artifact,
}

/// Something the scan could not do fully; the scan went on.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Diagnostic {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<usize>,
    pub source: String,
    pub message: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct LayerScan {
    pub index: usize,
    #[serde(flatten)]
    pub stats: StreamStats,
    /// Read from the layer cache instead of the blob.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cached: bool,
}

/// Everything one scan learned.
#[derive(Debug)]
pub struct Scan {
    pub layers: Vec<LayerScan>,
    pub tree: FileTree,
    pub outputs: Vec<Output>,
    pub diagnostics: Vec<Diagnostic>,
    pub os: Option<OsInfo>,
    /// Installed OS packages of the final image.
    pub packages: Vec<InstalledPackage>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(transparent)]
    Layer(#[from] LayerError),
    #[error("analyzer registry: {0}")]
    Registry(String),
}

pub struct Engine {
    analyzers: Vec<Box<dyn Analyzer>>,
    dispatch: Dispatcher,
    limits: Limits,
    cache: Option<LayerCache>,
    /// Layer analyses shared with other machines, behind the disk cache.
    remote: Option<std::sync::Arc<dyn cache::RemoteLayers>>,
    /// Layers shared by the images of one run (`drydock image A B C`), by cache key.
    run: Option<RunMemo>,
}

/// Within one run, a layer key's slot: the first image to reach the layer holds the slot's lock
/// while it streams the layer, so another image sharing it (a common base) waits and then takes
/// the result instead of downloading and analysing the layer again. With the disk cache on, the
/// slot only orders the two (the second reads the entry the first wrote) and holds nothing;
/// without it, the slot keeps the layer's entry in memory for the rest of the run.
#[derive(Default)]
struct RunMemo {
    slots: Mutex<HashMap<Digest, Arc<Mutex<Option<cache::Entry>>>>>,
}

/// A file whose content must be fetched after the first pass (link targets).
struct Deferred {
    read_layer: usize,
    read_path: ImagePath,
    analyzers: Vec<usize>,
    attr_layer: usize,
    attr_path: ImagePath,
    /// The path the analyzer asked for (a link); analyzers may key their parsing on it.
    as_path: ImagePath,
}

/// What one layer's stream yields.
struct LayerPass {
    stats: StreamStats,
    entries: LayerEntries,
    outputs: Vec<Output>,
    diagnostics: Vec<Diagnostic>,
    hardlinks: Vec<(ImagePath, ImagePath, Vec<usize>)>,
    cached: bool,
}

impl LayerPass {
    /// A pass walked as layer `from` that turned out to be layer `to`.
    fn relabel(&mut self, from: usize, to: usize, from_name: &str, to_name: &str) {
        for o in &mut self.outputs {
            if o.layer == from {
                o.layer = to;
            }
        }
        for d in &mut self.diagnostics {
            if d.layer == Some(from) {
                d.layer = Some(to);
            }
            if d.source == from_name {
                d.source = to_name.to_owned();
            }
        }
    }

    /// What the disk cache writes of this pass.
    fn entry_out(&self) -> cache::EntryOut<'_> {
        cache::EntryOut {
            stats: &self.stats,
            entries: &self.entries,
            outputs: self.outputs.iter().map(CachedOutput::from_output).collect(),
            diagnostics: &self.diagnostics,
            hardlinks: &self.hardlinks,
        }
    }

    /// What the run's memo keeps of this pass.
    fn entry(&self) -> cache::Entry {
        cache::Entry {
            stats: self.stats.clone(),
            entries: self.entries.clone(),
            outputs: self.outputs.iter().map(CachedOutput::from_output).collect(),
            diagnostics: self.diagnostics.clone(),
            hardlinks: self.hardlinks.clone(),
        }
    }
}

impl Engine {
    pub fn new(analyzers: Vec<Box<dyn Analyzer>>, limits: Limits) -> Result<Self, ScanError> {
        let dispatch = Dispatcher::new(&analyzers).map_err(ScanError::Registry)?;
        Ok(Self {
            analyzers,
            dispatch,
            limits,
            cache: None,
            remote: None,
            run: None,
        })
    }

    /// Analyses a layer shared by several images scanned with this engine once (see
    /// [`RunMemo`]); for a run over many images.
    pub fn with_shared_layers(mut self) -> Self {
        self.run = Some(RunMemo::default());
        self
    }

    /// Shares per-layer results with other machines through `remote`, behind the disk cache
    /// (which must be on: a remote hit is written to it).
    pub fn with_remote(mut self, remote: std::sync::Arc<dyn cache::RemoteLayers>) -> Self {
        self.remote = Some(remote);
        self
    }

    /// Reads and writes per-layer results in `cache` (see [`crate::cache`]).
    pub fn with_cache(mut self, cache: LayerCache) -> Self {
        self.cache = Some(cache);
        self
    }

    /// The engine with every built-in analyzer and the built-in secret rules; no credential
    /// files are collected, as that needs the auditor's predicate ([`crate::analyzers::Options`]).
    pub fn builtin(limits: Limits) -> Result<Self, ScanError> {
        Self::new(
            crate::analyzers::builtin(crate::analyzers::Options::default()),
            limits,
        )
    }

    pub fn scan(&self, image: &Image, progress: &(dyn Fn(u64) + Sync)) -> Result<Scan, ScanError> {
        // Largest blob first, one layer per task: the scan lasts at least as long as its
        // biggest layer, so that one starts at once and the small ones fill the other core
        // (splitting the index range in halves could leave the base layer for last).
        let passes = if image.is_streamed() {
            self.streamed_passes(image, progress)?
        } else {
            let mut order: Vec<usize> = (0..image.layers.len()).collect();
            order.sort_by_key(|&i| std::cmp::Reverse(image.layer_blob_len(i).unwrap_or(0)));
            let mut done: Vec<(usize, LayerPass)> = order
                .into_par_iter()
                .with_max_len(1)
                .map(|i| self.layer_pass(image, i, progress).map(|p| (i, p)))
                .collect::<Result<_, _>>()?;
            done.sort_by_key(|(i, _)| *i);
            done.into_iter().map(|(_, p)| p).collect()
        };

        let mut outputs = Vec::new();
        let mut diagnostics = Vec::new();
        let mut deferred = Vec::new();
        let mut layers = Vec::with_capacity(passes.len());
        let mut entries = Vec::with_capacity(passes.len());
        for (i, p) in passes.into_iter().enumerate() {
            let name = image.layer_name(i);
            diagnostics.extend(p.stats.warnings.iter().map(|w| Diagnostic {
                layer: Some(i),
                source: name.clone(),
                message: w.clone(),
            }));
            outputs.extend(p.outputs);
            diagnostics.extend(p.diagnostics);
            for (link, target, analyzers) in p.hardlinks {
                deferred.push((i, link, target, analyzers));
            }
            layers.push(LayerScan {
                index: i,
                stats: p.stats,
                cached: p.cached,
            });
            entries.push(p.entries);
        }

        // Hard links share their target's content: find the layer that holds it (the link's own
        // or a lower one), to read it in the follow-up pass. One pass over each layer's entries
        // for all links, not one per link.
        let targets: HashSet<&[u8]> = deferred.iter().map(|d| d.2.as_bytes()).collect();
        let held: Vec<HashSet<&[u8]>> = entries
            .iter()
            .map(|layer: &LayerEntries| {
                if targets.is_empty() {
                    return HashSet::new();
                }
                layer
                    .iter()
                    .filter(|e| e.kind == FileType::File && targets.contains(e.path.as_bytes()))
                    .map(|e| e.path.as_bytes())
                    .collect()
            })
            .collect();
        let mut follow_up = Vec::new();
        for (layer, link, target, analyzers) in deferred {
            let holder = (0..=layer)
                .rev()
                .find(|&l| held.get(l).is_some_and(|h| h.contains(target.as_bytes())));
            match holder {
                Some(read_layer) => follow_up.push(Deferred {
                    read_layer,
                    read_path: target,
                    analyzers,
                    attr_layer: layer,
                    as_path: link.clone(),
                    attr_path: link,
                }),
                None => diagnostics.push(Diagnostic {
                    layer: Some(layer),
                    source: image.layer_name(layer),
                    message: format!(
                        "hard link {link} points to {target}, which no layer up to it holds"
                    ),
                }),
            }
        }
        drop(held);

        let mut tracked: HashSet<(usize, ImagePath)> =
            outputs.iter().map(|o| (o.layer, o.path.clone())).collect();
        tracked.extend(
            follow_up
                .iter()
                .map(|d| (d.attr_layer, d.attr_path.clone())),
        );
        let (tree, fates) = FileTree::squash(entries, &tracked);

        // Exact paths that are symlinks in the final view: analyze what they resolve to, inside
        // the image root, unless the analyzer already saw that file.
        let seen: HashSet<(usize, usize, ImagePath)> = outputs
            .iter()
            .filter_map(|o| {
                self.index_of(o.analyzer)
                    .map(|a| (a, o.layer, o.path.clone()))
            })
            .collect();
        for (path, analyzers) in self.dispatch.exact_paths() {
            let path = ImagePath::normalize(path).0;
            let Some(node) = tree.get(&path) else {
                continue;
            };
            if node.kind != FileType::Symlink {
                continue;
            }
            match tree.resolve(&path, true) {
                Ok(r) if r.node.kind == FileType::File => {
                    let todo: Vec<usize> = analyzers
                        .iter()
                        .copied()
                        .filter(|&a| !seen.contains(&(a, r.node.layer, r.path.clone())))
                        .collect();
                    if !todo.is_empty() {
                        follow_up.push(Deferred {
                            read_layer: r.node.layer,
                            read_path: r.path.clone(),
                            analyzers: todo,
                            attr_layer: r.node.layer,
                            attr_path: r.path,
                            as_path: path.clone(),
                        });
                    }
                }
                Ok(_) => {}
                Err(e) => diagnostics.push(Diagnostic {
                    layer: Some(node.layer),
                    source: image.layer_name(node.layer),
                    message: format!("symlink {path}: {e}"),
                }),
            }
        }
        self.follow_up(image, follow_up, &mut outputs, &mut diagnostics)?;

        // Records a parser skipped (a truncated status stanza, a bad rpm header) are warnings
        // that name the database; the rest of its packages are kept.
        for o in &outputs {
            if let Artifact::Packages(db) = &o.artifact {
                diagnostics.extend(db.problems.iter().map(|m| Diagnostic {
                    layer: Some(o.layer),
                    source: o.path.display().into_owned(),
                    message: m.clone(),
                }));
            }
        }
        for o in &mut outputs {
            o.fate = fates
                .get(&(o.layer, o.path.clone()))
                .copied()
                .unwrap_or(Fate::Present);
        }
        outputs.sort_by(|a, b| (a.layer, &a.path, a.analyzer).cmp(&(b.layer, &b.path, b.analyzer)));
        let mut scan = Scan {
            layers,
            tree,
            outputs,
            diagnostics,
            os: None,
            packages: Vec::new(),
        };
        scan.os = os::detect(&scan);
        scan.packages = inventory::collect(&scan);
        Ok(scan)
    }

    fn index_of(&self, id: &str) -> Option<usize> {
        self.analyzers.iter().position(|a| a.id() == id)
    }

    /// One layer's pass, from the cache when it holds this layer for this configuration.
    fn layer_pass(
        &self,
        image: &Image,
        i: usize,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<LayerPass, LayerError> {
        if self.cache.is_none() && self.run.is_none() {
            return self.first_pass(image, i, progress);
        }
        let layer = image.layers.get(i);
        let analyzers: Vec<(&str, u32, String)> = self
            .analyzers
            .iter()
            .map(|a| (a.id(), a.version(), a.fingerprint()))
            .collect();
        let Some(key) = cache::key(
            self.cache.as_ref().map_or("", LayerCache::build),
            layer.and_then(|l| l.digest.as_ref()),
            layer.and_then(|l| l.diff_id.as_ref()),
            image.layer_blob_len(i),
            &analyzers,
            &self.limits,
        ) else {
            return self.first_pass(image, i, progress);
        };
        let Some(run) = &self.run else {
            return self.cached_layer_pass(image, i, &key, progress);
        };
        let slot = {
            let mut slots = run.slots.lock().unwrap_or_else(|e| e.into_inner());
            slots.entry(key.clone()).or_default().clone()
        };
        let mut held = slot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(pass) = held.clone().and_then(|entry| self.cached_pass(entry)) {
            progress(image.layer_blob_len(i).unwrap_or(0));
            return Ok(pass);
        }
        let pass = self.cached_layer_pass(image, i, &key, progress)?;
        if self.cache.is_none() && pass.stats.diff_id.is_some() {
            *held = Some(pass.entry());
        }
        Ok(pass)
    }

    /// One layer's pass through the disk cache when there is one.
    fn cached_layer_pass(
        &self,
        image: &Image,
        i: usize,
        key: &Digest,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<LayerPass, LayerError> {
        let Some(cache) = &self.cache else {
            return self.first_pass(image, i, progress);
        };
        let key = key.clone();
        let mut notes = Vec::new();
        match cache.get(&key) {
            Ok(Some(entry)) => {
                if let Some(pass) = self.cached_pass(entry) {
                    progress(image.layer_blob_len(i).unwrap_or(0));
                    return Ok(pass);
                }
                notes.push("layer cache entry does not fit this build; layer re-read".to_owned());
            }
            Ok(None) => {}
            Err(e) => notes.push(format!("layer cache entry unreadable ({e}); layer re-read")),
        }
        if let Some(bytes) = self.remote.as_ref().and_then(|r| r.get(&key)) {
            match cache::decode(&bytes[..]).map(|entry| self.cached_pass(entry)) {
                Ok(Some(pass)) => {
                    if let Err(e) = cache.put_encoded(&key, &bytes) {
                        notes.push(format!("layer cache not written: {e}"));
                    }
                    progress(image.layer_blob_len(i).unwrap_or(0));
                    return Ok(pass);
                }
                Ok(None) => notes.push(
                    "shared layer analysis does not fit this build; layer re-read".to_owned(),
                ),
                Err(e) => notes.push(format!(
                    "shared layer analysis unreadable ({e}); layer re-read"
                )),
            }
        }
        let mut pass = self.first_pass(image, i, progress)?;
        // Only what the stream verified is cached: a layer cut short by a limit is not the blob.
        if pass.stats.diff_id.is_none() {
            return Ok(pass);
        }
        let entry = pass.entry_out();
        match &self.remote {
            // Streamed straight to the file when only the disk keeps it.
            None => {
                if let Err(e) = cache.put(&key, &entry) {
                    notes.push(format!("layer cache not written: {e}"));
                }
            }
            // Encoded once for both tiers.
            Some(remote) => match cache::encode(&entry) {
                Ok(bytes) => {
                    if let Err(e) = cache.put_encoded(&key, &bytes) {
                        notes.push(format!("layer cache not written: {e}"));
                    }
                    if let Err(e) = remote.put(&key, &bytes) {
                        notes.push(format!("layer analysis not shared: {e}"));
                    }
                }
                Err(e) => notes.push(format!("layer cache not written: {e}")),
            },
        }
        pass.diagnostics
            .extend(notes.into_iter().map(|message| Diagnostic {
                layer: Some(i),
                source: image.layer_name(i),
                message,
            }));
        Ok(pass)
    }

    fn cached_pass(&self, entry: cache::Entry) -> Option<LayerPass> {
        let id = |stored: &str| {
            self.analyzers
                .iter()
                .map(|a| a.id())
                .find(|id| *id == stored)
        };
        let outputs = entry
            .outputs
            .into_iter()
            .map(|o| o.into_output(id))
            .collect::<Option<Vec<_>>>()?;
        let n = self.analyzers.len();
        if entry
            .hardlinks
            .iter()
            .any(|(_, _, wanted)| wanted.iter().any(|&a| a >= n))
        {
            return None;
        }
        Some(LayerPass {
            stats: entry.stats,
            entries: entry.entries,
            outputs,
            diagnostics: entry.diagnostics,
            hardlinks: entry.hardlinks,
            cached: true,
        })
    }

    /// The first pass of an image whose layers arrive in one stream (a container engine's
    /// export): each layer is analysed in arrival order as it passes, on this thread. Not
    /// cached: the cache key needs the blob's length, which the engine does not tell up front.
    fn streamed_passes(
        &self,
        image: &Image,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Vec<LayerPass>, LayerError> {
        let mut got: Vec<Option<LayerPass>> = image.layers.iter().map(|_| None).collect();
        image.walk_stream(&self.limits, progress, &mut |i, walk| {
            let Some(i) = i else {
                // A pre-25 Docker layer: which one it is shows once it is hashed (the first
                // layer not yet seen with that diff-id, as `walk_stream` decides too).
                let mut pass = self.pass_with(image, 0, &mut |v| walk.walk(v))?;
                let j = got.iter().zip(&image.layers).position(|(g, l)| {
                    g.is_none() && l.diff_id.is_some() && l.diff_id == pass.stats.diff_id
                });
                if let Some(j) = j {
                    pass.relabel(0, j, &image.layer_name(0), &image.layer_name(j));
                    got[j] = Some(pass);
                }
                return Ok(());
            };
            let pass = self.pass_with(image, i, &mut |v| walk.walk(v))?;
            if let Some(slot) = got.get_mut(i) {
                *slot = Some(pass);
            }
            Ok(())
        })?;
        // A layer listed twice in the image arrives once; its later indexes are read again.
        got.into_iter()
            .enumerate()
            .map(|(i, p)| match p {
                Some(p) => Ok(p),
                None => self.first_pass(image, i, progress),
            })
            .collect()
    }

    fn first_pass(
        &self,
        image: &Image,
        i: usize,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<LayerPass, LayerError> {
        self.pass_with(image, i, &mut |v| {
            image.walk_layer(i, &self.limits, progress, v)
        })
    }

    /// One layer's first pass; `walk` streams the layer's entries through a visitor.
    fn pass_with(
        &self,
        image: &Image,
        i: usize,
        walk: &mut dyn FnMut(&mut dyn EntryVisitor) -> Result<StreamStats, LayerError>,
    ) -> Result<LayerPass, LayerError> {
        let name = image.layer_name(i);
        let mut entries = LayerEntries::default();
        let mut full = false;
        let mut outputs = Vec::new();
        let mut diagnostics = Vec::new();
        let mut hardlinks = Vec::new();
        let mut wanted = Vec::new();
        let mut buf = Vec::new();
        let stats = walk(&mut |meta: &EntryMeta, content: &mut dyn Read| {
            if !full && let Err(e) = entries.push(meta) {
                // The rest of the layer is still streamed (digests, analyzers), only no longer
                // part of the file tree, as past --max-entries.
                full = true;
                diagnostics.push(Diagnostic {
                    layer: Some(i),
                    source: name.clone(),
                    message: format!("{e}: entries from {} on", meta.path),
                });
            }
            if !matches!(meta.kind, EntryKind::File | EntryKind::Hardlink { .. }) {
                return Ok(());
            }
            self.dispatch.matching(&self.analyzers, meta, &mut wanted);
            if wanted.is_empty() {
                return Ok(());
            }
            if let EntryKind::Hardlink { target } = &meta.kind {
                hardlinks.push((meta.path.clone(), target.clone(), wanted.clone()));
                return Ok(());
            }
            if self.read_content(meta, content, &mut buf, &name, i, &mut diagnostics)? {
                self.run(
                    &wanted,
                    i,
                    meta,
                    &meta.path,
                    &buf,
                    &name,
                    &mut outputs,
                    &mut diagnostics,
                );
            }
            Ok(())
        })?;
        Ok(LayerPass {
            stats,
            entries,
            outputs,
            diagnostics,
            hardlinks,
            cached: false,
        })
    }

    /// Reads a wanted file's content, within the size limit; `false` means skipped (and said why).
    fn read_content(
        &self,
        meta: &EntryMeta,
        content: &mut dyn Read,
        buf: &mut Vec<u8>,
        name: &str,
        layer: usize,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Result<bool, LayerError> {
        buf.clear();
        if meta.size > self.limits.max_file_bytes {
            diagnostics.push(Diagnostic {
                layer: Some(layer),
                source: name.to_owned(),
                message: format!(
                    "{}: {} bytes is over the {} MiB file limit; not analyzed",
                    meta.path,
                    meta.size,
                    self.limits.max_file_bytes >> 20
                ),
            });
            return Ok(false);
        }
        content
            .take(self.limits.max_file_bytes)
            .read_to_end(buf)
            .map_err(|e| {
                LayerError::new(
                    name,
                    LayerErrorKind::Corrupt {
                        what: format!("content of {}", meta.path),
                        detail: e.to_string(),
                    },
                )
            })?;
        Ok(true)
    }

    #[allow(clippy::too_many_arguments)]
    /// Runs `wanted` on one file. `meta.path` is what the analyzers see; `path` is where the
    /// outputs are attributed (they differ only for link targets read in the follow-up pass).
    fn run(
        &self,
        wanted: &[usize],
        layer: usize,
        meta: &EntryMeta,
        path: &ImagePath,
        content: &[u8],
        name: &str,
        outputs: &mut Vec<Output>,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let input = FileInput {
            layer,
            path: &meta.path,
            meta,
            content,
        };
        for &a in wanted {
            let analyzer = &self.analyzers[a];
            match analyzer.analyze(&input) {
                Ok(Some(artifact)) => outputs.push(Output {
                    analyzer: analyzer.id(),
                    layer,
                    path: path.clone(),
                    fate: Fate::Present,
                    artifact,
                }),
                Ok(None) => {}
                Err(e) => diagnostics.push(Diagnostic {
                    layer: Some(layer),
                    source: name.to_owned(),
                    message: format!("{path}: {}: {e}", analyzer.id()),
                }),
            }
        }
    }

    /// Reads link targets found after the squash: one more stream per layer that holds any.
    fn follow_up(
        &self,
        image: &Image,
        requests: Vec<Deferred>,
        outputs: &mut Vec<Output>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Result<(), ScanError> {
        let mut by_layer: BTreeMap<usize, Vec<Deferred>> = BTreeMap::new();
        for r in requests {
            by_layer.entry(r.read_layer).or_default().push(r);
        }
        for (layer, reqs) in by_layer {
            let name = image.layer_name(layer);
            let mut buf = Vec::new();
            // A set, not a scan of the requests per entry: a layer of a million entries and
            // thousands of hard links must stay one pass.
            let wanted: HashSet<&ImagePath> = reqs.iter().map(|r| &r.read_path).collect();
            image.walk_layer(
                layer,
                &self.limits,
                &|_| {},
                &mut |meta: &EntryMeta, content: &mut dyn Read| {
                    if meta.kind != EntryKind::File || !wanted.contains(&meta.path) {
                        return Ok(());
                    }
                    if !self.read_content(meta, content, &mut buf, &name, layer, diagnostics)? {
                        return Ok(());
                    }
                    for r in reqs.iter().filter(|r| r.read_path == meta.path) {
                        let attr = EntryMeta {
                            path: r.as_path.clone(),
                            ..meta.clone()
                        };
                        self.run(
                            &r.analyzers,
                            r.attr_layer,
                            &attr,
                            &r.attr_path,
                            &buf,
                            &name,
                            outputs,
                            diagnostics,
                        );
                    }
                    Ok(())
                },
            )?;
        }
        Ok(())
    }
}
