//! Version schemes for vulnerability matching.
//!
//! An advisory says "fixed in 1:2.3-4" and an image says "2.3-3"; whether the image is
//! vulnerable depends entirely on the ecosystem's own ordering rules, and those rules disagree
//! with each other in ways that matter (`1.0~rc1` is *before* `1.0` for dpkg, `1.0-1` is a
//! *post*-release for PEP 440 but a *pre*-release for SemVer, ...). A matcher that uses a
//! "close enough" comparison produces both false negatives and false positives, so every module
//! here re-implements the reference algorithm of one ecosystem exactly, and is checked against
//! that ecosystem's own test vectors (see `tests/vectors.rs`).
//!
//! The single entry point is [`Scheme`]: every scheme is registered there, and nowhere else.
//!
//! | scheme | reference | checked against |
//! |---|---|---|
//! | [`dpkg`] | dpkg `parseversion` + `verrevcmp` | upstream vectors; `dpkg --compare-versions` 1.21 |
//! | [`apk`] | apk-tools `src/version.c` (current tokenizer) | upstream `test/version.data` |
//! | [`rpm`] | rpm 4.18 `rpmvercmp` + EVR | upstream vectors; `rpm.vercmp` 4.18 |
//! | [`pep440`] | PyPA `packaging` 25.0 `Version` | upstream vectors; `packaging` 25.0 |
//! | [`semver`] | SemVer 2.0.0; node-semver 7 `loose` | upstream vectors; node `semver` 7.8 |
//! | [`gosemver`] | `golang.org/x/mod/semver` | upstream vectors; x/mod 0.7 |
//! | [`maven`] | Maven 3.8.7 `ComparableVersion` | upstream vectors; Maven 3.8.7 jar |
//! | [`gem`] | RubyGems `Gem::Version` (≥ 3.5) | upstream unit tests; Ruby regex engine |
//! | [`nuget`] | NuGet.Versioning `NuGetVersion` | upstream unit tests |
//!
//! "Upstream vectors" are the `shared/data/versions` tables (`tests/vectors.rs`). The named
//! tools were additionally run side by side with this crate on tens of thousands of generated
//! pairs, malformed and non-ASCII input included, with no disagreement (for strict SemVer only
//! on pairs both accept, as node's strict mode still allows a `v` prefix and surrounding space;
//! for RubyGems the current `canonical_segments` regexes were run in Ruby, since the packaged
//! RubyGems 3.3 predates them).
//!
//! ```
//! use drydock_version::Scheme;
//! use std::cmp::Ordering;
//!
//! assert_eq!(Scheme::Dpkg.compare("1.0~rc1", "1.0").unwrap(), Ordering::Less);
//! let fixed = Scheme::Pep440.parse("2.0.post1").unwrap();
//! let installed = Scheme::Pep440.parse("2.0-1").unwrap();
//! assert_eq!(installed, fixed); // `-1` is PEP 440's implicit post-release spelling
//! ```
//!
//! Robustness: advisories are untrusted input. Parsing never panics, never parses digit runs
//! into fixed-width integers (numbers are compared as digit strings), does not recurse on
//! input structure, and allocates a bounded multiple of the input size.
#![forbid(unsafe_code)]
// Unit tests unwrap freely; the library itself (built without cfg(test)) still may not.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod apk;
pub mod dpkg;
pub mod gem;
pub mod gosemver;
pub mod maven;
pub mod nuget;
mod num;
pub mod pep440;
pub mod rpm;
pub mod semver;
mod text;

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A versioning scheme: which ecosystem's rules to parse and order versions by.
///
/// The variants are declared in a fixed order that is also used to order [`Version`]s of
/// *different* schemes (see [`Version`]'s `Ord`), which is only there to make `Ord` total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scheme {
    /// Debian and derivatives (`dpkg --compare-versions`).
    Dpkg,
    /// Alpine Linux (apk-tools).
    Apk,
    /// RPM-based distributions (`rpmvercmp` over epoch, version, release).
    Rpm,
    /// Python packages (PyPA `packaging.version.Version`).
    Pep440,
    /// Strict Semantic Versioning 2.0.0.
    Semver,
    /// npm's `node-semver` with `loose: true`.
    SemverLoose,
    /// Go modules (`golang.org/x/mod/semver`).
    Go,
    /// Maven artifacts (`org.apache.maven.artifact.versioning.ComparableVersion`, 3.8.7).
    Maven,
    /// RubyGems (`Gem::Version`).
    Gem,
    /// NuGet packages (`NuGet.Versioning.NuGetVersion`, default comparer).
    NuGet,
}

impl Scheme {
    /// Every scheme, in declaration order.
    pub const ALL: [Scheme; 10] = [
        Scheme::Dpkg,
        Scheme::Apk,
        Scheme::Rpm,
        Scheme::Pep440,
        Scheme::Semver,
        Scheme::SemverLoose,
        Scheme::Go,
        Scheme::Maven,
        Scheme::Gem,
        Scheme::NuGet,
    ];

    /// Stable lower-case name, also accepted by [`Scheme::from_str`].
    pub const fn name(self) -> &'static str {
        match self {
            Scheme::Dpkg => "dpkg",
            Scheme::Apk => "apk",
            Scheme::Rpm => "rpm",
            Scheme::Pep440 => "pep440",
            Scheme::Semver => "semver",
            Scheme::SemverLoose => "semver-loose",
            Scheme::Go => "go",
            Scheme::Maven => "maven",
            Scheme::Gem => "gem",
            Scheme::NuGet => "nuget",
        }
    }

    /// Parses `s` under this scheme's validity rules.
    ///
    /// Validity follows the reference implementation's parser: a string it rejects is an error
    /// here. Schemes whose reference accepts every string (rpm, Maven) only reject what the
    /// reference cannot represent at all (the empty rpm EVR).
    pub fn parse(self, s: &str) -> Result<Version, ParseError> {
        let err = |reason| ParseError::new(self, s, reason);
        let inner = match self {
            Scheme::Dpkg => Inner::Dpkg(dpkg::DpkgVersion::parse(s).map_err(err)?),
            Scheme::Apk => Inner::Apk(apk::ApkVersion::parse(s).map_err(err)?),
            Scheme::Rpm => Inner::Rpm(rpm::RpmVersion::parse(s).map_err(err)?),
            Scheme::Pep440 => Inner::Pep440(pep440::Pep440Version::parse(s).map_err(err)?),
            Scheme::Semver => Inner::Semver(semver::SemVer::parse_strict(s).map_err(err)?),
            Scheme::SemverLoose => Inner::Semver(semver::SemVer::parse_loose(s).map_err(err)?),
            Scheme::Go => Inner::Go(gosemver::GoVersion::parse(s).map_err(err)?),
            Scheme::Maven => Inner::Maven(maven::MavenVersion::parse(s)),
            Scheme::Gem => Inner::Gem(gem::GemVersion::parse(s).map_err(err)?),
            Scheme::NuGet => Inner::NuGet(nuget::NuGetVersion::parse(s).map_err(err)?),
        };
        Ok(Version {
            scheme: self,
            original: s.into(),
            inner,
        })
    }

    /// Whether `s` is a valid version in this scheme (same rules as [`Scheme::parse`]).
    pub fn is_valid(self, s: &str) -> bool {
        match self {
            Scheme::Apk => apk::is_valid(s),
            Scheme::Go => gosemver::is_valid(s),
            Scheme::Maven => true,
            _ => self.parse(s).is_ok(),
        }
    }

    /// Orders `a` against `b` exactly as the scheme's reference comparison function does.
    ///
    /// Two references define an order for malformed input too, and an advisory feed produced by
    /// those tools relies on it, so this function reproduces it instead of failing:
    /// * [`Scheme::Go`]: `semver.Compare` treats every invalid string as equal to every other
    ///   invalid string and less than any valid version.
    /// * [`Scheme::Apk`]: `apk_version_compare` walks both strings token by token and only
    ///   looks at validity where the first difference is found (`23_foo > 4_beta`).
    ///
    /// Every other scheme returns [`ParseError`] if either side is invalid. Use
    /// [`Scheme::parse`] first when invalid input must be rejected for Go and apk as well.
    pub fn compare(self, a: &str, b: &str) -> Result<Ordering, ParseError> {
        match self {
            Scheme::Go => Ok(gosemver::compare(a, b)),
            Scheme::Apk => Ok(apk::compare(a, b)),
            // OSV orders PyPI with `packaging_legacy`: what PEP 440 rejects sorts first.
            Scheme::Pep440 => Ok(
                match (
                    pep440::Pep440Version::parse(a),
                    pep440::Pep440Version::parse(b),
                ) {
                    (Ok(x), Ok(y)) => x.cmp(&y),
                    (Err(_), Ok(_)) => Ordering::Less,
                    (Ok(_), Err(_)) => Ordering::Greater,
                    (Err(_), Err(_)) => pep440::legacy_key(a).cmp(&pep440::legacy_key(b)),
                },
            ),
            _ => Ok(self.parse(a)?.cmp(&self.parse(b)?)),
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error for an unknown scheme name in [`Scheme::from_str`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown version scheme {0:?}")]
pub struct UnknownScheme(pub String);

impl FromStr for Scheme {
    type Err = UnknownScheme;

    /// Accepts [`Scheme::name`] plus the ecosystem names used by OSV (with or without their
    /// `:release` suffix, as in `Debian:12`) and package-URL types, so that callers can map
    /// advisory ecosystems without a table of their own. `npm` maps to the loose dialect
    /// because that is how npm itself reads versions.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase();
        let ecosystem = lower.split(':').next().unwrap_or_default();
        Ok(match ecosystem {
            "dpkg" | "deb" | "debian" | "ubuntu" => Scheme::Dpkg,
            "apk" | "alpine" | "wolfi" | "chainguard" => Scheme::Apk,
            "rpm" | "red hat" | "redhat" | "almalinux" | "rocky linux" | "suse" | "opensuse" => {
                Scheme::Rpm
            }
            "pep440" | "pypi" | "python" => Scheme::Pep440,
            "semver" => Scheme::Semver,
            "semver-loose" | "npm" => Scheme::SemverLoose,
            "go" | "golang" => Scheme::Go,
            "maven" => Scheme::Maven,
            "gem" | "rubygems" => Scheme::Gem,
            "nuget" => Scheme::NuGet,
            _ => return Err(UnknownScheme(s.into())),
        })
    }
}

/// A version string that was rejected by a scheme's parser.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {scheme} version {}: {reason}", text::Preview(.input))]
pub struct ParseError {
    /// The scheme whose rules rejected the input.
    pub scheme: Scheme,
    /// The rejected input, verbatim (the `Display` form shortens it; this field does not).
    pub input: String,
    /// What the reference parser objects to.
    pub reason: &'static str,
}

impl ParseError {
    fn new(scheme: Scheme, input: &str, reason: &'static str) -> Self {
        ParseError {
            scheme,
            input: input.into(),
            reason,
        }
    }
}

/// A parsed version, ordered by its scheme's rules.
///
/// `Eq` and `Ord` follow the scheme, not the text: `Scheme::Dpkg` makes `1.0` equal to `1.00`,
/// SemVer ignores build metadata, and so on. There is deliberately no `Hash`: a hash consistent
/// with those equalities would need a canonical form per scheme that the references do not
/// define. Versions of different schemes never compare equal; they are ordered by [`Scheme`]
/// (sorting mixed lists is well defined but meaningless).
///
/// Caveat: Maven's `ComparableVersion` is not transitive (`1.r-1 < 1-beta < 1 < 1.r-1` in Maven
/// itself), and `Ord` reproduces it because matching decisions must agree with Maven. The
/// standard library's sorts may panic on such an order; sort untrusted lists with [`sort`].
#[derive(Clone)]
pub struct Version {
    scheme: Scheme,
    original: Box<str>,
    inner: Inner,
}

#[derive(Clone, Debug)]
enum Inner {
    Dpkg(dpkg::DpkgVersion),
    Apk(apk::ApkVersion),
    Rpm(rpm::RpmVersion),
    Pep440(pep440::Pep440Version),
    Semver(semver::SemVer),
    Go(gosemver::GoVersion),
    Maven(maven::MavenVersion),
    Gem(gem::GemVersion),
    NuGet(nuget::NuGetVersion),
}

impl Version {
    /// The scheme this version was parsed under.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The input exactly as given to [`Scheme::parse`].
    pub fn as_str(&self) -> &str {
        &self.original
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.original)
    }
}

impl fmt::Debug for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Version({}, {:?})", self.scheme, self.original)
    }
}

/// Sorts ascending with a merge sort that cannot panic or lose elements when the order is
/// not transitive (as Maven's is, see [`Version`]): the result is then *a* permutation that is
/// sorted wherever the order is consistent. Stable. Prefer this over `slice::sort` for lists
/// built from untrusted input.
pub fn sort(versions: &mut [Version]) {
    let n = versions.len();
    let mut idx: Vec<usize> = (0..n).collect();
    let mut buf: Vec<usize> = Vec::with_capacity(n);
    let mut width = 1;
    while width < n {
        buf.clear();
        for lo in (0..n).step_by(2 * width) {
            let mid = (lo + width).min(n);
            let hi = (lo + 2 * width).min(n);
            let (mut i, mut j) = (lo, mid);
            while i < mid && j < hi {
                if versions[idx[j]] < versions[idx[i]] {
                    buf.push(idx[j]);
                    j += 1;
                } else {
                    buf.push(idx[i]);
                    i += 1;
                }
            }
            buf.extend_from_slice(&idx[i..mid]);
            buf.extend_from_slice(&idx[j..hi]);
        }
        std::mem::swap(&mut idx, &mut buf);
        width *= 2;
    }
    // Apply the permutation: position k receives the element that was at idx[k].
    let mut taken: Vec<Option<Version>> = versions.iter().cloned().map(Some).collect();
    for (slot, &from) in versions.iter_mut().zip(&idx) {
        if let Some(v) = taken[from].take() {
            *slot = v;
        }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.inner, &other.inner) {
            (Inner::Dpkg(a), Inner::Dpkg(b)) => a.cmp(b),
            (Inner::Apk(a), Inner::Apk(b)) => a.cmp(b),
            (Inner::Rpm(a), Inner::Rpm(b)) => a.cmp(b),
            (Inner::Pep440(a), Inner::Pep440(b)) => a.cmp(b),
            // Strict and loose SemVer share a representation but are still different schemes.
            (Inner::Semver(a), Inner::Semver(b)) if self.scheme == other.scheme => a.cmp(b),
            (Inner::Go(a), Inner::Go(b)) => a.cmp(b),
            (Inner::Maven(a), Inner::Maven(b)) => a.cmp(b),
            (Inner::Gem(a), Inner::Gem(b)) => a.cmp(b),
            (Inner::NuGet(a), Inner::NuGet(b)) => a.cmp(b),
            _ => self.scheme.cmp(&other.scheme),
        }
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_names_round_trip() {
        for s in Scheme::ALL {
            assert_eq!(s.name().parse::<Scheme>(), Ok(s));
            assert_eq!(s.to_string(), s.name());
        }
        assert_eq!("PyPI".parse::<Scheme>(), Ok(Scheme::Pep440));
        assert_eq!("Debian:12".parse::<Scheme>(), Ok(Scheme::Dpkg));
        assert_eq!("Alpine:v3.18".parse::<Scheme>(), Ok(Scheme::Apk));
        assert_eq!("Red Hat".parse::<Scheme>(), Ok(Scheme::Rpm));
        assert!("cargo".parse::<Scheme>().is_err());
    }

    #[test]
    fn error_names_scheme_and_input() {
        let e = Scheme::Semver.parse("v1.2.3").unwrap_err();
        assert_eq!(e.scheme, Scheme::Semver);
        assert_eq!(e.input, "v1.2.3");
        let msg = e.to_string();
        assert!(msg.contains("semver") && msg.contains("v1.2.3"), "{msg}");
    }

    #[test]
    fn error_display_is_bounded() {
        let long = "x".repeat(10_000);
        let e = Scheme::Semver.parse(&long).unwrap_err();
        assert_eq!(e.input.len(), 10_000);
        assert!(e.to_string().len() < 400);
    }

    #[test]
    fn cross_scheme_is_never_equal() {
        let a = Scheme::Semver.parse("1.0.0").unwrap();
        let b = Scheme::SemverLoose.parse("1.0.0").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.cmp(&b), Ordering::Less);
    }

    #[test]
    fn lenient_compare_only_where_reference_is_lenient() {
        assert_eq!(Scheme::Go.compare("bad", "v1.0.0"), Ok(Ordering::Less));
        assert!(Scheme::Go.parse("bad").is_err());
        assert_eq!(
            Scheme::Apk.compare("23_foo", "4_beta"),
            Ok(Ordering::Greater)
        );
        assert!(Scheme::Apk.parse("23_foo").is_err());
        assert!(Scheme::Dpkg.compare("", "1").is_err());
    }

    #[test]
    fn sort_orders_and_tolerates_maven_cycles() {
        let mut vs: Vec<Version> = ["2.0", "1.0~rc1", "1.0", "1.0+b", "0.9"]
            .iter()
            .map(|s| Scheme::Dpkg.parse(s).unwrap())
            .collect();
        sort(&mut vs);
        let got: Vec<&str> = vs.iter().map(Version::as_str).collect();
        assert_eq!(got, ["0.9", "1.0~rc1", "1.0", "1.0+b", "2.0"]);

        let cycle = ["1.r-1", "1-beta", "1"];
        let m: Vec<Version> = cycle
            .iter()
            .map(|s| Scheme::Maven.parse(s).unwrap())
            .collect();
        assert!(m[0] < m[1] && m[1] < m[2] && m[2] < m[0]);
        let mut many: Vec<Version> = m.iter().cycle().take(300).cloned().collect();
        sort(&mut many);
        assert_eq!(many.len(), 300);
        for s in cycle {
            assert_eq!(many.iter().filter(|v| v.as_str() == s).count(), 100);
        }
    }

    #[test]
    fn is_valid_agrees_with_parse() {
        for s in [
            "", "1", "v1", "1.0.0", "bad", "1.0-r1", "1:2-3", "1!2", "1.0.0-ß",
        ] {
            for scheme in Scheme::ALL {
                assert_eq!(
                    scheme.is_valid(s),
                    scheme.parse(s).is_ok(),
                    "{scheme} {s:?}"
                );
            }
        }
    }
}
