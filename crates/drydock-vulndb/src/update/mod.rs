//! `drydock db update`: osv.dev's per-ecosystem exports (`{base}/{Ecosystem}/all.zip`) into the
//! store.
//!
//! Every export is kept, verified, in `DIR/sources/<Ecosystem>.zip` with the `ETag` and
//! `Last-Modified` the server sent (`DIR/sources/state.json`). The next update asks with
//! `If-None-Match`/`If-Modified-Since`; a `304 Not Modified` costs no download, and the cached
//! zip stands in for it, so the database is always rebuilt from one complete set of exports
//! (`replace`): an advisory osv.dev deleted disappears, which merging into the old database
//! would never achieve.
//!
//! All or nothing: downloads go to temporary files, each must be a zip whose every entry reads
//! back with a correct CRC and must yield at least one valid advisory, and only then are the
//! zips, the database and the state renamed into place. When any source fails, the error lists
//! every failing URL with the reason and the old database, cache and state stay as they were.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

mod http;

use http::{Fetched, agent, fetch};

use crate::ecosystem::Ecosystem;
use crate::error::{Error, IoContext, Result};
use crate::import::{self, ImportOptions, Input, MAX_RECORD_BYTES};
use crate::store::{Database, now_unix};

/// osv.dev's public export bucket.
pub const DEFAULT_BASE_URL: &str = "https://osv-vulnerabilities.storage.googleapis.com";

/// Cache folder inside the database directory.
pub const SOURCES_DIR: &str = "sources";
const STATE_FILE: &str = "state.json";
const LOCK_FILE: &str = ".lock";
const STATE_VERSION: u32 = 1;

/// How to update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateOptions {
    /// Where the exports live: `https://`, `http://` (mirrors, tests) or `file://` (a local
    /// copy of the bucket layout).
    pub base_url: String,
    /// OSV ecosystem names, case-sensitive as osv.dev spells its folders.
    pub ecosystems: Vec<String>,
    /// Refuse a download larger than this: no export is near it (Debian's is a few hundred MB),
    /// a misconfigured mirror streaming forever is.
    pub max_bytes: u64,
    /// Budget for one download, connection to last byte.
    pub timeout: Duration,
    /// Give up when the server sends nothing for this long (a stalled transfer).
    pub read_timeout: Duration,
    /// Budget for resolving and connecting.
    pub connect_timeout: Duration,
    /// Told how each download goes, for a progress bar per source.
    pub progress: Progress,
}

/// What a download is doing, for [`Progress`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressEvent {
    /// The body starts; its size when the server said.
    Start { total: Option<u64> },
    /// This many more bytes arrived.
    Bytes(u64),
    /// The source is done (downloaded, unchanged or failed).
    Done,
}

type ProgressFn = dyn Fn(&str, ProgressEvent) + Send + Sync;

/// A callback per ecosystem download; none by default.
#[derive(Clone, Default)]
pub struct Progress(Option<std::sync::Arc<ProgressFn>>);

impl Progress {
    pub fn new(f: impl Fn(&str, ProgressEvent) + Send + Sync + 'static) -> Progress {
        Progress(Some(std::sync::Arc::new(f)))
    }

    pub(crate) fn event(&self, ecosystem: &str, e: ProgressEvent) {
        if let Some(f) = &self.0 {
            f(ecosystem, e);
        }
    }
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Progress(on)"
        } else {
            "Progress(off)"
        })
    }
}

/// Options compare by their settings; a progress callback is not one.
impl PartialEq for Progress {
    fn eq(&self, _: &Progress) -> bool {
        true
    }
}

impl Eq for Progress {}

impl Default for UpdateOptions {
    fn default() -> Self {
        UpdateOptions {
            base_url: DEFAULT_BASE_URL.to_owned(),
            // The table's `default_download` column: the ecosystems a scan looks packages up in.
            ecosystems: crate::ecosystem::default_downloads()
                .map(str::to_owned)
                .collect(),
            max_bytes: 2 << 30,
            timeout: Duration::from_secs(30 * 60),
            read_timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(30),
            progress: Progress::default(),
        }
    }
}

/// Whether a source was fetched again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceStatus {
    /// A new export was downloaded.
    Downloaded,
    /// The server answered `304 Not Modified` (or the `file://` copy did not change); the
    /// cached zip was used.
    Unchanged,
}

/// What happened to one export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceReport {
    /// The OSV ecosystem.
    pub ecosystem: String,
    /// The export's URL.
    pub url: String,
    /// Downloaded or unchanged.
    pub status: SourceStatus,
    /// Size of the zip.
    pub bytes: u64,
    /// Valid advisories it holds.
    pub records: usize,
    /// Records in it that were rejected.
    pub bad: usize,
    /// Time spent on the request and the download.
    #[serde(serialize_with = "secs")]
    pub elapsed: Duration,
}

/// The result of an update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpdateSummary {
    /// The database file.
    pub database: PathBuf,
    /// One entry per ecosystem, in the order asked.
    pub sources: Vec<SourceReport>,
    /// Whether the database was rebuilt; `false` when every export was unchanged and the
    /// database is still the one built from them.
    pub rebuilt: bool,
    /// Advisories in the database.
    pub total: u64,
    /// The first rejected records (all of them are counted per source), to show what is wrong.
    pub bad_examples: Vec<import::BadRecord>,
    /// Wall-clock time of the whole update.
    #[serde(serialize_with = "secs")]
    pub elapsed: Duration,
}

/// One export that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceFailure {
    /// The URL requested.
    pub url: String,
    /// What went wrong.
    pub message: String,
}

impl std::fmt::Display for SourceFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.url, self.message)
    }
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// What the cache knows about one URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Cached {
    /// File name inside `sources/`.
    file: String,
    etag: Option<String>,
    last_modified: Option<String>,
    bytes: u64,
    records: usize,
    bad: usize,
    fetched_at: u64,
}

/// `sources/state.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct State {
    version: u32,
    /// By URL.
    sources: BTreeMap<String, Cached>,
    /// The exports (URL, size, validators) the database was last built from, to skip a
    /// rebuild that would produce the same file.
    built_from: Vec<String>,
}

impl State {
    /// A missing or unreadable state only costs unconditional downloads, never correctness.
    fn load(path: &Path) -> State {
        std::fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice::<State>(&b).ok())
            .filter(|s| s.version == STATE_VERSION)
            .unwrap_or_default()
    }

    fn save(&self, dir: &Path) -> Result<()> {
        let path = dir.join(STATE_FILE);
        let mut tmp = tempfile::Builder::new()
            .prefix(".state-")
            .tempfile_in(dir)
            .at(dir)?;
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| Error::Parse(format!("cannot serialise the update state: {e}")))?;
        tmp.write_all(&json).at(tmp.path())?;
        tmp.as_file().sync_all().at(tmp.path())?;
        tmp.persist(&path).map_err(|e| Error::Io {
            path: path.clone(),
            source: e.error,
        })?;
        Ok(())
    }
}

fn fingerprint(url: &str, c: &Cached) -> String {
    format!(
        "{url} {} {} {}",
        c.bytes,
        c.etag.as_deref().unwrap_or("-"),
        c.last_modified.as_deref().unwrap_or("-")
    )
}

/// Downloads the exports in `options` and rebuilds the database in `dir` from them.
///
/// See the module documentation for the guarantees. Errors that concern a source are collected
/// for all sources and returned together as [`Error::Update`].
pub fn update(dir: &Path, options: &UpdateOptions) -> Result<UpdateSummary> {
    let start = Instant::now();
    let ecosystems = requested(options)?;
    let sources_dir = dir.join(SOURCES_DIR);
    std::fs::create_dir_all(&sources_dir).at(&sources_dir)?;
    let lock = lock(&sources_dir)?;
    let state = State::load(&sources_dir.join(STATE_FILE));
    let pending = fetch_all(&ecosystems, &state, &sources_dir, options)?;
    if let Some(summary) = unchanged(dir, &state, &pending, start)? {
        return Ok(summary);
    }
    verify(&pending)?;
    let staged = stage(dir, &sources_dir, &pending)?;
    let summary = commit(&sources_dir, state, pending, staged, start)?;
    drop(lock);
    Ok(summary)
}

/// The requested ecosystems, validated against the table and deduplicated, in order.
fn requested(options: &UpdateOptions) -> Result<Vec<&str>> {
    if options.ecosystems.is_empty() {
        return Err(Error::Parse("no ecosystem to update".into()));
    }
    let mut ecosystems: Vec<&str> = Vec::new();
    for e in &options.ecosystems {
        let e = e.trim();
        Ecosystem::parse(e).map_err(|u| {
            Error::Parse(format!(
                "{u}: osv.dev names are case-sensitive, e.g. Go, PyPI, npm, crates.io"
            ))
        })?;
        if !ecosystems.contains(&e) {
            ecosystems.push(e);
        }
    }
    Ok(ecosystems)
}

/// Two updates of one directory would rename cache files under each other: the lock is held
/// until the returned file is dropped.
fn lock(sources_dir: &Path) -> Result<File> {
    let lock_path = sources_dir.join(LOCK_FILE);
    let lock = File::create(&lock_path).at(&lock_path)?;
    if let Err(e) = lock.try_lock() {
        return Err(Error::Io {
            path: lock_path,
            source: std::io::Error::new(
                std::io::ErrorKind::WouldBlock,
                format!("another `drydock db update` is using this directory ({e})"),
            ),
        });
    }
    Ok(lock)
}

/// One export, asked for and answered.
struct Pending {
    ecosystem: String,
    url: String,
    file: String,
    fetched: Fetched,
    elapsed: Duration,
}

/// Step 1, fetch: every export asked for (conditionally, in parallel); all or nothing.
fn fetch_all(
    ecosystems: &[&str],
    state: &State,
    sources_dir: &Path,
    options: &UpdateOptions,
) -> Result<Vec<Pending>> {
    let base = options.base_url.trim().trim_end_matches('/');
    let agent = agent(options);
    let fetch_one = |eco: &str| {
        let url = format!("{base}/{}/all.zip", encode_segment(eco));
        let file = cache_name(eco);
        // A validator is only worth sending if the file it describes is still there, whole.
        let cached = state.sources.get(&url).filter(|c| {
            c.file == file
                && std::fs::metadata(sources_dir.join(&c.file)).is_ok_and(|m| m.len() == c.bytes)
        });
        let t = Instant::now();
        let fetched = fetch(&agent, &url, eco, cached, sources_dir, options);
        options.progress.event(eco, ProgressEvent::Done);
        (url, file, fetched, t.elapsed())
    };
    let fetched = in_parallel(ecosystems, PARALLEL_DOWNLOADS, |eco| fetch_one(eco));
    let mut pending: Vec<Pending> = Vec::new();
    let mut failures: Vec<SourceFailure> = Vec::new();
    for (eco, (url, file, fetched, elapsed)) in ecosystems.iter().zip(fetched) {
        match fetched {
            Ok(fetched) => pending.push(Pending {
                ecosystem: (*eco).to_owned(),
                url,
                file,
                fetched,
                elapsed,
            }),
            Err(message) => failures.push(SourceFailure { url, message }),
        }
    }
    if !failures.is_empty() {
        return Err(Error::Update(failures));
    }
    Ok(pending)
}

/// Nothing changed since the last build (every export `304`, the database built from exactly
/// these): the summary of the database as it is, without a rebuild.
fn unchanged(
    dir: &Path,
    state: &State,
    pending: &[Pending],
    start: Instant,
) -> Result<Option<UpdateSummary>> {
    let fingerprints: Vec<String> = pending
        .iter()
        .filter_map(|p| state.sources.get(&p.url).map(|c| fingerprint(&p.url, c)))
        .collect();
    let all_unchanged = pending
        .iter()
        .all(|p| matches!(p.fetched, Fetched::NotModified));
    let urls: Vec<String> = pending.iter().map(|p| p.url.clone()).collect();
    if !(all_unchanged && fingerprints == state.built_from && last_import_is(dir, &urls)) {
        return Ok(None);
    }
    let total = Database::open(dir).and_then(|d| d.info())?.advisories;
    let sources = pending
        .iter()
        .filter_map(|p| {
            let c = state.sources.get(&p.url)?;
            Some(SourceReport {
                ecosystem: p.ecosystem.clone(),
                url: p.url.clone(),
                status: SourceStatus::Unchanged,
                bytes: c.bytes,
                records: c.records,
                bad: c.bad,
                elapsed: p.elapsed,
            })
        })
        .collect();
    Ok(Some(UpdateSummary {
        database: Database::path_in(dir),
        sources,
        rebuilt: false,
        total,
        bad_examples: Vec::new(),
        elapsed: start.elapsed(),
    }))
}

/// Step 2, verify: fresh downloads are whole zips, before any time is spent on an import.
fn verify(pending: &[Pending]) -> Result<()> {
    let mut failures: Vec<SourceFailure> = Vec::new();
    for p in pending {
        if let Fetched::New { tmp, .. } = &p.fetched
            && let Err(message) = verify_zip(tmp.path())
        {
            failures.push(SourceFailure {
                url: p.url.clone(),
                message,
            });
        }
    }
    if !failures.is_empty() {
        return Err(Error::Update(failures));
    }
    Ok(())
}

/// Step 3, import into a staged database; every export must yield at least one advisory.
fn stage(dir: &Path, sources_dir: &Path, pending: &[Pending]) -> Result<import::Staged> {
    let inputs: Vec<Input> = pending
        .iter()
        .map(|p| Input {
            path: match &p.fetched {
                Fetched::New { tmp, .. } => tmp.path().to_owned(),
                Fetched::NotModified => sources_dir.join(&p.file),
            },
            label: p.url.clone(),
        })
        .collect();
    let staged = import::stage(dir, &inputs, ImportOptions { replace: true })?;
    let mut failures: Vec<SourceFailure> = Vec::new();
    for (p, c) in pending.iter().zip(&staged.summary().inputs) {
        if c.records == 0 {
            let first = staged
                .summary()
                .bad
                .iter()
                .find(|b| b.location.starts_with(&p.url))
                .map(|b| format!("; first problem: {}: {}", b.location, b.error))
                .unwrap_or_default();
            failures.push(SourceFailure {
                url: p.url.clone(),
                message: format!(
                    "the archive holds no valid advisory ({} files read, {} rejected){first}",
                    c.files, c.bad
                ),
            });
        }
    }
    if !failures.is_empty() {
        return Err(Error::Update(failures));
    }
    Ok(staged)
}

/// Step 4, commit: cache files first, then the database, then the state that vouches for both
/// (a crash in between leaves a state whose sizes or validators no longer match, which costs
/// one download, never a wrong 304).
fn commit(
    sources_dir: &Path,
    state: State,
    pending: Vec<Pending>,
    staged: import::Staged,
    start: Instant,
) -> Result<UpdateSummary> {
    let counts = staged.summary().inputs.clone();
    let bad_examples: Vec<import::BadRecord> =
        staged.summary().bad.iter().take(20).cloned().collect();
    let mut sources = Vec::new();
    let mut new_state = state.clone();
    new_state.version = STATE_VERSION;
    for (p, c) in pending.into_iter().zip(&counts) {
        let target = sources_dir.join(&p.file);
        let (status, entry) = match p.fetched {
            Fetched::New {
                tmp,
                etag,
                last_modified,
                bytes,
            } => {
                tmp.persist(&target).map_err(|e| Error::Io {
                    path: target.clone(),
                    source: e.error,
                })?;
                let entry = Cached {
                    file: p.file.clone(),
                    etag,
                    last_modified,
                    bytes,
                    records: c.records,
                    bad: c.bad,
                    fetched_at: now_unix(),
                };
                (SourceStatus::Downloaded, entry)
            }
            Fetched::NotModified => {
                let Some(old) = state.sources.get(&p.url) else {
                    continue;
                };
                let mut entry = old.clone();
                entry.records = c.records;
                entry.bad = c.bad;
                (SourceStatus::Unchanged, entry)
            }
        };
        sources.push(SourceReport {
            ecosystem: p.ecosystem,
            url: p.url.clone(),
            status,
            bytes: entry.bytes,
            records: c.records,
            bad: c.bad,
            elapsed: p.elapsed,
        });
        new_state.sources.insert(p.url, entry);
    }
    if let Ok(d) = File::open(sources_dir) {
        let _ = d.sync_all();
    }
    let summary = staged.commit()?;
    new_state.built_from = sources
        .iter()
        .filter_map(|s| {
            new_state
                .sources
                .get(&s.url)
                .map(|c| fingerprint(&s.url, c))
        })
        .collect();
    new_state.save(sources_dir)?;
    Ok(UpdateSummary {
        database: summary.database,
        sources,
        rebuilt: true,
        total: summary.total,
        bad_examples,
        elapsed: start.elapsed(),
    })
}

/// Whether the newest import recorded in the database is an update from exactly `urls`: a
/// `drydock db import` since then (or a missing database) calls for a rebuild.
fn last_import_is(dir: &Path, urls: &[String]) -> bool {
    Database::open(dir)
        .and_then(|d| d.info())
        .is_ok_and(|info| info.sources.first().is_some_and(|s| s.paths == urls))
}

/// Percent-encodes one path segment (ecosystem names hold spaces and colons: `Red Hat`,
/// `Debian:12`); colons are legal in a path segment and osv.dev's bucket uses them verbatim.
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b':') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The cache file of an ecosystem: only characters that are safe in a file name anywhere.
fn cache_name(ecosystem: &str) -> String {
    let safe: String = ecosystem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{}.zip", safe.trim_start_matches('.'))
}

/// Exports downloaded at once: the big ones (Debian, Ubuntu, PyPI) no longer wait for each
/// other, and four connections are polite to the mirror.
const PARALLEL_DOWNLOADS: usize = 4;

/// `f` over `items` on up to `width` threads; results in the order of `items`.
fn in_parallel<T: Sync, R: Send>(items: &[T], width: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done: std::sync::Mutex<Vec<Option<R>>> =
        std::sync::Mutex::new(items.iter().map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..width.clamp(1, items.len().max(1)) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    done.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
                }
            });
        }
    });
    done.into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .flatten()
        .collect()
}

/// Opens the zip and reads every entry to its end, which makes the zip crate check each CRC,
/// so a truncated or corrupted download is refused here rather than half-imported.
fn verify_zip(path: &Path) -> std::result::Result<(), String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file))
        .map_err(|e| format!("the download is not a readable zip archive: {e}"))?;
    let mut records = 0usize;
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| format!("zip entry {i} is unreadable: {e}"))?;
        if entry.is_dir() {
            continue;
        }
        let name = entry
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| format!("#{i}"));
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".json") || lower.ends_with(".yaml") || lower.ends_with(".yml") {
            records += 1;
        }
        // Entries above the import's cap are rejected there, one by one; no need to inflate a
        // bomb to its end here.
        std::io::copy(
            &mut (&mut entry).take(MAX_RECORD_BYTES + 1),
            &mut std::io::sink(),
        )
        .map_err(|e| format!("zip entry {name} is corrupt: {e}"))?;
    }
    if records == 0 {
        return Err("the zip archive holds no .json advisory".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::http::{decode_path, looks_like_html, snippet};
    use super::*;

    #[test]
    fn names() {
        assert_eq!(encode_segment("Red Hat"), "Red%20Hat");
        assert_eq!(encode_segment("Debian:12"), "Debian:12");
        assert_eq!(encode_segment("crates.io"), "crates.io");
        assert_eq!(cache_name("Red Hat"), "Red_Hat.zip");
        assert_eq!(
            cache_name("Ubuntu:Pro:18.04:LTS"),
            "Ubuntu_Pro_18.04_LTS.zip"
        );
        assert_eq!(
            decode_path("/tmp/a%20b/Go/all.zip").unwrap(),
            PathBuf::from("/tmp/a b/Go/all.zip")
        );
        assert!(decode_path("/x%2").is_err());
    }

    #[test]
    fn parallel_results_keep_their_order() {
        let items: Vec<u64> = (0..23).collect();
        let out = in_parallel(&items, 4, |&i| {
            // Later items finish first.
            std::thread::sleep(std::time::Duration::from_millis(30 - i));
            i * 10
        });
        assert_eq!(out, items.iter().map(|i| i * 10).collect::<Vec<_>>());
        assert!(in_parallel(&[] as &[u8], 4, |_| 1).is_empty());
    }

    #[test]
    fn html_is_named() {
        assert!(looks_like_html(b"\n<!DOCTYPE html><html>"));
        assert!(!looks_like_html(b"PK\x03\x04"));
        assert_eq!(
            snippet(b"<h1>Error</h1>\n\n oops"),
            ": \"<h1>Error</h1> oops\""
        );
    }
}
