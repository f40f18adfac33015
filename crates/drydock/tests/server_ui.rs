//! The web UI of `drydock server`, through the binary, in headless Chromium (Debian's
//! `chromium`, installed by .ci/run): a real server on a store seeded with real scans (the
//! debian-min image, an aged Debian 12 root filesystem, `store rematch` with one more real DSA),
//! each page loaded with `#token=…` and its rendered DOM checked; no token and a token without
//! the read scope show the form and the server's 401/403; a scanned package and path holding
//! markup render as text. `DRYDOCK_UI_SCREENSHOTS=1` also writes docs/ui/*.png (the normal run
//! writes nothing in the repository).
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use common::{debian_db, drydock, ok};

/// A Debian 12 root filesystem whose dpkg database is `status`, by path.
fn rootfs(dir: &Path, status: &[u8]) -> String {
    common::debian12_rootfs(dir, status).display().to_string()
}

fn chromium() -> Option<PathBuf> {
    let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is missing (CI installs it; a skip there would hide the UI tests)"
        );
        eprintln!("SKIPPED: Debian's chromium is not installed (.ci/run installs it)");
    }
    found
}

/// `drydock server` on a free loopback port, killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(store: &str, db: &str) -> Server {
        let mut child = drydock_testkit::drydock_cmd!()
            .args(["server", "--listen", "127.0.0.1:0", "--store", store])
            .args(["--db-dir", db])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut seen = String::new();
        let base = loop {
            let Some(Ok(line)) = lines.next() else {
                let _ = child.kill();
                panic!("the server exited before listening: {seen}");
            };
            if let Some((_, addr)) = line.split_once("listening on ") {
                break addr.trim().to_owned();
            }
            seen.push_str(&line);
            seen.push('\n');
        };
        // Keep draining stderr so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        assert!(base.starts_with("http://127.0.0.1:"), "{base}");
        Server { child, base }
    }

    /// A GET with a bearer token, for what the test needs to know (status, body).
    fn get(&self, path: &str, token: &str) -> (u16, String) {
        let mut s = TcpStream::connect(self.base.trim_start_matches("http://")).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        (status, body.to_owned())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Browser {
    chrome: PathBuf,
    tmp: PathBuf,
    runs: std::cell::Cell<u32>,
}

impl Browser {
    fn command(&self, extra: &[&str], url: &str) -> Output {
        // A fresh profile each time: nothing (sessionStorage included) carries over.
        let n = self.runs.get();
        self.runs.set(n + 1);
        Command::new(&self.chrome)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--enable-logging=stderr",
                "--v=0",
            ])
            .arg(format!(
                "--user-data-dir={}",
                self.tmp.join(format!("profile-{n}")).display()
            ))
            .args(extra)
            .arg(url)
            .output()
            .unwrap()
    }

    /// The DOM after the page's scripts ran, with its `data-ready` state checked and no
    /// console errors (a Content-Security-Policy violation is one).
    fn dom(&self, url: &str, ready: &str) -> String {
        let out = self.command(&["--dump-dom", "--virtual-time-budget=15000"], url);
        let dom = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            dom.contains(&format!("data-ready=\"{ready}\"")),
            "{url}: the page did not end in state {ready:?}\nDOM: {dom}\nstderr: {stderr}"
        );
        let console_errors: Vec<&str> = stderr
            .lines()
            .filter(|l| {
                l.contains("CONSOLE")
                    && (l.contains("Uncaught")
                        || l.contains("Refused")
                        || l.contains("Content Security Policy"))
            })
            .collect();
        assert!(
            console_errors.is_empty(),
            "{url}: console errors: {console_errors:#?}"
        );
        dom
    }

    fn screenshot(&self, url: &str, to: &Path) {
        let out = self.command(
            &[
                &format!("--screenshot={}", to.display()),
                "--window-size=1280,900",
                "--virtual-time-budget=15000",
            ],
            url,
        );
        assert!(
            out.status.success() && std::fs::metadata(to).is_ok_and(|m| m.len() > 10_000),
            "no screenshot of {url}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A markup-bearing string as it must appear in the DOM: as text.
const EVIL_PACKAGE: &str = "<img src=x onerror=alert(2)>";
const EVIL_DIR: &str = "evil-<img src=x onerror=alert(1)>";

fn assert_no_injection(dom: &str, page: &str) {
    // The serializer quotes every attribute of a real element; a string only ever appears
    // unquoted (text, or inside another attribute's value).
    for injected in ["<img src=\"x\"", "onerror=\""] {
        assert!(
            !dom.contains(injected),
            "{page}: markup from the store became an element: {dom}"
        );
    }
}

#[test]
fn pages_render_real_scans_in_headless_chromium() {
    let Some(chrome) = chromium() else {
        return;
    };
    let (Some(image), Some(old_status)) = (
        drydock_testkit::shared("images/debian-min.tar"),
        drydock_testkit::shared("data/advisories/debian12/debian12-old.status"),
    ) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    // db1 lacks DSA-5532-1 (openssl, CVE-2023-5363); db2 is every DSA: the rematch with db2 is
    // the delta "new since yesterday".
    let (db1, db2) = (t.join("db1"), t.join("db2"));
    if debian_db(&db1, &["DSA-5532-1"]).is_none() || debian_db(&db2, &[]).is_none() {
        return;
    }
    let (db1, db2) = (db1.display().to_string(), db2.display().to_string());
    let store = t.join("fleet.sqlite").display().to_string();
    let aged = rootfs(&t.join("aged"), &std::fs::read(old_status).unwrap());
    let image = image.display().to_string();
    ok(drydock(&[
        "image", &image, "--store", &store, "--db-dir", &db1, "-f", "json",
    ]));
    ok(drydock(&[
        "rootfs", &aged, "--store", &store, "--db-dir", &db1, "-f", "json",
    ]));
    ok(drydock(&[
        "store", "rematch", "--store", &store, "--db-dir", &db2, "--json",
    ]));
    let token = |name: &str, scope: &str| {
        let out = ok(drydock(&[
            "server", "token", "add", name, "--scope", scope, "--store", &store,
        ]));
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    let read = token("ui", "read");
    let submit_only = token("uploader", "submit");
    let server = Server::start(&store, &db2);
    let browser = Browser {
        chrome,
        tmp: t.to_path_buf(),
        runs: Default::default(),
    };
    let url = |path: &str| format!("{}{path}#token={read}", server.base);

    // What the store holds, from the API: the digests the pages are about.
    let (status, images) = server.get("/api/v1/images", &read);
    assert_eq!(status, 200, "{images}");
    let images: serde_json::Value = serde_json::from_str(&images).unwrap();
    let images = images.as_array().unwrap();
    assert_eq!(images.len(), 2, "{images:#?}");
    let min = images
        .iter()
        .find(|i| i["digest_kind"] != "inventory")
        .unwrap();
    let min_ref = min["references"][0].as_str().unwrap().to_owned();
    assert!(min_ref.contains("debian-min"), "{min:#}");
    let aged_digest = images
        .iter()
        .find(|i| i["digest_kind"] == "inventory")
        .unwrap()["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let enc = |d: &str| d.replace(':', "%3A");

    // Overview: counts, the debian-min reference, the trend of the rematch.
    let dom = browser.dom(&url("/"), "1");
    assert!(
        dom.contains(r#"id="stat-images"><span class="n">2</span>"#),
        "{dom}"
    );
    assert!(dom.contains(&min_ref), "{dom}");
    assert!(dom.contains(&format!("/ui/image?digest={}", enc(&aged_digest))));
    assert!(
        dom.contains(r#"id="worst""#) && dom.contains("2 new"),
        "{dom}"
    );
    assert!(!dom.contains(&read), "the token stays out of the page");

    // Image page (the aged root filesystem): a real package, a real CVE with its DSA alias
    // linked to the vulnerability page, the filters.
    let dom = browser.dom(
        &url(&format!("/ui/image?digest={}", enc(&aged_digest))),
        "1",
    );
    for expected in [
        aged_digest.as_str(),
        "libssl3",
        "3.0.11-1~deb12u1",
        "CVE-2024-6119",
        "/ui/vulnerability?id=DSA-5764-1",
        "CVE-2023-5363",
        "CVE-2023-38545",
        r#"id="finding-search""#,
        r#"id="package-search""#,
        "debian 12",
    ] {
        assert!(dom.contains(expected), "image page lacks {expected}: {dom}");
    }

    // The findings' filters, started from the query: a search narrows the table to the two
    // records of one CVE (libssl3, openssl).
    let dom = browser.dom(
        &url(&format!(
            "/ui/image?digest={}&q=CVE-2023-5363&kind=vulnerability",
            enc(&aged_digest)
        )),
        "1",
    );
    assert!(dom.contains(r#"id="findings-shown">2 of "#), "{dom}");
    assert!(dom.contains("CVE-2023-5363") && !dom.contains("CVE-2023-38545"));

    // Vulnerability page: the DSA finds the CVE record in the aged image, with versions.
    let dom = browser.dom(&url("/ui/vulnerability?id=DSA-5764-1"), "1");
    for expected in [
        "CVE-2024-6119",
        "3.0.11-1~deb12u1",
        "3.0.14-1~deb12u2",
        "2 findings in 1 image",
    ] {
        assert!(
            dom.contains(expected),
            "vulnerability page lacks {expected}: {dom}"
        );
    }
    assert!(dom.contains(&format!("/ui/image?digest={}", enc(&aged_digest))));

    // Delta page (default: the last 24 hours): the rematch's new finding.
    let dom = browser.dom(&url("/ui/deltas"), "1");
    for expected in [
        "New (2)",
        "Resolved (0)",
        "CVE-2023-5363",
        "libssl3",
        "3.0.11-1~deb12u2",
    ] {
        assert!(dom.contains(expected), "delta page lacks {expected}: {dom}");
    }
    let dom = browser.dom(&url("/ui/deltas?since=2999-01-01T00:00:00Z"), "1");
    assert!(dom.contains("New (0)"), "{dom}");

    if std::env::var_os("DRYDOCK_UI_SCREENSHOTS").is_some() {
        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/ui");
        std::fs::create_dir_all(&docs).unwrap();
        for (page, path) in [
            ("overview", "/".to_owned()),
            ("image", format!("/ui/image?digest={}", enc(&aged_digest))),
            ("vulnerability", "/ui/vulnerability?id=CVE-2023-5363".into()),
            ("deltas", "/ui/deltas?since=7d".into()),
        ] {
            browser.screenshot(&url(&path), &docs.join(format!("{page}.png")));
        }
    }

    // No token: the form and the server's 401. A token without the read scope: its 403.
    let dom = browser.dom(&format!("{}/", server.base), "auth");
    assert!(
        dom.contains("401 Unauthorized: a bearer token is required"),
        "{dom}"
    );
    assert!(dom.contains(r#"id="token-form""#) && !dom.contains(r#"id="auth" hidden"#));
    let dom = browser.dom(
        &format!("{}/ui/deltas#token={submit_only}", server.base),
        "auth",
    );
    assert!(dom.contains("403 Forbidden"), "{dom}");
    assert!(!dom.contains(r#"id="auth" hidden"#));

    // Hostile strings: a package name and a scanned path holding markup, stored by a real
    // scan, render as text on every page that shows them.
    let mut status = std::fs::read(
        drydock_testkit::shared("data/advisories/debian12/debian12-old.status").unwrap(),
    )
    .unwrap();
    status.extend_from_slice(
        format!(
            "\nPackage: {EVIL_PACKAGE}\nStatus: install ok installed\nVersion: 1.0-1\nArchitecture: amd64\n"
        )
        .as_bytes(),
    );
    let evil_root = rootfs(&t.join(EVIL_DIR), &status);
    ok(drydock(&[
        "rootfs", &evil_root, "--store", &store, "--db-dir", &db2, "-f", "json",
    ]));
    let (_, rows) = server.get("/api/v1/images?q=evil", &read);
    let rows: serde_json::Value = serde_json::from_str(&rows).unwrap();
    let evil_digest = rows[0]["digest"].as_str().unwrap().to_owned();
    let escaped_package = "&lt;img src=x onerror=alert(2)&gt;";
    let escaped_dir = "evil-&lt;img src=x onerror=alert(1)&gt;";
    let dom = browser.dom(&url("/"), "1");
    assert!(
        dom.contains(escaped_dir),
        "the path is not shown as text: {dom}"
    );
    assert_no_injection(&dom, "overview");
    let dom = browser.dom(
        &url(&format!("/ui/image?digest={}", enc(&evil_digest))),
        "1",
    );
    assert!(
        dom.contains(escaped_package),
        "the package is not shown as text: {dom}"
    );
    assert!(dom.contains(escaped_dir));
    assert_no_injection(&dom, "image");
}
