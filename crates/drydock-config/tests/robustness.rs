//! Bad and hostile input: errors carry the file and line, other files are still scanned, and
//! nothing panics or runs away with memory.

use drydock_config::{ConfigErrorKind, FileKind, detect, scan_file, scan_set, wants};

fn set(files: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
    files
        .iter()
        .map(|(p, c)| ((*p).to_owned(), c.as_bytes().to_vec()))
        .collect()
}

#[test]
fn bad_yaml_reports_line_and_other_files_still_scan() {
    let files = set(&[
        (
            "k8s/broken.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec: [unclosed\n",
        ),
        (
            "k8s/good.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: y, namespace: a}\nspec:\n  hostPID: true\n  containers: [{name: c, image: nginx}]\n",
        ),
        ("Dockerfile", "FROM alpine:3.19\nRUNN echo\nUSER root\n"),
    ]);
    let r = scan_set(&files);
    let yaml_err = r
        .errors
        .iter()
        .find(|e| e.path == "k8s/broken.yaml")
        .expect("yaml error");
    assert!(matches!(yaml_err.kind, ConfigErrorKind::Yaml(_)));
    assert!(yaml_err.line.is_some_and(|l| l >= 5), "{yaml_err}");
    let df_err = r
        .errors
        .iter()
        .find(|e| e.path == "Dockerfile")
        .expect("dockerfile error");
    assert_eq!(df_err.line, Some(2));
    assert!(
        df_err
            .to_string()
            .starts_with("Dockerfile:2: invalid Dockerfile")
    );
    assert!(r.findings.iter().any(|f| f.id == "DD-K8S-002"));
    assert!(r.findings.iter().any(|f| f.id == "DD-DF-003"));
}

#[test]
fn compose_errors_have_lines() {
    let r = scan_file(
        "compose.yaml",
        b"services:\n  web:\n    image: a\n   bad: indent\n",
    );
    assert_eq!(r.errors.len(), 1);
    assert!(r.errors[0].line.is_some());
}

#[test]
fn daemon_json_errors_have_lines() {
    let r = scan_file(
        "/etc/docker/daemon.json",
        b"{\n  \"icc\": false,\n  oops\n}\n",
    );
    assert_eq!(r.errors[0].line, Some(3));
}

#[test]
fn alias_bomb_is_refused() {
    let mut s = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    for i in 1..10 {
        let p = i - 1;
        s.push_str(&format!(
            "  a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let r = scan_file("bomb.yaml", s.as_bytes());
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
}

#[test]
fn deep_nesting_is_refused() {
    let mut s = String::from("apiVersion: v1\nkind: ConfigMap\ndata: ");
    s.push_str(&"[".repeat(50_000));
    let r = scan_file("deep.yaml", s.as_bytes());
    assert_eq!(r.errors.len(), 1);
    let mut s = String::from("services:\n  a:\n");
    for depth in 0..5_000 {
        s.push_str(&" ".repeat(4 + depth * 2));
        s.push_str("k:\n");
    }
    let r = scan_file("compose.yaml", s.as_bytes());
    assert_eq!(r.errors.len(), 1);
}

#[test]
fn huge_and_binary_files_are_errors_not_panics() {
    let big = vec![b'#'; drydock_config::MAX_FILE_SIZE + 1];
    let r = scan_file("Dockerfile", &big);
    assert!(matches!(r.errors[0].kind, ConfigErrorKind::TooLarge(_)));
    let r = scan_file("Dockerfile", &[0xff, 0xfe, 0x00, 0x41]);
    assert!(matches!(r.errors[0].kind, ConfigErrorKind::NotText));
}

#[test]
fn hostile_dockerfiles_do_not_panic() {
    let long_line = format!("FROM alpine:3.19\nRUN {}\n", "a && ".repeat(100_000));
    let nested_subst = format!("FROM alpine:3.19\nRUN {}\n", "$(".repeat(10_000));
    for src in [
        "",
        "\\",
        "FROM",
        "FROM a\nRUN <<",
        "FROM a\nRUN <<EOF",
        "FROM a\nCOPY <<A <<B /x\nbody\nA\n",
        "# escape=x\nFROM a",
        "FROM a\nRUN [\"unterminated\n",
        "FROM a\nENV \"\nARG =\nEXPOSE -\nUSER\nWORKDIR\n",
        "FROM a\nENV \"\u{e9}\u{e9}\" value\nENV \\\u{e9} x\nARG \"\u{1f600}\" y\n",
        "FROM a\nRUN echo \"unterminated 'quote\nRUN chmod\nRUN apt-get\n",
        "FROM ${\nFROM $\nCOPY --from= x y\n",
        long_line.as_str(),
        nested_subst.as_str(),
        "\u{feff}FROM a\r\nRUN x \\\r\n  y\r\n",
    ] {
        let _ = scan_file("Dockerfile", src.as_bytes());
    }
}

#[test]
fn hostile_yaml_does_not_panic() {
    for src in [
        "apiVersion: v1\nkind: Pod\nspec: 5\n",
        "apiVersion: v1\nkind: Pod\nspec:\n  containers: 7\n  volumes: {a: b}\n",
        "apiVersion: v1\nkind: List\nitems: [1, [2], {kind: Pod, apiVersion: v1, spec: {containers: [null, 3, {securityContext: []}]}}]\n",
        "apiVersion: v1\nkind: Role\nrules: [{verbs: 5, resources: {a: 1}}, null]\n",
        "apiVersion: v1\nkind: NetworkPolicy\nspec: {podSelector: [], policyTypes: 3}\n",
        "apiVersion: v1\nkind: Pod\n*x: 1\n",
        "apiVersion: v1\nkind: Pod\n? [a, b]\n: c\n",
        "apiVersion: v1\nkind: Pod\n--- !!binary\nAAAA\n",
        "apiVersion: v1\nkind: Pod\n{{ .Values.foo }}\n",
    ] {
        let _ = scan_file("x.yaml", src.as_bytes());
    }
    for src in [
        "services: 5\n",
        "services:\n  a: [1]\n  b:\n    ports: [{}, 3, \"::::\", \"a:b:c:d\"]\n    volumes: [{}, 1, \"\"]\n    environment: 4\n    cap_add: {a: 1}\n",
        "services:\n  a:\n    <<: [1, *undefined]\n",
    ] {
        let _ = scan_file("compose.yaml", src.as_bytes());
    }
    for src in [
        "[]",
        "null",
        "{\"hosts\": 5, \"log-opts\": 3, \"insecure-registries\": {}}",
        "{",
    ] {
        let _ = scan_file("daemon.json", src.as_bytes());
    }
}

#[test]
fn detection() {
    assert_eq!(
        detect("svc/Dockerfile.prod", b""),
        Some(FileKind::Dockerfile)
    );
    assert_eq!(detect("api.dockerfile", b""), Some(FileKind::Dockerfile));
    assert_eq!(detect("Containerfile", b""), Some(FileKind::Dockerfile));
    assert_eq!(
        detect("deploy.yml", b"apiVersion: v1\nkind: Pod\n"),
        Some(FileKind::Kubernetes)
    );
    assert_eq!(
        detect("stack.yml", b"version: '3'\nservices:\n  a: {}\n"),
        Some(FileKind::Compose)
    );
    assert_eq!(
        detect("docker-compose.yml", b"x: 1\n"),
        Some(FileKind::Compose)
    );
    assert_eq!(
        detect(".github/workflows/ci.yml", b"on: push\njobs: {}\n"),
        None
    );
    assert_eq!(
        detect("/etc/docker/daemon.json", b"{}"),
        Some(FileKind::DaemonJson)
    );
    assert!(wants("a/b/compose.yaml"));
    assert!(wants("Dockerfile"));
    assert!(!wants("main.rs"));
    assert!(!wants("package.json"));
}

/// Every prefix of every corpus file (cut every few bytes) scans without panicking: truncated
/// uploads and half-written files are common.
#[test]
fn truncated_corpus_files_do_not_panic() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("corpus dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let bytes = std::fs::read(&path).expect("corpus file");
            let name = path.to_string_lossy().into_owned();
            for cut in (0..bytes.len()).step_by(13) {
                let _ = scan_file(&name, &bytes[..cut]);
            }
        }
    }
}
