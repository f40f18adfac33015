//! Services with default or missing authentication, one module per service. Each module says
//! which files it reads (`wants`, on normalised paths) and the semantics it assumes.

pub(crate) mod cmdline;
pub(crate) mod elasticsearch;
pub(crate) mod grafana;
pub(crate) mod htpasswd;
pub(crate) mod jenkins;
pub(crate) mod keystore;
pub(crate) mod mongodb;
pub(crate) mod mysql;
pub(crate) mod postgres;
pub(crate) mod redis;
pub(crate) mod snmp;
pub(crate) mod sshd;
pub(crate) mod tomcat;
pub(crate) mod vnc;

use crate::crack::Wordlist;
use crate::sink::{Files, Sink};

use drydock_finding::{Kind, Rule, Severity};

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

pub(crate) fn file_name(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

pub(crate) fn wants(p: &str) -> bool {
    sshd::wants(p)
        || redis::wants(p)
        || postgres::wants(p)
        || mysql::wants(p)
        || mongodb::wants(p)
        || elasticsearch::wants(p)
        || tomcat::wants(p)
        || jenkins::wants(p)
        || grafana::wants(p)
        || htpasswd::wants(p)
        || snmp::wants(p)
        || vnc::wants(p)
        || keystore::wants(p)
        || cmdline::launch_file(p)
}

pub(crate) fn audit(files: &Files<'_>, sink: &mut Sink, wl: &Wordlist) {
    sshd::audit(files, sink);
    redis::audit(files, sink, wl);
    postgres::audit(files, sink);
    mysql::audit(files, sink, wl);
    mongodb::audit(files, sink);
    elasticsearch::audit(files, sink);
    tomcat::audit(files, sink, wl);
    jenkins::audit(files, sink);
    grafana::audit(files, sink, wl);
    htpasswd::audit(files, sink);
    snmp::audit(files, sink, wl);
    vnc::audit(files, sink, wl);
    keystore::audit(files, sink, wl);
    cmdline::audit(files, sink);
}
