//! Parsers that turn the bytes of OS package databases into [`Package`]s with Package URLs.
//!
//! Every parser here is pure: it never opens a file. The scanning engine owns the image
//! layers (whiteouts, symlinks, size limits), so it is the one that reads a database file
//! and hands the bytes over; that keeps the parsers trivially testable against fixtures and
//! lets the engine decide what is too big to read.
//!
//! The [`CATALOGERS`] registry tells the engine which paths each ecosystem wants and which
//! function parses them: one ecosystem is one module under [`os`] plus one line in the
//! registry.
//!
//! Parsers treat their input as hostile. A malformed database yields a [`CatalogError`] that
//! names the problem; a single bad record inside an otherwise sound database is skipped and
//! reported as a [`Diagnostic`], so one corrupt stanza does not hide every other package.
//! Nothing panics on input, and no allocation is sized by a count read from the input
//! without first checking that the input is big enough to hold it.

mod bytes;
pub mod os;

use drydock_fs::strip_root;
use serde::Serialize;

pub use os::{apk, dpkg, rpm};

/// The package ecosystems this crate understands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Ecosystem {
    /// Debian, Ubuntu and derivatives (`/var/lib/dpkg`).
    Dpkg,
    /// Alpine, Wolfi and other apk-tools systems (`/lib/apk/db/installed`).
    Apk,
    /// Red Hat, SUSE, Fedora, Mariner and other rpm systems (SQLite, BDB and NDB databases).
    Rpm,
}

impl Ecosystem {
    /// Stable lower-case name, the same string the JSON form uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::Dpkg => "dpkg",
            Ecosystem::Apk => "apk",
            Ecosystem::Rpm => "rpm",
        }
    }
}

impl std::fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An installed OS package.
///
/// Versions are kept exactly as the package manager writes them, because that string is
/// what the distribution's security data is keyed and compared on; splitting it is the
/// version-comparison crate's job, not ours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Package {
    /// Which package manager recorded this package.
    pub ecosystem: Ecosystem,
    /// Binary package name.
    pub name: String,
    /// Full version: dpkg `[epoch:]upstream[-revision]` as written in `Version:`, apk
    /// `V:` as written, rpm `[epoch:]version-release` (epoch shown only when non-zero,
    /// which is how rpm's own `%{EVR}` users and security trackers spell it).
    pub version: String,
    /// Epoch when the database records one (dpkg `N:` prefix, rpm `EPOCH` tag), including
    /// an explicit 0; `None` when absent. apk has no epochs.
    pub epoch: Option<u32>,
    /// Architecture as the package manager names it (`amd64`, `all`, `x86_64`, `noarch`).
    pub arch: Option<String>,
    /// Source package the binary was built from. Security advisories for Debian and
    /// Alpine are filed against source packages, so matchers need this more than `name`.
    /// dpkg and apk fill it with the binary name when the record names no source, as
    /// dpkg itself does; rpm leaves it `None` without a `SOURCERPM` tag.
    pub source_name: Option<String>,
    /// Version of the source package: dpkg's `Source: name (version)` for binNMUs,
    /// otherwise `version`; rpm's from `SOURCERPM` with the binary's epoch; `None` when
    /// unknown or unparseable (reported as a diagnostic).
    pub source_version: Option<String>,
    /// Declared licence text, verbatim (apk `L:`, rpm `LICENSE`). Kept as one string
    /// because splitting an expression like `MIT AND (GPL-2.0 OR BSD)` loses its meaning;
    /// dpkg has no licence field, so it is `None` there.
    pub license: Option<String>,
    /// Maintainer or packager as recorded (dpkg `Maintainer`, apk `m:`, rpm `PACKAGER`).
    pub maintainer: Option<String>,
    /// Package URL, e.g. `pkg:deb/debian/openssl@3.0.15-1~deb12u1?arch=amd64&distro=debian-12`.
    pub purl: String,
    /// Path of the database file (inside the image) the package was read from, so a
    /// report can say where the evidence is.
    pub db_path: String,
    /// Files the package installed, where the database records them in the same record (rpm);
    /// used to tell OS-owned binaries from separately installed ones. Not serialized.
    #[serde(skip_serializing, default)]
    pub files: Vec<String>,
}

/// The distribution the database belongs to, as detected by the caller (os-release).
///
/// The parsers cannot tell Debian from Ubuntu or RHEL from Rocky by the package database
/// alone, and the purl needs the vendor, so the engine passes what it detected.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Distro {
    /// Used verbatim (lower-cased) as the purl namespace: `debian`, `ubuntu`, `alpine`,
    /// `redhat`, `opensuse`... Pass the vendor name the vulnerability data expects. An
    /// empty id leaves the purl without a namespace.
    pub id: String,
    /// os-release `VERSION_ID` (`12`, `3.20.0`, `8.10`); `None` omits the `distro`
    /// qualifier, e.g. for Debian sid which has no version.
    pub version_id: Option<String>,
}

impl Distro {
    /// Convenience constructor.
    pub fn new(id: impl Into<String>, version_id: Option<&str>) -> Self {
        Distro {
            id: id.into(),
            version_id: version_id.map(str::to_owned),
        }
    }

    /// `id-version_id` (`debian-12`), the `distro` qualifier form deb and rpm purls use.
    pub(crate) fn qualified(&self) -> Option<String> {
        let version = self.version_id.as_deref().filter(|v| !v.is_empty())?;
        if self.id.is_empty() {
            Some(version.to_owned())
        } else {
            Some(format!("{}-{}", self.id.to_ascii_lowercase(), version))
        }
    }
}

/// A problem with one record that was skipped while the rest of the database was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Database path inside the image.
    pub path: String,
    /// What was wrong and where (line, slot, page...), in words.
    pub message: String,
}

/// Why a whole database could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    /// The bytes are not in any format this parser knows (wrong magic, unknown version).
    #[error("{path}: not a recognised {format} database: {detail}")]
    Unrecognized {
        /// Database path inside the image.
        path: String,
        /// Format that was expected (`rpm`, `Berkeley DB hash`, ...).
        format: &'static str,
        /// What did not match.
        detail: String,
    },
    /// The format is recognised but its structure is broken or truncated.
    #[error("{path}: corrupt {format} database: {detail}")]
    Corrupt {
        /// Database path inside the image.
        path: String,
        /// Format being read (`rpm SQLite`, `rpm NDB`, ...).
        format: &'static str,
        /// The structural problem, with offsets where they help.
        detail: String,
    },
    /// SQLite refused the database or the query.
    #[error("{path}: SQLite error: {source}")]
    Sqlite {
        /// Database path inside the image.
        path: String,
        /// The underlying SQLite error.
        #[source]
        source: rusqlite::Error,
    },
}

/// A database file handed to a parser: its bytes and where it lives in the image.
#[derive(Debug, Clone, Copy)]
pub struct DbFile<'a> {
    /// Path inside the image; parsers use it in messages and dpkg uses it to tell a
    /// `status` file from a distroless `status.d/` entry.
    pub path: &'a str,
    /// The whole file.
    pub data: &'a [u8],
    /// Side files the cataloger asked for in [`Cataloger::companions`] that exist in the
    /// image (e.g. `rpmdb.sqlite-wal`); absent ones are simply not listed.
    pub companions: &'a [Companion<'a>],
}

impl<'a> DbFile<'a> {
    /// A database file with no companions.
    pub fn new(path: &'a str, data: &'a [u8]) -> Self {
        DbFile {
            path,
            data,
            companions: &[],
        }
    }

    /// Attach companion files (see [`Cataloger::companions`]).
    pub fn with_companions(mut self, companions: &'a [Companion<'a>]) -> Self {
        self.companions = companions;
        self
    }

    /// Bytes of the companion whose path is this file's path plus `suffix`.
    pub fn companion(&self, suffix: &str) -> Option<&'a [u8]> {
        self.companions
            .iter()
            .find(|c| {
                c.path.len() == self.path.len() + suffix.len()
                    && c.path.starts_with(self.path)
                    && c.path.ends_with(suffix)
            })
            .map(|c| c.data)
    }
}

/// A side file read together with a database, such as SQLite's write-ahead log.
#[derive(Debug, Clone, Copy)]
pub struct Companion<'a> {
    /// Path inside the image (the database path plus the companion suffix).
    pub path: &'a str,
    /// The whole file.
    pub data: &'a [u8],
}

/// Which image paths a cataloger wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathPattern {
    /// Exactly this file (absolute image path).
    File(&'static str),
    /// Every file directly inside `dir`, except names ending in one of `except_suffixes`.
    /// Distroless images keep one dpkg stanza file per package in `status.d/`, next to
    /// `.md5sums` files that are not package records.
    FilesIn {
        /// Directory, absolute image path without trailing slash.
        dir: &'static str,
        /// File-name suffixes to leave out.
        except_suffixes: &'static [&'static str],
    },
}

impl PathPattern {
    /// Whether `path` (absolute or relative to the image root; `./` and `/` prefixes are
    /// ignored) is one this pattern selects.
    pub fn matches(&self, path: &str) -> bool {
        let path = strip_root(path);
        match self {
            PathPattern::File(file) => path == strip_root(file),
            PathPattern::FilesIn {
                dir,
                except_suffixes,
            } => {
                let Some(name) = path
                    .strip_prefix(strip_root(dir))
                    .and_then(|rest| rest.strip_prefix('/'))
                else {
                    return false;
                };
                !name.is_empty()
                    && !name.contains('/')
                    && !except_suffixes.iter().any(|s| name.ends_with(s))
            }
        }
    }
}

/// Signature every ecosystem parser has. Diagnostics for skipped records are appended to
/// the vector rather than returned, so callers can pool them across files.
pub type ParseFn =
    fn(&DbFile<'_>, &Distro, &mut Vec<Diagnostic>) -> Result<Vec<Package>, CatalogError>;

/// One ecosystem's entry in the registry.
#[derive(Debug, Clone, Copy)]
pub struct Cataloger {
    /// The ecosystem this entry parses.
    pub ecosystem: Ecosystem,
    /// Database files to hand to [`Cataloger::parse`].
    pub paths: &'static [PathPattern],
    /// Suffixes of side files to read with each matched database when they exist
    /// (path + suffix), passed as [`DbFile::companions`].
    pub companions: &'static [&'static str],
    /// The parser.
    pub parse: ParseFn,
}

impl Cataloger {
    /// Whether this cataloger wants the file at `path`.
    pub fn wants(&self, path: &str) -> bool {
        self.paths.iter().any(|p| p.matches(path))
    }
}

/// Every cataloger, one line per ecosystem.
pub static CATALOGERS: &[Cataloger] = &[dpkg::CATALOGER, apk::CATALOGER, rpm::CATALOGER];

/// The cataloger that wants `path`, if any.
pub fn cataloger_for(path: &str) -> Option<&'static Cataloger> {
    CATALOGERS.iter().find(|c| c.wants(path))
}

/// At most this many diagnostics are kept per file; a garbage file could otherwise turn
/// every line into a message and flood the report.
const MAX_DIAGNOSTICS_PER_FILE: usize = 50;

/// Per-file diagnostic sink that caps the count and adds one summary line on drop.
pub(crate) struct Diags<'a> {
    out: &'a mut Vec<Diagnostic>,
    path: &'a str,
    dropped: usize,
    kept: usize,
}

impl<'a> Diags<'a> {
    pub(crate) fn new(out: &'a mut Vec<Diagnostic>, path: &'a str) -> Self {
        Diags {
            out,
            path,
            dropped: 0,
            kept: 0,
        }
    }

    pub(crate) fn push(&mut self, message: impl Into<String>) {
        if self.kept < MAX_DIAGNOSTICS_PER_FILE {
            self.kept += 1;
            self.out.push(Diagnostic {
                path: self.path.to_owned(),
                message: message.into(),
            });
        } else {
            self.dropped += 1;
        }
    }
}

impl Drop for Diags<'_> {
    fn drop(&mut self) {
        if self.dropped > 0 {
            self.out.push(Diagnostic {
                path: self.path.to_owned(),
                message: format!("{} further problems not listed", self.dropped),
            });
        }
    }
}

impl Package {
    /// The purl for this package once the distribution is known.
    ///
    /// Databases are parsed while layers stream, before the final view says which OS the image
    /// is; the engine parses with an empty [`Distro`] and calls this once the OS is detected.
    pub fn purl_for(&self, distro: &Distro) -> Result<String, String> {
        let arch = self.arch.as_deref();
        match self.ecosystem {
            Ecosystem::Dpkg => build_purl(
                "deb",
                &distro.id,
                &self.name,
                &self.version,
                &[("arch", arch), ("distro", distro.qualified().as_deref())],
            ),
            Ecosystem::Apk => build_purl(
                "apk",
                &distro.id,
                &self.name,
                &self.version,
                &[("arch", arch), ("distro", distro.version_id.as_deref())],
            ),
            Ecosystem::Rpm => {
                // rpm purls carry the epoch as a qualifier, not in the version.
                let vr = match self.epoch {
                    Some(e) if e > 0 => self
                        .version
                        .split_once(':')
                        .map_or(self.version.as_str(), |(_, vr)| vr),
                    _ => &self.version,
                };
                let epoch = self.epoch.filter(|e| *e != 0).map(|e| e.to_string());
                build_purl(
                    "rpm",
                    &distro.id,
                    &self.name,
                    vr,
                    &[
                        ("arch", arch),
                        ("epoch", epoch.as_deref()),
                        ("distro", distro.qualified().as_deref()),
                    ],
                )
            }
        }
    }
}

/// Builds a purl, turning the (practically impossible, since names are checked non-empty
/// first) builder error into a message for a diagnostic.
pub(crate) fn build_purl(
    ty: &str,
    namespace: &str,
    name: &str,
    version: &str,
    qualifiers: &[(&'static str, Option<&str>)],
) -> Result<String, String> {
    let err = |e: packageurl::Error| format!("cannot build package URL: {e}");
    let mut purl = packageurl::PackageUrl::new(ty, name).map_err(err)?;
    if !namespace.is_empty() {
        purl.with_namespace(namespace).map_err(err)?;
    }
    if !version.is_empty() {
        purl.with_version(version).map_err(err)?;
    }
    for (key, value) in qualifiers {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            purl.add_qualifier(*key, value).map_err(err)?;
        }
    }
    Ok(purl.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_routes_paths() {
        let eco = |p: &str| cataloger_for(p).map(|c| c.ecosystem);
        assert_eq!(eco("/var/lib/dpkg/status"), Some(Ecosystem::Dpkg));
        assert_eq!(eco("var/lib/dpkg/status"), Some(Ecosystem::Dpkg));
        assert_eq!(eco("./var/lib/dpkg/status.d/tzdata"), Some(Ecosystem::Dpkg));
        assert_eq!(eco("/var/lib/dpkg/status.d/tzdata.md5sums"), None);
        assert_eq!(eco("/var/lib/dpkg/status.d/sub/x"), None);
        assert_eq!(eco("/var/lib/dpkg/status.d/"), None);
        assert_eq!(eco("/var/lib/dpkg/status-old"), None);
        assert_eq!(eco("/lib/apk/db/installed"), Some(Ecosystem::Apk));
        assert_eq!(eco("/var/lib/rpm/Packages"), Some(Ecosystem::Rpm));
        assert_eq!(eco("/var/lib/rpm/Packages.db"), Some(Ecosystem::Rpm));
        assert_eq!(
            eco("/usr/lib/sysimage/rpm/rpmdb.sqlite"),
            Some(Ecosystem::Rpm)
        );
        assert_eq!(eco("/usr/lib/sysimage/rpm/rpmdb.sqlite-wal"), None);
        assert_eq!(eco("/etc/os-release"), None);
    }

    #[test]
    fn companion_lookup_needs_exact_path() {
        let comps = [
            Companion {
                path: "/var/lib/rpm/rpmdb.sqlite-shm",
                data: b"shm",
            },
            Companion {
                path: "/var/lib/rpm/rpmdb.sqlite-wal",
                data: b"wal",
            },
        ];
        let f = DbFile::new("/var/lib/rpm/rpmdb.sqlite", b"").with_companions(&comps);
        assert_eq!(f.companion("-wal"), Some(&b"wal"[..]));
        let other = DbFile::new("/other/rpmdb.sqlite", b"").with_companions(&comps);
        assert_eq!(other.companion("-wal"), None);
    }

    #[test]
    fn distro_qualifier() {
        assert_eq!(
            Distro::new("Debian", Some("12")).qualified().as_deref(),
            Some("debian-12")
        );
        assert_eq!(Distro::new("debian", None).qualified(), None);
        assert_eq!(
            Distro::new("", Some("3.20")).qualified().as_deref(),
            Some("3.20")
        );
    }
}
