//! The transport of `db update`: an HTTP agent with the update's timeouts, conditional GETs
//! (`If-None-Match`/`If-Modified-Since`), `file://` copies of the bucket layout, and size-capped
//! downloads into temporary files next to the cache. Every error is a message for the
//! [`super::SourceFailure`] of its URL.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::{Cached, UpdateOptions};

/// The result of asking for one export.
pub(super) enum Fetched {
    NotModified,
    New {
        tmp: tempfile::NamedTempFile,
        etag: Option<String>,
        last_modified: Option<String>,
        bytes: u64,
    },
}

pub(super) fn agent(options: &UpdateOptions) -> ureq::Agent {
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

/// Decodes `%XX` in a `file://` URL path.
pub(super) fn decode_path(s: &str) -> std::result::Result<PathBuf, String> {
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

/// Asks for one export; every error is a message for [`SourceFailure`].
pub(super) fn fetch(
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
    let total = header("content-length").and_then(|l| l.trim().parse::<u64>().ok());
    options
        .progress
        .event(ecosystem, super::ProgressEvent::Start { total });
    let reader = Counting {
        inner: resp.body_mut().as_reader(),
        ecosystem,
        progress: &options.progress,
    };
    let (tmp, bytes) = download(reader, sources_dir, options.max_bytes, &content_type)?;
    Ok(Fetched::New {
        tmp,
        etag,
        last_modified,
        bytes,
    })
}

/// A body that reports each read to the progress callback.
struct Counting<'a, R> {
    inner: R,
    ecosystem: &'a str,
    progress: &'a super::Progress,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress
            .event(self.ecosystem, super::ProgressEvent::Bytes(n as u64));
        Ok(n)
    }
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

pub(super) fn looks_like_html(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head)
        .trim_start()
        .to_ascii_lowercase();
    text.starts_with("<!doctype html") || text.starts_with("<html") || text.starts_with('<')
}

/// The start of a body, on one line, for an error message.
pub(super) fn snippet(head: &[u8]) -> String {
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
