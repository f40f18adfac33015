//! Writing to a registry (OCI distribution spec, "push"): blobs by monolithic upload, then the
//! manifest. Used to publish drydock's advisory database as an OCI artifact for mirrors.
//!
//! The same rules as reading: credentials go only to the reference's registry (an upload
//! `Location` on another host is refused, not followed with them), a token realm is asked for
//! exactly `pull,push` on the repository, and nothing the registry answers is trusted beyond
//! its status code and the `Location` it names.

use ureq::http::{Response, Uri};

use crate::client::{Client, ClientError, certificate_error, challenges_of, resolve};

impl Client {
    /// Uploads `bytes` as the blob `digest` (`sha256:…`, which the caller computed) unless the
    /// registry already has it. Returns whether it was uploaded.
    pub fn push_blob(
        &self,
        repository: &str,
        digest: &str,
        bytes: &[u8],
    ) -> Result<bool, ClientError> {
        let head = format!("{}/v2/{repository}/blobs/{digest}", self.origin_settled()?);
        let resp = self.write("HEAD", &head, None, &[], repository)?;
        if resp.status().as_u16() == 200 {
            return Ok(false);
        }
        let start = format!("{}/v2/{repository}/blobs/uploads/", self.origin_settled()?);
        let resp = self.write("POST", &start, None, &[], repository)?;
        expect(&resp, &start, 202)?;
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| ClientError::Http {
                url: start.clone(),
                reason: "upload started without a Location".into(),
            })?;
        let base: Uri = start.parse().map_err(|_| ClientError::Http {
            url: start.clone(),
            reason: "bad URL".into(),
        })?;
        let upload = resolve(&base, location).ok_or_else(|| ClientError::Http {
            url: start.clone(),
            reason: format!("bad upload Location {location:?}"),
        })?;
        // Credentials are for the reference's registry only: an upload elsewhere is refused.
        if upload.authority().map(|a| a.as_str().to_ascii_lowercase())
            != base.authority().map(|a| a.as_str().to_ascii_lowercase())
        {
            return Err(ClientError::Http {
                url: start,
                reason: format!("upload Location {location:?} is on another host; refused"),
            });
        }
        let mut put = upload.to_string();
        put.push(if put.contains('?') { '&' } else { '?' });
        put.push_str(&format!("digest={}", crate::client::query_escape(digest)));
        let resp = self.write(
            "PUT",
            &put,
            Some("application/octet-stream"),
            bytes,
            repository,
        )?;
        expect(&resp, &put, 201)?;
        Ok(true)
    }

    /// Puts a manifest under `reference` (a tag or digest) and returns the digest the registry
    /// names in `Docker-Content-Digest`, if it sent one.
    pub fn push_manifest(
        &self,
        repository: &str,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<Option<String>, ClientError> {
        let url = format!(
            "{}/v2/{repository}/manifests/{reference}",
            self.origin_settled()?
        );
        let resp = self.write("PUT", &url, Some(media_type), bytes, repository)?;
        expect(&resp, &url, 201)?;
        Ok(resp
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned))
    }

    fn origin_settled(&self) -> Result<String, ClientError> {
        self.settle_scheme()?;
        Ok(self.origin())
    }

    /// One write request with the registry's credentials, answering one challenge. No
    /// redirects are followed: a registry that redirects a write is not one to trust with it.
    fn write(
        &self,
        method: &str,
        url: &str,
        content_type: Option<&str>,
        body: &[u8],
        repository: &str,
    ) -> Result<Response<ureq::Body>, ClientError> {
        let http_err = |e: ureq::Error| match certificate_error(&e) {
            Some(reason) => ClientError::Tls {
                host: url.to_string(),
                reason,
            },
            None => ClientError::Http {
                url: url.to_string(),
                reason: e.to_string(),
            },
        };
        let mut challenged = false;
        loop {
            let auth = self.current_auth();
            let resp = match method {
                "HEAD" => {
                    let mut req = self.agent.head(url);
                    if let Some(a) = &auth {
                        req = req.header("Authorization", a.expose());
                    }
                    req.call().map_err(http_err)?
                }
                "POST" | "PUT" => {
                    let mut req = if method == "POST" {
                        self.agent.post(url)
                    } else {
                        self.agent.put(url)
                    };
                    if let Some(a) = &auth {
                        req = req.header("Authorization", a.expose());
                    }
                    if let Some(ct) = content_type {
                        req = req.header("Content-Type", ct);
                    }
                    req.send(body).map_err(http_err)?
                }
                other => {
                    return Err(ClientError::Http {
                        url: url.to_string(),
                        reason: format!("method {other} not supported"),
                    });
                }
            };
            if resp.status().as_u16() == 401 && !challenged {
                challenged = true;
                self.answer_challenge(url, &challenges_of(&resp), repository)?;
                continue;
            }
            if matches!(resp.status().as_u16(), 401 | 403) {
                return Err(ClientError::Auth {
                    url: url.to_string(),
                    reason: format!(
                        "HTTP {} for a write to {repository}; the credentials need push access",
                        resp.status().as_u16()
                    ),
                });
            }
            return Ok(resp);
        }
    }
}

fn expect(resp: &Response<ureq::Body>, url: &str, want: u16) -> Result<(), ClientError> {
    let status = resp.status().as_u16();
    if status == want {
        Ok(())
    } else {
        Err(ClientError::Status {
            url: url.to_string(),
            status,
        })
    }
}
