//! Patterns written for Go's RE2 (gitleaks, Trivy), compiled with Rust's `regex`.
//!
//! Both engines are automata without look-around, so almost every rule carries over unchanged;
//! what differs is the surface syntax, which [`translate`] rewrites:
//! - `\<` and `\>` are literal in RE2 but word boundaries in Rust;
//! - a `{` that does not start a repetition is literal in RE2 and an error in Rust;
//! - a `[` inside a class is literal in RE2 and a nested class in Rust (and `--`, `&&`, `~~`
//!   are set operators there);
//! - `\Q...\E` quoting exists only in RE2;
//! - Trivy reuses one group name for several groups (`(?P<secret>..)` twice), which Rust
//!   refuses: duplicates are renamed `name__N` and matched back by their base name.
//!
//! Patterns are compiled as byte regexes with Unicode off where possible: RE2's `\w`, `\d`,
//! `\s` and `\b` are ASCII, the automata are much smaller, and invalid UTF-8 in a file simply
//! fails to match instead of needing a lossy copy. A pattern that needs Unicode (`\p{L}`) falls
//! back to Unicode mode. Compilation is deferred to first use: most rules never see their
//! keyword in most files, so most regexes are never built.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex::bytes::{Regex, RegexBuilder};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Compiled-size ceiling per regex. gitleaks' generic rules with `(?i)` and counted repetitions
/// are large; 64 MiB keeps them compiling while still bounding a hostile user pattern.
const SIZE_LIMIT: usize = 64 << 20;

/// A validated pattern, shared: every engine built in this process gets the same
/// `LazyRegex` for the same source text, so a config that extends the built-in rules, or a
/// second engine, reuses automata already built instead of compiling them again.
pub(crate) type Pattern = Arc<LazyRegex>;

type Cache = Mutex<HashMap<(String, bool), Pattern>>;

/// The pattern for `source`, from the process-wide cache. The cache holds each distinct
/// pattern once (the built-in set plus what configs add), so it stays small.
pub(crate) fn pattern(source: &str, crlf: bool) -> Result<Pattern, PatternError> {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Cache::default);
    let key = (source.to_owned(), crlf);
    if let Some(p) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Ok(Arc::clone(p));
    }
    let p = Arc::new(LazyRegex::new(source, crlf)?);
    let mut guard = cache.lock().unwrap_or_else(|e| e.into_inner());
    Ok(Arc::clone(guard.entry(key).or_insert(p)))
}

type AcCache = Mutex<HashMap<Vec<String>, Arc<AhoCorasick>>>;

/// An ASCII-case-insensitive Aho-Corasick automaton over `words` (lower-case), shared like
/// patterns: the keyword automaton and the stop-word automata are the same for every engine
/// built from the same rules, and building them is the costly part of loading a config.
pub(crate) fn words_automaton(words: &[String]) -> Option<Arc<AhoCorasick>> {
    static CACHE: OnceLock<AcCache> = OnceLock::new();
    let cache = CACHE.get_or_init(AcCache::default);
    if let Some(ac) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(words) {
        return Some(Arc::clone(ac));
    }
    let build = |kind| {
        AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(kind)
            .build(words)
    };
    // A DFA is the fastest for a few hundred short words; fall back if it would be too big.
    let ac = Arc::new(
        build(Some(AhoCorasickKind::DFA))
            .or_else(|_| build(None))
            .ok()?,
    );
    let mut guard = cache.lock().unwrap_or_else(|e| e.into_inner());
    Some(Arc::clone(guard.entry(words.to_vec()).or_insert(ac)))
}

/// A validated pattern whose automaton is built on first use, once, shared across threads.
#[derive(Debug)]
pub(crate) struct LazyRegex {
    translated: String,
    unicode: bool,
    /// For each capture group index, its name with any `__N` de-duplication suffix removed.
    group_names: Vec<Option<String>>,
    cell: OnceLock<Option<Regex>>,
}

/// Why a pattern was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    pub pattern: String,
    pub message: String,
}

impl LazyRegex {
    /// Translates and syntax-checks `source` now (cheap), so config errors surface at load time.
    /// `crlf` turns on CRLF mode, so that `(?m)$` also ends a line before `\r\n`.
    pub(crate) fn new(source: &str, crlf: bool) -> Result<Self, PatternError> {
        let err = |message: String| PatternError {
            pattern: source.to_owned(),
            message,
        };
        let (mut translated, group_names) = translate(source).map_err(err)?;
        if crlf {
            translated.insert_str(0, "(?R)");
        }
        let unicode = match parse(&translated, false) {
            Ok(()) => false,
            Err(first) => match parse(&translated, true) {
                Ok(()) => true,
                Err(_) => return Err(err(first)),
            },
        };
        Ok(LazyRegex {
            translated,
            unicode,
            group_names,
            cell: OnceLock::new(),
        })
    }

    /// The automaton, or `None` if it exceeds the size limit (the rule is then inert).
    pub(crate) fn get(&self) -> Option<&Regex> {
        self.cell
            .get_or_init(|| {
                RegexBuilder::new(&self.translated)
                    .unicode(self.unicode)
                    .octal(true)
                    .size_limit(SIZE_LIMIT)
                    .dfa_size_limit(SIZE_LIMIT)
                    .build()
                    .ok()
            })
            .as_ref()
    }

    pub(crate) fn is_match(&self, haystack: &[u8]) -> bool {
        self.get().is_some_and(|re| re.is_match(haystack))
    }

    /// Capture group indices whose (de-duplicated) name is `name`.
    pub(crate) fn groups_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = usize> + 'a {
        self.group_names
            .iter()
            .enumerate()
            .filter(move |(_, n)| n.as_deref() == Some(name))
            .map(|(i, _)| i)
    }

    pub(crate) fn group_count(&self) -> usize {
        self.group_names.len()
    }
}

fn parse(pattern: &str, unicode: bool) -> Result<(), String> {
    regex_syntax::ParserBuilder::new()
        .unicode(unicode)
        .utf8(false)
        .octal(true)
        .build()
        .parse(pattern)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Joins several patterns into one alternation (gitleaks does the same for allowlists).
pub(crate) fn join_alternation(patterns: &[String]) -> String {
    patterns
        .iter()
        .map(|p| format!("(?:{p})"))
        .collect::<Vec<_>>()
        .join("|")
}

/// Rewrites RE2 syntax into Rust `regex` syntax; returns the pattern and, per capture group
/// (index 0 is the whole match), the group's original name.
pub(crate) fn translate(src: &str) -> Result<(String, Vec<Option<String>>), String> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len() + 8);
    let mut names: Vec<Option<String>> = vec![None];
    let mut seen: Vec<String> = Vec::new();
    let mut i = 0;
    let mut in_class = false;
    // Position right after the class opener (`[` or `[^`): a `]` there is a literal.
    let mut class_start = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            let Some(&next) = chars.get(i + 1) else {
                return Err("trailing backslash".into());
            };
            match next {
                '<' | '>' => {
                    // Literal in RE2, a word boundary in Rust: emit the bare character.
                    out.push(next);
                    i += 2;
                }
                'Q' => {
                    // Literal text up to `\E` (or the end).
                    i += 2;
                    while i < chars.len() {
                        if chars[i] == '\\' && chars.get(i + 1) == Some(&'E') {
                            i += 2;
                            break;
                        }
                        push_literal(&mut out, chars[i]);
                        i += 1;
                    }
                }
                'E' => i += 2, // a stray `\E` is a no-op in RE2
                _ => {
                    out.push('\\');
                    out.push(next);
                    i += 2;
                }
            }
            continue;
        }
        if in_class {
            match c {
                ']' if i != class_start => {
                    in_class = false;
                    out.push(']');
                }
                '[' => {
                    if chars.get(i + 1) == Some(&':') {
                        // POSIX class `[:alpha:]`: copy through the closing `:]`.
                        let rest: String = chars[i..].iter().collect();
                        if let Some(end) = rest.find(":]") {
                            out.push_str(&rest[..end + 2]);
                            i += rest[..end + 2].chars().count();
                            continue;
                        }
                    }
                    out.push_str("\\[");
                }
                '-' | '&' | '~' if chars.get(i + 1) == Some(&c) => {
                    out.push(c);
                    out.push('\\');
                    out.push(c);
                    i += 2;
                    continue;
                }
                _ => out.push(c),
            }
            i += 1;
            continue;
        }
        match c {
            '[' => {
                in_class = true;
                out.push('[');
                i += 1;
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                class_start = i;
                continue;
            }
            '{' => {
                if let Some(len) = repetition_len(&chars[i..]) {
                    out.extend(&chars[i..i + len]);
                    i += len;
                    continue;
                }
                out.push_str("\\{");
            }
            '}' => out.push_str("\\}"),
            '(' => {
                out.push('(');
                if chars.get(i + 1) == Some(&'?') {
                    let named = match (chars.get(i + 2), chars.get(i + 3)) {
                        (Some('P'), Some('<')) => Some(i + 4),
                        (Some('<'), Some(c2)) if *c2 != '=' && *c2 != '!' => Some(i + 3),
                        _ => None,
                    };
                    if let Some(name_start) = named {
                        let rest: String = chars[name_start..].iter().collect();
                        let Some(end) = rest.find('>') else {
                            return Err("unterminated group name".into());
                        };
                        let name = &rest[..end];
                        let count = seen.iter().filter(|n| n.as_str() == name).count();
                        let unique = if count == 0 {
                            name.to_owned()
                        } else {
                            format!("{name}__{count}")
                        };
                        seen.push(name.to_owned());
                        names.push(Some(name.to_owned()));
                        out.push_str("?P<");
                        out.push_str(&unique);
                        out.push('>');
                        i = name_start + end + 1;
                        continue;
                    }
                    // Non-capturing group or flags: copied as is.
                } else {
                    names.push(None);
                }
            }
            _ => out.push(c),
        }
        i += 1;
    }
    if in_class {
        return Err("unterminated character class".into());
    }
    Ok((out, names))
}

fn push_literal(out: &mut String, c: char) {
    if c.is_ascii_punctuation() {
        out.push('\\');
    }
    out.push(c);
}

/// Length of a valid repetition `{n}`, `{n,}`, `{n,m}` at the start of `s`, if any.
fn repetition_len(s: &[char]) -> Option<usize> {
    let mut i = 1;
    let digits = |i: &mut usize| {
        let start = *i;
        while s.get(*i).is_some_and(|c| c.is_ascii_digit()) {
            *i += 1;
        }
        *i > start
    };
    if !digits(&mut i) {
        return None;
    }
    if s.get(i) == Some(&',') {
        i += 1;
        digits(&mut i);
    }
    (s.get(i) == Some(&'}')).then_some(i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tr(s: &str) -> String {
        translate(s)
            .map(|t| t.0)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn literal_braces_are_escaped() {
        assert_eq!(tr(r"^\${(?:[A-Z_]+)}$"), r"^\$\{(?:[A-Z_]+)\}$");
        assert_eq!(tr(r"a{2,3}b{4}c{5,}"), r"a{2,3}b{4}c{5,}");
    }

    #[test]
    fn re2_literal_angle_brackets() {
        assert_eq!(tr(r"\<x\>"), "<x>");
    }

    #[test]
    fn nested_bracket_in_class_is_literal() {
        assert_eq!(tr(r"[[a]"), r"[\[a]");
        assert_eq!(tr(r"[[:alpha:]_]"), r"[[:alpha:]_]");
        assert_eq!(tr(r"[]a]"), r"[]a]");
        assert_eq!(tr(r"[a--z]"), r"[a-\-z]");
    }

    #[test]
    fn duplicate_group_names_are_renamed() {
        let (p, names) = translate(r"(?P<s>a)(b)(?P<s>c)").expect("valid");
        assert_eq!(p, r"(?P<s>a)(b)(?P<s__1>c)");
        assert_eq!(
            names,
            vec![None, Some("s".to_owned()), None, Some("s".to_owned())]
        );
        let re = LazyRegex::new(r"(?P<s>a)(b)(?P<s>c)", false).expect("valid");
        assert_eq!(re.groups_named("s").collect::<Vec<_>>(), vec![1, 3]);
    }

    #[test]
    fn quoting() {
        assert_eq!(tr(r"\Qa.b\E+"), r"a\.b+");
    }

    #[test]
    fn ascii_classes_and_invalid_utf8() {
        let re = LazyRegex::new(r"ghp_\w{4}", true).expect("valid");
        assert!(re.is_match(b"x ghp_ab_9 y"));
        assert!(!re.is_match(b"ghp_ab\xff\xfe"));
    }
}
