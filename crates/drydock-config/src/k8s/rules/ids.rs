//! Numeric identities beyond the Pod Security Standards: which UID and GID a container really
//! runs with. PSS only forbids UID 0; these rules cover the IDs that still collide with the node
//! and the group that silently stays root.

use super::each_container;
use crate::k8s::Object;
use crate::yaml::Node;
use drydock_finding::Finding;
use drydock_finding::{Kind, Rule, Severity};

pub static LOW_ID: Rule = Rule {
    id: "DD-K8S-038",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Container runs with a UID or GID of 10000 or below",
    why: "Low IDs are the node's own accounts (the first human user is 1000, system daemons sit below it). Without user namespaces a process that escapes the container keeps its UID and GID and acts as that host account, with its files and group memberships.",
    fix: "Run as a UID and GID above 10000 (for example 10001, or 65532 as distroless images do), or give the pod its own user namespace with hostUsers: false.",
    references: &[
        "Trivy KSV020",
        "Trivy KSV021",
        "checkov CKV_K8S_40",
        "NSA/CISA Kubernetes Hardening Guide: non-root containers",
    ],
};
pub static ROOT_GROUP: Rule = Rule {
    id: "DD-K8S-039",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Container runs with the root group (GID 0)",
    why: "Group 0 owns much of a typical image and host: files that are group-writable for root (a common way to make images run under arbitrary UIDs) become writable, and a process that escapes keeps root's group on the node. runAsUser without runAsGroup is the usual way in: the primary group then comes from the image, and is 0 when the UID has no passwd entry.",
    fix: "Set runAsGroup (and fsGroup) to a non-zero GID next to runAsUser, and keep 0 out of supplementalGroups.",
    references: &[
        "Trivy KSV029",
        "Trivy KSV116",
        "Kubernetes: Configure a Security Context for a Pod (runAsGroup, fsGroup)",
    ],
};

/// User namespaces (`hostUsers: false`) map every container ID to an unprivileged host ID, so
/// the container's numbers mean nothing on the node.
fn own_user_namespace(o: &Object) -> bool {
    o.pod()
        .and_then(|p| p.spec.get("hostUsers"))
        .and_then(Node::as_bool)
        == Some(false)
}

pub fn low_id(o: &Object, out: &mut Vec<Finding>) {
    if own_user_namespace(o) {
        return;
    }
    each_container(o, |pod, c| {
        let mut parts = Vec::new();
        let mut line = None;
        for (key, what) in [("runAsUser", "UID"), ("runAsGroup", "GID")] {
            if let Some(n) = pod.effective(c, key)
                && let Some(id) = n.as_i64().filter(|id| (1..=10000).contains(id))
            {
                parts.push(format!("{what} {id}"));
                line.get_or_insert(n.line);
            }
        }
        if let Some(line) = line {
            out.push(o.finding(
                &LOW_ID,
                line,
                format!("{} runs as {}", c.label(), parts.join(" and ")),
            ));
        }
    });
}

pub fn root_group(o: &Object, out: &mut Vec<Finding>) {
    let Some(pod) = o.pod() else { return };
    if let Some(n) = pod
        .spec
        .at(&["securityContext", "fsGroup"])
        .filter(|n| n.as_i64() == Some(0))
    {
        out.push(o.finding(&ROOT_GROUP, n.line, "fsGroup is 0"));
    }
    if let Some(n) = pod
        .spec
        .at(&["securityContext", "supplementalGroups"])
        .filter(|n| n.seq().iter().any(|g| g.as_i64() == Some(0)))
    {
        out.push(o.finding(&ROOT_GROUP, n.line, "supplementalGroups include 0"));
    }
    each_container(o, |pod, c| {
        let group = pod.effective(c, "runAsGroup");
        match (group, group.and_then(Node::as_i64)) {
            (Some(n), Some(0)) => out.push(o.finding(
                &ROOT_GROUP,
                n.line,
                format!("{} runs with GID 0", c.label()),
            )),
            (None, _) => {
                let user = pod.effective(c, "runAsUser");
                if let Some(n) = user
                    && let Some(uid) = n.as_i64().filter(|u| *u > 0)
                {
                    out.push(o.finding(
                        &ROOT_GROUP,
                        n.line,
                        format!(
                            "{} sets runAsUser {uid} without runAsGroup; its group is the image's, 0 when the UID has no passwd entry",
                            c.label()
                        ),
                    ));
                }
            }
            _ => {}
        }
    });
}
