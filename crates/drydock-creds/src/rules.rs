//! Every rule this crate can fire, in one table.
//!
//! Ids are grouped by area so a new check slots in without renumbering: `00x` accounts and the
//! generic credential rules any store can raise, `01x` sshd, `02x` Redis, `03x` PostgreSQL, `04x`
//! MySQL/MariaDB, `05x` MongoDB, `06x` Elasticsearch/OpenSearch, `07x` Tomcat, `08x` Jenkins,
//! `09x` Grafana, `11x` SNMP, `12x` VNC. An id never changes meaning; a retired id is not reused.

use drydock_finding::{Kind, Rule, Severity};

pub static EMPTY_PASSWORD: Rule = Rule {
    id: "DD-CRED-001",
    kind: Kind::Credential,
    severity: Severity::Critical,
    title: "Account has an empty password",
    why: "An empty password field means no password at all: anyone can log in or `su` to the \
          account without knowing anything (PAM's `nullok` is on by default on Debian and Alpine).",
    fix: "Lock the account (`passwd -l NAME`, or `*` in the shadow field) or set a strong password \
          when the container starts, never in the image.",
    references: &[
        "https://nvd.nist.gov/vuln/detail/CVE-2019-5021",
        "CIS Distribution Independent Linux 6.2.1",
    ],
};

pub static DUPLICATE_ROOT: Rule = Rule {
    id: "DD-CRED-002",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "More than one account has UID 0",
    why: "Every UID 0 account is root under another name: it bypasses every per-user control and is \
          a classic backdoor, easy to miss because it does not look like root.",
    fix: "Remove the extra account or give it a non-zero UID; only `root` should have UID 0.",
    references: &["CIS Distribution Independent Linux 6.2.6"],
};

pub static SYSTEM_LOGIN_SHELL: Rule = Rule {
    id: "DD-CRED-003",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "System account has a login shell",
    why: "Service accounts (UID below 1000) never need an interactive login; a real shell turns any \
          credential or `su` path to them into a shell on the box.",
    fix: "Set the shell to /usr/sbin/nologin (`usermod -s /usr/sbin/nologin NAME`).",
    references: &["CIS Distribution Independent Linux 5.4.2"],
};

pub static OBSOLETE_SCHEME: Rule = Rule {
    id: "DD-CRED-004",
    kind: Kind::Credential,
    severity: Severity::Medium,
    title: "Password hash uses an obsolete or unsalted scheme",
    why: "DES crypt (8 significant characters), MD5-crypt, APR1 and plain or unsalted digests are \
          cracked at millions to billions of guesses per second on a single GPU.",
    fix: "Re-hash with yescrypt, SHA-512-crypt or bcrypt (`passwd`, `htpasswd -B`), or better, do not \
          ship the credential in the image.",
    references: &["https://www.openwall.com/presentations/PHDays2014-Yescrypt/"],
};

pub static WEAK_PASSWORD: Rule = Rule {
    id: "DD-CRED-005",
    kind: Kind::Credential,
    severity: Severity::High,
    title: "Password cracked: weak password",
    why: "The password is on the lists every attacker tries first (or is the user name); a hash only \
          slows down guessing of passwords that are not on those lists.",
    fix: "Change the password to a long random one, set at run time from a secret store rather than \
          baked into the image.",
    references: &["NIST SP 800-63B 5.1.1.2"],
};

pub static DEFAULT_SERVICE_PASSWORD: Rule = Rule {
    id: "DD-CRED-006",
    kind: Kind::Credential,
    severity: Severity::High,
    title: "Default or common password in a service configuration",
    why: "A service password that is a vendor default, the user name or a top-list password is the \
          first thing scanners try against every exposed port.",
    fix: "Generate a random password at deploy time and inject it through the environment or a \
          mounted secret.",
    references: &["CWE-1392"],
};

pub static HASH_IN_WORLD_READABLE_FILE: Rule = Rule {
    id: "DD-CRED-007",
    kind: Kind::Credential,
    severity: Severity::Medium,
    title: "Password hash stored in a world-readable file",
    why: "/etc/passwd and /etc/group are readable by every user and process; a hash there can be \
          copied and cracked offline, which is why shadow files exist.",
    fix: "Move the hash to /etc/shadow or /etc/gshadow (`pwconv`, `grpconv`) and leave `x` in its place.",
    references: &["CIS Distribution Independent Linux 6.2.2"],
};

pub static HASH_NOT_CHECKED: Rule = Rule {
    id: "DD-CRED-008",
    kind: Kind::Credential,
    severity: Severity::Unknown,
    title: "Password hash could not be checked",
    why: "The hash uses a scheme drydock cannot verify, is malformed, or is too costly for the \
          configured budget, so a weak password in it would go unnoticed.",
    fix: "Check the credential by other means, or raise `--password-budget` if the cost was the reason.",
    references: &[],
};

pub static MALFORMED_ENTRY: Rule = Rule {
    id: "DD-CRED-009",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Malformed entry in an account or credential file",
    why: "Tools disagree about lines they cannot parse: one may skip an entry that another honours, \
          which hides accounts from audits and can lock out or let in the wrong user.",
    fix: "Repair or remove the line (`pwck`, `grpck` report the same problems).",
    references: &[],
};

pub static SSH_EMPTY_PASSWORDS: Rule = Rule {
    id: "DD-CRED-010",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "sshd permits empty passwords",
    why: "With `PermitEmptyPasswords yes`, any account whose password field is empty can be logged \
          into over the network with no credential at all.",
    fix: "Remove the line or set `PermitEmptyPasswords no` (the default).",
    references: &["CIS Distribution Independent Linux 5.2.9"],
};

pub static SSH_ROOT_LOGIN: Rule = Rule {
    id: "DD-CRED-011",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "sshd permits root login with a password",
    why: "`PermitRootLogin yes` lets the one account every brute-forcer targets log in with a \
          password, and leaves no trace of which person used it.",
    fix: "Set `PermitRootLogin prohibit-password` (the default) or `no`, and log in as a named user.",
    references: &["CIS Distribution Independent Linux 5.2.8"],
};

pub static SSH_PASSWORD_AUTH: Rule = Rule {
    id: "DD-CRED-012",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "sshd allows password authentication",
    why: "Password logins can be brute-forced over the network; keys or certificates cannot. OpenSSH \
          enables passwords when `PasswordAuthentication` is not set.",
    fix: "Set `PasswordAuthentication no` and use keys; for containers, prefer not running sshd at all.",
    references: &["https://man.openbsd.org/sshd_config#PasswordAuthentication"],
};

pub static REDIS_NO_AUTH: Rule = Rule {
    id: "DD-CRED-020",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Redis accepts unauthenticated connections from the network",
    why: "An open Redis can be read, wiped, and turned into code execution (CONFIG SET dir plus SAVE, \
          or MODULE LOAD); unauthenticated instances are mass-exploited within hours of exposure.",
    fix: "Set `requirepass` or ACL users (with the `default` user off or password-protected), keep \
          `protected-mode yes`, and bind to loopback or a private interface only.",
    references: &["https://redis.io/docs/latest/operate/oss_and_stack/management/security/"],
};

pub static POSTGRES_TRUST: Rule = Rule {
    id: "DD-CRED-030",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "PostgreSQL trusts network connections without a password",
    why: "The `trust` method lets any client that can reach the port connect as any role it names, \
          including the superuser, with no credential.",
    fix: "Use `scram-sha-256` for `host` lines; keep `trust` at most for `local` socket connections.",
    references: &["https://www.postgresql.org/docs/current/auth-trust.html"],
};

pub static MYSQL_SKIP_GRANT_TABLES: Rule = Rule {
    id: "DD-CRED-040",
    kind: Kind::Misconfiguration,
    severity: Severity::Critical,
    title: "MySQL/MariaDB runs with grant tables disabled",
    why: "`skip-grant-tables` turns off authentication and privilege checks entirely: every client \
          is an all-powerful user. It is meant for one-off password recovery only.",
    fix: "Remove `skip-grant-tables` from the server configuration.",
    references: &[
        "https://dev.mysql.com/doc/refman/8.0/en/server-options.html#option_mysqld_skip-grant-tables",
    ],
};

pub static MYSQL_EMPTY_ROOT: Rule = Rule {
    id: "DD-CRED-041",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "MySQL/MariaDB root has an empty password and the server listens on the network",
    why: "A client option file that logs root in with an empty password shows the server's root \
          account has none, and the server accepts TCP connections from other hosts.",
    fix: "Set a root password (or `unix_socket` authentication) and bind the server to 127.0.0.1 or a \
          private interface.",
    references: &["https://dev.mysql.com/doc/refman/8.0/en/default-privileges.html"],
};

pub static MONGODB_NO_AUTH: Rule = Rule {
    id: "DD-CRED-050",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "MongoDB runs without access control on a network address",
    why: "Without `security.authorization: enabled` every client is an administrator; MongoDB \
          instances reachable this way are routinely wiped and held for ransom.",
    fix: "Set `security.authorization: enabled`, create users, and bind to loopback or a private \
          interface.",
    references: &["https://www.mongodb.com/docs/manual/administration/security-checklist/"],
};

pub static ELASTICSEARCH_NO_SECURITY: Rule = Rule {
    id: "DD-CRED-060",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Elasticsearch/OpenSearch security is disabled",
    why: "With the security plugin off, the REST API has no authentication: anyone who reaches the \
          port can read, change and delete every index.",
    fix: "Remove `xpack.security.enabled: false` (`plugins.security.disabled: true` on OpenSearch) and \
          configure users and TLS.",
    references: &[
        "https://www.elastic.co/guide/en/elasticsearch/reference/current/security-settings.html",
    ],
};

pub static TOMCAT_DEFAULT_MANAGER: Rule = Rule {
    id: "DD-CRED-070",
    kind: Kind::Credential,
    severity: Severity::Critical,
    title: "Tomcat manager or admin user with a default password",
    why: "The manager application deploys WAR files: a guessable manager password is remote code \
          execution, and tomcat/tomcat and admin/admin are in every scanner's list.",
    fix: "Remove the user or give it a strong password; restrict the manager app to localhost \
          (RemoteAddrValve) or remove it from the image.",
    references: &[
        "https://tomcat.apache.org/tomcat-10.1-doc/manager-howto.html#Configuring_Manager_Application_Access",
    ],
};

pub static JENKINS_NO_SECURITY: Rule = Rule {
    id: "DD-CRED-080",
    kind: Kind::Misconfiguration,
    severity: Severity::Critical,
    title: "Jenkins security is disabled",
    why: "Without security anyone can run jobs and the Groovy script console, which is code execution \
          as the Jenkins user and access to every stored credential.",
    fix: "Enable security with a real security realm and an authorization strategy other than \
          `Unsecured`.",
    references: &["https://www.jenkins.io/doc/book/security/managing-security/"],
};

pub static GRAFANA_DEFAULT_ADMIN: Rule = Rule {
    id: "DD-CRED-090",
    kind: Kind::Credential,
    severity: Severity::High,
    title: "Grafana admin password is the default",
    why: "Grafana creates `admin`/`admin` unless told otherwise; the change prompt at first login can \
          be skipped, and a Grafana admin can read every data source's credentials.",
    fix: "Set `admin_password` from a secret (`$__file{...}` or GF_SECURITY_ADMIN_PASSWORD) or set \
          `disable_initial_admin_creation = true`.",
    references: &[
        "https://grafana.com/docs/grafana/latest/setup-grafana/configure-grafana/#admin_password",
    ],
};

pub static GRAFANA_ANONYMOUS_PRIVILEGED: Rule = Rule {
    id: "DD-CRED-091",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Grafana grants anonymous users Editor or Admin rights",
    why: "Anonymous access with a role above Viewer lets anyone change dashboards, alerting and (as \
          Admin) data sources, without logging in.",
    fix: "Disable `[auth.anonymous]` or set its `org_role = Viewer`.",
    references: &[
        "https://grafana.com/docs/grafana/latest/setup-grafana/configure-security/configure-authentication/grafana/#anonymous-authentication",
    ],
};

pub static SNMP_DEFAULT_COMMUNITY: Rule = Rule {
    id: "DD-CRED-110",
    kind: Kind::Credential,
    severity: Severity::Medium,
    title: "SNMP read community is a well-known default",
    why: "SNMP v1/v2c communities are cleartext passwords; `public` is tried by every scanner and \
          exposes system, process and network details.",
    fix: "Use SNMPv3 users with authPriv, or at least a random community restricted to the management \
          network.",
    references: &["https://nvd.nist.gov/vuln/detail/CVE-1999-0517"],
};

pub static SNMP_DEFAULT_WRITE_COMMUNITY: Rule = Rule {
    id: "DD-CRED-111",
    kind: Kind::Credential,
    severity: Severity::High,
    title: "SNMP write community is a well-known default",
    why: "A read-write community lets anyone who guesses it change the agent's configuration; \
          `private` is the classic default.",
    fix: "Remove `rwcommunity` lines and use SNMPv3 with authPriv for any write access.",
    references: &["https://nvd.nist.gov/vuln/detail/CVE-1999-0516"],
};

pub static VNC_PASSWORD_FILE: Rule = Rule {
    id: "DD-CRED-120",
    kind: Kind::Credential,
    severity: Severity::Medium,
    title: "VNC password stored with reversible obfuscation",
    why: "VNC password files are DES-encrypted with a key fixed in every VNC implementation: anyone \
          who can read the file recovers the password (at most 8 characters) instantly.",
    fix: "Do not ship VNC password files in images; generate them at run time, and tunnel VNC over \
          SSH or TLS with real authentication.",
    references: &["https://github.com/jeroennijhof/vncpwd"],
};

pub static VNC_NO_AUTH: Rule = Rule {
    id: "DD-CRED-121",
    kind: Kind::Credential,
    severity: Severity::High,
    title: "VNC server started without authentication",
    why: "A VNC server with no password (x11vnc -nopw, SecurityTypes None) hands the desktop, and \
          the shell behind it, to anyone who reaches its port; VNC servers listen on every \
          interface unless told -localhost.",
    fix: "Require a password or certificate (-rfbauth / -usepw, SecurityTypes VncAuth or \
          X509Vnc) or bind to localhost and tunnel over SSH.",
    references: &["CWE-306", "https://github.com/LibVNC/x11vnc#security"],
};

/// The registry: every rule, in id order. Tests check ids are unique and well-formed.
pub static RULES: &[&Rule] = &[
    &EMPTY_PASSWORD,
    &DUPLICATE_ROOT,
    &SYSTEM_LOGIN_SHELL,
    &OBSOLETE_SCHEME,
    &WEAK_PASSWORD,
    &DEFAULT_SERVICE_PASSWORD,
    &HASH_IN_WORLD_READABLE_FILE,
    &HASH_NOT_CHECKED,
    &MALFORMED_ENTRY,
    &SSH_EMPTY_PASSWORDS,
    &SSH_ROOT_LOGIN,
    &SSH_PASSWORD_AUTH,
    &REDIS_NO_AUTH,
    &POSTGRES_TRUST,
    &MYSQL_SKIP_GRANT_TABLES,
    &MYSQL_EMPTY_ROOT,
    &MONGODB_NO_AUTH,
    &ELASTICSEARCH_NO_SECURITY,
    &TOMCAT_DEFAULT_MANAGER,
    &JENKINS_NO_SECURITY,
    &GRAFANA_DEFAULT_ADMIN,
    &GRAFANA_ANONYMOUS_PRIVILEGED,
    &SNMP_DEFAULT_COMMUNITY,
    &SNMP_DEFAULT_WRITE_COMMUNITY,
    &VNC_PASSWORD_FILE,
    &VNC_NO_AUTH,
];

/// Looks a rule up by id, for renderers that only kept the id.
pub fn by_id(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_well_formed() {
        drydock_finding::check_rule_table(RULES).expect("rule table");
        for r in RULES {
            assert!(
                r.id.starts_with("DD-CRED-"),
                "{} is not in the CRED family",
                r.id
            );
        }
    }

    #[test]
    fn table_is_in_id_order() {
        let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        assert_eq!(ids, sorted);
    }

    #[test]
    fn lookup() {
        assert_eq!(
            by_id("DD-CRED-005").map(|r| r.title),
            Some(WEAK_PASSWORD.title)
        );
        assert!(by_id("DD-CRED-999").is_none());
    }
}
