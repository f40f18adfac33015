//! Truncated, corrupted and hostile inputs: the audit must return, never panic. Budgets are tiny
//! so the thousands of audits here stay fast; what is under test is parsing, not cracking.

mod common;

use drydock_creds::crack::{CrackBudget, Verifier, Wordlist, crack};
use drydock_creds::{audit, wants};
use std::time::Duration;

fn tiny() -> CrackBudget {
    CrackBudget {
        per_hash: Duration::from_millis(1),
        max_words: 1,
    }
}

/// Deterministic xorshift, so a failure reproduces.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n.max(1)).unwrap_or(1)).unwrap_or(0)
    }
}

#[test]
fn every_prefix_of_every_fixture() {
    for fixture in ["weak", "clean"] {
        let files = common::load(fixture);
        for (path, bytes) in &files {
            assert!(wants(path), "{path} is in a fixture but not wanted");
            let step = (bytes.len() / 30).max(1);
            for cut in (0..bytes.len()).step_by(step) {
                // The truncated file alone, and with the rest of the fixture around it.
                let alone = vec![(path.clone(), bytes[..cut].to_vec())];
                audit(&alone, &tiny());
            }
            let mut with_rest = files.clone();
            for f in &mut with_rest {
                if f.0 == *path {
                    f.1.truncate(f.1.len() / 2);
                }
            }
            audit(&with_rest, &tiny());
        }
    }
}

#[test]
fn random_mutations_of_every_fixture() {
    let files = common::load("weak");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..40 {
        let mut mutated = files.clone();
        for (_, bytes) in &mut mutated {
            for _ in 0..(1 + rng.below(8)) {
                if bytes.is_empty() {
                    break;
                }
                let i = rng.below(bytes.len());
                match rng.below(4) {
                    0 => bytes[i] = u8::try_from(rng.below(256)).unwrap_or(0),
                    1 => {
                        let specials = b":$<>=\n#\"'[]{}/\\-!*";
                        bytes[i] = specials[rng.below(specials.len())];
                    }
                    2 => {
                        bytes.remove(i);
                    }
                    _ => bytes.insert(i, 0xff),
                }
            }
        }
        let out = audit(&mutated, &tiny());
        assert!(out.len() < 10_000, "round {round}");
    }
}

#[test]
fn hostile_lines() {
    let nasty: &[&str] = &[
        "",
        "\n",
        ":",
        "::::::::::::::::::::::::::::",
        "\0\0\0",
        "\u{feff}root::0:0::/:/bin/sh",
        "root:$6$rounds=abc$x$y:1:::::::",
        "root:$6$rounds=99999999999999999999$salt$x:1::::::",
        "root:$6$$:1::::::",
        "root:$5$rounds=1$ab$cd:1",
        "root:_:1",
        "root:_J9..:1",
        "root:_....S07u3PoJXR3fBHE:1",
        "root:$2b$99$abc:1",
        "root:$2b$$:1",
        "root:$2b$5$abc:1",
        "root:$2b$04$\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}:1",
        "root:$y$:1",
        "root:$y$$$:1",
        "root:$y$jzzzzzzzz$salt$hash:1",
        "root:$y$j//$LdJM$k7BXzSDuoGHW56SY3HxROCiA0gWRscZe2aA0q5oHPM0:1",
        "root:$y$jD5.7$LdJMENpBABJJ3hIHjB1Bi.$HboGM6qPrsK.StKYGt6KErmUYtioHreJd98oIugoNB6:1",
        "root:$gy$j9T$$:1",
        "root:$gy$j9T:1",
        "root:$1$:1",
        "root:$1$saltsaltsalt$short:1",
        "root:$apr1$$$:1",
        "root:{SHA}:1",
        "root:{SSHA}AAAA:1",
        "root:{PLAIN}:1",
        "root:{X}y:1",
        "root:$:1",
        "root:$$$$:1",
        "root:\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}:1",
    ];
    let paths = [
        "/etc/passwd",
        "/etc/shadow",
        "/etc/group",
        "/etc/gshadow",
        "/etc/nginx/.htpasswd",
        "/etc/ssh/sshd_config",
        "/etc/redis/redis.conf",
        "/etc/postgresql/pg_hba.conf",
        "/etc/mysql/my.cnf",
        "/etc/mongod.conf",
        "/etc/elasticsearch/elasticsearch.yml",
        "/opt/tomcat/conf/tomcat-users.xml",
        "/var/jenkins_home/config.xml",
        "/var/jenkins_home/users/a_1/config.xml",
        "/etc/grafana/grafana.ini",
        "/etc/snmp/snmpd.conf",
        "/root/.vnc/passwd",
    ];
    for path in paths {
        let all = nasty.join("\n");
        audit(&[(path.to_owned(), all.into_bytes())], &tiny());
        for line in nasty {
            audit(&[(path.to_owned(), line.as_bytes().to_vec())], &tiny());
            // Invalid UTF-8 around it.
            let mut b = vec![0xc3, 0x28];
            b.extend_from_slice(line.as_bytes());
            b.extend_from_slice(&[0xe2, 0x82]);
            audit(&[(path.to_owned(), b)], &tiny());
        }
    }
    let structural: &[(&str, &str)] = &[
        (
            "/opt/tomcat/conf/tomcat-users.xml",
            "<!-- unterminated <user username=\"a\" password=\"a\"/>",
        ),
        (
            "/opt/tomcat/conf/tomcat-users.xml",
            "<user username=\"a\" password=\"a",
        ),
        ("/opt/tomcat/conf/tomcat-users.xml", "<user"),
        (
            "/opt/tomcat/conf/tomcat-users.xml",
            "<user username=\"&#xFFFFFFFF;&#99999999999;&;&amp\" password='&#0;'/>",
        ),
        ("/var/jenkins_home/config.xml", "<useSecurity>false"),
        (
            "/var/jenkins_home/users/x/config.xml",
            "<passwordHash>#jbcrypt:</passwordHash><passwordHash>",
        ),
        (
            "/etc/mongod.conf",
            "net:\n\t bindIp: [0.0.0.0\n   - \n- x\n  :\n: :",
        ),
        (
            "/etc/grafana/grafana.ini",
            "[security\nadmin_password\n[]\n[auth.anonymous]\nenabled = \"\"\"\n",
        ),
        (
            "/etc/ssh/sshd_config",
            "Include /etc/ssh/sshd_config\nInclude *\nMatch\n=\n PermitRootLogin = \"yes",
        ),
        (
            "/etc/ssh/sshd_config",
            "Include /etc/ssh/sshd_config.d/*.conf",
        ),
        (
            "/etc/redis/redis.conf",
            "user\nuser default\nuser default >\nbind\nrequirepass \"unterminated",
        ),
        (
            "/etc/snmp/snmpd.conf",
            "com2sec -Cn\nrocommunity\nagentaddress ,,,\nagentaddress udp:",
        ),
    ];
    for (path, content) in structural {
        audit(
            &[((*path).to_owned(), content.as_bytes().to_vec())],
            &tiny(),
        );
    }
    // Self-including sshd drop-ins must not loop.
    audit(
        &[
            (
                "/etc/ssh/sshd_config".to_owned(),
                b"Include sshd_config.d/*.conf\n".to_vec(),
            ),
            (
                "/etc/ssh/sshd_config.d/a.conf".to_owned(),
                b"Include /etc/ssh/sshd_config.d/*.conf\nInclude /etc/ssh/sshd_config\n".to_vec(),
            ),
        ],
        &tiny(),
    );
    // VNC files of every short and odd length.
    for len in 0..20 {
        audit(
            &[("/root/.vnc/passwd".to_owned(), vec![0xa5; len])],
            &tiny(),
        );
    }
}

#[test]
fn parse_and_verify_survive_mutated_hashes() {
    let seeds = [
        "1DD2oUwBzywy6",
        "_J9..S07u3PoJXR3fBHE",
        "$1$WlvDi/Ea$xHdRB8UGtQyvlR2ObirvD0",
        "$apr1$pwhJslkr$.EheqTon2eV.DzD4ve7QJ/",
        "$2b$05$VeUUhEYumuOZuOBazuHq4uKL4oTuvXpZV0CEMYy3Q39GydmAeXC5W",
        "$5$4cU2isadbDJFKvQm$uqnKigK3kLbHLl5DwM3NdgyMd9INvdEyNUo4J5JqNN2",
        "$6$rounds=1000$p1S8yn7pOuUZbsSi$j6xFvQCORrGPuFVglHctvgwIEJnQ5lgAMPex5HjGJT32bwE6g4rKhl48OPa74jUQg1BsXgowIylJl8zyEzDN51",
        "$y$j75$XmepTsGOX2S3XCH486d2D0$0vyNeTMZYvP3MLEx4f0bQ3di8CNynL3O1X3BcXi6hJB",
        "$gy$j75$gfKVOZGikex.B6SMujaFb0$yZ8inJ4bHclENFeLtYI9Bx3U8G3H3fYA1m2IpHkp5e5",
        "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=",
        "{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=",
    ];
    let charset = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz$={}_";
    let wl = Wordlist::builtin();
    let mut rng = Rng(42);
    for seed in seeds {
        for len in 0..=seed.len() {
            if let Some(prefix) = seed.get(..len)
                && let Ok(v) = Verifier::parse(prefix)
            {
                crack(&v, Some("u"), &wl, &tiny());
            }
        }
        for _ in 0..150 {
            let mut b = seed.as_bytes().to_vec();
            for _ in 0..(1 + rng.below(3)) {
                let i = rng.below(b.len());
                b[i] = charset[rng.below(charset.len())];
            }
            let s = String::from_utf8_lossy(&b);
            if let Ok(v) = Verifier::parse(&s) {
                // One guess at most, unless the mutation made it absurd (then none).
                crack(&v, None, &wl, &tiny());
                let _ = v.describe();
            }
        }
    }
}
