//! The client against small servers that misbehave on purpose (loopback only).
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use drydock_registry::client::{Client, ClientError, ClientOptions};
use drydock_registry::{Credential, Reference, Secret};

/// One request as the server saw it: request line and lower-cased header lines.
#[derive(Debug, Clone)]
struct Seen {
    line: String,
    headers: Vec<String>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        let prefix = format!("{name}:");
        self.headers
            .iter()
            .find(|h| h.starts_with(&prefix))
            .map(|h| h[prefix.len()..].trim())
    }
}

type Log = Arc<Mutex<Vec<Seen>>>;

/// Serves each connection with `answer(request, port)`, which returns raw response bytes
/// (or `None` to stall). Returns the port and the request log.
fn server(answer: impl Fn(&Seen, u16) -> Option<Vec<u8>> + Send + Sync + 'static) -> (u16, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let log: Log = Arc::default();
    let log2 = log.clone();
    let answer = Arc::new(answer);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let log = log2.clone();
            let answer = answer.clone();
            std::thread::spawn(move || serve(stream, port, &log, &*answer));
        }
    });
    (port, log)
}

fn serve(
    mut stream: TcpStream,
    port: u16,
    log: &Log,
    answer: &dyn Fn(&Seen, u16) -> Option<Vec<u8>>,
) {
    // A plain-HTTP server drops a TLS ClientHello (0x16): the client's HTTPS probe of a
    // loopback registry then falls back to HTTP, as against a real plain-HTTP registry.
    let mut first = [0u8; 1];
    if stream.peek(&mut first).is_ok_and(|n| n == 1) && first[0] == 0x16 {
        return;
    }
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end().to_string();
            if h.is_empty() {
                break;
            }
            let (k, v) = h.split_once(':').unwrap_or((&h, ""));
            headers.push(format!("{}:{}", k.to_ascii_lowercase(), v));
        }
        let seen = Seen {
            line: line.trim_end().to_string(),
            headers,
        };
        log.lock().unwrap().push(seen.clone());
        match answer(&seen, port) {
            Some(bytes) => {
                if stream.write_all(&bytes).is_err() {
                    return;
                }
            }
            None => {
                std::thread::sleep(Duration::from_secs(5));
                return;
            }
        }
    }
}

fn resp(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Option<Vec<u8>> {
    let mut out = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    Some(out)
}

fn opts() -> ClientOptions {
    ClientOptions {
        read_timeout: Duration::from_millis(800),
        request_timeout: Duration::from_secs(3),
        connect_timeout: Duration::from_secs(2),
        backoff: Duration::from_millis(10),
        ..ClientOptions::default()
    }
}

fn cred() -> Credential {
    Credential {
        username: "alice".into(),
        secret: Secret::new("pw-SECRET-123"),
    }
}

const MANIFEST: &str =
    r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}"#;
const OCI: &str = "application/vnd.oci.image.manifest.v1+json";
const D: &str = "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b";

fn reference(port: u16) -> Reference {
    Reference::parse(&format!("127.0.0.1:{port}/team/app:1")).unwrap()
}

#[test]
fn basic_auth_and_redirect_to_another_host_drops_authorization() {
    let (cdn, cdn_log) = server(|_, _| resp("200 OK", &[], b"blobdata"));
    let (port, log) = server(move |req, _| {
        if req.header("authorization").is_none() {
            return resp(
                "401 Unauthorized",
                &[("WWW-Authenticate", r#"Basic realm="r""#)],
                b"",
            );
        }
        if req.line.contains("/blobs/") {
            let to = format!("http://127.0.0.1:{cdn}/cdn/blob");
            return resp("307 Temporary Redirect", &[("Location", &to)], b"");
        }
        resp("200 OK", &[("Content-Type", OCI)], MANIFEST.as_bytes())
    });
    let client = Client::new(&reference(port), Some(cred()), opts());
    let (bytes, mt) = client.manifest(&reference(port)).unwrap();
    assert_eq!((bytes.as_slice(), mt.as_str()), (MANIFEST.as_bytes(), OCI));
    let mut blob = Vec::new();
    client
        .blob("team/app", D, 8)
        .unwrap()
        .read_to_end(&mut blob)
        .unwrap();
    assert_eq!(blob, b"blobdata");
    let log = log.lock().unwrap();
    assert!(
        log.iter()
            .any(|r| r.header("authorization") == Some("Basic YWxpY2U6cHctU0VDUkVULTEyMw=="))
    );
    let cdn_log = cdn_log.lock().unwrap();
    assert_eq!(cdn_log.len(), 1);
    assert_eq!(
        cdn_log[0].header("authorization"),
        None,
        "credentials leaked to {cdn_log:?}"
    );
}

#[test]
fn bearer_token_flow_caches_the_token_and_asks_our_scope() {
    let (auth, auth_log) = server(|req, _| {
        assert!(
            req.line.contains("scope=repository:team/app:pull"),
            "{}",
            req.line
        );
        resp("200 OK", &[], br#"{"token":"tok-XYZ","expires_in":300}"#)
    });
    let (port, _) = server(move |req, _| {
        if req.header("authorization") != Some("Bearer tok-XYZ") {
            let c = format!(
                r#"Bearer realm="http://127.0.0.1:{auth}/token",service="reg",scope="repository:other/repo:push""#
            );
            return resp("401 Unauthorized", &[("WWW-Authenticate", &c)], b"");
        }
        resp("200 OK", &[("Content-Type", OCI)], MANIFEST.as_bytes())
    });
    let r = reference(port);
    let client = Client::new(&r, Some(cred()), opts());
    client.manifest(&r).unwrap();
    client.manifest(&r).unwrap();
    let auth_log = auth_log.lock().unwrap();
    assert_eq!(auth_log.len(), 1, "token not cached");
    assert!(auth_log[0].line.contains("service=reg"));
    assert!(
        auth_log[0]
            .header("authorization")
            .is_some_and(|a| a.starts_with("Basic "))
    );
}

#[test]
fn plain_http_realm_refused_for_a_non_loopback_registry() {
    // The registry is reached on loopback but named as a remote host would be: the realm rule
    // is checked on the registry host, so `--insecure` off and a non-loopback name refuse it.
    let c =
        drydock_registry::auth::realm_allowed("http://evil.example/token", "reg.example", false);
    assert!(c.is_err());
    // And end to end: a loopback registry may name an http realm, but not a file: one.
    let (port, _) = server(|_, _| {
        resp(
            "401 Unauthorized",
            &[("WWW-Authenticate", r#"Bearer realm="file:///etc/shadow""#)],
            b"",
        )
    });
    let r = reference(port);
    let e = Client::new(&r, None, opts()).manifest(&r).unwrap_err();
    assert!(matches!(e, ClientError::Auth { .. }), "{e}");
}

#[test]
fn too_many_redirects() {
    let (port, log) = server(|_, port| {
        let to = format!("http://127.0.0.1:{port}/v2/loop");
        resp("302 Found", &[("Location", &to)], b"")
    });
    let r = reference(port);
    let e = Client::new(&r, None, opts()).manifest(&r).unwrap_err();
    assert!(
        matches!(e, ClientError::TooManyRedirects { max: 5, .. }),
        "{e}"
    );
    assert_eq!(log.lock().unwrap().len(), 6);
}

#[test]
fn oversized_manifest_refused() {
    let big = vec![b' '; (4 << 20) + 10];
    let (port, _) = server(move |_, _| resp("200 OK", &[("Content-Type", OCI)], &big));
    let r = reference(port);
    let e = Client::new(&r, None, opts()).manifest(&r).unwrap_err();
    assert!(
        matches!(
            e,
            ClientError::TooLarge {
                what: "manifest",
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn schema1_refused_with_a_clear_message() {
    let (port, _) = server(|_, _| {
        resp(
            "200 OK",
            &[(
                "Content-Type",
                "application/vnd.docker.distribution.manifest.v1+prettyjws",
            )],
            br#"{"schemaVersion":1}"#,
        )
    });
    let r = reference(port);
    let e = Client::new(&r, None, opts()).manifest(&r).unwrap_err();
    assert!(e.to_string().contains("schema 1"), "{e}");
    let (port, _) = server(|_, _| {
        resp(
            "200 OK",
            &[("Content-Type", "application/json")],
            br#"{"schemaVersion":1}"#,
        )
    });
    let r = reference(port);
    let e = Client::new(&r, None, opts()).manifest(&r).unwrap_err();
    assert!(matches!(e, ClientError::Schema1 { .. }), "{e}");
}

#[test]
fn blob_longer_than_its_descriptor_is_cut_off_and_refused() {
    let (port, _) = server(|_, _| resp("200 OK", &[], b"0123456789EXTRA"));
    let r = reference(port);
    let mut blob = Client::new(&r, None, opts())
        .blob("team/app", D, 10)
        .unwrap();
    let mut out = Vec::new();
    let e = blob.read_to_end(&mut out).unwrap_err();
    assert!(
        e.to_string().contains(D) && e.to_string().contains("longer"),
        "{e}"
    );
    assert!(out.len() <= 10);
}

#[test]
fn retries_429_honouring_retry_after() {
    let count = Arc::new(Mutex::new(0));
    let c2 = count.clone();
    let (port, _) = server(move |_, _| {
        let mut n = c2.lock().unwrap();
        *n += 1;
        if *n == 1 {
            resp("429 Too Many Requests", &[("Retry-After", "1")], b"")
        } else if *n == 2 {
            resp("503 Service Unavailable", &[], b"")
        } else {
            resp("200 OK", &[("Content-Type", OCI)], MANIFEST.as_bytes())
        }
    });
    let r = reference(port);
    let start = Instant::now();
    Client::new(&r, None, opts()).manifest(&r).unwrap();
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "Retry-After ignored"
    );
    assert_eq!(*count.lock().unwrap(), 3);
}

#[test]
fn stalled_server_times_out() {
    let (port, _) = server(|_, _| None);
    let r = reference(port);
    let o = ClientOptions {
        retries: 0,
        ..opts()
    };
    let start = Instant::now();
    let e = Client::new(&r, None, o).manifest(&r).unwrap_err();
    assert!(matches!(e, ClientError::Http { .. }), "{e}");
    assert!(start.elapsed() < Duration::from_secs(4));
}

#[test]
fn secrets_never_appear_in_errors() {
    // Challenge, then refuse the credential while echoing it back in the body.
    let (port, log) = server(|req, _| match req.header("authorization") {
        None => resp(
            "401 Unauthorized",
            &[("WWW-Authenticate", r#"Basic realm="r""#)],
            b"",
        ),
        Some(_) => resp("403 Forbidden", &[], b"pw-SECRET-123"),
    });
    let r = reference(port);
    let e = Client::new(&r, Some(cred()), opts())
        .manifest(&r)
        .unwrap_err();
    let text = format!("{e} {e:?}");
    assert!(!text.contains("SECRET"), "{text}");
    // Refused after authenticating: an authentication error naming the user, not the secret.
    assert!(matches!(e, ClientError::Auth { .. }), "{e}");
    assert!(
        text.contains("HTTP 403") && text.contains(&cred().username),
        "{text}"
    );
    assert_eq!(
        log.lock().unwrap().len(),
        2,
        "the credential was not even tried"
    );
}

#[test]
fn retries_502_503_504_then_succeeds_or_gives_up() {
    // 502, 504 (Retry-After: 1), 503, then the manifest: three retries are allowed.
    let count = Arc::new(Mutex::new(0));
    let c2 = count.clone();
    let (port, _) = server(move |_, _| {
        let mut n = c2.lock().unwrap();
        *n += 1;
        match *n {
            1 => resp("502 Bad Gateway", &[], b""),
            2 => resp("504 Gateway Timeout", &[("Retry-After", "1")], b""),
            3 => resp("503 Service Unavailable", &[], b""),
            _ => resp("200 OK", &[("Content-Type", OCI)], MANIFEST.as_bytes()),
        }
    });
    let r = reference(port);
    let start = Instant::now();
    Client::new(&r, None, opts()).manifest(&r).unwrap();
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "Retry-After ignored"
    );
    assert_eq!(*count.lock().unwrap(), 4);

    // Always 503: one try and three retries, then the status, naming the URL.
    let (port, log) = server(|_, _| resp("503 Service Unavailable", &[], b""));
    let r = reference(port);
    let e = Client::new(&r, None, opts()).manifest(&r).unwrap_err();
    assert!(matches!(e, ClientError::Status { status: 503, .. }), "{e}");
    assert!(e.to_string().contains("/v2/team/app/manifests/1"), "{e}");
    assert_eq!(log.lock().unwrap().len(), 4);

    // A Retry-After beyond what we wait for: given up at once, not slept on.
    let (port, log) = server(|_, _| resp("429 Too Many Requests", &[("Retry-After", "3600")], b""));
    let r = reference(port);
    let start = Instant::now();
    let e = Client::new(&r, None, opts()).manifest(&r).unwrap_err();
    assert!(matches!(e, ClientError::Status { status: 429, .. }), "{e}");
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(log.lock().unwrap().len(), 1);
}

#[test]
fn oversized_config_blob_refused() {
    let (port, _) = server(|_, _| {
        // Claims nothing, streams 5 MiB.
        let mut out = b"HTTP/1.1 200 OK\r\nContent-Length: 5242880\r\n\r\n".to_vec();
        out.extend(std::iter::repeat_n(b'{', 5 << 20));
        Some(out)
    });
    let r = reference(port);
    let e = Client::new(&r, None, opts())
        .small_blob("team/app", D)
        .unwrap_err();
    assert!(matches!(e, ClientError::TooLarge { .. }), "{e}");
}

/// CVE-2024-35192's lesson: credentials are chosen by the reference's registry host alone. A
/// registry we hold no credentials for names, as its token realm, the host we do hold
/// credentials for: the realm gets a request without them.
#[test]
fn credentials_are_chosen_by_the_reference_host_only() {
    let (trusted, trusted_log) =
        server(|_, _| resp("200 OK", &[], br#"{"token":"anon-token","expires_in":300}"#));
    let (evil, _) = server(move |req, _| {
        if req.header("authorization").is_none() {
            let c = format!(r#"Bearer realm="http://127.0.0.1:{trusted}/token",service="x""#);
            return resp("401 Unauthorized", &[("WWW-Authenticate", &c)], b"");
        }
        resp("200 OK", &[("Content-Type", OCI)], MANIFEST.as_bytes())
    });
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.json");
    // base64("alice:pw-SECRET-123")
    std::fs::write(
        &config,
        format!(
            r#"{{"auths":{{"127.0.0.1:{trusted}":{{"auth":"YWxpY2U6cHctU0VDUkVULTEyMw=="}}}}}}"#
        ),
    )
    .unwrap();
    let sources = drydock_registry::CredentialSources {
        docker_config: Some(config),
        ..Default::default()
    };
    // The file does hold credentials for the trusted host...
    let trusted_ref = reference(trusted);
    assert!(sources.lookup(&trusted_ref.registry).unwrap().is_some());
    // ...and none of them for the reference's host, so none are sent anywhere.
    let r = reference(evil);
    let cred = sources.lookup(&r.registry).unwrap();
    assert!(cred.is_none());
    Client::new(&r, cred, opts()).manifest(&r).unwrap();
    let log = trusted_log.lock().unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].header("authorization"), None, "{log:?}");
}

/// The token realm receives the registry's credentials (the token flow's design; the
/// registry chose it), but a redirect from the realm to another host does not.
#[test]
fn token_realm_redirect_to_another_host_drops_the_credentials() {
    let (elsewhere, elsewhere_log) =
        server(|_, _| resp("200 OK", &[], br#"{"token":"tok-R","expires_in":300}"#));
    let (realm, realm_log) = server(move |_, _| {
        let to = format!("http://127.0.0.1:{elsewhere}/token2");
        resp("302 Found", &[("Location", &to)], b"")
    });
    let (port, _) = server(move |req, _| {
        if req.header("authorization") != Some("Bearer tok-R") {
            let c = format!(r#"Bearer realm="http://127.0.0.1:{realm}/token",service="s""#);
            return resp("401 Unauthorized", &[("WWW-Authenticate", &c)], b"");
        }
        resp("200 OK", &[("Content-Type", OCI)], MANIFEST.as_bytes())
    });
    let r = reference(port);
    Client::new(&r, Some(cred()), opts()).manifest(&r).unwrap();
    let realm_log = realm_log.lock().unwrap();
    assert!(
        realm_log[0]
            .header("authorization")
            .is_some_and(|a| a.starts_with("Basic "))
    );
    let elsewhere_log = elsewhere_log.lock().unwrap();
    assert_eq!(elsewhere_log.len(), 1);
    assert_eq!(
        elsewhere_log[0].header("authorization"),
        None,
        "{elsewhere_log:?}"
    );
}
