//! The Docker host rule registry: every `DD-HOST-` rule, in id order. The checks live next to
//! the data they read (daemon settings in `daemon.rs`, file metadata in `perms.rs`).

use super::{daemon, perms};
use drydock_finding::Rule;

/// All Docker host rules.
pub static RULES: &[&Rule] = &[
    &daemon::USERNS,
    &daemon::ICC,
    &daemon::LIVE_RESTORE,
    &daemon::NO_NEW_PRIVILEGES,
    &daemon::TCP_NO_TLS,
    &daemon::INSECURE_REGISTRIES,
    &daemon::EXPERIMENTAL,
    &daemon::LOGGING,
    &daemon::LOG_LEVEL,
    &daemon::IPTABLES,
    &daemon::USERLAND_PROXY,
    &daemon::SECCOMP,
    &perms::SOCKET,
    &perms::CONFIG_DIR,
    &perms::CONFIG_FILE,
    &perms::TLS_FILES,
];
