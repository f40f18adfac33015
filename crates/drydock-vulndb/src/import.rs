//! `drydock db import`: files, directories and archives of OSV records (and Alpine secdb) into
//! the store.
//!
//! Archives are read entry by entry from the compressed stream and never extracted, so a
//! 400 MB osv.dev export needs no scratch space. One bad record (invalid JSON, unknown
//! ecosystem, malformed range) is counted and named in the summary and the import goes on: a
//! feed with one typo must still protect against the other thousands of vulnerabilities.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use crate::alpine;
use crate::error::{Error, IoContext, Result};
use crate::model::{Advisory, RawAdvisory};
use crate::store::{Database, Put, Writer};

/// Entries larger than this are refused: no advisory is that big, a decompression bomb is.
pub(crate) const MAX_RECORD_BYTES: u64 = 32 << 20;

/// How an import treats the database already in the directory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Start from an empty database instead of adding to the existing one.
    pub replace: bool,
}

/// A record that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadRecord {
    /// File, or `archive!entry`.
    pub location: String,
    /// The advisory id, when the record got far enough to have one.
    pub id: Option<String>,
    /// The reason.
    pub error: String,
}

/// The result of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// The database file written.
    pub database: PathBuf,
    /// Files and archive entries parsed as records.
    pub files: usize,
    /// Valid advisories read (duplicates included; an Alpine secdb file yields many).
    pub records: usize,
    /// Advisories newly added to the database.
    pub inserted: usize,
    /// Advisories that replaced (or, for Alpine, were merged into) a stored one of the same id.
    pub replaced: usize,
    /// Records not written because a stored record with the same id is newer.
    pub superseded: usize,
    /// Valid records that are withdrawn (stored, never matched).
    pub withdrawn: usize,
    /// Rejected records.
    pub bad: Vec<BadRecord>,
    /// Files that are not advisories (READMEs, indexes, Go vulndb exclusion reports).
    pub skipped: Vec<String>,
    /// Distinct advisories written by this import, per ecosystem key.
    pub by_ecosystem: BTreeMap<String, usize>,
    /// Counts per path (or labelled input) given to the import, in the order given, so that a
    /// caller feeding several feeds at once can tell which one is empty or broken.
    pub inputs: Vec<InputSummary>,
    /// Advisories in the database after the import.
    pub total: u64,
    /// Wall-clock time.
    #[serde(serialize_with = "secs")]
    pub elapsed: Duration,
}

/// What one of the inputs of an import contributed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputSummary {
    /// The path, or the label it was imported under (a URL for `drydock db update`).
    pub source: String,
    /// Files and archive entries parsed as records.
    pub files: usize,
    /// Valid advisories read.
    pub records: usize,
    /// Rejected records.
    pub bad: usize,
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Json,
    Yaml,
    Zip,
    TarGz,
    Tar,
    Other,
}

fn classify(name: &str) -> Kind {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".json") {
        Kind::Json
    } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        Kind::Yaml
    } else if lower.ends_with(".zip") {
        Kind::Zip
    } else if lower.ends_with(".tar.gz") || lower.ends_with(".tgz") {
        Kind::TarGz
    } else if lower.ends_with(".tar") {
        Kind::Tar
    } else {
        Kind::Other
    }
}

/// Imports `paths` into the database in `dir` (created if missing).
///
/// The new database is built in a temporary file in `dir` (a copy of the current one unless
/// `options.replace`), in one transaction, and renamed over the old file at the end; an error
/// leaves the old database untouched. Errors are returned only for problems that make the whole
/// import meaningless (unreadable directory, SQLite failure, a path that does not exist);
/// everything about individual records goes into [`ImportSummary::bad`].
pub fn import<P: AsRef<Path>>(
    dir: &Path,
    paths: &[P],
    options: ImportOptions,
) -> Result<ImportSummary> {
    let inputs: Vec<Input> = paths
        .iter()
        .map(|p| Input::new(p.as_ref().to_owned()))
        .collect();
    stage(dir, &inputs, options)?.commit()
}

/// One input of [`stage`]: a path, and the name it is recorded and reported under.
#[derive(Debug, Clone)]
pub(crate) struct Input {
    pub(crate) path: PathBuf,
    /// Recorded in the database's `imports` table and used as the root of bad-record
    /// locations; a downloaded export is labelled with its URL rather than a temp-file name.
    pub(crate) label: String,
}

impl Input {
    pub(crate) fn new(path: PathBuf) -> Input {
        Input {
            label: path.display().to_string(),
            path,
        }
    }
}

/// A complete new database, written and synced but not yet renamed into place, so that a
/// caller can inspect the summary and decide (`drydock db update` refuses an export that
/// yielded no advisory). Dropping it deletes the file and leaves the old database as it was.
#[derive(Debug)]
pub(crate) struct Staged {
    tmp: tempfile::NamedTempFile,
    dir: PathBuf,
    summary: ImportSummary,
    start: Instant,
}

impl Staged {
    pub(crate) fn summary(&self) -> &ImportSummary {
        &self.summary
    }

    /// Renames the new database over the old one.
    pub(crate) fn commit(self) -> Result<ImportSummary> {
        let Staged {
            tmp,
            dir,
            mut summary,
            start,
        } = self;
        let target = summary.database.clone();
        tmp.persist(&target).map_err(|e| Error::Io {
            path: target.clone(),
            source: e.error,
        })?;
        // Make the rename itself durable; failure to sync a directory is not worth failing for.
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        summary.elapsed = start.elapsed();
        Ok(summary)
    }
}

/// Builds the new database from `inputs` next to the current one; see [`import`].
pub(crate) fn stage(dir: &Path, inputs: &[Input], options: ImportOptions) -> Result<Staged> {
    let start = Instant::now();
    std::fs::create_dir_all(dir).at(dir)?;
    let target = Database::path_in(dir);
    let tmp = tempfile::Builder::new()
        .prefix(".advisories-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .at(dir)?;
    if !options.replace && target.is_file() {
        std::fs::copy(&target, tmp.path()).at(&target)?;
    }
    let sources: Vec<String> = inputs.iter().map(|i| i.label.clone()).collect();
    for i in inputs {
        if !i.path.exists() {
            return Err(Error::Io {
                path: i.path.clone(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
            });
        }
    }

    let writer = Writer::begin(tmp.path(), &sources)?;
    let mut imp = Importer {
        writer,
        summary: ImportSummary {
            database: target.clone(),
            files: 0,
            records: 0,
            inserted: 0,
            replaced: 0,
            superseded: 0,
            withdrawn: 0,
            bad: Vec::new(),
            skipped: Vec::new(),
            by_ecosystem: BTreeMap::new(),
            inputs: Vec::new(),
            total: 0,
            elapsed: Duration::ZERO,
        },
        secdb: BTreeMap::new(),
    };
    for i in inputs {
        let (files, records, bad) = (
            imp.summary.files,
            imp.summary.records,
            imp.summary.bad.len(),
        );
        imp.path(&i.path, &i.label)?;
        imp.summary.inputs.push(InputSummary {
            source: i.label.clone(),
            files: imp.summary.files - files,
            records: imp.summary.records - records,
            bad: imp.summary.bad.len() - bad,
        });
    }
    let Importer {
        mut writer,
        mut summary,
        secdb,
    } = imp;
    for adv in secdb.into_values() {
        match writer.put(adv, true)? {
            Put::Inserted => summary.inserted += 1,
            Put::Replaced => summary.replaced += 1,
            Put::Superseded => summary.superseded += 1,
        }
    }
    summary.by_ecosystem = writer.counts_this_import()?;
    summary.total = writer.finish(summary.records, summary.bad.len())?;
    // tempfile creates 0600; the database holds public data and may live in a shared cache.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))
            .at(tmp.path())?;
    }
    tmp.as_file().sync_all().at(tmp.path())?;
    summary.elapsed = start.elapsed();
    Ok(Staged {
        tmp,
        dir: dir.to_owned(),
        summary,
        start,
    })
}

struct Importer {
    writer: Writer,
    summary: ImportSummary,
    /// Converted secdb advisories, merged across files in memory and written once at the end:
    /// one CVE appears in every release file, and merging through SQLite each time is slow.
    secdb: BTreeMap<String, Advisory>,
}

impl Importer {
    /// Reads `path`, naming it (and, for archives, its entries) `location` in the summary.
    fn path(&mut self, path: &Path, location: &str) -> Result<()> {
        let meta = std::fs::metadata(path).at(path)?;
        if meta.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
                .at(path)?
                .map(|e| e.map(|e| e.path()))
                .collect::<std::io::Result<_>>()
                .at(path)?;
            entries.sort();
            for e in entries {
                let name = e.file_name().unwrap_or_default().to_string_lossy();
                let child = format!("{}/{name}", location.trim_end_matches('/'));
                self.path(&e, &child)?;
            }
            return Ok(());
        }
        // The kind comes from the real file name: a label may be a URL or a name without one.
        match classify(&path.display().to_string()) {
            Kind::Other => self.summary.skipped.push(location.to_owned()),
            kind @ (Kind::Json | Kind::Yaml) => match read_capped(File::open(path), path) {
                Ok(bytes) => self.record(location, &bytes, kind)?,
                Err(e) => self.bad(location, None, e.to_string()),
            },
            Kind::Zip => self.zip(path, location)?,
            Kind::TarGz => match File::open(path) {
                Ok(f) => self.tar(
                    flate2::read::MultiGzDecoder::new(BufReader::with_capacity(1 << 16, f)),
                    location,
                )?,
                Err(e) => self.bad(location, None, e.to_string()),
            },
            Kind::Tar => match File::open(path) {
                Ok(f) => self.tar(BufReader::with_capacity(1 << 16, f), location)?,
                Err(e) => self.bad(location, None, e.to_string()),
            },
        }
        Ok(())
    }

    fn bad(&mut self, location: &str, id: Option<String>, error: String) {
        self.summary.bad.push(BadRecord {
            location: location.to_owned(),
            id,
            error,
        });
    }

    /// Streams a tar archive. A corrupt archive is one bad record for the entries that could
    /// not be read; the entries before the damage are kept.
    fn tar<R: Read>(&mut self, reader: R, archive: &str) -> Result<()> {
        let mut tar = tar::Archive::new(reader);
        let entries = match tar.entries() {
            Ok(e) => e,
            Err(e) => {
                self.bad(archive, None, format!("unreadable archive: {e}"));
                return Ok(());
            }
        };
        for entry in entries {
            let mut entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    self.bad(archive, None, format!("archive is corrupt, stopped: {e}"));
                    return Ok(());
                }
            };
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let name = match entry.path() {
                Ok(p) => p.display().to_string(),
                Err(e) => {
                    self.bad(archive, None, format!("entry with unreadable name: {e}"));
                    continue;
                }
            };
            let location = format!("{archive}!{name}");
            let kind = classify(&name);
            if !matches!(kind, Kind::Json | Kind::Yaml) {
                self.summary.skipped.push(location);
                continue;
            }
            if entry.size() > MAX_RECORD_BYTES {
                self.bad(
                    &location,
                    None,
                    format!("entry of {} bytes is too large", entry.size()),
                );
                continue;
            }
            let mut bytes = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
            if let Err(e) = entry.read_to_end(&mut bytes) {
                self.bad(&location, None, format!("archive is corrupt, stopped: {e}"));
                return Ok(());
            }
            self.record(&location, &bytes, kind)?;
        }
        Ok(())
    }

    fn zip(&mut self, path: &Path, archive: &str) -> Result<()> {
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) => {
                self.bad(archive, None, e.to_string());
                return Ok(());
            }
        };
        let mut zip = match zip::ZipArchive::new(BufReader::new(file)) {
            Ok(z) => z,
            Err(e) => {
                self.bad(archive, None, format!("unreadable zip: {e}"));
                return Ok(());
            }
        };
        for i in 0..zip.len() {
            let mut entry = match zip.by_index(i) {
                Ok(e) => e,
                Err(e) => {
                    self.bad(archive, None, format!("zip entry {i}: {e}"));
                    continue;
                }
            };
            if entry.is_dir() {
                continue;
            }
            let name = match entry.name() {
                Ok(n) => n.into_owned(),
                Err(e) => {
                    self.bad(
                        archive,
                        None,
                        format!("zip entry {i} has an unreadable name: {e}"),
                    );
                    continue;
                }
            };
            let location = format!("{archive}!{name}");
            let kind = classify(&name);
            if !matches!(kind, Kind::Json | Kind::Yaml) {
                self.summary.skipped.push(location);
                continue;
            }
            let mut bytes = Vec::new();
            match (&mut entry)
                .take(MAX_RECORD_BYTES + 1)
                .read_to_end(&mut bytes)
            {
                Ok(n) if n as u64 > MAX_RECORD_BYTES => {
                    self.bad(&location, None, "entry is too large".into());
                }
                Ok(_) => {
                    drop(entry);
                    self.record(&location, &bytes, kind)?;
                }
                Err(e) => self.bad(&location, None, format!("zip entry: {e}")),
            }
        }
        Ok(())
    }

    /// Parses one file's bytes. Only SQLite failures propagate.
    fn record(&mut self, location: &str, bytes: &[u8], kind: Kind) -> Result<()> {
        self.summary.files += 1;
        let doc: Value = match kind {
            Kind::Yaml => {
                let parsed = std::str::from_utf8(bytes)
                    .map_err(|e| Error::Parse(format!("not UTF-8: {e}")))
                    .and_then(crate::yaml::to_json);
                match parsed {
                    Ok(v) => v,
                    Err(e) => {
                        self.bad(location, None, e.to_string());
                        return Ok(());
                    }
                }
            }
            _ => match serde_json::from_slice(bytes) {
                Ok(v) => v,
                Err(e) => {
                    self.bad(location, None, format!("invalid JSON: {e}"));
                    return Ok(());
                }
            },
        };
        if alpine::is_secdb(&doc) {
            return self.secdb(location, &doc);
        }
        // Go vulndb's `excluded` reports list ids deliberately *not* published as advisories.
        if doc.get("excluded").is_some() && doc.get("modified").is_none() {
            self.summary.skipped.push(location.to_owned());
            return Ok(());
        }
        match doc {
            Value::Array(items) => {
                for (i, item) in items.into_iter().enumerate() {
                    self.osv(&format!("{location}[{i}]"), item)?;
                }
                Ok(())
            }
            other => self.osv(location, other),
        }
    }

    fn osv(&mut self, location: &str, doc: Value) -> Result<()> {
        let id = doc.get("id").and_then(Value::as_str).map(str::to_owned);
        let raw: RawAdvisory = match serde_json::from_value(doc) {
            Ok(r) => r,
            Err(e) => {
                self.bad(location, id, format!("not an OSV record: {e}"));
                return Ok(());
            }
        };
        match Advisory::try_from(raw) {
            Ok(adv) => self.store(adv),
            Err(e) => {
                self.bad(location, id, e.to_string());
                Ok(())
            }
        }
    }

    fn secdb(&mut self, location: &str, doc: &Value) -> Result<()> {
        match alpine::convert(doc) {
            Ok((advisories, bad)) => {
                for b in bad {
                    self.bad(location, None, format!("secfix {}: {}", b.what, b.reason));
                }
                for adv in advisories {
                    self.summary.records += 1;
                    match self.secdb.get_mut(&adv.id) {
                        Some(existing) => alpine::merge(existing, adv),
                        None => {
                            self.secdb.insert(adv.id.clone(), adv);
                        }
                    }
                }
            }
            Err(e) => self.bad(location, None, e.to_string()),
        }
        Ok(())
    }

    fn store(&mut self, adv: Advisory) -> Result<()> {
        self.summary.records += 1;
        if adv.is_withdrawn() {
            self.summary.withdrawn += 1;
        }
        match self.writer.put(adv, false)? {
            Put::Inserted => self.summary.inserted += 1,
            Put::Replaced => self.summary.replaced += 1,
            Put::Superseded => self.summary.superseded += 1,
        }
        Ok(())
    }
}

fn read_capped(file: std::io::Result<File>, path: &Path) -> Result<Vec<u8>> {
    let file = file.at(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_RECORD_BYTES + 1)
        .read_to_end(&mut bytes)
        .at(path)?;
    if bytes.len() as u64 > MAX_RECORD_BYTES {
        return Err(Error::Parse(format!(
            "{}: larger than {MAX_RECORD_BYTES} bytes",
            path.display()
        )));
    }
    Ok(bytes)
}
