//! The Dockerfile rule registry: every `DD-DF-` rule and its check, in id order.
//!
//! Rules live in small grouped files (one function per rule) because several share helpers:
//! the package-manager rules all look at the same install commands.

mod add_copy;
mod base_image;
mod misc;
mod packages;
mod run_cmds;
mod secrets;
mod tls;
mod user;

use super::Ctx;
use drydock_finding::{Check, Finding};

/// A Dockerfile check looks at the whole file (its stages, instructions and shell commands).
pub type Entry = Check<fn(&Ctx, &mut Vec<Finding>)>;

macro_rules! entry {
    ($module:ident :: $rule:ident, $check:ident) => {
        Check {
            rule: &$module::$rule,
            run: $module::$check,
        }
    };
}

/// All Dockerfile rules. Add a rule here and it is checked, listed and snapshot-tested.
pub static RULES: &[Entry] = &[
    entry!(base_image::LATEST, latest),
    entry!(base_image::NOT_PINNED, not_pinned),
    entry!(user::ROOT_USER, root_user),
    entry!(user::NO_USER, no_user),
    entry!(run_cmds::SUDO, sudo),
    entry!(add_copy::ADD_LOCAL, add_local),
    entry!(add_copy::ADD_REMOTE, add_remote),
    entry!(packages::APT_RECOMMENDS, apt_recommends),
    entry!(packages::INTERACTIVE, interactive),
    entry!(packages::CACHE_LEFT, cache_left),
    entry!(packages::APK_NO_CACHE, apk_no_cache),
    entry!(packages::PIP_NO_CACHE, pip_no_cache),
    entry!(run_cmds::CURL_PIPE_SHELL, curl_pipe_shell),
    entry!(secrets::ENV_SECRET, env_secret),
    entry!(secrets::ARG_SECRET, arg_secret),
    entry!(run_cmds::CHMOD_WORLD, chmod_world),
    entry!(misc::NO_HEALTHCHECK, no_healthcheck),
    entry!(misc::SENSITIVE_PORT, sensitive_port),
    entry!(run_cmds::RUN_CD, run_cd),
    entry!(packages::UPGRADE, upgrade),
    entry!(base_image::COPY_FROM_LATEST, copy_from_latest),
    entry!(base_image::COPY_FROM_SELF, copy_from_self),
    entry!(misc::MULTIPLE_CMD, multiple_cmd),
    entry!(misc::RELATIVE_WORKDIR, relative_workdir),
    entry!(packages::UPDATE_ALONE, update_alone),
    entry!(run_cmds::NO_PIPEFAIL, no_pipefail),
    entry!(packages::UNPINNED, unpinned),
    entry!(tls::TLS_DISABLED, tls_disabled),
    entry!(tls::UNSIGNED_PACKAGES, unsigned_packages),
    entry!(add_copy::CREDENTIAL_FILE, credential_file),
    entry!(run_cmds::PASSWORD_SET, password_set),
    entry!(misc::DUPLICATE_STAGE, duplicate_stage),
    entry!(packages::APT_NOT_APT_GET, apt_not_apt_get),
    entry!(user::NON_NUMERIC_USER, non_numeric_user),
    entry!(run_cmds::SUDO_NOPASSWD, sudo_nopasswd),
    entry!(secrets::AUTH_OFF, auth_off),
    entry!(secrets::CMDLINE_SECRET, cmdline_secret),
];

/// Splits `ENV`/`ARG`/`LABEL` arguments into key/value pairs, honouring quotes and the legacy
/// `ENV KEY value with spaces` form.
pub(crate) fn pairs(text: &str) -> Vec<(String, Option<String>)> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), '\\') => {
                if let Some(n) = chars.next() {
                    word.push(n);
                }
            }
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => {
                if let Some(n) = chars.next() {
                    word.push(n);
                    in_word = true;
                }
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    let legacy = words.first().is_some_and(|w| !w.contains('='));
    if legacy && words.len() > 1 {
        let key = words[0].clone();
        // Cut the original text at the first whitespace rather than at `key.len()`: quotes
        // and escapes make the two differ, and a byte offset could split a character.
        let rest = text
            .trim_start()
            .split_once(char::is_whitespace)
            .map_or("", |(_, r)| r)
            .trim();
        return vec![(key, Some(rest.trim_matches(['"', '\'']).to_owned()))];
    }
    words
        .into_iter()
        .map(|w| match w.split_once('=') {
            Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
            None => (w, None),
        })
        .collect()
}
