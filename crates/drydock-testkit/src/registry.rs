//! A throwaway OCI registry for tests: Debian's `docker-registry` (distribution 2.8) on a free
//! loopback port with filesystem storage in a temp dir, optionally behind htpasswd Basic auth;
//! images pushed with `skopeo`. Its access log is the record of what a client requested. Killed
//! on drop. Variants: htpasswd Basic auth, distribution's `auth: token` backed by
//! [`crate::token::TokenIssuer`], and TLS with a certificate from a throwaway CA (rcgen).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::token::{self, TokenIssuer};

pub struct Registry {
    dir: tempfile::TempDir,
    child: Child,
    /// `127.0.0.1:PORT`
    pub host: String,
    creds: Option<(String, String)>,
    token: Option<TokenIssuer>,
    /// PEM of the CA that signed the registry's TLS certificate, when it serves HTTPS.
    ca_pem: Option<PathBuf>,
}

#[derive(Default)]
struct Setup {
    basic: Option<(String, String)>,
    token: Option<(String, String)>,
    /// The registry's `rootcertbundle` is another CA than the issuer's: every JWT is refused.
    untrusted_issuer: bool,
    tls: bool,
}

/// `None` with a visible message outside CI; a failure in CI, where `.ci/run` installs the tools,
/// so the registry tests cannot silently stop running.
fn skip<T>(why: String) -> Option<T> {
    assert!(
        std::env::var_os("CI").is_none(),
        "registry test cannot run in CI: {why}"
    );
    eprintln!("SKIPPED registry test: {why}");
    None
}

fn installed(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

impl Registry {
    /// An anonymous registry.
    pub fn start() -> Option<Self> {
        Self::launch(Setup::default())
    }

    /// A registry that wants `user`/`password` (htpasswd, bcrypt) for every request.
    pub fn with_basic_auth(user: &str, password: &str) -> Option<Self> {
        Self::launch(Setup {
            basic: Some((user.to_owned(), password.to_owned())),
            ..Setup::default()
        })
    }

    /// A registry with `auth: token`: it answers 401 with a Bearer challenge naming the
    /// harness's token issuer, and validates the issuer's JWTs itself. `user`/`password` get
    /// any action; anonymous clients may pull repositories under `public/` only.
    pub fn with_token_auth(user: &str, password: &str) -> Option<Self> {
        Self::launch(Setup {
            token: Some((user.to_owned(), password.to_owned())),
            ..Setup::default()
        })
    }

    /// Like [`Registry::with_token_auth`], but the registry trusts another CA than the one the
    /// issuer signs with, so it refuses every token: proof that distribution checks them.
    pub fn with_untrusted_token_issuer(user: &str, password: &str) -> Option<Self> {
        Self::launch(Setup {
            token: Some((user.to_owned(), password.to_owned())),
            untrusted_issuer: true,
            ..Setup::default()
        })
    }

    /// An anonymous registry serving HTTPS with a certificate for `127.0.0.1` signed by a
    /// throwaway CA ([`Registry::ca_pem`]).
    pub fn with_tls() -> Option<Self> {
        Self::launch(Setup {
            tls: true,
            ..Setup::default()
        })
    }

    /// The CA certificate (PEM file) of a TLS registry.
    pub fn ca_pem(&self) -> Option<&Path> {
        self.ca_pem.as_deref()
    }

    /// The token issuer's request log (token-auth registries; empty otherwise).
    pub fn token_requests(&self) -> Vec<token::TokenRequest> {
        self.token
            .as_ref()
            .map(TokenIssuer::requests)
            .unwrap_or_default()
    }

    fn launch(setup: Setup) -> Option<Self> {
        let creds = setup.basic.clone().or(setup.token.clone());
        for tool in ["docker-registry", "skopeo"] {
            if !installed(tool) {
                return skip(format!("{tool} is not installed"));
            }
        }
        if setup.basic.is_some() && !installed("htpasswd") {
            return skip("htpasswd (apache2-utils) is not installed".into());
        }
        let dir = tempfile::tempdir().expect("temp dir");
        // A free port: bind, read it, release; the registry binds it right after.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let host = format!("127.0.0.1:{port}");
        let mut auth = String::new();
        if let Some((user, password)) = &setup.basic {
            let out = Command::new("htpasswd")
                .args(["-Bbn", user, password])
                .output()
                .expect("htpasswd");
            assert!(out.status.success(), "htpasswd failed");
            let file = dir.path().join("htpasswd");
            std::fs::write(&file, out.stdout).expect("write htpasswd");
            auth = format!(
                "auth:\n  htpasswd:\n    realm: drydock-test\n    path: {}\n",
                file.display()
            );
        }
        let mut token = None;
        if let Some((user, password)) = &setup.token {
            let bundle = dir.path().join("token-root.pem");
            let issuer = TokenIssuer::start(user, password, &bundle);
            if setup.untrusted_issuer {
                // Another CA, same shape, in the bundle the registry trusts.
                let (other_ca, _, _) = tls_files(&dir.path().join("other"));
                std::fs::copy(other_ca, &bundle).expect("replace root bundle");
            }
            auth = format!(
                "auth:\n  token:\n    realm: {}\n    service: {}\n    issuer: {}\n    \
                 rootcertbundle: {}\n",
                issuer.realm,
                token::SERVICE,
                token::ISSUER,
                bundle.display()
            );
            token = Some(issuer);
        }
        let mut tls = String::new();
        let mut ca_pem = None;
        if setup.tls {
            let (ca, cert, key) = tls_files(dir.path());
            tls = format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                cert.display(),
                key.display()
            );
            ca_pem = Some(ca);
        }
        let config = format!(
            "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: false\n\
             storage:\n  filesystem:\n    rootdirectory: {}\n{auth}http:\n  addr: {host}\n{tls}",
            dir.path().join("data").display()
        );
        let config_file = dir.path().join("config.yml");
        std::fs::write(&config_file, config).expect("write config");
        let log = std::fs::File::create(dir.path().join("access.log")).expect("log file");
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config_file)
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn();
        let child = match child {
            Ok(c) => c,
            Err(e) => return skip(format!("cannot start docker-registry: {e}")),
        };
        let mut me = Self {
            dir,
            child,
            host,
            creds,
            token,
            ca_pem,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            // Any HTTP answer on /v2/ (200, or 401 behind auth) means it is serving.
            if std::net::TcpStream::connect(&me.host).is_ok() {
                return Some(me);
            }
            if let Ok(Some(status)) = me.child.try_wait() {
                return skip(format!("docker-registry exited: {status}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        skip("docker-registry did not listen within 30 s".into())
    }

    /// Pushes an OCI layout (its only image, or every one with `all`) as `name:tag`, digests kept.
    pub fn push_oci(&self, layout: &Path, name_tag: &str, all: bool) {
        let mut cmd = Command::new("skopeo");
        cmd.args([
            "copy",
            "--quiet",
            "--preserve-digests",
            "--dest-tls-verify=false",
        ]);
        if all {
            cmd.arg("--all");
        }
        if let Some((user, password)) = &self.creds {
            cmd.arg(format!("--dest-creds={user}:{password}"));
        }
        let out = cmd
            .arg(format!("oci:{}", layout.display()))
            .arg(format!("docker://{}/{name_tag}", self.host))
            .output()
            .expect("skopeo");
        assert!(
            out.status.success(),
            "skopeo copy {} failed: {}",
            layout.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Uploads a manifest (or index) as `repo:reference` with a plain HTTP/1.1 `PUT` (anonymous
    /// plain-HTTP registries only): for shapes skopeo will not push, such as deeply nested
    /// indexes. distribution checks that what it references exists.
    pub fn put_manifest(&self, repo: &str, reference: &str, media_type: &str, body: &[u8]) {
        use std::io::{Read, Write};
        let mut conn = std::net::TcpStream::connect(&self.host).expect("connect to registry");
        write!(
            conn,
            "PUT /v2/{repo}/manifests/{reference} HTTP/1.1\r\nHost: {}\r\nContent-Type: {media_type}\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            self.host,
            body.len()
        )
        .expect("write request");
        conn.write_all(body).expect("write manifest");
        let mut answer = String::new();
        let _ = conn.read_to_string(&mut answer);
        assert!(
            answer.starts_with("HTTP/1.1 201"),
            "PUT {repo}:{reference} refused: {answer}"
        );
    }

    /// Request lines (`GET /v2/...`) of the access log so far, oldest first.
    pub fn requests(&self) -> Vec<String> {
        // The access log is written when a response completes, just after the client got it.
        std::thread::sleep(Duration::from_millis(200));
        let log = std::fs::read_to_string(self.dir.path().join("access.log")).unwrap_or_default();
        log.lines()
            .filter_map(|l| {
                let start = l.find('"')? + 1;
                let rest = &l[start..];
                let line = &rest[..rest.find('"')?];
                let mut parts = line.split(' ');
                Some(format!("{} {}", parts.next()?, parts.next()?))
            })
            .collect()
    }

    /// Where the registry stores a blob (`sha256:HEX`), to damage it on purpose.
    pub fn blob_file(&self, digest: &str) -> PathBuf {
        let hex = digest.trim_start_matches("sha256:");
        self.dir
            .path()
            .join("data/docker/registry/v2/blobs/sha256")
            .join(&hex[..2.min(hex.len())])
            .join(hex)
            .join("data")
    }
}

/// A CA and a server certificate for `127.0.0.1`/`localhost` signed by it (a CA certificate
/// itself is refused as a server certificate by webpki), written as PEM files in `dir`.
pub fn tls_files(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    std::fs::create_dir_all(dir).expect("cert dir");
    let ca_key = rcgen::KeyPair::generate().expect("CA key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "drydock test CA");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).expect("CA cert");
    let key = rcgen::KeyPair::generate().expect("server key");
    let params = rcgen::CertificateParams::new(vec!["127.0.0.1".into(), "localhost".into()])
        .expect("server params");
    let cert = params.signed_by(&key, &ca).expect("server cert");
    let paths = (
        dir.join("ca.pem"),
        dir.join("server.pem"),
        dir.join("server.key"),
    );
    std::fs::write(&paths.0, ca.pem()).expect("write CA");
    std::fs::write(&paths.1, cert.pem()).expect("write cert");
    std::fs::write(&paths.2, key.serialize_pem()).expect("write key");
    paths
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
