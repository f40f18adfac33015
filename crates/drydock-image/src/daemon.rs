//! Images in a local container engine: the Docker Engine API, or Podman's Docker-compatible one,
//! over a unix socket. Nothing is written to disk: the inspect document gives the layer order
//! (its diff-ids), and `GET /images/{name}/get` streams a docker-archive whose layer tars are
//! named by their digest; each is walked as it arrives and checked against that digest.
//!
//! The engine is untrusted like any archive: the inspect body is size-capped, every read has a
//! timeout, and a layer that matches no diff-id, a missing `manifest.json` or a stream cut short
//! is an error naming the image.

use crate::error::ImageError;
use crate::{History, Image, ImageConfig, Layer, LayerSource, RootFs, SourceKind};
use drydock_fs::{Digest, EntryVisitor, Expected, LayerError, LayerErrorKind, Limits, StreamStats};
use serde::Deserialize;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The inspect document is metadata: a few MiB is far more than any real image's.
const MAX_INSPECT_BYTES: u64 = 4 << 20;
/// Response head (status line and headers).
const MAX_HEAD_BYTES: usize = 64 << 10;
/// An error body is only quoted in a message.
const MAX_ERROR_BODY: u64 = 64 << 10;

/// Which engine API the socket serves; only the messages and default paths differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EngineKind {
    Docker,
    Podman,
}

/// A container engine's API socket.
#[derive(Clone, Debug)]
pub struct EngineSocket {
    pub kind: EngineKind,
    pub path: PathBuf,
    /// Longest wait for any single read or write on the socket.
    pub timeout: Duration,
}

impl EngineSocket {
    pub fn new(kind: EngineKind, path: impl Into<PathBuf>) -> Self {
        Self {
            kind,
            path: path.into(),
            timeout: Duration::from_secs(60),
        }
    }

    /// Docker: `DOCKER_HOST` (`unix://` only), else `/var/run/docker.sock`.
    /// Podman: `CONTAINER_HOST`, else the rootful socket if present, else the rootless one.
    pub fn from_env(kind: EngineKind) -> Result<Self, ImageError> {
        let var = match kind {
            EngineKind::Docker => "DOCKER_HOST",
            EngineKind::Podman => "CONTAINER_HOST",
        };
        if let Some(host) = std::env::var_os(var).filter(|h| !h.is_empty()) {
            let host = host.to_string_lossy().into_owned();
            let Some(path) = host.strip_prefix("unix://") else {
                return Err(ImageError::invalid(
                    format!("{var}={host}"),
                    "only unix:// engine sockets are supported (a tcp:// engine would stream the image unauthenticated over the network)",
                ));
            };
            return Ok(Self::new(kind, path));
        }
        let path = match kind {
            EngineKind::Docker => PathBuf::from("/var/run/docker.sock"),
            EngineKind::Podman => {
                let rootful = PathBuf::from("/run/podman/podman.sock");
                match std::env::var_os("XDG_RUNTIME_DIR") {
                    Some(dir) if !rootful.exists() => Path::new(&dir).join("podman/podman.sock"),
                    _ => rootful,
                }
            }
        };
        Ok(Self::new(kind, path))
    }

    fn scheme(&self) -> &'static str {
        match self.kind {
            EngineKind::Docker => "docker",
            EngineKind::Podman => "podman",
        }
    }
}

/// What a layer streamed from an engine needs to be fetched again (follow-up reads).
#[derive(Debug)]
pub(crate) struct EngineRef {
    socket: EngineSocket,
    name: String,
    /// Exports from Docker before 25 name a layer `<v1 id>/layer.tar`, which says nothing of
    /// its diff-id; the first walk hashes such a member and records it here, so a later walk
    /// of the same export (link targets) knows it by name.
    legacy: std::sync::Mutex<std::collections::HashMap<String, Digest>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Inspect {
    id: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    #[serde(default)]
    repo_digests: Option<Vec<String>>,
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    os: String,
    #[serde(default)]
    variant: Option<String>,
    #[serde(default)]
    created: Option<String>,
    #[serde(default)]
    author: Option<String>,
    #[serde(default)]
    config: Option<serde_json::Value>,
    #[serde(rename = "RootFS")]
    root_fs: InspectRootFs,
}

/// One line of `GET /images/{name}/history` (Docker and Podman answer alike).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EngineHistory {
    #[serde(default)]
    created: Option<i64>,
    #[serde(default)]
    created_by: Option<String>,
    #[serde(default)]
    size: i64,
    #[serde(default)]
    comment: Option<String>,
}

/// `GET path` as JSON, size-capped.
fn get_json<T: serde::de::DeserializeOwned>(
    socket: &EngineSocket,
    path: &str,
    label: &str,
    what: &'static str,
) -> Result<T, ImageError> {
    let mut body = get(socket, path).map_err(|e| ImageError::invalid(label, e))?;
    let mut raw = Vec::new();
    (&mut body)
        .take(MAX_INSPECT_BYTES + 1)
        .read_to_end(&mut raw)
        .map_err(|e| ImageError::invalid(label, format!("reading {what}: {e}")))?;
    if raw.len() as u64 > MAX_INSPECT_BYTES {
        return Err(ImageError::invalid(
            label,
            format!("{what} over {} MiB; refused", MAX_INSPECT_BYTES >> 20),
        ));
    }
    serde_json::from_slice(&raw).map_err(|e| ImageError::Json {
        file: label.to_owned(),
        what,
        detail: e.to_string(),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InspectRootFs {
    #[serde(default)]
    layers: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ManifestEntry {
    #[serde(default)]
    layers: Vec<String>,
}

/// Image names go into a request line: only the characters a reference may hold.
fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 512
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/:@".contains(&b))
        && !name.split('/').any(|s| s == ".." || s == ".");
    if ok {
        Ok(())
    } else {
        Err(format!("{name:?} is not an image reference"))
    }
}

impl Image {
    /// Inspects `name` in the engine behind `socket`; layers are read later by streaming
    /// the engine's export once (see [`Image::walk_stream`]).
    pub fn open_engine(socket: &EngineSocket, name: &str) -> Result<Self, ImageError> {
        let label = format!("{}://{name}", socket.scheme());
        check_name(name).map_err(|p| ImageError::invalid(&label, p))?;
        let inspect: Inspect = get_json(
            socket,
            &format!("/images/{name}/json"),
            &label,
            "the engine's image inspect",
        )?;
        // The engine's history (newest first) is the image config's, less `empty_layer`: a
        // history line that added no bytes is taken as one that made no layer. When that count
        // disagrees with the layers, the lines still feed the history rules but name no layer.
        // Podman 4.3 answers 500 (a nil dereference) for images whose history lacks times, so
        // a failure here costs the history rules their input, said in a note, not the scan.
        let mut notes = Vec::new();
        let history: Vec<EngineHistory> = get_json(
            socket,
            &format!("/images/{name}/history"),
            &label,
            "the engine's image history",
        )
        .unwrap_or_else(|e| {
            notes.push(format!(
                "image history not available from the engine ({e}); history rules not checked"
            ));
            Vec::new()
        });
        let history: Vec<History> = history
            .into_iter()
            .rev()
            .map(|h| History {
                created: h.created.map(drydock_finding::time::rfc3339),
                created_by: h.created_by.filter(|c| !c.is_empty()),
                author: None,
                comment: h.comment.filter(|c| !c.is_empty()),
                empty_layer: h.size == 0,
            })
            .collect();
        let parse = |s: &str, what: &str| {
            s.parse::<Digest>()
                .map_err(|e| ImageError::invalid(&label, format!("{what} {s:?}: {e}")))
        };
        let config_digest = parse(&inspect.id, "image id")?;
        let diff_ids = inspect
            .root_fs
            .layers
            .iter()
            .map(|d| parse(d, "diff-id"))
            .collect::<Result<Vec<_>, _>>()?;
        // The engine's `Config` has the image config's `config` shape (PascalCase keys).
        let container = match inspect.config {
            Some(v) if !v.is_null() => serde_json::from_value(v).map_err(|e| ImageError::Json {
                file: label.clone(),
                what: "the inspect's Config",
                detail: e.to_string(),
            })?,
            _ => Default::default(),
        };
        let manifest_digest = inspect
            .repo_digests
            .iter()
            .flatten()
            .find_map(|r| r.split_once('@').and_then(|(_, d)| d.parse().ok()));
        let engine = Arc::new(EngineRef {
            socket: socket.clone(),
            name: name.to_owned(),
            legacy: Default::default(),
        });
        let made_layers: Vec<Option<&str>> = history
            .iter()
            .filter(|h| !h.empty_layer)
            .map(|h| h.created_by.as_deref())
            .collect();
        let history_fits = made_layers.len() == diff_ids.len();
        let layers = diff_ids
            .iter()
            .enumerate()
            .map(|(index, d)| Layer {
                index,
                // In a docker-archive the layer tar is uncompressed: its digest is its diff-id.
                digest: None,
                diff_id: Some(d.clone()),
                media_type: None,
                size: None,
                created_by: if history_fits {
                    made_layers[index].map(str::to_owned)
                } else {
                    None
                },
                source: LayerSource::Engine(engine.clone()),
            })
            .collect();
        Ok(Self {
            kind: SourceKind::Engine,
            location: PathBuf::from(&label),
            reference: Some(name.to_owned()),
            repo_tags: inspect.repo_tags.unwrap_or_default(),
            manifest_digest,
            config_digest: Some(config_digest),
            config: Some(ImageConfig {
                architecture: inspect.architecture,
                os: inspect.os,
                variant: inspect.variant.filter(|v| !v.is_empty()),
                created: inspect.created,
                author: inspect.author.filter(|a| !a.is_empty()),
                config: container,
                rootfs: RootFs {
                    kind: "layers".into(),
                    diff_ids: inspect.root_fs.layers.clone(),
                },
                history,
            }),
            layers,
            notes,
            store: None,
        })
    }

    /// Whether the layers arrive in one sequential stream ([`Image::walk_stream`]) rather than
    /// being readable one by one in any order.
    pub fn is_streamed(&self) -> bool {
        self.layers
            .iter()
            .any(|l| matches!(l.source, LayerSource::Engine(_)))
    }

    /// Streams the engine's export once and calls `each(index, walk)` for every layer in
    /// arrival order; `walk` streams that layer through a visitor, verifying its diff-id.
    /// The index is `None` for a pre-25 Docker layer (`<id>/layer.tar`) not seen before: the
    /// walk hashes it, and it is the layer whose diff-id that is (the first one not yet seen),
    /// which the caller finds the same way from the walk's `StreamStats::diff_id`.
    /// Fails when the archive holds a layer no diff-id names, lacks `manifest.json`, or ends
    /// before every layer came (a layer listed twice is walked once, for its first index).
    pub fn walk_stream(
        &self,
        limits: &Limits,
        progress: &(dyn Fn(u64) + Sync),
        each: &mut EachLayer<'_>,
    ) -> Result<(), LayerError> {
        let Some(LayerSource::Engine(engine)) = self.layers.first().map(|l| &l.source) else {
            return Ok(());
        };
        let label = self.location.display().to_string();
        let err = |m: String| LayerError::new(&label, LayerErrorKind::Analysis(m));
        let body = get(&engine.socket, &format!("/images/{}/get", engine.name)).map_err(err)?;
        let mut seen = vec![false; self.layers.len()];
        let mut manifest = None;
        let mut body = body;
        let corrupt = |e: io::Error| {
            LayerError::new(
                &label,
                LayerErrorKind::Corrupt {
                    what: "image export stream".into(),
                    detail: e.to_string(),
                },
            )
        };
        // The outer archive is read header by header (tar's own `Entry` borrows the archive
        // through a `RefCell`, so it cannot be handed to the `Send` layer walker).
        let mut block = [0u8; 512];
        loop {
            if !read_block(&mut body, &mut block).map_err(corrupt)? {
                break;
            }
            if block.iter().all(|&b| b == 0) {
                break;
            }
            let header = tar::Header::from_byte_slice(&block);
            let size = header.entry_size().map_err(corrupt)?;
            let padded = size.div_ceil(512) * 512;
            let path = String::from_utf8_lossy(&header.path_bytes()).into_owned();
            let regular = header.entry_type() == tar::EntryType::Regular;
            let mut entry = Exact {
                inner: (&mut body).take(size),
                left: size,
            };
            let mut handled = false;
            if regular && path == "manifest.json" {
                let mut raw = Vec::new();
                (&mut entry)
                    .take(MAX_INSPECT_BYTES + 1)
                    .read_to_end(&mut raw)
                    .map_err(corrupt)?;
                let parsed: Vec<ManifestEntry> =
                    serde_json::from_slice(&raw).map_err(|e| err(format!("manifest.json: {e}")))?;
                manifest = Some(parsed);
                handled = true;
            }
            // Podman names layers `<diff-id hex>.tar`, Docker 25+ `blobs/sha256/<hex>`.
            let hex = path
                .strip_suffix(".tar")
                .filter(|h| !h.contains('/'))
                .or_else(|| path.strip_prefix("blobs/sha256/"))
                .filter(|h| h.len() == 64 && regular && !handled);
            let legacy = hex.is_none() && regular && !handled && path.ends_with("/layer.tar");
            let known = legacy
                .then(|| {
                    engine
                        .legacy
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .get(&path)
                        .cloned()
                })
                .flatten();
            if legacy && known.is_none() {
                let mut walk = StreamWalk {
                    name: format!("{label} layer {path}"),
                    reader: Some(Box::new(&mut entry)),
                    expected: Expected {
                        digest: None,
                        diff_id: None,
                    },
                    limits,
                    progress,
                    computed: None,
                };
                each(None, &mut walk)?;
                let Some(computed) = walk.computed.take() else {
                    return Err(err(format!("{path}: the layer was not read")));
                };
                let Some(i) = self
                    .layers
                    .iter()
                    .enumerate()
                    .position(|(i, l)| !seen[i] && l.diff_id.as_ref() == Some(&computed))
                else {
                    return Err(err(format!(
                        "{path}: its content (diff-id {computed}) matches no layer of the image"
                    )));
                };
                seen[i] = true;
                engine
                    .legacy
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(path.clone(), computed);
            }
            let claimed =
                known.or_else(|| hex.and_then(|h| format!("sha256:{h}").parse::<Digest>().ok()));
            if let Some(claimed) = claimed {
                match self
                    .layers
                    .iter()
                    .position(|l| l.diff_id.as_ref() == Some(&claimed))
                {
                    Some(i) if !seen[i] => {
                        seen[i] = true;
                        let mut walk = StreamWalk {
                            name: format!("{label} layer {claimed}"),
                            reader: Some(Box::new(&mut entry)),
                            expected: Expected {
                                digest: None,
                                diff_id: Some(claimed),
                            },
                            limits,
                            progress,
                            computed: None,
                        };
                        each(Some(i), &mut walk)?;
                    }
                    Some(_) => {}
                    None if path.ends_with(".tar") && !legacy => {
                        return Err(err(format!(
                            "{path}: a layer that matches no diff-id of the image"
                        )));
                    }
                    // Docker 25+ exports keep config and manifests in blobs/ too.
                    None => {}
                }
            }
            // Whatever the walker left unread (trailing tar padding, an unwanted member) is
            // drained here so the next header starts on its block.
            io::copy(&mut entry, &mut io::sink()).map_err(corrupt)?;
            io::copy(&mut (&mut body).take(padded - size), &mut io::sink()).map_err(corrupt)?;
        }
        let Some(manifest) = manifest else {
            return Err(err("the export has no manifest.json".into()));
        };
        if let Some(i) = seen.iter().position(|s| !s) {
            return Err(err(format!(
                "the export ended without layer {i} ({})",
                self.layers[i]
                    .diff_id
                    .as_ref()
                    .map(Digest::to_string)
                    .unwrap_or_default()
            )));
        }
        let listed = manifest.first().map_or(0, |m| m.layers.len());
        if manifest.len() != 1 || listed != self.layers.len() {
            return Err(err(format!(
                "manifest.json lists {} image(s) and {listed} layer(s); the engine's inspect has {} layers",
                manifest.len(),
                self.layers.len()
            )));
        }
        Ok(())
    }

    /// Re-fetches the export and walks layer `i` alone (follow-up reads of link targets).
    pub(crate) fn walk_engine_layer(
        &self,
        i: usize,
        limits: &Limits,
        progress: &(dyn Fn(u64) + Sync),
        visitor: &mut dyn EntryVisitor,
    ) -> Result<StreamStats, LayerError> {
        let mut stats = None;
        let want = self.layers.get(i).and_then(|l| l.diff_id.clone());
        self.walk_stream(limits, progress, &mut |j, walk| {
            // A layer listed twice arrives once, under its first index. An unknown pre-25
            // layer (`None`) cannot be the one wanted: the first walk named every layer.
            let Some(j) = j else {
                return Ok(());
            };
            if stats.is_none() && want.is_some() && self.layers[j].diff_id == want {
                stats = Some(walk.walk(visitor)?);
            }
            Ok(())
        })?;
        stats.ok_or_else(|| {
            LayerError::new(
                self.layer_name(i),
                LayerErrorKind::Analysis("not in the engine's export".into()),
            )
        })
    }
}

/// What [`Image::walk_stream`] calls per layer: its index (`None` for a pre-25 Docker layer
/// not yet known) and the walk.
pub type EachLayer<'a> =
    dyn FnMut(Option<usize>, &mut StreamWalk<'_>) -> Result<(), LayerError> + 'a;

/// One layer of an engine's export, walkable once.
pub struct StreamWalk<'a> {
    name: String,
    reader: Option<Box<dyn Read + Send + 'a>>,
    expected: Expected,
    limits: &'a Limits,
    progress: &'a (dyn Fn(u64) + Sync),
    /// The diff-id the walk hashed.
    computed: Option<Digest>,
}

impl StreamWalk<'_> {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn walk(&mut self, visitor: &mut dyn EntryVisitor) -> Result<StreamStats, LayerError> {
        let Some(reader) = self.reader.take() else {
            return Err(LayerError::new(
                &self.name,
                LayerErrorKind::Analysis("layer stream already read".into()),
            ));
        };
        let stats = drydock_fs::walk_blob(
            &self.name,
            reader,
            &self.expected,
            self.limits,
            self.progress,
            visitor,
        )?;
        self.computed = stats.diff_id.clone();
        Ok(stats)
    }
}

/// `GET path` over the socket; the body of a 200 response, or the engine's message.
/// A hand-written HTTP/1.1 GET: the engine API needs one request per connection, a status line,
/// and a `Content-Length` or chunked body. `httparse` parses the head; the rest is ~60 lines,
/// less than adapting an HTTP client's connector to a unix socket.
fn get(socket: &EngineSocket, path: &str) -> Result<Box<dyn Read + Send>, String> {
    let at = socket.path.display();
    let mut stream =
        UnixStream::connect(&socket.path).map_err(|e| format!("cannot connect to {at}: {e}"))?;
    let io_err = |e: io::Error| format!("{at}: {e}");
    stream
        .set_read_timeout(Some(socket.timeout))
        .map_err(io_err)?;
    stream
        .set_write_timeout(Some(socket.timeout))
        .map_err(io_err)?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: drydock\r\nConnection: close\r\n\r\n"
    )
    .map_err(io_err)?;
    let mut reader = BufReader::with_capacity(64 << 10, stream);
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let n = (&mut reader)
            .take((MAX_HEAD_BYTES - head.len()) as u64)
            .read_until(b'\n', &mut head)
            .map_err(io_err)?;
        if n == 0 {
            return Err(format!(
                "{at}: the engine closed the connection before a full response head"
            ));
        }
        if head.len() >= MAX_HEAD_BYTES {
            return Err(format!("{at}: response head over 64 KiB"));
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut resp = httparse::Response::new(&mut headers);
    match resp.parse(&head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => return Err(format!("{at}: incomplete response head")),
        Err(e) => return Err(format!("{at}: not an HTTP response: {e}")),
    }
    let code = resp.code.unwrap_or(0);
    let header = |n: &str| {
        resp.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(n))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_ascii_lowercase())
    };
    let body: Box<dyn Read + Send> =
        if header("transfer-encoding").is_some_and(|t| t.contains("chunked")) {
            Box::new(Chunked::new(reader))
        } else if let Some(len) = header("content-length") {
            let len: u64 = len
                .parse()
                .map_err(|_| format!("{at}: bad Content-Length {len:?}"))?;
            Box::new(Exact {
                inner: reader.take(len),
                left: len,
            })
        } else {
            Box::new(reader)
        };
    if code != 200 {
        let mut msg = Vec::new();
        let _ = body.take(MAX_ERROR_BODY).read_to_end(&mut msg);
        // Engines answer errors with {"message": ...}; quote that, or the raw text.
        let text = serde_json::from_slice::<serde_json::Value>(&msg)
            .ok()
            .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned))
            .unwrap_or_else(|| String::from_utf8_lossy(&msg).trim().to_owned());
        return Err(format!("the engine at {at} answered {code}: {text}"));
    }
    Ok(body)
}

/// A `Content-Length` body: ending early is an error, not a short file.
struct Exact<R> {
    inner: io::Take<R>,
    left: u64,
}

impl<R: Read> Read for Exact<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && self.left > 0 && !buf.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("response body ended {} bytes early", self.left),
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// A chunked body; a stream that ends without the final zero-length chunk is an error.
struct Chunked<R> {
    inner: R,
    left: u64,
    done: bool,
}

impl<R: BufRead> Chunked<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            left: 0,
            done: false,
        }
    }

    fn line(&mut self) -> io::Result<String> {
        let mut line = Vec::new();
        (&mut self.inner).take(4096).read_until(b'\n', &mut line)?;
        if !line.ends_with(b"\n") {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "chunked response cut short",
            ));
        }
        Ok(String::from_utf8_lossy(&line).trim().to_owned())
    }
}

impl<R: BufRead> Read for Chunked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            let line = self.line()?;
            let size = line.split(';').next().unwrap_or("");
            self.left = u64::from_str_radix(size, 16).map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("bad chunk size {size:?}"),
                )
            })?;
            if self.left == 0 {
                // Trailers end with an empty line.
                while !self.line()?.is_empty() {}
                self.done = true;
                return Ok(0);
            }
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "chunked response cut short",
            ));
        }
        self.left -= n as u64;
        if self.left == 0 {
            self.line()?;
        }
        Ok(n)
    }
}

/// Reads one 512-byte tar block; `false` at a clean end of stream.
fn read_block(r: &mut dyn Read, block: &mut [u8; 512]) -> io::Result<bool> {
    let mut got = 0;
    while got < block.len() {
        let n = r.read(&mut block[got..])?;
        if n == 0 {
            if got == 0 {
                return Ok(false);
            }
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "tar header cut short",
            ));
        }
        got += n;
    }
    Ok(true)
}
