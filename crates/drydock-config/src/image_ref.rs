//! Just enough of the image reference grammar to tell a tag from a registry port and a digest.

/// The parts of `[registry/]repository[:tag][@digest]` that the rules care about.
#[derive(Debug, PartialEq, Eq)]
pub struct ImageRef<'a> {
    pub name: &'a str,
    pub tag: Option<&'a str>,
    pub digest: Option<&'a str>,
}

impl<'a> ImageRef<'a> {
    pub fn parse(reference: &'a str) -> ImageRef<'a> {
        let (rest, digest) = match reference.split_once('@') {
            Some((r, d)) => (r, Some(d)),
            None => (reference, None),
        };
        // A colon after the last slash is a tag; before it, a registry port.
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
            None => (rest, None),
        };
        ImageRef { name, tag, digest }
    }

    /// Pinned by content: the only reference that cannot silently change under you.
    pub fn pinned(&self) -> bool {
        self.digest.is_some_and(|d| d.contains(':'))
    }

    /// Why the reference is not one a registry can serve (`redis:alpine:v0.3.6` has two
    /// tags), or `None`. A container with such an image never starts; the tag rules say so
    /// instead of judging a tag that is not one.
    pub fn problem(&self) -> Option<&'static str> {
        let last = self.name.rsplit('/').next().unwrap_or(self.name);
        if last.contains(':') {
            return Some("more than one tag");
        }
        let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
        if let Some(t) = self.tag
            && (t.is_empty()
                || t.len() > 128
                || !t.starts_with(word)
                || !t.chars().all(|c| word(c) || c == '.' || c == '-'))
        {
            return Some("a tag holds only letters, digits, '_', '.' and '-' (at most 128)");
        }
        None
    }

    /// `:latest`, or no tag and no digest (which means `:latest`).
    pub fn floating(&self) -> bool {
        !self.pinned() && self.tag.is_none_or(|t| t == "latest")
    }
}

/// References built from variables we could not resolve are not judged: guessing would
/// produce findings about text that is not the image actually used.
pub fn unresolved(reference: &str) -> bool {
    reference.contains('$') || reference.contains("{{") || reference.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        let r = ImageRef::parse("registry:5000/team/app:1.2@sha256:abc");
        assert_eq!(r.name, "registry:5000/team/app");
        assert_eq!(r.tag, Some("1.2"));
        assert!(r.pinned());
        assert!(ImageRef::parse("registry:5000/app").floating());
        assert!(ImageRef::parse("nginx:latest").floating());
        assert!(!ImageRef::parse("nginx:1.25").floating());
    }

    #[test]
    fn malformed_references_are_named() {
        // microservices-demo's redis.yaml, as pinned in bench/corpus-real.
        assert!(ImageRef::parse("redis:alpine:v0.3.6").problem().is_some());
        assert!(
            ImageRef::parse("gcr.io/x/redis:alpine:v0.3.6")
                .problem()
                .is_some()
        );
        assert!(ImageRef::parse("nginx:1.25 ").problem().is_some());
        for ok in [
            "nginx",
            "nginx:1.25",
            "registry:5000/app",
            "registry:5000/app:v1_2.3-rc",
        ] {
            assert_eq!(ImageRef::parse(ok).problem(), None, "{ok}");
        }
    }
}
