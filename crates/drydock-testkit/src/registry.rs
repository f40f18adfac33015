//! A throwaway OCI registry for tests: Debian's `docker-registry` (distribution 2.8) on a free
//! loopback port with filesystem storage in a temp dir, optionally behind htpasswd Basic auth;
//! images pushed with `skopeo`. Its access log is the record of what a client requested. Killed
//! on drop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Registry {
    dir: tempfile::TempDir,
    child: Child,
    /// `127.0.0.1:PORT`
    pub host: String,
    creds: Option<(String, String)>,
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
        Self::launch(None)
    }

    /// A registry that wants `user`/`password` (htpasswd, bcrypt) for every request.
    pub fn with_basic_auth(user: &str, password: &str) -> Option<Self> {
        Self::launch(Some((user.to_owned(), password.to_owned())))
    }

    fn launch(creds: Option<(String, String)>) -> Option<Self> {
        for tool in ["docker-registry", "skopeo"] {
            if !installed(tool) {
                return skip(format!("{tool} is not installed"));
            }
        }
        if creds.is_some() && !installed("htpasswd") {
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
        if let Some((user, password)) = &creds {
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
        let config = format!(
            "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: false\n\
             storage:\n  filesystem:\n    rootdirectory: {}\n{auth}http:\n  addr: {host}\n",
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

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
