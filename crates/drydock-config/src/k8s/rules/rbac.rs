//! RBAC: roles and bindings that hand out cluster-wide or escalating power.

use crate::k8s::Object;
use crate::yaml::Node;
use drydock_finding::Finding;
use drydock_finding::{Kind, Rule, Severity};

pub static WILDCARD: Rule = Rule {
    id: "DD-K8S-030",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "RBAC rule uses a wildcard",
    why: "A * in verbs, resources or apiGroups grants every current and future permission in that dimension, including ones added later by CRDs.",
    fix: "List the specific verbs, resources and API groups the subject needs.",
    references: &[
        "CIS Kubernetes Benchmark 5.1.3",
        "NSA/CISA Kubernetes Hardening Guide: RBAC",
    ],
};
pub static CLUSTER_ADMIN: Rule = Rule {
    id: "DD-K8S-031",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Binding grants cluster-admin",
    why: "cluster-admin is unrestricted superuser access to the whole cluster; any compromise of a bound subject is a compromise of every workload and secret.",
    fix: "Bind a narrowly scoped Role instead; keep cluster-admin for break-glass accounts only.",
    references: &[
        "CIS Kubernetes Benchmark 5.1.1",
        "NSA/CISA Kubernetes Hardening Guide: RBAC",
    ],
};
pub static CLUSTER_WIDE_ADMIN: Rule = Rule {
    id: "DD-K8S-047",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "ClusterRoleBinding grants admin or edit in every namespace",
    why: "The built-in admin and edit ClusterRoles are meant for one namespace through a RoleBinding; bound cluster-wide they give the subject read and write access to the Secrets, workloads and pods of every namespace.",
    fix: "Bind admin or edit with a RoleBinding in the namespaces the subject works in, or write a narrower ClusterRole.",
    references: &["Trivy KSV111", "CIS Kubernetes Benchmark 5.1.1"],
};
pub static ESCALATION_VERBS: Rule = Rule {
    id: "DD-K8S-032",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Role grants escalate, bind or impersonate",
    why: "escalate and bind let a subject grant itself permissions it does not have; impersonate lets it act as any user or group, bypassing RBAC entirely.",
    fix: "Remove these verbs; only cluster administrators' roles should hold them.",
    references: &["CIS Kubernetes Benchmark 5.1.8"],
};
pub static SECRETS_READ: Rule = Rule {
    id: "DD-K8S-033",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Role can read Secrets",
    why: "get, list or watch on secrets exposes every credential in scope, including service account tokens of more privileged workloads.",
    fix: "Restrict with resourceNames to the specific Secrets needed, or mount them instead of reading via the API.",
    references: &["CIS Kubernetes Benchmark 5.1.2"],
};
pub static POD_EXEC: Rule = Rule {
    id: "DD-K8S-034",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Role can create pods or exec into them",
    why: "Creating pods (with any service account, volume or host setting the namespace allows) or exec/attach into them gives access to every secret and identity in the namespace.",
    fix: "Remove create on pods, pods/exec and pods/attach; let controllers (Deployments) create pods.",
    references: &["CIS Kubernetes Benchmark 5.1.4"],
};

pub static NODE_PROXY: Rule = Rule {
    id: "DD-K8S-041",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Role grants access to nodes/proxy",
    why: "nodes/proxy reaches the kubelet API of every node through the API server; even get is enough to run commands in any pod on the node over a websocket, bypassing pods/exec authorization and audit.",
    fix: "Remove nodes/proxy; metrics collectors need nodes/metrics (or the kubelet's read-only endpoints), not the proxy.",
    references: &[
        "Trivy KSV047",
        "Kubernetes RBAC good practices: nodes/proxy",
    ],
};
pub static WORKLOADS_WRITE: Rule = Rule {
    id: "DD-K8S-042",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Role can create or change workloads",
    why: "Whoever can create or patch a Deployment, DaemonSet, StatefulSet, Job or CronJob (or patch a Pod's image) decides what runs and under which service account, volumes and host settings the namespace allows: it is pod creation by proxy, with every secret and identity in the namespace within reach.",
    fix: "Give write access on workloads only to the deployment pipeline's identity, scoped to its namespace; keep human and controller roles read-only where possible.",
    references: &[
        "Trivy KSV048",
        "Kubernetes RBAC good practices: workload creation",
    ],
};
pub static WEBHOOKS_WRITE: Rule = Rule {
    id: "DD-K8S-043",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Role can manage admission webhooks",
    why: "A mutating webhook sees and can rewrite every object it matches, Secrets and pod specs included (injecting containers or privileges); creating or deleting a validating webhook switches policy enforcement on or off for the whole cluster.",
    fix: "Keep create, update, patch and delete on mutatingwebhookconfigurations and validatingwebhookconfigurations to cluster administrators and the installer of the one webhook that needs it (with resourceNames).",
    references: &[
        "Trivy KSV114",
        "checkov CKV_K8S_155",
        "Kubernetes RBAC good practices: control admission",
    ],
};
pub static SECRETS_WRITE: Rule = Rule {
    id: "DD-K8S-044",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Role can create, change or delete Secrets",
    why: "Writing Secrets lets a subject replace the credentials, TLS keys and tokens other workloads trust (redirecting their connections or signing as them), create service-account token Secrets, or delete them to break workloads.",
    fix: "Restrict write verbs on secrets to the controller that owns them, with resourceNames where the names are known.",
    references: &[
        "Trivy KSV041",
        "Trivy KSV113",
        "CIS Kubernetes Benchmark 5.1.2",
    ],
};
pub static ANONYMOUS_BINDING: Rule = Rule {
    id: "DD-K8S-045",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Binding grants a role to anonymous or all authenticated users",
    why: "system:anonymous and system:unauthenticated are every unauthenticated request that reaches the API server; system:authenticated is every identity, including every service account in every namespace. A role bound to them is granted to the whole network, or to any compromised pod.",
    fix: "Bind the role to the specific users, groups or service accounts that need it.",
    references: &[
        "CIS Kubernetes Benchmark 5.1.1",
        "Kubernetes RBAC good practices: system:anonymous and system:unauthenticated",
    ],
};
pub static TOKEN_CREATE: Rule = Rule {
    id: "DD-K8S-046",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Role can mint service account tokens",
    why: "create on serviceaccounts/token (the TokenRequest API) issues a fresh, valid token for any service account in scope, controllers' and operators' included; the subject then acts with that account's permissions without touching a Secret or a pod, so Secret and exec restrictions do not stop it.",
    fix: "Remove create on serviceaccounts/token, or limit it with resourceNames to the accounts the subject is meant to act as; workloads get their own tokens through projected volumes.",
    references: &["Kubernetes RBAC good practices: token request"],
};

/// ` (named WHAT only)` when the rule lists resourceNames: the grant is narrower than it reads.
fn named_only(rule: &Node, what: &str) -> String {
    if rule.get("resourceNames").is_some() {
        format!(" (named {what} only)")
    } else {
        String::new()
    }
}

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

pub fn cluster_wide_admin(o: &Object, out: &mut Vec<Finding>) {
    if o.kind != "ClusterRoleBinding" {
        return;
    }
    let Some(role) = o.node.at(&["roleRef", "name"]) else {
        return;
    };
    if let Some(name @ ("admin" | "edit")) = role.as_str() {
        out.push(o.finding(
            &CLUSTER_WIDE_ADMIN,
            role.line,
            format!("binds the {name} ClusterRole in every namespace"),
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
            let scope = named_only(r, "Secrets");
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

/// Whether a rule's API groups include one of `wanted` (the empty string is the core group; an
/// empty list in the manifest is treated like the core group, as kubectl writes it).
fn group_in(groups: &[&str], wanted: &[&str]) -> bool {
    groups.is_empty() || groups.iter().any(|g| *g == "*" || wanted.contains(g))
}

/// The verbs of a rule that are among `wanted`, `*` included.
fn verbs_in<'a>(verbs: &[&'a str], wanted: &[&str]) -> Vec<&'a str> {
    verbs
        .iter()
        .copied()
        .filter(|v| *v == "*" || wanted.contains(v))
        .collect()
}

pub fn node_proxy(o: &Object, out: &mut Vec<Finding>) {
    for (r, verbs, resources, groups) in role_rules(o) {
        if !core_group(&groups) || verbs.is_empty() {
            continue;
        }
        if resources
            .iter()
            .any(|r| *r == "nodes/proxy" || *r == "nodes/*")
        {
            out.push(o.finding(
                &NODE_PROXY,
                r.line,
                format!("rule grants {} on nodes/proxy", verbs.join(", ")),
            ));
        }
    }
}

/// Controllers whose spec is a pod template (in `apps` and `batch`, or `extensions` in
/// manifests from before apps/v1).
const WORKLOADS: &[&str] = &[
    "deployments",
    "daemonsets",
    "statefulsets",
    "replicasets",
    "replicationcontrollers",
    "jobs",
    "cronjobs",
];

pub fn workloads_write(o: &Object, out: &mut Vec<Finding>) {
    for (r, verbs, resources, groups) in role_rules(o) {
        if !group_in(&groups, &["", "apps", "batch", "extensions"]) {
            continue;
        }
        let mut hit: Vec<&str> = Vec::new();
        let write = verbs_in(&verbs, &["create", "update", "patch"]);
        if !write.is_empty() {
            hit.extend(resources.iter().copied().filter(|r| WORKLOADS.contains(r)));
        }
        // Creating pods is DD-K8S-034; changing a running pod's image is the same power.
        if !verbs_in(&verbs, &["update", "patch"]).is_empty() && resources.contains(&"pods") {
            hit.push("pods");
        }
        if !hit.is_empty() {
            out.push(o.finding(
                &WORKLOADS_WRITE,
                r.line,
                format!("rule grants {} on {}", write.join(", "), hit.join(", ")),
            ));
        }
    }
}

pub fn webhooks_write(o: &Object, out: &mut Vec<Finding>) {
    for (r, verbs, resources, groups) in role_rules(o) {
        if !group_in(&groups, &["admissionregistration.k8s.io"]) || groups.is_empty() {
            continue;
        }
        let write = verbs_in(
            &verbs,
            &["create", "update", "patch", "delete", "deletecollection"],
        );
        let hooks: Vec<&str> = resources
            .iter()
            .copied()
            .filter(|r| r.ends_with("webhookconfigurations"))
            .collect();
        if !write.is_empty() && !hooks.is_empty() {
            out.push(o.finding(
                &WEBHOOKS_WRITE,
                r.line,
                format!("rule grants {} on {}", write.join(", "), hooks.join(", ")),
            ));
        }
    }
}

pub fn secrets_write(o: &Object, out: &mut Vec<Finding>) {
    for (r, verbs, resources, groups) in role_rules(o) {
        if !core_group(&groups) || !resources.contains(&"secrets") {
            continue;
        }
        let write = verbs_in(
            &verbs,
            &["create", "update", "patch", "delete", "deletecollection"],
        );
        if !write.is_empty() {
            let scope = named_only(r, "Secrets");
            out.push(o.finding(
                &SECRETS_WRITE,
                r.line,
                format!("rule grants {} on secrets{scope}", write.join(", ")),
            ));
        }
    }
}

/// Roles Kubernetes itself binds to everyone (discovery, version, self-review); binding them
/// to the public groups is the cluster's default, not a finding.
const PUBLIC_DEFAULT_ROLES: &[&str] = &[
    "system:public-info-viewer",
    "system:discovery",
    "system:basic-user",
];

pub fn anonymous_binding(o: &Object, out: &mut Vec<Finding>) {
    if o.kind != "RoleBinding" && o.kind != "ClusterRoleBinding" {
        return;
    }
    let role = o
        .node
        .at(&["roleRef", "name"])
        .and_then(Node::as_str)
        .unwrap_or("?");
    if PUBLIC_DEFAULT_ROLES.contains(&role) {
        return;
    }
    for s in o.node.get("subjects").map(Node::seq).unwrap_or_default() {
        let kind = s.get("kind").and_then(Node::as_str).unwrap_or("");
        let name = s.get("name").and_then(Node::as_str).unwrap_or("");
        let public = matches!(
            (kind, name),
            ("User", "system:anonymous")
                | ("Group", "system:unauthenticated" | "system:authenticated")
        );
        if public {
            out.push(o.finding(
                &ANONYMOUS_BINDING,
                s.line,
                format!("binds {role} to {kind} {name}"),
            ));
        }
    }
}

pub fn token_create(o: &Object, out: &mut Vec<Finding>) {
    for (r, verbs, resources, groups) in role_rules(o) {
        if !core_group(&groups) || verbs_in(&verbs, &["create"]).is_empty() {
            continue;
        }
        if resources
            .iter()
            .any(|r| *r == "serviceaccounts/token" || *r == "serviceaccounts/*")
        {
            let scope = named_only(r, "service accounts");
            out.push(o.finding(
                &TOKEN_CREATE,
                r.line,
                format!("rule grants create on serviceaccounts/token{scope}"),
            ));
        }
    }
}
