//! Image rules (`DD-IMG-*`): what the image config and its final file tree say about how a
//! container from it will run. Each rule is one function over [`Input`], listed once in [`CHECKS`].

mod config;
mod files;

pub(crate) use config::secret_env_values;

use crate::Input;
use drydock_finding::{Check, Finding, Location};

/// An image check looks at the image config and final file tree, and says where its rule
/// fires and why; the table turns that into findings.
pub type Entry = Check<fn(&Input<'_>) -> Vec<(Location, String)>>;

/// Every image rule, in id order.
pub static CHECKS: &[Entry] = &[
    Check {
        rule: &config::ROOT_USER,
        run: config::root_user,
    },
    Check {
        rule: &config::SENSITIVE_PORT,
        run: config::sensitive_ports,
    },
    Check {
        rule: &config::SECRET_ENV,
        run: config::secret_env,
    },
    Check {
        rule: &files::SETUID,
        run: files::setuid,
    },
    Check {
        rule: &files::WORLD_WRITABLE,
        run: files::world_writable,
    },
    Check {
        rule: &files::PACKAGE_CACHE,
        run: files::package_caches,
    },
    Check {
        rule: &config::REMOTE_ADD,
        run: config::remote_add,
    },
    Check {
        rule: &config::PIPE_TO_SHELL,
        run: config::pipe_to_shell,
    },
    Check {
        rule: &config::NO_HEALTHCHECK,
        run: config::no_healthcheck,
    },
    Check {
        rule: &files::DOCKER_SOCKET,
        run: files::docker_socket,
    },
    Check {
        rule: &files::SSH_HOST_KEYS,
        run: files::ssh_host_keys,
    },
    Check {
        rule: &files::KEY_MODE,
        run: files::key_modes,
    },
    Check {
        rule: &config::EOL_OS,
        run: config::eol_os,
    },
    Check {
        rule: &config::AUTH_OFF_ENV,
        run: config::auth_off_env,
    },
];

pub fn check(input: &Input<'_>) -> Vec<Finding> {
    CHECKS
        .iter()
        .flat_map(|c| {
            (c.run)(input)
                .into_iter()
                .map(|(loc, msg)| Finding::from_rule(c.rule, loc, msg))
        })
        .collect()
}

/// A location in the image config (`config.User`, `history[3]`), which has no layer or line.
fn config_location(what: impl Into<String>) -> Location {
    Location {
        path: Some(what.into()),
        ..Location::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_table_is_well_formed() {
        let rules: Vec<&drydock_finding::Rule> = CHECKS.iter().map(|c| c.rule).collect();
        drydock_finding::check_rule_table(&rules).unwrap_or_else(|e| panic!("{e}"));
        assert!(rules.iter().all(|r| r.id.starts_with("DD-IMG-")));
    }
}
