//! OSV ecosystem names, their version schemes and their package-name rules.
//!
//! An advisory and an installed package only meet if both sides spell the ecosystem and the
//! package name the same way, so every name that goes into the index or into a lookup passes
//! through [`normalize_name`], and every ecosystem string through [`Ecosystem::parse`].

use std::fmt;

use drydock_version::Scheme;
use serde::{Deserialize, Serialize};

/// The ecosystem families named by the OSV schema (`ecosystems.txt`).
///
/// Names are case-sensitive in OSV; an ecosystem that is not listed here makes a record invalid,
/// because its ranges could never be evaluated and its name would silently never match.
const KNOWN: &[&str] = &[
    "AlmaLinux",
    "Alpaquita",
    "Alpine",
    "Android",
    "Azure Linux",
    "BellSoft Hardened Containers",
    "Bioconductor",
    "Bitnami",
    "Chainguard",
    "CleanStart",
    "ConanCenter",
    "CRAN",
    "crates.io",
    "Debian",
    "Docker Hardened Images",
    "Echo",
    "GHC",
    "GIT",
    "GitHub Actions",
    "Go",
    "Hackage",
    "Hex",
    "Julia",
    "Kubernetes",
    "Linux",
    "Mageia",
    "Maven",
    "MinimOS",
    "npm",
    "NuGet",
    "openEuler",
    "openSUSE",
    "OSS-Fuzz",
    "Packagist",
    "Photon OS",
    "Pub",
    "PyPI",
    "Red Hat",
    "Rocky Linux",
    "RubyGems",
    "SUSE",
    "SwiftURL",
    "Ubuntu",
    "VSCode",
    "Wolfi",
];

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
        if s.is_empty() || !KNOWN.contains(&base) || s.ends_with(':') {
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
    Some(match base {
        "Go" => Scheme::Go,
        // crates.io, Hex, Pub and Bitnami publish SemVer; npm reads versions loosely.
        "crates.io" => Scheme::Semver,
        "npm" | "Hex" | "Pub" | "Bitnami" | "SwiftURL" => Scheme::SemverLoose,
        "PyPI" => Scheme::Pep440,
        "Maven" => Scheme::Maven,
        "RubyGems" => Scheme::Gem,
        "NuGet" => Scheme::NuGet,
        "Debian" | "Ubuntu" => Scheme::Dpkg,
        "Alpine" | "Wolfi" | "Chainguard" | "Alpaquita" | "MinimOS" => Scheme::Apk,
        "Red Hat" | "AlmaLinux" | "Rocky Linux" | "SUSE" | "openSUSE" | "Mageia" | "openEuler"
        | "Photon OS" | "Azure Linux" => Scheme::Rpm,
        _ => return None,
    })
}

/// Canonical package name for the index, by ecosystem family.
///
/// * PyPI: PEP 503 (`Foo.Bar_baz` → `foo-bar-baz`), since pip treats those as one project.
/// * crates.io, NuGet, Packagist and the distributions: lower case, as their registries are
///   case-insensitive (distribution names are lower case by policy anyway).
/// * Go module paths, npm, Maven `group:artifact`, RubyGems: verbatim, as they are
///   case-sensitive identifiers.
pub fn normalize_name(base: &str, name: &str) -> String {
    let name = name.trim();
    match base {
        "PyPI" => pep503(name),
        "crates.io" | "NuGet" | "Packagist" | "Debian" | "Ubuntu" | "Alpine" | "Wolfi"
        | "Chainguard" | "Alpaquita" | "MinimOS" => name.to_ascii_lowercase(),
        _ => name.to_owned(),
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
    }
}
