//! `drydock config` never lets a file it could not read look clean: a warning on stderr, a note
//! in the report, and a failed `--exit-code` gate; and a Compose file that libyaml reads (a flow
//! sequence closed at its parent key's column, as getsentry/self-hosted wrote one) is read.
#![allow(clippy::unwrap_used)]

fn config(dir: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let home = tempfile::tempdir().unwrap();
    drydock_testkit::drydock_cmd!()
        .arg("config")
        .arg(dir)
        .args(extra)
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .output()
        .unwrap()
}

#[test]
fn a_broken_file_is_a_warning_and_fails_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("docker-compose.yml"),
        "services:\n  a:\n    image: x\n   b: [\n",
    )
    .unwrap();
    let out = config(dir.path(), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr.contains("warning")
            && stderr.contains("docker-compose.yml:4")
            && stderr.contains("not fully checked"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("not fully checked"),
        "in the table too: {stdout}"
    );
    let out = config(dir.path(), &["--exit-code", "3"]);
    assert_eq!(out.status.code(), Some(3), "a skipped file fails the gate");
}

#[test]
fn a_flow_sequence_closed_at_the_parent_column_is_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("docker-compose.yml"),
        "services:\n  db:\n    image: postgres:14\n    privileged: true\n    command: [\n      \"postgres\",\n      \"-c\", \"wal_level=logical\",\n  ]\n    environment:\n      POSTGRES_HOST_AUTH_METHOD: trust\n",
    )
    .unwrap();
    let out = config(dir.path(), &["--format", "json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("warning"), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json.get("notes").is_none(), "no note: {json}");
    let ids: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert!(ids.len() > 2, "the file was checked: {ids:?}");
}
