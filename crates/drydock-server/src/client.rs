//! The client side of `drydock image --server URL`: the inventory and the locally found
//! (redacted) findings go up, the vulnerabilities the server matched come back.
//!
//! The token goes to the server URL and nowhere else: redirects are not followed (a redirect
//! is an error naming where it pointed), and plain HTTP is refused for anything but loopback,
//! so a token never crosses a network in clear.

use drydock_store::ScanRecord;
use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("--server {0}: {1}")]
    Url(String, String),
    #[error("server {url}: {reason}")]
    Http { url: String, reason: String },
    #[error("server {url} answered {status}: {message}")]
    Status {
        url: String,
        status: u16,
        message: String,
    },
}

/// What the server answers an upload with.
#[derive(Debug, Deserialize)]
pub struct Uploaded {
    pub scan_id: String,
    pub digest: String,
    pub db_version: String,
    pub vulnerabilities: Vec<drydock_finding::Finding>,
}

#[derive(Clone)]
pub struct Client {
    base: String,
    token: String,
    agent: ureq::Agent,
}

/// The largest answer read (vulnerabilities of one image).
const MAX_ANSWER: u64 = 256 << 20;

impl Client {
    /// `base` is the server's URL (`https://drydock.example:8080`); `extra_roots` are DER
    /// certificates to trust besides the system's (`--server-ca`).
    /// `plain_http` allows http:// to a host that is not loopback (an explicit choice).
    pub fn new(
        base: &str,
        token: &str,
        extra_roots: &[Vec<u8>],
        plain_http: bool,
    ) -> Result<Client, ClientError> {
        let base = base.trim_end_matches('/').to_owned();
        let uri: ureq::http::Uri = base
            .parse()
            .map_err(|e| ClientError::Url(base.clone(), format!("not a URL: {e}")))?;
        let host = uri.host().unwrap_or_default().trim_matches(['[', ']']);
        let loopback = host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        match uri.scheme_str() {
            Some("https") => {}
            Some("http") if loopback || plain_http => {}
            Some("http") => {
                return Err(ClientError::Url(
                    base,
                    "plain http is for loopback only: the token would cross the network in clear (use https://, or --server-plain-http on a network protected otherwise)".into(),
                ));
            }
            _ => {
                return Err(ClientError::Url(
                    base,
                    "expected http:// or https://".into(),
                ));
            }
        }
        if uri.path() != "/" && !uri.path().is_empty() || uri.query().is_some() {
            return Err(ClientError::Url(
                base,
                "give the server's address only (scheme://host:port)".into(),
            ));
        }
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(drydock_registry::client::root_certs(extra_roots))
            .build();
        let config = ureq::Agent::config_builder()
            .tls_config(tls)
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(concat!("drydock/", env!("CARGO_PKG_VERSION")))
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_global(Some(Duration::from_secs(600)))
            .build();
        Ok(Client {
            base,
            token: token.to_owned(),
            agent: ureq::Agent::new_with_config(config),
        })
    }

    fn layer_url(&self, key: &str) -> String {
        format!("{}/api/v1/layers/{key}", self.base)
    }

    /// The sealed layer analysis under `key` ([`crate::layers`]), if the server has one.
    pub fn layer_get(&self, key: &str) -> Result<Option<Vec<u8>>, ClientError> {
        let url = self.layer_url(key);
        let http = |reason: String| ClientError::Http {
            url: url.clone(),
            reason,
        };
        let mut r = self
            .agent
            .get(&url)
            .header("Authorization", &format!("Bearer {}", self.token))
            .call()
            .map_err(|e| http(e.to_string()))?;
        match r.status().as_u16() {
            200 => r
                .body_mut()
                .with_config()
                .limit(MAX_ANSWER)
                .read_to_vec()
                .map(Some)
                .map_err(|e| http(e.to_string())),
            404 => Ok(None),
            status => Err(ClientError::Status {
                url: url.clone(),
                status,
                message: "fetching a shared layer".into(),
            }),
        }
    }

    /// Stores a sealed layer analysis under `key`.
    pub fn layer_put(&self, key: &str, sealed: &[u8]) -> Result<(), ClientError> {
        let url = self.layer_url(key);
        let r = self
            .agent
            .put(&url)
            .header("Authorization", &format!("Bearer {}", self.token))
            .header("Content-Type", "application/octet-stream")
            .send(sealed)
            .map_err(|e| ClientError::Http {
                url: url.clone(),
                reason: e.to_string(),
            })?;
        match r.status().as_u16() {
            204 => Ok(()),
            status => Err(ClientError::Status {
                url,
                status,
                message: "storing a shared layer".into(),
            }),
        }
    }

    /// Uploads one image's inventory.
    pub fn upload(&self, record: &ScanRecord) -> Result<Uploaded, ClientError> {
        let url = format!("{}/api/v1/inventories", self.base);
        let http = |reason: String| ClientError::Http {
            url: url.clone(),
            reason,
        };
        let body = serde_json::to_vec(record).map_err(|e| http(e.to_string()))?;
        let mut response = self
            .agent
            .post(&url)
            .header("Authorization", &format!("Bearer {}", self.token))
            .header("Content-Type", "application/json")
            .send(&body[..])
            .map_err(|e| http(e.to_string()))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER)
            .read_to_string()
            .map_err(|e| http(format!("reading the answer: {e}")))?;
        if (300..400).contains(&status) {
            let to = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("nowhere");
            return Err(http(format!(
                "redirected ({status}) to {to}: not followed, the token is for this server only"
            )));
        }
        if status != 201 {
            let message = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v["error"].as_str().map(str::to_owned))
                .unwrap_or_else(|| text.chars().take(200).collect());
            return Err(ClientError::Status {
                url,
                status,
                message,
            });
        }
        serde_json::from_str(&text).map_err(|e| http(format!("unexpected answer: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback() {
        assert!(Client::new("http://127.0.0.1:8080", "t", &[], false).is_ok());
        assert!(Client::new("http://localhost:8080/", "t", &[], false).is_ok());
        assert!(Client::new("http://[::1]:8080", "t", &[], false).is_ok());
        assert!(Client::new("https://drydock.example", "t", &[], false).is_ok());
        let e = Client::new("http://drydock.example:8080", "t", &[], false)
            .err()
            .unwrap();
        assert!(e.to_string().contains("loopback only"), "{e}");
        assert!(Client::new("http://drydock.svc:8080", "t", &[], true).is_ok());
        assert!(Client::new("ftp://x", "t", &[], true).is_err());
        assert!(Client::new("https://x/api?x=1", "t", &[], false).is_err());
    }
}
