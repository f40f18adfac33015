//! Zero trust: every namespace that runs workloads should start from deny-all ingress.

use crate::k8s::Object;
use crate::yaml::Node;
use drydock_finding::Finding;
use drydock_finding::{Kind, Rule, Severity};
use std::collections::BTreeMap;

pub static NO_DEFAULT_DENY: Rule = Rule {
    id: "DD-K8S-035",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Namespace has workloads but no default-deny NetworkPolicy",
    why: "Kubernetes allows all pod-to-pod traffic by default; without a default-deny policy any compromised pod can reach every other pod in the namespace and beyond.",
    fix: "Add a NetworkPolicy with podSelector: {} and policyTypes: [Ingress, Egress] and no rules, then allow the flows you need explicitly.",
    references: &[
        "CIS Kubernetes Benchmark 5.3.2",
        "NSA/CISA Kubernetes Hardening Guide: network separation",
    ],
};

/// An empty podSelector that denies ingress: it selects every pod and allows nothing in.
fn is_default_deny(o: &Object) -> bool {
    if o.kind != "NetworkPolicy" {
        return false;
    }
    let Some(spec) = o.node.get("spec") else {
        return false;
    };
    let selector_empty = match spec.get("podSelector") {
        None => false,
        Some(s) => {
            s.is_null()
                || s.entries()
                    .iter()
                    .all(|(_, v)| v.entries().is_empty() && v.seq().is_empty())
        }
    };
    let types: Vec<&str> = spec
        .get("policyTypes")
        .map(Node::seq)
        .unwrap_or_default()
        .iter()
        .filter_map(Node::as_str)
        .collect();
    // Without policyTypes, Ingress is always implied.
    let ingress_type = types.is_empty() || types.contains(&"Ingress");
    let no_rules = spec.get("ingress").is_none_or(|i| i.seq().is_empty());
    selector_empty && ingress_type && no_rules
}

pub fn no_default_deny(objects: &[Object], out: &mut Vec<Finding>) {
    let mut first_workload: BTreeMap<&str, &Object> = BTreeMap::new();
    for o in objects.iter().filter(|o| o.is_workload()) {
        first_workload.entry(o.namespace()).or_insert(o);
    }
    for (ns, o) in first_workload {
        let covered = objects
            .iter()
            .any(|p| p.namespace() == ns && is_default_deny(p));
        if !covered {
            out.push(o.finding(
                &NO_DEFAULT_DENY,
                o.node.line,
                format!("namespace {ns} has no default-deny ingress NetworkPolicy"),
            ));
        }
    }
}
