//! The secret heuristics the rules share live in `drydock_secrets::heuristics` (the image rules
//! of drydock-scan use them too); the mask is drydock-secrets' one redaction.

pub(crate) use drydock_secrets::heuristics::{
    auth_disabled, known_secret_value, literal_value, secret_name, secret_pair,
};

/// Passwords written literally on a command line: `parts` is a list of words (program
/// first), and any part that is itself a shell script (`bash -c "…"`, a Compose string
/// command) is split into its commands too. (flag, value) pairs, each once.
pub(crate) fn command_secrets(parts: &[&str]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut add = |words: &[&str]| {
        for (flag, value) in drydock_secrets::heuristics::cmdline_secrets(words) {
            let pair = (flag.to_owned(), value.to_owned());
            if !out.contains(&pair) {
                out.push(pair);
            }
        }
    };
    add(parts);
    for script in parts.iter().filter(|p| p.contains(char::is_whitespace)) {
        for command in crate::shell::split(script) {
            let words: Vec<&str> = command.words.iter().map(String::as_str).collect();
            add(&words[command.program_index().unwrap_or(0).min(words.len())..]);
        }
    }
    out
}

/// Masks a configuration value: its quotes are syntax, not part of the secret.
pub(crate) fn redact(value: &str) -> String {
    drydock_secrets::redact(value.trim().trim_matches(['"', '\'']))
}
