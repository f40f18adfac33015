//! Pod Security Standards, restricted profile: current hardening best practice on top of
//! baseline.

use super::each_container;
use super::pss_baseline::{BASELINE_CAPS, normalize_cap, seccomp_of};
use crate::k8s::Object;
use crate::yaml::Node;
use drydock_finding::Finding;
use drydock_finding::{Kind, Rule, Severity};

pub static CAPS_NOT_DROPPED: Rule = Rule {
    id: "DD-K8S-009",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Container does not drop all capabilities",
    why: "The runtime's default capability set (NET_RAW, CHOWN, DAC_OVERRIDE, SETUID, ...) is far more than most applications need; NET_RAW alone enables ARP and DNS spoofing inside the cluster network.",
    fix: "Set securityContext.capabilities.drop: [\"ALL\"] and add back only NET_BIND_SERVICE if needed.",
    references: &[
        "PSS restricted: Capabilities",
        "CIS Kubernetes Benchmark 5.2.7",
        "CIS Kubernetes Benchmark 5.2.9",
    ],
};
pub static CAPS_ADDED_RESTRICTED: Rule = Rule {
    id: "DD-K8S-010",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Container adds capabilities other than NET_BIND_SERVICE",
    why: "The restricted profile allows adding back only NET_BIND_SERVICE; other default capabilities widen what a compromised process can do.",
    fix: "Remove the capability from capabilities.add.",
    references: &["PSS restricted: Capabilities"],
};
pub static PRIV_ESCALATION: Rule = Rule {
    id: "DD-K8S-011",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Container allows privilege escalation",
    why: "Unless allowPrivilegeEscalation is false, setuid binaries and file capabilities can raise a process's privileges inside the container (no_new_privs is not set).",
    fix: "Set securityContext.allowPrivilegeEscalation: false on every container.",
    references: &[
        "PSS restricted: Privilege Escalation",
        "CIS Kubernetes Benchmark 5.2.6",
    ],
};
pub static RUN_AS_NON_ROOT: Rule = Rule {
    id: "DD-K8S-012",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Container may run as root",
    why: "Without runAsNonRoot: true the kubelet starts the image's user, which is root for most images; root in a container is one kernel bug away from root on the node.",
    fix: "Set securityContext.runAsNonRoot: true (pod or container) and use an image with a non-root USER, or set runAsUser to a non-zero UID.",
    references: &[
        "PSS restricted: Running as Non-root",
        "CIS Kubernetes Benchmark 5.2.6",
        "NSA/CISA Kubernetes Hardening Guide: non-root containers",
    ],
};
pub static RUN_AS_USER_ROOT: Rule = Rule {
    id: "DD-K8S-013",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Container runs as UID 0",
    why: "runAsUser: 0 explicitly runs the container as root, overriding the image's USER.",
    fix: "Set runAsUser to a non-zero UID.",
    references: &[
        "PSS restricted: Running as Non-root user",
        "CIS Kubernetes Benchmark 5.2.6",
    ],
};
pub static SECCOMP_UNSET: Rule = Rule {
    id: "DD-K8S-015",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "No seccomp profile set",
    why: "Without an explicit profile the container may run unconfined (the kubelet default on many clusters), exposing every system call to the workload.",
    fix: "Set securityContext.seccompProfile.type: RuntimeDefault at pod level.",
    references: &["PSS restricted: Seccomp", "CIS Kubernetes Benchmark 5.7.2"],
};
pub static VOLUME_TYPES: Rule = Rule {
    id: "DD-K8S-020",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Pod uses a volume type outside the restricted set",
    why: "Volume types other than configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret reach node or network storage directly, bypassing the cluster's storage controls.",
    fix: "Use a PersistentVolumeClaim (with a StorageClass) or one of the allowed volume types.",
    references: &["PSS restricted: Volume Types"],
};

fn caps<'a>(c: &'a crate::k8s::Container<'_>, which: &str) -> (Option<&'a Node>, Vec<String>) {
    let node = c.node.at(&["securityContext", "capabilities", which]);
    let list = node
        .map(Node::seq)
        .unwrap_or_default()
        .iter()
        .filter_map(Node::as_str)
        .map(normalize_cap)
        .collect();
    (node, list)
}

pub fn caps_not_dropped(o: &Object, out: &mut Vec<Finding>) {
    each_container(o, |_, c| {
        let (node, dropped) = caps(c, "drop");
        if !dropped.iter().any(|d| d == "ALL") {
            let line = node.map_or(c.node.line, |n| n.line);
            out.push(o.finding(
                &CAPS_NOT_DROPPED,
                line,
                format!("{} does not drop ALL capabilities", c.label()),
            ));
        }
    });
}

pub fn caps_added_restricted(o: &Object, out: &mut Vec<Finding>) {
    each_container(o, |_, c| {
        let (node, added) = caps(c, "add");
        let extra: Vec<&str> = added
            .iter()
            .map(String::as_str)
            .filter(|a| *a != "NET_BIND_SERVICE" && BASELINE_CAPS.contains(a))
            .collect();
        if let (Some(n), false) = (node, extra.is_empty()) {
            out.push(o.finding(
                &CAPS_ADDED_RESTRICTED,
                n.line,
                format!("{} adds {}", c.label(), extra.join(", ")),
            ));
        }
    });
}

pub fn priv_escalation(o: &Object, out: &mut Vec<Finding>) {
    each_container(o, |_, c| match c.sc("allowPrivilegeEscalation") {
        Some(n) if n.as_bool() == Some(false) => {}
        Some(n) => out.push(o.finding(
            &PRIV_ESCALATION,
            n.line,
            format!(
                "{} sets allowPrivilegeEscalation: {}",
                c.label(),
                n.scalar().unwrap_or("?")
            ),
        )),
        None => out.push(o.finding(
            &PRIV_ESCALATION,
            c.node.line,
            format!("{} does not set allowPrivilegeEscalation: false", c.label()),
        )),
    });
}

pub fn run_as_non_root(o: &Object, out: &mut Vec<Finding>) {
    each_container(o, |pod, c| {
        let non_root = pod.effective(c, "runAsNonRoot");
        if non_root.and_then(Node::as_bool) == Some(true) {
            return;
        }
        // A non-zero runAsUser is just as effective, and the kubelet enforces it.
        if pod
            .effective(c, "runAsUser")
            .and_then(Node::as_i64)
            .is_some_and(|u| u > 0)
        {
            return;
        }
        let line = non_root.map_or(c.node.line, |n| n.line);
        out.push(o.finding(
            &RUN_AS_NON_ROOT,
            line,
            format!("{} does not set runAsNonRoot: true", c.label()),
        ));
    });
}

pub fn run_as_user_root(o: &Object, out: &mut Vec<Finding>) {
    each_container(o, |pod, c| {
        if let Some(n) = pod
            .effective(c, "runAsUser")
            .filter(|n| n.as_i64() == Some(0))
        {
            out.push(o.finding(
                &RUN_AS_USER_ROOT,
                n.line,
                format!("{} runs as UID 0", c.label()),
            ));
        }
    });
}

pub fn seccomp_unset(o: &Object, out: &mut Vec<Finding>) {
    each_container(o, |pod, c| match seccomp_of(pod, c) {
        Some((_, t)) if t == "RuntimeDefault" || t == "Localhost" || t == "Unconfined" => {}
        Some((line, t)) => out.push(o.finding(
            &SECCOMP_UNSET,
            line,
            format!("{} has seccomp profile type {t:?}", c.label()),
        )),
        None => out.push(o.finding(
            &SECCOMP_UNSET,
            c.node.line,
            format!("{} has no seccomp profile", c.label()),
        )),
    });
}

const ALLOWED_VOLUMES: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

pub fn volume_types(o: &Object, out: &mut Vec<Finding>) {
    let Some(pod) = o.pod() else { return };
    for v in pod.spec.get("volumes").map(Node::seq).unwrap_or_default() {
        let name = v.get("name").and_then(Node::as_str).unwrap_or("?");
        for (k, _) in v.entries() {
            let Some(key) = k.scalar() else { continue };
            // hostPath has its own rules (DD-K8S-006/007).
            if key == "name" || key == "hostPath" || ALLOWED_VOLUMES.contains(&key) {
                continue;
            }
            out.push(o.finding(
                &VOLUME_TYPES,
                k.line,
                format!("volume {name} is of type {key}"),
            ));
        }
    }
}
