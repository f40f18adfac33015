//! The Docker host: `daemon.json` settings (CIS Docker Benchmark section 2) and the ownership
//! and permissions of the daemon's socket and configuration files (section 3). Section numbers
//! follow CIS Docker Benchmark v1.6.0.
//!
//! File metadata comes in as data ([`HostFile`]) so that the caller decides how the host is
//! read (a live system, a `--root` directory, an image) and this crate stays free of I/O.

pub mod daemon;
pub mod perms;
pub mod rules;

use crate::ScanResult;

/// One host file as the caller saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostFile {
    /// Absolute path on the host (`/etc/docker/daemon.json`), without any `--root` prefix.
    pub path: String,
    /// Permission bits (`st_mode & 0o7777`; file-type bits are ignored).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Content, for files whose content is checked (`daemon.json`); empty otherwise.
    pub bytes: Vec<u8>,
}

pub use daemon::scan_daemon_json;

/// The host paths the checks look at (besides everything under `/etc/docker`), for the caller
/// that reads them: runtime sockets and daemon configuration files.
pub fn known_paths() -> impl Iterator<Item = &'static str> {
    perms::SOCKETS.iter().chain(perms::CONFIG_FILES).copied()
}

/// What the host rules look at: the files given together, each `daemon.json` parsed once.
pub struct Host<'a> {
    pub files: &'a [HostFile],
    pub daemons: Vec<daemon::Daemon<'a>>,
}

/// Checks host files: permissions for the known paths, content for `daemon.json`.
pub fn scan(files: &[HostFile]) -> ScanResult {
    let mut result = ScanResult::default();
    let mut daemons = Vec::new();
    for f in files {
        if f.path.ends_with("daemon.json") && !f.bytes.is_empty() {
            match std::str::from_utf8(&f.bytes) {
                Ok(text) => match daemon::Daemon::parse(&f.path, text) {
                    Ok(d) => daemons.push(d),
                    Err(e) => result.errors.push(e),
                },
                Err(_) => result.errors.push(crate::ConfigError::new(
                    &f.path,
                    None,
                    crate::ConfigErrorKind::NotText,
                )),
            }
        }
    }
    rules::run(&Host { files, daemons }, &mut result.findings);
    result
}
