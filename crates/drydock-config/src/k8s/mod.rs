//! Kubernetes manifests: objects out of multi-document YAML (and `List` kinds), the pod spec
//! wherever each workload kind keeps it, and the rule registry.

pub mod rules;

use crate::yaml::{self, Node};
use crate::{ConfigError, ConfigErrorKind};
use drydock_finding::{Finding, Rule};

/// One Kubernetes object from a manifest file.
#[derive(Debug, Clone)]
pub struct Object {
    pub path: String,
    pub kind: String,
    pub name: String,
    /// `metadata.namespace` as written; `None` means whatever namespace it is applied to.
    pub namespace: Option<String>,
    pub node: Node,
}

/// The pod spec of a workload and the metadata next to it (annotations carry the legacy
/// seccomp and AppArmor settings).
pub struct Pod<'a> {
    pub spec: &'a Node,
    pub meta: &'a Node,
}

/// A container of a pod, with the list it came from.
pub struct Container<'a> {
    pub node: &'a Node,
    pub name: &'a str,
    pub list: &'static str,
}

/// Kinds that run pods, so that namespace coverage and pod rules know what is a workload.
pub const WORKLOAD_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "PodTemplate",
];

impl Object {
    /// Where the object would land when applied without `-n`.
    pub fn namespace(&self) -> &str {
        self.namespace.as_deref().unwrap_or("default")
    }

    pub fn label(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }

    pub fn finding(&self, rule: &Rule, line: u32, message: impl AsRef<str>) -> Finding {
        Finding::from_rule(
            rule,
            crate::location(&self.path, line),
            format!("{}: {}", self.label(), message.as_ref()),
        )
    }

    pub fn is_workload(&self) -> bool {
        WORKLOAD_KINDS.contains(&self.kind.as_str())
    }

    /// The pod template, wherever this kind keeps it.
    pub fn pod(&self) -> Option<Pod<'_>> {
        let n = &self.node;
        let (spec, meta) = match self.kind.as_str() {
            "Pod" => (n.get("spec")?, n.get("metadata")),
            "Deployment"
            | "StatefulSet"
            | "DaemonSet"
            | "ReplicaSet"
            | "ReplicationController"
            | "Job" => (
                n.at(&["spec", "template", "spec"])?,
                n.at(&["spec", "template", "metadata"]),
            ),
            "CronJob" => (
                n.at(&["spec", "jobTemplate", "spec", "template", "spec"])?,
                n.at(&["spec", "jobTemplate", "spec", "template", "metadata"]),
            ),
            "PodTemplate" => (
                n.at(&["template", "spec"])?,
                n.at(&["template", "metadata"]),
            ),
            _ => return None,
        };
        Some(Pod {
            spec,
            meta: meta.unwrap_or(Node::empty()),
        })
    }
}

impl<'a> Pod<'a> {
    pub fn containers(&self) -> Vec<Container<'a>> {
        let mut out = Vec::new();
        for list in ["initContainers", "containers", "ephemeralContainers"] {
            for c in self.spec.get(list).map(Node::seq).unwrap_or_default() {
                out.push(Container {
                    node: c,
                    name: c.get("name").and_then(Node::as_str).unwrap_or("?"),
                    list,
                });
            }
        }
        out
    }

    /// A security-context field, the container's value winning over the pod's, as the kubelet
    /// resolves it.
    pub fn effective(&self, c: &Container<'a>, key: &str) -> Option<&'a Node> {
        c.node
            .at(&["securityContext", key])
            .filter(|n| !n.is_null())
            .or_else(|| {
                self.spec
                    .at(&["securityContext", key])
                    .filter(|n| !n.is_null())
            })
    }

    pub fn annotation(&self, key: &str) -> Option<&'a Node> {
        self.meta.at(&["annotations", key])
    }
}

impl Container<'_> {
    pub fn label(&self) -> String {
        let kind = match self.list {
            "initContainers" => "init container",
            "ephemeralContainers" => "ephemeral container",
            _ => "container",
        };
        format!("{kind} {}", self.name)
    }

    pub fn sc(&self, key: &str) -> Option<&Node> {
        self.node.at(&["securityContext", key])
    }
}

/// Parses a manifest file into objects. Documents without `kind` (Helm values, comments-only
/// documents) are skipped; `List` kinds are flattened.
pub fn load(path: &str, text: &str) -> (Vec<Object>, Vec<ConfigError>) {
    let (docs, err) = yaml::load(text);
    let mut errors = Vec::new();
    if let Some(e) = err {
        errors.push(ConfigError::new(
            path,
            Some(e.line).filter(|l| *l > 0),
            ConfigErrorKind::Yaml(e.message),
        ));
    }
    let mut objects = Vec::new();
    let mut pending: Vec<Node> = docs;
    pending.reverse();
    while let Some(doc) = pending.pop() {
        let Some(kind) = doc.get("kind").and_then(Node::as_str).map(str::to_owned) else {
            continue;
        };
        if kind == "List" || (kind.ends_with("List") && doc.get("items").is_some()) {
            let items = doc.get("items").map(Node::seq).unwrap_or_default();
            for item in items.iter().rev() {
                pending.push(item.clone());
            }
            continue;
        }
        let meta = doc.get("metadata");
        let name = meta
            .and_then(|m| m.get("name").or_else(|| m.get("generateName")))
            .and_then(Node::as_str)
            .unwrap_or("?")
            .to_owned();
        let namespace = meta
            .and_then(|m| m.get("namespace"))
            .and_then(Node::as_str)
            .map(str::to_owned);
        objects.push(Object {
            path: path.to_owned(),
            kind,
            name,
            namespace,
            node: doc,
        });
    }
    (objects, errors)
}

/// Runs every Kubernetes rule over objects loaded together.
pub fn check(objects: &[Object]) -> Vec<Finding> {
    let mut out = Vec::new();
    for entry in rules::RULES {
        (entry.run)(objects, &mut out);
    }
    out
}

/// File names that make their directory one deployable unit: a kustomization or a Helm chart.
const UNIT_MARKERS: &[&str] = &[
    "kustomization.yaml",
    "kustomization.yml",
    "Kustomization",
    "Chart.yaml",
];

/// The deployable unit of a file: the nearest directory at or above it that holds a
/// kustomization or a chart (`unit_dirs`), else the file's own directory.
fn unit_of<'a>(path: &'a str, unit_dirs: &std::collections::BTreeSet<&str>) -> &'a str {
    let mut dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    loop {
        if unit_dirs.contains(dir) {
            return dir;
        }
        match dir.rsplit_once('/') {
            Some((parent, _)) => dir = parent,
            None if !dir.is_empty() && unit_dirs.contains("") => return "",
            None => break,
        }
    }
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// [`check`] per deployable unit: facts that span documents (which ServiceAccount a pod uses,
/// which NetworkPolicies cover a namespace) come from the same kustomization, chart or
/// directory of manifests, never from an unrelated project scanned alongside. `all_paths`
/// are every file of the scan, to find the units' markers. Findings of the cross-document
/// rules say which unit they were judged in.
pub fn check_units(mut objects: Vec<Object>, all_paths: &[&str]) -> Vec<Finding> {
    let unit_dirs: std::collections::BTreeSet<&str> = all_paths
        .iter()
        .filter(|p| UNIT_MARKERS.contains(&p.rsplit('/').next().unwrap_or(p)))
        .map(|p| p.rsplit_once('/').map_or("", |(d, _)| d))
        .collect();
    let unit = |o: &Object| unit_of(&o.path, &unit_dirs).to_owned();
    objects.sort_by_cached_key(unit);
    let mut out = Vec::new();
    for chunk in objects.chunk_by(|a, b| unit(a) == unit(b)) {
        let from = out.len();
        out.extend(check(chunk));
        let name = chunk.first().map(unit).unwrap_or_default();
        let shown = if name.is_empty() {
            "the top directory".to_owned()
        } else {
            format!("{name}/")
        };
        for f in &mut out[from..] {
            if rules::cross_document(&f.id) {
                f.message.push_str(&format!(
                    " (judged with the {} Kubernetes objects of {shown})",
                    chunk.len()
                ));
            }
        }
    }
    out
}
