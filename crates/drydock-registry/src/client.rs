//! A small blocking registry client over ureq: authentication, redirects, retries and size
//! caps are decided here, because a hostile registry is normal input.

use std::io::Read;
use std::path::Path;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use ureq::http::{Response, Uri};

use crate::auth::{CATALOG_SCOPE, Challenge, TokenResponse, pull_scope, realm_allowed};
use crate::creds::{Credential, Secret};
use crate::reference::{Reference, is_loopback_host};

/// Manifests and image configs are small; a registry sending more is misbehaving.
pub const MANIFEST_MAX: u64 = 4 << 20;
/// Token endpoint answers are smaller still.
const TOKEN_MAX: u64 = 1 << 20;
/// Longest `Retry-After` we honour; a registry asking for longer is treated as down.
const RETRY_AFTER_MAX: Duration = Duration::from_secs(30);

/// Manifest media types drydock accepts (OCI and Docker v2 schema 2, images and indexes).
pub const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.oci.image.manifest.v1+json, \
application/vnd.docker.distribution.manifest.v2+json";

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{url}: {reason}")]
    Http { url: String, reason: String },
    #[error("{url}: HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url}: authentication refused: {reason}")]
    Auth { url: String, reason: String },
    #[error("{url}: more than {max} redirects")]
    TooManyRedirects { url: String, max: u32 },
    #[error("{url}: {what} larger than {max} bytes")]
    TooLarge {
        url: String,
        what: &'static str,
        max: u64,
    },
    #[error(
        "{url}: manifest schema 1 ({media_type}) is not supported; push the image again with a current client"
    )]
    Schema1 { url: String, media_type: String },
    #[error("blob {digest}: longer than the {size} bytes its descriptor gives")]
    BlobTooLong { digest: String, size: u64 },
    #[error(
        "TLS certificate of {host} is not trusted ({reason}); if the registry uses a private \
         CA, pass its certificate with --ca-cert FILE"
    )]
    Tls { host: String, reason: String },
    #[error("CA certificate file {path}: {reason}")]
    CaFile { path: String, reason: String },
    #[error("blob {digest}: content hashes to {actual}; refused")]
    DigestMismatch { digest: String, actual: String },
    #[error("{url}: {reason}")]
    Artifact { url: String, reason: String },
}

#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Plain HTTP (and plain-HTTP token realms) for a non-loopback registry.
    pub insecure: bool,
    pub max_redirects: u32,
    pub retries: u32,
    pub connect_timeout: Duration,
    /// No byte for this long is a stall.
    pub read_timeout: Duration,
    /// Whole request, headers and body; blobs get no total limit (they are long) but the
    /// stall limit still applies.
    pub request_timeout: Duration,
    /// First back-off step when no `Retry-After` is sent; doubles per retry.
    pub backoff: Duration,
    /// Extra trusted roots (DER), from `--ca-cert`, on top of the system's.
    pub extra_roots: Vec<Vec<u8>>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            insecure: false,
            max_redirects: 5,
            retries: 3,
            connect_timeout: Duration::from_secs(15),
            read_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(120),
            backoff: Duration::from_millis(500),
            extra_roots: Vec::new(),
        }
    }
}

/// A client for one registry (the reference's). Credentials are bound to that host.
pub struct Client {
    pub(crate) agent: ureq::Agent,
    opts: ClientOptions,
    /// `https` or `http` for the registry API; `None` until the first request found out
    /// whether a loopback (or `--insecure`) registry speaks TLS.
    scheme: Mutex<Option<&'static str>>,
    /// `host[:port]`, the only authority `Authorization` is ever sent to (besides a token
    /// realm, which receives the credential by design of the token flow).
    authority: String,
    credential: Option<Credential>,
    /// Cached `Authorization` value for the registry and when it stops being valid.
    auth: Mutex<Option<(Secret, Option<Instant>)>>,
    /// Ask token realms for `pull,push` (see [`Client::for_push`]).
    pub(crate) push: bool,
}

impl Client {
    pub fn new(
        reference: &Reference,
        credential: Option<Credential>,
        opts: ClientOptions,
    ) -> Client {
        let authority = reference.api_host().to_string();
        // Docker's rule: plain HTTP for loopback registries only, unless told otherwise; and
        // there HTTPS is still tried first, plain HTTP only if the server does not speak TLS
        // (a certificate it presents is verified all the same).
        let scheme = if opts.insecure || is_loopback_host(&authority) {
            None
        } else {
            Some("https")
        };
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(root_certs(&opts.extra_roots))
            .build();
        let config = ureq::Agent::config_builder()
            .tls_config(tls)
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(concat!("drydock/", env!("CARGO_PKG_VERSION")))
            .timeout_connect(Some(opts.connect_timeout))
            .timeout_per_read(Some(opts.read_timeout))
            .build();
        Client {
            agent: ureq::Agent::new_with_config(config),
            scheme: Mutex::new(scheme),
            authority,
            credential,
            opts,
            auth: Mutex::new(None),
            push: false,
        }
    }

    /// A client that may write: token realms are asked for `pull,push` on the repository.
    #[must_use]
    pub fn for_push(mut self) -> Client {
        self.push = true;
        self
    }

    /// The manifest bytes, their media type and the digest the registry names
    /// (`Docker-Content-Digest`, to be checked by the caller when it pulled by digest).
    pub fn manifest(&self, reference: &Reference) -> Result<(Vec<u8>, String), ClientError> {
        let url = format!(
            "{}/v2/{}/manifests/{}",
            self.origin(),
            reference.repository,
            reference.manifest_ref()
        );
        let resp = self.get(&url, Some(MANIFEST_ACCEPT), &reference.repository)?;
        let media_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        if media_type.starts_with("application/vnd.docker.distribution.manifest.v1") {
            return Err(ClientError::Schema1 { url, media_type });
        }
        let bytes = read_capped(resp, &url, "manifest", MANIFEST_MAX)?;
        // Some registries send schema 1 as plain JSON; its `schemaVersion` gives it away.
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes)
            && v.get("schemaVersion").and_then(|s| s.as_u64()) == Some(1)
        {
            return Err(ClientError::Schema1 {
                url,
                media_type: "schemaVersion 1".into(),
            });
        }
        Ok((bytes, media_type))
    }

    /// A blob as a stream that fails once it runs past `size` bytes. Digest checks are the
    /// caller's (drydock-fs hashes while it walks).
    pub fn blob(
        &self,
        repository: &str,
        digest: &str,
        size: u64,
    ) -> Result<impl Read + Send + use<>, ClientError> {
        let url = format!("{}/v2/{repository}/blobs/{digest}", self.origin());
        let resp = self.get_with(&url, None, repository, None)?;
        Ok(SizedBlob {
            inner: resp.into_body().into_reader(),
            left: size,
            size,
            digest: digest.to_string(),
        })
    }

    /// A small blob (an image config) read whole, capped.
    pub fn small_blob(&self, repository: &str, digest: &str) -> Result<Vec<u8>, ClientError> {
        let url = format!("{}/v2/{repository}/blobs/{digest}", self.origin());
        let resp = self.get(&url, None, repository)?;
        read_capped(resp, &url, "config blob", MANIFEST_MAX)
    }

    /// A listing page (`catalog.rs`), authenticated for `scope` (a repository, or the
    /// catalog).
    pub(crate) fn get_listing(
        &self,
        url: &str,
        scope: &str,
    ) -> Result<Response<ureq::Body>, ClientError> {
        self.get(url, Some("application/json"), scope)
    }

    /// `scheme://host[:port]` of the registry API as known so far (HTTPS until a probe
    /// found a plain-HTTP loopback or `--insecure` registry).
    pub(crate) fn origin(&self) -> String {
        let scheme = self.scheme.lock().ok().and_then(|s| *s).unwrap_or("https");
        format!("{scheme}://{}", self.authority)
    }

    /// For a registry that may speak plain HTTP: one `GET /v2/` over HTTPS decides. A
    /// certificate error is final (an HTTPS registry whose certificate we cannot verify is not
    /// downgraded); any other failure to talk TLS means plain HTTP.
    pub(crate) fn settle_scheme(&self) -> Result<(), ClientError> {
        let Ok(mut guard) = self.scheme.lock() else {
            return Ok(());
        };
        if guard.is_some() {
            return Ok(());
        }
        let probe = format!("https://{}/v2/", self.authority);
        let result = self
            .agent
            .get(&probe)
            .config()
            .timeout_global(Some(self.opts.request_timeout))
            .build()
            .call();
        *guard = Some(match result {
            Ok(_) => "https",
            Err(e) => {
                if let Some(reason) = certificate_error(&e) {
                    return Err(ClientError::Tls {
                        host: self.authority.clone(),
                        reason,
                    });
                }
                "http"
            }
        });
        Ok(())
    }

    fn get(
        &self,
        url: &str,
        accept: Option<&str>,
        repository: &str,
    ) -> Result<Response<ureq::Body>, ClientError> {
        self.get_with(url, accept, repository, Some(self.opts.request_timeout))
    }

    /// GET with authentication (one challenge round), retries and redirects.
    fn get_with(
        &self,
        url: &str,
        accept: Option<&str>,
        repository: &str,
        total: Option<Duration>,
    ) -> Result<Response<ureq::Body>, ClientError> {
        let mut challenged = false;
        // `url` was built before the scheme was known only on the very first request; rebuild
        // it on the settled origin.
        let url = &if self.scheme.lock().is_ok_and(|s| s.is_none()) {
            self.settle_scheme()?;
            let https = format!("https://{}", self.authority);
            match url.strip_prefix(&https) {
                Some(rest) => format!("{}{rest}", self.origin()),
                None => url.to_string(),
            }
        } else {
            url.to_string()
        };
        loop {
            let auth = self.current_auth();
            let resp = self.retrying(url, accept, auth.as_ref(), total)?;
            if resp.status().as_u16() == 401 && !challenged {
                challenged = true;
                self.answer_challenge(url, &challenges_of(&resp), repository)?;
                continue;
            }
            let status = resp.status().as_u16();
            if matches!(status, 401 | 403) && challenged {
                // Authenticated (or got an anonymous token) and still refused: say which.
                let reason = match &self.credential {
                    Some(c) => format!(
                        "HTTP {status} with the credentials of user {:?} for {}",
                        c.username, self.authority
                    ),
                    None => format!(
                        "HTTP {status} without credentials (none configured for {}; use \
                         --username with --password-stdin, DRYDOCK_USERNAME/DRYDOCK_PASSWORD \
                         or a docker login)",
                        self.authority
                    ),
                };
                return Err(ClientError::Auth {
                    url: url.to_string(),
                    reason,
                });
            }
            if !(200..300).contains(&status) {
                return Err(ClientError::Status {
                    url: url.to_string(),
                    status,
                });
            }
            return Ok(resp);
        }
    }

    pub(crate) fn current_auth(&self) -> Option<Secret> {
        let guard = self.auth.lock().ok()?;
        match &*guard {
            Some((value, Some(until))) if Instant::now() < *until => Some(value.clone()),
            Some((value, None)) => Some(value.clone()),
            _ => None,
        }
    }

    pub(crate) fn answer_challenge(
        &self,
        url: &str,
        header: &str,
        repository: &str,
    ) -> Result<(), ClientError> {
        let auth_err = |reason: String| ClientError::Auth {
            url: url.to_string(),
            reason,
        };
        let challenges = Challenge::parse_all(header).map_err(|e| auth_err(e.to_string()))?;
        let value = if let Some(bearer) = challenges.iter().find(|c| c.scheme == "bearer") {
            let realm = bearer
                .param("realm")
                .ok_or_else(|| auth_err("Bearer challenge without realm".into()))?;
            realm_allowed(realm, &self.authority, self.opts.insecure).map_err(auth_err)?;
            let mut token_url = realm.to_string();
            token_url.push(if realm.contains('?') { '&' } else { '?' });
            if let Some(service) = bearer.param("service") {
                token_url.push_str(&format!("service={}&", query_escape(service)));
            }
            // The scope is ours (pull of the reference's repository, and push when this
            // client writes), not whatever the challenge asks for.
            let scope = if repository == CATALOG_SCOPE {
                CATALOG_SCOPE.to_string()
            } else if self.push {
                format!(
                    "{}:pull,push",
                    pull_scope(repository).trim_end_matches(":pull")
                )
            } else {
                pull_scope(repository)
            };
            token_url.push_str(&format!("scope={}", query_escape(&scope)));
            let basic = self
                .credential
                .as_ref()
                .map(|c| Secret::new(c.basic_header()));
            // The realm may be another host: it receives the credential, as the token flow
            // intends, but never follows a redirect with it.
            let resp = self.retrying(
                &token_url,
                None,
                basic.as_ref(),
                Some(self.opts.request_timeout),
            )?;
            let status = resp.status().as_u16();
            if status != 200 {
                let who = match &self.credential {
                    Some(c) => format!("user {:?}", c.username),
                    None => "anonymous request".into(),
                };
                return Err(auth_err(format!(
                    "token endpoint {realm} answered HTTP {status} ({who})"
                )));
            }
            let bytes = read_capped(resp, realm, "token response", TOKEN_MAX)?;
            let tok: TokenResponse = serde_json::from_slice(&bytes)
                .map_err(|_| auth_err("token response is not JSON".into()))?;
            let token = tok
                .token()
                .ok_or_else(|| auth_err("token response without a token".into()))?;
            // Renew a little early so a token does not expire mid-request.
            let life = Duration::from_secs(tok.lifetime_secs().saturating_sub(10));
            (
                Secret::new(format!("Bearer {token}")),
                Some(Instant::now() + life),
            )
        } else if challenges.iter().any(|c| c.scheme == "basic") {
            let cred = self.credential.as_ref().ok_or_else(|| {
                auth_err("registry wants credentials (Basic) and none are configured".into())
            })?;
            (Secret::new(cred.basic_header()), None)
        } else {
            return Err(auth_err("no supported challenge (Bearer or Basic)".into()));
        };
        if let Ok(mut guard) = self.auth.lock() {
            *guard = Some(value);
        }
        Ok(())
    }

    /// Retries 429/502/503/504 (and connection failures) with back-off, honouring
    /// `Retry-After` in seconds.
    fn retrying(
        &self,
        url: &str,
        accept: Option<&str>,
        auth: Option<&Secret>,
        total: Option<Duration>,
    ) -> Result<Response<ureq::Body>, ClientError> {
        let mut wait = self.opts.backoff;
        let mut attempt = 0;
        loop {
            let result = self.follow(url, accept, auth, total);
            let retry_after = match &result {
                Ok(resp) if matches!(resp.status().as_u16(), 429 | 502 | 503 | 504) => Some(
                    resp.headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(retry_after),
                ),
                Err(ClientError::Http { .. }) => Some(None),
                _ => None,
            };
            match retry_after {
                Some(after) if attempt < self.opts.retries => {
                    let pause = after.unwrap_or(wait);
                    if pause > RETRY_AFTER_MAX {
                        return result;
                    }
                    std::thread::sleep(pause);
                    wait = wait.saturating_mul(2);
                    attempt += 1;
                }
                _ => return result,
            }
        }
    }

    /// One GET, following at most `max_redirects` redirects itself. `Authorization` goes
    /// only to the authority of the first URL; a redirect elsewhere (a CDN) gets none.
    fn follow(
        &self,
        url: &str,
        accept: Option<&str>,
        auth: Option<&Secret>,
        total: Option<Duration>,
    ) -> Result<Response<ureq::Body>, ClientError> {
        let http_err = |url: &str, e: ureq::Error| match certificate_error(&e) {
            Some(reason) => ClientError::Tls {
                host: url
                    .parse::<Uri>()
                    .ok()
                    .and_then(|u| u.authority().map(|a| a.to_string()))
                    .unwrap_or_else(|| url.to_string()),
                reason,
            },
            None => ClientError::Http {
                url: url.to_string(),
                reason: e.to_string(),
            },
        };
        let first: Uri = url.parse().map_err(|_| ClientError::Http {
            url: url.to_string(),
            reason: "bad URL".into(),
        })?;
        let first_authority = first.authority().map(|a| a.as_str().to_ascii_lowercase());
        let mut current = first;
        for _ in 0..=self.opts.max_redirects {
            let here = current.to_string();
            let mut req = self.agent.get(&here).config().timeout_global(total).build();
            if let Some(accept) = accept {
                req = req.header("Accept", accept);
            }
            let same_host =
                current.authority().map(|a| a.as_str().to_ascii_lowercase()) == first_authority;
            if let Some(auth) = auth
                && same_host
            {
                req = req.header("Authorization", auth.expose());
            }
            let resp = req.call().map_err(|e| http_err(&here, e))?;
            if !resp.status().is_redirection() {
                return Ok(resp);
            }
            let location = resp
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| ClientError::Http {
                    url: here.clone(),
                    reason: "redirect without Location".into(),
                })?;
            current = resolve(&current, location).ok_or_else(|| ClientError::Http {
                url: here.clone(),
                reason: format!("bad redirect Location {location:?}"),
            })?;
            // Never downgrade to plain HTTP on the way.
            if current.scheme_str() != Some("https")
                && !(self.opts.insecure || current.host().is_some_and(is_loopback_host))
            {
                return Err(ClientError::Http {
                    url: here,
                    reason: "redirect to plain HTTP refused".into(),
                });
            }
        }
        Err(ClientError::TooManyRedirects {
            url: url.to_string(),
            max: self.opts.max_redirects,
        })
    }
}

/// The system's trusted roots (rustls-native-certs: `/etc/ssl/certs`, `SSL_CERT_FILE`,
/// `SSL_CERT_DIR`, where an organisation's CA is installed), read once per process, plus
/// `extra` (`--ca-cert`). A system without a CA store (a minimal container) falls back to
/// Mozilla's roots compiled in (webpki-roots), unless `--ca-cert` was given.
pub fn root_certs(extra: &[Vec<u8>]) -> ureq::tls::RootCerts {
    static NATIVE: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    let native = NATIVE.get_or_init(|| {
        rustls_native_certs::load_native_certs()
            .certs
            .into_iter()
            .map(|c| c.to_vec())
            .collect()
    });
    if native.is_empty() && extra.is_empty() {
        return ureq::tls::RootCerts::WebPki;
    }
    ureq::tls::RootCerts::new_with_certs(
        &native
            .iter()
            .chain(extra)
            .map(|der| ureq::tls::Certificate::from_der(der).to_owned())
            .collect::<Vec<_>>(),
    )
}

/// The certificates (DER) of a PEM file given with `--ca-cert`; a file without any is an error.
pub fn load_ca_file(path: &Path) -> Result<Vec<Vec<u8>>, ClientError> {
    let err = |reason: String| ClientError::CaFile {
        path: path.display().to_string(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|e| err(e.to_string()))?;
    let mut out = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item.map_err(|e| err(e.to_string()))? {
            ureq::tls::PemItem::Certificate(c) => out.push(c.der().to_vec()),
            _ => continue,
        }
    }
    if out.is_empty() {
        return Err(err("no PEM CERTIFICATE in it".into()));
    }
    Ok(out)
}

/// A certificate-verification failure in `e`, described; `None` for any other error.
pub(crate) fn certificate_error(e: &ureq::Error) -> Option<String> {
    let tls = match e {
        ureq::Error::Rustls(t) => t,
        ureq::Error::Io(io) => io.get_ref()?.downcast_ref::<rustls::Error>()?,
        _ => return None,
    };
    match tls {
        rustls::Error::InvalidCertificate(c) => Some(format!("{c:?}")),
        rustls::Error::NoCertificatesPresented => Some("no certificate presented".into()),
        _ => None,
    }
}

/// `Retry-After`: delay-seconds, or an HTTP-date (a date already past means now).
fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Every `WWW-Authenticate` value of a 401, joined, for [`Client::answer_challenge`].
pub(crate) fn challenges_of(resp: &Response<ureq::Body>) -> String {
    resp.headers()
        .get_all("www-authenticate")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A `Location` (RFC 9110 §10.2.2: absolute, or a relative reference) against the URL it
/// answered: absolute URLs as they are, `//host/path` on the base's scheme, `/path` on the
/// base's origin, `path` or `?query` beside the base's path. Another scheme is `None`.
pub(crate) fn resolve(base: &Uri, location: &str) -> Option<Uri> {
    let location = location.trim();
    let lower = location.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return location.parse().ok();
    }
    let scheme = base.scheme_str()?;
    if let Some(rest) = location.strip_prefix("//") {
        return format!("{scheme}://{rest}").parse().ok();
    }
    let origin = format!("{scheme}://{}", base.authority()?.as_str());
    if location.starts_with('/') {
        return format!("{origin}{location}").parse().ok();
    }
    // A colon before any `/` or `?` is a scheme (`ftp:`, `javascript:`): not ours to follow.
    let first = location.find(['/', '?', '#']).unwrap_or(location.len());
    if location.is_empty() || location[..first].contains(':') {
        return None;
    }
    let path = base.path();
    if location.starts_with('?') {
        return format!("{origin}{path}{location}").parse().ok();
    }
    let dir = &path[..=path.rfind('/')?];
    format!("{origin}{dir}{location}").parse().ok()
}

/// Whether two URLs have the same origin (scheme, host, port; default ports filled in): where
/// a registry's credentials may go.
pub(crate) fn same_origin(a: &Uri, b: &Uri) -> bool {
    let origin = |u: &Uri| {
        let scheme = u.scheme_str()?.to_ascii_lowercase();
        let port = u.port_u16().or(match scheme.as_str() {
            "https" => Some(443),
            "http" => Some(80),
            _ => None,
        })?;
        Some((scheme, u.host()?.to_ascii_lowercase(), port))
    };
    matches!((origin(a), origin(b)), (Some(x), Some(y)) if x == y)
}

pub(crate) fn query_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~:/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub(crate) fn read_capped(
    resp: Response<ureq::Body>,
    url: &str,
    what: &'static str,
    max: u64,
) -> Result<Vec<u8>, ClientError> {
    let mut out = Vec::new();
    resp.into_body()
        .into_reader()
        .take(max + 1)
        .read_to_end(&mut out)
        .map_err(|e| ClientError::Http {
            url: url.to_string(),
            reason: e.to_string(),
        })?;
    if out.len() as u64 > max {
        return Err(ClientError::TooLarge {
            url: url.to_string(),
            what,
            max,
        });
    }
    Ok(out)
}

/// A blob body that refuses to run past its descriptor's size.
struct SizedBlob<R> {
    inner: R,
    left: u64,
    size: u64,
    digest: String,
}

impl<R: Read> Read for SizedBlob<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            // At the declared end: one more byte means the blob is too long.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(std::io::Error::other(ClientError::BlobTooLong {
                    digest: self.digest.clone(),
                    size: self.size,
                })),
            };
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn client(reference: &str, insecure: bool) -> Client {
        let r = Reference::parse(reference).unwrap();
        Client::new(
            &r,
            None,
            ClientOptions {
                insecure,
                ..ClientOptions::default()
            },
        )
    }

    #[test]
    fn plain_http_only_for_loopback_or_insecure() {
        // A remote registry is HTTPS, decided up front: no probe, no fallback.
        let remote = client("registry.example:5000/app:1", false);
        assert_eq!(*remote.scheme.lock().unwrap(), Some("https"));
        assert_eq!(remote.origin(), "https://registry.example:5000");
        // Loopback registries and --insecure are probed (HTTPS first).
        for (r, insecure) in [
            ("127.0.0.1:5000/app:1", false),
            ("localhost:5000/app:1", false),
            ("[::1]:5000/app:1", false),
            ("registry.example:5000/app:1", true),
        ] {
            assert_eq!(*client(r, insecure).scheme.lock().unwrap(), None, "{r}");
        }
    }

    #[test]
    fn retry_after_seconds_or_http_date() {
        assert_eq!(retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        let later = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(90));
        let d = retry_after(&later).unwrap();
        assert!(
            d > Duration::from_secs(80) && d <= Duration::from_secs(90),
            "{d:?}"
        );
        assert_eq!(retry_after("soon"), None);
    }

    #[test]
    fn ca_file_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let e = load_ca_file(&empty).unwrap_err().to_string();
        assert!(
            e.contains("empty.pem") && e.contains("no PEM CERTIFICATE"),
            "{e}"
        );
        let e = load_ca_file(&dir.path().join("missing.pem"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing.pem"), "{e}");
    }

    #[test]
    fn locations_resolve_as_relative_references() {
        let base: Uri = "http://127.0.0.1:5000/v2/team/db/blobs/uploads/"
            .parse()
            .unwrap();
        let r = |l: &str| resolve(&base, l).map(|u| u.to_string());
        assert_eq!(
            r("https://other.example/up?x=1").as_deref(),
            Some("https://other.example/up?x=1")
        );
        assert_eq!(
            r("//cdn.example/blob").as_deref(),
            Some("http://cdn.example/blob")
        );
        assert_eq!(
            r("/v2/team/db/blobs/uploads/u1?_state=s").as_deref(),
            Some("http://127.0.0.1:5000/v2/team/db/blobs/uploads/u1?_state=s")
        );
        assert_eq!(
            r("u2").as_deref(),
            Some("http://127.0.0.1:5000/v2/team/db/blobs/uploads/u2")
        );
        assert_eq!(r("ftp://x/y"), None);
        assert_eq!(r("javascript:alert(1)"), None);
        assert_eq!(r(""), None);
    }

    #[test]
    fn same_origin_compares_scheme_host_and_port() {
        let u = |s: &str| s.parse::<Uri>().unwrap();
        assert!(same_origin(
            &u("https://Registry.example/v2/"),
            &u("https://registry.example:443/upload")
        ));
        assert!(same_origin(
            &u("http://127.0.0.1:5000/a"),
            &u("http://127.0.0.1:5000/b?c")
        ));
        // A downgrade to plain HTTP, another port, another host.
        assert!(!same_origin(
            &u("https://registry.example/a"),
            &u("http://registry.example/a")
        ));
        assert!(!same_origin(
            &u("http://127.0.0.1:5000/a"),
            &u("http://127.0.0.1:5001/a")
        ));
        assert!(!same_origin(
            &u("https://registry.example/a"),
            &u("https://registry.example.evil/a")
        ));
    }
}
