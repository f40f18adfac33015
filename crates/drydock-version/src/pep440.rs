//! Python package versions (PEP 440), as implemented by PyPA `packaging.version.Version`.
//!
//! Reference: `packaging` 25.0 `src/packaging/version.py` (`VERSION_PATTERN` compiled with
//! `re.VERBOSE | re.IGNORECASE` between `^\s*` and `\s*$`, `_parse_letter_version`,
//! `_parse_local_version`, `_cmpkey`).
//!
//! What makes this more than "split on dots":
//! * many spellings normalise to one version: `1.0a1 == 1.0.0alpha1 == 1.0-A-1`,
//!   `1.0-1 == 1.0.post1 == 1.0-r1`, `1.0c1 == 1.0rc1 == 1.0pre1`;
//! * trailing release zeros are ignored for ordering (`1.0 == 1.0.0`);
//! * `1.0.dev0 < 1.0a0 < 1.0 < 1.0.post0`, and `1.0 < 1.0+local`.
//!
//! Fidelity details that are easy to miss and are reproduced here: Python's `re.IGNORECASE`
//! also matches `İ ı ſ K` against ASCII letters (and `str.lower()` then keeps them, so such a
//! spelling is *not* normalised to the ASCII one); `\s` is Python's Unicode whitespace; and
//! CPython refuses to convert integers longer than 4300 digits, which makes `Version()` raise.

use std::cmp::Ordering;
use std::fmt::Write as _;

use crate::num::Num;

/// CPython's default `sys.get_int_max_str_digits()`.
const MAX_INT_DIGITS: usize = 4300;

/// A parsed PEP 440 version.
#[derive(Clone, Debug)]
pub struct Pep440Version {
    epoch: Num,
    release: Vec<Num>,
    pre: Option<(Box<str>, Num)>,
    post: Option<(Box<str>, Num)>,
    dev: Option<(Box<str>, Num)>,
    local: Option<Vec<LocalPart>>,
}

/// A local version label segment. Declaration order matters: alphanumeric segments sort
/// before numeric ones.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum LocalPart {
    Str(Box<str>),
    Int(Num),
}

/// The `_pre` and `_dev` slots of `_cmpkey`, with packaging's infinity sentinels.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Slot<'a> {
    NegInf,
    Val(&'a str, &'a Num),
    Inf,
}

fn slot<'a>(v: &'a Option<(Box<str>, Num)>, none: Slot<'a>) -> Slot<'a> {
    match v {
        Some((l, n)) => Slot::Val(l, n),
        None => none,
    }
}

impl Pep440Version {
    /// `packaging.version.Version(s)`.
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let chars: Vec<char> = s.chars().collect();
        let mut p = Parser { c: &chars, i: 0 };
        p.skip_space();
        p.eat_ci("v");

        let start = p.i;
        let mut epoch = Num::default();
        let n = p.digits();
        if n > 0 && p.eat('!') {
            epoch = num(&chars[start..start + n])?;
        } else {
            p.i = start;
        }

        let mut release = Vec::new();
        loop {
            let at = p.i;
            let n = p.digits();
            if n == 0 {
                if release.is_empty() {
                    return Err("expected a release number");
                }
                // The '.' we ate is not followed by a release component: give it back.
                p.i = at - 1;
                break;
            }
            release.push(num(&chars[at..at + n])?);
            if !p.eat('.') {
                break;
            }
        }

        let pre = p.optional(|p| {
            p.sep();
            let letter = p.one_of(&["alpha", "a", "beta", "b", "preview", "pre", "c", "rc"])?;
            p.sep();
            Some((letter, p.number()))
        });
        let post = p.optional(|p| {
            if p.eat('-') {
                let at = p.i;
                let n = p.digits();
                if n > 0 {
                    return Some(("post".chars().collect(), Some((at, n))));
                }
                p.i = at - 1;
            }
            p.sep();
            let letter = p.one_of(&["post", "rev", "r"])?;
            p.sep();
            Some((letter, p.number()))
        });
        let dev = p.optional(|p| {
            p.sep();
            let letter = p.one_of(&["dev"])?;
            p.sep();
            Some((letter, p.number()))
        });

        let local = if p.eat('+') {
            let mut parts = Vec::new();
            loop {
                let at = p.i;
                while p
                    .peek()
                    .and_then(fold)
                    .is_some_and(|c| c.is_ascii_alphanumeric())
                {
                    p.i += 1;
                }
                if p.i == at {
                    return Err("invalid local version label");
                }
                let text = &chars[at..p.i];
                parts.push(if text.iter().all(char::is_ascii_digit) {
                    LocalPart::Int(num(text)?)
                } else {
                    LocalPart::Str(python_lower(text).into())
                });
                if !matches!(p.peek(), Some('-' | '_' | '.')) {
                    break;
                }
                p.i += 1;
            }
            Some(parts)
        } else {
            None
        };

        p.skip_space();
        if p.i != chars.len() {
            return Err("not a PEP 440 version");
        }

        Ok(Pep440Version {
            epoch,
            release,
            pre: letter_version(&chars, pre)?,
            post: letter_version(&chars, post)?,
            dev: letter_version(&chars, dev)?,
            local,
        })
    }

    /// `str(Version(s))`: the normalised form (`1.0-A-1` → `1.0a1`, `1.0-1` → `1.0.post1`).
    pub fn normalized(&self) -> String {
        let mut out = String::new();
        if !self.epoch.is_zero() {
            let _ = write!(out, "{}!", self.epoch);
        }
        let release: Vec<String> = self.release.iter().map(Num::to_string).collect();
        out.push_str(&release.join("."));
        if let Some((l, n)) = &self.pre {
            let _ = write!(out, "{l}{n}");
        }
        if let Some((_, n)) = &self.post {
            let _ = write!(out, ".post{n}");
        }
        if let Some((_, n)) = &self.dev {
            let _ = write!(out, ".dev{n}");
        }
        if let Some(local) = &self.local {
            let parts: Vec<String> = local
                .iter()
                .map(|p| match p {
                    LocalPart::Str(s) => s.to_string(),
                    LocalPart::Int(n) => n.to_string(),
                })
                .collect();
            let _ = write!(out, "+{}", parts.join("."));
        }
        out
    }

    /// `Version.is_prerelease`: has a pre-release or dev segment.
    pub fn is_prerelease(&self) -> bool {
        self.pre.is_some() || self.dev.is_some()
    }

    fn key_release(&self) -> &[Num] {
        let keep = self
            .release
            .iter()
            .rposition(|n| !n.is_zero())
            .map_or(0, |i| i + 1);
        &self.release[..keep]
    }

    fn key_pre(&self) -> Slot<'_> {
        if self.pre.is_none() && self.post.is_none() && self.dev.is_some() {
            // `1.0.dev0` sorts before `1.0a0`.
            Slot::NegInf
        } else {
            slot(&self.pre, Slot::Inf)
        }
    }
}

/// A letter-number segment before normalisation: the matched letter text and the span of its
/// number, if any.
type RawSegment = Option<(Vec<char>, Option<(usize, usize)>)>;

/// `_parse_letter_version`: lower-case with Python's full case mapping, then map the alternate
/// spellings; a missing number is 0.
fn letter_version(
    chars: &[char],
    seg: RawSegment,
) -> Result<Option<(Box<str>, Num)>, &'static str> {
    let Some((letter, number)) = seg else {
        return Ok(None);
    };
    let number = match number {
        Some((at, n)) => num(&chars[at..at + n])?,
        None => Num::default(),
    };
    let lower = python_lower(&letter);
    let canonical = match lower.as_str() {
        "alpha" => "a",
        "beta" => "b",
        "c" | "pre" | "preview" => "rc",
        "rev" | "r" => "post",
        other => other,
    };
    Ok(Some((canonical.into(), number)))
}

fn python_lower(text: &[char]) -> String {
    text.iter().collect::<String>().to_lowercase()
}

fn num(digits: &[char]) -> Result<Num, &'static str> {
    if digits.len() > MAX_INT_DIGITS {
        return Err("number exceeds CPython's 4300-digit int conversion limit");
    }
    Ok(Num::from_digits(&digits.iter().collect::<String>()))
}

/// What a pattern letter matches under Python `re.IGNORECASE` (Unicode): the ASCII letter in
/// either case, plus the four non-ASCII characters that case-fold onto ASCII letters.
fn fold(c: char) -> Option<char> {
    match c {
        'a'..='z' | '0'..='9' => Some(c),
        'A'..='Z' => Some(c.to_ascii_lowercase()),
        '\u{130}' | '\u{131}' => Some('i'),
        '\u{17f}' => Some('s'),
        '\u{212a}' => Some('k'),
        _ => None,
    }
}

struct Parser<'a> {
    c: &'a [char],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.c.get(self.i).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(crate::text::is_python_space) {
            self.i += 1;
        }
    }

    fn digits(&mut self) -> usize {
        let at = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        self.i - at
    }

    /// `[-_\.]?`
    fn sep(&mut self) {
        if matches!(self.peek(), Some('-' | '_' | '.')) {
            self.i += 1;
        }
    }

    /// `[0-9]+` (optional), as a span.
    fn number(&mut self) -> Option<(usize, usize)> {
        let at = self.i;
        let n = self.digits();
        (n > 0).then_some((at, n))
    }

    fn eat_ci(&mut self, word: &str) -> bool {
        let n = word.chars().count();
        let matches = self.c.len() >= self.i + n
            && self.c[self.i..self.i + n]
                .iter()
                .zip(word.chars())
                .all(|(&c, w)| fold(c) == Some(w));
        if matches {
            self.i += n;
        }
        matches
    }

    /// The first alternative that matches, in the pattern's order (the alternatives are
    /// listed longest-first wherever one is a prefix of another, and no shorter alternative
    /// can lead to a match that a longer one missed, so no backtracking is needed).
    fn one_of(&mut self, words: &[&str]) -> Option<Vec<char>> {
        let at = self.i;
        words
            .iter()
            .find(|w| self.eat_ci(w))
            .map(|_| self.c[at..self.i].to_vec())
    }

    /// Runs an optional group: on failure the cursor is restored, as the regex would.
    fn optional<T>(&mut self, f: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let at = self.i;
        let r = f(self);
        if r.is_none() {
            self.i = at;
        }
        r
    }
}

impl Ord for Pep440Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| self.key_release().cmp(other.key_release()))
            .then_with(|| self.key_pre().cmp(&other.key_pre()))
            // No post-release sorts before any post-release: `Option`'s `None < Some`.
            .then_with(|| self.post.cmp(&other.post))
            .then_with(|| slot(&self.dev, Slot::Inf).cmp(&slot(&other.dev, Slot::Inf)))
            // No local label sorts before any local label: `Option`'s `None < Some`.
            .then_with(|| self.local.cmp(&other.local))
    }
}

impl PartialOrd for Pep440Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Pep440Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Pep440Version {}

/// The sort key of a version PEP 440 rejects, as OSV orders PyPI (`packaging_legacy`'s
/// `LegacyVersion`, setuptools' old `parse_version`): every such version sorts before every
/// valid one (its epoch is -1), and among themselves by these parts. Without it a package
/// installed as `2.0.0-custom` could not be placed in any range.
pub(crate) fn legacy_key(version: &str) -> Vec<String> {
    let lower = version.to_lowercase();
    let mut parts: Vec<String> = Vec::new();
    for part in legacy_parts(&lower) {
        if part.starts_with('*') {
            // Drop a `-` before a pre-release tag, and trailing zeros of each numeric series.
            if part.as_str() < "*final" {
                while parts.last().is_some_and(|p| p == "*final-") {
                    parts.pop();
                }
            }
            while parts.last().is_some_and(|p| p == "00000000") {
                parts.pop();
            }
        }
        parts.push(part);
    }
    parts
}

/// `_parse_version_parts`: digit runs zero-padded to 8, letter runs and `-` as `*`-prefixed
/// words (`pre`, `preview` and `rc` as `c`, `dev` as `@`, `-` as `final-`), `.` and other
/// characters as separators, then `*final`.
fn legacy_parts(s: &str) -> Vec<String> {
    // The regex `(\d+ | [a-z]+ | \. | -)` splits with its groups kept; text between matches
    // (any other character) is kept as a part too.
    let mut out: Vec<String> = Vec::new();
    let bytes: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut other = String::new();
    let push = |raw: String, out: &mut Vec<String>| {
        let part = match raw.as_str() {
            "pre" | "preview" | "rc" => "c".to_owned(),
            "-" => "final-".to_owned(),
            "dev" => "@".to_owned(),
            _ => raw,
        };
        if part.is_empty() || part == "." {
            return;
        }
        if part.starts_with(|c: char| c.is_ascii_digit()) {
            out.push(format!("{part:0>8}"));
        } else {
            out.push(format!("*{part}"));
        }
    };
    while i < bytes.len() {
        let c = bytes[i];
        let run = |pred: &dyn Fn(char) -> bool, i: &mut usize| {
            let start = *i;
            while *i < bytes.len() && pred(bytes[*i]) {
                *i += 1;
            }
            bytes[start..*i].iter().collect::<String>()
        };
        let token = if c.is_ascii_digit() {
            Some(run(&|c: char| c.is_ascii_digit(), &mut i))
        } else if c.is_ascii_lowercase() {
            Some(run(&|c: char| c.is_ascii_lowercase(), &mut i))
        } else if c == '.' || c == '-' {
            i += 1;
            Some(c.to_string())
        } else {
            other.push(c);
            i += 1;
            None
        };
        if let Some(t) = token {
            if !other.is_empty() {
                push(std::mem::take(&mut other), &mut out);
            }
            push(t, &mut out);
        }
    }
    if !other.is_empty() {
        push(other, &mut out);
    }
    out.push("*final".to_owned());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    fn v(s: &str) -> Pep440Version {
        Pep440Version::parse(s).unwrap()
    }

    #[test]
    fn normalization() {
        for (raw, norm) in [
            ("1.0a1", "1.0a1"),
            ("1.0.0alpha1", "1.0.0a1"),
            ("1.0-A-1", "1.0a1"),
            ("1.0c1", "1.0rc1"),
            ("1.0PREVIEW", "1.0rc0"),
            ("1.0-1", "1.0.post1"),
            ("1.0-post1", "1.0.post1"),
            ("1.0.r", "1.0.post0"),
            ("1.0-rev5", "1.0.post5"),
            ("v1.0.DEV", "1.0.dev0"),
            ("  1!01.002+AbC-01_x  ", "1!1.2+abc.1.x"),
            ("1.0a.", "1.0a0"),
            ("1.0a-1", "1.0a1"),
            ("1.0.post.dev", "1.0.post0.dev0"),
            ("\u{2003}1.0\u{85}", "1.0"),
        ] {
            assert_eq!(v(raw).normalized(), norm, "{raw:?}");
        }
    }

    #[test]
    fn equalities() {
        assert_eq!(v("1.0a1"), v("1.0.0a1"));
        assert_eq!(v("1.0-post1"), v("1.0.post1"));
        assert_eq!(v("1.0rc1"), v("1.0c1"));
        assert_eq!(v("1.0"), v("1.0.0.0"));
        assert_eq!(v("0!1.0"), v("1.0"));
        assert_ne!(v("1.0"), v("1.0+0"));
    }

    #[test]
    fn ordering() {
        let chain = [
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.1.dev1",
            "1!0.1",
        ];
        for w in chain.windows(2) {
            assert_eq!(v(w[0]).cmp(&v(w[1])), Less, "{} < {}", w[0], w[1]);
        }
    }

    #[test]
    fn rejects() {
        for bad in [
            "",
            "v",
            "1.",
            "1..0",
            "1.0-",
            "1.0+",
            "1.0+a..b",
            "1.0 a",
            "a1.0",
            "1.0alph",
            "1.0.0.dev1.post1",
            "1!",
            "1.0_+a",
            "١.٠",
        ] {
            assert!(Pep440Version::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn python_ignorecase_quirks() {
        // `ſ` matches `s` under re.IGNORECASE, but str.lower() keeps it, so the letter is not
        // normalised to "post" and takes part in the comparison.
        let odd = v("1.0.po\u{17f}t1");
        assert_eq!(odd.normalized(), "1.0.post1");
        assert_ne!(odd, v("1.0.post1"));
        // Kelvin sign lower-cases to 'k' in local labels.
        assert_eq!(v("1.0+\u{212a}"), v("1.0+k"));
    }

    #[test]
    fn cpython_int_limit() {
        assert!(Pep440Version::parse(&"1".repeat(4300)).is_ok());
        assert!(Pep440Version::parse(&"1".repeat(4301)).is_err());
    }
}
