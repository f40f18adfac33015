//! The advisory database as an OCI artifact (image-spec 1.1): what `drydock db push` publishes
//! and what `drydock db update --from` accepts. No network here: the registry client moves the
//! bytes; this module says what they must look like.
//!
//! The artifact is one manifest with drydock's own types, so a registry lists it for what it
//! is and a puller can refuse anything else before downloading a byte of it:
//! - `artifactType` and the config's `mediaType`: [`CONFIG_MEDIA_TYPE`]; the config is a small
//!   JSON document ([`Config`]: schema version, build time, sources, counts);
//! - one layer of type [`LAYER_MEDIA_TYPE`]: the [`crate::bundle`] file (`db export`);
//! - annotations: [`ANNOTATION_CREATED`], [`ANNOTATION_SCHEMA`], [`ANNOTATION_BUILT`],
//!   [`ANNOTATION_SOURCES`]. The schema annotation is what [`accept`] checks, from the
//!   manifest alone, so an artifact from a newer drydock is refused without fetching its layer.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::store::{DbInfo, SCHEMA_VERSION};

/// `artifactType` of the manifest and `mediaType` of its config: the same value, so a tool
/// that reads only the config's type (pre-1.1 registries and clients) sees the same kind.
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.drydock.vulndb.config.v1+json";
/// The one layer: a zstd-compressed SQLite database, as `db export` writes it.
pub const LAYER_MEDIA_TYPE: &str = "application/vnd.drydock.vulndb.layer.v1.sqlite+zstd";
/// When the artifact was pushed (RFC 3339).
pub const ANNOTATION_CREATED: &str = "org.opencontainers.image.created";
/// The database schema version ([`SCHEMA_VERSION`] of the drydock that pushed it).
pub const ANNOTATION_SCHEMA: &str = "dev.drydock.vulndb.schema";
/// When the database was last imported or updated (RFC 3339): the age of the data.
pub const ANNOTATION_BUILT: &str = "dev.drydock.vulndb.built";
/// Ecosystem families in the database, comma-separated (`Alpine,Debian,Go,npm`).
pub const ANNOTATION_SOURCES: &str = "dev.drydock.vulndb.sources";
/// A layer larger than this is not a database drydock wrote (a full database compresses to a
/// few MiB; [`crate::bundle`] refuses one inflating past 8 GiB): refused before download.
pub const LAYER_MAX: u64 = 2 << 30;

/// The artifact's config blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// Database schema version.
    pub schema: u32,
    /// When the data was last imported (RFC 3339).
    pub built: String,
    /// Ecosystem families, sorted.
    pub sources: Vec<String>,
    /// Advisories stored (withdrawn included).
    pub advisories: u64,
    /// Advisories per ecosystem key, as `db info` counts them.
    pub by_ecosystem: BTreeMap<String, u64>,
}

/// The config blob and manifest annotations describing the database `info` describes.
/// `built` and `created` are RFC 3339 times (the last import, and now).
pub fn describe(info: &DbInfo, built: &str, created: &str) -> (Config, BTreeMap<String, String>) {
    let sources = families(info);
    let config = Config {
        schema: SCHEMA_VERSION,
        built: built.to_owned(),
        sources: sources.clone(),
        advisories: info.advisories,
        by_ecosystem: info.by_ecosystem.clone(),
    };
    let annotations = [
        (ANNOTATION_CREATED, created.to_owned()),
        (
            "org.opencontainers.image.title",
            "drydock advisory database".to_owned(),
        ),
        (ANNOTATION_SCHEMA, SCHEMA_VERSION.to_string()),
        (ANNOTATION_BUILT, built.to_owned()),
        (ANNOTATION_SOURCES, sources.join(",")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    (config, annotations)
}

/// Ecosystem families (`Debian` for `Debian:12`), sorted and distinct.
fn families(info: &DbInfo) -> Vec<String> {
    info.by_ecosystem
        .keys()
        .map(|k| k.split(':').next().unwrap_or(k).to_owned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// What a pulled manifest says about itself, as far as [`accept`] looks.
#[derive(Debug, Clone, Copy)]
pub struct Offer<'a> {
    /// The manifest's own `mediaType`, if it names one.
    pub media_type: Option<&'a str>,
    /// `artifactType`, if any (image-spec 1.1).
    pub artifact_type: Option<&'a str>,
    /// The config descriptor's `mediaType`.
    pub config_media_type: &'a str,
    /// `(mediaType, size)` of each layer, in order.
    pub layers: &'a [(&'a str, u64)],
    /// The manifest's annotations.
    pub annotations: &'a BTreeMap<String, String>,
}

/// Why a manifest is not a database this drydock takes. Every check is on the manifest alone,
/// before anything is downloaded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refusal {
    #[error("not an OCI image manifest (media type {0})")]
    NotManifest(String),
    #[error("not a drydock advisory database (artifact type {0}, expected {CONFIG_MEDIA_TYPE})")]
    NotOurs(String),
    #[error("it does not say its database schema version (annotation {ANNOTATION_SCHEMA})")]
    NoSchema,
    #[error(
        "it holds a database of schema {found}, from a newer drydock; this drydock reads \
         schema {ours}: upgrade drydock, or push the database from a drydock of this version"
    )]
    Newer { found: u32, ours: u32 },
    #[error(
        "it holds a database of schema {found}, from an older drydock; this drydock reads \
         schema {ours}: push it again with this version"
    )]
    Older { found: u32, ours: u32 },
    #[error("expected exactly one layer of type {LAYER_MEDIA_TYPE}, found {0}")]
    Layers(String),
    #[error("its layer is {size} bytes, more than the {max} a database bundle may be")]
    TooLarge { size: u64, max: u64 },
}

/// Checks a manifest's types, schema and layer before its layer is downloaded; returns the
/// index of the layer to fetch (and then to hand to [`crate::bundle::import`], which checks
/// the database itself).
pub fn accept(offer: &Offer<'_>) -> Result<usize, Refusal> {
    const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
    if let Some(mt) = offer.media_type
        && mt != OCI_MANIFEST
    {
        return Err(Refusal::NotManifest(mt.to_owned()));
    }
    // image-spec 1.1: without `artifactType`, the config's media type is the artifact's type;
    // with it, both must be ours (the config is parsed by nobody, but a mismatch means another
    // tool wrote the manifest).
    let kind = offer.artifact_type.unwrap_or(offer.config_media_type);
    if kind != CONFIG_MEDIA_TYPE {
        return Err(Refusal::NotOurs(kind.to_owned()));
    }
    if offer.config_media_type != CONFIG_MEDIA_TYPE {
        return Err(Refusal::NotOurs(format!(
            "{kind} with a config of type {}",
            offer.config_media_type
        )));
    }
    let found = offer
        .annotations
        .get(ANNOTATION_SCHEMA)
        .and_then(|s| s.trim().parse::<u32>().ok())
        .ok_or(Refusal::NoSchema)?;
    let ours = SCHEMA_VERSION;
    if found > ours {
        return Err(Refusal::Newer { found, ours });
    }
    if found < ours {
        return Err(Refusal::Older { found, ours });
    }
    match offer.layers {
        [(mt, size)] if *mt == LAYER_MEDIA_TYPE => {
            if *size > LAYER_MAX {
                return Err(Refusal::TooLarge {
                    size: *size,
                    max: LAYER_MAX,
                });
            }
            Ok(0)
        }
        [] => Err(Refusal::Layers("none".into())),
        layers => Err(Refusal::Layers(
            layers
                .iter()
                .map(|(mt, _)| *mt)
                .collect::<Vec<_>>()
                .join(", "),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> DbInfo {
        DbInfo {
            path: "advisories.db".into(),
            size: 1,
            sources: Vec::new(),
            advisories: 3,
            withdrawn: 0,
            by_ecosystem: [
                ("Debian:11".to_owned(), 1),
                ("Debian:12".to_owned(), 1),
                ("crates.io".to_owned(), 1),
            ]
            .into(),
            newest_modified: None,
            imported_at: None,
        }
    }

    fn ours() -> BTreeMap<String, String> {
        describe(&info(), "2026-01-02T03:04:05Z", "2026-01-03T00:00:00Z").1
    }

    fn offer<'a>(
        annotations: &'a BTreeMap<String, String>,
        layers: &'a [(&'a str, u64)],
    ) -> Offer<'a> {
        Offer {
            media_type: Some("application/vnd.oci.image.manifest.v1+json"),
            artifact_type: Some(CONFIG_MEDIA_TYPE),
            config_media_type: CONFIG_MEDIA_TYPE,
            layers,
            annotations,
        }
    }

    #[test]
    fn describe_names_schema_sources_and_times() {
        let (config, ann) = describe(&info(), "2026-01-02T03:04:05Z", "2026-01-03T00:00:00Z");
        assert_eq!(config.schema, SCHEMA_VERSION);
        assert_eq!(config.sources, ["Debian", "crates.io"]);
        assert_eq!(config.built, "2026-01-02T03:04:05Z");
        assert_eq!(ann[ANNOTATION_SOURCES], "Debian,crates.io");
        assert_eq!(ann[ANNOTATION_SCHEMA], SCHEMA_VERSION.to_string());
        assert_eq!(ann[ANNOTATION_CREATED], "2026-01-03T00:00:00Z");
        assert_eq!(ann[ANNOTATION_BUILT], "2026-01-02T03:04:05Z");
    }

    #[test]
    fn accepts_what_describe_writes() {
        let ann = ours();
        assert_eq!(accept(&offer(&ann, &[(LAYER_MEDIA_TYPE, 10)])), Ok(0));
        // Without artifactType (a pre-1.1 copy), the config's type says what it is.
        let mut o = offer(&ann, &[(LAYER_MEDIA_TYPE, 10)]);
        o.artifact_type = None;
        o.media_type = None;
        assert_eq!(accept(&o), Ok(0));
    }

    #[test]
    fn refuses_other_types_schemas_and_layers() {
        let ann = ours();
        let layer = [(LAYER_MEDIA_TYPE, 10)];
        let mut o = offer(&ann, &layer);
        o.artifact_type = Some("application/vnd.cncf.helm.config.v1+json");
        assert!(matches!(accept(&o), Err(Refusal::NotOurs(_))));
        let mut o = offer(&ann, &layer);
        o.config_media_type = "application/vnd.oci.image.config.v1+json";
        assert!(matches!(accept(&o), Err(Refusal::NotOurs(_))));
        let mut o = offer(&ann, &layer);
        o.media_type = Some("application/vnd.oci.image.index.v1+json");
        assert!(matches!(accept(&o), Err(Refusal::NotManifest(_))));

        let mut newer = ann.clone();
        newer.insert(ANNOTATION_SCHEMA.into(), (SCHEMA_VERSION + 1).to_string());
        let e = accept(&offer(&newer, &layer)).unwrap_err();
        assert_eq!(
            e,
            Refusal::Newer {
                found: SCHEMA_VERSION + 1,
                ours: SCHEMA_VERSION
            }
        );
        let text = e.to_string();
        assert!(
            text.contains(&format!("schema {}", SCHEMA_VERSION + 1))
                && text.contains(&format!("reads schema {SCHEMA_VERSION}")),
            "{text}"
        );
        let mut older = ann.clone();
        older.insert(ANNOTATION_SCHEMA.into(), "0".into());
        assert!(matches!(
            accept(&offer(&older, &layer)),
            Err(Refusal::Older { .. })
        ));
        let mut none = ann.clone();
        none.remove(ANNOTATION_SCHEMA);
        assert_eq!(accept(&offer(&none, &layer)), Err(Refusal::NoSchema));
        none.insert(ANNOTATION_SCHEMA.into(), "one".into());
        assert_eq!(accept(&offer(&none, &layer)), Err(Refusal::NoSchema));

        assert!(matches!(accept(&offer(&ann, &[])), Err(Refusal::Layers(_))));
        assert!(matches!(
            accept(&offer(
                &ann,
                &[(LAYER_MEDIA_TYPE, 1), (LAYER_MEDIA_TYPE, 1)]
            )),
            Err(Refusal::Layers(_))
        ));
        assert!(matches!(
            accept(&offer(
                &ann,
                &[("application/vnd.oci.image.layer.v1.tar+gzip", 1)]
            )),
            Err(Refusal::Layers(_))
        ));
        assert!(matches!(
            accept(&offer(&ann, &[(LAYER_MEDIA_TYPE, LAYER_MAX + 1)])),
            Err(Refusal::TooLarge { .. })
        ));
    }
}
