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
}
