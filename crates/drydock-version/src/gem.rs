//! RubyGems versions, as ordered by `Gem::Version#<=>`.
//!
//! Reference: RubyGems `lib/rubygems/version.rb` (current: `ANCHORED_VERSION_PATTERN`,
//! `initialize`, `canonical_segments`, `partition_segments`, `<=>`) and
//! `test/rubygems/test_gem_version.rb`.
//!
//! A version is `[0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?`, optionally
//! surrounded by ASCII whitespace; blank means `0`. Every `-` becomes `.pre.` (so `1.0-rc1`
//! is the prerelease `1.0.pre.rc1`). Segments are runs of digits (numbers) or letters
//! (strings); any letter makes a prerelease, and a string segment sorts below every number.
//! Zero segments are insignificant at the end and right before the first letter
//! (`1.0.0.a == 1.a`, `0.beta.1 == 0.0.beta.1`).

use std::cmp::Ordering;

use crate::num::Num;

/// A parsed RubyGems version.
#[derive(Clone, Debug)]
pub struct GemVersion {
    canonical: Vec<Segment>,
}

/// Declaration order matters: a string segment is lower than any number.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Segment {
    Str(Box<str>),
    Num(Num),
}

impl GemVersion {
    /// `Gem::Version.new(s)`.
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let trimmed = s.trim_matches(crate::text::is_ruby_space);
        if trimmed.is_empty() {
            return Ok(GemVersion {
                canonical: canonical_segments("0"),
            });
        }
        if !matches_pattern(trimmed.as_bytes()) {
            return Err("malformed version number string");
        }
        let version = trimmed.replace('-', ".pre.");
        Ok(GemVersion {
            canonical: canonical_segments(&version),
        })
    }

    /// `Gem::Version#prerelease?`.
    pub fn is_prerelease(&self) -> bool {
        self.canonical.iter().any(|s| matches!(s, Segment::Str(_)))
    }
}

/// `VERSION_PATTERN`, anchored; the caller has already removed the surrounding whitespace.
fn matches_pattern(s: &[u8]) -> bool {
    let alnum = |c: &u8| c.is_ascii_alphanumeric();
    let alnum_dash = |c: &u8| c.is_ascii_alphanumeric() || *c == b'-';
    let run = |s: &[u8], f: &dyn Fn(&u8) -> bool| s.iter().take_while(|c| f(c)).count();

    let mut i = crate::num::digit_run(s);
    if i == 0 {
        return false;
    }
    while s.get(i) == Some(&b'.') {
        let n = run(&s[i + 1..], &alnum);
        if n == 0 {
            return false;
        }
        i += 1 + n;
    }
    if s.get(i) == Some(&b'-') {
        loop {
            let n = run(&s[i + 1..], &alnum_dash);
            if n == 0 {
                return false;
            }
            i += 1 + n;
            if s.get(i) != Some(&b'.') {
                break;
            }
        }
    }
    i == s.len()
}

/// `canonical_segments`: two regex substitutions on the version text, then segmentation.
fn canonical_segments(version: &str) -> Vec<Segment> {
    let b = version.as_bytes();
    // sub(/(?<=[a-zA-Z.])[.0]+\z/, ""): drop the trailing run of '.'/'0' that starts right
    // after a letter or a dot (so "1.10" keeps its zero, "1.0.0" becomes "1.").
    let tail = b
        .iter()
        .rev()
        .take_while(|c| matches!(c, b'.' | b'0'))
        .count();
    let mut end = b.len();
    for i in (b.len() - tail).max(1)..b.len() {
        if b[i - 1].is_ascii_alphabetic() || b[i - 1] == b'.' {
            end = i;
            break;
        }
    }
    let mut text: Vec<u8> = b[..end].to_vec();

    // sub!(/(?<=\.|\A)[0.]+(?=[a-zA-Z])/, "") if prerelease?: drop the first run of zero
    // segments that runs into a letter ("1.0.0.a" -> "1.a").
    if b.iter().any(u8::is_ascii_alphabetic) {
        for i in 0..text.len() {
            if i > 0 && text[i - 1] != b'.' {
                continue;
            }
            let n = text[i..]
                .iter()
                .take_while(|c| matches!(c, b'.' | b'0'))
                .count();
            if n > 0 && text.get(i + n).is_some_and(u8::is_ascii_alphabetic) {
                text.drain(i..i + n);
                break;
            }
        }
    }

    // partition_segments: scan(/\d+|[a-z]+/i).
    let mut segments = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        let class: fn(&u8) -> bool = if c.is_ascii_digit() {
            u8::is_ascii_digit
        } else if c.is_ascii_alphabetic() {
            u8::is_ascii_alphabetic
        } else {
            i += 1;
            continue;
        };
        let n = text[i..].iter().take_while(|c| class(c)).count();
        let run = String::from_utf8_lossy(&text[i..i + n]);
        segments.push(if c.is_ascii_digit() {
            Segment::Num(Num::from_digits(&run))
        } else {
            Segment::Str(run.into())
        });
        i += n;
    }
    segments
}

impl Ord for GemVersion {
    /// `<=>`: segment by segment, a missing segment counting as 0.
    fn cmp(&self, other: &Self) -> Ordering {
        let zero = Segment::Num(Num::default());
        let len = self.canonical.len().max(other.canonical.len());
        (0..len)
            .map(|i| {
                let l = self.canonical.get(i).unwrap_or(&zero);
                let r = other.canonical.get(i).unwrap_or(&zero);
                l.cmp(r)
            })
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

impl PartialOrd for GemVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for GemVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for GemVersion {}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    fn v(s: &str) -> GemVersion {
        GemVersion::parse(s).unwrap()
    }

    fn cmp(a: &str, b: &str) -> Ordering {
        v(a).cmp(&v(b))
    }

    // test_spaceship
    #[test]
    fn spaceship() {
        assert_eq!(cmp("1.0", "1.0.0"), Equal);
        assert_eq!(cmp("1.0", "1.0.a"), Greater);
        assert_eq!(cmp("1.8.2", "0.0.0"), Greater);
        assert_eq!(cmp("1.8.2", "1.8.2.a"), Greater);
        assert_eq!(cmp("1.8.2.b", "1.8.2.a"), Greater);
        assert_eq!(cmp("1.8.2.a", "1.8.2"), Less);
        assert_eq!(cmp("1.8.2.a10", "1.8.2.a9"), Greater);
        assert_eq!(cmp("", "0"), Equal);
        assert_eq!(cmp("0.beta.1", "0.0.beta.1"), Equal);
        assert_eq!(cmp("0.0.beta", "0.0.beta.1"), Less);
        assert_eq!(cmp("0.0.beta", "0.beta.1"), Less);
        assert_eq!(cmp("5.a", "5.0.0.rc2"), Less);
        assert_eq!(cmp("5.x", "5.0.0.rc2"), Greater);
        assert_eq!(cmp("1.9.3", "1.9.3"), Equal);
        assert_eq!(cmp("1.9.3", "1.9.2.99"), Greater);
        assert_eq!(cmp("1.9.3", "1.9.3.1"), Less);
    }

    // test_equals2, test_eql_eh (== only), test_initialize
    #[test]
    fn equality() {
        assert_eq!(v("1.2"), v("1.2"));
        assert_ne!(v("1.2"), v("1.3"));
        assert_eq!(v("1.2.b1"), v("1.2.b.1"));
        for good in ["1.0", "1.0 ", " 1.0 ", "1.0\n", "\n1.0\n"] {
            assert_eq!(v(good), v("1.0"));
        }
        for blank in ["", "   ", " "] {
            assert_eq!(v(blank), v("0"));
        }
    }

    // test_initialize_invalid
    #[test]
    fn invalid() {
        for bad in [
            "junk",
            "1.0\n2.0",
            "1..2",
            "1.2 3.4",
            "2.3422222.222.222222222.22222.ads0as.dasd0.ddd2222.2.qd3e.",
            "1.0-",
            "-1",
            "1.0+build",
            "v1.0",
            "1.0\u{a0}",
        ] {
            assert!(GemVersion::parse(bad).is_err(), "{bad:?}");
        }
    }

    // test_prerelease
    #[test]
    fn prerelease() {
        for pre in [
            "1.2.0.a",
            "2.9.b",
            "22.1.50.0.d",
            "1.2.d.42",
            "1.A",
            "1-1",
            "1-a",
        ] {
            assert!(v(pre).is_prerelease(), "{pre}");
        }
        for rel in ["1.2.0", "2.9", "22.1.50.0"] {
            assert!(!v(rel).is_prerelease(), "{rel}");
        }
    }

    // test_semver
    #[test]
    fn semver_like_strings() {
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
        ];
        for w in chain.windows(2) {
            assert_eq!(cmp(w[0], w[1]), Less, "{} < {}", w[0], w[1]);
        }
        assert_eq!(cmp("1.0.0-rc1", "1.0.0"), Less);
        assert_eq!(cmp("1.0.0-1", "1"), Less);
    }

    // test_canonical_segments, test_frozen_version, test_hash equalities
    #[test]
    fn canonical() {
        assert_eq!(v("1.0.0").canonical, [Segment::Num(Num::from_digits("1"))]);
        assert_eq!(
            v("1.0.0.a.1.0").canonical,
            [
                Segment::Num(Num::from_digits("1")),
                Segment::Str("a".into()),
                Segment::Num(Num::from_digits("1"))
            ]
        );
        assert_eq!(v("1.2.3-1").canonical.len(), 5);
        assert_eq!(cmp("1.freeze.test", "1"), Less);
        assert_eq!(v("1.2.pre.1"), v("1.2.0.pre.1.0"));
        assert_eq!(cmp("1.10", "1.1"), Greater);
        assert_eq!(cmp("1.a0", "1.a"), Equal);
    }

    #[test]
    fn case_sensitive_strings() {
        // Ruby String#<=> is bytewise: upper case sorts before lower case.
        assert_eq!(cmp("1.B", "1.a"), Less);
    }
}
