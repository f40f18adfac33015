//! Elasticsearch and OpenSearch: the security plugin switched off in the YAML config.
//!
//! Only an explicit `xpack.security.enabled: false` (or OpenSearch's
//! `plugins.security.disabled: true`) is reported. When the key is absent, Elasticsearch 8
//! enables security and auto-configures it; 7.x left it off for basic licences, but an image's
//! version is not known here, so absence is not reported.

use crate::sink::{Files, Sink};
use crate::text::{truthy, yaml_flat};

use drydock_finding::{Kind, Rule, Severity};

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

pub(crate) fn wants(p: &str) -> bool {
    matches!(super::file_name(p), "elasticsearch.yml" | "opensearch.yml")
}

pub(crate) fn audit(files: &Files<'_>, sink: &mut Sink) {
    for (norm, path, bytes) in files.iter() {
        if !wants(norm) {
            continue;
        }
        let entries = yaml_flat(&String::from_utf8_lossy(bytes));
        let host = entries
            .iter()
            .find(|e| e.key == "network.host")
            .map(|e| format!(" (network.host: {})", e.value))
            .unwrap_or_default();
        for e in &entries {
            let off = match e.key.as_str() {
                "xpack.security.enabled" => truthy(&e.value) == Some(false),
                "plugins.security.disabled" => truthy(&e.value) == Some(true),
                _ => false,
            };
            if off {
                sink.push(
                    &ELASTICSEARCH_NO_SECURITY,
                    path,
                    Some(e.line),
                    format!(
                        "`{}: {}`: the REST API needs no authentication{host}",
                        e.key, e.value
                    ),
                );
            }
        }
    }
}
