//! Maven artifact versions, as ordered by `ComparableVersion`.
//!
//! Reference: Apache Maven 3.8.7 `maven-artifact`
//! `org/apache/maven/artifact/versioning/ComparableVersion.java` (checked against the class
//! files shipped in Debian's `libmaven3-core-java` 3.8.7). Maven 3.9 and 4 changed several
//! rules; 3.8.7 is what the reference vectors encode.
//!
//! The version is lower-cased and split into items at `.`, `-` and every digit/non-digit
//! transition. A `-` (and a transition) opens a nested sub-list, so `1-1 < 1.1`. Numbers are
//! typed by their length (int up to 9 digits, long up to 18, BigInteger beyond) and a longer
//! type always wins over a shorter one, whatever the values. Qualifiers order as
//! `alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp`, then
//! unknown qualifiers lexically; `a1`/`b1`/`m1` abbreviate alpha/beta/milestone when directly
//! followed by a digit. Trailing "null" items (0, "", empty lists) are dropped.
//!
//! Java details reproduced: `Character.isDigit` accepts every Unicode decimal digit in the BMP
//! (and `Integer.parseInt` reads them), only ASCII `'0'` is stripped as a leading zero,
//! strings compare by UTF-16 code units. Case mapping uses Rust's Unicode tables, which can
//! differ from a given JDK's only for characters added in recent Unicode versions.
//!
//! Every string is a valid Maven version, so parsing never fails. Nested lists are stored as a
//! flat chain (each list's sub-list is always its last item), so even hostile inputs with
//! thousands of transitions cannot overflow the stack through recursion.

use std::cmp::Ordering;
use std::fmt::Write as _;

use crate::num::Num;

/// A parsed Maven version.
#[derive(Clone, Debug)]
pub struct MavenVersion {
    /// `levels[0]` is the top-level list; `levels[k + 1]` is the sub-list that ends
    /// `levels[k]`. Never empty.
    levels: Vec<Vec<Leaf>>,
}

#[derive(Clone, Debug)]
enum Leaf {
    Int(Num),
    Long(Num),
    Big(Num),
    Str(Box<str>),
}

/// `StringItem.QUALIFIERS`; the position of `""` is the release marker.
const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
const RELEASE_INDEX: usize = 5;

/// `comparableQualifier`: known qualifiers by index ("0".."6"), unknown ones as "7-<q>", which
/// as Java strings means: known before unknown, unknown among themselves by UTF-16 order.
#[derive(PartialEq, Eq)]
enum Qualifier<'a> {
    Known(usize),
    Unknown(&'a str),
}

impl<'a> Qualifier<'a> {
    fn of(s: &'a str) -> Self {
        match QUALIFIERS.iter().position(|q| *q == s) {
            Some(i) => Qualifier::Known(i),
            None => Qualifier::Unknown(s),
        }
    }
}

impl Ord for Qualifier<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Qualifier::Known(a), Qualifier::Known(b)) => a.cmp(b),
            (Qualifier::Known(_), Qualifier::Unknown(_)) => Ordering::Less,
            (Qualifier::Unknown(_), Qualifier::Known(_)) => Ordering::Greater,
            (Qualifier::Unknown(a), Qualifier::Unknown(b)) => {
                a.encode_utf16().cmp(b.encode_utf16())
            }
        }
    }
}

impl PartialOrd for Qualifier<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Leaf {
    fn string(value: &str, followed_by_digit: bool) -> Leaf {
        let value = match value {
            "a" if followed_by_digit => "alpha",
            "b" if followed_by_digit => "beta",
            "m" if followed_by_digit => "milestone",
            other => other,
        };
        let value = match value {
            "ga" | "final" | "release" => "",
            "cr" => "rc",
            other => other,
        };
        Leaf::Str(value.into())
    }

    /// `parseItem(true, buf)`: `buf` is a run of Unicode decimal digits.
    fn number(buf: &[char]) -> Leaf {
        let zeros = buf.iter().take_while(|&&c| c == '0').count();
        // stripLeadingZeroes returns an all-'0' string unchanged.
        let stripped = if zeros == buf.len() {
            buf
        } else {
            &buf[zeros..]
        };
        let ascii: String = stripped
            .iter()
            .map(|&c| char::from(b'0' + bmp_digit_value(c).unwrap_or(0)))
            .collect();
        let n = Num::from_digits(&ascii);
        match stripped.len() {
            0..=9 => Leaf::Int(n),
            10..=18 => Leaf::Long(n),
            _ => Leaf::Big(n),
        }
    }

    fn is_null(&self) -> bool {
        match self {
            Leaf::Int(n) | Leaf::Long(n) | Leaf::Big(n) => n.is_zero(),
            Leaf::Str(s) => s.is_empty(),
        }
    }

    /// `item.compareTo(null)`: how the item compares with "nothing" (a shorter version).
    fn cmp_null(&self) -> Ordering {
        match self {
            Leaf::Int(n) | Leaf::Long(n) | Leaf::Big(n) => {
                if n.is_zero() {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
            Leaf::Str(s) => Qualifier::of(s).cmp(&Qualifier::Known(RELEASE_INDEX)),
        }
    }

    /// `compareTo` between two non-list items.
    fn cmp_leaf(&self, other: &Leaf) -> Ordering {
        use Leaf::*;
        match (self, other) {
            (Int(a), Int(b)) | (Long(a), Long(b)) | (Big(a), Big(b)) => a.cmp(b),
            // A wider numeric type wins regardless of the values.
            (Int(_), Long(_) | Big(_)) | (Long(_), Big(_)) => Ordering::Less,
            (Long(_) | Big(_), Int(_)) | (Big(_), Long(_)) => Ordering::Greater,
            (Int(_) | Long(_) | Big(_), Str(_)) => Ordering::Greater,
            (Str(_), Int(_) | Long(_) | Big(_)) => Ordering::Less,
            (Str(a), Str(b)) => Qualifier::of(a).cmp(&Qualifier::of(b)),
        }
    }

    /// `compareTo` of this item against a sub-list: numbers are newer (`1.1 > 1-1`), strings
    /// older (`1-sp < 1-1`).
    fn cmp_list(&self) -> Ordering {
        match self {
            Leaf::Str(_) => Ordering::Less,
            _ => Ordering::Greater,
        }
    }
}

/// Zero code points of every Unicode `Nd` block in the BMP (identical for JDK 17 and
/// Unicode 14): `Character.isDigit(char)` is true exactly for these blocks.
const BMP_DIGIT_ZEROS: [u32; 37] = [
    0x0030, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
    0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80,
    0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0,
    0xFF10,
];

/// `Character.isDigit` + `Character.digit` for a `char` (UTF-16 unit): supplementary-plane
/// digits arrive in Java as two surrogates, which are not digits.
fn bmp_digit_value(c: char) -> Option<u8> {
    let c = c as u32;
    let i = BMP_DIGIT_ZEROS
        .partition_point(|&z| z <= c)
        .checked_sub(1)?;
    let offset = c - BMP_DIGIT_ZEROS[i];
    (offset < 10).then_some(offset as u8)
}

impl MavenVersion {
    /// `new ComparableVersion(s)`; total, every string is a version.
    pub fn parse(s: &str) -> Self {
        let chars: Vec<char> = s.to_lowercase().chars().collect();
        let mut levels: Vec<Vec<Leaf>> = vec![Vec::new()];
        let mut is_digit = false;
        let mut start = 0;

        fn current(levels: &mut [Vec<Leaf>]) -> &mut Vec<Leaf> {
            let last = levels.len() - 1;
            &mut levels[last]
        }
        fn item(is_digit: bool, buf: &[char]) -> Leaf {
            if is_digit {
                Leaf::number(buf)
            } else {
                Leaf::string(&buf.iter().collect::<String>(), false)
            }
        }

        for (i, &c) in chars.iter().enumerate() {
            if c == '.' || c == '-' {
                let leaf = if i == start {
                    Leaf::Int(Num::default())
                } else {
                    item(is_digit, &chars[start..i])
                };
                current(&mut levels).push(leaf);
                start = i + 1;
                if c == '-' {
                    levels.push(Vec::new());
                }
            } else if bmp_digit_value(c).is_some() {
                if !is_digit && i > start {
                    if !current(&mut levels).is_empty() {
                        levels.push(Vec::new());
                    }
                    let text: String = chars[start..i].iter().collect();
                    current(&mut levels).push(Leaf::string(&text, true));
                    start = i;
                    levels.push(Vec::new());
                }
                is_digit = true;
            } else {
                if is_digit && i > start {
                    let leaf = Leaf::number(&chars[start..i]);
                    current(&mut levels).push(leaf);
                    start = i;
                    levels.push(Vec::new());
                }
                is_digit = false;
            }
        }
        if chars.len() > start {
            if !is_digit && !current(&mut levels).is_empty() {
                levels.push(Vec::new());
            }
            let leaf = item(is_digit, &chars[start..]);
            current(&mut levels).push(leaf);
        }

        // ListItem.normalize(), innermost list first: drop trailing null items (a non-null
        // sub-list is skipped over, not a stop), and drop sub-lists that end up empty.
        let mut has_child = false;
        for k in (0..levels.len()).rev() {
            let level = &mut levels[k];
            while level.last().is_some_and(Leaf::is_null) {
                level.pop();
            }
            if level.is_empty() && !has_child && k > 0 {
                levels.truncate(k);
            } else {
                has_child = true;
            }
        }
        MavenVersion { levels }
    }

    /// `ComparableVersion.getCanonical()`.
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        for (k, level) in self.levels.iter().enumerate() {
            // A sub-list is written after '-', unless it is the first item of its list.
            if k > 0 && !self.levels[k - 1].is_empty() {
                out.push('-');
            }
            for (i, leaf) in level.iter().enumerate() {
                if i > 0 {
                    out.push('.');
                }
                let _ = match leaf {
                    Leaf::Int(n) | Leaf::Long(n) | Leaf::Big(n) => write!(out, "{n}"),
                    Leaf::Str(s) => write!(out, "{s}"),
                };
            }
        }
        out
    }
}

/// One element of a list: a leaf, or the sub-list that always comes last.
enum Elem<'a> {
    Leaf(&'a Leaf),
    Sub,
}

fn elem(levels: &[Vec<Leaf>], i: usize) -> Option<Elem<'_>> {
    let level = levels.first()?;
    match level.get(i) {
        Some(leaf) => Some(Elem::Leaf(leaf)),
        None if i == level.len() && levels.len() > 1 => Some(Elem::Sub),
        None => None,
    }
}

/// `ListItem.compareTo(null)` for the list `levels[0]` (its sub-lists included).
fn cmp_null(levels: &[Vec<Leaf>]) -> Ordering {
    levels
        .iter()
        .flatten()
        .map(Leaf::cmp_null)
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// `ListItem.compareTo(ListItem)`, iterative over the sub-list chain.
fn cmp_lists(mut a: &[Vec<Leaf>], mut b: &[Vec<Leaf>]) -> Ordering {
    'list: loop {
        let mut i = 0;
        loop {
            let r = match (elem(a, i), elem(b, i)) {
                (None, None) => return Ordering::Equal,
                (Some(Elem::Sub), Some(Elem::Sub)) => {
                    // Both sub-lists are the last elements, so their comparison is final.
                    a = &a[1..];
                    b = &b[1..];
                    continue 'list;
                }
                (None, Some(Elem::Sub)) => return cmp_null(&b[1..]).reverse(),
                (Some(Elem::Sub), None) => return cmp_null(&a[1..]),
                (None, Some(Elem::Leaf(r))) => r.cmp_null().reverse(),
                (Some(Elem::Leaf(l)), None) => l.cmp_null(),
                (Some(Elem::Leaf(l)), Some(Elem::Leaf(r))) => l.cmp_leaf(r),
                (Some(Elem::Leaf(l)), Some(Elem::Sub)) => l.cmp_list(),
                (Some(Elem::Sub), Some(Elem::Leaf(r))) => r.cmp_list().reverse(),
            };
            if r.is_ne() {
                return r;
            }
            i += 1;
        }
    }
}

impl Ord for MavenVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_lists(&self.levels, &other.levels)
    }
}

impl PartialOrd for MavenVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for MavenVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for MavenVersion {}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    fn v(s: &str) -> MavenVersion {
        MavenVersion::parse(s)
    }

    #[test]
    fn qualifier_order() {
        let chain = [
            "1-alpha",
            "1-beta",
            "1-milestone",
            "1-rc",
            "1-snapshot",
            "1",
            "1-sp",
            "1-abc",
            "1-abd",
            "1-1",
            "1.1",
        ];
        for w in chain.windows(2) {
            assert_eq!(v(w[0]).cmp(&v(w[1])), Less, "{} < {}", w[0], w[1]);
        }
    }

    #[test]
    fn aliases_and_abbreviations() {
        assert_eq!(v("1-ga"), v("1"));
        assert_eq!(v("1-final"), v("1"));
        assert_eq!(v("1-release"), v("1"));
        assert_eq!(v("1-cr1"), v("1-rc1"));
        assert_eq!(v("1a1"), v("1-alpha-1"));
        assert_eq!(v("1b2"), v("1-beta-2"));
        assert_eq!(v("1m3"), v("1-milestone-3"));
        assert_ne!(v("1-a"), v("1-alpha")); // only when followed by a digit
        assert_eq!(v("1.0.0"), v("1"));
        assert_eq!(v("1.0-1"), v("1-1"));
        assert_eq!(v("1.ALPHA"), v("1.alpha"));
        assert_eq!(v(""), v("0"));
    }

    #[test]
    fn numeric_item_widths() {
        // A long item beats an int item whatever the value (both have no leading zeros).
        assert_eq!(v("1.2147483648").cmp(&v("1.999999999")), Greater);
        assert_eq!(v("1.0000000001").cmp(&v("1.1")), Equal); // leading zeros stripped first
        assert_eq!(v("1.0000000000.1").cmp(&v("1.0.1")), Greater); // ten zeros: a long 0
        assert_eq!(
            v("1.123456789012345678901").cmp(&v("1.999999999999999999")),
            Greater
        );
    }

    #[test]
    fn unicode_digits_are_java_digits() {
        assert_eq!(v("1.\u{663}"), v("1.3")); // ARABIC-INDIC DIGIT THREE
        assert_eq!(v("1.\u{ff11}0"), v("1.10")); // FULLWIDTH DIGIT ONE
        assert_ne!(v("1.\u{1d7d1}"), v("1.3")); // supplementary-plane digit: a string in Java
    }

    #[test]
    fn canonical_form() {
        assert_eq!(v("1.0.0").canonical(), "1");
        assert_eq!(v("1.0-SNAPSHOT").canonical(), "1-snapshot");
        assert_eq!(v("1a1").canonical(), "1-alpha-1");
        assert_eq!(v("1-1.foo-bar1baz-.1").canonical(), "1-1.foo-bar-1-baz-0.1");
    }

    #[test]
    fn deep_nesting_is_not_recursive() {
        let hostile = "a1".repeat(200_000);
        let a = v(&hostile);
        // An unknown qualifier is newer than nothing, "alpha" is older.
        assert_eq!(a.cmp(&v(&format!("{hostile}b"))), Less);
        assert_eq!(a.cmp(&v(&format!("{hostile}alpha"))), Greater);
        assert_eq!(a.cmp(&a.clone()), Equal);
    }
}
