//! RBAC: roles and bindings that hand out cluster-wide or escalating power.

use crate::k8s::Object;
use crate::yaml::Node;
use drydock_finding::Finding;

rule!(
    WILDCARD,
    "DD-K8S-030",
    High,
    "RBAC rule uses a wildcard",
    "A * in verbs, resources or apiGroups grants every current and future permission in that dimension, including ones added later by CRDs.",
    "List the specific verbs, resources and API groups the subject needs.",
    [
        "CIS Kubernetes Benchmark 5.1.3",
        "NSA/CISA Kubernetes Hardening Guide: RBAC"
    ]
);
rule!(
    CLUSTER_ADMIN,
    "DD-K8S-031",
    High,
    "Binding grants cluster-admin",
    "cluster-admin is unrestricted superuser access to the whole cluster; any compromise of a bound subject is a compromise of every workload and secret.",
    "Bind a narrowly scoped Role instead; keep cluster-admin for break-glass accounts only.",
    [
        "CIS Kubernetes Benchmark 5.1.1",
        "NSA/CISA Kubernetes Hardening Guide: RBAC"
    ]
);
rule!(
    ESCALATION_VERBS,
    "DD-K8S-032",
    High,
    "Role grants escalate, bind or impersonate",
    "escalate and bind let a subject grant itself permissions it does not have; impersonate lets it act as any user or group, bypassing RBAC entirely.",
    "Remove these verbs; only cluster administrators' roles should hold them.",
    ["CIS Kubernetes Benchmark 5.1.8"]
);
rule!(
    SECRETS_READ,
    "DD-K8S-033",
    Medium,
    "Role can read Secrets",
    "get, list or watch on secrets exposes every credential in scope, including service account tokens of more privileged workloads.",
    "Restrict with resourceNames to the specific Secrets needed, or mount them instead of reading via the API.",
    ["CIS Kubernetes Benchmark 5.1.2"]
);
rule!(
    POD_EXEC,
    "DD-K8S-034",
    High,
    "Role can create pods or exec into them",
    "Creating pods (with any service account, volume or host setting the namespace allows) or exec/attach into them gives access to every secret and identity in the namespace.",
    "Remove create on pods, pods/exec and pods/attach; let controllers (Deployments) create pods.",
    ["CIS Kubernetes Benchmark 5.1.4"]
);

fn is_role(o: &Object) -> bool {
    o.kind == "Role" || o.kind == "ClusterRole"
}

fn strings(n: Option<&Node>) -> Vec<&str> {
    n.map(Node::seq)
        .unwrap_or_default()
        .iter()
        .filter_map(Node::as_str)
        .collect()
}

/// One rule of a Role: the node (for its line), verbs, resources and API groups.
type RoleRule<'a> = (&'a Node, Vec<&'a str>, Vec<&'a str>, Vec<&'a str>);

/// Rules of a Role or ClusterRole with their verbs, resources and API groups.
fn role_rules(o: &Object) -> Vec<RoleRule<'_>> {
    if !is_role(o) {
        return Vec::new();
    }
    o.node
        .get("rules")
        .map(Node::seq)
        .unwrap_or_default()
        .iter()
        .map(|r| {
            (
                r,
                strings(r.get("verbs")),
                strings(r.get("resources")),
                strings(r.get("apiGroups")),
            )
        })
        .collect()
}

fn core_group(groups: &[&str]) -> bool {
    groups.is_empty() || groups.iter().any(|g| g.is_empty() || *g == "*")
}

pub fn wildcard(o: &Object, out: &mut Vec<Finding>) {
    for (r, verbs, resources, groups) in role_rules(o) {
        let mut dims = Vec::new();
        if verbs.contains(&"*") {
            dims.push("verbs");
        }
        if resources.contains(&"*") {
            dims.push("resources");
        }
        if groups.contains(&"*") {
            dims.push("apiGroups");
        }
        if !dims.is_empty() {
            out.push(o.finding(
                &WILDCARD,
                r.line,
                format!("rule has * in {}", dims.join(", ")),
            ));
        }
    }
}

pub fn cluster_admin(o: &Object, out: &mut Vec<Finding>) {
    if o.kind != "RoleBinding" && o.kind != "ClusterRoleBinding" {
        return;
    }
    let Some(role) = o.node.at(&["roleRef", "name"]) else {
        return;
    };
    if role.as_str() == Some("cluster-admin") {
        let subjects: Vec<String> = o
            .node
            .get("subjects")
            .map(Node::seq)
            .unwrap_or_default()
            .iter()
            .map(|s| {
                format!(
                    "{} {}",
                    s.get("kind").and_then(Node::as_str).unwrap_or("?"),
                    s.get("name").and_then(Node::as_str).unwrap_or("?")
                )
            })
            .collect();
        out.push(o.finding(
            &CLUSTER_ADMIN,
            role.line,
            format!("binds cluster-admin to {}", subjects.join(", ")),
        ));
    }
}

pub fn escalation_verbs(o: &Object, out: &mut Vec<Finding>) {
    for (r, verbs, _, _) in role_rules(o) {
        let bad: Vec<&str> = verbs
            .iter()
            .copied()
            .filter(|v| matches!(*v, "escalate" | "bind" | "impersonate"))
            .collect();
        if !bad.is_empty() {
            out.push(o.finding(
                &ESCALATION_VERBS,
                r.line,
                format!("rule grants {}", bad.join(", ")),
            ));
        }
    }
}

pub fn secrets_read(o: &Object, out: &mut Vec<Finding>) {
    for (r, verbs, resources, groups) in role_rules(o) {
        if !core_group(&groups) || !resources.contains(&"secrets") {
            continue;
        }
        let read: Vec<&str> = verbs
            .iter()
            .copied()
            .filter(|v| matches!(*v, "get" | "list" | "watch" | "*"))
            .collect();
        if !read.is_empty() {
            let scope = if r.get("resourceNames").is_some() {
                " (named Secrets only)"
            } else {
                ""
            };
            out.push(o.finding(
                &SECRETS_READ,
                r.line,
                format!("rule grants {} on secrets{scope}", read.join(", ")),
            ));
        }
    }
}

pub fn pod_exec(o: &Object, out: &mut Vec<Finding>) {
    for (r, verbs, resources, groups) in role_rules(o) {
        if !core_group(&groups) || !verbs.iter().any(|v| *v == "create" || *v == "*") {
            continue;
        }
        let hit: Vec<&str> = resources
            .iter()
            .copied()
            .filter(|res| matches!(*res, "pods" | "pods/exec" | "pods/attach"))
            .collect();
        if !hit.is_empty() {
            out.push(o.finding(
                &POD_EXEC,
                r.line,
                format!("rule grants create on {}", hit.join(", ")),
            ));
        }
    }
}
