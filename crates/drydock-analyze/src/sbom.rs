//! An inventory read from an SBOM instead of an image: CycloneDX (1.4-1.6) and SPDX (2.2/2.3)
//! JSON as drydock, Syft and Trivy write them. The packages come out as an image scan's would,
//! so the same matcher judges them.
//!
//! OS packages need their distribution and, for Debian, Ubuntu and Alpine, their source
//! package. Both are read wherever the producer put them: the OS component or the purl's
//! `distro` qualifier; a `*:SrcName`/`source_name` property, Syft's `upstream` qualifier or
//! Trivy's SPDX `sourceInfo`. A package whose distribution cannot be known is said so by the
//! matcher, per package; third-party SBOMs that drop it are a known cause of missed OS CVEs.

use std::str::FromStr;

use serde_json::Value;

use crate::analyzers::os::OsInfo;
use crate::inventory::{InstalledPackage, PackageClass};

/// SBOMs larger than this are not read: real ones of even large images are tens of MiB.
pub const MAX_SBOM_BYTES: usize = 512 << 20;
/// Components or packages read at most.
const MAX_PACKAGES: usize = 2_000_000;

#[derive(Debug, thiserror::Error)]
pub enum SbomError {
    #[error("{path}: not JSON: {reason}")]
    Json { path: String, reason: String },
    #[error("{path}: neither CycloneDX (bomFormat) nor SPDX (spdxVersion) JSON")]
    Unknown { path: String },
    #[error("{path}: {what} {version} is not supported (CycloneDX 1.4-1.6, SPDX 2.2/2.3)")]
    Version {
        path: String,
        what: &'static str,
        version: String,
    },
    #[error("{path}: larger than {max} bytes")]
    TooLarge { path: String, max: usize },
}

/// What an SBOM says is installed.
#[derive(Debug, Default)]
pub struct SbomInventory {
    /// `CycloneDX 1.6`, `SPDX-2.3`.
    pub format: String,
    pub os: Option<OsInfo>,
    pub packages: Vec<InstalledPackage>,
    /// Entries that were not read (no purl, a purl type drydock does not match), counted.
    pub notes: Vec<String>,
}

/// Reads a CycloneDX or SPDX JSON document.
pub fn read(path: &str, bytes: &[u8]) -> Result<SbomInventory, SbomError> {
    if bytes.len() > MAX_SBOM_BYTES {
        return Err(SbomError::TooLarge {
            path: path.to_owned(),
            max: MAX_SBOM_BYTES,
        });
    }
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| SbomError::Json {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    let entries = if doc.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
        let version = doc.get("specVersion").and_then(Value::as_str).unwrap_or("");
        if !matches!(version, "1.4" | "1.5" | "1.6") {
            return Err(SbomError::Version {
                path: path.to_owned(),
                what: "CycloneDX",
                version: version.to_owned(),
            });
        }
        cyclonedx(&doc, format!("CycloneDX {version}"))
    } else if let Some(version) = doc.get("spdxVersion").and_then(Value::as_str) {
        if !matches!(version, "SPDX-2.2" | "SPDX-2.3") {
            return Err(SbomError::Version {
                path: path.to_owned(),
                what: "SPDX",
                version: version.to_owned(),
            });
        }
        spdx(&doc, version.to_owned())
    } else {
        return Err(SbomError::Unknown {
            path: path.to_owned(),
        });
    };
    Ok(entries.into_inventory(path))
}

/// One component or package, before purl decoding.
struct Entry {
    purl: Option<String>,
    source: Option<(String, Option<String>)>,
}

#[derive(Default)]
struct Entries {
    format: String,
    /// The OS component: (os-release id or name, version).
    os: Option<(String, String)>,
    entries: Vec<Entry>,
    without_purl: usize,
}

fn prop<'a>(props: &'a [Value], names: &[&str]) -> Option<&'a str> {
    props.iter().find_map(|p| {
        let name = p.get("name")?.as_str()?;
        names
            .contains(&name)
            .then(|| p.get("value")?.as_str())
            .flatten()
    })
}

fn cyclonedx(doc: &Value, format: String) -> Entries {
    let mut out = Entries {
        format,
        ..Entries::default()
    };
    // Components nest (`components` of components); walked with a stack, not recursion.
    let mut stack: Vec<&Value> = doc
        .get("components")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    while let Some(c) = stack.pop() {
        if out.entries.len() >= MAX_PACKAGES {
            break;
        }
        if let Some(children) = c.get("components").and_then(Value::as_array) {
            stack.extend(children);
        }
        let kind = c.get("type").and_then(Value::as_str).unwrap_or("");
        if kind == "operating-system" {
            let name = c.get("name").and_then(Value::as_str).unwrap_or("");
            let version = c.get("version").and_then(Value::as_str).unwrap_or("");
            if !name.is_empty() && out.os.is_none() {
                out.os = Some((name.to_ascii_lowercase(), version.to_owned()));
            }
            continue;
        }
        if kind == "container" {
            continue;
        }
        let props: &[Value] = c
            .get("properties")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice);
        let src = prop(
            props,
            &["drydock:package:source_name", "aquasecurity:trivy:SrcName"],
        );
        let src_version = prop(
            props,
            &[
                "drydock:package:source_version",
                "aquasecurity:trivy:SrcVersion",
            ],
        );
        let purl = c.get("purl").and_then(Value::as_str).map(str::to_owned);
        if purl.is_none() {
            out.without_purl += 1;
            continue;
        }
        out.entries.push(Entry {
            purl,
            source: src.map(|s| (s.to_owned(), src_version.map(str::to_owned))),
        });
    }
    out
}

fn spdx(doc: &Value, format: String) -> Entries {
    let mut out = Entries {
        format,
        ..Entries::default()
    };
    for p in doc
        .get("packages")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .take(MAX_PACKAGES)
    {
        let purpose = p
            .get("primaryPackagePurpose")
            .and_then(Value::as_str)
            .unwrap_or("");
        if matches!(purpose, "OPERATING_SYSTEM" | "OPERATING-SYSTEM") {
            let name = p.get("name").and_then(Value::as_str).unwrap_or("");
            let version = p.get("versionInfo").and_then(Value::as_str).unwrap_or("");
            if !name.is_empty() && out.os.is_none() {
                out.os = Some((name.to_ascii_lowercase(), version.to_owned()));
            }
            continue;
        }
        if purpose == "CONTAINER" {
            continue;
        }
        let purl = p
            .get("externalRefs")
            .and_then(Value::as_array)
            .and_then(|refs| {
                refs.iter().find_map(|r| {
                    (r.get("referenceType")?.as_str()? == "purl")
                        .then(|| r.get("referenceLocator")?.as_str())
                        .flatten()
                })
            })
            .map(str::to_owned);
        if purl.is_none() {
            out.without_purl += 1;
            continue;
        }
        // Trivy (and drydock): `built package from: glibc 2.36-9+deb12u4`.
        let source = p
            .get("sourceInfo")
            .and_then(Value::as_str)
            .and_then(|s| s.strip_prefix("built package from: "))
            .and_then(|rest| {
                let mut it = rest.split_whitespace();
                let name = it.next()?.to_owned();
                let version = it.next().map(|v| v.trim_end_matches([',', ';']).to_owned());
                Some((name, version))
            });
        out.entries.push(Entry { purl, source });
    }
    out
}

/// The os-release `ID` a purl namespace or OS component name stands for.
fn os_id(name: &str) -> String {
    match name {
        "redhat" | "red hat enterprise linux" => "rhel".into(),
        "suse" | "sles" => "sles".into(),
        "opensuse" => "opensuse-leap".into(),
        "rocky-linux" | "rocky" => "rocky".into(),
        "amazon" => "amzn".into(),
        "oracle" => "ol".into(),
        other => other.into(),
    }
}

/// The OSV ecosystem of a language purl type, and the package name as its advisories spell it.
fn language(p: &packageurl::PackageUrl<'_>) -> Option<(&'static str, String)> {
    let ns = p.namespace().filter(|n| !n.is_empty());
    let joined = |sep: &str| match ns {
        Some(ns) => format!("{ns}{sep}{}", p.name()),
        None => p.name().to_owned(),
    };
    Some(match p.ty() {
        "golang" => ("Go", joined("/")),
        "pypi" => ("PyPI", p.name().to_owned()),
        "npm" => ("npm", joined("/")),
        "cargo" => ("crates.io", p.name().to_owned()),
        "maven" => ("Maven", joined(":")),
        "gem" => ("RubyGems", p.name().to_owned()),
        "nuget" => ("NuGet", p.name().to_owned()),
        "composer" => ("Packagist", joined("/")),
        "hex" => ("Hex", p.name().to_owned()),
        "pub" => ("Pub", p.name().to_owned()),
        _ => return None,
    })
}

impl Entries {
    fn into_inventory(self, path: &str) -> SbomInventory {
        let mut inv = SbomInventory {
            format: self.format,
            ..SbomInventory::default()
        };
        let mut distro_from_purl: Option<(String, String)> = None;
        let mut unknown: std::collections::BTreeMap<String, usize> = Default::default();
        let mut bad = 0usize;
        for e in self.entries {
            let Some(text) = e.purl else { continue };
            let Ok(p) = packageurl::PackageUrl::from_str(&text) else {
                bad += 1;
                continue;
            };
            let qualifier = |k: &str| {
                p.qualifiers()
                    .iter()
                    .find(|(q, _)| q.as_ref() == k)
                    .map(|(_, v)| v.to_string())
            };
            let version = p.version().unwrap_or("").to_owned();
            let (class, ecosystem, name, version) = match p.ty() {
                t @ ("deb" | "apk" | "rpm") => {
                    if distro_from_purl.is_none()
                        && let Some(ns) = p.namespace()
                    {
                        let d = qualifier("distro").unwrap_or_default();
                        // `debian-12`, `redhat-9.4`, `alpine-3.19.1` (Syft) or `3.19.1` (Trivy).
                        let v = d.strip_prefix(&format!("{ns}-")).unwrap_or(&d).to_owned();
                        distro_from_purl = Some((os_id(ns), v));
                    }
                    let version = match (t, qualifier("epoch")) {
                        ("rpm", Some(epoch)) if epoch != "0" && !version.contains(':') => {
                            format!("{epoch}:{version}")
                        }
                        _ => version,
                    };
                    let eco = match t {
                        "deb" => "dpkg",
                        "apk" => "apk",
                        _ => "rpm",
                    };
                    (
                        PackageClass::Os,
                        eco.to_owned(),
                        p.name().to_owned(),
                        version,
                    )
                }
                _ => match language(&p) {
                    Some((eco, name)) => (PackageClass::Lang, eco.to_owned(), name, version),
                    None => {
                        *unknown.entry(p.ty().to_owned()).or_default() += 1;
                        continue;
                    }
                },
            };
            // Syft's deb purls: `upstream=glibc` or `upstream=glibc@2.36-9`.
            let upstream = qualifier("upstream").map(|u| match u.split_once('@') {
                Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
                None => (u, None),
            });
            let (source_name, source_version) = match e.source.or(upstream) {
                Some((n, v)) => (Some(n), v),
                None => (None, None),
            };
            inv.packages.push(InstalledPackage {
                class,
                ecosystem,
                name,
                version,
                purl: text,
                arch: qualifier("arch"),
                source_name,
                source_version,
                licenses: Vec::new(),
                dev: false,
                location: path.to_owned(),
                dependencies: Vec::new(),
                layer: 0,
                unpublished: false,
            });
        }
        let os = self.os.or(distro_from_purl);
        inv.os = os
            .filter(|(id, _)| !id.is_empty())
            .map(|(id, version)| OsInfo {
                family: os_id(&id),
                version,
                codename: None,
                name: None,
                eol_date: None,
                eol: None,
                source: drydock_fs::ImagePath::new(path.trim_start_matches('/')),
            });
        if self.without_purl > 0 {
            inv.notes.push(format!(
                "{} SBOM entries without a package URL were not checked",
                self.without_purl
            ));
        }
        if bad > 0 {
            inv.notes.push(format!(
                "{bad} SBOM entries with an invalid package URL were not checked"
            ));
        }
        for (ty, n) in unknown {
            inv.notes.push(format!(
                "{n} pkg:{ty} packages were not checked: no advisory source for that type"
            ));
        }
        inv
    }
}
