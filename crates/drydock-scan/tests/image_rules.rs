//! Every DD-IMG rule fires on a failing image and stays quiet on a passing one.
#![allow(clippy::unwrap_used)]

use drydock_analyze::Engine;
use drydock_finding::{Finding, Kind};
use drydock_fs::Limits;
use drydock_image::{Image, OpenOptions};
use drydock_scan::{Input, image::CHECKS};
use drydock_testkit::*;

fn findings(spec: &ImageSpec) -> Vec<Finding> {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("img");
    spec.write_oci_dir(&dir);
    let image = Image::open(&dir, &OpenOptions::default()).unwrap();
    // The secret analyzer on, as in a real scan: DD-IMG-013 judges the files it found keys in.
    let analyzers = drydock_analyze::analyzers::builtin(drydock_analyze::analyzers::Options {
        secrets: Some(std::sync::Arc::new(drydock_secrets::Engine::builtin())),
        secret_files: true,
        ..Default::default()
    });
    let scan = Engine::new(analyzers, Limits::default())
        .unwrap()
        .scan(&image, &|_| {})
        .unwrap();
    drydock_scan::run(
        &Input {
            image: &image,
            scan: &scan,
            options: &Default::default(),
        },
        &[Kind::Misconfiguration],
    )
}

/// An RSA private key's armour around a body long enough for the secret rule (not a real key).
const KEY: &str = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n-----END RSA PRIVATE KEY-----\n";

fn bad() -> ImageSpec {
    let mut spec = image(vec![
        layer(vec![
            file("etc/os-release", "ID=debian\nVERSION_ID=\"10\"\n"),
            file_mode("usr/bin/passwd", "elf", 0o4755),
            file_mode("usr/local/bin/helper", "elf", 0o4755),
            dir_mode("srv/shared", 0o777),
            dir_mode("tmp", 0o1777),
            file_mode("srv/config.ini", "x", 0o666),
            file("var/cache/apt/archives/curl_8.0_amd64.deb", vec![0u8; 4096]),
            file("var/run/docker.sock", ""),
            file_mode(
                "etc/ssh/ssh_host_ed25519_key",
                "-----BEGIN OPENSSH PRIVATE KEY-----",
                0o600,
            ),
            file("etc/ssh/ssh_host_ed25519_key.pub", "ssh-ed25519 AAAA"),
            file_mode("home/app/.ssh/id_rsa", KEY, 0o644),
        ]),
        layer(vec![file("opt/tool/install.sh", "echo")]),
    ]);
    spec.user = "0:0".into();
    spec.exposed = vec!["2375/tcp".into(), "8080/tcp".into()];
    spec.env = vec![
        "DB_PASSWORD=hunter2hunter2".into(),
        "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D".into(),
        "CACHE_DSN=redis://app:Zq81mN0pL2@cache:6379/0".into(),
        "POSTGRES_HOST_AUTH_METHOD=trust".into(),
    ];
    spec.history = vec![
        "ADD https://example.com/rootfs.tar.gz / # buildkit".into(),
        "/bin/sh -c curl -fsSL https://get.example.sh | sh".into(),
    ];
    spec
}

fn good() -> ImageSpec {
    let mut spec = image(vec![layer(vec![
        file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
        file_mode("usr/bin/passwd", "elf", 0o4755),
        dir_mode("tmp", 0o1777),
        file("var/lib/apt/lists/lock", ""),
        file("etc/ssh/ssh_host_ed25519_key.pub", "ssh-ed25519 AAAA"),
        file_mode("home/app/.ssh/id_rsa", KEY, 0o600),
        file_mode("etc/ssl/private/server.key", KEY, 0o640),
    ])]);
    spec.user = "10001".into();
    spec.exposed = vec!["8080/tcp".into()];
    spec.env = vec![
        "DB_PASSWORD_FILE=/run/secrets/db".into(),
        "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D".into(),
        // A public client key, meant to ship in front-end code.
        "SENTRY_DSN=https://3b8f0c2e1d4a@o12345.ingest.sentry.io/67890".into(),
        "POSTGRES_HOST_AUTH_METHOD=scram-sha-256".into(),
    ];
    spec.history = vec!["COPY app /app # buildkit".into()];
    spec.healthcheck = true;
    spec
}

#[test]
fn every_rule_fails_and_passes() {
    let bad = findings(&bad());
    let good = findings(&good());
    for c in CHECKS {
        assert!(
            bad.iter().any(|f| f.id == c.rule.id),
            "{} did not fire on the failing image: {bad:#?}",
            c.rule.id
        );
        assert!(
            !good.iter().any(|f| f.id == c.rule.id),
            "{} fired on the passing image: {good:#?}",
            c.rule.id
        );
    }
}

#[test]
fn messages_are_specific_and_secrets_redacted() {
    let bad = findings(&bad());
    let msgs: Vec<String> = bad
        .iter()
        .map(|f| format!("{} {}", f.id, f.message))
        .collect();
    let has = |s: &str| msgs.iter().any(|m| m.contains(s));
    assert!(
        has("DD-IMG-002 exposes 2375/tcp (Docker API without TLS)"),
        "{msgs:#?}"
    );
    assert!(!has("8080"), "{msgs:#?}");
    assert!(
        has("DD-IMG-004 /usr/local/bin/helper is setuid"),
        "{msgs:#?}"
    );
    assert!(
        !has("/usr/bin/passwd"),
        "passwd is an expected setuid binary: {msgs:#?}"
    );
    assert!(
        has("DD-IMG-005 /srv/shared is a world-writable directory"),
        "{msgs:#?}"
    );
    assert!(!has("/tmp "), "/tmp has the sticky bit: {msgs:#?}");
    assert!(has("DD-IMG-003 DB_PASSWORD is set to hu*****"), "{msgs:#?}");
    assert!(!has("hunter2hunter2"), "secret leaked: {msgs:#?}");
    assert!(
        has("DD-IMG-003 CACHE_DSN is set to redi***** (URL with a password)"),
        "{msgs:#?}"
    );
    // The mask has one length whatever the secret's, so it does not tell it either.
    assert!(!has("chars)"), "secret length leaked: {msgs:#?}");
    assert!(!has("Zq81mN0pL2"), "secret leaked: {msgs:#?}");
    assert!(!has("GPG_KEY"), "{msgs:#?}");
    assert!(
        has("DD-IMG-011 /etc/ssh/ssh_host_ed25519_key is"),
        "{msgs:#?}"
    );
    assert!(!has(".pub"), "{msgs:#?}");
    assert!(
        has("DD-IMG-013 /home/app/.ssh/id_rsa holds a private key and is mode 0644"),
        "{msgs:#?}"
    );
    assert!(
        has("DD-IMG-012 debian 10 reached end of life on 2024-06-30"),
        "{msgs:#?}"
    );
    let setuid = bad.iter().find(|f| f.id == "DD-IMG-004").unwrap();
    assert_eq!(setuid.location.layer, Some(0));
    assert!(
        setuid
            .location
            .diff_id
            .as_deref()
            .is_some_and(|d| d.starts_with("sha256:"))
    );
    // Most severe first.
    assert!(bad.windows(2).all(|w| w[0].severity >= w[1].severity));
}
