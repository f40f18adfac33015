//! The Compose rule registry: every `DD-COMPOSE-` rule and its check, in id order.

mod checks;

use super::Service;
use drydock_finding::{Check, Finding};

/// A Compose check looks at one service.
pub type Entry = Check<fn(&Service, &mut Vec<Finding>)>;

macro_rules! entry {
    ($rule:ident, $check:ident) => {
        Check {
            rule: &checks::$rule,
            run: checks::$check,
        }
    };
}

/// All Compose rules. Add a rule here and it is checked, listed and snapshot-tested.
pub static RULES: &[Entry] = &[
    entry!(PRIVILEGED, privileged),
    entry!(NETWORK_HOST, network_host),
    entry!(PID_HOST, pid_host),
    entry!(IPC_HOST, ipc_host),
    entry!(SOCKET_MOUNT, socket_mount),
    entry!(CAP_ADD, cap_add),
    entry!(UNCONFINED, unconfined),
    entry!(WRITABLE_ROOT, writable_root),
    entry!(NO_USER, no_user),
    entry!(SENSITIVE_PORT, sensitive_port),
    entry!(ENV_SECRET, env_secret),
    entry!(IMAGE_LATEST, image_latest),
    entry!(NO_NEW_PRIVILEGES, no_new_privileges),
    entry!(OTHER_NAMESPACES, other_namespaces),
    entry!(SENSITIVE_MOUNT, sensitive_mount),
    entry!(DEVICES, devices),
    entry!(NO_MEMORY_LIMIT, no_memory_limit),
    entry!(AUTH_OFF, auth_off),
    entry!(CMDLINE_SECRET, cmdline_secret),
];
