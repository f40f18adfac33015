//! OSV ecosystem names, their version schemes and their package-name rules.
//!
//! An advisory and an installed package only meet if both sides spell the ecosystem and the
//! package name the same way, so every name that goes into the index or into a lookup passes
//! through [`normalize_name`], and every ecosystem string through [`Ecosystem::parse`].

use std::fmt;

use drydock_version::Scheme;
use serde::{Deserialize, Serialize};

/// How package names of an ecosystem are compared (see [`normalize_name`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Names {
    /// Case-sensitive identifiers: Go module paths, npm, Maven `group:artifact`, RubyGems.
    Verbatim,
    /// Case-insensitive registries (crates.io, NuGet, Packagist) and distributions (lower case
    /// by policy anyway).
    Lower,
    /// PEP 503: pip treats `Foo.Bar_baz` and `foo-bar-baz` as one project.
    Pep503,
}

/// How the matcher turns a query into the ecosystem keys advisories are filed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keys {
    /// drydock does not look packages up here (no scanner reports them): a query is an error.
    NotQueried,
    /// The bare OSV name (language ecosystems; Wolfi and Chainguard, which have no releases).
    Plain,
    /// `Debian:<major>`, from `12.5` or a codename.
    Debian,
    /// `Ubuntu:<yy.mm>:LTS` and `Ubuntu:<yy.mm>`, then `Ubuntu:Pro:<yy.mm>:LTS` as fallback.
    Ubuntu,
    /// `Alpine:v<major>.<minor>` (or `Alpine:edge`).
    Alpine,
    /// `<name>:<major>` from `9.4` (AlmaLinux, Rocky Linux, Azure Linux).
    Major,
    /// Every stored `Red Hat:enterprise_linux:<major>::<repository>` key: Red Hat files a package
    /// under the repository that ships it (`baseos`, `appstream`, `crb`...), which an installed
    /// rpm does not record, so all of the release's main-stream repositories are consulted.
    RedHat,
    /// Every stored `SUSE:<product> <release>[-<phase>]` key for the release (`15 SP5` from
    /// `15.5`): SUSE files packages under the product or module that ships them (`Linux
    /// Enterprise Module for Basesystem 15 SP5`, `Linux Enterprise Server 15 SP5-LTSS`), none
    /// of which os-release records.
    Suse,
    /// `<name>:<release>` verbatim when a release is given, else the bare name.
    ReleaseVerbatim,
}

/// One ecosystem: everything drydock knows about it, in one row of [`ECOSYSTEMS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EcosystemInfo {
    /// The OSV name (case-sensitive), the family part of keys such as `Debian:12`.
    pub osv: &'static str,
    /// Package-URL type, and for distributions the namespace naming the distribution
    /// (`pkg:deb/debian/...`).
    pub purl: Option<(&'static str, Option<&'static str>)>,
    /// `/etc/os-release` `ID`s whose OS packages are looked up here. Empty: none (a language
    /// ecosystem, or a distribution drydock has no advisory source wired for).
    pub os_release_ids: &'static [&'static str],
    /// The `drydock-version` scheme `ECOSYSTEM` ranges are ordered by; `None` means only
    /// explicit `versions` lists can match.
    pub scheme: Option<Scheme>,
    /// Package-name comparison.
    pub names: Names,
    /// Ecosystem keys for a query.
    pub keys: Keys,
    /// Id prefixes of the ecosystem's own database, preferred as a merged finding's lead id.
    pub native_ids: &'static [&'static str],
    /// Whether `drydock db update` downloads its osv.dev export without being asked: only the
    /// ecosystems a scan looks packages up in (more would grow the database, never matching).
    pub default_download: bool,
    /// Distributions: advisories name the source package (Debian `Source:`, apk origin), so a
    /// binary package is looked up by its source. The rpm distributions name binary packages.
    pub by_source: bool,
}

impl EcosystemInfo {
    /// A distribution (its purls name it in the namespace): its own severity ratings are
    /// preferred over CVSS scores, as its maintainers rate the flaw for their build.
    pub fn is_distribution(&self) -> bool {
        matches!(self.purl, Some((_, Some(_))))
    }
}

const fn row(osv: &'static str) -> EcosystemInfo {
    EcosystemInfo {
        osv,
        purl: None,
        os_release_ids: &[],
        scheme: None,
        names: Names::Verbatim,
        keys: Keys::NotQueried,
        native_ids: &[],
        default_download: false,
        by_source: false,
    }
}

/// Every ecosystem named by the OSV schema (`ecosystems.txt`), one row each: adding a
/// distribution or a language is adding (or filling in) its row here, and nothing else.
///
/// Names are case-sensitive in OSV; an ecosystem that is not listed here makes a record invalid,
/// because its ranges could never be evaluated and its name would silently never match.
///
/// Every distribution whose os-release `ID` is mapped is downloaded by default, so a first scan
/// of any supported image has its advisories; a distribution osv.dev has no data for (Amazon
/// Linux, Oracle Linux, CentOS, Fedora) has no row with IDs, and its packages are reported as
/// not checked, never as clean.
pub const ECOSYSTEMS: &[EcosystemInfo] = &[
    // Looked up by scans and downloaded by default: the language ecosystems drydock-lang
    // reports, then the distributions whose os-release IDs the scanner maps.
    EcosystemInfo {
        purl: Some(("golang", None)),
        scheme: Some(Scheme::Go),
        keys: Keys::Plain,
        native_ids: &["GO-"],
        default_download: true,
        ..row("Go")
    },
    EcosystemInfo {
        purl: Some(("pypi", None)),
        scheme: Some(Scheme::Pep440),
        names: Names::Pep503,
        keys: Keys::Plain,
        native_ids: &["PYSEC-"],
        default_download: true,
        ..row("PyPI")
    },
    EcosystemInfo {
        purl: Some(("npm", None)),
        scheme: Some(Scheme::SemverLoose),
        keys: Keys::Plain,
        default_download: true,
        ..row("npm")
    },
    EcosystemInfo {
        purl: Some(("cargo", None)),
        scheme: Some(Scheme::Semver),
        names: Names::Lower,
        keys: Keys::Plain,
        native_ids: &["RUSTSEC-"],
        default_download: true,
        ..row("crates.io")
    },
    EcosystemInfo {
        purl: Some(("maven", None)),
        scheme: Some(Scheme::Maven),
        keys: Keys::Plain,
        default_download: true,
        ..row("Maven")
    },
    EcosystemInfo {
        purl: Some(("gem", None)),
        scheme: Some(Scheme::Gem),
        keys: Keys::Plain,
        default_download: true,
        ..row("RubyGems")
    },
    EcosystemInfo {
        purl: Some(("nuget", None)),
        scheme: Some(Scheme::NuGet),
        names: Names::Lower,
        keys: Keys::Plain,
        default_download: true,
        ..row("NuGet")
    },
    EcosystemInfo {
        purl: Some(("composer", None)),
        names: Names::Lower,
        keys: Keys::Plain,
        default_download: true,
        ..row("Packagist")
    },
    EcosystemInfo {
        purl: Some(("deb", Some("debian"))),
        os_release_ids: &["debian"],
        scheme: Some(Scheme::Dpkg),
        names: Names::Lower,
        keys: Keys::Debian,
        native_ids: &["DSA-", "DLA-", "DEBIAN-"],
        default_download: true,
        by_source: true,
        ..row("Debian")
    },
    EcosystemInfo {
        purl: Some(("deb", Some("ubuntu"))),
        os_release_ids: &["ubuntu"],
        scheme: Some(Scheme::Dpkg),
        names: Names::Lower,
        keys: Keys::Ubuntu,
        native_ids: &["USN-", "UBUNTU-"],
        default_download: true,
        by_source: true,
        ..row("Ubuntu")
    },
    EcosystemInfo {
        purl: Some(("apk", Some("alpine"))),
        os_release_ids: &["alpine"],
        scheme: Some(Scheme::Apk),
        names: Names::Lower,
        keys: Keys::Alpine,
        native_ids: &["ALPINE-"],
        default_download: true,
        by_source: true,
        ..row("Alpine")
    },
    // Queryable (by purl or OSV name), not downloaded by default.
    EcosystemInfo {
        purl: Some(("hex", None)),
        scheme: Some(Scheme::SemverLoose),
        keys: Keys::Plain,
        ..row("Hex")
    },
    EcosystemInfo {
        purl: Some(("pub", None)),
        scheme: Some(Scheme::SemverLoose),
        keys: Keys::Plain,
        ..row("Pub")
    },
    EcosystemInfo {
        purl: Some(("apk", Some("wolfi"))),
        os_release_ids: &["wolfi"],
        scheme: Some(Scheme::Apk),
        names: Names::Lower,
        keys: Keys::Plain,
        native_ids: &["CGA-"],
        default_download: true,
        by_source: true,
        ..row("Wolfi")
    },
    EcosystemInfo {
        purl: Some(("apk", Some("chainguard"))),
        os_release_ids: &["chainguard"],
        scheme: Some(Scheme::Apk),
        names: Names::Lower,
        keys: Keys::Plain,
        native_ids: &["CGA-"],
        default_download: true,
        by_source: true,
        ..row("Chainguard")
    },
    // The rpm distributions. Package names are case-sensitive (`NetworkManager`), and
    // advisories name binary packages.
    EcosystemInfo {
        purl: Some(("rpm", Some("redhat"))),
        os_release_ids: &["rhel"],
        scheme: Some(Scheme::Rpm),
        keys: Keys::RedHat,
        native_ids: &["RHSA-", "RHBA-", "RHEA-"],
        default_download: true,
        ..row("Red Hat")
    },
    EcosystemInfo {
        purl: Some(("rpm", Some("almalinux"))),
        os_release_ids: &["almalinux"],
        scheme: Some(Scheme::Rpm),
        keys: Keys::Major,
        native_ids: &["ALSA-", "ALBA-", "ALEA-"],
        default_download: true,
        ..row("AlmaLinux")
    },
    EcosystemInfo {
        purl: Some(("rpm", Some("rocky"))),
        os_release_ids: &["rocky"],
        scheme: Some(Scheme::Rpm),
        keys: Keys::Major,
        native_ids: &["RLSA-", "RLBA-", "RLEA-"],
        default_download: true,
        ..row("Rocky Linux")
    },
    EcosystemInfo {
        purl: Some(("rpm", Some("suse"))),
        os_release_ids: &["sles", "sled", "sles_sap", "sle-micro", "sle_hpc"],
        scheme: Some(Scheme::Rpm),
        keys: Keys::Suse,
        native_ids: &["SUSE-SU-", "SUSE-RU-"],
        default_download: true,
        ..row("SUSE")
    },
    EcosystemInfo {
        purl: Some(("rpm", Some("opensuse"))),
        os_release_ids: &[
            "opensuse-leap",
            "opensuse-tumbleweed",
            "opensuse-leap-micro",
            "opensuse-slowroll",
        ],
        scheme: Some(Scheme::Rpm),
        keys: Keys::ReleaseVerbatim,
        native_ids: &["openSUSE-SU-", "openSUSE-RU-"],
        default_download: true,
        ..row("openSUSE")
    },
    EcosystemInfo {
        purl: Some(("rpm", Some("photon"))),
        os_release_ids: &["photon"],
        scheme: Some(Scheme::Rpm),
        keys: Keys::ReleaseVerbatim,
        native_ids: &["PHSA-"],
        default_download: true,
        ..row("Photon OS")
    },
    EcosystemInfo {
        purl: Some(("rpm", Some("azurelinux"))),
        os_release_ids: &["azurelinux", "mariner"],
        scheme: Some(Scheme::Rpm),
        keys: Keys::Major,
        default_download: true,
        ..row("Azure Linux")
    },
    EcosystemInfo {
        purl: Some(("rpm", Some("mageia"))),
        os_release_ids: &["mageia"],
        scheme: Some(Scheme::Rpm),
        keys: Keys::ReleaseVerbatim,
        native_ids: &["MGASA-"],
        default_download: true,
        ..row("Mageia")
    },
    EcosystemInfo {
        purl: Some(("rpm", Some("openeuler"))),
        os_release_ids: &["openeuler"],
        scheme: Some(Scheme::Rpm),
        keys: Keys::ReleaseVerbatim,
        native_ids: &["OESA-"],
        default_download: true,
        ..row("openEuler")
    },
    // Valid in records, never queried.
    EcosystemInfo {
        scheme: Some(Scheme::Apk),
        names: Names::Lower,
        ..row("Alpaquita")
    },
    EcosystemInfo {
        scheme: Some(Scheme::Apk),
        names: Names::Lower,
        ..row("MinimOS")
    },
    EcosystemInfo {
        scheme: Some(Scheme::SemverLoose),
        ..row("Bitnami")
    },
    EcosystemInfo {
        scheme: Some(Scheme::SemverLoose),
        ..row("SwiftURL")
    },
    row("Android"),
    row("BellSoft Hardened Containers"),
    row("Bioconductor"),
    row("CleanStart"),
    row("ConanCenter"),
    row("CRAN"),
    row("Docker Hardened Images"),
    row("Echo"),
    row("GHC"),
    row("GIT"),
    row("GitHub Actions"),
    row("Hackage"),
    row("Julia"),
    row("Kubernetes"),
    row("Linux"),
    row("OSS-Fuzz"),
    row("VSCode"),
];

/// The row of an OSV ecosystem family (exact, case-sensitive name).
pub fn info(base: &str) -> Option<&'static EcosystemInfo> {
    ECOSYSTEMS.iter().find(|e| e.osv == base)
}

/// The ecosystem the OS packages of an os-release `ID` are looked up in; `None` when drydock
/// has no advisory source for that distribution.
pub fn for_os_release(id: &str) -> Option<&'static EcosystemInfo> {
    ECOSYSTEMS.iter().find(|e| e.os_release_ids.contains(&id))
}

/// The ecosystem and release key suffix for an image's os-release `ID`, `VERSION_ID` and
/// `PRETTY_NAME`: `None` when drydock has no advisory source for that distribution. The
/// release is what [`crate::Query::distro`] takes; most distributions use `VERSION_ID` as it
/// is, a few spell their keys differently (openSUSE by edition, openEuler with its LTS/SP
/// suffix, Photon OS with a `.0`).
pub fn os_release_key(
    id: &str,
    version_id: &str,
    pretty_name: Option<&str>,
) -> Option<(&'static EcosystemInfo, String)> {
    let eco = for_os_release(id)?;
    let release = match id {
        "opensuse-tumbleweed" | "opensuse-slowroll" => "Tumbleweed".to_owned(),
        "opensuse-leap" => format!("Leap {version_id}"),
        "opensuse-leap-micro" => format!("Leap Micro {version_id}"),
        // `22.03 (LTS-SP4)` in PRETTY_NAME: advisories are filed under `22.03-LTS-SP4`.
        "openeuler" => match pretty_name
            .and_then(|n| n.split_once('('))
            .and_then(|(_, rest)| rest.split_once(')'))
        {
            Some((suffix, _)) if !suffix.trim().is_empty() => {
                format!("{version_id}-{}", suffix.trim())
            }
            _ => version_id.to_owned(),
        },
        "photon" if !version_id.contains('.') && !version_id.is_empty() => {
            format!("{version_id}.0")
        }
        _ => version_id.to_owned(),
    };
    Some((eco, release))
}

/// The OSV ecosystem family for a Package URL type (and namespace, for `deb`/`apk`/`rpm`,
/// whose namespace names the distribution; compared case-insensitively).
pub fn from_purl(purl_type: &str, namespace: Option<&str>) -> Option<&'static EcosystemInfo> {
    ECOSYSTEMS.iter().find(|e| match e.purl {
        Some((t, None)) => t == purl_type,
        Some((t, Some(ns))) => {
            t == purl_type && namespace.is_some_and(|n| n.eq_ignore_ascii_case(ns))
        }
        None => false,
    })
}

/// The queryable ecosystem a [`crate::Query`] names, by purl type (`golang`, `cargo`...) or OSV
/// name, both case-insensitively.
pub fn queryable(name: &str) -> Option<&'static EcosystemInfo> {
    let lower = name.to_ascii_lowercase();
    from_purl(&lower, None).or_else(|| {
        ECOSYSTEMS
            .iter()
            .find(|e| e.keys != Keys::NotQueried && e.osv.eq_ignore_ascii_case(name))
    })
}

/// The ecosystems `drydock db update` downloads unless told otherwise, in table order.
pub fn default_downloads() -> impl Iterator<Item = &'static str> {
    ECOSYSTEMS
        .iter()
        .filter(|e| e.default_download)
        .map(|e| e.osv)
}

/// A validated OSV ecosystem string such as `Go`, `Debian:12` or `Ubuntu:Pro:18.04:LTS`.
///
/// The full string is the index key (advisories for Debian 11 must not match Debian 12), while
/// [`Ecosystem::base`] picks the version scheme and the name rules.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Ecosystem(String);

/// The ecosystem string is not one of the OSV ecosystems.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown ecosystem {0:?}")]
pub struct UnknownEcosystem(pub String);

impl Ecosystem {
    /// Validates `s` against the OSV list; the `:suffix` (release) is kept verbatim.
    pub fn parse(s: &str) -> Result<Self, UnknownEcosystem> {
        let base = s.split(':').next().unwrap_or_default();
        if s.is_empty() || info(base).is_none() || s.ends_with(':') {
            return Err(UnknownEcosystem(s.to_owned()));
        }
        Ok(Ecosystem(s.to_owned()))
    }

    /// The full string, e.g. `Alpine:v3.19`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The family before the first `:`, e.g. `Alpine`.
    pub fn base(&self) -> &str {
        self.0.split(':').next().unwrap_or_default()
    }

    /// The version scheme that `ECOSYSTEM` ranges of this ecosystem are ordered by, if drydock
    /// implements it; `None` means only explicit `versions` lists can match.
    pub fn scheme(&self) -> Option<Scheme> {
        scheme_for_base(self.base())
    }
}

impl TryFrom<String> for Ecosystem {
    type Error = UnknownEcosystem;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Ecosystem::parse(&s)
    }
}

impl From<Ecosystem> for String {
    fn from(e: Ecosystem) -> String {
        e.0
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Version scheme per ecosystem family (OSV "ECOSYSTEM" range semantics).
pub fn scheme_for_base(base: &str) -> Option<Scheme> {
    info(base)?.scheme
}

/// Canonical package name for the index, by ecosystem family (the row's [`Names`] rule).
pub fn normalize_name(base: &str, name: &str) -> String {
    let name = name.trim();
    match info(base).map(|e| e.names) {
        Some(Names::Pep503) => pep503(name),
        Some(Names::Lower) => name.to_ascii_lowercase(),
        Some(Names::Verbatim) | None => name.to_owned(),
    }
}

/// PEP 503 normalisation: lower case, every run of `-`, `_`, `.` becomes one `-`.
pub fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_sep {
                out.push('-');
            }
            in_sep = true;
        } else {
            out.extend(c.to_lowercase());
            in_sep = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_base() {
        let e = Ecosystem::parse("Ubuntu:Pro:18.04:LTS").expect("known");
        assert_eq!(e.base(), "Ubuntu");
        assert_eq!(e.scheme(), Some(Scheme::Dpkg));
        assert!(Ecosystem::parse("Cobol").is_err());
        assert!(
            Ecosystem::parse("go").is_err(),
            "OSV names are case-sensitive"
        );
        assert!(Ecosystem::parse("").is_err());
        assert!(Ecosystem::parse("Debian:").is_err());
    }

    #[test]
    fn names() {
        assert_eq!(normalize_name("PyPI", "Foo.Bar__baz"), "foo-bar-baz");
        assert_eq!(normalize_name("PyPI", "jinja2"), "jinja2");
        assert_eq!(
            normalize_name("Go", "github.com/BurntSushi/toml"),
            "github.com/BurntSushi/toml"
        );
        assert_eq!(normalize_name("crates.io", "Serde"), "serde");
        assert_eq!(normalize_name("Red Hat", "OpenSSL"), "OpenSSL");
    }

    #[test]
    fn one_row_per_ecosystem() {
        let mut names: Vec<&str> = ECOSYSTEMS.iter().map(|e| e.osv).collect();
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n, "an OSV name has two rows");
        for e in ECOSYSTEMS {
            assert!(
                !e.default_download || e.keys != Keys::NotQueried,
                "{}",
                e.osv
            );
            assert!(
                e.os_release_ids.is_empty() || e.default_download,
                "{}",
                e.osv
            );
        }
    }

    /// The lists the table replaced, as they were: the same ecosystems are downloaded, and
    /// distro packages map from the same os-release IDs and purls.
    #[test]
    fn former_lists() {
        let defaults: Vec<&str> = default_downloads().collect();
        assert_eq!(
            defaults,
            [
                "Go",
                "PyPI",
                "npm",
                "crates.io",
                "Maven",
                "RubyGems",
                "NuGet",
                "Packagist",
                "Debian",
                "Ubuntu",
                "Alpine",
                "Wolfi",
                "Chainguard",
                "Red Hat",
                "AlmaLinux",
                "Rocky Linux",
                "SUSE",
                "openSUSE",
                "Photon OS",
                "Azure Linux",
                "Mageia",
                "openEuler",
            ]
        );
        let os = |id| for_os_release(id).map(|e| e.osv);
        assert_eq!(
            (os("debian"), os("ubuntu"), os("alpine"), os("rhel")),
            (
                Some("Debian"),
                Some("Ubuntu"),
                Some("Alpine"),
                Some("Red Hat")
            )
        );
        // No OSV source: said per image, never matched against another distribution's data.
        for none in ["amzn", "ol", "centos", "fedora", "arch"] {
            assert_eq!(os(none), None, "{none}");
        }
        // Every mapped distribution is downloaded by default.
        for e in ECOSYSTEMS.iter().filter(|e| !e.os_release_ids.is_empty()) {
            assert!(e.default_download, "{}", e.osv);
        }
        let purl = |t, ns| from_purl(t, ns).map(|e| e.osv);
        assert_eq!(purl("cargo", None), Some("crates.io"));
        assert_eq!(purl("golang", Some("github.com/x")), Some("Go"));
        assert_eq!(purl("apk", Some("Wolfi")), Some("Wolfi"));
        assert_eq!(purl("deb", None), None);
        assert_eq!(purl("rpm", Some("redhat")), Some("Red Hat"));
        assert_eq!(purl("rpm", Some("fedora")), None);
        assert_eq!(queryable("CARGO").map(|e| e.osv), Some("crates.io"));
        assert_eq!(queryable("red hat").map(|e| e.osv), Some("Red Hat"));
        assert_eq!(
            queryable("Android"),
            None,
            "valid in records, never queried"
        );
        assert_eq!(ECOSYSTEMS.len(), 45);
    }

    /// os-release as the distributions' own images write it.
    #[test]
    fn os_release_keys() {
        let key = |id, v, n| os_release_key(id, v, n).map(|(e, r)| format!("{}:{r}", e.osv));
        assert_eq!(
            key("almalinux", "9.4", None).as_deref(),
            Some("AlmaLinux:9.4")
        );
        assert_eq!(
            key("opensuse-leap", "15.6", Some("openSUSE Leap 15.6")).as_deref(),
            Some("openSUSE:Leap 15.6")
        );
        assert_eq!(
            key("opensuse-tumbleweed", "20240801", None).as_deref(),
            Some("openSUSE:Tumbleweed")
        );
        assert_eq!(
            key("openeuler", "22.03", Some("openEuler 22.03 (LTS-SP4)")).as_deref(),
            Some("openEuler:22.03-LTS-SP4")
        );
        assert_eq!(
            key("openeuler", "24.03", Some("openEuler 24.03 (LTS)")).as_deref(),
            Some("openEuler:24.03-LTS")
        );
        assert_eq!(key("photon", "5.0", None).as_deref(), Some("Photon OS:5.0"));
        assert_eq!(key("photon", "4", None).as_deref(), Some("Photon OS:4.0"));
        assert_eq!(key("mageia", "9", None).as_deref(), Some("Mageia:9"));
        assert_eq!(key("amzn", "2023", None), None);
    }
}
