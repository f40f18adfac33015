//! Alpine package versions: `digits{.digits}[letter]{_suffix[digits]}[~hash][-rN]`.
//!
//! Reference: apk-tools `src/version.c` as rewritten around `struct token_state`
//! (`token_first`/`token_next`/`token_cmp`/`apk_version_compare`, which also knows the `~hash`
//! commit suffix), character classes from `src/ctype.c`.
//!
//! apk compares two strings token by token and only notices invalid syntax at the point where
//! the first difference is found, so [`compare`] accepts any string and orders it the way
//! apk does; [`ApkVersion::parse`] additionally requires `apk_version_validate` to pass.
//!
//! Deviation: apk reads numbers into `uint64_t`; here they are compared as digit strings, which
//! agrees for every value below 2^64 and stays exact (instead of wrapping) above it.

use std::cmp::Ordering;

use crate::num::{cmp_digits, digit_run};

/// Token kinds, in apk's enum order: the order itself is part of the comparison rules (a
/// version that continues with a "smaller" token kind is the newer one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tok {
    InitialDigit,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    CommitHash,
    RevisionNo,
    End,
    Invalid,
}

/// Suffix ranks; everything below `NONE` is a pre-release.
const SUFFIXES: [(&str, u8); 9] = [
    ("alpha", 1),
    ("beta", 2),
    ("pre", 3),
    ("rc", 4),
    ("cvs", 6),
    ("svn", 7),
    ("git", 8),
    ("hg", 9),
    ("p", 10),
];
const SUFFIX_NONE: u8 = 5;

#[derive(Clone, Copy)]
struct Token<'a> {
    tok: Tok,
    suffix: u8,
    value: &'a [u8],
}

struct Tokenizer<'a> {
    rest: &'a [u8],
    cur: Token<'a>,
}

impl<'a> Tokenizer<'a> {
    fn new(s: &'a str) -> Self {
        let mut t = Tokenizer {
            rest: s.as_bytes(),
            cur: Token {
                tok: Tok::InitialDigit,
                suffix: 0,
                value: b"",
            },
        };
        t.digits(Tok::InitialDigit);
        t
    }

    fn digits(&mut self, tok: Tok) {
        let n = digit_run(self.rest);
        self.cur.value = &self.rest[..n];
        self.rest = &self.rest[n..];
        self.cur.tok = if n == 0 { Tok::Invalid } else { tok };
    }

    fn advance(&mut self) {
        let Some(&c) = self.rest.first() else {
            self.cur.tok = Tok::End;
            return;
        };
        let prev = self.cur.tok;
        match c {
            b'a'..=b'z' if prev <= Tok::Digit => {
                self.cur.value = &self.rest[..1];
                self.rest = &self.rest[1..];
                self.cur.tok = Tok::Letter;
            }
            b'.' | b'0'..=b'9' => {
                if c == b'.' {
                    if prev > Tok::Digit {
                        self.cur.tok = Tok::Invalid;
                        return;
                    }
                    self.rest = &self.rest[1..];
                }
                match prev {
                    Tok::InitialDigit | Tok::Digit => self.digits(Tok::Digit),
                    Tok::Suffix => self.digits(Tok::SuffixNo),
                    _ => self.cur.tok = Tok::Invalid,
                }
            }
            b'_' if prev <= Tok::SuffixNo => {
                let body = &self.rest[1..];
                let n = body.iter().take_while(|c| c.is_ascii_lowercase()).count();
                self.cur.value = &body[..n];
                self.rest = &body[n..];
                match SUFFIXES
                    .iter()
                    .find(|(name, _)| name.as_bytes() == self.cur.value)
                {
                    Some(&(_, rank)) => {
                        self.cur.suffix = rank;
                        self.cur.tok = Tok::Suffix;
                    }
                    None => self.cur.tok = Tok::Invalid,
                }
            }
            b'~' if prev < Tok::CommitHash => {
                let body = &self.rest[1..];
                let n = body
                    .iter()
                    .take_while(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
                    .count();
                self.cur.value = &body[..n];
                self.rest = &body[n..];
                self.cur.tok = if n == 0 {
                    Tok::Invalid
                } else {
                    Tok::CommitHash
                };
            }
            b'-' if prev < Tok::RevisionNo && self.rest.starts_with(b"-r") => {
                self.rest = &self.rest[2..];
                self.digits(Tok::RevisionNo);
            }
            _ => self.cur.tok = Tok::Invalid,
        }
    }
}

/// `token_cmp` for two tokens of the same kind.
fn token_cmp(a: &Token<'_>, b: &Token<'_>) -> Ordering {
    match a.tok {
        // Gentoo rule: a component with a leading zero is compared as a string ("1.01" < "1.1").
        Tok::Digit if a.value.first() == Some(&b'0') || b.value.first() == Some(&b'0') => {
            a.value.cmp(b.value)
        }
        Tok::Digit | Tok::InitialDigit | Tok::SuffixNo | Tok::RevisionNo => {
            cmp_digits(a.value, b.value)
        }
        Tok::Letter => a.value.first().cmp(&b.value.first()),
        Tok::Suffix => a.suffix.cmp(&b.suffix),
        _ => a.value.cmp(b.value),
    }
}

/// `apk_version_compare`: total over all strings, including invalid ones.
pub fn compare(a: &str, b: &str) -> Ordering {
    let (mut ta, mut tb) = (Tokenizer::new(a), Tokenizer::new(b));
    while ta.cur.tok == tb.cur.tok && ta.cur.tok < Tok::End {
        let r = token_cmp(&ta.cur, &tb.cur);
        if r != Ordering::Equal {
            return r;
        }
        ta.advance();
        tb.advance();
    }
    let (a, b) = (ta.cur, tb.cur);
    if a.tok == b.tok {
        return Ordering::Equal;
    }
    if a.tok == Tok::Suffix && a.suffix < SUFFIX_NONE {
        return Ordering::Less;
    }
    if b.tok == Tok::Suffix && b.suffix < SUFFIX_NONE {
        return Ordering::Greater;
    }
    // The version that stops or continues with a later token kind is the older one.
    b.tok.cmp(&a.tok)
}

/// `apk_version_validate`.
pub fn is_valid(s: &str) -> bool {
    let mut t = Tokenizer::new(s);
    while t.cur.tok < Tok::End {
        t.advance();
    }
    t.cur.tok == Tok::End
}

/// A version that passes `apk_version_validate`.
#[derive(Clone, Debug)]
pub struct ApkVersion(Box<str>);

impl ApkVersion {
    /// Accepts exactly what `apk_version_validate` accepts.
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        if is_valid(s) {
            Ok(ApkVersion(s.into()))
        } else {
            Err("not a valid apk version (digit{.digit}[letter]{_suffix[N]}[~hash][-rN])")
        }
    }

    /// The version text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Ord for ApkVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        compare(&self.0, &other.0)
    }
}

impl PartialOrd for ApkVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for ApkVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for ApkVersion {}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn validity() {
        for ok in [
            "1",
            "1.2.3",
            "1.2.3a",
            "1.0_alpha",
            "1.0_alpha2_pre3",
            "1.0_p",
            "1.0-r0",
            "1.0_rc1-r12",
            "1.0~abc123",
            "1.0_git20200101~0f1e-r3",
            "0001.02",
        ] {
            assert!(is_valid(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "1.",
            "1..2",
            "1.0bc",
            "1.0a1",
            "1.0_foo",
            "1.0-1",
            "1.0-r",
            "1.0-r1a",
            "1.0~",
            "1.0~XYZ",
            "1.0~ab~cd",
            "1.0-r1_p1",
            "1.0A",
            "1.0 ",
            "v1.0",
            "1_p.2",
        ] {
            assert!(!is_valid(bad), "{bad}");
        }
    }

    #[test]
    fn ordering_rules() {
        assert_eq!(compare("1.0_alpha", "1.0"), Less);
        assert_eq!(compare("1.0_p1", "1.0"), Greater);
        assert_eq!(compare("1.0_rc1", "1.0_beta9"), Greater);
        assert_eq!(compare("1.0-r1", "1.0"), Greater);
        assert_eq!(compare("1.0a", "1.0"), Greater);
        assert_eq!(compare("1.0", "1.0.1"), Less);
        assert_eq!(compare("1.01", "1.1"), Less);
        assert_eq!(compare("1.010", "1.1"), Less);
        assert_eq!(compare("1.2", "1.10"), Less);
        assert_eq!(compare("01", "1"), Equal); // the first component is always numeric
        assert_eq!(compare("1.0~ab", "1.0~b"), Less);
        assert_eq!(compare("1.0~ab", "1.0"), Greater); // not a pre-release suffix
        assert_eq!(compare("1.0~ab-r1", "1.0~ab-r0"), Greater);
    }

    #[test]
    fn invalid_strings_compare_like_apk() {
        assert_eq!(compare("23_foo", "4_beta"), Greater);
        assert_eq!(compare("1.0_foo", "1.0_bar"), Equal); // both invalid at the same point
        assert_eq!(compare("1.0-foo", "1.0"), Less);
        assert_eq!(compare("", ""), Equal);
        assert_eq!(compare("x", "1"), Less); // an invalid token is the "latest" kind, so older
    }

    #[test]
    fn huge_numbers_are_exact() {
        let a = format!("1.0_pre{}", "9".repeat(40));
        let b = format!("1.0_pre1{}", "0".repeat(40));
        assert_eq!(compare(&a, &b), Less);
        assert_eq!(
            compare("1.0.0_pre20191002222144-r0", "1.0.0_pre20210530193627-r0"),
            Less
        );
    }
}
