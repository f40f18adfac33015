//! The Docker host rule registry: every `DD-HOST-` rule and its check, in id order. The checks
//! live next to the data they read: daemon settings in `daemon.rs`, file metadata in
//! `perms.rs`.

use super::{Host, daemon, perms};
use drydock_finding::{Check, Finding};

/// A host check looks at every host file given together, with each `daemon.json` parsed once.
pub type Entry = Check<fn(&Host<'_>, &mut Vec<Finding>)>;

macro_rules! entry {
    (daemon $rule:ident, $check:ident) => {
        Check {
            rule: &daemon::$rule,
            run: |host, out| {
                for d in &host.daemons {
                    daemon::$check(d, out);
                }
            },
        }
    };
    (file $rule:ident, $check:ident) => {
        Check {
            rule: &perms::$rule,
            run: |host, out| {
                for f in host.files {
                    perms::$check(f, out);
                }
            },
        }
    };
}

/// All Docker host rules. Add a rule here and it is checked, listed and fixture-tested.
pub static RULES: &[Entry] = &[
    entry!(daemon USERNS, userns),
    entry!(daemon ICC, icc),
    entry!(daemon LIVE_RESTORE, live_restore),
    entry!(daemon NO_NEW_PRIVILEGES, no_new_privileges),
    entry!(daemon TCP_NO_TLS, tcp_no_tls),
    entry!(daemon INSECURE_REGISTRIES, insecure_registries),
    entry!(daemon EXPERIMENTAL, experimental),
    entry!(daemon LOGGING, logging),
    entry!(daemon LOG_LEVEL, log_level),
    entry!(daemon IPTABLES, iptables),
    entry!(daemon USERLAND_PROXY, userland_proxy),
    entry!(daemon SECCOMP, seccomp),
    entry!(file SOCKET, socket),
    entry!(file CONFIG_DIR, config_dir),
    entry!(file CONFIG_FILE, config_file),
    entry!(file TLS_FILES, tls_files),
];

pub(crate) fn run(host: &Host<'_>, out: &mut Vec<Finding>) {
    for entry in RULES {
        (entry.run)(host, out);
    }
}
