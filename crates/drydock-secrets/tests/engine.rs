//! Engine behaviour through the public API: configs, parsers, positions, redaction, skips.

use drydock_secrets::{Engine, Options, Severity, redact};

const GHP: &str = "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";

fn ids(found: &[drydock_secrets::SecretMatch]) -> Vec<&str> {
    found.iter().map(|f| f.rule_id.as_str()).collect()
}

#[test]
fn github_tokens_need_a_valid_checksum() {
    let engine = Engine::builtin();
    let content = format!(
        "a={GHP}\nb=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\nc=ghs_Eeeby3abP3E2Zs8IQ9Y7aJZqhB6bae2dTjzx\n\
         d=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\nfake=ghp_012345678901234567890123456789abcdef\n"
    );
    let found = engine.scan("app/.env", content.as_bytes());
    assert_eq!(
        ids(&found),
        [
            "github-pat",
            "github-oauth",
            "github-app-token",
            "github-refresh-token"
        ]
    );
    assert_eq!(found[0].severity, Severity::Critical);
    assert_eq!((found[0].line, found[0].column), (1, 3));
    assert_eq!(found[0].match_line, "a=ghp_*****");
    // The fake is not picked up by the generic rule either.
    let relaxed = Engine::builtin().with_options(Options {
        verify_formats: false,
        ..Options::default()
    });
    assert_eq!(relaxed.scan("app/.env", content.as_bytes()).len(), 5);
}

#[test]
fn multi_line_private_key_points_at_its_body() {
    let key = "-----BEGIN OPENSSH PRIVATE KEY-----\r\n\
               b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\r\n\
               QyNTUxOQAAACBGtUHcs0E4kEtUhHhIzfpMmxE3sq6FQN5fZGcw2mW6CQAAAJgM3/lKDN/5Sg\r\n\
               -----END OPENSSH PRIVATE KEY-----\r\n";
    let found = Engine::builtin().scan("root/.ssh/id_ed25519", key.as_bytes());
    assert_eq!(ids(&found), ["private-key"]);
    assert_eq!((found[0].start_line, found[0].end_line), (2, 3));
    assert_eq!(found[0].match_line, "b3Bl*****");
}

#[test]
fn docker_config_is_parsed_and_wins_over_regexes() {
    let config = br#"{
	"auths": {
		"https://index.docker.io/v1/": {
			"auth": "Ym9iOmRja3JfcGF0X2NfaHZhOUZyTGhKLXI1OWVoaV93OEJZeTg3ZA=="
		}
	}
}"#;
    let engine = Engine::builtin();
    assert!(engine.wants("/root/.docker/config.json", config.len() as u64));
    let found = engine.scan("/root/.docker/config.json", config);
    assert_eq!(ids(&found), ["docker-config-auth"]);
    let f = &found[0];
    assert_eq!((f.line, f.column), (4, 13));
    assert_eq!(f.context["registry"], "https://index.docker.io/v1/");
    assert_eq!(f.context["user"], "bob");
    assert_eq!(f.match_line, "\t\t\t\"auth\": \"Ym9i*****\"");
    // The password is nowhere but in `secret` (base64-encoded, as in the file).
    let json = serde_json::to_string(&found).expect("serialize");
    assert!(!json.contains("dckr_pat"));
}

#[test]
fn credential_files_by_name() {
    let engine = Engine::builtin();
    let cases: &[(&str, &str, &str)] = &[
        (
            "root/.git-credentials",
            "https://bob:Zq8v2pL0c7nB4mX1@github.com\n",
            "git-credentials",
        ),
        (
            "root/.netrc",
            "machine h login u password Zq8v2pL0c7nB4mX1\n",
            "netrc-password",
        ),
        (
            "home/a/.npmrc",
            "//registry.npmjs.org/:_authToken=npm_Zq8v2pL0c7nB4mX1kR9tY3wE6uI5oA2sD8fG\n",
            "npmrc-auth-token",
        ),
        (
            "root/.pypirc",
            "[pypi]\nusername = bob\npassword = Zq8v2pL0c7nB4mX1\n",
            "pypirc-password",
        ),
        (
            "root/.pgpass",
            "db:5432:app:app:Zq8v2pL0c7nB4mX1\n",
            "pgpass-password",
        ),
        (
            "root/.kube/config",
            "users:\n- name: ci\n  user:\n    token: Zq8v2pL0c7nB4mX1kR9tY3wE6uI5oA2s\n",
            "kubeconfig-token",
        ),
        (
            "root/.aws/credentials",
            "[default]\naws_secret_access_key = Zq8v2pL0c7nB4mX1kR9tY3wE6uI5oA2sD8fG7hJ0\n",
            "aws-credentials-secret-key",
        ),
    ];
    for (path, content, id) in cases {
        let found = engine.scan(path, content.as_bytes());
        assert_eq!(ids(&found), [*id], "{path}: {found:?}");
        assert!(!found[0].match_line.contains("Zq8v2pL0c7nB4mX1"), "{path}");
    }
}

#[test]
fn container_rules() {
    let engine = Engine::builtin();
    let content = b"DOCKER_TOKEN=dckr_pat_c_hva9FrLhJ-r59ehi_w8BYy87d\n\
        DATABASE_URL=postgres://app:Zq8v2pL0c7nB@db.internal:5432/app\n\
        EXAMPLE_URL=postgres://user:password@localhost/db\n\
        db_password = \"k#9Lq!x2Vz@r\"\n\
        password = os.environ.get(\"X\")\n\
        password: ${DB_PASSWORD}\n";
    let found = engine.scan("srv/app/settings.env", content);
    assert_eq!(
        ids(&found),
        [
            "docker-hub-pat",
            "database-url-password",
            "generic-password"
        ],
        "{found:?}"
    );
    assert_eq!(found[1].secret, "Zq8v2pL0c7nB");
    assert_eq!(found[2].secret, "k#9Lq!x2Vz@r");
}

#[test]
fn image_metadata_strings() {
    let engine = Engine::builtin();
    let found = engine.scan_text("config.Env[2]", &format!("GITHUB_TOKEN={GHP}"));
    assert_eq!(ids(&found), ["github-pat"]);
    let history = "RUN |1 NPM_TOKEN=npm_Zq8v2pL0c7nB4mX1kR9tY3wE6uI5oA2sD8fG /bin/sh -c npm ci";
    assert_eq!(
        ids(&engine.scan_text("history[7].created_by", history)),
        ["npm-access-token"]
    );
    // Rules tied to file names do not apply to metadata.
    assert!(
        engine
            .scan_text("config.Labels[x]", "<password>hunter2hunter2</password>")
            .is_empty()
    );
}

#[test]
fn wants_is_cheap_and_right() {
    let engine = Engine::builtin();
    assert!(engine.wants("app/.env", 100));
    assert!(!engine.wants("usr/lib/x86_64-linux-gnu/libc.so.6", 100));
    assert!(!engine.wants("app/logo.PNG", 100));
    assert!(
        !engine.wants("app/node_modules/x/index.js", 100),
        "gitleaks' global allowlist"
    );
    assert!(
        !engine.wants("usr/share/doc/x/README", 100),
        "container allowlist"
    );
    assert!(!engine.wants("app/.env", 100 << 20), "size cap");
    assert!(!engine.wants("app/.env", 0), "empty");
    // Name-only rules need no content and ignore the size cap.
    assert!(engine.wants("certs/server.p12", 1 << 30));
    let found = engine.scan("certs/server.p12", b"");
    assert_eq!(ids(&found), ["pkcs12-file"]);
    assert_eq!(found[0].line, 0);
    // Credential files are read even where heuristics would skip them.
    assert!(engine.wants("home/test/.docker/config.json", 100));
}

#[test]
fn gitleaks_config_extends_defaults() {
    let config = r#"
title = "mine"
[extend]
useDefault = true
disabledRules = ["generic-api-key", "netrc-password"]

[[rules]]
id = "internal-token"
description = "Internal service token"
regex = '''\b(itk_[a-z0-9]{24})\b'''
SecretGroup = 1
keywords = ["itk_"]
severity = "high"

[[rules]]
id = "github-pat"
entropy = 4.5

[[allowlists]]
targetRules = ["internal-token"]
regexes = ['''^itk_0{24}$''']

[[allowlists]]
paths = ['''^fixtures/''']
"#;
    let engine = Engine::from_gitleaks_toml(config).expect("config");
    let content = b"a = itk_q8v2pl0c7nb4mx1kr9ty3we6\nb = itk_000000000000000000000000\napi_key = \"Zq8v2pL0c7nB4mX1kR9t\"\n";
    let found = engine.scan("app/x.conf", content);
    assert_eq!(ids(&found), ["internal-token"], "{found:?}");
    assert_eq!(found[0].severity, Severity::High);
    assert!(engine.scan("fixtures/x.conf", content).is_empty());
    assert!(
        engine
            .scan(
                "root/.netrc",
                b"machine h login u password Zq8v2pL0c7nB4mX1\n"
            )
            .is_empty()
    );
    // Still the default rules, with the user's entropy override merged in.
    assert!(engine.rules().iter().any(|r| r.id == "aws-access-token"));
    assert!(!engine.rules().iter().any(|r| r.id == "generic-api-key"));
}

#[test]
fn gitleaks_config_alone_and_errors() {
    let engine = Engine::from_gitleaks_toml(
        "[[rules]]\nid = \"x\"\nregex = '''secret-[0-9]{4}'''\n[rules.allowlist]\nstopwords = [\"0000\"]\n",
    )
    .expect("config");
    assert_eq!(ids(&engine.scan("a", b"secret-1234 secret-0000")), ["x"]);
    assert!(!engine.rules().iter().any(|r| r.id == "aws-access-token"));
    for bad in [
        "[extend]\npath = 'other.toml'",
        "[[rules]]\nid = 'x'\nregex = '(unclosed'",
        "[[rules]]\nid = 'x'",
        "[[rules]]\nid = 'x'\nregex = 'a'\nsecretGroup = 2",
        "[[rules]]\nid = 'x'\nregex = 'a'\n[[rules.required]]\nid = 'y'",
        "[[allowlists]]\ndescription = 'empty'",
        "[[allowlists]]\ntargetRules = ['nope']\nregexes = ['x']",
        "[allowlist]\nregexes = ['x']\n[[allowlists]]\nregexes = ['y']",
        "not toml [",
    ] {
        assert!(Engine::from_gitleaks_toml(bad).is_err(), "{bad}");
    }
}

#[cfg(feature = "trivy-config")]
#[test]
fn trivy_config_with_crlf_and_groups() {
    let yaml = r#"
rules:
  - id: kv
    title: Key-value
    severity: critical
    regex: '(?m)^(?P<k>[a-z]+)=(?P<secret>\w{6,})$'
    secret-group-name: secret
    keywords: ["="]
disable-rules: [generic-api-key, generic-password]
"#;
    let engine = Engine::from_trivy_yaml(yaml).expect("yaml");
    let found = engine.scan("x/conf.ini", b"first=abcdef\r\nsecond=ghijkl\r\n");
    assert_eq!(ids(&found), ["kv", "kv"]);
    assert_eq!(found[1].line, 2);
    assert_eq!(found[1].match_line, "second=*****");
    assert!(Engine::from_trivy_yaml("rules: [{id: x}]").is_err());
}

#[test]
fn redact_keeps_a_short_prefix() {
    assert_eq!(redact(GHP), "ghp_*****");
    assert_eq!(redact("short"), "*****");
}

/// generic-api-key false positives found on an image tried as a user would: UUIDs under
/// identifier names, and a vendor's sample default in an INI line commented out with `;`
/// (Grafana's defaults.ini/sample.ini ship `;secret_key = SW2YcwTIb9zpOOhoPsMm`). A real
/// key in the same places is still found.
#[test]
fn generic_rule_skips_uuid_identifiers_and_commented_ini_defaults() {
    let engine = Engine::builtin();
    let negatives: &[(&str, &str)] = &[
        (
            "etc/app/azure.env",
            "AUTH_CLIENT_ID=6f1c2a7e-93b4-4d8e-a1f0-2b7c9d3e5f61\nauth_tenant_id: \"0c8a5e2d-41f7-4b69-9d3a-7e2f1c6b8a04\"\n",
        ),
        (
            "app/config.js",
            "const apiClientId = '3d2f6b1a-8c4e-4f7a-b9d0-1e5c7a2b6f83';\n",
        ),
        (
            "etc/grafana/grafana.ini",
            "[security]\n# used for signing\n;secret_key = SW2YcwTIb9zpOOhoPsMm\n",
        ),
    ];
    for (path, text) in negatives {
        let found = engine.scan(path, text.as_bytes());
        assert!(
            !ids(&found).contains(&"generic-api-key"),
            "{path}: {found:?}"
        );
    }
    let positives: &[(&str, &str)] = &[
        (
            "etc/grafana/grafana.ini",
            "[security]\nsecret_key = Vq8Zt3LmR2xK9pW4nB7cJ6\n",
        ),
        ("etc/app/app.env", "API_KEY=Vq8Zt3LmR2xK9pW4nB7cJ6dF1\n"),
    ];
    for (path, text) in positives {
        let found = engine.scan(path, text.as_bytes());
        assert!(
            ids(&found).contains(&"generic-api-key"),
            "{path}: {found:?}"
        );
    }
}

/// Credentials in URLs, in any scanned text: package-index URLs, git remotes, proxies; the
/// forms placeholders take stay negatives, and database URLs keep their own rule.
#[test]
fn urls_with_a_literal_password_anywhere() {
    let engine = Engine::builtin();
    let positives: &[(&str, &str)] = &[
        (
            "etc/pip.conf",
            "[global]\nextra-index-url = https://ci-reader:Qm7vT2pX9kLw4Z@pypi.corp.acme-corp.net/simple\n",
        ),
        (
            "app/requirements.txt",
            "--index-url https://deploy:s3cr3t-Tok3n-99@nexus.acme-corp.net/repository/pypi/simple\nflask==3.0.0\n",
        ),
        (
            "src/app/.git/config",
            "[remote \"origin\"]\n\turl = https://builder:hunter2-build@git.acme-corp.net/team/app.git\n",
        ),
        (
            "usr/local/bin/entrypoint.sh",
            "export GOPROXY=https://goproxy-user:Zx81kPq2mN@goproxy.acme-corp.net,direct\n",
        ),
        (
            "root/.m2/settings.xml",
            "<mirror><url>https://maven:Wp4rT9zQ2v@repo.acme-corp.net/maven2</url></mirror>\n",
        ),
    ];
    for (path, text) in positives {
        let found = engine.scan(path, text.as_bytes());
        assert!(
            ids(&found).contains(&"url-with-credentials"),
            "{path}: {found:?}"
        );
        assert!(
            found
                .iter()
                .all(|f| !f.match_line.contains("Qm7vT2pX9kLw4Z")
                    && !f.match_line.contains("hunter2-build")),
            "redacted: {found:?}"
        );
    }
    let negatives: &[(&str, &str)] = &[
        (
            "etc/pip.conf",
            "index-url = https://${PIP_USER}:${PIP_PASSWORD}@pypi.acme-corp.net/simple\n",
        ),
        (
            "README.md",
            "pip install --index-url https://user:<password>@host/simple pkg\n",
        ),
        (
            "docs/setup.txt",
            "git clone https://user:password@git.acme-corp.net/x.git\n",
        ),
        (
            "etc/app.conf",
            "proxy = http://proxy.acme-corp.net:3128\nurl = https://acme-corp.net/a@b\n",
        ),
        (
            "etc/app.env",
            "DATABASE_URL=postgres://app:Qm7vT2pX9kLw4Z@db:5432/app\n",
        ),
    ];
    for (path, text) in negatives {
        let found = engine.scan(path, text.as_bytes());
        assert!(
            !ids(&found).contains(&"url-with-credentials"),
            "{path}: {found:?}"
        );
    }
}

/// PuTTY keys: format 2 and 3 without encryption are findings; an encrypted one is not.
#[test]
fn putty_private_keys() {
    let engine = Engine::builtin();
    let body = "AAABAQCk5mZb0p4uQ2eH3VtGf9tYx8Lw1Jr7K2nD6sBq0ZcMvX4hPj9oR1aE5yT3\n\
                uI8wF2gH6kL0mN4pQ7sV9xZ1cB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7\n";
    for version in ["2", "3"] {
        let ppk = format!(
            "PuTTY-User-Key-File-{version}: ssh-rsa\nEncryption: none\nComment: deploy@ci\n\
             Public-Lines: 1\nAAAAB3NzaC1yc2EAAAADAQABAAABAQCk5mZb0p4uQ2eH3VtGf9tY\n\
             Private-Lines: 2\n{body}Private-MAC: 6f2c1d0e9b8a7f6e5d4c3b2a19081726354f6e7d\n"
        );
        let found = engine.scan("home/ci/.ssh/deploy.ppk", ppk.as_bytes());
        assert_eq!(ids(&found), ["putty-private-key"], "v{version}: {found:?}");
        assert!(
            !found[0]
                .match_line
                .contains("AAABAQCk5mZb0p4uQ2eH3VtGf9tYx8Lw1Jr7K2nD6sBq0ZcMvX4hPj9oR1aE5yT3")
        );
    }
    let encrypted = format!(
        "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: aes256-cbc\nComment: me\n\
         Public-Lines: 1\nAAAAC3NzaC1lZDI1NTE5AAAAIOj0\nKey-Derivation: Argon2id\n\
         Argon2-Memory: 8192\nPrivate-Lines: 2\n{body}Private-MAC: 00ff\n"
    );
    assert!(
        engine
            .scan("home/me/.ssh/me.ppk", encrypted.as_bytes())
            .is_empty()
    );
}
