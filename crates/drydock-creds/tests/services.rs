//! Service configurations: `tests/fixtures/weak` has every check failing, `clean` has the same
//! files configured safely (and `debian-min` is a stock Debian 12 base), which must yield nothing.

mod common;

use common::{at, budget, load, none, one};
use drydock_creds::{Finding, audit, audit_with_wordlist};
use std::sync::OnceLock;

fn services(fixture: &str) -> Vec<(String, Vec<u8>)> {
    load(fixture)
        .into_iter()
        .filter(|(p, _)| {
            !p.starts_with("/etc/") || p.matches('/').count() > 2 || p.ends_with(".conf")
        })
        .collect()
}

fn weak() -> &'static [Finding] {
    static F: OnceLock<Vec<Finding>> = OnceLock::new();
    F.get_or_init(|| audit(&services("weak"), &budget()))
}

#[test]
fn fixtures_split_cleanly() {
    let files = services("weak");
    assert!(files.iter().all(|(p, _)| {
        !["/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow"].contains(&p.as_str())
    }));
    assert!(files.iter().any(|(p, _)| p == "/etc/mongod.conf"));
}

#[test]
fn clean_configs_yield_nothing() {
    let f = audit(&load("clean"), &budget());
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn sshd() {
    let f = weak();
    let p = "/etc/ssh/sshd_config";
    assert_eq!(
        one(
            f,
            "DD-CRED-011",
            p,
            "PermitRootLogin yes for every connection"
        )
        .line,
        Some(5)
    );
    let default = one(f, "DD-CRED-012", p, "not set; OpenSSH defaults to yes");
    assert_eq!(default.line, None);
    assert_eq!(
        one(
            f,
            "DD-CRED-010",
            p,
            "for connections matching `Match User guest`"
        )
        .line,
        Some(13)
    );
}

#[test]
fn sshd_first_value_wins_and_includes_come_first() {
    let conf = |main: &str, dropin: &str| {
        vec![
            ("/etc/ssh/sshd_config".to_owned(), main.as_bytes().to_vec()),
            (
                "/etc/ssh/sshd_config.d/50-x.conf".to_owned(),
                dropin.as_bytes().to_vec(),
            ),
        ]
    };
    // The drop-in is included before the main file's own setting, so `no` wins.
    let f = audit(
        &conf(
            "Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication yes\n",
            "PasswordAuthentication no\n",
        ),
        &budget(),
    );
    assert!(
        at(&f, "DD-CRED-012", "/etc/ssh/sshd_config").is_empty(),
        "{f:#?}"
    );
    // Included last, the drop-in's `yes` loses to the main file's `no`.
    let f = audit(
        &conf(
            "PasswordAuthentication no\nInclude sshd_config.d/*.conf\n",
            "PasswordAuthentication yes\n",
        ),
        &budget(),
    );
    assert!(f.is_empty(), "{f:#?}");
    // ...and a weak drop-in value that wins is reported at the drop-in.
    let f = audit(
        &conf(
            "Include /etc/ssh/sshd_config.d/*.conf\nPermitEmptyPasswords no\n",
            "permitemptypasswords=yes\n",
        ),
        &budget(),
    );
    one(
        &f,
        "DD-CRED-010",
        "/etc/ssh/sshd_config.d/50-x.conf",
        "for every connection",
    );
    // `Match all` overrides the global value for everyone.
    let f = audit(
        &conf("PermitRootLogin no\nMatch all\n  PermitRootLogin yes\n", ""),
        &budget(),
    );
    one(&f, "DD-CRED-011", "/etc/ssh/sshd_config", "in `Match all`");
    // Drop-ins are not read unless included.
    let f = audit(
        &conf("PasswordAuthentication no\n", "PermitRootLogin yes\n"),
        &budget(),
    );
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn redis() {
    let f = weak();
    let hit = one(
        f,
        "DD-CRED-020",
        "/etc/redis/redis.conf",
        "non-loopback address 0.0.0.0",
    );
    assert_eq!(hit.line, Some(2));
    let redis = |conf: &str| {
        audit(
            &[("/etc/redis/redis.conf".to_owned(), conf.as_bytes().to_vec())],
            &budget(),
        )
    };
    // Protected mode guards the no-bind, no-password case...
    assert!(redis("port 6379\n").is_empty());
    // ...but not when it is off.
    one(
        &redis("protected-mode no\n"),
        "DD-CRED-020",
        "/etc/redis/redis.conf",
        "protected-mode no",
    );
    // Loopback only, Unix socket only, or the default user disabled: not exposed / not open.
    assert!(redis("bind 127.0.0.1 -::1\nprotected-mode no\n").is_empty());
    assert!(redis("bind 0.0.0.0\nport 0\n").is_empty());
    assert!(redis("bind 0.0.0.0\nuser default off\nuser app on >Zq8vLw2pXk ~* +@all\n").is_empty());
    // An ACL password for `default` counts as auth; `nopass` undoes it.
    assert!(redis("bind 0.0.0.0\nuser default on >Zq8vLw2pXk ~* +@all\n").is_empty());
    one(
        &redis("bind 0.0.0.0\nrequirepass Zq8vLw2pXk\nuser default on nopass ~* +@all\n"),
        "DD-CRED-020",
        "/etc/redis/redis.conf",
        "bind",
    );
    // Redis' own example password is a known default.
    let f = redis("bind 127.0.0.1\nrequirepass foobared\n");
    let hit = one(&f, "DD-CRED-006", "/etc/redis/redis.conf", "vendor default");
    assert_eq!(hit.secret.as_deref(), Some("foobared"));
}

#[test]
fn postgres() {
    let f = weak();
    let p = "/var/lib/postgresql/data/pg_hba.conf";
    let hits = at(f, "DD-CRED-030", p);
    assert_eq!(hits.len(), 1, "only the `all` line: {hits:#?}");
    assert_eq!(hits[0].line, Some(5));
    let hba = |conf: &str| audit(&[(p.to_owned(), conf.as_bytes().to_vec())], &budget());
    one(
        &hba("host all all 10.0.0.0 255.0.0.0 trust\n"),
        "DD-CRED-030",
        p,
        "10.0.0.0 255.0.0.0",
    );
    one(
        &hba("hostssl all all 127.0.0.0/0 trust\n"),
        "DD-CRED-030",
        p,
        "127.0.0.0/0",
    );
    assert!(
        hba("host all all 127.0.0.1 255.255.255.255 trust\nhost all all \"0.0.0.0/0\" md5\n")
            .is_empty()
    );
}

#[test]
fn mysql() {
    let f = weak();
    assert_eq!(
        one(f, "DD-CRED-040", "/etc/mysql/my.cnf", "skip-grant-tables").line,
        Some(2)
    );
    let hit = one(f, "DD-CRED-041", "/root/.my.cnf", "binds to 0.0.0.0");
    assert_eq!(hit.line, Some(3));
    let my = |server: &str, client: &str| {
        audit(
            &[
                ("/etc/mysql/my.cnf".to_owned(), server.as_bytes().to_vec()),
                ("/root/.my.cnf".to_owned(), client.as_bytes().to_vec()),
            ],
            &budget(),
        )
    };
    let empty_root = "[client]\nuser = root\npassword = \"\"\n";
    // No bind-address: MySQL listens everywhere.
    one(
        &my("[mysqld]\nport=3306\n", empty_root),
        "DD-CRED-041",
        "/root/.my.cnf",
        "no `bind-address`",
    );
    assert!(my("[mysqld]\nskip-networking\n", empty_root).is_empty());
    assert!(my("[mysqld]\nbind-address=127.0.0.1\n", empty_root).is_empty());
    // A bare `password` prompts: not empty.
    assert!(my("[mysqld]\n", "[client]\nuser=root\npassword\n").is_empty());
    assert!(my("[mysqld]\nloose-skip-grant-tables=0\n", "").is_empty());
    one(
        &my("[mariadb]\nloose_skip_grant_tables = ON\n", ""),
        "DD-CRED-040",
        "/etc/mysql/my.cnf",
        "[mariadb]",
    );
    let f = my(
        "[mysqld]\nbind-address=127.0.0.1\n",
        "[client]\nuser=app\npassword=changeme\n",
    );
    assert_eq!(
        one(&f, "DD-CRED-006", "/root/.my.cnf", "user `app`")
            .secret
            .as_deref(),
        Some("changeme")
    );
}

#[test]
fn mongodb() {
    let f = weak();
    assert_eq!(
        one(
            f,
            "DD-CRED-050",
            "/etc/mongod.conf",
            "`net.bindIp` includes 0.0.0.0"
        )
        .line,
        Some(5)
    );
    let mongo = |conf: &str| {
        audit(
            &[("/etc/mongod.conf".to_owned(), conf.as_bytes().to_vec())],
            &budget(),
        )
    };
    assert!(
        mongo("net:\n  bindIp: 127.0.0.1,::1\n").is_empty(),
        "loopback only"
    );
    assert!(
        mongo("net:\n  port: 27017\n").is_empty(),
        "default bind is localhost"
    );
    assert!(
        mongo("net:\n  bindIpAll: true\nsecurity:\n  keyFile: /etc/mongo.key\n").is_empty(),
        "keyFile implies auth"
    );
    one(
        &mongo("net:\n  bindIpAll: true\n"),
        "DD-CRED-050",
        "/etc/mongod.conf",
        "bindIpAll",
    );
    // The pre-2.6 format.
    one(
        &mongo("bind_ip = 0.0.0.0\nport = 27017\n"),
        "DD-CRED-050",
        "/etc/mongod.conf",
        "`bind_ip` includes 0.0.0.0",
    );
    assert!(mongo("bind_ip = 0.0.0.0\nauth = true\n").is_empty());
}

#[test]
fn elasticsearch() {
    let f = weak();
    let p = "/usr/share/elasticsearch/config/elasticsearch.yml";
    let hit = one(f, "DD-CRED-060", p, "xpack.security.enabled: false");
    assert!(hit.detail.contains("network.host: 0.0.0.0"));
    let es = |conf: &str| audit(&[(p.to_owned(), conf.as_bytes().to_vec())], &budget());
    one(
        &es("xpack:\n  security:\n    enabled: \"false\"\n"),
        "DD-CRED-060",
        p,
        "xpack.security.enabled",
    );
    assert!(es("cluster.name: x\n").is_empty(), "absent is not reported");
    let os = "/usr/share/opensearch/config/opensearch.yml";
    let f = audit(
        &[(os.to_owned(), b"plugins.security.disabled: true\n".to_vec())],
        &budget(),
    );
    one(&f, "DD-CRED-060", os, "plugins.security.disabled");
}

#[test]
fn tomcat() {
    let f = weak();
    let p = "/usr/local/tomcat/conf/tomcat-users.xml";
    let hit = one(
        f,
        "DD-CRED-070",
        p,
        "`tomcat` (roles manager-gui, admin-gui)",
    );
    assert_eq!(
        (hit.line, hit.secret.as_deref()),
        (Some(10), Some("tomcat"))
    );
    // A bare MD5 digest is cracked, and the manager role keeps the critical rule.
    let hit = one(f, "DD-CRED-070", p, "`deployer`");
    assert!(hit.detail.contains("unsalted MD5 hash cracked"), "{hit:?}");
    assert_eq!(hit.secret.as_deref(), Some("password"));
    one(f, "DD-CRED-004", p, "`deployer`");
    assert_eq!(
        one(f, "DD-CRED-006", p, "`reader`").secret.as_deref(),
        Some("changeme")
    );
    // The commented-out examples in the stock file are not users.
    assert_eq!(
        at(f, "DD-CRED-070", p).len() + at(f, "DD-CRED-006", p).len(),
        3
    );
}

#[test]
fn jenkins() {
    let f = weak();
    let p = "/var/jenkins_home/config.xml";
    assert_eq!(one(f, "DD-CRED-080", p, "useSecurity").line, Some(4));
    assert_eq!(one(f, "DD-CRED-080", p, "Unsecured").line, Some(5));
    let user = one(
        f,
        "DD-CRED-005",
        "/var/jenkins_home/users/admin_6182391/config.xml",
        "Jenkins user `admin`",
    );
    assert!(user.detail.contains("bcrypt (cost 5)"));
    assert_eq!(user.secret.as_deref(), Some("admin"));
}

#[test]
fn grafana() {
    let f = weak();
    let p = "/etc/grafana/grafana.ini";
    assert_eq!(
        one(f, "DD-CRED-090", p, "admin_password = admin").line,
        Some(3)
    );
    assert_eq!(one(f, "DD-CRED-091", p, "org_role = Admin").line, Some(7));
    let g = |files: &[(&str, &str)]| {
        let files: Vec<(String, Vec<u8>)> = files
            .iter()
            .map(|(p, c)| ((*p).to_owned(), c.as_bytes().to_vec()))
            .collect();
        audit(&files, &budget())
    };
    // Stock image: grafana.ini all commented, defaults.ini sets admin.
    let defaults = "/usr/share/grafana/conf/defaults.ini";
    let f = g(&[
        (p, "[security]\n;admin_password = admin\n"),
        (
            defaults,
            "[security]\nadmin_user = admin\nadmin_password = admin\n",
        ),
    ]);
    assert_eq!(
        one(&f, "DD-CRED-090", defaults, "admin_password = admin").line,
        Some(3)
    );
    // Neither sets it: Grafana's built-in default.
    one(
        &g(&[(p, "[server]\nhttp_port = 3000\n")]),
        "DD-CRED-090",
        p,
        "not set",
    );
    assert!(g(&[(p, "[security]\ndisable_initial_admin_creation = true\n")]).is_empty());
    assert!(
        g(&[
            (p, "[security]\nadmin_password = $__env{GF_ADMIN}\n"),
            (defaults, "[security]\nadmin_password = admin\n")
        ])
        .is_empty()
    );
    let f = g(&[(p, "[security]\nadmin_password = grafana\n")]);
    assert_eq!(
        one(&f, "DD-CRED-006", p, "Grafana").secret.as_deref(),
        Some("grafana")
    );
    assert!(
        g(&[(
            p,
            "[security]\nadmin_password = Vq3#nW8!pLz2\n[auth.anonymous]\nenabled = true\n"
        )])
        .is_empty()
    );
}

#[test]
fn htpasswd() {
    let f = weak();
    let p = "/etc/nginx/.htpasswd";
    let cracked = |who: &str| one(f, "DD-CRED-005", p, &format!("htpasswd user `{who}`"));
    assert_eq!(cracked("webuser").secret.as_deref(), Some("password"));
    assert!(cracked("webuser").detail.contains("Apache APR1-MD5"));
    assert_eq!(cracked("ops").secret.as_deref(), Some("123456"));
    assert!(cracked("ops").detail.contains("{SHA}"));
    assert_eq!(cracked("admin").secret.as_deref(), Some("admin"));
    assert_eq!(cracked("plain").secret.as_deref(), Some("secret"));
    none(f, "DD-CRED-005", p, "`legacy`");
    for obsolete in ["`webuser`", "`ops`", "`legacy`", "`plain`"] {
        one(f, "DD-CRED-004", p, obsolete);
    }
    none(f, "DD-CRED-004", p, "`admin`");
    assert_eq!(one(f, "DD-CRED-009", p, "line 6").line, Some(6));
}

#[test]
fn snmp() {
    let f = weak();
    let p = "/etc/snmp/snmpd.conf";
    let ro = one(f, "DD-CRED-110", p, "rocommunity");
    assert_eq!((ro.line, ro.secret.as_deref()), (Some(2), Some("public")));
    assert!(ro.detail.contains("any address"));
    let rw = one(f, "DD-CRED-111", p, "rwcommunity");
    assert_eq!(rw.secret.as_deref(), Some("private"));
    assert!(rw.detail.contains("10.0.0.0/8"));
    let snmp = |conf: &str| audit(&[(p.to_owned(), conf.as_bytes().to_vec())], &budget());
    assert!(snmp("agentaddress udp:127.0.0.1:161,udp6:[::1]:161\nrocommunity public\n").is_empty());
    one(
        &snmp("com2sec notConfigUser default public\n"),
        "DD-CRED-110",
        p,
        "com2sec",
    );
    one(
        &snmp("agentAddress udp:161\nrocommunity6 public default -V systemonly\n"),
        "DD-CRED-110",
        p,
        "rocommunity",
    );
}

#[test]
fn vnc() {
    let f = weak();
    // `vncpasswd -f` of "password": decrypted, reported, and also weak.
    let hit = one(f, "DD-CRED-120", "/root/.vnc/passwd", "fixed VNC key");
    assert_eq!(hit.secret.as_deref(), Some("password"));
    one(f, "DD-CRED-005", "/root/.vnc/passwd", "VNC password");
    // A random one: reported (anyone can decrypt it) but not weak.
    let hit = one(f, "DD-CRED-120", "/home/alice/.vnc/passwd", "8 characters");
    assert_eq!(hit.secret.as_ref().map(String::len), Some(8));
    none(f, "DD-CRED-005", "/home/alice/.vnc/passwd", "");
    assert_eq!(
        drydock_creds::decrypt_vnc_password(&[0xdb, 0xd8, 0x3c, 0xfd, 0x72, 0x7a, 0x14, 0x58])
            .as_deref(),
        Some("password")
    );
}

#[test]
fn extra_wordlist_reaches_service_passwords() {
    let p = "/etc/redis/redis.conf";
    let files = vec![(p.to_owned(), b"requirepass acme-corp-2024\n".to_vec())];
    assert!(audit(&files, &budget()).is_empty());
    let f = audit_with_wordlist(&files, &budget(), &["acme-corp-2024".to_owned()]);
    assert!(one(&f, "DD-CRED-006", p, "extra wordlist").secret.is_some());
}

#[test]
fn output_is_sorted_and_serialisable() {
    let f = weak();
    let mut sorted = f.to_vec();
    sorted.sort_by(|a, b| (&a.path, a.line, a.rule.id).cmp(&(&b.path, b.line, b.rule.id)));
    assert_eq!(
        sorted.iter().map(|x| (&x.path, x.line)).collect::<Vec<_>>(),
        f.iter().map(|x| (&x.path, x.line)).collect::<Vec<_>>()
    );
    let cracked = one(f, "DD-CRED-005", "/etc/nginx/.htpasswd", "`ops`");
    let json = serde_json::to_value(cracked).expect("serialise");
    assert_eq!(json["rule_id"], "DD-CRED-005");
    assert_eq!(json["severity"], "HIGH");
    assert_eq!(json["secret"], "123456");
    let redacted = serde_json::to_value(cracked.clone().redacted()).expect("serialise");
    assert!(redacted.get("secret").is_none());
    let shared = cracked.to_shared(false);
    assert!(!shared.message.contains("123456"));
    assert_eq!(shared.id, "DD-CRED-005");
    assert!(cracked.to_shared(true).message.contains("123456"));
}

#[test]
fn wants_selects_the_right_files() {
    use drydock_creds::wants;
    for yes in [
        "/etc/passwd",
        "etc/shadow",
        "./etc/group",
        "/etc/gshadow",
        "/etc/ssh/sshd_config",
        "/etc/ssh/sshd_config.d/50-cloud-init.conf",
        "/etc/redis/redis.conf",
        "/usr/local/etc/redis/redis.conf",
        "/var/lib/postgresql/data/pg_hba.conf",
        "/etc/postgresql/15/main/pg_hba.conf",
        "/etc/mysql/my.cnf",
        "/etc/mysql/mariadb.conf.d/50-server.cnf",
        "/root/.my.cnf",
        "/etc/mongod.conf",
        "/etc/elasticsearch/elasticsearch.yml",
        "/usr/local/tomcat/conf/tomcat-users.xml",
        "/var/jenkins_home/config.xml",
        "/var/lib/jenkins/users/admin_123/config.xml",
        "/etc/grafana/grafana.ini",
        "/usr/share/grafana/conf/defaults.ini",
        "/etc/nginx/.htpasswd",
        "/etc/apache2/htpasswd.users",
        "/etc/snmp/snmpd.conf",
        "/root/.vnc/passwd",
        "/home/u/.config/tigervnc/passwd",
        // TigerVNC's vncserver settings (`$SecurityTypes = "None";`).
        "/etc/vnc.conf",
        "/etc/supervisor/conf.d/x11vnc.conf",
        "/usr/local/bin/docker-entrypoint.sh",
    ] {
        assert!(wants(yes), "{yes}");
    }
    for no in [
        "/etc/passwd-",
        "/etc/ssh/ssh_config",
        "/etc/ssh/sshd_config.d/README",
        "/usr/bin/htpasswd",
        "/usr/sbin/htpasswd",
        "/var/jenkins_home/jobs/build/config.xml",
        "/etc/redis/sentinel.conf",
        "/usr/share/doc/redis/README",
        "/etc/grafana/ldap.toml",
        "/etc/defaults.ini",
        "/usr/share/doc/x11vnc/README",
    ] {
        assert!(!wants(no), "{no}");
    }
}

/// VNC without authentication, in the forms images carry it: a supervisord program, a systemd
/// unit, an entrypoint script with a continued command line, TigerVNC's config files. Bound to
/// localhost, or with a password, it is not reported.
#[test]
fn vnc_without_authentication() {
    let run = |path: &str, text: &str| {
        audit(&[(path.to_owned(), text.as_bytes().to_vec())], &budget())
            .into_iter()
            .filter(|f| f.rule.id == "DD-CRED-121")
            .collect::<Vec<Finding>>()
    };
    let cases: &[(&str, &str, Option<u32>)] = &[
        (
            "/etc/supervisor/conf.d/x11vnc.conf",
            "[program:x11vnc]\ncommand=/usr/bin/x11vnc -display :1 -forever -shared -nopw -rfbport 5900\nautorestart=true\n",
            Some(2),
        ),
        (
            "/etc/supervisord.conf",
            "[program:vnc]\ncommand=/usr/bin/Xvnc :1 -geometry 1280x800 -SecurityTypes None -rfbport 5901\n",
            Some(2),
        ),
        (
            "/etc/systemd/system/vncserver@.service",
            "[Service]\nType=forking\nExecStart=/usr/bin/vncserver %i -SecurityTypes=none,VncAuth\n",
            Some(3),
        ),
        (
            "/usr/local/bin/docker-entrypoint.sh",
            "#!/bin/sh\nset -e\nx11vnc -display :0 \\\n  -forever -shared \\\n  -nopw &\nexec \"$@\"\n",
            Some(3),
        ),
        (
            "/root/.vnc/config",
            "geometry=1920x1080\nsecuritytypes=none\n",
            Some(2),
        ),
        (
            "/etc/tigervnc/vncserver-config-mandatory",
            "SecurityTypes=None\n",
            Some(1),
        ),
        // Not reported: a password, loopback only, a comment.
        (
            "/etc/supervisor/conf.d/x11vnc.conf",
            "[program:x11vnc]\ncommand=x11vnc -forever -usepw -nopw\n",
            None,
        ),
        (
            "/usr/local/bin/start-vnc.sh",
            "x11vnc -display :1 -localhost -nopw -forever\n",
            None,
        ),
        ("/root/.vnc/config", "securitytypes=none\nlocalhost\n", None),
        ("/etc/supervisord.conf", "; command=x11vnc -nopw\n", None),
        (
            "/etc/systemd/system/vnc.service",
            "ExecStart=/usr/bin/vncserver :1 -SecurityTypes VncAuth,TLSVnc\n",
            None,
        ),
    ];
    for (path, text, want) in cases {
        let got = run(path, text);
        match want {
            Some(line) => {
                assert_eq!(got.len(), 1, "{path}: {text}");
                assert_eq!(got[0].line, Some(*line), "{path}");
            }
            None => assert!(got.is_empty(), "{path}: {got:?}"),
        }
    }
}

/// JKS and PKCS#12 stores holding a private key behind an empty or default password, as keytool
/// and OpenSSL write them (`tests/fixtures/keystores/README.md`); a trust store with `changeit`
/// (every JDK's cacerts) and a store with a random password are not findings.
#[test]
fn keystores_with_default_passwords() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keystores");
    let run = |name: &str| {
        let bytes = std::fs::read(dir.join(name)).expect("keystore fixture");
        audit(&[(format!("/opt/app/{name}"), bytes)], &budget())
            .into_iter()
            .filter(|f| f.rule.id == "DD-CRED-130")
            .collect::<Vec<Finding>>()
    };
    for (name, kind, password) in [
        ("app.jks", "JKS keystore", "changeit"),
        ("app-changeit.p12", "PKCS#12 store", "changeit"),
        ("empty-openssl.p12", "PKCS#12 store", ""),
        ("sha1-legacy.p12", "PKCS#12 store", "password"),
    ] {
        let f = run(name);
        assert_eq!(f.len(), 1, "{name}: {f:#?}");
        assert!(f[0].detail.starts_with(kind), "{name}: {}", f[0].detail);
        assert_eq!(f[0].secret.as_deref(), Some(password), "{name}");
        assert!(
            !f[0].detail.contains("changeit"),
            "the password is kept out of the detail"
        );
    }
    assert!(
        run("trust.jks").is_empty(),
        "a trust store holds no private key"
    );
    assert!(
        run("strong.p12").is_empty(),
        "a random password is not on the lists"
    );
}

/// Command lines are configuration too: redis-server, mongod and Jupyter started from a
/// supervisord program, a systemd unit or an entrypoint script, with the flags that leave them
/// open, are findings; the same commands with authentication or on loopback are not.
#[test]
fn servers_started_open_from_command_lines() {
    let run = |path: &str, text: &str| {
        audit(&[(path.to_owned(), text.as_bytes().to_vec())], &budget())
            .into_iter()
            .map(|f| (f.rule.id, f.line, f.detail))
            .collect::<Vec<_>>()
    };
    let open: &[(&str, &str, &str, u32)] = &[
        (
            "/etc/supervisor/conf.d/redis.conf",
            "[program:redis]\ncommand=/usr/bin/redis-server --bind 0.0.0.0 --port 6379\n",
            "DD-CRED-020",
            2,
        ),
        (
            "/usr/local/bin/docker-entrypoint.sh",
            "#!/bin/sh\nexec redis-server \\\n  --protected-mode no\n",
            "DD-CRED-020",
            2,
        ),
        (
            "/etc/systemd/system/mongod.service",
            "[Service]\nExecStart=/usr/bin/mongod --bind_ip_all --dbpath /data\n",
            "DD-CRED-050",
            2,
        ),
        (
            "/usr/local/bin/start-notebook.sh",
            "#!/bin/bash\nexec jupyter lab --ip=0.0.0.0 --no-browser --ServerApp.token='' --ServerApp.password=''\n",
            "DD-CRED-140",
            2,
        ),
        (
            "/etc/supervisord.conf",
            "[program:nb]\ncommand=jupyter notebook --NotebookApp.token= --ip 0.0.0.0\n",
            "DD-CRED-140",
            2,
        ),
    ];
    for (path, text, id, line) in open {
        let f = run(path, text);
        assert!(
            f.iter().any(|(i, l, _)| i == id && *l == Some(*line)),
            "{path}: {f:?}"
        );
    }
    let closed: &[(&str, &str)] = &[
        (
            "/etc/supervisor/conf.d/redis.conf",
            "[program:redis]\ncommand=redis-server --bind 0.0.0.0 --requirepass \"$REDIS_PASSWORD\"\n",
        ),
        (
            "/etc/supervisor/conf.d/redis.conf",
            "[program:redis]\ncommand=redis-server /etc/redis/redis.conf\n",
        ),
        (
            "/etc/systemd/system/mongod.service",
            "[Service]\nExecStart=/usr/bin/mongod --bind_ip_all --auth\n",
        ),
        (
            "/etc/systemd/system/mongod.service",
            "[Service]\nExecStart=/usr/bin/mongod --bind_ip 127.0.0.1\n",
        ),
        (
            "/usr/local/bin/start-notebook.sh",
            "#!/bin/bash\nexec jupyter lab --ip=0.0.0.0 --no-browser\n",
        ),
        (
            "/usr/local/bin/start-notebook.sh",
            "#!/bin/bash\nexec jupyter lab --ServerApp.token='' --ip=127.0.0.1\n",
        ),
        (
            "/usr/local/bin/start-notebook.sh",
            "#!/bin/bash\n# exec jupyter lab --ServerApp.token='' --ip=0.0.0.0\n",
        ),
    ];
    for (path, text) in closed {
        let f = run(path, text);
        assert!(f.is_empty(), "{path}: {text:?}: {f:?}");
    }
}
