//! Debian package versions: `[epoch:]upstream_version[-debian_revision]`.
//!
//! Reference: dpkg `lib/dpkg/parsehelp.c` (`parseversion`) and `lib/dpkg/version.c`
//! (`verrevcmp`, `dpkg_version_compare`), as used by `dpkg --compare-versions`.
//!
//! dpkg distinguishes parse *errors* (empty string, bad epoch, empty revision, ...) from
//! *warnings* (upstream version not starting with a digit, characters outside the allowed set).
//! `dpkg --compare-versions` only warns about the latter and still compares, and real archives
//! contain such versions, so only the errors are rejected here.

use std::cmp::Ordering;

/// A parsed dpkg version.
#[derive(Clone, Debug)]
pub struct DpkgVersion {
    epoch: u32,
    upstream: Box<str>,
    revision: Box<str>,
}

impl DpkgVersion {
    /// Parses like `parseversion`; the error is the reason dpkg would print.
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let is_blank = |c: char| c == ' ' || c == '\t';
        let s = s.trim_start_matches(is_blank);
        if s.is_empty() {
            return Err("version string is empty");
        }
        let end = s.find(is_blank).unwrap_or(s.len());
        if !s[end..].trim_start_matches(is_blank).is_empty() {
            return Err("version string has embedded spaces");
        }
        let s = &s[..end];

        let (epoch, rest) = match s.find(':') {
            Some(colon) => {
                let epoch = parse_epoch(&s[..colon])?;
                let rest = &s[colon + 1..];
                if rest.is_empty() {
                    return Err("nothing after colon in version number");
                }
                (epoch, rest)
            }
            None => (0, s),
        };
        let (upstream, revision) = match rest.rfind('-') {
            Some(hyphen) => {
                let revision = &rest[hyphen + 1..];
                if revision.is_empty() {
                    return Err("revision number is empty");
                }
                (&rest[..hyphen], revision)
            }
            None => (rest, ""),
        };
        if upstream.is_empty() {
            return Err("upstream version is empty");
        }
        Ok(DpkgVersion {
            epoch,
            upstream: upstream.into(),
            revision: revision.into(),
        })
    }

    /// The epoch (0 when absent).
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// The upstream part.
    pub fn upstream(&self) -> &str {
        &self.upstream
    }

    /// The Debian revision (empty when absent, which dpkg orders like `0`).
    pub fn revision(&self) -> &str {
        &self.revision
    }
}

/// The epoch is read with `strtol`, so this accepts what `strtol` accepts (leading C-locale
/// space, an optional sign) and then applies dpkg's range checks in dpkg's order.
fn parse_epoch(field: &str) -> Result<u32, &'static str> {
    let b = field.as_bytes();
    let mut i = b
        .iter()
        .take_while(|c| matches!(c, b' ' | b'\t'..=b'\r'))
        .count();
    let negative = match b.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let digits = crate::num::digit_run(&b[i..]);
    if digits == 0 {
        return Err("epoch in version is empty");
    }
    if i + digits != b.len() {
        return Err("epoch in version is not number");
    }
    let value = crate::num::Num::from_digits(&field[i..]);
    if negative && !value.is_zero() {
        return Err("epoch in version is negative");
    }
    match value.to_u64() {
        Some(v) if v <= i32::MAX as u64 => Ok(v as u32),
        _ => Err("epoch in version is too big"),
    }
}

/// dpkg's `order()`: digits and end-of-string weigh 0, `~` sorts before everything (even the
/// end of the string), letters sort by ASCII value, everything else after all letters.
///
/// dpkg indexes with a plain `char`, which is signed on the architectures the reference
/// vectors were verified on (amd64), so bytes >= 0x80 end up between letters and punctuation.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        Some(c) if c >= 0x80 => i32::from(c as i8) + 256,
        Some(c) => i32::from(c) + 256,
    }
}

/// `verrevcmp`: alternating non-digit and digit runs, non-digits by [`order`], digits
/// numerically (compared as strings, so arbitrarily long runs cannot overflow).
pub(crate) fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let (ac, bc) = (order(a.get(i).copied()), order(b.get(j).copied()));
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        let da = crate::num::digit_run(&a[i.min(a.len())..]);
        let db = crate::num::digit_run(&b[j.min(b.len())..]);
        let ord = crate::num::cmp_digits(&a[i..i + da], &b[j..j + db]);
        if ord != Ordering::Equal {
            return ord;
        }
        i += da;
        j += db;
    }
    Ordering::Equal
}

impl Ord for DpkgVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(&self.upstream, &other.upstream))
            .then_with(|| verrevcmp(&self.revision, &other.revision))
    }
}

impl PartialOrd for DpkgVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for DpkgVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for DpkgVersion {}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        DpkgVersion::parse(a)
            .unwrap()
            .cmp(&DpkgVersion::parse(b).unwrap())
    }

    #[test]
    fn tilde_sorts_before_end() {
        assert_eq!(cmp("1.0~rc1", "1.0"), Less);
        assert_eq!(cmp("1.0~~", "1.0~"), Less);
        assert_eq!(cmp("1.0~rc1-1", "1.0-0"), Less);
    }

    #[test]
    fn letters_before_punctuation() {
        assert_eq!(cmp("1.0a", "1.0+"), Less);
        assert_eq!(cmp("1.0+", "1.0."), Less); // '+' (43) < '.' (46) after the +256 shift
        assert_eq!(cmp("1.0", "1.0a"), Less);
    }

    #[test]
    fn parts() {
        let v = DpkgVersion::parse("2:1.2-3-4").unwrap();
        assert_eq!((v.epoch(), v.upstream(), v.revision()), (2, "1.2-3", "4"));
        let v = DpkgVersion::parse(" 1.0 ").unwrap();
        assert_eq!((v.epoch(), v.upstream(), v.revision()), (0, "1.0", ""));
        assert_eq!(cmp("1:1.0", "2.0"), Greater);
        assert_eq!(DpkgVersion::parse("0:1.0:x").unwrap().upstream(), "1.0:x");
        assert!(DpkgVersion::parse("1.0:x").is_err()); // the first colon always ends an epoch
    }

    #[test]
    fn errors_match_dpkg() {
        for (s, why) in [
            ("", "version string is empty"),
            ("  ", "version string is empty"),
            ("1 2", "version string has embedded spaces"),
            (":1", "epoch in version is empty"),
            ("a:1", "epoch in version is empty"),
            ("1a:1", "epoch in version is not number"),
            ("-1:1", "epoch in version is negative"),
            ("2147483648:1", "epoch in version is too big"),
            ("99999999999999999999999:1", "epoch in version is too big"),
            ("1:", "nothing after colon in version number"),
            ("1.0-", "revision number is empty"),
            ("-1", "upstream version is empty"),
            ("1:-1", "upstream version is empty"),
        ] {
            assert_eq!(DpkgVersion::parse(s).map(|_| ()), Err(why), "{s:?}");
        }
        assert_eq!(
            DpkgVersion::parse("2147483647:1").unwrap().epoch(),
            2147483647
        );
        assert_eq!(DpkgVersion::parse("-0:1").unwrap().epoch(), 0);
        assert_eq!(DpkgVersion::parse("+1:1").unwrap().epoch(), 1);
    }

    #[test]
    fn warnings_are_accepted() {
        assert!(DpkgVersion::parse("a1.0").is_ok());
        assert!(DpkgVersion::parse("1.0_x-1").is_ok());
        assert!(DpkgVersion::parse("1.0\u{e9}").is_ok());
    }

    #[test]
    fn long_digit_runs_do_not_overflow() {
        let a = format!("1.{}", "9".repeat(100));
        let b = format!("1.1{}", "0".repeat(100));
        assert_eq!(cmp(&a, &b), Less);
        assert_eq!(cmp(&format!("1.{}1", "0".repeat(200)), "1.1"), Equal);
    }

    #[test]
    fn high_bytes_sort_between_letters_and_punctuation() {
        assert_eq!(cmp("1z", "1\u{e9}"), Less);
        assert_eq!(cmp("1\u{e9}", "1+"), Less);
    }
}
