//! Services with default or missing authentication, one module per service. Each module says
//! which files it reads (`wants`, on normalised paths) and the semantics it assumes.

mod elasticsearch;
mod grafana;
mod htpasswd;
mod jenkins;
mod mongodb;
mod mysql;
mod postgres;
mod redis;
mod snmp;
mod sshd;
mod tomcat;
pub(crate) mod vnc;

use crate::crack::Wordlist;
use crate::sink::{Files, Sink};

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
}
