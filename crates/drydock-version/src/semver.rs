//! Semantic Versioning 2.0.0, strictly, and npm's loose dialect.
//!
//! Strict parsing follows the grammar of semver.org (no `v` prefix, no whitespace, no leading
//! zeros in numeric identifiers). Precedence is SemVer §11, which is also what node-semver's
//! `compare` implements: build metadata is ignored.
//!
//! Loose parsing reproduces node-semver 7 with `{ loose: true }` (`internal/re.js` `LOOSE`
//! and the `SemVer` constructor): input longer than 256 UTF-16 units is rejected, the string
//! is `trim()`med, any run of `v`, `=` and whitespace may precede it, numeric components may
//! have leading zeros (they are read with `+x`), the `-` before a pre-release is optional,
//! and a major/minor/patch above `Number.MAX_SAFE_INTEGER` is an error.
//!
//! Deviation: node compares numeric pre-release identifiers as JavaScript numbers, which loses
//! precision past 2^53; they are compared exactly here.

use std::cmp::Ordering;

use crate::num::Num;

/// A SemVer version (either dialect; the dialect only affects parsing).
#[derive(Clone, Debug)]
pub struct SemVer {
    major: Num,
    minor: Num,
    patch: Num,
    pre: Vec<Identifier>,
    build: Vec<Box<str>>,
}

/// One dot-separated pre-release identifier.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Identifier {
    // Declaration order matters: numeric identifiers have lower precedence than alphanumeric.
    Numeric(Num),
    Alphanumeric(Box<str>),
}

const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

impl SemVer {
    /// SemVer 2.0.0 grammar, nothing more.
    pub fn parse_strict(s: &str) -> Result<Self, &'static str> {
        let mut p = Cursor { s: s.as_bytes() };
        let major = p.strict_number()?;
        p.expect(b'.')?;
        let minor = p.strict_number()?;
        p.expect(b'.')?;
        let patch = p.strict_number()?;
        let mut pre = Vec::new();
        if p.eat(b'-') {
            loop {
                let id = p.identifier();
                if id.is_empty() {
                    return Err("empty pre-release identifier");
                }
                if id.iter().all(u8::is_ascii_digit) {
                    if id.len() > 1 && id[0] == b'0' {
                        return Err("numeric pre-release identifier has a leading zero");
                    }
                    pre.push(Identifier::Numeric(Num::from_digits(ascii(id))));
                } else {
                    pre.push(Identifier::Alphanumeric(ascii(id).into()));
                }
                if !p.eat(b'.') {
                    break;
                }
            }
        }
        let build = p.build()?;
        if !p.s.is_empty() {
            return Err("unexpected character");
        }
        Ok(SemVer {
            major: Num::from_digits(major),
            minor: Num::from_digits(minor),
            patch: Num::from_digits(patch),
            pre,
            build,
        })
    }

    /// node-semver `new SemVer(s, { loose: true })`.
    pub fn parse_loose(s: &str) -> Result<Self, &'static str> {
        if s.encode_utf16().count() > 256 {
            return Err("version is longer than 256 characters");
        }
        let s = s.trim_matches(crate::text::is_js_space);
        let s = s.trim_start_matches(|c| c == 'v' || c == '=' || crate::text::is_js_space(c));
        let mut p = Cursor { s: s.as_bytes() };
        let major = p.loose_number()?;
        p.expect(b'.')?;
        let minor = p.loose_number()?;
        p.expect(b'.')?;
        // The regex backtracks into the patch digits when the rest does not match otherwise
        // (`1.2.301.x` is patch 30, pre-release `1.x`), so try the longest patch first.
        let digits = crate::num::digit_run(p.s);
        if digits == 0 {
            return Err("expected a number");
        }
        for len in (1..=digits).rev() {
            let (patch, rest) = p.s.split_at(len);
            if let Some((pre, build)) = loose_tail(rest) {
                return Ok(SemVer {
                    major,
                    minor,
                    patch: safe_integer(Num::from_digits(ascii(patch)))?,
                    pre,
                    build,
                });
            }
        }
        Err("unexpected character")
    }

    /// Whether the version has pre-release identifiers.
    pub fn is_prerelease(&self) -> bool {
        !self.pre.is_empty()
    }

    /// The build metadata identifiers (ignored by comparison).
    pub fn build(&self) -> impl Iterator<Item = &str> {
        self.build.iter().map(|b| &**b)
    }
}

/// `PRERELEASELOOSE? BUILD? $` after the patch number, or `None` if it cannot match.
///
/// In `(?:-?(ID(?:\.ID)*))?` an ID may itself start with '-': the optional dash is taken
/// greedily, and the regex only backtracks (treating the dash as part of the first
/// identifier, or skipping the pre-release) when the greedy reading cannot match.
fn loose_tail(s: &[u8]) -> Option<(Vec<Identifier>, Vec<Box<str>>)> {
    let candidates = [s.strip_prefix(b"-"), Some(s)];
    let pre = candidates
        .into_iter()
        .flatten()
        .find_map(loose_prerelease)
        .unwrap_or((Vec::new(), s));
    let mut p = Cursor { s: pre.1 };
    let build = p.build().ok()?;
    p.s.is_empty().then_some((pre.0, build))
}

fn safe_integer(n: Num) -> Result<Num, &'static str> {
    match n.to_u64() {
        Some(v) if v <= MAX_SAFE_INTEGER => Ok(n),
        _ => Err("version component is larger than Number.MAX_SAFE_INTEGER"),
    }
}

/// Parses `ID(.ID)*` followed by something that can end the version (`+` or end of input);
/// returns the identifiers and the unparsed rest. `None` when the text cannot be a loose
/// pre-release, mirroring a failed regex branch.
fn loose_prerelease(s: &[u8]) -> Option<(Vec<Identifier>, &[u8])> {
    let mut p = Cursor { s };
    let mut ids = Vec::new();
    loop {
        let id = p.identifier();
        if id.is_empty() {
            return None;
        }
        // NUMERICIDENTIFIERLOOSE is \d+; NONNUMERICIDENTIFIER is \d*[a-zA-Z-][a-zA-Z0-9-]*, so
        // any run of identifier characters is one of the two.
        if id.iter().all(u8::is_ascii_digit) {
            ids.push(Identifier::Numeric(Num::from_digits(ascii(id))));
        } else {
            ids.push(Identifier::Alphanumeric(ascii(id).into()));
        }
        if !p.eat(b'.') {
            break;
        }
    }
    match p.s.first() {
        None | Some(b'+') => Some((ids, p.s)),
        _ => None,
    }
}

/// The input bytes handed to this are always ASCII identifier characters.
fn ascii(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap_or_default()
}

struct Cursor<'a> {
    s: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn eat(&mut self, c: u8) -> bool {
        match self.s.strip_prefix(&[c]) {
            Some(rest) => {
                self.s = rest;
                true
            }
            None => false,
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), &'static str> {
        if self.eat(c) {
            Ok(())
        } else {
            Err("expected MAJOR.MINOR.PATCH")
        }
    }

    fn strict_number(&mut self) -> Result<&'a str, &'static str> {
        let n = crate::num::digit_run(self.s);
        if n == 0 {
            return Err("expected a number");
        }
        if n > 1 && self.s[0] == b'0' {
            return Err("numeric component has a leading zero");
        }
        let (digits, rest) = self.s.split_at(n);
        self.s = rest;
        Ok(ascii(digits))
    }

    /// `\d+` read with JavaScript's `+x`, which must stay a safe integer.
    fn loose_number(&mut self) -> Result<Num, &'static str> {
        let n = crate::num::digit_run(self.s);
        if n == 0 {
            return Err("expected a number");
        }
        let (digits, rest) = self.s.split_at(n);
        self.s = rest;
        safe_integer(Num::from_digits(ascii(digits)))
    }

    fn identifier(&mut self) -> &'a [u8] {
        let n = self
            .s
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'-')
            .count();
        let (id, rest) = self.s.split_at(n);
        self.s = rest;
        id
    }

    fn build(&mut self) -> Result<Vec<Box<str>>, &'static str> {
        let mut build = Vec::new();
        if self.eat(b'+') {
            loop {
                let id = self.identifier();
                if id.is_empty() {
                    return Err("empty build identifier");
                }
                build.push(ascii(id).into());
                if !self.eat(b'.') {
                    break;
                }
            }
        }
        Ok(build)
    }
}

impl Ord for SemVer {
    fn cmp(&self, other: &Self) -> Ordering {
        self.major
            .cmp(&other.major)
            .then_with(|| self.minor.cmp(&other.minor))
            .then_with(|| self.patch.cmp(&other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                // Identifier-wise, and a shorter list of equal prefix is lower: exactly the
                // lexicographic order of `Vec`.
                (false, false) => self.pre.cmp(&other.pre),
            })
    }
}

impl PartialOrd for SemVer {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for SemVer {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for SemVer {}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    fn strict(s: &str) -> SemVer {
        SemVer::parse_strict(s).unwrap()
    }

    fn loose(s: &str) -> SemVer {
        SemVer::parse_loose(s).unwrap()
    }

    #[test]
    fn spec_precedence_chain() {
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "2.0.0",
            "2.1.0",
            "2.1.1",
        ];
        for w in chain.windows(2) {
            assert_eq!(strict(w[0]).cmp(&strict(w[1])), Less, "{} < {}", w[0], w[1]);
        }
    }

    #[test]
    fn build_metadata_is_ignored() {
        assert_eq!(strict("1.0.0+a"), strict("1.0.0+b"));
        assert_eq!(strict("1.0.0-x+a").build().collect::<Vec<_>>(), ["a"]);
    }

    #[test]
    fn strict_rejects() {
        for bad in [
            "",
            "1",
            "1.2",
            "v1.2.3",
            " 1.2.3",
            "1.2.3 ",
            "01.2.3",
            "1.02.3",
            "1.2.03",
            "1.2.3-",
            "1.2.3-01",
            "1.2.3-a..b",
            "1.2.3+",
            "1.2.3+a..b",
            "1.2.3-a_b",
            "1.2.3.4",
            "=1.2.3",
            "1.2.3beta",
        ] {
            assert!(SemVer::parse_strict(bad).is_err(), "{bad:?}");
        }
        for ok in [
            "0.0.0",
            "1.2.3-0a",
            "1.2.3-a-b.c",
            "1.2.3+001",
            "1.2.3----RC-SNAPSHOT.12.9.1--.12+788",
        ] {
            assert!(SemVer::parse_strict(ok).is_ok(), "{ok:?}");
        }
    }

    #[test]
    fn huge_numbers_in_strict_mode() {
        let a = format!("{}.0.0", "9".repeat(100));
        let b = format!("1{}.0.0", "0".repeat(100));
        assert_eq!(strict(&a).cmp(&strict(&b)), Less);
    }

    #[test]
    fn loose_quirks() {
        assert_eq!(loose(" =v 1.2.3 "), strict("1.2.3"));
        assert_eq!(loose("v01.002.0003"), strict("1.2.3"));
        assert_eq!(loose("1.2.3beta"), strict("1.2.3-beta"));
        assert_eq!(loose("1.2.3-01"), strict("1.2.3-1"));
        assert_eq!(
            loose("1.2.3--x").pre,
            [Identifier::Alphanumeric("-x".into())]
        );
        // The regex backtracks into the optional dash when nothing follows it.
        assert_eq!(loose("1.2.3-").pre, [Identifier::Alphanumeric("-".into())]);
        assert_eq!(
            loose("1.2.3-.x").pre,
            [
                Identifier::Alphanumeric("-".into()),
                Identifier::Alphanumeric("x".into())
            ]
        );
        // Backtracking into the patch number.
        assert_eq!(loose("01.2.301.GAbeta-"), strict("1.2.30-1.GAbeta-"));
        assert_eq!(loose("1.2.34"), strict("1.2.34"));
        assert!(SemVer::parse_loose("1.2").is_err());
        assert!(SemVer::parse_loose("1.2.3.4").is_err());
        assert!(SemVer::parse_loose("1.2.3-a..b").is_err());
        assert!(SemVer::parse_loose("x1.2.3").is_err());
    }

    #[test]
    fn loose_limits() {
        assert!(SemVer::parse_loose("9007199254740991.0.0").is_ok());
        assert!(SemVer::parse_loose("9007199254740992.0.0").is_err());
        assert!(SemVer::parse_loose(&format!("1.2.3-{}", "a".repeat(250))).is_ok());
        assert!(SemVer::parse_loose(&format!("1.2.3-{}", "a".repeat(251))).is_err());
    }
}
