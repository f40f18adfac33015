//! The HTML report: hostile strings are escaped, and in headless Chromium (Debian's `chromium`,
//! installed by .ci/run) the page renders its summary and table with no console errors.
#![allow(clippy::unwrap_used)]

use drydock_analyze::Engine;
use drydock_finding::Kind;
use drydock_fs::Limits;
use drydock_image::{Image, OpenOptions};
use drydock_report::Report;
use drydock_testkit::*;
use std::path::{Path, PathBuf};
use std::process::Command;

const EVIL: &str = "usr/local/bin/<img src=x onerror=alert(1)>";

fn report_html(dir: &Path) -> String {
    let mut spec = image(vec![
        layer(vec![
            file("etc/os-release", "ID=debian\nVERSION_ID=\"10\"\n"),
            file_mode(EVIL, "elf", 0o4755),
        ]),
        layer(vec![file(
            "var/lib/dpkg/status",
            "Package: bash\nStatus: install ok installed\nVersion: 5.2-1\nArchitecture: amd64\n\n",
        )]),
    ]);
    spec.exposed = vec!["22/tcp".into()];
    spec.history = vec![
        "</script><script>alert(2)</script>".into(),
        "RUN apt-get install bash".into(),
    ];
    spec.write_oci_dir(dir);
    let image = Image::open(dir, &OpenOptions::default()).unwrap();
    let scan = Engine::builtin(Limits::default())
        .unwrap()
        .scan(&image, &|_| {})
        .unwrap();
    let findings = drydock_scan::run(
        &drydock_scan::Input {
            image: &image,
            scan: &scan,
            options: &Default::default(),
        },
        &[Kind::Misconfiguration],
    );
    drydock_report::html(&Report::new(&image, &scan, &findings))
}

#[test]
fn hostile_strings_are_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let html = report_html(&tmp.path().join("img"));
    assert!(!html.contains("<img src=x"), "unescaped file name");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!html.contains("<script>alert(2)"), "unescaped history line");
    assert_eq!(html.matches("<script>").count(), 1, "only our own script");
    assert!(html.contains("Content-Security-Policy"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external references"
    );
}

fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

#[test]
fn renders_in_headless_chromium_without_console_errors() {
    let Some(chrome) = chromium() else {
        eprintln!("skipping: Debian's chromium is not installed (.ci/run installs it)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("report.html");
    std::fs::write(&page, report_html(&tmp.path().join("img"))).unwrap();
    let profile = tmp.path().join("profile");
    let base = |extra: &[&str]| {
        let mut c = Command::new(&chrome);
        c.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()));
        c.output().unwrap()
    };
    let dom = base(&["--dump-dom", "--virtual-time-budget=2000"]);
    let stdout = String::from_utf8_lossy(&dom.stdout);
    let stderr = String::from_utf8_lossy(&dom.stderr);
    assert!(
        stdout.contains("data-ready=\"1\""),
        "the page script did not finish: {stderr}"
    );
    assert!(stdout.contains("id=\"findings-table\""));
    assert!(stdout.contains("DD-IMG-004") && stdout.contains("Findings by severity"));
    let console_errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("CONSOLE") && (l.contains("Uncaught") || l.contains("Error")))
        .collect();
    assert!(
        console_errors.is_empty(),
        "console errors: {console_errors:#?}"
    );
    // The screenshot is a test artifact for people to look at: target/html-report.png.
    let shot = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/html-report.png");
    let out = base(&[
        &format!("--screenshot={}", shot.display()),
        "--window-size=1280,1400",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::metadata(&shot)
            .map(|m| m.len() > 10_000)
            .unwrap_or(false),
        "no screenshot written"
    );
}
