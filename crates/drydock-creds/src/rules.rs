//! Every rule this crate can fire, in one table. Each rule is declared next to the code that
//! fires it (`accounts.rs`, `sink.rs` for hashes, `services/<service>.rs`) and re-exported here.
//! A service audit fires several rules from one parse of its files, so this family's table is
//! the list of rules and the fixture test (`tests/rules.rs`) proves each one can fire.
//!
//! Ids are grouped by area so a new check slots in without renumbering: `00x` accounts and the
//! generic credential rules any store can raise, `01x` sshd, `02x` Redis, `03x` PostgreSQL, `04x`
//! MySQL/MariaDB, `05x` MongoDB, `06x` Elasticsearch/OpenSearch, `07x` Tomcat, `08x` Jenkins,
//! `09x` Grafana, `11x` SNMP, `12x` VNC, `13x` keystores, `14x` Jupyter. An id never changes meaning; a retired id is not reused.

use drydock_finding::Rule;

pub use crate::accounts::{
    DUPLICATE_ROOT, EMPTY_PASSWORD, HASH_IN_WORLD_READABLE_FILE, SYSTEM_LOGIN_SHELL,
};
pub use crate::services::DEFAULT_SERVICE_PASSWORD;
pub use crate::services::cmdline::JUPYTER_NO_AUTH;
pub use crate::services::elasticsearch::ELASTICSEARCH_NO_SECURITY;
pub use crate::services::grafana::{GRAFANA_ANONYMOUS_PRIVILEGED, GRAFANA_DEFAULT_ADMIN};
pub use crate::services::jenkins::JENKINS_NO_SECURITY;
pub use crate::services::keystore::KEYSTORE_DEFAULT_PASSWORD;
pub use crate::services::mongodb::MONGODB_NO_AUTH;
pub use crate::services::mysql::{MYSQL_EMPTY_ROOT, MYSQL_SKIP_GRANT_TABLES};
pub use crate::services::postgres::POSTGRES_TRUST;
pub use crate::services::redis::REDIS_NO_AUTH;
pub use crate::services::snmp::{SNMP_DEFAULT_COMMUNITY, SNMP_DEFAULT_WRITE_COMMUNITY};
pub use crate::services::sshd::{SSH_EMPTY_PASSWORDS, SSH_PASSWORD_AUTH, SSH_ROOT_LOGIN};
pub use crate::services::tomcat::TOMCAT_DEFAULT_MANAGER;
pub use crate::services::vnc::{VNC_NO_AUTH, VNC_PASSWORD_FILE};
pub use crate::sink::{HASH_NOT_CHECKED, MALFORMED_ENTRY, OBSOLETE_SCHEME, WEAK_PASSWORD};

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
    &KEYSTORE_DEFAULT_PASSWORD,
    &JUPYTER_NO_AUTH,
];

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
}
