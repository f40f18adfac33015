//! Credentials for a registry, looked up by the reference's registry host only.
//!
//! Order: explicit (`--username` + `--password-stdin`), then `DRYDOCK_USERNAME` /
//! `DRYDOCK_PASSWORD`, then Docker's `config.json` (`credHelpers[host]`, else `credsStore`,
//! else the inline `auths` entry, as the Docker CLI does), then Podman's `auth.json`.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::Error;
use crate::reference::DOCKER_HUB;

/// A password or token. `Debug` and `Display` never show it, so it cannot slip into an
/// error message or a log line.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    /// The secret itself, for building an `Authorization` header and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub username: String,
    pub secret: Secret,
}

impl Credential {
    /// The `Authorization: Basic …` value.
    pub fn basic_header(&self) -> String {
        let raw = format!("{}:{}", self.username, self.secret.expose());
        format!("Basic {}", STANDARD.encode(raw))
    }
}

/// Where credentials may come from; each field is optional so tests (and `--username`) can
/// choose exactly which sources exist.
#[derive(Debug, Default, Clone)]
pub struct CredentialSources {
    pub explicit: Option<Credential>,
    pub env: Option<Credential>,
    pub docker_config: Option<PathBuf>,
    pub podman_auth: Option<PathBuf>,
    /// Directory searched for `docker-credential-*` helpers instead of `$PATH` (tests).
    pub helper_dir: Option<PathBuf>,
}

impl CredentialSources {
    /// The usual places: `DRYDOCK_USERNAME`/`DRYDOCK_PASSWORD`, `$DOCKER_CONFIG/config.json`
    /// or `~/.docker/config.json`, `$REGISTRY_AUTH_FILE` or `$XDG_RUNTIME_DIR/containers/auth.json`.
    pub fn from_env(explicit: Option<Credential>) -> CredentialSources {
        let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        let env = match (
            std::env::var("DRYDOCK_USERNAME"),
            std::env::var("DRYDOCK_PASSWORD"),
        ) {
            (Ok(username), Ok(password)) if !username.is_empty() => Some(Credential {
                username,
                secret: Secret::new(password),
            }),
            _ => None,
        };
        let docker_config = var("DOCKER_CONFIG")
            .map(PathBuf::from)
            .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".docker")))
            .map(|d| d.join("config.json"));
        let podman_auth = var("REGISTRY_AUTH_FILE").map(PathBuf::from).or_else(|| {
            var("XDG_RUNTIME_DIR").map(|d| PathBuf::from(d).join("containers/auth.json"))
        });
        CredentialSources {
            explicit,
            env,
            docker_config,
            podman_auth,
            helper_dir: None,
        }
    }

    /// Credentials for `registry` (the reference's registry name, e.g. `docker.io` or
    /// `host:5000`), or `None` for anonymous access. A file that does not exist is no source;
    /// a file that exists but cannot be parsed is an error (silently pulling anonymously
    /// would hide the mistake).
    pub fn lookup(&self, registry: &str) -> Result<Option<Credential>, Error> {
        if let Some(c) = self.explicit.clone().or_else(|| self.env.clone()) {
            return Ok(Some(c));
        }
        if let Some(path) = &self.docker_config
            && let Some(file) = AuthFile::load(path)?
        {
            if let Some(helper) = file
                .cred_helpers
                .get(&hub_alias(registry))
                .or(file.cred_helpers.get(registry))
            {
                return self.run_helper(helper, registry);
            }
            if let Some(helper) = &file.creds_store
                && let Some(c) = self.run_helper(helper, registry)?
            {
                return Ok(Some(c));
            }
            if let Some(c) = file.inline(registry, path)? {
                return Ok(Some(c));
            }
        }
        if let Some(path) = &self.podman_auth
            && let Some(file) = AuthFile::load(path)?
            && let Some(c) = file.inline(registry, path)?
        {
            return Ok(Some(c));
        }
        Ok(None)
    }

    /// `docker-credential-NAME get`, server URL on stdin, JSON `{Username, Secret}` on stdout.
    fn run_helper(&self, helper: &str, registry: &str) -> Result<Option<Credential>, Error> {
        let err = |reason: String| Error::CredentialHelper {
            helper: helper.to_string(),
            reason,
        };
        // The helper name comes from a config file: it must not be a path.
        if helper.is_empty()
            || !helper
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
            || helper.starts_with('.')
        {
            return Err(err("invalid helper name".into()));
        }
        let exe = format!("docker-credential-{helper}");
        let exe = match &self.helper_dir {
            Some(dir) => dir.join(exe),
            None => PathBuf::from(exe),
        };
        let mut child = Command::new(&exe)
            .arg("get")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| err(format!("cannot run: {e}")))?;
        if let Some(mut stdin) = child.stdin.take() {
            // Docker Hub is stored under its historical key.
            let server = if registry == DOCKER_HUB {
                DOCKER_HUB_KEY
            } else {
                registry
            };
            stdin
                .write_all(server.as_bytes())
                .map_err(|e| err(format!("writing to helper: {e}")))?;
        }
        let out = child
            .wait_with_output()
            .map_err(|e| err(format!("waiting for helper: {e}")))?;
        if !out.status.success() {
            let text = String::from_utf8_lossy(&out.stdout).to_string()
                + &String::from_utf8_lossy(&out.stderr);
            if text.contains("credentials not found") {
                return Ok(None);
            }
            // The helper's own output is not echoed: it might hold a secret.
            return Err(err(format!("exited with {}", out.status)));
        }
        #[derive(serde::Deserialize)]
        struct HelperReply {
            #[serde(rename = "Username", default)]
            username: String,
            #[serde(rename = "Secret", default)]
            secret: String,
        }
        let reply: HelperReply = serde_json::from_slice(&out.stdout)
            .map_err(|_| err("output is not the expected JSON".into()))?;
        if reply.secret.is_empty() {
            return Ok(None);
        }
        Ok(Some(Credential {
            username: reply.username,
            secret: Secret::new(reply.secret),
        }))
    }
}

/// The key Docker stores Hub credentials under.
const DOCKER_HUB_KEY: &str = "https://index.docker.io/v1/";

fn hub_alias(registry: &str) -> String {
    if registry == DOCKER_HUB {
        DOCKER_HUB_KEY.to_string()
    } else {
        registry.to_string()
    }
}

/// The shared shape of Docker's `config.json` and Podman's `auth.json`.
#[derive(Debug, Default, serde::Deserialize)]
struct AuthFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: BTreeMap<String, String>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

impl AuthFile {
    fn load(path: &Path) -> Result<Option<AuthFile>, Error> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Error::CredentialFile {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                });
            }
        };
        // serde_json's message names a line and column, never the content around it.
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| Error::CredentialFile {
                path: path.display().to_string(),
                reason: e.to_string(),
            })
    }

    /// The `auths` entry whose key names exactly this registry host. Keys are written as
    /// `host`, `https://host`, `http://host/v1/` and the like: scheme and path are dropped,
    /// the host (with port) must match exactly — never a prefix or a suffix.
    fn inline(&self, registry: &str, path: &Path) -> Result<Option<Credential>, Error> {
        let want: &[&str] = if registry == DOCKER_HUB {
            &[DOCKER_HUB, "index.docker.io", "registry-1.docker.io"]
        } else {
            &[registry]
        };
        let entry = self.auths.iter().find(|(key, _)| {
            let host = key.split_once("://").map_or(key.as_str(), |(_, rest)| rest);
            let host = host.split('/').next().unwrap_or("");
            want.iter().any(|w| w.eq_ignore_ascii_case(host))
        });
        let Some((_, entry)) = entry else {
            return Ok(None);
        };
        let bad = |reason: &str| Error::CredentialFile {
            path: path.display().to_string(),
            reason: format!("entry for {registry}: {reason}"),
        };
        if let Some(auth) = entry.auth.as_deref().filter(|a| !a.is_empty()) {
            let raw = STANDARD
                .decode(auth.trim())
                .map_err(|_| bad("`auth` is not base64"))?;
            let raw = String::from_utf8(raw).map_err(|_| bad("`auth` is not UTF-8"))?;
            let (user, pass) = raw
                .split_once(':')
                .ok_or_else(|| bad("`auth` is not user:password"))?;
            return Ok(Some(Credential {
                username: user.to_string(),
                secret: Secret::new(pass),
            }));
        }
        match (&entry.username, &entry.password) {
            (Some(u), Some(p)) if !u.is_empty() => Ok(Some(Credential {
                username: u.clone(),
                secret: Secret::new(p.clone()),
            })),
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn cred(u: &str, p: &str) -> Credential {
        Credential {
            username: u.into(),
            secret: Secret::new(p),
        }
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn secrets_never_print() {
        let c = cred("alice", "hunter2-secret");
        assert!(!format!("{c:?}").contains("hunter2"));
        assert!(!format!("{}", c.secret).contains("hunter2"));
        // base64("alice:hunter2-secret")
        assert_eq!(c.basic_header(), "Basic YWxpY2U6aHVudGVyMi1zZWNyZXQ=");
    }

    #[test]
    fn docker_config_auths_match_the_exact_host_only() {
        let dir = tempfile::tempdir().unwrap();
        let auth = STANDARD.encode("hub:hubpass");
        let auth2 = STANDARD.encode("bob:pw5000");
        let cfg = write(
            dir.path(),
            "config.json",
            &format!(
                r#"{{"auths":{{"https://index.docker.io/v1/":{{"auth":"{auth}"}},
                    "http://reg.example:5000/v2/":{{"auth":"{auth2}"}},
                    "other.example":{{"username":"u","password":"p"}}}}}}"#
            ),
        );
        let src = CredentialSources {
            docker_config: Some(cfg),
            ..Default::default()
        };
        assert_eq!(
            src.lookup("docker.io").unwrap(),
            Some(cred("hub", "hubpass"))
        );
        assert_eq!(
            src.lookup("reg.example:5000").unwrap(),
            Some(cred("bob", "pw5000"))
        );
        assert_eq!(src.lookup("other.example").unwrap(), Some(cred("u", "p")));
        // Neither another port, nor a prefix/suffix of a known host, gets anything.
        for host in [
            "reg.example",
            "reg.example:5001",
            "evil-other.example",
            "other.example.evil",
            "ther.example",
        ] {
            assert_eq!(src.lookup(host).unwrap(), None, "{host}");
        }
    }

    #[test]
    fn precedence_explicit_env_docker_podman() {
        let dir = tempfile::tempdir().unwrap();
        let d = STANDARD.encode("docker:d");
        let p = STANDARD.encode("podman:p");
        let docker = write(
            dir.path(),
            "config.json",
            &format!(r#"{{"auths":{{"r.io":{{"auth":"{d}"}}}}}}"#),
        );
        let podman = write(
            dir.path(),
            "auth.json",
            &format!(r#"{{"auths":{{"r.io":{{"auth":"{d}"}},"p.io":{{"auth":"{p}"}}}}}}"#),
        );
        let mut src = CredentialSources {
            docker_config: Some(docker),
            podman_auth: Some(podman),
            ..Default::default()
        };
        assert_eq!(src.lookup("r.io").unwrap(), Some(cred("docker", "d")));
        assert_eq!(src.lookup("p.io").unwrap(), Some(cred("podman", "p")));
        assert_eq!(src.lookup("x.io").unwrap(), None);
        src.env = Some(cred("env", "e"));
        assert_eq!(src.lookup("x.io").unwrap(), Some(cred("env", "e")));
        src.explicit = Some(cred("cli", "c"));
        assert_eq!(src.lookup("r.io").unwrap(), Some(cred("cli", "c")));
    }

    #[test]
    fn missing_file_is_no_source_but_a_broken_one_is_an_error_without_the_secret() {
        let dir = tempfile::tempdir().unwrap();
        let src = CredentialSources {
            docker_config: Some(dir.path().join("absent.json")),
            ..Default::default()
        };
        assert_eq!(src.lookup("r.io").unwrap(), None);
        let broken = write(
            dir.path(),
            "config.json",
            r#"{"auths":{"r.io":{"auth":"topsecret-not-base64!"}}}"#,
        );
        let src = CredentialSources {
            docker_config: Some(broken),
            ..Default::default()
        };
        let e = src.lookup("r.io").unwrap_err().to_string();
        assert!(e.contains("not base64") && !e.contains("topsecret"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn credential_helpers_by_host_and_store() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        // The helper answers with the server URL it was asked for as the username, so the
        // test sees which key reached it.
        let script = "#!/bin/sh\nread server\ncase \"$server\" in\n  nope*) echo 'credentials not found in native keychain'; exit 1;;\nesac\nprintf '{\"ServerURL\":\"%s\",\"Username\":\"%s\",\"Secret\":\"s3cr3t\"}' \"$server\" \"$server\"\n";
        for name in ["docker-credential-fake", "docker-credential-store"] {
            let p = write(dir.path(), name, script);
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let cfg = write(
            dir.path(),
            "config.json",
            r#"{"credHelpers":{"h.io":"fake","https://index.docker.io/v1/":"fake"},"credsStore":"store"}"#,
        );
        let src = CredentialSources {
            docker_config: Some(cfg),
            helper_dir: Some(dir.path().to_path_buf()),
            ..Default::default()
        };
        assert_eq!(src.lookup("h.io").unwrap(), Some(cred("h.io", "s3cr3t")));
        assert_eq!(
            src.lookup("docker.io").unwrap(),
            Some(cred(DOCKER_HUB_KEY, "s3cr3t"))
        );
        assert_eq!(
            src.lookup("other.io").unwrap(),
            Some(cred("other.io", "s3cr3t"))
        );
        assert_eq!(src.lookup("nope.io").unwrap(), None);
        let bad = write(dir.path(), "bad.json", r#"{"credsStore":"../../bin/sh"}"#);
        let src = CredentialSources {
            docker_config: Some(bad),
            ..Default::default()
        };
        assert!(src.lookup("x.io").is_err());
    }
}
