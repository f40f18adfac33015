//! One redaction everywhere: secrets planted in files, Env, labels and history must not appear
//! in any output format, neither in the findings nor in the copies of the image metadata the
//! reports carry, unless `--show-secrets` asks for them.
#![allow(clippy::unwrap_used)]

use drydock_testkit::*;

const FORMATS: &[&str] = &[
    "table",
    "json",
    "sarif",
    "cyclonedx",
    "spdx-json",
    "junit",
    "html",
];

// Each secret sits in one place only, so one place's detection cannot cover for another's.
const GITHUB_ENV: &str = "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";
const PASSWORD_ENV: &str = "Vf3kP9sLq2WzR8tY";
const AWS_LABEL: &str = "AKIALALEMEL33243OLIA";
const URL_PASSWORD_HISTORY: &str = "Zq8wE3rT5yU7iO9pA1sD";
// In a `curl | sh` line, which an image rule (DD-IMG-008) quotes in its own message.
const GITLAB_HISTORY: &str = "glpat-Rk7vXq2LmZ9pW4tNb8Yc";
const GITHUB_FILE: &str = "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";
const KEY_BODY_FILE: &str = "MIIEowIBAAKCAQEA7bq9fV3mHq2xWkz0Yc8Lr4TnP1sJ6dGh5uQe";

fn planted() -> ImageSpec {
    let key = format!(
        "-----BEGIN RSA PRIVATE KEY-----\n{KEY_BODY_FILE}\nq7Ks2Lw9Xv3Nb8Mc4Zr6Tp1Yh5Jd0Gf7Se2Qa9Wu3Io8Pl4Kj6Hg1Fd5Sa0Zx7Cv2Bn\n-----END RSA PRIVATE KEY-----\n"
    );
    let mut spec = image(vec![
        layer(vec![
            dir("app/"),
            file("app/.env", format!("GITHUB_TOKEN={GITHUB_FILE}\n")),
            dir("root/"),
            dir("root/.ssh/"),
            file("root/.ssh/id_rsa", key),
        ]),
        layer(vec![file("app/run.sh", "#!/bin/sh\nexec app\n")]),
        layer(vec![file("usr/local/bin/tool", "#!/bin/sh\n")]),
    ]);
    spec.env = vec![
        "PATH=/usr/local/bin:/usr/bin:/bin".into(),
        format!("GITHUB_TOKEN={GITHUB_ENV}"),
        format!("DB_PASSWORD={PASSWORD_ENV}"),
    ];
    spec.labels = vec![("deploy.aws_key".into(), AWS_LABEL.into())];
    spec.history = vec![
        "COPY app /app".into(),
        format!("/bin/sh -c psql postgres://app:{URL_PASSWORD_HISTORY}@db:5432/app -c 'select 1'"),
        format!(
            "/bin/sh -c curl -fsSL -H 'PRIVATE-TOKEN: {GITLAB_HISTORY}' https://gitlab.example.com/install.sh | sh"
        ),
    ];
    spec
}

const RAW: &[&str] = &[
    GITHUB_ENV,
    PASSWORD_ENV,
    AWS_LABEL,
    URL_PASSWORD_HISTORY,
    GITLAB_HISTORY,
    GITHUB_FILE,
    KEY_BODY_FILE,
];

fn render(image: &std::path::Path, format: &str, extra: &[&str]) -> String {
    let out = drydock_testkit::drydock_cmd!()
        .args(["image", image.to_str().unwrap(), "--format", format])
        .args(extra)
        .env("DRYDOCK_QUIET", "1")
        .env("DRYDOCK_NO_CACHE", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "drydock --format {format} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.stdout.is_empty(), "--format {format} printed nothing");
    // stderr too: a warning quoting the metadata would leak as surely as the report.
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    text
}

#[test]
fn no_format_prints_a_planted_secret() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("planted.tar");
    planted().write_docker_archive(&path);
    for format in FORMATS {
        let text = render(&path, format, &[]);
        for raw in RAW {
            assert!(
                !text.contains(raw),
                "--format {format} prints the secret {raw:?}:\n{text}"
            );
        }
    }
}

#[test]
fn every_planted_secret_is_found_and_shown_on_request() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("planted.tar");
    planted().write_docker_archive(&path);
    // The test above means something only if every planted secret is detected: with
    // --show-secrets each one is printed in a finding (not merely in the metadata copy).
    let report: serde_json::Value =
        serde_json::from_str(&render(&path, "json", &["--show-secrets"])).unwrap();
    let findings = report["findings"].to_string();
    for raw in RAW {
        assert!(
            findings.contains(raw),
            "no finding shows {raw:?} with --show-secrets:\n{findings}"
        );
    }
    // And the metadata copy is left as the image has it.
    let env = report["image"]["config"]["Env"].to_string();
    assert!(
        env.contains(GITHUB_ENV) && env.contains(PASSWORD_ENV),
        "{env}"
    );
}
