//! Heuristics for "this looks like a secret" in a name/value pair (an `ENV`, a pod's `env`, a
//! Compose `environment`, an image's `Env`), shared by drydock-config's Dockerfile, Kubernetes
//! and Compose rules and drydock-scan's image rules, so that all agree on what a
//! secret-looking name or value is. Unlike the engine's rules, they judge one value alone.

/// Whether a variable name says it holds a secret. Names ending in `_FILE`, `_PATH` and the
/// like point *at* a secret (the recommended pattern) and are not flagged; nor are public-key
/// fingerprints such as the `GPG_KEY` of official images.
pub fn secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let tokens: Vec<&str> = upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    let Some(last) = tokens.last() else {
        return false;
    };
    const POINTERS: &[&str] = &[
        "FILE",
        "PATH",
        "DIR",
        "URL",
        "URI",
        "ID",
        "NAME",
        "USER",
        "USERNAME",
        "ENABLED",
        "HOST",
        "PORT",
        "REF",
        "LENGTH",
        "TTL",
        "EXPIRY",
        "TIMEOUT",
        "FILES",
        "KEYS",
        "TYPE",
        "ALGORITHM",
        "SERVER",
        "KEYRING",
        "FINGERPRINT",
        "HEADER",
        "METHOD",
        "FIELD",
        "MODE",
        "PREFIX",
        "AGE",
        // Settings named after what they configure (GF_AUTH_ANONYMOUS_ORG_ROLE=Admin).
        "ROLE",
        "ROLES",
        "LEVEL",
        "SCOPE",
        "SCOPES",
        "PROVIDER",
        "STRATEGY",
        "REALM",
        "DOMAIN",
        "ISSUER",
        "AUDIENCE",
        "ORG",
        "EMAIL",
        "VERSION",
        "ENDPOINT",
        "ADDR",
        "ADDRESS",
    ];
    if POINTERS.contains(last) {
        return false;
    }
    if tokens
        .iter()
        .any(|t| *t == "PUBLIC" || *t == "GPG" || *t == "PGP")
    {
        return false;
    }
    const WORDS: &[&str] = &[
        "PASSWORD",
        "PASSWD",
        "PASS",
        "PWD",
        "SECRET",
        "SECRETS",
        "TOKEN",
        "APIKEY",
        "CREDENTIAL",
        "CREDENTIALS",
        "PRIVATE",
        "CREDS",
        "AUTH",
        "SECRETKEY",
        "ACCESSKEY",
        "PRIVATEKEY",
    ];
    if tokens.iter().any(|t| WORDS.contains(t)) {
        // A bare PWD is the shell's working directory.
        return tokens != ["PWD"];
    }
    // `..._KEY` (API_KEY, STRIPE_KEY, ENCRYPTION_KEY) but not `KEY` alone, which is too vague.
    *last == "KEY" && tokens.len() > 1
        || tokens
            .iter()
            .any(|t| t.ends_with("PASSWORD") || t.ends_with("TOKEN") || t.ends_with("SECRET"))
}

/// Passwords written on a command line: `--db-password=123`, `--password admin`,
/// `--requirepass s3cret`, and the short forms of the clients that take one (`mysql -pSECRET`,
/// `redis-cli -a SECRET`). `words` is one command, program first. The flag's last word must
/// name the secret itself (`--admin-password`, `--api-key`, not `--password-file`), and the
/// value must be a literal (not `$VAR`, a template or a placeholder). Returns (flag, value).
pub fn cmdline_secrets<'a>(words: &[&'a str]) -> Vec<(&'a str, &'a str)> {
    let program = words
        .first()
        .map(|w| w.rsplit('/').next().unwrap_or(w))
        .unwrap_or("");
    let mysql = matches!(
        program,
        "mysql" | "mysqladmin" | "mysqldump" | "mariadb" | "mariadb-admin" | "mariadb-dump"
    );
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        i += 1;
        if let Some(v) = w.strip_prefix("-p").filter(|v| mysql && !v.is_empty()) {
            out.push(("-p", v));
            continue;
        }
        if program == "redis-cli" && w == "-a" {
            if let Some(v) = words.get(i) {
                out.push(("-a", *v));
                i += 1;
            }
            continue;
        }
        let Some(body) = w.strip_prefix("--") else {
            continue;
        };
        let (flag, value) = match body.split_once('=') {
            Some((f, v)) => (f, Some(v)),
            None => (body, None),
        };
        let last = flag
            .rsplit(['-', '_', '.'])
            .next()
            .unwrap_or(flag)
            .to_ascii_lowercase();
        let names_secret = matches!(
            last.as_str(),
            "password" | "passwd" | "pass" | "pwd" | "secret" | "token" | "requirepass"
        ) || {
            // Only the keys that are secrets by name (`--recv-key`, `--private-key FILE` are not).
            let flag = flag.to_ascii_lowercase().replace('_', "-");
            [
                "api-key",
                "apikey",
                "access-key",
                "secret-key",
                "auth-key",
                "master-key",
                "license-key",
                "encryption-key",
            ]
            .iter()
            .any(|k| flag.ends_with(k))
        };
        if !names_secret {
            continue;
        }
        let value = match value {
            Some(v) => v,
            None => match words.get(i) {
                Some(v) if !v.starts_with('-') => {
                    i += 1;
                    v
                }
                _ => continue,
            },
        };
        out.push((w.split('=').next().unwrap_or(w), value));
    }
    // Only literals: `$VAR`, `$(cat file)`, templates and placeholders are the right way.
    out.retain(|(_, value)| {
        let bare = value.trim_matches(['"', '\'']);
        !bare.is_empty() && literal_value(bare)
    });
    out
}

/// What `name=value` turns off, when it is an environment setting of a widely used image that
/// disables authentication (the official postgres, mysql, mariadb images, Bitnami's images,
/// Elasticsearch, Grafana): no secret to leak, because none is asked for. `None` otherwise,
/// including for values those images read as "off" (`ALLOW_EMPTY_PASSWORD=no`).
pub fn auth_disabled(name: &str, value: &str) -> Option<&'static str> {
    let name = name.trim().to_ascii_uppercase();
    let value = value.trim().trim_matches(['"', '\'']);
    let yes = |v: &str| matches!(v.to_ascii_lowercase().as_str(), "yes" | "true" | "1" | "on");
    match name.as_str() {
        "POSTGRES_HOST_AUTH_METHOD" if value.eq_ignore_ascii_case("trust") => {
            Some("PostgreSQL accepts every connection without a password")
        }
        // The official images take any non-empty value as "yes".
        "MYSQL_ALLOW_EMPTY_PASSWORD" | "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD"
            if !value.is_empty() && !value.eq_ignore_ascii_case("no") && value != "0" =>
        {
            Some("the database's root user has an empty password")
        }
        "ALLOW_EMPTY_PASSWORD" if yes(value) => {
            Some("the service (a Bitnami image) accepts an empty password")
        }
        "XPACK.SECURITY.ENABLED" | "XPACK_SECURITY_ENABLED"
            if value.eq_ignore_ascii_case("false") =>
        {
            Some("Elasticsearch serves its API without authentication")
        }
        "GF_AUTH_ANONYMOUS_ENABLED" if yes(value) => {
            Some("Grafana lets anyone in without logging in")
        }
        _ => None,
    }
}

/// Whether `name=value` is a secret written as a literal: a secret-looking name, a literal
/// value, and a value that could be a secret under that name. A name whose only secret word is
/// a modifier (`AUTH`, `PRIVATE`: `GF_AUTH_BASIC`, `PRIVATE_REGISTRY_MODE`) names a setting
/// unless its value looks like a credential, so a number, a boolean or a well-known setting
/// word (`admin`, `basic`, `oauth`, `required`...) under it is not one; under `PASSWORD` or
/// `TOKEN`, `admin` is a (weak) secret and stays one.
pub fn secret_pair(name: &str, value: &str) -> bool {
    secret_name(name) && literal_value(value) && !(modifier_only(name) && setting_word(value))
}

/// The name's secret-looking words are only modifiers of a setting.
fn modifier_only(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let mut secret_words = upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| {
            [
                "PASS", "PWD", "SECRET", "TOKEN", "KEY", "CRED", "AUTH", "PRIVATE",
            ]
            .iter()
            .any(|w| t.contains(w))
        });
    secret_words.all(|t| t == "AUTH" || t == "PRIVATE")
}

/// A value that configures rather than authenticates.
fn setting_word(value: &str) -> bool {
    const WORDS: &[&str] = &[
        "admin",
        "administrator",
        "viewer",
        "editor",
        "owner",
        "member",
        "guest",
        "user",
        "anonymous",
        "none",
        "basic",
        "bearer",
        "digest",
        "oauth",
        "oauth2",
        "oidc",
        "ldap",
        "saml",
        "jwt",
        "cert",
        "htpasswd",
        "token",
        "password",
        "required",
        "optional",
        "enabled",
        "disabled",
        "enable",
        "disable",
        "read",
        "write",
        "readonly",
        "readwrite",
        "true",
        "false",
        "yes",
        "no",
        "on",
        "off",
        "allow",
        "deny",
        "strict",
        "lax",
    ];
    let v = value.trim().trim_matches(['"', '\'']);
    v.parse::<f64>().is_ok() || WORDS.iter().any(|w| v.eq_ignore_ascii_case(w))
}

/// Whether a value is a literal worth calling a secret: not empty, not a reference to another
/// variable, not an obvious pointer to a file.
pub fn literal_value(value: &str) -> bool {
    let v = value.trim().trim_matches(['"', '\'']);
    !(v.is_empty()
        || v.starts_with('$')
        || v.starts_with('/')
        || v.contains("{{")
        || v.eq_ignore_ascii_case("true")
        || v.eq_ignore_ascii_case("false"))
}

/// Recognises well-known credential formats regardless of the variable's name.
pub fn known_secret_value(value: &str) -> Option<&'static str> {
    let v = value.trim().trim_matches(['"', '\'']);
    let alnum_run = |s: &str, n: usize| {
        s.len() >= n
            && s.as_bytes()[..n]
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
    };
    if let Some(i) = v.find("AKIA") {
        let rest = &v[i + 4..];
        if rest.len() >= 16
            && rest.as_bytes()[..16]
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            return Some("AWS access key id");
        }
    }
    for (prefix, what, n) in [
        ("ghp_", "GitHub token", 36),
        ("gho_", "GitHub token", 36),
        ("ghs_", "GitHub token", 36),
        ("github_pat_", "GitHub token", 40),
        ("glpat-", "GitLab token", 20),
        ("xoxb-", "Slack token", 20),
        ("xoxp-", "Slack token", 20),
        ("sk_live_", "Stripe key", 20),
        ("npm_", "npm token", 36),
    ] {
        if let Some(i) = v.find(prefix)
            && alnum_run(&v[i + prefix.len()..], n)
        {
            return Some(what);
        }
    }
    if v.contains("-----BEGIN") && v.contains("PRIVATE KEY") {
        return Some("private key");
    }
    if url_with_password(v) {
        return Some("URL with a password");
    }
    None
}

/// `scheme://user:password@host...` with a literal password: a database or broker DSN that
/// carries its credentials, whatever the variable is called. A DSN without one (Sentry's are
/// public client keys, meant to ship in front-end code) is not a secret.
fn url_with_password(v: &str) -> bool {
    let Some((scheme, rest)) = v.split_once("://") else {
        return false;
    };
    let scheme = scheme
        .rsplit([' ', '=', '"', '\''])
        .next()
        .unwrap_or(scheme);
    if scheme.is_empty()
        || !scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-'))
    {
        return false;
    }
    let authority = &rest[..rest.find(['/', '?', '#', ' ']).unwrap_or(rest.len())];
    let Some((userinfo, _host)) = authority.rsplit_once('@') else {
        return false;
    };
    let Some((_user, password)) = userinfo.split_once(':') else {
        return false;
    };
    // Placeholders and references hold nothing.
    !(password.is_empty()
        || password.starts_with('$')
        || password.starts_with('<')
        || password.contains("{{")
        || password
            .bytes()
            .all(|b| b == b'*' || b == b'x' || b == b'X'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_under_modifier_names_are_not_secrets() {
        // Grafana's documented settings: a role and a switch, not credentials.
        assert!(!secret_pair("GF_AUTH_ANONYMOUS_ORG_ROLE", "Admin"));
        assert!(!secret_pair("GF_AUTH_ANONYMOUS_ENABLED", "true"));
        assert!(!secret_pair("GF_AUTH_BASIC", "false"));
        assert!(!secret_pair("REGISTRY_AUTH", "htpasswd"));
        // A credential-looking value under a modifier name, and any literal under a secret
        // noun, stay secrets (`admin` is a weak password, the finding is right).
        assert!(secret_pair("BASIC_AUTH", "alice:S3cr3t-Pa55w0rd"));
        assert!(secret_pair("ADMIN_PASSWORD", "admin"));
        assert!(secret_pair("GF_SECURITY_ADMIN_PASSWORD", "admin"));
        assert!(secret_pair("NPM_AUTH_TOKEN", "1234567890"));
        assert!(!secret_pair("DB_PASSWORD", "${DB_PASSWORD}"));
    }

    #[test]
    fn names() {
        for n in [
            "DB_PASSWORD",
            "API_KEY",
            "apiKey",
            "GITHUB_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "SECRET_KEY_BASE",
            "NPM_AUTH_TOKEN",
            "MYSQL_ROOT_PASSWORD",
        ] {
            assert!(secret_name(n), "{n}");
        }
        for n in [
            "POSTGRES_PASSWORD_FILE",
            "GPG_KEY",
            "PATH",
            "PWD",
            "NODE_ENV",
            "AWS_ACCESS_KEY_ID",
            "KEY",
            "TOKEN_URL",
            "PYTHON_VERSION",
        ] {
            assert!(!secret_name(n), "{n}");
        }
    }

    #[test]
    fn values() {
        assert_eq!(
            known_secret_value("AKIAIOSFODNN7EXAMPLE"),
            Some("AWS access key id")
        );
        assert!(known_secret_value("hello").is_none());
        for dsn in [
            "postgres://app:s3cr3t@db:5432/app",
            "amqp://guest:guest@rabbit/",
            "mongodb+srv://u:p4ss@cluster0.example.net/?retryWrites=true",
            "https://public:8f3c9a@sentry.example.com/1",
        ] {
            assert_eq!(
                known_secret_value(dsn),
                Some("URL with a password"),
                "{dsn}"
            );
        }
        for not in [
            "https://3b8f0c2e1d4a@o12345.ingest.sentry.io/67890",
            "postgres://app@db/app",
            "postgres://app:${DB_PASSWORD}@db/app",
            "redis://:<password>@cache:6379",
            "https://user:****@example.com",
            "https://example.com/a:b@c",
            "user:pass@host",
        ] {
            assert_eq!(known_secret_value(not), None, "{not}");
        }
        assert!(!secret_name("SENTRY_DSN"));
        assert!(!literal_value("${DB_PASSWORD}"));
        assert!(literal_value("hunter2"));
    }

    #[test]
    fn settings_that_turn_authentication_off() {
        for (n, v) in [
            ("POSTGRES_HOST_AUTH_METHOD", "trust"),
            ("MYSQL_ALLOW_EMPTY_PASSWORD", "yes"),
            ("MYSQL_ALLOW_EMPTY_PASSWORD", "\"true\""),
            ("MARIADB_ALLOW_EMPTY_ROOT_PASSWORD", "1"),
            ("ALLOW_EMPTY_PASSWORD", "yes"),
            ("xpack.security.enabled", "false"),
            ("GF_AUTH_ANONYMOUS_ENABLED", "true"),
        ] {
            assert!(auth_disabled(n, v).is_some(), "{n}={v}");
        }
        for (n, v) in [
            ("POSTGRES_HOST_AUTH_METHOD", "scram-sha-256"),
            ("MYSQL_ALLOW_EMPTY_PASSWORD", ""),
            ("MYSQL_ALLOW_EMPTY_PASSWORD", "no"),
            ("ALLOW_EMPTY_PASSWORD", "no"),
            ("xpack.security.enabled", "true"),
            ("GF_AUTH_ANONYMOUS_ENABLED", "false"),
            ("AUTH_METHOD", "trust"),
        ] {
            assert!(auth_disabled(n, v).is_none(), "{n}={v}");
        }
    }

    #[test]
    fn passwords_on_command_lines() {
        let found = |line: &str| {
            let words: Vec<&str> = line.split_whitespace().collect();
            cmdline_secrets(&words)
                .into_iter()
                .map(|(f, v)| format!("{f}={v}"))
                .collect::<Vec<_>>()
        };
        // frappe_docker's pwd.yml, as pinned in bench/corpus-real.
        assert_eq!(
            found(
                "bench new-site --db-type postgres --db-password=123 --admin-password=123 --db-root-username=postgres --db-root-password=123"
            ),
            [
                "--db-password=123",
                "--admin-password=123",
                "--db-root-password=123"
            ]
        );
        assert_eq!(
            found("mysqladmin ping -h localhost --password=admin"),
            ["--password=admin"]
        );
        assert_eq!(found("mysql -uroot -pS3cret app"), ["-p=S3cret"]);
        assert_eq!(found("redis-cli -a hunter2 ping"), ["-a=hunter2"]);
        assert_eq!(
            found("redis-server --requirepass s3cret"),
            ["--requirepass=s3cret"]
        );
        assert_eq!(
            found("app --api-key abcdef123456"),
            ["--api-key=abcdef123456"]
        );
        for safe in [
            "app --password-file /run/secrets/pw",
            "app --password $DB_PASSWORD",
            "app --password=${DB_PASSWORD}",
            "app --password {{ .Values.pw }}",
            "app --password --verbose",
            "mysql -p app",
            "mysql -uroot -p\"$(cat /run/secrets/db)\" app",
            "redis-cli -a \"$REDIS_PASSWORD\" ping",
            "grep -p pattern",
            "gpg --recv-key ABCDEF",
            "app --public-key=ssh-rsa",
            "app --token-ttl 3600",
        ] {
            assert!(found(safe).is_empty(), "{safe}: {:?}", found(safe));
        }
    }
}
