//! Output formats. Each format is one module rendering the same [`Report`]; the report owns the
//! JSON schema, which is versioned ([`SCHEMA_VERSION`]) and ordered deterministically.

mod cyclonedx;
mod html;
mod junit;
mod sarif;
mod spdx;
mod summary;

pub use cyclonedx::cyclonedx;
pub use html::html;
pub use junit::junit;
pub use sarif::sarif;
pub use spdx::spdx;
pub use summary::{summary, summary_styled};

use drydock_analyze::{Diagnostic, InstalledPackage, OsInfo, Output, Scan};
use drydock_finding::{Finding, Severity, Suppressed};
use drydock_fs::{Compression, Digest};
use drydock_image::{ContainerConfig, History, Image, SourceKind};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Bumped on any incompatible change to the JSON output.
pub const SCHEMA_VERSION: u32 = 1;

/// One scan of one target, as every format sees it.
#[derive(Serialize)]
pub struct Report<'a> {
    pub schema_version: u32,
    pub drydock_version: &'static str,
    pub target: Target,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageMeta<'a>>,
    pub os: Option<&'a OsInfo>,
    pub layers: Vec<LayerReport<'a>>,
    /// Paths in the final (squashed) image view.
    pub files: usize,
    /// Installed packages of the final image.
    pub packages: &'a [InstalledPackage],
    /// The container runtimes among them (runc, containerd, dockerd, crun, podman, kubelet...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub runtimes: Vec<&'a InstalledPackage>,
    pub analyses: &'a [Output],
    /// Findings at the selected severities, most severe first.
    pub findings: &'a [Finding],
    /// Count per severity of `findings`.
    pub totals: BTreeMap<Severity, usize>,
    pub diagnostics: &'a [Diagnostic],
    /// What the scanners could not check (no advisory database, unsupported distribution...).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub notes: &'a [String],
    /// Findings an ignore entry or VEX statement suppressed, with the reason.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub suppressed: &'a [Suppressed],
}

/// What a report is about: an image, named by the reader that opened it, or files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum TargetKind {
    Image(SourceKind),
    Files(FilesKind),
}

/// Reports on files rather than an image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FilesKind {
    /// Configuration files (Dockerfiles, Kubernetes, Compose) in a directory or file.
    Config,
    /// A Docker host's runtime setup (`drydock host`).
    Host,
}

#[derive(Serialize)]
pub struct Target {
    pub kind: TargetKind,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

#[derive(Serialize)]
pub struct ImageMeta<'a> {
    /// The config digest: what `docker images` calls the image ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<&'a Digest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest_digest: Option<&'a Digest>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub repo_tags: &'a [String],
    pub architecture: &'a str,
    pub os: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<&'a str>,
    /// Borrowed from the image, or a redacted copy ([`Report::redact_metadata`]).
    pub config: Cow<'a, ContainerConfig>,
    pub history: Cow<'a, [History]>,
}

#[derive(Serialize)]
pub struct LayerReport<'a> {
    pub index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<&'a Digest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff_id: Option<&'a Digest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compression: Option<Compression>,
    pub compressed_bytes: u64,
    pub uncompressed_bytes: u64,
    pub entries: u64,
    /// Both digests the image promised were checked against the bytes streamed.
    pub verified: bool,
    /// Results came from the layer cache: the blob was verified by the scan that wrote them.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cached: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Cow<'a, str>>,
}

/// Percent-encodes what a purl component may not hold raw (`:` and `/` may stay, as in
/// `repository_url=host:5000/team/app`).
fn purl_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl<'a> Report<'a> {
    pub fn new(image: &'a Image, scan: &'a Scan, findings: &'a [Finding]) -> Self {
        let layers = scan
            .layers
            .iter()
            .map(|l| {
                let meta = image.layers.get(l.index);
                let promised_digest = meta.and_then(|m| m.digest.as_ref());
                let promised_diff = meta.and_then(|m| m.diff_id.as_ref());
                LayerReport {
                    index: l.index,
                    digest: promised_digest.or(l.stats.digest.as_ref()),
                    diff_id: promised_diff.or(l.stats.diff_id.as_ref()),
                    media_type: meta.and_then(|m| m.media_type.as_deref()),
                    compression: l.stats.compression,
                    compressed_bytes: l.stats.compressed_bytes,
                    uncompressed_bytes: l.stats.uncompressed_bytes,
                    entries: l.stats.entries,
                    verified: l.stats.diff_id.is_some() && promised_diff.is_some(),
                    cached: l.cached,
                    created_by: meta
                        .and_then(|m| m.created_by.as_deref())
                        .map(Cow::Borrowed),
                }
            })
            .collect();
        Report {
            schema_version: SCHEMA_VERSION,
            drydock_version: env!("CARGO_PKG_VERSION"),
            target: Target {
                kind: TargetKind::Image(image.kind),
                path: image.location.display().to_string(),
                reference: image.reference.clone(),
            },
            image: image.config.as_ref().map(|c| ImageMeta {
                id: image.config_digest.as_ref(),
                manifest_digest: image.manifest_digest.as_ref(),
                repo_tags: &image.repo_tags,
                architecture: &c.architecture,
                os: &c.os,
                variant: c.variant.as_deref(),
                created: c.created.as_deref(),
                config: Cow::Borrowed(&c.config),
                history: Cow::Borrowed(&c.history),
            }),
            os: scan.os.as_ref(),
            layers,
            files: scan.tree.len(),
            packages: &scan.packages,
            runtimes: scan
                .packages
                .iter()
                .filter(|p| drydock_analyze::inventory::is_container_runtime(p))
                .collect(),
            analyses: &scan.outputs,
            findings,
            totals: findings.iter().fold(BTreeMap::new(), |mut m, f| {
                *m.entry(f.severity).or_default() += 1;
                m
            }),
            diagnostics: &scan.diagnostics,
            notes: &[],
            suppressed: &[],
        }
    }

    /// A report on files rather than an image (`drydock config`, `drydock host`): findings and
    /// notes only.
    pub fn files(
        kind: FilesKind,
        path: &str,
        findings: &'a [Finding],
        notes: &'a [String],
    ) -> Self {
        Report {
            schema_version: SCHEMA_VERSION,
            drydock_version: env!("CARGO_PKG_VERSION"),
            target: Target {
                kind: TargetKind::Files(kind),
                path: path.to_owned(),
                reference: None,
            },
            image: None,
            os: None,
            layers: Vec::new(),
            files: 0,
            packages: &[],
            runtimes: Vec::new(),
            analyses: &[],
            findings,
            totals: findings.iter().fold(BTreeMap::new(), |mut m, f| {
                *m.entry(f.severity).or_default() += 1;
                m
            }),
            diagnostics: &[],
            notes,
            suppressed: &[],
        }
    }

    /// Adds the scanners' notes on what they could not check.
    /// The digest of the image manifest scanned (after platform selection in an index), as
    /// every format reports it next to the reference.
    pub(crate) fn manifest_digest(&self) -> Option<String> {
        self.image
            .as_ref()
            .and_then(|i| i.manifest_digest)
            .map(|d| d.to_string())
    }

    /// `pkg:oci/NAME@MANIFEST-DIGEST?arch=…&repository_url=REGISTRY/REPO&tag=TAG` (the purl
    /// spec's `oci` type, as Syft writes it) for an image pulled from a registry.
    pub(crate) fn oci_purl(&self) -> Option<String> {
        // A layout's ref name or an archive's tag names no repository a purl could point to.
        if !matches!(self.target.kind, TargetKind::Image(SourceKind::Registry)) {
            return None;
        }
        let reference = self.target.reference.as_deref()?;
        let digest = self.manifest_digest()?;
        let without_digest = reference.split('@').next().unwrap_or(reference);
        // A tag is a `:` after the last `/` (a `:` before it is a registry port).
        let slash = without_digest.rfind('/').map_or(0, |i| i + 1);
        let (repo_url, tag) = match without_digest[slash..].rfind(':') {
            Some(i) => (
                &without_digest[..slash + i],
                Some(&without_digest[slash + i + 1..]),
            ),
            None => (without_digest, None),
        };
        let name = repo_url
            .rsplit('/')
            .next()
            .unwrap_or(repo_url)
            .to_lowercase();
        let mut purl = format!("pkg:oci/{}@{}", purl_escape(&name), purl_escape(&digest));
        let mut sep = '?';
        if let Some(arch) = self.image.as_ref().map(|i| i.architecture)
            && !arch.is_empty()
        {
            purl.push_str(&format!("{sep}arch={}", purl_escape(arch)));
            sep = '&';
        }
        purl.push_str(&format!("{sep}repository_url={}", purl_escape(repo_url)));
        if let Some(tag) = tag {
            purl.push_str(&format!("&tag={}", purl_escape(tag)));
        }
        Some(purl)
    }

    pub fn with_notes(mut self, notes: &'a [String]) -> Self {
        self.notes = notes;
        self
    }

    /// Adds the findings suppression removed, so every format can still account for them.
    pub fn with_suppressed(mut self, suppressed: &'a [Suppressed]) -> Self {
        self.suppressed = suppressed;
        self
    }

    /// Masks secrets in the report's copies of the image metadata (config: Env, Cmd, labels...;
    /// history; each layer's `created_by`), once, before any format sees them: the findings
    /// redact what they quote, and a verbatim copy a few lines above them would undo that.
    /// `redact` maps a metadata string to its redacted form.
    pub fn redact_metadata(mut self, redact: impl Fn(&str) -> String) -> Self {
        let r = |s: &mut String| *s = redact(s);
        if let Some(meta) = &mut self.image {
            let c = meta.config.to_mut();
            for s in c
                .env
                .iter_mut()
                .chain(&mut c.entrypoint)
                .chain(&mut c.cmd)
                .chain(&mut c.on_build)
                .chain(c.user.iter_mut())
                .chain(c.working_dir.iter_mut())
                .chain(c.stop_signal.iter_mut())
                .chain(c.healthcheck.iter_mut().flat_map(|h| h.test.iter_mut()))
            {
                r(s);
            }
            // Keys too: a label named after its value is still the value.
            c.labels = std::mem::take(&mut c.labels)
                .into_iter()
                .map(|(k, v)| (redact(&k), redact(&v)))
                .collect();
            for h in meta.history.to_mut() {
                for s in h
                    .created_by
                    .iter_mut()
                    .chain(h.comment.iter_mut())
                    .chain(h.author.iter_mut())
                {
                    r(s);
                }
            }
        }
        for l in &mut self.layers {
            if let Some(s) = &mut l.created_by {
                *s = Cow::Owned(redact(s));
            }
        }
        self
    }

    /// The versioned JSON document, pretty-printed, with a trailing newline.
    pub fn json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()));
        s.push('\n');
        s
    }
}
