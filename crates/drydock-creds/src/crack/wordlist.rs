//! Which passwords are tried, in which order.
//!
//! Order matters because memory-hard schemes only get the head of the list. The empty password
//! and the user name with its variants come first (the commonest weak choice on images). Then the
//! three lists are interleaved, one word from each in turn: vendor defaults, the caller's extra
//! list, and the generic common-password list (sorted most-common first). Interleaving keeps the
//! head of every list within reach of a short cut: with 30 words for bcrypt, `123456` and
//! `changeme` and the caller's first guess all get tried.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

static COMMON: &str = include_str!("../../data/common-passwords.txt");
static DEFAULTS: &str = include_str!("../../data/default-passwords.txt");

/// Where a candidate came from; reported with a cracked password so a reader knows why it fell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The empty string.
    Empty,
    /// The account or user name, or a simple variant of it (`name123`, `Name1`, reversed...).
    UserName,
    /// `data/default-passwords.txt`: vendor and distribution defaults.
    VendorDefault,
    /// The caller's extra wordlist.
    Extra,
    /// `data/common-passwords.txt`, with the 1-based rank in that list.
    Common(usize),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Empty => f.write_str("the empty password"),
            Source::UserName => f.write_str("the user name or a simple variant of it"),
            Source::VendorDefault => f.write_str("a well-known vendor default"),
            Source::Extra => f.write_str("the extra wordlist"),
            Source::Common(rank) => write!(f, "the common-password list (rank {rank})"),
        }
    }
}

/// A candidate password and where it came from.
#[derive(Clone, Debug)]
pub struct Candidate<'a> {
    pub word: Cow<'a, str>,
    pub source: Source,
}

/// The built-in lists plus any extra words, deduplicated, in trial order.
#[derive(Debug, Clone)]
pub struct Wordlist {
    words: Vec<(String, Source)>,
    set: HashSet<String>,
}

impl Wordlist {
    /// The lists shipped in `data/`.
    pub fn builtin() -> Self {
        Self::with_extra(&[])
    }

    /// The built-in lists with `extra` interleaved: defaults, extra and common words in turn.
    pub fn with_extra(extra: &[String]) -> Self {
        let mut wl = Wordlist {
            words: Vec::new(),
            set: HashSet::new(),
        };
        let mut defaults = list_lines(DEFAULTS).map(|w| (w, Source::VendorDefault));
        let mut extra = extra
            .iter()
            .map(|w| (w.trim_end_matches(['\r', '\n']), Source::Extra));
        let mut common = list_lines(COMMON)
            .enumerate()
            .map(|(i, w)| (w, Source::Common(i + 1)));
        loop {
            let mut any = false;
            for next in [defaults.next(), extra.next(), common.next()]
                .into_iter()
                .flatten()
            {
                any = true;
                wl.push(next.0, next.1);
            }
            if !any {
                break;
            }
        }
        wl
    }

    fn push(&mut self, w: &str, source: Source) {
        if !w.is_empty() && self.set.insert(w.to_owned()) {
            self.words.push((w.to_owned(), source));
        }
    }

    /// Number of distinct words (variants of user names not included).
    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Whether a plaintext password from a config file is one of the listed ones.
    pub fn source_of(&self, password: &str, user: Option<&str>) -> Option<Source> {
        if password.is_empty() {
            return Some(Source::Empty);
        }
        if let Some(u) = user
            && user_variants(u).iter().any(|v| v == password)
        {
            return Some(Source::UserName);
        }
        if !self.set.contains(password) {
            return None;
        }
        self.words
            .iter()
            .find(|(w, _)| w == password)
            .map(|(_, s)| *s)
    }

    /// The candidates to try against one hash: empty string, user variants, then the list,
    /// capped at `limit` list words.
    pub fn candidates(&self, user: Option<&str>, limit: usize) -> Vec<Candidate<'_>> {
        let mut out = vec![Candidate {
            word: Cow::Borrowed(""),
            source: Source::Empty,
        }];
        let variants = user.map(user_variants).unwrap_or_default();
        for v in &variants {
            out.push(Candidate {
                word: Cow::Owned(v.clone()),
                source: Source::UserName,
            });
        }
        out.extend(
            self.words
                .iter()
                .filter(|(w, _)| !variants.contains(w))
                .take(limit)
                .map(|(w, s)| Candidate {
                    word: Cow::Borrowed(w.as_str()),
                    source: *s,
                }),
        );
        out
    }
}

fn list_lines(data: &str) -> impl Iterator<Item = &str> {
    data.lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.is_empty() && !l.starts_with("#!comment:"))
}

/// The guesses people make from a name: as is, capitalised, upper-case, with common suffixes,
/// doubled and reversed. Deduplicated, order kept.
pub(crate) fn user_variants(name: &str) -> Vec<String> {
    if name.is_empty() {
        return Vec::new();
    }
    let mut cap = String::new();
    let mut chars = name.chars();
    if let Some(c) = chars.next() {
        cap.extend(c.to_uppercase());
        cap.push_str(chars.as_str());
    }
    let all = [
        name.to_owned(),
        cap.clone(),
        name.to_uppercase(),
        format!("{name}1"),
        format!("{cap}1"),
        format!("{name}12"),
        format!("{name}123"),
        format!("{cap}123"),
        format!("{name}1234"),
        format!("{name}!"),
        format!("{name}{name}"),
        name.chars().rev().collect(),
    ];
    let mut out: Vec<String> = Vec::with_capacity(all.len());
    for v in all {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_list_is_loaded_and_ordered() {
        let wl = Wordlist::builtin();
        assert!(wl.len() > 30_000, "{}", wl.len());
        assert_eq!(wl.source_of("123456", None), Some(Source::Common(1)));
        assert_eq!(wl.source_of("tomcat", None), Some(Source::VendorDefault));
        // Interleaved: the head of each list comes early.
        let head: Vec<&str> = wl.words.iter().take(4).map(|(w, _)| w.as_str()).collect();
        assert_eq!(head, ["admin", "123456", "password", "root"]);
        assert_eq!(wl.source_of("Xq7#pL9vW2mZ", None), None);
    }

    #[test]
    fn variants() {
        let v = user_variants("alice");
        for w in ["alice", "Alice", "alice123", "Alice1", "ecila", "alice1"] {
            assert!(v.iter().any(|x| x == w), "{w}");
        }
        assert!(user_variants("").is_empty());
    }

    #[test]
    fn candidates_put_user_first_and_cap_the_list() {
        let wl = Wordlist::with_extra(&["projectx".to_owned()]);
        let c = wl.candidates(Some("bob"), 5);
        assert_eq!(c[0].word, "");
        assert_eq!(c[1].word, "bob");
        let list_words = c
            .iter()
            .filter(|c| !matches!(c.source, Source::Empty | Source::UserName))
            .count();
        assert_eq!(list_words, 5);
        let all = wl.candidates(None, usize::MAX);
        assert!(
            all.iter()
                .any(|c| c.word == "projectx" && c.source == Source::Extra)
        );
    }
}
