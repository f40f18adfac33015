//! A small token issuer for distribution's `auth: token` (the Docker registry token flow), on a
//! free loopback port, so the registry tests exercise the Bearer flow against a registry that
//! validates the JWT for real.
//!
//! What distribution 2.8 checks (registry/auth/token/token.go, read through the search tool):
//! `iss` equals the configured issuer, `aud` the configured service, `nbf`/`exp` within a minute
//! of leeway, and the signature under a key it trusts. The key is trusted through the `x5c`
//! header: the chain is verified against `rootcertbundle` and the leaf's public key checks the
//! signature (libtrust: ES256 is the raw 64-byte `r||s`, as in RFC 7515). The granted `access`
//! list is what the registry then enforces per repository and action.
//!
//! Policy here: a request with the right Basic credentials gets every action it asks for (skopeo
//! pushes through it); an anonymous one gets `pull` on repositories under `public/` only, and
//! nothing else; wrong credentials get 401. Every request is logged for the tests (token caching
//! is counted here).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};

pub const SERVICE: &str = "drydock-test-registry";
pub const ISSUER: &str = "drydock-test-issuer";

/// One request the issuer answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// The Basic user name, if credentials were sent.
    pub user: Option<String>,
    /// `scope` parameters as sent.
    pub scopes: Vec<String>,
    /// HTTP status answered.
    pub status: u16,
}

pub struct TokenIssuer {
    /// `http://127.0.0.1:PORT/token`
    pub realm: String,
    log: Arc<Mutex<Vec<TokenRequest>>>,
    stop: Arc<AtomicBool>,
    addr: String,
}

struct Signer {
    key: EcdsaKeyPair,
    /// The self-signed certificate (DER) of `key`, which is also the registry's root bundle.
    cert_der: Vec<u8>,
    user: String,
    password: String,
}

impl TokenIssuer {
    /// Starts the issuer and writes its root certificate (PEM) to `root_pem` for the registry's
    /// `rootcertbundle`.
    pub fn start(user: &str, password: &str, root_pem: &Path) -> TokenIssuer {
        let key = rcgen::KeyPair::generate().expect("generate P-256 key");
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("cert params");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "drydock test token issuer");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let cert = params.self_signed(&key).expect("self-signed issuer cert");
        std::fs::write(root_pem, cert.pem()).expect("write root bundle");
        // rcgen's ECDSA signatures are DER; a JWS wants the fixed r||s form, so sign with ring
        // (rcgen's own backend) from the same PKCS#8 key.
        let signing = EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            &key.serialize_der(),
            &SystemRandom::new(),
        )
        .expect("ring accepts rcgen's PKCS#8");
        let signer = Arc::new(Signer {
            key: signing,
            cert_der: cert.der().to_vec(),
            user: user.to_owned(),
            password: password.to_owned(),
        });
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind token issuer");
        let addr = listener.local_addr().expect("issuer addr").to_string();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        {
            let (log, stop) = (log.clone(), stop.clone());
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let (signer, log) = (signer.clone(), log.clone());
                    std::thread::spawn(move || {
                        let _ = serve(conn, &signer, &log);
                    });
                }
            });
        }
        TokenIssuer {
            realm: format!("http://{addr}/token"),
            log,
            stop,
            addr,
        }
    }

    /// The requests answered so far, oldest first.
    pub fn requests(&self) -> Vec<TokenRequest> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Drop for TokenIssuer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(&self.addr);
    }
}

/// One connection, one request (`Connection: close`).
fn serve(conn: TcpStream, signer: &Signer, log: &Mutex<Vec<TokenRequest>>) -> std::io::Result<()> {
    conn.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let target = line.split(' ').nth(1).unwrap_or("").to_owned();
    let mut authorization = None;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = h.split_once(':')
            && name.eq_ignore_ascii_case("authorization")
        {
            authorization = Some(value.trim().to_owned());
        }
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let params: Vec<(String, String)> = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), unescape(v)))
        .collect();
    let scopes: Vec<String> = params
        .iter()
        .filter(|(k, _)| k == "scope")
        .map(|(_, v)| v.clone())
        .collect();
    let user = authorization
        .as_deref()
        .and_then(|a| {
            a.strip_prefix("Basic ")
                .or_else(|| a.strip_prefix("basic "))
        })
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let (status, body) = if path != "/token" || !line.starts_with("GET ") {
        (404, String::new())
    } else {
        match &user {
            Some(up) if *up != format!("{}:{}", signer.user, signer.password) => {
                (401, r#"{"errors":[{"code":"UNAUTHORIZED"}]}"#.to_owned())
            }
            _ => {
                let access = grant(&scopes, user.is_some());
                let subject = user
                    .as_deref()
                    .and_then(|u| u.split(':').next())
                    .unwrap_or("");
                let token = signer.token(subject, &access);
                (
                    200,
                    serde_json::json!({"token": token, "expires_in": 300}).to_string(),
                )
            }
        }
    };
    log.lock()
        .map_err(|_| std::io::Error::other("log poisoned"))?
        .push(TokenRequest {
            user: user.map(|u| u.split(':').next().unwrap_or("").to_owned()),
            scopes,
            status,
        });
    let mut conn = reader.into_inner();
    write!(
        conn,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    conn.flush()
}

/// The `access` claim: every requested action for an authenticated user (the catalog too),
/// `pull` on `public/…` for an anonymous one.
fn grant(scopes: &[String], authenticated: bool) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for scope in scopes {
        let mut parts = scope.splitn(3, ':');
        let (Some(kind), Some(name), Some(actions)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let actions: Vec<&str> = actions
            .split(',')
            .filter(|a| authenticated || (*a == "pull" && name.starts_with("public/")))
            .collect();
        // Listing the catalog is for authenticated users only, as Docker's own auth servers do.
        let catalog = kind == "registry" && name == "catalog" && authenticated;
        if (kind == "repository" || catalog) && !actions.is_empty() {
            out.push(serde_json::json!({"type": kind, "name": name, "actions": actions}));
        }
    }
    out
}

impl Signer {
    fn token(&self, subject: &str, access: &[serde_json::Value]) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let header = serde_json::json!({
            "typ": "JWT",
            "alg": "ES256",
            "x5c": [STANDARD.encode(&self.cert_der)],
        });
        let claims = serde_json::json!({
            "iss": ISSUER,
            "sub": subject,
            "aud": SERVICE,
            "exp": now + 300,
            "nbf": now.saturating_sub(5),
            "iat": now,
            "jti": format!("{now}-{}", access.len()),
            "access": access,
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let sig = self
            .key
            .sign(&SystemRandom::new(), signing_input.as_bytes())
            .expect("ECDSA sign");
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()))
    }
}

/// `%XX` and `+` as in a query string.
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (hex(b[i + 1]), hex(b[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 3;
                    }
                    _ => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
