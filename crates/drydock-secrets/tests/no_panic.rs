//! Arbitrary bytes never panic the engine: random buffers, invalid UTF-8, NULs after the
//! sniff window, CRLF, very long lines, keyword soup that wakes every rule, and the same fed to
//! every credential-file parser. Findings stay well-formed.

use drydock_secrets::{Engine, SecretMatch};

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const PATHS: &[&str] = &[
    "app/.env",
    "root/.docker/config.json",
    "root/.dockercfg",
    "root/.git-credentials",
    "root/.netrc",
    "root/.npmrc",
    "root/.pypirc",
    "root/.pgpass",
    "root/.kube/config",
    "root/.aws/credentials",
    "root/.config/gcloud/application_default_credentials.json",
    "root/.azure/msal_token_cache.json",
    "root/.azure/service_principal_entries.json",
    "root/.m2/settings.xml",
    "keys/store.p12",
];

const SOUP: &[&str] = &[
    "ghp_",
    "github_pat_",
    "AKIA",
    "-----BEGIN RSA PRIVATE KEY-----",
    "-----END RSA PRIVATE KEY-----",
    "password",
    "=",
    ":",
    "\"",
    "'",
    "\n",
    "\r\n",
    "eyJ",
    ".eyJ",
    "xoxb-",
    "sk_live_",
    "postgres://",
    "@",
    "auths",
    "{\"auths\":{\"r\":{\"auth\":\"",
    "machine",
    "login",
    "_authToken=",
    "token:",
    "aws_secret_access_key=",
    "secret",
    "key",
    "api",
    "\u{00e9}",
    "\u{1F600}",
    "\\n",
    "T3BlbkFJ",
    "dckr_pat_",
    "PuTTY-User-Key-File-3: ssh-rsa\n",
    "Private-Lines: 2\n",
    "hf_",
    "LTAI",
    "8Q~",
];

fn check(found: &[SecretMatch], content: &[u8]) {
    let lines = content.iter().filter(|&&b| b == b'\n').count() + 1;
    for f in found {
        assert!(f.line <= lines, "{f:?}");
        assert!(f.start_line <= f.end_line && f.end_line <= lines, "{f:?}");
        if f.line > 0 {
            assert!(f.column >= 1, "{f:?}");
            assert!(!f.secret.is_empty(), "{f:?}");
        }
        assert!(
            !f.match_line.contains(&f.secret) || f.secret.len() <= 4,
            "{f:?}"
        );
    }
}

#[test]
fn arbitrary_input_never_panics() {
    let engine = Engine::builtin();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for round in 0..400 {
        let len = match round % 4 {
            0 => rng.below(64),
            1 => rng.below(4096),
            2 => rng.below(65536),
            _ => 9000 + rng.below(4000),
        };
        let mut buf = Vec::with_capacity(len);
        while buf.len() < len {
            match rng.below(3) {
                0 => buf.push(rng.next() as u8),
                1 => buf.extend_from_slice(SOUP[rng.below(SOUP.len())].as_bytes()),
                _ => {
                    let n = rng.below(50);
                    buf.extend((0..n).map(|_| b"abcXYZ0189+/=_-"[rng.below(15)]));
                }
            }
        }
        if round % 4 == 3 {
            // A NUL past the sniff window: scanned as text.
            buf.push(0);
        }
        let path = PATHS[round % PATHS.len()];
        let found = engine.scan(path, &buf);
        check(&found, &buf);
        let text = String::from_utf8_lossy(&buf);
        check(&engine.scan_text("config.Env[0]", &text), text.as_bytes());
    }
}

#[test]
fn very_long_lines() {
    let engine = Engine::builtin();
    let mut line = vec![b'a'; 2 << 20];
    let token = b" token=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 ";
    line[1 << 20..(1 << 20) + token.len()].copy_from_slice(token);
    let found = engine.scan("app/big.js", &line);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].rule_id, "github-pat");
    assert_eq!(found[0].column, (1 << 20) + 8);
    // The reported line is cut around the secret.
    assert!(
        found[0].match_line.len() < 200,
        "{}",
        found[0].match_line.len()
    );
    check(&found, &line);
}

#[test]
fn invalid_utf8_and_binary() {
    let engine = Engine::builtin();
    let mut c =
        b"\xff\xfe garbage \xc3\x28 token=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\n".to_vec();
    assert_eq!(engine.scan("a.txt", &c).len(), 1);
    c.insert(3, 0);
    assert!(
        engine.scan("a.txt", &c).is_empty(),
        "NUL in the first 8 KiB: binary"
    );
}
