//! Image references (`registry.example:5000/team/app:1.4`, `app@sha256:…`, `debian:12`),
//! parsed by the grammar of distribution's `reference` package and normalised the way Docker
//! does: no registry means Docker Hub, a one-component Hub name lives under `library/`, no tag
//! and no digest means `latest`.

use std::fmt;

use crate::Error;

/// The registry name Docker Hub references resolve to.
pub const DOCKER_HUB: &str = "docker.io";
/// The host Docker Hub's registry API actually answers on.
pub const DOCKER_HUB_API: &str = "registry-1.docker.io";

/// distribution caps the whole name (registry + repository) at 255 characters.
const NAME_MAX: usize = 255;
/// distribution's tag grammar: `[\w][\w.-]{0,127}`.
const TAG_MAX: usize = 128;

/// A parsed, normalised image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Registry name as written (`docker.io` for Docker Hub, `host:port` otherwise).
    pub registry: String,
    /// Repository path (`library/debian`, `team/app`).
    pub repository: String,
    /// Tag; `latest` when neither a tag nor a digest was given.
    pub tag: Option<String>,
    /// `algorithm:hex` digest; when present it is what gets pulled, the tag is informative.
    pub digest: Option<String>,
}

impl Reference {
    /// Parses and normalises `input`.
    pub fn parse(input: &str) -> Result<Reference, Error> {
        let bad = |reason: &str| Error::InvalidReference {
            reference: input.to_string(),
            reason: reason.to_string(),
        };
        if input.is_empty() {
            return Err(bad("empty"));
        }
        let (rest, digest) = match input.split_once('@') {
            Some((name, digest)) => {
                check_digest(digest).map_err(|r| bad(&r))?;
                (name, Some(digest.to_string()))
            }
            None => (input, None),
        };
        // A tag is the part after the last ':' only if that ':' comes after the last '/':
        // `host:5000/app` has a port, not a tag.
        let (name, tag) = match rest.rfind(':') {
            Some(i) if !rest[i..].contains('/') => (&rest[..i], Some(rest[i + 1..].to_string())),
            _ => (rest, None),
        };
        if let Some(tag) = &tag {
            check_tag(tag).map_err(|r| bad(&r))?;
        }
        if name.len() > NAME_MAX {
            return Err(bad("name longer than 255 characters"));
        }
        let (registry, repository) = split_registry(name);
        let registry = match registry {
            // Docker's historical aliases for the Hub.
            Some("index.docker.io") | Some(DOCKER_HUB) | None => DOCKER_HUB.to_string(),
            Some(host) => {
                check_registry(host).map_err(|r| bad(&r))?;
                host.to_string()
            }
        };
        if repository.is_empty() {
            return Err(bad("no repository name"));
        }
        for component in repository.split('/') {
            check_component(component).map_err(|r| bad(&r))?;
        }
        let repository = if registry == DOCKER_HUB && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository.to_string()
        };
        let tag = match (tag, &digest) {
            (None, None) => Some("latest".to_string()),
            (tag, _) => tag,
        };
        Ok(Reference {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// Host (and port) the registry API is reached on: Docker Hub's API is not on `docker.io`.
    pub fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB {
            DOCKER_HUB_API
        } else {
            &self.registry
        }
    }

    /// What a manifest request names: the digest when there is one, else the tag.
    pub fn manifest_ref(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }

    /// Whether the registry is on this machine, where Docker allows plain HTTP.
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(&self.registry)
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// `localhost`, `127.0.0.0/8` and `[::1]`, with or without a port.
pub fn is_loopback_host(host_port: &str) -> bool {
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host_port.split(':').next().unwrap_or(""),
    };
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

/// Docker's rule: the first component is a registry when it has a `.` or a `:`, or is
/// `localhost`, and more components follow. `debian` and `team/app` are Hub names.
fn split_registry(name: &str) -> (Option<&str>, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (Some(first), rest)
        }
        _ => (None, name),
    }
}

fn check_registry(host: &str) -> Result<(), String> {
    let (name, port) = match host.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((addr, rest)) => {
                if addr.parse::<std::net::Ipv6Addr>().is_err() {
                    return Err(format!("bad IPv6 registry address {addr:?}"));
                }
                (None, rest.strip_prefix(':'))
            }
            None => return Err("unclosed '[' in registry".to_string()),
        },
        None => match host.split_once(':') {
            Some((name, port)) => (Some(name), Some(port)),
            None => (Some(host), None),
        },
    };
    if let Some(name) = name {
        let ok = !name.is_empty()
            && name.split('.').all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !ok {
            return Err(format!("bad registry host {name:?}"));
        }
    }
    if let Some(port) = port
        && port.parse::<u16>().is_err()
    {
        return Err(format!("bad registry port {port:?}"));
    }
    Ok(())
}

/// distribution: `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`.
pub(crate) fn check_component(c: &str) -> Result<(), String> {
    let bad = || {
        Err(format!(
            "bad repository component {c:?} (lowercase letters, digits, '.', '_', '-')"
        ))
    };
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return bad();
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|x| x == b'-');
        if !ok {
            return bad();
        }
    }
    Ok(())
}

pub(crate) fn check_tag(tag: &str) -> Result<(), String> {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut chars = tag.chars();
    let ok = tag.len() <= TAG_MAX
        && chars.next().is_some_and(word)
        && chars.all(|c| word(c) || c == '.' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!("bad tag {tag:?}"))
    }
}

fn check_digest(digest: &str) -> Result<(), String> {
    let Some((algo, hex)) = digest.split_once(':') else {
        return Err(format!("bad digest {digest:?}: no algorithm"));
    };
    let want = match algo {
        "sha256" => 64,
        "sha512" => 128,
        _ => return Err(format!("unsupported digest algorithm {algo:?}")),
    };
    if hex.len() != want
        || !hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(format!("bad {algo} digest {digest:?}"));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const D: &str = "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b";

    fn norm(s: &str) -> String {
        match Reference::parse(s) {
            Ok(r) => r.to_string(),
            Err(e) => format!("ERR {e}"),
        }
    }

    #[test]
    fn docker_hub_normalisation() {
        assert_eq!(norm("debian"), "docker.io/library/debian:latest");
        assert_eq!(norm("debian:12"), "docker.io/library/debian:12");
        assert_eq!(norm("bitnami/redis:7"), "docker.io/bitnami/redis:7");
        assert_eq!(norm("docker.io/debian"), "docker.io/library/debian:latest");
        assert_eq!(
            norm("index.docker.io/debian"),
            "docker.io/library/debian:latest"
        );
        let r = Reference::parse("debian").unwrap();
        assert_eq!(r.api_host(), "registry-1.docker.io");
        assert_eq!(r.manifest_ref(), "latest");
    }

    #[test]
    fn registries_ports_tags_digests() {
        let r = Reference::parse("registry.example:5000/team/app:1.4").unwrap();
        assert_eq!(r.registry, "registry.example:5000");
        assert_eq!(r.repository, "team/app");
        assert_eq!(r.tag.as_deref(), Some("1.4"));
        assert_eq!(r.api_host(), "registry.example:5000");
        // A port is not a tag.
        assert_eq!(norm("localhost:5000/app"), "localhost:5000/app:latest");
        assert_eq!(norm("localhost/app"), "localhost/app:latest");
        assert_eq!(norm("[::1]:5000/app:x"), "[::1]:5000/app:x");
        // A digest alone gets no tag; the digest is what is pulled.
        let r = Reference::parse(&format!("app@{D}")).unwrap();
        assert_eq!(r.tag, None);
        assert_eq!(r.manifest_ref(), D);
        assert_eq!(r.to_string(), format!("docker.io/library/app@{D}"));
        let r = Reference::parse(&format!("q.io/a/b:1@{D}")).unwrap();
        assert_eq!((r.tag.as_deref(), r.manifest_ref()), (Some("1"), D));
    }

    #[test]
    fn invalid_references() {
        for bad in [
            "",
            "Debian",
            "debian:",
            "debian:-x",
            "a//b",
            "/a",
            "a/",
            "a..b",
            "a-",
            "reg.io/",
            "reg.io:99999/a",
            "[zz]:1/a",
            "app@sha256:abc",
            "app@md5:00",
            "a:b:c",
        ] {
            assert!(Reference::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(Reference::parse(&"a".repeat(256)).is_err());
        assert!(Reference::parse(&format!("a:{}", "t".repeat(129))).is_err());
        assert!(Reference::parse("a__b.c-d---e").is_ok());
    }

    #[test]
    fn loopback_hosts() {
        for (h, want) in [
            ("127.0.0.1:5000", true),
            ("127.8.0.1", true),
            ("localhost:1", true),
            ("[::1]:5000", true),
            ("10.0.0.1:5000", false),
            ("docker.io", false),
            ("localhost.evil.example", false),
        ] {
            assert_eq!(is_loopback_host(h), want, "{h}");
        }
    }
}
