//! Arbitrary-size non-negative integers kept as digit strings.
//!
//! Advisories contain date-stamped and hash-like numeric runs (`20191002222144`,
//! `0.0.0-20210101000000-abcdef`) and hostile ones can contain thousands of digits, so numbers
//! are never parsed into machine integers: a digit run with its leading zeros removed orders
//! numerically by (length, then bytes).

use std::cmp::Ordering;
use std::fmt;

/// A non-negative integer of any size. The canonical form has no leading zeros, so derived
/// equality is numeric equality.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub(crate) struct Num(Box<str>);

impl Num {
    /// Builds from ASCII digits. Callers must have checked that `digits` is all `0-9`.
    pub(crate) fn from_digits(digits: &str) -> Num {
        Num(digits.trim_start_matches('0').into())
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    /// The value if it fits in a `u64` (references such as node-semver and NuGet reject or
    /// reinterpret values past a machine-integer limit, so their modules need the value).
    pub(crate) fn to_u64(&self) -> Option<u64> {
        if self.0.len() > 20 {
            return None;
        }
        self.0.bytes().try_fold(0u64, |acc, d| {
            acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        })
    }
}

impl Ord for Num {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_canonical(&self.0, &other.0)
    }
}

impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Debug for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("0")
        } else {
            f.write_str(&self.0)
        }
    }
}

fn cmp_canonical(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Numeric comparison of two ASCII digit runs (leading zeros allowed, empty means zero).
pub(crate) fn cmp_digits(a: &[u8], b: &[u8]) -> Ordering {
    let strip = |s: &[u8]| -> usize { s.iter().take_while(|&&c| c == b'0').count() };
    let (a, b) = (&a[strip(a)..], &b[strip(b)..]);
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Length of the leading run of ASCII digits.
pub(crate) fn digit_run(s: &[u8]) -> usize {
    s.iter().take_while(|c| c.is_ascii_digit()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_numerically_without_overflow() {
        let big = "9".repeat(5000);
        let bigger = format!("1{}", "0".repeat(5000));
        assert!(Num::from_digits(&big) < Num::from_digits(&bigger));
        assert_eq!(Num::from_digits("000"), Num::from_digits(""));
        assert_eq!(Num::from_digits("0010"), Num::from_digits("10"));
        assert!(Num::from_digits("9") < Num::from_digits("10"));
        assert_eq!(cmp_digits(b"0009", b"9"), Ordering::Equal);
        assert_eq!(cmp_digits(b"", b"0"), Ordering::Equal);
        assert_eq!(cmp_digits(b"12", b"9"), Ordering::Greater);
    }

    #[test]
    fn to_u64_limits() {
        assert_eq!(
            Num::from_digits("18446744073709551615").to_u64(),
            Some(u64::MAX)
        );
        assert_eq!(Num::from_digits("18446744073709551616").to_u64(), None);
        assert_eq!(Num::from_digits("0").to_u64(), Some(0));
        assert_eq!(Num::from_digits(&"9".repeat(30)).to_u64(), None);
    }
}
