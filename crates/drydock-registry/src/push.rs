//! Writing to a registry (OCI distribution spec, "push"): blobs by monolithic upload, then the
//! manifest. Used to publish drydock's advisory database as an OCI artifact for mirrors.
//!
//! The same rules as reading: credentials go only to the reference's registry (an upload
//! `Location` on another host is refused, not followed with them), a token realm is asked for
//! exactly `pull,push` on the repository, and nothing the registry answers is trusted beyond
//! its status code and the `Location` it names.

use ureq::http::{Response, Uri};

use crate::client::{Client, ClientError, certificate_error, challenges_of, resolve, same_origin};

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
        // Credentials are for the reference's registry only: an upload on another host, port
        // or scheme (a downgrade to plain HTTP) is refused rather than sent them.
        if !same_origin(&upload, &base) {
            return Err(ClientError::Http {
                url: start,
                reason: format!(
                    "upload Location {location:?} is not on the registry's origin {}; refused",
                    self.origin()
                ),
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::reference::Reference;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::sync::{Arc, Mutex};

    type Handler = dyn Fn(&str, &str, &str) -> (u16, Vec<(String, String)>) + Send + Sync;

    /// A plain-HTTP server on loopback answering every request with `handler(origin, method,
    /// target)`, one connection per request; what it was asked (`METHOD target`, plus the
    /// content type of writes) is logged. A TLS ClientHello (the client's HTTPS probe) is
    /// dropped, as a plain-HTTP registry would.
    fn fake(handler: Box<Handler>) -> (String, Arc<Mutex<Vec<String>>>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let origin = listener.local_addr().unwrap().to_string();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (host, seen) = (origin.clone(), log.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                if !reader
                    .fill_buf()
                    .is_ok_and(|b| b.first().is_some_and(|&c| c != 0x16))
                {
                    continue;
                }
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let mut parts = line.split_whitespace();
                let (method, target) = (
                    parts.next().unwrap_or("").to_owned(),
                    parts.next().unwrap_or("").to_owned(),
                );
                let (mut length, mut content_type) = (0usize, String::new());
                loop {
                    let mut h = String::new();
                    reader.read_line(&mut h).unwrap();
                    let h = h.trim_end();
                    if h.is_empty() {
                        break;
                    }
                    let (name, value) = h.split_once(':').unwrap();
                    match name.to_ascii_lowercase().as_str() {
                        "content-length" => length = value.trim().parse().unwrap(),
                        "content-type" => content_type = value.trim().to_owned(),
                        _ => {}
                    }
                }
                let mut body = vec![0u8; length];
                reader.read_exact(&mut body).unwrap();
                let entry = if content_type.is_empty() {
                    format!("{method} {target}")
                } else {
                    format!("{method} {target} {content_type} {length}")
                };
                seen.lock().unwrap().push(entry);
                let (status, headers) = handler(&host, &method, &target);
                let mut answer = format!("HTTP/1.1 {status} X\r\n");
                for (k, v) in headers {
                    answer.push_str(&format!("{k}: {v}\r\n"));
                }
                answer.push_str("Content-Length: 0\r\nConnection: close\r\n\r\n");
                let _ = conn.write_all(answer.as_bytes());
            }
        });
        (origin, log)
    }

    /// A registry without the blob that starts uploads at `location` (given its origin).
    fn uploads_at(location: fn(&str) -> String) -> Box<Handler> {
        Box::new(move |origin, method, _| match method {
            "HEAD" => (404, vec![]),
            "POST" => (202, vec![("Location".into(), location(origin))]),
            _ => (201, vec![]),
        })
    }

    fn client(origin: &str) -> Client {
        let r = Reference::parse(&format!("{origin}/team/db:1")).unwrap();
        Client::new(&r, None, Default::default()).for_push()
    }

    const DIGEST: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000001";

    fn writes(log: &Arc<Mutex<Vec<String>>>) -> Vec<String> {
        log.lock()
            .unwrap()
            .iter()
            .filter(|l| !l.starts_with("GET "))
            .cloned()
            .collect()
    }

    #[test]
    fn upload_locations_relative_and_absolute() {
        for (location, put) in [
            (
                (|_: &str| "/upload/1?state=abc".to_owned()) as fn(&str) -> String,
                format!("PUT /upload/1?state=abc&digest={DIGEST}"),
            ),
            (
                |_| "u/2".to_owned(),
                format!("PUT /v2/team/db/blobs/uploads/u/2?digest={DIGEST}"),
            ),
            (
                |origin| format!("http://{origin}/elsewhere/3"),
                format!("PUT /elsewhere/3?digest={DIGEST}"),
            ),
            (
                |origin| format!("//{origin}/scheme-relative/4"),
                format!("PUT /scheme-relative/4?digest={DIGEST}"),
            ),
        ] {
            let (origin, log) = fake(uploads_at(location));
            assert!(
                client(&origin)
                    .push_blob("team/db", DIGEST, b"abc")
                    .unwrap()
            );
            assert_eq!(
                writes(&log),
                [
                    format!("HEAD /v2/team/db/blobs/{DIGEST}"),
                    "POST /v2/team/db/blobs/uploads/".to_owned(),
                    format!("{put} application/octet-stream 3"),
                ]
            );
        }
    }

    #[test]
    fn upload_location_on_another_origin_is_refused() {
        for location in [
            (|_: &str| "http://registry.evil.example/upload/1".to_owned()) as fn(&str) -> String,
            |origin| format!("http://{}:1/upload", origin.split(':').next().unwrap()),
            |origin| format!("https://{origin}/upload"),
            |_| "ftp:upload".to_owned(),
        ] {
            let (origin, log) = fake(uploads_at(location));
            let e = client(&origin)
                .push_blob("team/db", DIGEST, b"abc")
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("refused") || e.contains("bad upload Location"),
                "{e}"
            );
            assert!(
                !writes(&log).iter().any(|l| l.starts_with("PUT")),
                "{:?}",
                writes(&log)
            );
        }
    }

    #[test]
    fn existing_blob_is_not_uploaded_again() {
        let (origin, log) = fake(Box::new(|_, _, _| (200, vec![])));
        assert!(
            !client(&origin)
                .push_blob("team/db", DIGEST, b"abc")
                .unwrap()
        );
        assert_eq!(writes(&log), [format!("HEAD /v2/team/db/blobs/{DIGEST}")]);
    }

    #[test]
    fn manifest_put_with_its_media_type_and_digest_checked() {
        let (origin, log) = fake(uploads_at(|_| "/upload".to_owned()));
        let reference = Reference::parse(&format!("{origin}/team/db:v2")).unwrap();
        let digest = crate::artifact::push(
            &client(&origin),
            &reference,
            "application/x.test.config+json",
            ("application/x.test.config+json", b"{}"),
            &[("application/x.test.layer", b"layer")],
            Default::default(),
        )
        .unwrap();
        assert!(digest.starts_with("sha256:"), "{digest}");
        let writes = writes(&log);
        let put = writes.last().unwrap();
        assert!(
            put.starts_with(
                "PUT /v2/team/db/manifests/v2 application/vnd.oci.image.manifest.v1+json"
            ),
            "{writes:?}"
        );

        // A registry naming another digest for what it stored: the push fails.
        let (origin, _) = fake(Box::new(|_, method, target| match method {
            "HEAD" => (200, vec![]),
            _ if target.contains("/manifests/") => (
                201,
                vec![("Docker-Content-Digest".into(), DIGEST.to_owned())],
            ),
            _ => (500, vec![]),
        }));
        let reference = Reference::parse(&format!("{origin}/team/db:v2")).unwrap();
        let e = crate::artifact::push(
            &client(&origin),
            &reference,
            "application/x.test.config+json",
            ("application/x.test.config+json", b"{}"),
            &[],
            Default::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains(&format!("stored the manifest as {DIGEST}")),
            "{e}"
        );

        // A digest reference is not something to push to.
        let pinned = Reference::parse(&format!("{origin}/team/db@{DIGEST}")).unwrap();
        let e = crate::artifact::push(
            &client(&origin),
            &pinned,
            "application/x.test.config+json",
            ("application/x.test.config+json", b"{}"),
            &[],
            Default::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("not to a digest"), "{e}");
    }
}
