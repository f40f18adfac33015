//! `drydock server` end to end, through the binary: a real server process on loopback, real
//! scans (the shared Debian 12 advisories and dpkg databases), a real registry for scans by
//! reference, a real PostgreSQL store, TLS from a throwaway CA. Checked: bearer tokens and
//! scopes (401/403), tokens stored only as hashes, body limits and malformed input, every
//! documented route answering, metrics, client/server mode giving the same findings as a local
//! scan, server-side redaction of uploaded secrets, scans by reference only from allowed
//! registries, TLS, and a graceful stop.
#![allow(clippy::unwrap_used)]

mod common;

use drydock_testkit::server::Server;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{drydock, ok};

fn token(store: &str, name: &str, scopes: &[&str]) -> String {
    let mut args = vec!["server", "token", "add", name, "--store", store];
    for s in scopes {
        args.extend(["--scope", s]);
    }
    let out = ok(drydock(&args));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn start(store: &str, db: &Path, extra: &[&str]) -> Server {
    let mut cmd = drydock_testkit::drydock_cmd!();
    cmd.args(["server", "--listen", "127.0.0.1:0", "--store", store])
        .arg("--db-dir")
        .arg(db)
        .args(extra);
    Server::start(cmd)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .new_agent()
}

/// (status, headers' WWW-Authenticate, body)
fn call(
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<&[u8]>,
) -> (u16, String, String) {
    let a = agent();
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut r = match (method, body) {
        ("GET", _) => {
            let mut b = a.get(url);
            if let Some(h) = &auth {
                b = b.header("Authorization", h);
            }
            b.call()
        }
        ("DELETE", _) => {
            let mut b = a.delete(url);
            if let Some(h) = &auth {
                b = b.header("Authorization", h);
            }
            b.call()
        }
        ("PUT", body) => {
            let mut b = a
                .put(url)
                .header("Content-Type", "application/octet-stream");
            if let Some(h) = &auth {
                b = b.header("Authorization", h);
            }
            b.send(body.unwrap_or_default())
        }
        (_, body) => {
            let mut b = a.post(url).header("Content-Type", "application/json");
            if let Some(h) = &auth {
                b = b.header("Authorization", h);
            }
            b.send(body.unwrap_or_default())
        }
    }
    .unwrap();
    let challenge = r
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = r
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_string()
        .unwrap_or_default();
    (r.status().as_u16(), challenge, text)
}

/// The status a server answers to a POST announcing a `length`-byte body, none of it sent.
fn status_of_announced_body(
    addr: std::net::SocketAddr,
    path: &str,
    token: &str,
    length: usize,
) -> u16 {
    use std::io::{Read, Write};
    let mut c = std::net::TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    write!(
        c,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    )
    .unwrap();
    let mut head = [0u8; 12];
    c.read_exact(&mut head).unwrap();
    let text = String::from_utf8_lossy(&head);
    text.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0)
}

fn get_json(url: &str, token: &str) -> Value {
    let (status, _, body) = call("GET", url, Some(token), None);
    assert_eq!(status, 200, "{url}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// An advisory database of the real Debian 12 DSAs in ../shared.
fn debian_db(dir: &Path) -> Option<()> {
    common::debian_db(dir, &[])
}

/// A Debian 12 root filesystem with the shared old dpkg database: real vulnerable packages.
fn old_rootfs(dir: &Path) -> Option<PathBuf> {
    let status = drydock_testkit::shared("data/advisories/debian12/debian12-old.status")?;
    common::debian12_rootfs(dir, &std::fs::read(status).unwrap());
    // A secret and a misconfiguration the client finds itself.
    std::fs::create_dir_all(dir.join("app")).unwrap();
    std::fs::write(
        dir.join("app/.env"),
        "DB_PASSWORD=Tr0ub4dor-and-3-more-words\n",
    )
    .unwrap();
    Some(dir.to_path_buf())
}

#[test]
fn tokens_scopes_limits_and_routes() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("s.sqlite").display().to_string();
    let admin = token(&store, "admin", &["admin"]);
    let read = token(&store, "reader", &["read"]);
    let submit = token(&store, "ci", &["submit"]);
    let server = start(&store, &tmp.path().join("db"), &["--max-body-mib", "1"]);
    let u = |p: &str| format!("{}{p}", server.url());

    // Public routes.
    assert_eq!(call("GET", &u("/healthz"), None, None).0, 200);
    assert_eq!(call("GET", &u("/readyz"), None, None).0, 200);

    // 401 without a token or with an unknown one, 403 with the wrong scope.
    let (s, challenge, body) = call("GET", &u("/api/v1/images"), None, None);
    assert_eq!(s, 401, "{body}");
    assert!(challenge.starts_with("Bearer"), "{challenge}");
    let (s, _, _) = call("GET", &u("/api/v1/images"), Some("ddt_0000"), None);
    assert_eq!(s, 401);
    let (s, challenge, body) = call("GET", &u("/api/v1/images"), Some(&submit), None);
    assert_eq!(s, 403, "{body}");
    assert!(
        challenge.contains("insufficient_scope") && challenge.contains("scope=\"read\""),
        "{challenge}"
    );
    assert_eq!(call("GET", &u("/api/v1/images"), Some(&read), None).0, 200);
    assert_eq!(call("GET", &u("/metrics"), None, None).0, 401);
    assert_eq!(call("GET", &u("/api/v1/tokens"), Some(&read), None).0, 403);
    // admin implies read.
    assert_eq!(call("GET", &u("/api/v1/images"), Some(&admin), None).0, 200);

    // Tokens through the API: created once, listed without the token, revoked.
    let (s, _, body) = call(
        "POST",
        &u("/api/v1/tokens"),
        Some(&admin),
        Some(br#"{"name":"runner-7","scopes":["read"]}"#),
    );
    assert_eq!(s, 201, "{body}");
    let created: Value = serde_json::from_str(&body).unwrap();
    let new_token = created["token"].as_str().unwrap().to_owned();
    assert!(new_token.starts_with("ddt_"));
    assert_eq!(
        call("GET", &u("/api/v1/images"), Some(&new_token), None).0,
        200
    );
    let listed = get_json(&u("/api/v1/tokens"), &admin);
    let text = listed.to_string();
    assert!(text.contains("runner-7") && !text.contains(&new_token));
    let (s, _, _) = call(
        "POST",
        &u("/api/v1/tokens"),
        Some(&admin),
        Some(br#"{"name":"runner-7","scopes":["read"]}"#),
    );
    assert_eq!(s, 409);
    let (s, _, body) = call(
        "POST",
        &u("/api/v1/tokens"),
        Some(&admin),
        Some(br#"{"name":"x","scopes":["root"]}"#),
    );
    assert_eq!(s, 400, "{body}");
    assert_eq!(
        call("DELETE", &u("/api/v1/tokens/runner-7"), Some(&admin), None).0,
        204
    );
    assert_eq!(
        call("GET", &u("/api/v1/images"), Some(&new_token), None).0,
        401
    );

    // No token is stored in clear: the store file holds none of them.
    let mut bytes = std::fs::read(&store).unwrap();
    if let Ok(wal) = std::fs::read(format!("{store}-wal")) {
        bytes.extend(wal);
    }
    let hay = String::from_utf8_lossy(&bytes);
    for t in [&admin, &read, &submit, &new_token] {
        assert!(!hay.contains(t.as_str()), "a token is stored in clear");
    }

    // Body limit, malformed JSON, a digest that is not one.
    // The answer comes from the announced length, before the body: sent by hand, so the
    // server closing the connection on the unread body cannot race the client's write.
    let s = status_of_announced_body(server.addr, "/api/v1/inventories", &submit, 2 << 20);
    assert_eq!(s, 413);
    let (s, _, body) = call(
        "POST",
        &u("/api/v1/inventories"),
        Some(&submit),
        Some(b"{\"digest\": "),
    );
    assert_eq!(s, 400, "{body}");
    let (s, _, body) = call(
        "POST",
        &u("/api/v1/inventories"),
        Some(&submit),
        Some(b"{\"digest\": []}"),
    );
    assert_eq!(s, 422, "{body}");
    let record = json!({
        "digest": "sha256:../../etc/passwd", "digest_kind": "inventory", "references": [],
        "target_kind": "rootfs", "target_path": "x", "layers": [], "packages": [],
        "findings": [], "analyzer": "t", "db": {"version": "none"}, "scanned_at": 0
    });
    let (s, _, body) = call(
        "POST",
        &u("/api/v1/inventories"),
        Some(&submit),
        Some(record.to_string().as_bytes()),
    );
    assert_eq!(s, 400, "{body}");
    assert!(body.contains("sha256"), "{body}");
    // A read token cannot upload.
    assert_eq!(
        call(
            "POST",
            &u("/api/v1/inventories"),
            Some(&read),
            Some(record.to_string().as_bytes())
        )
        .0,
        403
    );

    // Every documented route answers (no 404/405 from the router), with the admin token.
    let doc: Value = serde_json::from_str(&call("GET", &u("/openapi.json"), None, None).2).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 14, "{} paths", paths.len());
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            let concrete = path
                .replace("{digest}", &format!("sha256:{}", "0".repeat(64)))
                .replace("{id}", "CVE-2024-0001")
                .replace("{name}", "nobody")
                .replace("{key}", &"ab".repeat(32));
            let query = match path.as_str() {
                "/api/v1/packages" => "?name=openssl",
                "/api/v1/deltas" => "?since=0",
                _ => "",
            };
            let (s, _, body) = call(
                &method.to_ascii_uppercase(),
                &u(&format!("{concrete}{query}")),
                Some(&admin),
                Some(b"{}"),
            );
            assert!(
                s != 405 && !body.contains("no such route"),
                "{method} {path}: {s} {body}"
            );
        }
    }

    // Metrics count what happened, by route template.
    let (s, _, metrics) = call("GET", &u("/metrics"), Some(&read), None);
    assert_eq!(s, 200);
    assert!(
        metrics.contains(
            "drydock_http_requests_total{route=\"/api/v1/images\",method=\"GET\",status=\"401\"}"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("drydock_http_request_duration_seconds_bucket"));
    assert!(!metrics.contains("sha256:0000"), "paths leaked into labels");

    assert!(server.stop(), "the server did not stop cleanly on SIGTERM");
}

/// Findings of a JSON report, comparable across runs.
fn findings(report: &Value) -> Vec<(String, String, String, String)> {
    let mut v: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_owned(),
                f["package"].as_str().unwrap_or_default().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

fn client_server(store: &str, tmp: &Path) {
    let db = tmp.join("db");
    let (Some(()), Some(rootfs)) = (debian_db(&db), old_rootfs(&tmp.join("rootfs"))) else {
        return;
    };
    let read = token(store, "reader", &["read"]);
    let submit = token(store, "ci", &["submit"]);
    let server = start(store, &db, &[]);
    let token_file = tmp.join("token");
    std::fs::write(&token_file, format!("{submit}\n")).unwrap();
    let root = rootfs.display().to_string();
    let url = server.url();

    // The client has no advisory database: its own --db-dir is empty.
    let empty = tmp.join("client-db");
    let remote = ok(drydock_testkit::drydock_cmd!()
        .args(["rootfs", &root, "--format", "json", "--server", &url])
        .arg("--server-token-file")
        .arg(&token_file)
        .arg("--db-dir")
        .arg(&empty)
        .output()
        .unwrap());
    let remote: Value = serde_json::from_slice(&remote.stdout).unwrap();
    let local = ok(drydock(&[
        "rootfs",
        &root,
        "--format",
        "json",
        "--db-dir",
        &db.display().to_string(),
    ]));
    let local: Value = serde_json::from_slice(&local.stdout).unwrap();
    let (r, l) = (findings(&remote), findings(&local));
    assert!(
        r.iter().filter(|f| f.3.contains("(Debian:12)")).count() >= 5,
        "few vulnerabilities: {r:?}"
    );
    assert!(
        r.iter()
            .any(|f| f.0 == "DD-SEC-001" || f.3.contains("DB_PASSWORD"))
            || r.len() == l.len()
    );
    assert_eq!(r, l, "client/server mode differs from a local scan");
    assert!(
        !std::fs::read_dir(&empty).is_ok_and(|mut d| d.next().is_some()),
        "the client downloaded or wrote an advisory database"
    );

    // Without a token: a clear error, nothing sent.
    let out = drydock_testkit::drydock_cmd!()
        .args(["rootfs", &root, "--server", &url])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs a token"));

    // The server stored it: fleet queries find the image, its findings by alias, packages.
    let u = |p: &str| format!("{url}{p}");
    let images = get_json(&u("/api/v1/images"), &read);
    let image = images
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["target_path"].as_str() == Some(&root))
        .unwrap_or_else(|| panic!("uploaded scan not stored: {images}"));
    let digest = image["digest"].as_str().unwrap();
    let detail = get_json(&u(&format!("/api/v1/images/{digest}")), &read);
    let stored = detail["findings"].as_array().unwrap();
    assert_eq!(
        stored.len(),
        r.len(),
        "stored findings differ from the report"
    );
    assert!(
        stored.iter().all(|f| !f["message"]
            .as_str()
            .unwrap()
            .contains("Tr0ub4dor-and-3-more-words")),
        "a secret reached the store in clear"
    );
    let with_alias = stored
        .iter()
        .find(|f| f["aliases"].as_array().is_some_and(|a| !a.is_empty()))
        .expect("a vulnerability with an alias");
    let alias = with_alias["aliases"][0].as_str().unwrap();
    let rows = get_json(&u(&format!("/api/v1/findings/{alias}")), &read);
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .any(|row| row["digest"] == digest),
        "{alias} does not find the image: {rows}"
    );
    let pkg = with_alias["package"].as_str().unwrap();
    let name = pkg
        .split('/')
        .nth(2)
        .and_then(|n| n.split('@').next())
        .unwrap();
    let version = with_alias["installed_version"].as_str().unwrap();
    let hits = get_json(
        &u(&format!(
            "/api/v1/packages?name={name}&range=%3C%3D{}",
            version.replace('+', "%2B").replace('~', "%7E")
        )),
        &read,
    );
    assert!(
        hits["matches"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["digest"] == digest),
        "{name} <= {version}: {hits}"
    );
    let overview = get_json(&u("/api/v1/overview"), &read);
    assert!(overview["images"].as_u64().unwrap() >= 1, "{overview}");

    // A hostile client sends a secret in clear: the server masks it before storing.
    let sample = drydock_testkit::shared("data/secrets/gitleaks/rule-samples.jsonl")
        .map(|p| std::fs::read_to_string(p).unwrap())
        .and_then(|text| {
            text.lines()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                .find(|v| v["rule_id"] == "notion-api-token" && v["label"] == "tp")
                .and_then(|v| v["sample"].as_str().map(str::to_owned))
        });
    if let Some(sample) = sample {
        let secret = sample
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .find(|w| w.starts_with("ntn_"))
            .unwrap()
            .to_owned();
        let record = json!({
            "digest": format!("sha256:{}", "ab".repeat(32)), "digest_kind": "inventory",
            "references": ["hostile/client:1"], "target_kind": "rootfs", "target_path": "/x",
            "layers": [], "packages": [],
            "findings": [{
                "id": "DD-SEC-001", "kind": "secret", "severity": "HIGH", "title": "token",
                "message": format!("found {sample}"), "location": "layer 0 /app/env"
            }],
            "analyzer": "evil", "db": {"version": "none"}, "scanned_at": 0
        });
        let (s, _, body) = call(
            "POST",
            &u("/api/v1/inventories"),
            Some(&submit),
            Some(record.to_string().as_bytes()),
        );
        assert_eq!(s, 201, "{body}");
        let detail = get_json(
            &u(&format!("/api/v1/images/sha256:{}", "ab".repeat(32))),
            &read,
        );
        let text = detail["findings"].to_string();
        assert!(text.contains("ntn_"), "{text}");
        assert!(
            !text.contains(&secret),
            "the server stored an uploaded secret in clear"
        );
    }
    // Suppression rules come with an upload and each is tried on every finding: capped.
    let rule = json!({"id": "CVE-0", "path": null, "package": null, "expires": null,
                      "reason": "r", "source": "s"});
    let filters = json!({"ignore_status": [], "rules": vec![rule; 10_001]}).to_string();
    let record = json!({
        "digest": format!("sha256:{}", "cd".repeat(32)), "digest_kind": "inventory",
        "references": [], "target_kind": "rootfs", "target_path": "/y", "layers": [],
        "packages": [], "findings": [], "analyzer": "t", "db": {"version": "none"},
        "scanned_at": 0, "filters": filters
    });
    let (s, _, body) = call(
        "POST",
        &u("/api/v1/inventories"),
        Some(&submit),
        Some(record.to_string().as_bytes()),
    );
    assert_eq!(s, 400, "{body}");
    assert!(body.contains("suppression rules"), "{body}");

    // SIGTERM: a clean exit, on PostgreSQL too (its clients must not be dropped on tokio's
    // threads).
    let log = server.log();
    assert!(server.stop(), "the server did not stop cleanly:\n{log}");
}

#[test]
fn client_server_mode_on_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("fleet.sqlite").display().to_string();
    client_server(&store, tmp.path());
}

#[test]
fn client_server_mode_on_postgres() {
    let Some(pg) = drydock_testkit::postgres::Postgres::start() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let url = pg.create_database("server_cs");
    client_server(&url, tmp.path());
}

#[test]
fn scans_by_reference_only_from_allowed_registries() {
    let Some(registry) = drydock_testkit::registry::Registry::start() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("img");
    drydock_testkit::image(vec![drydock_testkit::layer(vec![
        drydock_testkit::file("etc/os-release", "ID=alpine\nVERSION_ID=3.19.1\n"),
        drydock_testkit::file("lib/apk/db/installed", "P:musl\nV:1.2.4-r2\nA:x86_64\n\n"),
    ])])
    .write_oci_dir(&layout);
    registry.push_oci(&layout, "team/app:1", false);
    let store = tmp.path().join("s.sqlite").display().to_string();
    let submit = token(&store, "ci", &["submit"]);
    let read = token(&store, "r", &["read"]);
    let host = registry.host.clone();
    // The server runs in a directory holding an OCI layout at the path a reference to a
    // missing image spells: the scan must ask the registry, never read that directory.
    let cwd = tmp.path().join("cwd");
    std::fs::create_dir_all(cwd.join(format!("{host}/team"))).unwrap();
    drydock_testkit::image(vec![drydock_testkit::layer(vec![drydock_testkit::file(
        "etc/os-release",
        "ID=alpine\nVERSION_ID=3.19.1\n",
    )])])
    .write_oci_dir(&cwd.join(format!("{host}/team/local:1")));
    let mut cmd = drydock_testkit::drydock_cmd!();
    cmd.current_dir(&cwd)
        .args([
            "server",
            "--listen",
            "127.0.0.1:0",
            "--store",
            &store,
            "--db-dir",
        ])
        .arg(tmp.path().join("db"))
        .args(["--allow-registry", &host]);
    let server = Server::start(cmd);
    let u = |p: &str| format!("{}{p}", server.url());
    let scan = |reference: &str| {
        call(
            "POST",
            &u("/api/v1/scans"),
            Some(&submit),
            Some(json!({ "reference": reference }).to_string().as_bytes()),
        )
    };
    let (s, _, body) = scan(&format!("{host}/team/app:1"));
    assert_eq!(s, 201, "{body}\n{}", server.log());
    let row: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(row["digest_kind"], "manifest");
    assert!(
        row["references"].to_string().contains("team/app:1"),
        "{row}"
    );
    let images = get_json(&u("/api/v1/images"), &read);
    assert_eq!(images.as_array().unwrap().len(), 1);

    // Another registry, a path, a scheme, an option: refused, nothing pulled or read.
    let (s, _, body) = scan("127.0.0.1:1/team/app:1");
    assert_eq!(s, 403, "{body}");
    for hostile in ["/etc", "docker://debian", "--help", "../../x", "oci:/tmp/x"] {
        let (s, _, body) = scan(hostile);
        assert!(s == 400 || s == 403, "{hostile}: {s} {body}");
    }
    let (s, _, body) = scan(&format!("{host}/team/local:1"));
    assert_eq!(s, 502, "a local directory was scanned as the image: {body}");
    // A missing image: the registry's answer, as a 502.
    let (s, _, body) = scan(&format!("{host}/team/nope:1"));
    assert_eq!(s, 502, "{body}");
}

#[test]
fn tls_with_a_private_ca() {
    let tmp = tempfile::tempdir().unwrap();
    let (ca, cert, key) = drydock_testkit::registry::tls_files(&tmp.path().join("tls"));
    let store = tmp.path().join("s.sqlite").display().to_string();
    let submit = token(&store, "ci", &["submit"]);
    let server = start(
        &store,
        &tmp.path().join("db"),
        &[
            "--tls-cert",
            &cert.display().to_string(),
            "--tls-key",
            &key.display().to_string(),
        ],
    );
    assert_eq!(server.scheme, "https");
    let rootfs = tmp.path().join("root");
    std::fs::create_dir_all(rootfs.join("etc")).unwrap();
    std::fs::write(
        rootfs.join("etc/os-release"),
        "ID=debian\nVERSION_ID=\"12\"\n",
    )
    .unwrap();
    let token_file = tmp.path().join("token");
    std::fs::write(&token_file, &submit).unwrap();
    let run = |ca: Option<&Path>| {
        let mut c = drydock_testkit::drydock_cmd!();
        c.args([
            "rootfs",
            &rootfs.display().to_string(),
            "--server",
            &server.url(),
        ])
        .arg("--server-token-file")
        .arg(&token_file);
        if let Some(ca) = ca {
            c.arg("--server-ca").arg(ca);
        }
        c.output().unwrap()
    };
    // The server has no advisory database: the upload is refused with that reason, over TLS.
    let out = run(Some(&ca));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no advisory database"), "{err}");
    // Without the CA the certificate is not trusted: nothing is sent.
    let out = run(None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.to_ascii_lowercase().contains("certificate") || err.contains("UnknownIssuer"),
        "{err}"
    );
    // Plain HTTP to a non-loopback server is refused before connecting.
    let out = drydock_testkit::drydock_cmd!()
        .args([
            "rootfs",
            &rootfs.display().to_string(),
            "--server",
            "http://192.0.2.1:8080",
        ])
        .env("DRYDOCK_SERVER_TOKEN", &submit)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback only"));
}

/// Blob digests fetched (`GET /v2/…/blobs/sha256:…`) in the registry's access log.
fn blob_gets(registry: &drydock_testkit::registry::Registry) -> Vec<String> {
    registry
        .requests()
        .into_iter()
        .filter(|r| r.starts_with("GET ") && r.contains("/blobs/sha256:"))
        .filter_map(|r| r.rsplit('/').next().map(str::to_owned))
        .collect()
}

/// Layer analyses shared across machines through the server: machine A scans an image, B
/// scans another with the same base layer and never downloads that layer, yet reports exactly
/// what C (not sharing) reports. A machine with another fleet's key cannot use them (it reads
/// the layer), and the server's store holds the analyses sealed: the base layer's secret is
/// nowhere in it.
#[test]
fn layers_are_shared_across_machines_through_the_server() {
    let Some(registry) = drydock_testkit::registry::Registry::start() else {
        return;
    };
    let Some(status) = drydock_testkit::shared("data/advisories/debian12/debian12-old.status")
    else {
        return;
    };
    use drydock_testkit::{file, image, layer};
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    if debian_db(&db).is_none() {
        return;
    }
    let secret = "Tr0ub4dor-and-3-more-words";
    let base = || {
        layer(vec![
            file(
                "etc/os-release",
                "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n",
            ),
            file("var/lib/dpkg/status", std::fs::read(&status).unwrap()),
            file("app/.env", format!("DB_PASSWORD={secret}\n")),
        ])
    };
    for (name, top) in [("team/one:1", "one"), ("team/two:1", "two")] {
        let layout = tmp.path().join(top);
        image(vec![
            base(),
            layer(vec![file(format!("srv/{top}.txt"), top)]),
        ])
        .write_oci_dir(&layout);
        registry.push_oci(&layout, name, false);
    }
    let store = tmp.path().join("s.sqlite").display().to_string();
    let submit = token(&store, "workers", &["submit"]);
    let server = start(&store, &db, &[]);
    let token_file = tmp.path().join("token");
    std::fs::write(&token_file, &submit).unwrap();
    let key = |name: &str| {
        let out = ok(drydock(&["server", "layer-key"]));
        let path = tmp.path().join(name);
        std::fs::write(&path, out.stdout).unwrap();
        path
    };
    let fleet_key = key("fleet.key");
    let other_key = key("other.key");
    // One machine: its own HOME and layer cache.
    let scan = |machine: &str, image: &str, layer_key: Option<&Path>| {
        let mut c = drydock_testkit::drydock_cmd!();
        c.args(["image", &format!("{}/{image}", registry.host)])
            .args(["--format", "json", "--server", &server.url()])
            .arg("--server-token-file")
            .arg(&token_file)
            .env(
                "DRYDOCK_CACHE_DIR",
                tmp.path().join(format!("cache-{machine}")),
            )
            .env("DOCKER_CONFIG", tmp.path());
        if let Some(k) = layer_key {
            c.arg("--layer-key-file").arg(k);
        }
        let out = ok(c.output().unwrap());
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        (
            findings(&report),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };

    let before = blob_gets(&registry).len();
    let (a, _) = scan("a", "team/one:1", Some(&fleet_key));
    let after_a = blob_gets(&registry);
    let fetched_a: BTreeSet<String> = after_a[before..].iter().cloned().collect();
    assert!(fetched_a.len() >= 3, "config and two layers: {fetched_a:?}");
    assert!(a.iter().any(|f| f.3.contains("(Debian:12)")), "{a:?}");

    let (b, _) = scan("b", "team/two:1", Some(&fleet_key));
    let after_b = blob_gets(&registry);
    let fetched_b: BTreeSet<String> = after_b[after_a.len()..].iter().cloned().collect();
    let (c, _) = scan("c", "team/two:1", None);
    let after_c = blob_gets(&registry);
    let fetched_c: BTreeSet<String> = after_c[after_b.len()..].iter().cloned().collect();
    let base_blob: Vec<&String> = fetched_a.intersection(&fetched_c).collect();
    assert_eq!(
        base_blob.len(),
        1,
        "one base layer shared: {fetched_a:?} {fetched_c:?}"
    );
    assert!(
        !fetched_b.contains(base_blob[0]),
        "machine B downloaded the base layer machine A analysed: {fetched_b:?}"
    );
    assert_eq!(b, c, "a shared layer analysis changed the findings");
    assert!(
        b.iter()
            .any(|f| f.3.contains("DB_PASSWORD=") && !f.3.contains(secret)),
        "the base layer's secret finding is missing: {b:?}"
    );

    // Another fleet's key opens nothing: that machine reads the layer itself.
    let (d, _) = scan("d", "team/two:1", Some(&other_key));
    let fetched_d: BTreeSet<String> = blob_gets(&registry)[after_c.len()..]
        .iter()
        .cloned()
        .collect();
    assert!(fetched_d.contains(base_blob[0]), "{fetched_d:?}");
    assert_eq!(d, c);

    // The server holds the analyses sealed: the layer's secret is nowhere in its store.
    let mut bytes = std::fs::read(&store).unwrap();
    if let Ok(wal) = std::fs::read(format!("{store}-wal")) {
        bytes.extend(wal);
    }
    let hay = String::from_utf8_lossy(&bytes);
    assert!(!hay.contains(secret), "a layer's secret is stored in clear");
}

/// "What became vulnerable overnight" with nobody running `store rematch`: the server notices
/// that the advisory database changed under it and re-matches the stored inventories; the new
/// advisory's findings show up as deltas through the API.
#[test]
fn the_server_rematches_when_the_database_changes() {
    let Some(dsa) = drydock_testkit::shared("data/advisories/debian12") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let Some(root) = old_rootfs(&tmp.path().join("root")) else {
        return;
    };
    // The database without DSA-5532-1 (openssl, CVE-2023-5363) first.
    let db = tmp.path().join("db");
    let mut args = vec!["db".to_owned(), "import".into(), "--db-dir".into()];
    args.push(db.display().to_string());
    for e in std::fs::read_dir(&dsa).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        if p.extension().is_some_and(|x| x == "json") && name != "DSA-5532-1" {
            args.push(p.display().to_string());
        }
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(drydock(&args));
    let store = tmp.path().join("s.sqlite").display().to_string();
    let read = token(&store, "r", &["read"]);
    let submit = token(&store, "ci", &["submit"]);
    let server = start(&store, &db, &["--rematch-check", "1"]);
    ok(drydock_testkit::drydock_cmd!()
        .args([
            "rootfs",
            &root.display().to_string(),
            "--server",
            &server.url(),
        ])
        .env("DRYDOCK_SERVER_TOKEN", &submit)
        .output()
        .unwrap());
    let deltas =
        |server: &Server| get_json(&format!("{}/api/v1/deltas?since=0", server.url()), &read);
    assert!(deltas(&server).as_array().unwrap().is_empty());

    // `db update` (here: the missing advisory imported) while the server runs.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    ok(drydock(&[
        "db",
        "import",
        "--db-dir",
        &db.display().to_string(),
        &dsa.join("DSA-5532-1.json").display().to_string(),
    ]));
    let started = std::time::Instant::now();
    let found = loop {
        let d = deltas(&server);
        if !d.as_array().unwrap().is_empty() {
            break d;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "no rematch within 30 s:\n{}",
            server.log()
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    let ids: BTreeSet<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            assert_eq!(d["change"], "new");
            d["finding_id"].as_str().unwrap()
        })
        .collect();
    assert_eq!(ids, BTreeSet::from(["CVE-2023-5363"]), "{found:#}");
    assert!(
        server.log().contains("rematched 1 images"),
        "{}",
        server.log()
    );
}
