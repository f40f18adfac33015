//! What is written to and read from the store: plain data, independent of the report types
//! (the binary converts its `Report` into a [`ScanRecord`]).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How a scan's digest was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DigestKind {
    /// The image manifest's digest (registry, archive, layout, engine images).
    Manifest,
    /// The config digest, the image id (sources without a manifest digest).
    Config,
    /// A root filesystem or an SBOM: `sha256:` over the OS and the sorted package list, so the
    /// same content is the same image.
    Inventory,
}

impl DigestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DigestKind::Manifest => "manifest",
            DigestKind::Config => "config",
            DigestKind::Inventory => "inventory",
        }
    }
}

/// The operating system detected in an image.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsRecord {
    /// os-release `ID` (`debian`, `alpine`).
    pub family: String,
    /// os-release `VERSION_ID`.
    pub version: String,
    /// `PRETTY_NAME`, when known (some distributions key advisories on it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerRecord {
    pub index: i64,
    pub digest: Option<String>,
    pub diff_id: Option<String>,
}

/// One package of the inventory, with what re-matching needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageRecord {
    /// `os` or `lang`.
    pub class: String,
    /// `dpkg`, `apk`, `rpm`, or the language package's OSV ecosystem.
    pub ecosystem: String,
    pub name: String,
    pub version: String,
    pub purl: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_version: Option<String>,
    pub layer: i64,
    pub location: String,
    /// Not from the ecosystem's registry (workspace, path, git): never matched.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unpublished: bool,
}

/// Why a finding was suppressed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    /// `file:line` of the ignore entry, or the VEX statement.
    pub by: String,
    pub reason: String,
}

/// One finding as the report shows it (redacted).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingRecord {
    pub id: String,
    /// `vulnerability`, `secret`, `credential`, `misconfiguration`.
    pub kind: String,
    pub severity: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// The package's purl.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub installed_version: Option<String>,
    /// Comma-separated fixed versions, when any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_version: Option<String>,
    pub title: String,
    pub message: String,
    /// `layer N path` where the finding is, when it has a place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
}

/// The advisory database a scan was matched against.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbRecord {
    /// `SCHEMA:IMPORTED_AT` of drydock-vulndb, or `none` without a database.
    pub version: String,
    /// When the data was imported (seconds since the epoch).
    pub built: Option<i64>,
}

/// One scan of one image, as `--store` writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanRecord {
    pub digest: String,
    pub digest_kind: DigestKind,
    /// References and repo tags the image was scanned under.
    pub references: Vec<String>,
    /// `registry`, `docker-archive`, `rootfs`, `sbom`...
    pub target_kind: String,
    /// The path or reference given on the command line.
    pub target_path: String,
    pub config_digest: Option<String>,
    pub os: Option<OsRecord>,
    pub layers: Vec<LayerRecord>,
    pub packages: Vec<PackageRecord>,
    pub findings: Vec<FindingRecord>,
    /// `drydock 0.1.0`.
    pub analyzer: String,
    pub db: DbRecord,
    /// Seconds since the epoch.
    pub scanned_at: i64,
    /// The suppression the scan ran with, as the binary writes it (JSON, opaque to the store):
    /// `store rematch` applies it again to what a newer database finds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<String>,
}

/// `store query images`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImageRow {
    pub digest: String,
    pub digest_kind: String,
    pub references: Vec<String>,
    pub target_path: String,
    pub os: Option<String>,
    pub packages: i64,
    /// Unsuppressed findings.
    pub findings: i64,
    pub critical: i64,
    pub high: i64,
    pub db_version: String,
    pub last_scanned: i64,
}

/// `store query finding ID`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FindingRow {
    pub digest: String,
    pub references: Vec<String>,
    pub finding: FindingRecord,
}

/// `store query package`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PackageRow {
    pub digest: String,
    pub references: Vec<String>,
    pub name: String,
    pub version: String,
    pub purl: String,
    pub ecosystem: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
}

/// What `store rematch` re-evaluates for one image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredInventory {
    pub scan_id: String,
    /// [`ScanRecord::filters`].
    pub filters: Option<String>,
    pub digest: String,
    pub target_path: String,
    pub os: Option<OsRecord>,
    pub packages: Vec<PackageRecord>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RematchSummary {
    pub rematch_id: String,
    pub scans: u64,
    pub new: u64,
    pub resolved: u64,
}

/// One change `store rematch` recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeltaRow {
    pub at: i64,
    /// `new` or `resolved`.
    pub change: String,
    pub finding_id: String,
    pub package: String,
    pub severity: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub installed_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_version: Option<String>,
    pub digest: String,
    pub references: Vec<String>,
    pub db_version: String,
}

/// One image as the server's image page shows it: its latest scan, whole.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImageDetail {
    pub image: ImageRow,
    pub scan_id: String,
    pub analyzer: String,
    pub target_kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_digest: Option<String>,
    pub first_scanned: i64,
    pub matched_at: i64,
    pub layers: Vec<LayerRecord>,
    pub packages: Vec<PackageRecord>,
    /// Every finding of the scan, suppressed ones with their reason, aliases filled in.
    pub findings: Vec<FindingRecord>,
}

/// The fleet at a glance: what the overview page and `GET /api/v1/overview` show.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Overview {
    pub images: u64,
    pub packages: u64,
    /// Images by their worst unsuppressed finding (`CRITICAL` … `LOW`, `UNKNOWN`, `NONE`).
    pub images_by_worst: BTreeMap<String, u64>,
    /// Unsuppressed findings by severity, over the latest scan of every image.
    pub findings_by_severity: BTreeMap<String, u64>,
    /// New and resolved findings per UTC day, from `store rematch` deltas, oldest first.
    pub trend: Vec<TrendDay>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TrendDay {
    /// Seconds since the epoch at the day's UTC midnight.
    pub day: i64,
    pub new: u64,
    pub resolved: u64,
}

/// A server bearer token as listed (never the token, never its hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TokenRow {
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used: Option<i64>,
}
