//! What several of the binary's integration tests share (`mod common;` in each): running the
//! binary, the real Debian 12 advisory database and root filesystems from ../shared, and the
//! Kubernetes checks (the published schemas, drydock's own rules).
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Output;

/// The test's `drydock` with `args`, quiet and without the layer cache.
pub fn drydock(args: &[&str]) -> Output {
    drydock_testkit::drydock_cmd!()
        .env("DRYDOCK_NO_CACHE", "1")
        .env("DRYDOCK_QUIET", "1")
        .args(args)
        .output()
        .unwrap()
}

/// `out`, after asserting it succeeded (its output in the message otherwise).
pub fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A successful `drydock` run's stdout as JSON.
pub fn json(args: &[&str]) -> serde_json::Value {
    serde_json::from_slice(&ok(drydock(args)).stdout).unwrap()
}

/// An advisory database of the real Debian 12 DSAs in ../shared, less those in `leave_out`.
pub fn debian_db(dir: &Path, leave_out: &[&str]) -> Option<()> {
    let dsa = drydock_testkit::shared("data/advisories/debian12")?;
    let mut args = vec!["db".to_owned(), "import".into(), "--db-dir".into()];
    args.push(dir.display().to_string());
    for e in std::fs::read_dir(dsa).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        if p.extension().is_some_and(|x| x == "json") && !leave_out.contains(&name.as_str()) {
            args.push(p.display().to_string());
        }
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(drydock(&args));
    Some(())
}

/// A Debian 12 root filesystem whose dpkg database is `status`.
pub fn debian12_rootfs(dir: &Path, status: &[u8]) -> PathBuf {
    std::fs::create_dir_all(dir.join("etc")).unwrap();
    std::fs::create_dir_all(dir.join("var/lib/dpkg")).unwrap();
    std::fs::write(dir.join("var/lib/dpkg/status"), status).unwrap();
    std::fs::write(
        dir.join("etc/os-release"),
        "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n",
    )
    .unwrap();
    dir.to_path_buf()
}

/// `kubernetes-validate --strict` (PyPI; `$KUBERNETES_VALIDATE` names it) against the
/// Kubernetes 1.30 schemas, offline: its output, after asserting it passed; `None`, with a
/// message, where it is not installed (CI installs it, and a skip there fails).
pub fn kubernetes_validate(files: &[PathBuf]) -> Option<String> {
    let tool =
        std::env::var("KUBERNETES_VALIDATE").unwrap_or_else(|_| "kubernetes-validate".into());
    let out = match std::process::Command::new(&tool)
        .args(["--strict", "--kubernetes-version", "1.30"])
        .args(files)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "kubernetes-validate cannot run in CI: {e}"
            );
            eprintln!("SKIPPED schema validation: {tool}: {e}");
            return None;
        }
    };
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    Some(text)
}

/// `drydock config PATH --format json`: the findings as (severity, id, message).
pub fn config_findings(path: &Path) -> Vec<(String, String, String)> {
    let out = drydock_testkit::drydock_cmd!()
        .args(["config", "--format", "json"])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "drydock config {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or_default().to_owned();
            (s("severity"), s("id"), s("message"))
        })
        .collect()
}

/// The ids of findings above LOW.
pub fn above_low(findings: &[(String, String, String)]) -> Vec<String> {
    findings
        .iter()
        .filter(|(sev, ..)| !matches!(sev.as_str(), "LOW" | "INFO" | "UNKNOWN"))
        .map(|(_, id, _)| id.clone())
        .collect()
}
