//! The Kubernetes rule registry: every `DD-K8S-` rule and its check, in id order.
//!
//! Most rules look at one object; a few (service-account token mounting, NetworkPolicy
//! coverage) need every object given together and are marked `set` in the table.

mod hardening;
mod ids;
mod network;
mod pss_baseline;
mod pss_restricted;
mod rbac;

use super::Object;
use drydock_finding::{Check, Finding};

/// A Kubernetes check looks at every object loaded together. Most rules judge one object at a
/// time and are written as `fn(&Object, ..)`; `entry!` lifts them over the set, so the table has
/// one shape and set-wide rules (`set`) need no special case.
pub type Entry = Check<fn(&[Object], &mut Vec<Finding>)>;

macro_rules! entry {
    ($module:ident :: $rule:ident, $check:ident) => {
        Check {
            rule: &$module::$rule,
            run: |objects, out| {
                for o in objects {
                    $module::$check(o, out);
                }
            },
        }
    };
    ($module:ident :: $rule:ident, set $check:ident) => {
        Check {
            rule: &$module::$rule,
            run: $module::$check,
        }
    };
}

/// Whether a rule is judged across documents (the `set` entries below; see `check_units`).
pub(crate) fn cross_document(id: &str) -> bool {
    id == hardening::SA_TOKEN.id || id == network::NO_DEFAULT_DENY.id
}

/// All Kubernetes rules. Add a rule here and it is checked, listed and snapshot-tested.
pub static RULES: &[Entry] = &[
    entry!(pss_baseline::PRIVILEGED, privileged),
    entry!(pss_baseline::HOST_PID, host_pid),
    entry!(pss_baseline::HOST_IPC, host_ipc),
    entry!(pss_baseline::HOST_NETWORK, host_network),
    entry!(pss_baseline::HOST_PORT, host_port),
    entry!(pss_baseline::HOST_PATH, host_path),
    entry!(pss_baseline::HOST_PATH_CRITICAL, host_path_critical),
    entry!(pss_baseline::CAPS_ADDED, caps_added),
    entry!(pss_restricted::CAPS_NOT_DROPPED, caps_not_dropped),
    entry!(pss_restricted::CAPS_ADDED_RESTRICTED, caps_added_restricted),
    entry!(pss_restricted::PRIV_ESCALATION, priv_escalation),
    entry!(pss_restricted::RUN_AS_NON_ROOT, run_as_non_root),
    entry!(pss_restricted::RUN_AS_USER_ROOT, run_as_user_root),
    entry!(pss_baseline::SECCOMP_UNCONFINED, seccomp_unconfined),
    entry!(pss_restricted::SECCOMP_UNSET, seccomp_unset),
    entry!(pss_baseline::APPARMOR_UNCONFINED, apparmor_unconfined),
    entry!(pss_baseline::PROC_MOUNT, proc_mount),
    entry!(pss_baseline::UNSAFE_SYSCTL, unsafe_sysctl),
    entry!(pss_baseline::SELINUX, selinux),
    entry!(pss_restricted::VOLUME_TYPES, volume_types),
    entry!(hardening::WRITABLE_ROOT, writable_root),
    entry!(hardening::NO_LIMITS, no_limits),
    entry!(hardening::NO_REQUESTS, no_requests),
    entry!(hardening::IMAGE_LATEST, image_latest),
    entry!(hardening::IMAGE_NOT_PINNED, image_not_pinned),
    entry!(hardening::PULL_POLICY, pull_policy),
    entry!(hardening::SA_TOKEN, set sa_token),
    entry!(hardening::ENV_SECRET, env_secret),
    entry!(hardening::SECRET_ENV_REF, secret_env_ref),
    entry!(rbac::WILDCARD, wildcard),
    entry!(rbac::CLUSTER_ADMIN, cluster_admin),
    entry!(rbac::ESCALATION_VERBS, escalation_verbs),
    entry!(rbac::SECRETS_READ, secrets_read),
    entry!(rbac::POD_EXEC, pod_exec),
    entry!(network::NO_DEFAULT_DENY, set no_default_deny),
    entry!(hardening::DEFAULT_NAMESPACE, default_namespace),
    entry!(pss_baseline::HOST_PROCESS, host_process),
    entry!(ids::LOW_ID, low_id),
    entry!(ids::ROOT_GROUP, root_group),
    entry!(hardening::KUBE_SYSTEM, kube_system),
    entry!(rbac::NODE_PROXY, node_proxy),
    entry!(rbac::WORKLOADS_WRITE, workloads_write),
    entry!(rbac::WEBHOOKS_WRITE, webhooks_write),
    entry!(rbac::SECRETS_WRITE, secrets_write),
    entry!(rbac::ANONYMOUS_BINDING, anonymous_binding),
    entry!(rbac::TOKEN_CREATE, token_create),
    entry!(rbac::CLUSTER_WIDE_ADMIN, cluster_wide_admin),
    entry!(hardening::SECRET_LITERAL, secret_literal),
    entry!(hardening::AUTH_OFF, auth_off),
    entry!(hardening::CMDLINE_SECRET, cmdline_secret),
];

/// Runs `f` for each container of a workload, with the pod it belongs to.
pub(crate) fn each_container(
    o: &Object,
    mut f: impl FnMut(&super::Pod<'_>, &super::Container<'_>),
) {
    if let Some(pod) = o.pod() {
        for c in pod.containers() {
            f(&pod, &c);
        }
    }
}
