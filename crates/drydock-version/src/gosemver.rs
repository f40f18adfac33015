//! Go module versions.
//!
//! Reference: `golang.org/x/mod/semver` (`parse`, `Compare`, `comparePrerelease`). Go's
//! dialect of SemVer requires the `v` prefix, accepts the `vMAJOR` and `vMAJOR.MINOR`
//! shorthands (meaning `.0.0` / `.0`, and then admitting neither pre-release nor build), and
//! ignores build metadata when comparing. `+incompatible` is just build metadata, so
//! `v2.0.0+incompatible == v2.0.0`.
//!
//! Pseudo-versions (`v0.0.0-20191109021931-daa7c04131f5`) are ordinary pre-releases to
//! `semver.Compare`; [`is_pseudo_version`] recognises them for callers that want to treat them
//! specially (they identify a commit, not a release).

use std::cmp::Ordering;

use crate::num::Num;

/// A valid Go semantic version.
#[derive(Clone, Debug)]
pub struct GoVersion {
    major: Num,
    minor: Num,
    patch: Num,
    /// Includes the leading `-`, like Go's `parsed.prerelease`; empty when absent.
    prerelease: Box<str>,
    /// Includes the leading `+`; empty when absent.
    build: Box<str>,
}

impl GoVersion {
    /// `semver.IsValid` semantics.
    pub fn parse(v: &str) -> Result<Self, &'static str> {
        let rest = v.strip_prefix('v').ok_or("missing v prefix")?;
        let (major, rest) = parse_int(rest)?;
        let mut p = GoVersion {
            major,
            minor: Num::default(),
            patch: Num::default(),
            prerelease: "".into(),
            build: "".into(),
        };
        if rest.is_empty() {
            return Ok(p);
        }
        let rest = rest.strip_prefix('.').ok_or("expected '.' after major")?;
        let (minor, rest) = parse_int(rest)?;
        p.minor = minor;
        if rest.is_empty() {
            return Ok(p);
        }
        let rest = rest.strip_prefix('.').ok_or("expected '.' after minor")?;
        let (patch, mut rest) = parse_int(rest)?;
        p.patch = patch;
        if rest.starts_with('-') {
            let end = rest.find('+').unwrap_or(rest.len());
            let pre = &rest[..end];
            if !idents_ok(&pre[1..], true) {
                return Err("invalid pre-release");
            }
            p.prerelease = pre.into();
            rest = &rest[end..];
        }
        if let Some(build) = rest.strip_prefix('+') {
            if !idents_ok(build, false) {
                return Err("invalid build metadata");
            }
            p.build = rest.into();
            rest = "";
        }
        if !rest.is_empty() {
            return Err("unexpected character");
        }
        Ok(p)
    }

    /// `semver.Canonical`: `vMAJOR.MINOR.PATCH[-PRERELEASE]`, build metadata dropped.
    pub fn canonical(&self) -> String {
        format!(
            "v{}.{}.{}{}",
            self.major, self.minor, self.patch, self.prerelease
        )
    }

    /// The build suffix including `+` (e.g. `+incompatible`), or `""`.
    pub fn build(&self) -> &str {
        &self.build
    }

    /// The pre-release suffix including `-`, or `""`.
    pub fn prerelease(&self) -> &str {
        &self.prerelease
    }
}

fn parse_int(s: &str) -> Result<(Num, &str), &'static str> {
    let n = crate::num::digit_run(s.as_bytes());
    if n == 0 {
        return Err("expected a number");
    }
    if n > 1 && s.starts_with('0') {
        return Err("number has a leading zero");
    }
    Ok((Num::from_digits(&s[..n]), &s[n..]))
}

/// Dot-separated, non-empty `[0-9A-Za-z-]+` identifiers; pre-release numbers must not have
/// leading zeros (`isBadNum`).
fn idents_ok(s: &str, prerelease: bool) -> bool {
    s.split('.').all(|id| {
        !id.is_empty()
            && id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
            && !(prerelease && id.len() > 1 && id.starts_with('0') && is_num(id))
    })
}

fn is_num(id: &str) -> bool {
    id.bytes().all(|c| c.is_ascii_digit())
}

/// `semver.IsValid`.
pub fn is_valid(v: &str) -> bool {
    GoVersion::parse(v).is_ok()
}

/// `semver.Compare`: invalid versions are equal to each other and below every valid one.
pub fn compare(v: &str, w: &str) -> Ordering {
    match (GoVersion::parse(v), GoVersion::parse(w)) {
        (Ok(a), Ok(b)) => a.cmp(&b),
        (Err(_), Err(_)) => Ordering::Equal,
        (Err(_), Ok(_)) => Ordering::Less,
        (Ok(_), Err(_)) => Ordering::Greater,
    }
}

/// `comparePrerelease` on the `-`-prefixed strings.
fn compare_prerelease(x: &str, y: &str) -> Ordering {
    if x == y {
        return Ordering::Equal;
    }
    if x.is_empty() {
        return Ordering::Greater;
    }
    if y.is_empty() {
        return Ordering::Less;
    }
    let mut xs = x[1..].split('.');
    let mut ys = y[1..].split('.');
    loop {
        match (xs.next(), ys.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(dx), Some(dy)) if dx == dy => continue,
            (Some(dx), Some(dy)) => {
                return match (is_num(dx), is_num(dy)) {
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    (true, true) => crate::num::cmp_digits(dx.as_bytes(), dy.as_bytes()),
                    (false, false) => dx.cmp(dy),
                };
            }
        }
    }
}

impl Ord for GoVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.major
            .cmp(&other.major)
            .then_with(|| self.minor.cmp(&other.minor))
            .then_with(|| self.patch.cmp(&other.patch))
            .then_with(|| compare_prerelease(&self.prerelease, &other.prerelease))
    }
}

impl PartialOrd for GoVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for GoVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for GoVersion {}

/// Whether `v` is a Go pseudo-version (`golang.org/x/mod/module.IsPseudoVersion`): a valid
/// version whose pre-release ends in a 14-digit UTC timestamp and a 12+ character commit hash,
/// in one of the three shapes `vX.0.0-yyyymmddhhmmss-abcdef123456`,
/// `vX.Y.Z-pre.0.yyyymmddhhmmss-abcdef123456` and `vX.Y.(Z+1)-0.yyyymmddhhmmss-abcdef123456`.
pub fn is_pseudo_version(v: &str) -> bool {
    // pseudoVersionRE = `^v[0-9]+\.(0\.0-|\d+\.\d+-([^+]*\.)?0\.)\d{14}-[A-Za-z0-9]+(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`
    let Ok(parsed) = GoVersion::parse(v) else {
        return false;
    };
    if v.matches('-').count() < 2 {
        return false;
    }
    let pre = parsed.prerelease();
    let Some((head, rev)) = pre.rsplit_once('-') else {
        return false;
    };
    if rev.is_empty() || !rev.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    let Some(stamp_at) = head.len().checked_sub(14) else {
        return false;
    };
    let (prefix, stamp) = head.split_at(stamp_at);
    if !is_num(stamp) {
        return false;
    }
    if prefix == "-" {
        // `vX.0.0-yyyymmddhhmmss-rev`
        return parsed.minor.is_zero() && parsed.patch.is_zero();
    }
    prefix.ends_with(".0.") || prefix == "-0."
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn shorthands() {
        assert_eq!(compare("v1", "v1.0.0"), Equal);
        assert_eq!(compare("v1.2", "v1.2.0"), Equal);
        assert!(!is_valid("v1-pre"));
        assert!(!is_valid("v1.2+meta"));
        assert_eq!(GoVersion::parse("v1.2").unwrap().canonical(), "v1.2.0");
    }

    #[test]
    fn validity() {
        for ok in [
            "v0.0.0",
            "v1.2.3-pre.1+meta",
            "v2.0.0+incompatible",
            "v1.2.3-0a",
        ] {
            assert!(is_valid(ok), "{ok}");
        }
        for bad in [
            "",
            "1.2.3",
            "v",
            "v01",
            "v1.02",
            "v1.2.03",
            "v1.2.3-",
            "v1.2.3-01",
            "v1.2.3+",
            "v1.2.3-a..b",
            "v1.2.3.4",
            "V1.2.3",
            "v1.2.3-a+b+c",
            "v1.2.3 ",
        ] {
            assert!(!is_valid(bad), "{bad}");
        }
    }

    #[test]
    fn incompatible_is_build_metadata() {
        assert_eq!(compare("v2.0.0+incompatible", "v2.0.0"), Equal);
        assert_eq!(compare("v2.0.1+incompatible", "v2.0.0"), Greater);
    }

    #[test]
    fn invalid_sorts_first() {
        assert_eq!(compare("bad", "v0.0.0-0"), Less);
        assert_eq!(compare("bad", "1.0"), Equal);
        assert_eq!(compare("v1.0.0", ""), Greater);
    }

    #[test]
    fn pseudo_versions() {
        assert!(is_pseudo_version("v0.0.0-20191109021931-daa7c04131f5"));
        assert!(is_pseudo_version("v1.2.4-0.20191109021931-daa7c04131f5"));
        assert!(is_pseudo_version(
            "v1.2.3-pre.0.20191109021931-daa7c04131f5"
        ));
        assert!(is_pseudo_version(
            "v2.0.0-20191109021931-daa7c04131f5+incompatible"
        ));
        assert!(!is_pseudo_version("v1.2.3"));
        assert!(!is_pseudo_version("v1.2.3-pre"));
        assert!(!is_pseudo_version("v1.2.3-20191109021931-daa7c04131f5"));
        // Pseudo-versions order by their timestamp, like any pre-release.
        assert_eq!(
            compare(
                "v0.0.0-20191109021931-daa7c04131f5",
                "v0.0.0-20200101000000-000000000000"
            ),
            Less
        );
        assert_eq!(
            compare("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4"),
            Less
        );
    }
}
