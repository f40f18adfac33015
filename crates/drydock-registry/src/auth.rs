//! `WWW-Authenticate` challenges (RFC 7235 syntax) and the rules for answering them.

use std::collections::BTreeMap;

use crate::Error;
use crate::reference::is_loopback_host;

/// One challenge: the scheme (lower-cased) and its parameters (names lower-cased).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub scheme: String,
    pub params: BTreeMap<String, String>,
}

impl Challenge {
    /// Parses one `WWW-Authenticate` header value, which may hold several challenges
    /// (`Basic realm="x", Bearer realm="y",service="z"`).
    pub fn parse_all(header: &str) -> Result<Vec<Challenge>, Error> {
        let mut out: Vec<Challenge> = Vec::new();
        let mut p = Parser {
            s: header.as_bytes(),
            i: 0,
        };
        loop {
            p.skip(|c| c == b' ' || c == b'\t' || c == b',');
            if p.done() {
                break;
            }
            let token = p.token();
            if token.is_empty() {
                return Err(Error::InvalidChallenge(format!(
                    "unexpected character at {}",
                    p.i
                )));
            }
            p.skip(|c| c == b' ' || c == b'\t');
            if p.peek() == Some(b'=') {
                // `name=value` continues the current challenge.
                p.i += 1;
                p.skip(|c| c == b' ' || c == b'\t');
                let value = if p.peek() == Some(b'"') {
                    p.quoted()?
                } else {
                    p.token()
                };
                let Some(current) = out.last_mut() else {
                    return Err(Error::InvalidChallenge(
                        "parameter before any scheme".into(),
                    ));
                };
                current.params.insert(token.to_ascii_lowercase(), value);
            } else {
                out.push(Challenge {
                    scheme: token.to_ascii_lowercase(),
                    params: BTreeMap::new(),
                });
            }
        }
        if out.is_empty() {
            return Err(Error::InvalidChallenge("no challenge".into()));
        }
        Ok(out)
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn done(&self) -> bool {
        self.i >= self.s.len()
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn skip(&mut self, f: impl Fn(u8) -> bool) {
        while self.peek().is_some_and(&f) {
            self.i += 1;
        }
    }
    /// RFC 7230 `token` (plus `/` so token68 values like base64 pass).
    fn token(&mut self) -> String {
        let start = self.i;
        self.skip(|c| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~/:".contains(&c));
        String::from_utf8_lossy(&self.s[start..self.i]).into_owned()
    }
    fn quoted(&mut self) -> Result<String, Error> {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return Err(Error::InvalidChallenge("unterminated quoted string".into())),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                Some(b'\\') => {
                    self.i += 1;
                    if let Some(c) = self.peek() {
                        out.push(c);
                        self.i += 1;
                    }
                }
                Some(c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }
}

/// Whether a Bearer token realm may be contacted (with credentials, if any). It must be
/// HTTPS, unless the registry itself is on loopback (where Docker allows plain HTTP) or the
/// user said `--insecure`: a plain-HTTP realm would send the password in clear to whoever the
/// registry names.
pub fn realm_allowed(realm: &str, registry_host: &str, insecure: bool) -> Result<(), String> {
    let lower = realm.to_ascii_lowercase();
    if lower.starts_with("https://") {
        return Ok(());
    }
    if lower.starts_with("http://") {
        if insecure || is_loopback_host(registry_host) {
            return Ok(());
        }
        return Err(format!(
            "token realm {realm} is not HTTPS (allowed only for a loopback registry or with --insecure)"
        ));
    }
    Err(format!("token realm {realm:?} is not an http(s) URL"))
}

/// The scope a pull needs, as distribution spells it.
/// The token scope for listing repositories (`GET /v2/_catalog`); passed where a repository
/// name is expected, it asks for this scope instead of a repository's.
pub(crate) const CATALOG_SCOPE: &str = "registry:catalog:*";

pub fn pull_scope(repository: &str) -> String {
    format!("repository:{repository}:pull")
}

/// A token endpoint's answer. Docker Hub sends `token`, OAuth2 servers `access_token`;
/// `expires_in` defaults to 60 s per the distribution token spec.
#[derive(Debug, serde::Deserialize)]
pub struct TokenResponse {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    pub expires_in: Option<u64>,
}

impl TokenResponse {
    pub fn token(&self) -> Option<&str> {
        self.token
            .as_deref()
            .or(self.access_token.as_deref())
            .filter(|t| !t.is_empty())
    }

    /// Seconds the token may be reused. Spec: at least 60 when absent; small values are
    /// raised to 60 too, as Docker does.
    pub fn lifetime_secs(&self) -> u64 {
        self.expires_in.unwrap_or(60).max(60)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn bearer_challenge() {
        let c = Challenge::parse_all(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/debian:pull""#,
        )
        .unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].scheme, "bearer");
        assert_eq!(c[0].param("realm"), Some("https://auth.docker.io/token"));
        assert_eq!(c[0].param("service"), Some("registry.docker.io"));
        assert_eq!(c[0].param("scope"), Some("repository:library/debian:pull"));
    }

    #[test]
    fn several_challenges_escapes_and_tokens() {
        let c = Challenge::parse_all(
            r#"Basic realm="Reg \"x\", y" , BEARER Realm=https://a/t,service=s"#,
        )
        .unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(
            (c[0].scheme.as_str(), c[0].param("realm")),
            ("basic", Some(r#"Reg "x", y"#))
        );
        assert_eq!(c[1].scheme, "bearer");
        assert_eq!(c[1].param("realm"), Some("https://a/t"));
        assert_eq!(c[1].param("service"), Some("s"));
    }

    #[test]
    fn malformed_challenges() {
        for bad in ["", "  ", "realm=x", r#"Bearer realm="open"#, "Bearer \u{1}"] {
            assert!(Challenge::parse_all(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn realm_must_be_https_unless_loopback_or_insecure() {
        assert!(realm_allowed("https://auth.example/token", "reg.example", false).is_ok());
        let e = realm_allowed("http://auth.example/token", "reg.example", false).unwrap_err();
        assert!(e.contains("not HTTPS"), "{e}");
        assert!(realm_allowed("http://127.0.0.1:9/t", "127.0.0.1:5000", false).is_ok());
        assert!(realm_allowed("http://auth.example/t", "reg.example", true).is_ok());
        assert!(realm_allowed("file:///etc/passwd", "127.0.0.1:5000", true).is_err());
    }

    #[test]
    fn token_responses() {
        let t: TokenResponse = serde_json::from_str(r#"{"token":"abc","expires_in":300}"#).unwrap();
        assert_eq!((t.token(), t.lifetime_secs()), (Some("abc"), 300));
        let t: TokenResponse =
            serde_json::from_str(r#"{"access_token":"z","expires_in":5}"#).unwrap();
        assert_eq!((t.token(), t.lifetime_secs()), (Some("z"), 60));
        let t: TokenResponse = serde_json::from_str(r#"{"token":""}"#).unwrap();
        assert_eq!(t.token(), None);
        assert_eq!(pull_scope("team/app"), "repository:team/app:pull");
    }
}
