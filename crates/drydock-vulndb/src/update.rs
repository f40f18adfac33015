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
}

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

/// The result of asking for one export.
enum Fetched {
    NotModified,
    New {
        tmp: tempfile::NamedTempFile,
        etag: Option<String>,
        last_modified: Option<String>,
        bytes: u64,
    },
}

/// Downloads the exports in `options` and rebuilds the database in `dir` from them.
///
/// See the module documentation for the guarantees. Errors that concern a source are collected
/// for all sources and returned together as [`Error::Update`].
pub fn update(dir: &Path, options: &UpdateOptions) -> Result<UpdateSummary> {
    let start = Instant::now();
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
    let base = options.base_url.trim().trim_end_matches('/');
    let sources_dir = dir.join(SOURCES_DIR);
    std::fs::create_dir_all(&sources_dir).at(&sources_dir)?;
    // Two updates of one directory would rename cache files under each other.
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
    let mut state = State::load(&sources_dir.join(STATE_FILE));
    let agent = agent(options);

    struct Pending {
        ecosystem: String,
        url: String,
        file: String,
        fetched: Fetched,
        elapsed: Duration,
    }
    let mut pending: Vec<Pending> = Vec::new();
    let mut failures: Vec<SourceFailure> = Vec::new();
    let fetch_one = |eco: &str| {
        let url = format!("{base}/{}/all.zip", encode_segment(eco));
        let file = cache_name(eco);
        // A validator is only worth sending if the file it describes is still there, whole.
        let cached = state.sources.get(&url).filter(|c| {
            c.file == file
                && std::fs::metadata(sources_dir.join(&c.file)).is_ok_and(|m| m.len() == c.bytes)
        });
        let t = Instant::now();
        let fetched = fetch(&agent, &url, eco, cached, &sources_dir, options);
        (url, file, fetched, t.elapsed())
    };
    let fetched = in_parallel(&ecosystems, PARALLEL_DOWNLOADS, |eco| fetch_one(eco));
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

    let database = Database::path_in(dir);
    let fingerprints: Vec<String> = pending
        .iter()
        .filter_map(|p| state.sources.get(&p.url).map(|c| fingerprint(&p.url, c)))
        .collect();
    let all_unchanged = pending
        .iter()
        .all(|p| matches!(p.fetched, Fetched::NotModified));
    let urls: Vec<String> = pending.iter().map(|p| p.url.clone()).collect();
    if all_unchanged && fingerprints == state.built_from && last_import_is(dir, &urls) {
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
        return Ok(UpdateSummary {
            database,
            sources,
            rebuilt: false,
            total,
            bad_examples: Vec::new(),
            elapsed: start.elapsed(),
        });
    }

    // Verify fresh downloads before spending time on an import.
    for p in &pending {
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
    let counts = staged.summary().inputs.clone();
    for (p, c) in pending.iter().zip(&counts) {
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
    let bad_examples: Vec<import::BadRecord> =
        staged.summary().bad.iter().take(20).cloned().collect();

    // Commit: cache files first, then the database, then the state that vouches for both (a
    // crash in between leaves a state whose sizes or validators no longer match, which costs
    // one download, never a wrong 304).
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
    if let Ok(d) = File::open(&sources_dir) {
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
    state = new_state;
    state.save(&sources_dir)?;
    drop(lock);
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

fn agent(options: &UpdateOptions) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        // Statuses are handled here, with the URL and a hint in the message.
        .http_status_as_error(false)
        .user_agent(concat!(
            "drydock/",
            env!("CARGO_PKG_VERSION"),
            " (advisory database update)"
        ))
        .timeout_global(Some(options.timeout))
        .timeout_connect(Some(options.connect_timeout))
        .timeout_per_read(Some(options.read_timeout))
        .build();
    ureq::Agent::new_with_config(config)
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

/// Decodes `%XX` in a `file://` URL path.
fn decode_path(s: &str) -> std::result::Result<PathBuf, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("bad percent-escape in {s:?}"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let text = String::from_utf8(out).map_err(|_| format!("{s:?} is not UTF-8"))?;
    Ok(PathBuf::from(text))
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

/// Asks for one export; every error is a message for [`SourceFailure`].
fn fetch(
    agent: &ureq::Agent,
    url: &str,
    ecosystem: &str,
    cached: Option<&Cached>,
    sources_dir: &Path,
    options: &UpdateOptions,
) -> std::result::Result<Fetched, String> {
    if let Some(rest) = url.strip_prefix("file://") {
        return fetch_file(rest, cached, sources_dir, options);
    }
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err("unsupported URL scheme: use https://, http:// or file://".into());
    }
    let mut req = agent.get(url);
    if let Some(c) = cached {
        if let Some(etag) = &c.etag {
            req = req.header("If-None-Match", etag);
        }
        if let Some(lm) = &c.last_modified {
            req = req.header("If-Modified-Since", lm);
        }
    }
    let mut resp = req.call().map_err(|e| format!("request failed: {e}"))?;
    let status = resp.status();
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    match status.as_u16() {
        200 => {}
        304 if cached.is_some() => return Ok(Fetched::NotModified),
        304 => return Err("304 Not Modified to a request that was not conditional".into()),
        code => {
            let mut head = Vec::new();
            let _ = resp.body_mut().as_reader().take(512).read_to_end(&mut head);
            let hint = if code == 404 {
                format!(
                    " (no export for ecosystem {ecosystem:?} there; names are case-sensitive, \
                     leave it out with --ecosystem)"
                )
            } else {
                String::new()
            };
            return Err(format!(
                "HTTP {code} {}{hint}{}",
                status.canonical_reason().unwrap_or(""),
                snippet(&head)
            ));
        }
    }
    let etag = header("etag");
    let last_modified = header("last-modified");
    let content_type = header("content-type").unwrap_or_default();
    if let Some(len) = header("content-length").and_then(|l| l.trim().parse::<u64>().ok())
        && len > options.max_bytes
    {
        return Err(format!(
            "the export is {len} bytes, above the limit of {} bytes",
            options.max_bytes
        ));
    }
    let reader = resp.body_mut().as_reader();
    let (tmp, bytes) = download(reader, sources_dir, options.max_bytes, &content_type)?;
    Ok(Fetched::New {
        tmp,
        etag,
        last_modified,
        bytes,
    })
}

/// `file://` exports: the file's size and modification time play the part of the `ETag`, so
/// an unchanged mirror is not copied again.
fn fetch_file(
    rest: &str,
    cached: Option<&Cached>,
    sources_dir: &Path,
    options: &UpdateOptions,
) -> std::result::Result<Fetched, String> {
    // `file:///abs/path` or `file://localhost/abs/path`.
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    if !path.starts_with('/') {
        return Err("a file:// URL needs an absolute path (file:///...)".into());
    }
    let path = decode_path(path)?;
    let meta = std::fs::metadata(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => "no such file (no export for this ecosystem there; \
                                         leave it out with --ecosystem)"
            .to_owned(),
        _ => e.to_string(),
    })?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    let etag = format!("\"file-{}-{mtime}\"", meta.len());
    if cached.is_some_and(|c| c.etag.as_deref() == Some(etag.as_str())) {
        return Ok(Fetched::NotModified);
    }
    if meta.len() > options.max_bytes {
        return Err(format!(
            "the export is {} bytes, above the limit of {} bytes",
            meta.len(),
            options.max_bytes
        ));
    }
    let file = File::open(&path).map_err(|e| e.to_string())?;
    let (tmp, bytes) = download(file, sources_dir, options.max_bytes, "")?;
    Ok(Fetched::New {
        tmp,
        etag: Some(etag),
        last_modified: None,
        bytes,
    })
}

/// Streams `reader` into a temporary `.zip` in `dir`, at most `max` bytes, and checks that it
/// starts like a zip (an HTML error page served with status 200 is the usual impostor).
fn download(
    reader: impl Read,
    dir: &Path,
    max: u64,
    content_type: &str,
) -> std::result::Result<(tempfile::NamedTempFile, u64), String> {
    let mut tmp = tempfile::Builder::new()
        .prefix(".download-")
        .suffix(".zip")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot create a temporary file in {}: {e}", dir.display()))?;
    let mut reader = reader.take(max.saturating_add(1));
    let mut head = [0u8; 512];
    let mut got = 0;
    while got < head.len() {
        match reader.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("download failed: {e}")),
        }
    }
    let head = &head[..got];
    if !(head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06")) {
        let what = if content_type.contains("html") || looks_like_html(head) {
            "the server sent an HTML page, not a zip archive"
        } else if head.is_empty() {
            "the server sent an empty body, not a zip archive"
        } else {
            "the body is not a zip archive"
        };
        let ct = if content_type.is_empty() {
            String::new()
        } else {
            format!(" (content-type {content_type})")
        };
        return Err(format!("{what}{ct}{}", snippet(head)));
    }
    tmp.write_all(head)
        .map_err(|e| format!("cannot write {}: {e}", tmp.path().display()))?;
    let rest = std::io::copy(&mut reader, &mut tmp).map_err(|e| format!("download failed: {e}"))?;
    let bytes = head.len() as u64 + rest;
    if bytes > max {
        return Err(format!(
            "the export is larger than the limit of {max} bytes"
        ));
    }
    tmp.as_file()
        .sync_all()
        .map_err(|e| format!("cannot sync {}: {e}", tmp.path().display()))?;
    Ok((tmp, bytes))
}

fn looks_like_html(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head)
        .trim_start()
        .to_ascii_lowercase();
    text.starts_with("<!doctype html") || text.starts_with("<html") || text.starts_with('<')
}

/// The start of a body, on one line, for an error message.
fn snippet(head: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(head)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return String::new();
    }
    let short: String = text.chars().take(120).collect();
    format!(": {short:?}")
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
