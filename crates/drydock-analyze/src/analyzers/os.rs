//! Operating-system detection: which distribution and release the image is built on.
//!
//! The analyzer records what each release file says, per layer; [`detect`] then picks, in the
//! final image view (through symlinks, inside the root), the most authoritative file present.

use crate::{AnalyzeError, Analyzer, Artifact, FileInput, Scan, Want};
use drydock_fs::{Fate, ImagePath};
use serde::Serialize;

pub struct OsRelease;

/// Release files, most authoritative first. os-release is the modern standard and carries the
/// most; the distro-specific files cover old and minimal images that lack it.
const FILES: &[&str] = &[
    "etc/os-release",
    "usr/lib/os-release",
    "etc/lsb-release",
    "etc/alpine-release",
    "etc/debian_version",
    "etc/redhat-release",
    "etc/centos-release",
    "etc/rocky-release",
    "etc/almalinux-release",
    "etc/oracle-release",
    "etc/fedora-release",
    "etc/system-release",
    "etc/SuSE-release",
];

const WANTS: &[Want] = &[
    Want::Path(FILES[0]),
    Want::Path(FILES[1]),
    Want::Path(FILES[2]),
    Want::Path(FILES[3]),
    Want::Path(FILES[4]),
    Want::Path(FILES[5]),
    Want::Path(FILES[6]),
    Want::Path(FILES[7]),
    Want::Path(FILES[8]),
    Want::Path(FILES[9]),
    Want::Path(FILES[10]),
    Want::Path(FILES[11]),
    Want::Path(FILES[12]),
];

/// What one release file says.
#[derive(Clone, Debug, Default, Serialize, serde::Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct OsHint {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codename: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub id_like: Vec<String>,
}

/// The operating system of the image as a whole.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct OsInfo {
    /// Lower-case distribution id, as os-release spells it (`debian`, `ubuntu`, `alpine`, `rhel`).
    pub family: String,
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codename: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// End of (standard or LTS) support, where known; `eol` compares it with today.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eol_date: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eol: Option<bool>,
    /// The release file this came from.
    pub source: ImagePath,
}

impl Analyzer for OsRelease {
    fn id(&self) -> &'static str {
        "os-release"
    }

    fn version(&self) -> u32 {
        1
    }

    fn wants(&self) -> &'static [Want] {
        WANTS
    }

    fn analyze(&self, file: &FileInput<'_>) -> Result<Option<Artifact>, AnalyzeError> {
        let text = String::from_utf8_lossy(file.content);
        let name = file.path.as_bytes();
        let hint = match name {
            b"etc/os-release" | b"usr/lib/os-release" => parse_os_release(&text),
            b"etc/lsb-release" => parse_lsb_release(&text),
            b"etc/alpine-release" => first_line(&text).map(|v| OsHint {
                id: Some("alpine".into()),
                version: Some(v.into()),
                ..Default::default()
            }),
            b"etc/debian_version" => first_line(&text).map(|v| OsHint {
                id: Some("debian".into()),
                // `12.5` is a release; `bookworm/sid` (testing) is only a codename.
                version: v
                    .starts_with(|c: char| c.is_ascii_digit())
                    .then(|| v.into()),
                codename: (!v.starts_with(|c: char| c.is_ascii_digit())).then(|| v.into()),
                ..Default::default()
            }),
            _ => first_line(&text).and_then(parse_release_line),
        };
        Ok(hint.filter(|h| h.id.is_some()).map(Artifact::Os))
    }
}

fn first_line(text: &str) -> Option<&str> {
    text.lines().map(str::trim).find(|l| !l.is_empty())
}

/// `KEY=value` with shell-style quoting, as os-release(5) defines it.
fn parse_os_release(text: &str) -> Option<OsHint> {
    let mut h = OsHint::default();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = unquote(v.trim());
        if v.is_empty() {
            continue;
        }
        match k.trim() {
            "ID" => h.id = Some(v.to_ascii_lowercase()),
            "VERSION_ID" => h.version = Some(v),
            "VERSION_CODENAME" => h.codename = Some(v),
            "PRETTY_NAME" => h.name = Some(v),
            "NAME" if h.name.is_none() => h.name = Some(v),
            "ID_LIKE" => h.id_like = v.split_whitespace().map(str::to_ascii_lowercase).collect(),
            _ => {}
        }
    }
    Some(h)
}

fn parse_lsb_release(text: &str) -> Option<OsHint> {
    let mut h = OsHint::default();
    for line in text.lines() {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = unquote(v.trim());
        match k.trim() {
            "DISTRIB_ID" => h.id = Some(v.to_ascii_lowercase()),
            "DISTRIB_RELEASE" => h.version = Some(v),
            "DISTRIB_CODENAME" => h.codename = Some(v),
            "DISTRIB_DESCRIPTION" => h.name = Some(v),
            _ => {}
        }
    }
    Some(h)
}

fn unquote(v: &str) -> String {
    let inner = match v.as_bytes() {
        [b'"', .., b'"'] | [b'\'', .., b'\''] if v.len() >= 2 => &v[1..v.len() - 1],
        _ => v,
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `Red Hat Enterprise Linux release 8.6 (Ootpa)`, `CentOS Linux release 7.9.2009 (Core)`, …
fn parse_release_line(line: &str) -> Option<OsHint> {
    let lower = line.to_ascii_lowercase();
    let id = [
        ("red hat enterprise linux", "rhel"),
        ("centos stream", "centos"),
        ("centos", "centos"),
        ("rocky linux", "rocky"),
        ("almalinux", "almalinux"),
        ("oracle linux", "ol"),
        ("fedora", "fedora"),
        ("amazon linux", "amzn"),
        ("suse linux enterprise", "sles"),
        ("opensuse", "opensuse-leap"),
    ]
    .iter()
    .find(|(needle, _)| lower.contains(needle))
    .map(|(_, id)| id.to_string())?;
    let version = line
        .split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))
        .map(str::to_owned);
    let codename = line
        .split_once('(')
        .and_then(|(_, r)| r.split_once(')'))
        .map(|(c, _)| c.trim().to_owned());
    Some(OsHint {
        id: Some(id),
        version,
        codename,
        name: Some(line.trim().to_owned()),
        id_like: Vec::new(),
    })
}

/// Chooses the image's OS from the release files present in the final view.
pub fn detect(scan: &Scan) -> Option<OsInfo> {
    let hints: Vec<(ImagePath, &OsHint)> = FILES
        .iter()
        .filter_map(|f| {
            let resolved = scan.tree.resolve(&ImagePath::new(f), true).ok()?;
            scan.outputs.iter().find_map(|o| match &o.artifact {
                Artifact::Os(h)
                    if o.layer == resolved.node.layer
                        && o.path == resolved.path
                        && o.fate == Fate::Present =>
                {
                    Some((ImagePath::new(f), h))
                }
                _ => None,
            })
        })
        .collect();
    let (source, best) = hints
        .iter()
        .find(|(_, h)| h.id.is_some() && h.version.is_some())
        .or(hints.first())?;
    let family = best.id.clone()?;
    let mut info = OsInfo {
        family,
        version: best.version.clone().unwrap_or_default(),
        codename: best.codename.clone(),
        name: best.name.clone(),
        eol_date: None,
        eol: None,
        source: source.clone(),
    };
    // Fill gaps from the other files of the same distribution (Debian testing has no VERSION_ID
    // in os-release but a codename in debian_version).
    for (_, h) in &hints {
        if h.id.as_deref() != Some(info.family.as_str()) {
            continue;
        }
        if info.version.is_empty() {
            info.version = h.version.clone().unwrap_or_default();
        }
        if info.codename.is_none() {
            info.codename = h.codename.clone();
        }
    }
    info.eol_date = eol_date(&info.family, &info.version);
    let today = drydock_finding::time::today();
    info.eol = info.eol_date.map(|d| d < today.as_str());
    Some(info)
}

/// End-of-support dates (LTS where a distribution has it), from the distributions' own
/// announcements as collected by endoflife.date. Unknown releases get no flag rather than a guess.
fn eol_date(family: &str, version: &str) -> Option<&'static str> {
    let major = version.split('.').next().unwrap_or("");
    let minor2 = version.split('.').take(2).collect::<Vec<_>>().join(".");
    let table: &[(&str, &str)] = match family {
        "debian" => &[
            ("7", "2018-05-31"),
            ("8", "2020-06-30"),
            ("9", "2022-06-30"),
            ("10", "2024-06-30"),
            ("11", "2026-08-31"),
            ("12", "2028-06-30"),
            ("13", "2030-06-30"),
        ],
        "ubuntu" => &[
            ("14.04", "2019-04-25"),
            ("16.04", "2021-04-30"),
            ("18.04", "2023-05-31"),
            ("20.04", "2025-05-31"),
            ("22.04", "2027-06-01"),
            ("23.10", "2024-07-11"),
            ("24.04", "2029-05-31"),
            ("24.10", "2025-07-10"),
            ("25.04", "2026-01-15"),
        ],
        "alpine" => &[
            ("3.14", "2023-05-01"),
            ("3.15", "2023-11-01"),
            ("3.16", "2024-05-23"),
            ("3.17", "2024-11-22"),
            ("3.18", "2025-05-09"),
            ("3.19", "2025-11-01"),
            ("3.20", "2026-04-01"),
            ("3.21", "2026-11-01"),
            ("3.22", "2027-05-01"),
        ],
        "rhel" | "rocky" | "almalinux" | "ol" => &[
            ("7", "2024-06-30"),
            ("8", "2029-05-31"),
            ("9", "2032-05-31"),
        ],
        "centos" => &[
            ("6", "2020-11-30"),
            ("7", "2024-06-30"),
            ("8", "2021-12-31"),
        ],
        "amzn" => &[("2", "2026-06-30"), ("2023", "2029-06-30")],
        _ => &[],
    };
    let key = if matches!(family, "ubuntu" | "alpine") {
        minor2.as_str()
    } else {
        major
    };
    table.iter().find(|(v, _)| *v == key).map(|(_, d)| *d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_release_quoting() {
        let h = parse_os_release(
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n# c\nID_LIKE='rhel fedora'\n",
        )
        .expect("parses");
        assert_eq!(h.id.as_deref(), Some("debian"));
        assert_eq!(h.version.as_deref(), Some("12"));
        assert_eq!(h.codename.as_deref(), Some("bookworm"));
        assert_eq!(h.name.as_deref(), Some("Debian GNU/Linux 12 (bookworm)"));
        assert_eq!(h.id_like, vec!["rhel", "fedora"]);
    }

    #[test]
    fn release_lines() {
        let h = parse_release_line("CentOS Linux release 7.9.2009 (Core)").expect("centos");
        assert_eq!(
            (h.id.as_deref(), h.version.as_deref(), h.codename.as_deref()),
            (Some("centos"), Some("7.9.2009"), Some("Core"))
        );
        let h = parse_release_line("Red Hat Enterprise Linux release 8.6 (Ootpa)").expect("rhel");
        assert_eq!(h.id.as_deref(), Some("rhel"));
        assert!(parse_release_line("Something else 1.0").is_none());
    }

    #[test]
    fn eol_table() {
        assert_eq!(eol_date("debian", "12"), Some("2028-06-30"));
        assert_eq!(eol_date("alpine", "3.19.1"), Some("2025-11-01"));
        assert_eq!(eol_date("ubuntu", "22.04"), Some("2027-06-01"));
        assert_eq!(eol_date("plan9", "4"), None);
    }
}
