//! The secret heuristics the rules share live in `drydock_secrets::heuristics` (the image rules
//! of drydock-scan use them too); the mask is drydock-secrets' one redaction.

pub(crate) use drydock_secrets::heuristics::{
    auth_disabled, known_secret_value, literal_value, secret_name, secret_pair,
};

/// Masks a configuration value: its quotes are syntax, not part of the secret.
pub(crate) fn redact(value: &str) -> String {
    drydock_secrets::redact(value.trim().trim_matches(['"', '\'']))
}
