//! RPM versions: `[epoch:]version[-release]`, each part ordered by `rpmvercmp`.
//!
//! Reference: rpm 4.18 `rpmio/rpmvercmp.c` (`rpmvercmp`), `lib/rpmver.c` (`rpmverParse`,
//! `rpmverCmp`, `parseEVR`), i.e. what `rpm --eval '%{lua: rpm.vercmp(a, b)}'` answers (checked
//! against rpm 4.18.0 on 40,000 generated EVR pairs).
//!
//! `rpmvercmp` skips every byte that is not an ASCII letter, digit, `~` or `^`, then compares
//! maximal runs of digits (numerically) or letters (bytewise); `~` sorts before anything,
//! including the end of the string, and `^` sorts after the end but before anything else.
//! An EVR without a release sorts before the same epoch:version with any release (even `1.0-`).
//!
//! Dependency matching is different: `rpmdsCompare` treats a missing or empty release on
//! either side as a wildcard, so `Requires: foo >= 1.0` is satisfied by `1.0-1`.
//! [`RpmVersion::cmp_dependency`] implements that relation for advisories written as
//! dependency ranges. It is not transitive (`1.0 == 1.0-1`, `1.0 == 1.0-2`, `1.0-1 < 1.0-2`),
//! which is why it is a separate method and not `Ord`.

use std::cmp::Ordering;

/// A parsed `[epoch:]version[-release]`.
#[derive(Clone, Debug)]
pub struct RpmVersion {
    epoch: Option<Box<str>>,
    version: Box<str>,
    release: Option<Box<str>>,
}

impl RpmVersion {
    /// Splits like `parseEVR`: the epoch is a leading digit run followed by `:`, the release is
    /// whatever follows the last `-` after it. Only the empty string is rejected (rpm cannot
    /// build an EVR from it); rpm compares every other string.
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        if s.is_empty() {
            return Err("empty EVR");
        }
        let digits = crate::num::digit_run(s.as_bytes());
        let (epoch, rest) = match s[digits..].strip_prefix(':') {
            Some(rest) => (Some(&s[..digits]), rest),
            None => (None, s),
        };
        let (version, release) = match rest.rfind('-') {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        Ok(RpmVersion {
            // An empty epoch before ':' means 0, exactly like a missing one.
            epoch: epoch.map(|e| if e.is_empty() { "0" } else { e }.into()),
            version: version.into(),
            release: release.map(Into::into),
        })
    }

    /// The epoch digits, if the EVR had an epoch.
    pub fn epoch(&self) -> Option<&str> {
        self.epoch.as_deref()
    }

    /// The version part.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The release part, if present.
    pub fn release(&self) -> Option<&str> {
        self.release.as_deref()
    }

    /// `rpmdsCompareEVR`'s rule: like `Ord`, except that the release is only compared when
    /// both sides have a non-empty one. Not transitive; use it for single range checks, never
    /// as a sort key.
    pub fn cmp_dependency(&self, other: &Self) -> Ordering {
        self.cmp_epoch_version(other)
            .then_with(|| match (self.release(), other.release()) {
                (Some(a), Some(b)) if !a.is_empty() && !b.is_empty() => rpmvercmp(a, b),
                _ => Ordering::Equal,
            })
    }

    fn cmp_epoch_version(&self, other: &Self) -> Ordering {
        let e = |v: &Self| v.epoch.as_deref().unwrap_or("0").to_owned();
        rpmvercmp(&e(self), &e(other)).then_with(|| rpmvercmp(&self.version, &other.version))
    }
}

impl Ord for RpmVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.cmp_epoch_version(other)
            // No release sorts before any release, as in rpm.vercmp.
            .then_with(|| match (&self.release, &other.release) {
                (Some(a), Some(b)) => rpmvercmp(a, b),
                (a, b) => a.is_some().cmp(&b.is_some()),
            })
    }
}

impl PartialOrd for RpmVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for RpmVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for RpmVersion {}

fn is_separator(c: u8) -> bool {
    !c.is_ascii_alphanumeric() && c != b'~' && c != b'^'
}

/// `rpmvercmp` on two arbitrary strings.
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        while i < a.len() && is_separator(a[i]) {
            i += 1;
        }
        while j < b.len() && is_separator(b[j]) {
            j += 1;
        }
        let (ca, cb) = (a.get(i).copied(), b.get(j).copied());

        // Tilde sorts before everything else, even the end of the string.
        if ca == Some(b'~') || cb == Some(b'~') {
            if ca != Some(b'~') {
                return Ordering::Greater;
            }
            if cb != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }

        // Caret is like tilde, except that the end of the string sorts before it.
        if ca == Some(b'^') || cb == Some(b'^') {
            if ca.is_none() {
                return Ordering::Less;
            }
            if cb.is_none() {
                return Ordering::Greater;
            }
            if ca != Some(b'^') {
                return Ordering::Greater;
            }
            if cb != Some(b'^') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }

        let (Some(ca), Some(_)) = (ca, cb) else {
            break;
        };

        let numeric = ca.is_ascii_digit();
        let class: fn(&u8) -> bool = if numeric {
            u8::is_ascii_digit
        } else {
            u8::is_ascii_alphabetic
        };
        let la = a[i..].iter().take_while(|c| class(c)).count();
        let lb = b[j..].iter().take_while(|c| class(c)).count();

        // Segments of different types: the numeric one is newer.
        if lb == 0 {
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }

        let (sa, sb) = (&a[i..i + la], &b[j..j + lb]);
        let ord = if numeric {
            crate::num::cmp_digits(sa, sb)
        } else {
            sa.cmp(sb)
        };
        if ord != Ordering::Equal {
            return ord;
        }
        i += la;
        j += lb;
    }
    // Whichever version still has characters left over wins.
    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    fn evr(s: &str) -> RpmVersion {
        RpmVersion::parse(s).unwrap()
    }

    #[test]
    fn rpmvercmp_basics() {
        assert_eq!(rpmvercmp("1.0", "1.0"), Equal);
        assert_eq!(rpmvercmp("1.0", "1_0"), Equal);
        assert_eq!(rpmvercmp("1.0", "1.0."), Equal);
        assert_eq!(rpmvercmp("1a", "1.a"), Equal);
        assert_eq!(rpmvercmp("1.0a", "1.0"), Greater);
        assert_eq!(rpmvercmp("1.a", "1.1"), Less);
        assert_eq!(rpmvercmp("1.0~rc1", "1.0"), Less);
        assert_eq!(rpmvercmp("1.0^", "1.0"), Greater);
        assert_eq!(rpmvercmp("1.0^", "1.0.1"), Less);
        assert_eq!(rpmvercmp("001", "1"), Equal);
        assert_eq!(rpmvercmp("1.\u{e9}", "1"), Equal); // non-ASCII bytes are separators
    }

    #[test]
    fn huge_segments() {
        let a = format!("1.{}", "9".repeat(500));
        let b = format!("1.1{}", "0".repeat(500));
        assert_eq!(rpmvercmp(&a, &b), Less);
    }

    #[test]
    fn evr_split() {
        let v = evr("2:1.0-3.el8");
        assert_eq!(
            (v.epoch(), v.version(), v.release()),
            (Some("2"), "1.0", Some("3.el8"))
        );
        let v = evr("1.0-1-2");
        assert_eq!(
            (v.epoch(), v.version(), v.release()),
            (None, "1.0-1", Some("2"))
        );
        let v = evr(":1.0");
        assert_eq!(
            (v.epoch(), v.version(), v.release()),
            (Some("0"), "1.0", None)
        );
        let v = evr("a:1.0");
        assert_eq!((v.epoch(), v.version(), v.release()), (None, "a:1.0", None));
        assert!(RpmVersion::parse("").is_err());
    }

    #[test]
    fn evr_order() {
        assert_eq!(evr("1:1.0").cmp(&evr("2.0")), Greater);
        assert_eq!(evr("0:2.0").cmp(&evr("2.0")), Equal);
        assert_eq!(evr("1.0-2").cmp(&evr("1.0-10")), Less);
        assert_eq!(evr("1.0").cmp(&evr("1.0-1")), Less);
        assert_eq!(evr("1.0-").cmp(&evr("1.0")), Greater); // rpm.vercmp agrees
        assert_eq!(evr("1.0").cmp_dependency(&evr("1.0-1")), Equal);
        assert_eq!(evr("1.0-").cmp_dependency(&evr("1.0-1")), Equal);
        assert_eq!(evr("1.0-1").cmp_dependency(&evr("1.0-2")), Less);
        assert_eq!(evr("1:1.0").cmp_dependency(&evr("1.0-1")), Greater);
        assert_eq!(evr("10:1").cmp(&evr("9:2")), Greater);
    }
}
