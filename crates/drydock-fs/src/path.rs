use std::borrow::Cow;
use std::fmt;

/// A path inside an image, normalised so that it cannot leave the image root.
///
/// Stored as the bytes after the root slash, components joined by `/`, with no `.`, `..` or empty
/// components: the empty path is the root itself. Bytes, not `str`, because tar names need not be
/// UTF-8 and a scanner that drops such names would let them hide content.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ImagePath(Box<[u8]>);

impl ImagePath {
    /// The image root.
    pub fn root() -> Self {
        Self::default()
    }

    /// Normalises an untrusted name (a tar entry name or link target) against the root.
    ///
    /// `..` never climbs above the root (as containerd's in-root join does); the second value tells
    /// whether it tried to, so callers can warn about entries crafted to escape.
    pub fn normalize(raw: &[u8]) -> (Self, bool) {
        Self::root().join_lexical(raw)
    }

    /// Appends a relative name lexically (no symlink resolution); an absolute `rel` starts at the root.
    pub fn join_lexical(&self, rel: &[u8]) -> (Self, bool) {
        let mut out: Vec<u8> = if rel.first() == Some(&b'/') {
            Vec::new()
        } else {
            self.0.to_vec()
        };
        let mut escaped = false;
        for comp in rel.split(|&b| b == b'/') {
            match comp {
                b"" | b"." => {}
                b".." => {
                    if out.is_empty() {
                        escaped = true;
                    } else {
                        let cut = out.iter().rposition(|&b| b == b'/').unwrap_or(0);
                        out.truncate(cut);
                    }
                }
                c => {
                    if !out.is_empty() {
                        out.push(b'/');
                    }
                    out.extend_from_slice(c);
                }
            }
        }
        (Self(out.into_boxed_slice()), escaped)
    }

    /// Builds a path from an already-clean relative form (used for trusted constants such as
    /// analyzer interests). Unclean input is normalised, so this can never produce an escape.
    pub fn new(clean: &str) -> Self {
        Self::normalize(clean.as_bytes()).0
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The same path, borrowed.
    pub fn as_path_ref(&self) -> PathRef<'_> {
        PathRef(&self.0)
    }

    /// The last component (empty for the root).
    pub fn file_name(&self) -> &[u8] {
        self.as_path_ref().file_name()
    }

    /// The parent directory (the root is its own parent).
    pub fn parent(&self) -> Self {
        self.as_path_ref().parent().to_path()
    }

    /// Appends one component; the component must not contain `/` and must not be `.` or `..`.
    pub fn child(&self, name: &[u8]) -> Self {
        self.join_lexical(name).0
    }

    /// Whether `self` is `dir` or lies below it.
    pub fn is_within(&self, dir: &ImagePath) -> bool {
        self.as_path_ref().is_within(dir)
    }

    pub fn components(&self) -> impl Iterator<Item = &[u8]> {
        self.0.split(|&b| b == b'/').filter(|c| !c.is_empty())
    }

    /// The path as the user sees it inside the image: `/etc/passwd`. Invalid UTF-8 is shown lossily.
    pub fn display(&self) -> Cow<'_, str> {
        self.as_path_ref().display()
    }

    pub fn to_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }
}

impl fmt::Display for ImagePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

impl fmt::Debug for ImagePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.display())
    }
}

/// A borrowed [`ImagePath`] (clean bytes, no leading `/`): what the squashed [`crate::FileTree`]
/// hands out, so that walking a million paths allocates nothing.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PathRef<'a>(&'a [u8]);

impl<'a> PathRef<'a> {
    /// Bytes already in clean form (they came out of an [`ImagePath`]).
    pub(crate) fn from_clean(bytes: &'a [u8]) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(self) -> &'a [u8] {
        self.0
    }

    /// Whether `bytes` are in the form [`ImagePath::normalize`] produces (no leading `/`, no
    /// empty, `.` or `..` component): stored paths are checked with it on the way back in.
    pub(crate) fn is_clean(bytes: &[u8]) -> bool {
        bytes.is_empty()
            || bytes
                .split(|&b| b == b'/')
                .all(|c| !matches!(c, b"" | b"." | b".."))
    }

    pub fn is_root(self) -> bool {
        self.0.is_empty()
    }

    /// The last component (empty for the root).
    pub fn file_name(self) -> &'a [u8] {
        match self.0.iter().rposition(|&b| b == b'/') {
            Some(i) => &self.0[i + 1..],
            None => self.0,
        }
    }

    /// The parent directory (the root is its own parent).
    pub fn parent(self) -> PathRef<'a> {
        match self.0.iter().rposition(|&b| b == b'/') {
            Some(i) => Self(&self.0[..i]),
            None => Self(&[]),
        }
    }

    /// Whether `self` is `dir` or lies below it.
    pub fn is_within(self, dir: &ImagePath) -> bool {
        dir.is_root()
            || (self.0.starts_with(&dir.0)
                && (self.0.len() == dir.0.len() || self.0[dir.0.len()] == b'/'))
    }

    /// The path as the user sees it inside the image: `/etc/passwd`. Invalid UTF-8 is shown lossily.
    pub fn display(self) -> Cow<'a, str> {
        let mut s = String::with_capacity(self.0.len() + 1);
        s.push('/');
        s.push_str(&String::from_utf8_lossy(self.0));
        Cow::Owned(s)
    }

    pub fn to_path(self) -> ImagePath {
        ImagePath(self.0.into())
    }
}

impl PartialEq<ImagePath> for PathRef<'_> {
    fn eq(&self, other: &ImagePath) -> bool {
        self.0 == &*other.0
    }
}

impl fmt::Display for PathRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

impl fmt::Debug for PathRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.display())
    }
}

/// Reports (human-readable formats) show the path as text; the layer cache (binary formats)
/// keeps the exact bytes, because a name that is not UTF-8 must come back as the same name.
impl serde::Serialize for ImagePath {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(&self.display())
        } else {
            s.serialize_bytes(&self.0)
        }
    }
}

/// Normalised again on the way in: whatever wrote the bytes, the path stays inside the root.
impl<'de> serde::Deserialize<'de> for ImagePath {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = ImagePath;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a path inside an image, as a string or bytes")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ImagePath, E> {
                Ok(ImagePath::normalize(v.as_bytes()).0)
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<ImagePath, E> {
                Ok(ImagePath::normalize(v).0)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<ImagePath, A::Error> {
                let mut bytes = Vec::new();
                while let Some(b) = seq.next_element::<u8>()? {
                    bytes.push(b);
                }
                Ok(ImagePath::normalize(&bytes).0)
            }
        }
        d.deserialize_any(V)
    }
}

/// A caller's path to a file in the image, as a string relative to the root: every leading `/`
/// and `./` removed, so `/etc/passwd`, `./etc/passwd` and `/./etc/passwd` all give `etc/passwd`.
///
/// Lighter than [`ImagePath::normalize`] on purpose: the rest of the path is kept as spelt (no
/// `..` resolution, no `//` collapsing), because the matchers that use it (catalog and language
/// path patterns, secret rules' path filters, the credentials audit's file lookup) compare
/// against paths the scanner already produced in clean form, and report the path as given.
pub fn strip_root(path: &str) -> &str {
    let mut p = path;
    loop {
        if let Some(rest) = p.strip_prefix("./") {
            p = rest;
        } else if let Some(rest) = p.strip_prefix('/') {
            p = rest;
        } else {
            return p;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> (String, bool) {
        let (p, e) = ImagePath::normalize(s.as_bytes());
        (p.display().into_owned(), e)
    }

    #[test]
    fn strips_root_prefixes_only() {
        assert_eq!(strip_root("/./usr/x"), "usr/x");
        assert_eq!(strip_root("usr/x"), "usr/x");
        assert_eq!(strip_root(".//./etc/passwd"), "etc/passwd");
        assert_eq!(strip_root("/"), "");
        // Only the prefix: inner `..` and `//` stay as the caller wrote them.
        assert_eq!(strip_root("/a/../b//c"), "a/../b//c");
        assert_eq!(strip_root("../etc"), "../etc");
        assert_eq!(strip_root(".hidden/x"), ".hidden/x");
    }

    #[test]
    fn normalizes_and_clamps() {
        assert_eq!(n("./etc//passwd"), ("/etc/passwd".into(), false));
        assert_eq!(n("/etc/passwd"), ("/etc/passwd".into(), false));
        assert_eq!(n("../../etc/passwd"), ("/etc/passwd".into(), true));
        assert_eq!(n("a/b/../../../c"), ("/c".into(), true));
        assert_eq!(n("a/./b/.."), ("/a".into(), false));
        assert_eq!(n(""), ("/".into(), false));
        assert_eq!(n("/"), ("/".into(), false));
    }

    #[test]
    fn parents_and_children() {
        let p = ImagePath::new("usr/lib/os-release");
        assert_eq!(p.file_name(), b"os-release");
        assert_eq!(p.parent(), ImagePath::new("usr/lib"));
        assert_eq!(ImagePath::new("usr").parent(), ImagePath::root());
        assert!(p.is_within(&ImagePath::new("usr")));
        assert!(!ImagePath::new("usrx/a").is_within(&ImagePath::new("usr")));
        assert!(p.is_within(&ImagePath::root()));
        assert_eq!(ImagePath::new("a").child(b"b"), ImagePath::new("a/b"));
    }

    #[test]
    fn join_respects_absolute_targets() {
        let base = ImagePath::new("etc");
        assert_eq!(base.join_lexical(b"/usr/lib").0, ImagePath::new("usr/lib"));
        assert_eq!(
            base.join_lexical(b"../usr/lib").0,
            ImagePath::new("usr/lib")
        );
    }
}
