//! Hardening beyond the Pod Security Standards: resources, images, tokens, secrets.

use super::each_container;
use crate::image_ref::{ImageRef, unresolved};
use crate::k8s::Object;
use crate::secrets::{auth_disabled, command_secrets, known_secret_value, redact, secret_pair};
use crate::yaml::Node;
use drydock_finding::Finding;
use drydock_finding::{Kind, Rule, Severity};

pub static WRITABLE_ROOT: Rule = Rule {
    id: "DD-K8S-021",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Container root filesystem is writable",
    why: "A writable root filesystem lets an attacker drop tools, modify binaries or persist in the container; read-only roots force writes into declared volumes.",
    fix: "Set securityContext.readOnlyRootFilesystem: true and mount emptyDir volumes for the paths that must be writable.",
    references: &[
        "CIS Kubernetes Benchmark 5.7.3",
        "NSA/CISA Kubernetes Hardening Guide: immutable container file systems",
    ],
};
pub static NO_LIMITS: Rule = Rule {
    id: "DD-K8S-022",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Container has no CPU or memory limit",
    why: "Without limits one pod (or an attacker in it) can exhaust the node's memory or CPU and starve every other workload, including node agents.",
    fix: "Set resources.limits.memory and resources.limits.cpu (or enforce them with a LimitRange).",
    references: &[
        "CIS Kubernetes Benchmark 5.7.1",
        "NSA/CISA Kubernetes Hardening Guide: resource policies",
    ],
};
pub static NO_REQUESTS: Rule = Rule {
    id: "DD-K8S-023",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Container has no CPU or memory request",
    why: "Without requests the scheduler cannot place the pod sensibly and it is first to be evicted under pressure, which makes availability attacks easier.",
    fix: "Set resources.requests.memory and resources.requests.cpu.",
    references: &["NSA/CISA Kubernetes Hardening Guide: resource policies"],
};
pub static IMAGE_LATEST: Rule = Rule {
    id: "DD-K8S-024",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Container image uses the latest tag or no tag",
    why: "A floating tag means different nodes may run different code for the same pod, and a registry push changes production without a deploy.",
    fix: "Use a version tag, ideally with a digest: image: app:1.4.2@sha256:...",
    references: &[
        "CIS Kubernetes Benchmark 5.5.1",
        "NSA/CISA Kubernetes Hardening Guide: supply chain",
    ],
};
pub static IMAGE_NOT_PINNED: Rule = Rule {
    id: "DD-K8S-025",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Container image is not pinned by digest",
    why: "Tags are mutable; only a digest guarantees that the image that was scanned and approved is the one that runs.",
    fix: "Reference images by digest (image: app:1.4.2@sha256:...), and let admission policy verify signatures.",
    references: &["CIS Kubernetes Benchmark 5.5.1", "SLSA build integrity"],
};
pub static PULL_POLICY: Rule = Rule {
    id: "DD-K8S-026",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Mutable image tag without imagePullPolicy: Always",
    why: "With IfNotPresent a node reuses whatever image it has cached under that tag: a stale or pre-seeded image runs, and pods can use private images they have no pull credentials for.",
    fix: "Set imagePullPolicy: Always, or pin the image by digest.",
    references: &[
        "CIS Kubernetes Benchmark 1.2.11 (AlwaysPullImages)",
        "checkov CKV_K8S_15",
    ],
};
pub static SA_TOKEN: Rule = Rule {
    id: "DD-K8S-027",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Service account token is mounted automatically",
    why: "Every pod gets an API token unless told otherwise; a compromised pod can then use its service account's permissions against the API server.",
    fix: "Set automountServiceAccountToken: false on the pod or its ServiceAccount, and mount a projected token only where the API is needed.",
    references: &[
        "CIS Kubernetes Benchmark 5.1.6",
        "NSA/CISA Kubernetes Hardening Guide: service account tokens",
    ],
};
pub static ENV_SECRET: Rule = Rule {
    id: "DD-K8S-028",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Secret value written into an environment variable",
    why: "A literal secret in a manifest is in version control, in the API object anyone with read access to the workload can see, and in every rendered copy.",
    fix: "Store it in a Secret (or an external secret manager) and reference it with valueFrom.secretKeyRef or a mounted file.",
    references: &[
        "CIS Kubernetes Benchmark 5.4.1",
        "NSA/CISA Kubernetes Hardening Guide: secrets",
    ],
};
pub static AUTH_OFF: Rule = Rule {
    id: "DD-K8S-049",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Authentication turned off by an environment setting",
    why: "Database and dashboard images read settings such as POSTGRES_HOST_AUTH_METHOD=trust, MYSQL_ALLOW_EMPTY_PASSWORD or GF_AUTH_ANONYMOUS_ENABLED from the environment; with them, anything that reaches the pod's port (any pod in the cluster, without a NetworkPolicy) is in without a password.",
    fix: "Remove the setting and give the service a password from a Secret (POSTGRES_PASSWORD, MYSQL_ROOT_PASSWORD...), mounted as a file where the image supports it.",
    references: &[
        "CIS Kubernetes Benchmark 5.4.1",
        "OWASP Docker Security Cheat Sheet: rule 12",
    ],
};
pub static CMDLINE_SECRET: Rule = Rule {
    id: "DD-K8S-050",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Password written on a container's command line",
    why: "A literal password in command, args or a probe's exec command is in the manifest's version control, in the API object anyone who can read the workload sees, and in the process list of the node (ps shows every argument).",
    fix: "Pass the password in a file from a mounted Secret (most tools take --password-file or an environment variable pointing at a file), or let the program read it from a Secret-backed environment variable.",
    references: &[
        "CIS Kubernetes Benchmark 5.4.1",
        "CWE-214: Invocation of Process Using Visible Sensitive Information",
    ],
};
pub static SECRET_LITERAL: Rule = Rule {
    id: "DD-K8S-048",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Secret manifest holds literal values",
    why: "A Secret's data and stringData in a manifest are the secret itself (base64 is an encoding, not encryption), committed to version control with everything else.",
    fix: "Keep Secret values out of the repository: create them at deploy time, or commit them encrypted (Sealed Secrets, SOPS) or as references (External Secrets).",
    references: &[
        "checkov CKV_SECRET_6",
        "NSA/CISA Kubernetes Hardening Guide: secrets",
    ],
};
pub static SECRET_ENV_REF: Rule = Rule {
    id: "DD-K8S-029",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Secret exposed through an environment variable",
    why: "Environment variables leak into logs, crash dumps and child processes, and cannot be rotated without a restart; mounted files can.",
    fix: "Mount the Secret as a volume and read it from a file.",
    references: &["CIS Kubernetes Benchmark 5.4.1", "checkov CKV_K8S_35"],
};
pub static DEFAULT_NAMESPACE: Rule = Rule {
    id: "DD-K8S-036",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Workload deployed to the default namespace",
    why: "The default namespace usually has no dedicated policies, quotas or RBAC boundaries, so workloads there are mixed with whatever else lands in it.",
    fix: "Create a namespace per application or team and deploy there.",
    references: &["CIS Kubernetes Benchmark 5.7.4"],
};

pub static KUBE_SYSTEM: Rule = Rule {
    id: "DD-K8S-040",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Workload deployed to kube-system",
    why: "kube-system holds the control plane's service accounts, bootstrap tokens and add-on credentials, and is usually exempt from Pod Security admission; a workload there can mount any of those Secrets and runs under the most relaxed policy in the cluster.",
    fix: "Deploy the workload to its own namespace; keep kube-system for components installed by the cluster's distribution.",
    references: &[
        "Trivy KSV037",
        "NSA/CISA Kubernetes Hardening Guide: namespaces",
    ],
};

pub fn writable_root(o: &Object, out: &mut Vec<Finding>) {
    each_container(o, |_, c| {
        let n = c.sc("readOnlyRootFilesystem");
        if n.and_then(Node::as_bool) != Some(true) {
            let line = n.map_or(c.node.line, |n| n.line);
            out.push(o.finding(
                &WRITABLE_ROOT,
                line,
                format!("{} has a writable root filesystem", c.label()),
            ));
        }
    });
}

fn missing_resources(c: &crate::k8s::Container<'_>, which: &str) -> Vec<&'static str> {
    ["cpu", "memory"]
        .into_iter()
        .filter(|r| {
            c.node
                .at(&["resources", which, r])
                .is_none_or(Node::is_null)
        })
        .collect()
}

pub fn no_limits(o: &Object, out: &mut Vec<Finding>) {
    each_container(o, |_, c| {
        if c.list == "ephemeralContainers" {
            return;
        }
        let missing = missing_resources(c, "limits");
        if !missing.is_empty() {
            out.push(o.finding(
                &NO_LIMITS,
                c.node.line,
                format!("{} has no {} limit", c.label(), missing.join(" or ")),
            ));
        }
    });
}

pub fn no_requests(o: &Object, out: &mut Vec<Finding>) {
    each_container(o, |_, c| {
        if c.list == "ephemeralContainers" {
            return;
        }
        let missing = missing_resources(c, "requests");
        // A limit without a request defaults the request to the limit.
        let missing: Vec<&str> = missing
            .into_iter()
            .filter(|r| {
                c.node
                    .at(&["resources", "limits", r])
                    .is_none_or(Node::is_null)
            })
            .collect();
        if !missing.is_empty() {
            out.push(o.finding(
                &NO_REQUESTS,
                c.node.line,
                format!("{} has no {} request", c.label(), missing.join(" or ")),
            ));
        }
    });
}

fn image<'a>(c: &'a crate::k8s::Container<'_>) -> Option<(&'a Node, &'a str)> {
    let n = c.node.get("image")?;
    let s = n.as_str()?;
    (!unresolved(s)).then_some((n, s))
}

pub fn image_latest(o: &Object, out: &mut Vec<Finding>) {
    each_container(o, |_, c| {
        let Some((n, s)) = image(c) else { return };
        let r = ImageRef::parse(s);
        if let Some(why) = r.problem() {
            out.push(o.finding(
                &IMAGE_LATEST,
                n.line,
                format!(
                    "{} uses {s}, which is not a valid image reference ({why}): no tag a registry can serve, so the container cannot start",
                    c.label()
                ),
            ));
        } else if r.floating() {
            out.push(o.finding(&IMAGE_LATEST, n.line, format!("{} uses {s}", c.label())));
        }
    });
}

pub fn image_not_pinned(o: &Object, out: &mut Vec<Finding>) {
    each_container(o, |_, c| {
        if let Some((n, s)) = image(c) {
            let r = ImageRef::parse(s);
            if !r.pinned() && !r.floating() && r.problem().is_none() {
                out.push(o.finding(
                    &IMAGE_NOT_PINNED,
                    n.line,
                    format!("{} uses {s} without a digest", c.label()),
                ));
            }
        }
    });
}

pub fn pull_policy(o: &Object, out: &mut Vec<Finding>) {
    each_container(o, |_, c| {
        let Some((n, s)) = image(c) else { return };
        let r = ImageRef::parse(s);
        if r.pinned() {
            return;
        }
        let policy = c.node.get("imagePullPolicy").and_then(Node::as_str);
        // The API server defaults to Always for :latest and untagged images.
        let effective = policy.unwrap_or(if r.floating() {
            "Always"
        } else {
            "IfNotPresent"
        });
        if effective != "Always" {
            let line = c.node.get("imagePullPolicy").map_or(n.line, |p| p.line);
            out.push(o.finding(
                &PULL_POLICY,
                line,
                format!("{} pulls {s} with policy {effective}", c.label()),
            ));
        }
    });
}

pub fn sa_token(objects: &[Object], out: &mut Vec<Finding>) {
    for o in objects {
        let Some(pod) = o.pod() else { continue };
        let pod_setting = pod.spec.get("automountServiceAccountToken");
        if pod_setting.and_then(Node::as_bool) == Some(false) {
            continue;
        }
        if pod_setting.is_none() {
            let sa = pod
                .spec
                .get("serviceAccountName")
                .or_else(|| pod.spec.get("serviceAccount"))
                .and_then(Node::as_str)
                .unwrap_or("default");
            let sa_disables = objects.iter().any(|s| {
                s.kind == "ServiceAccount"
                    && s.name == sa
                    && s.namespace() == o.namespace()
                    && s.node
                        .get("automountServiceAccountToken")
                        .and_then(Node::as_bool)
                        == Some(false)
            });
            if sa_disables {
                continue;
            }
        }
        let line = pod_setting.map_or(pod.spec.line, |n| n.line);
        out.push(o.finding(&SA_TOKEN, line, "pod mounts its service account token"));
    }
}

pub fn env_secret(o: &Object, out: &mut Vec<Finding>) {
    each_container(o, |_, c| {
        for e in c.node.get("env").map(Node::seq).unwrap_or_default() {
            let name = e.get("name").and_then(Node::as_str).unwrap_or("");
            let Some(v) = e.get("value") else { continue };
            let value = v.as_str().unwrap_or("");
            if let Some(what) = known_secret_value(value) {
                out.push(o.finding(
                    &ENV_SECRET,
                    v.line,
                    format!(
                        "{} env {name} holds a {what} ({})",
                        c.label(),
                        redact(value)
                    ),
                ));
            } else if secret_pair(name, value) {
                out.push(o.finding(
                    &ENV_SECRET,
                    v.line,
                    format!("{} env {name} is a literal ({})", c.label(), redact(value)),
                ));
            }
        }
    });
}

pub fn auth_off(o: &Object, out: &mut Vec<Finding>) {
    each_container(o, |_, c| {
        for e in c.node.get("env").map(Node::seq).unwrap_or_default() {
            let name = e.get("name").and_then(Node::as_str).unwrap_or("");
            let Some(v) = e.get("value") else { continue };
            if let Some(what) = auth_disabled(name, v.as_str().unwrap_or("")) {
                out.push(o.finding(
                    &AUTH_OFF,
                    v.line,
                    format!("{} env {name}: {what}", c.label()),
                ));
            }
        }
    });
}

pub fn cmdline_secret(o: &Object, out: &mut Vec<Finding>) {
    fn strs(n: Option<&Node>) -> Vec<&str> {
        n.map(Node::seq)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
            .collect()
    }
    each_container(o, |_, c| {
        let mut lines: Vec<(u32, &str, Vec<&str>)> = Vec::new();
        let (cmd, args) = (c.node.get("command"), c.node.get("args"));
        if let Some(n) = cmd.or(args) {
            let mut words = strs(cmd);
            words.extend(strs(args));
            lines.push((n.line, "command", words));
        }
        for (what, path) in [
            ("livenessProbe", ["livenessProbe", "exec", "command"]),
            ("readinessProbe", ["readinessProbe", "exec", "command"]),
            ("startupProbe", ["startupProbe", "exec", "command"]),
            ("postStart hook", ["lifecycle", "postStart", "exec"]),
            ("preStop hook", ["lifecycle", "preStop", "exec"]),
        ] {
            let node = match c.node.at(&path) {
                Some(n) if path[2] == "exec" => n.get("command"),
                found => found,
            };
            if let Some(n) = node {
                lines.push((n.line, what, strs(Some(n))));
            }
        }
        for (line, what, words) in lines {
            for (flag, value) in command_secrets(&words) {
                out.push(o.finding(
                    &CMDLINE_SECRET,
                    line,
                    format!("{} {what} passes {flag} {}", c.label(), redact(&value)),
                ));
            }
        }
    });
}

/// A `Secret` object whose `data` or `stringData` holds values, unless they are template
/// placeholders (`{{ … }}`, `${…}`) filled in at deploy time.
pub fn secret_literal(o: &Object, out: &mut Vec<Finding>) {
    if o.kind != "Secret" {
        return;
    }
    for field in ["data", "stringData"] {
        let Some(map) = o.node.get(field) else {
            continue;
        };
        let keys: Vec<&str> = map
            .entries()
            .iter()
            .filter(|(_, v)| {
                v.as_str().is_some_and(|s| {
                    let s = s.trim();
                    !s.is_empty() && !s.contains("{{") && !s.starts_with("${")
                })
            })
            .filter_map(|(k, _)| k.as_str())
            .collect();
        if !keys.is_empty() {
            out.push(o.finding(
                &SECRET_LITERAL,
                map.line,
                format!("{field} holds literal values for {}", keys.join(", ")),
            ));
        }
    }
}

pub fn secret_env_ref(o: &Object, out: &mut Vec<Finding>) {
    each_container(o, |_, c| {
        for e in c.node.get("env").map(Node::seq).unwrap_or_default() {
            if let Some(r) = e.at(&["valueFrom", "secretKeyRef"]) {
                let name = e.get("name").and_then(Node::as_str).unwrap_or("?");
                out.push(o.finding(
                    &SECRET_ENV_REF,
                    r.line,
                    format!("{} env {name} comes from a Secret", c.label()),
                ));
            }
        }
        for e in c.node.get("envFrom").map(Node::seq).unwrap_or_default() {
            if let Some(r) = e.get("secretRef") {
                let name = r.get("name").and_then(Node::as_str).unwrap_or("?");
                out.push(o.finding(
                    &SECRET_ENV_REF,
                    r.line,
                    format!("{} imports Secret {name} as environment", c.label()),
                ));
            }
        }
    });
}

pub fn kube_system(o: &Object, out: &mut Vec<Finding>) {
    if o.is_workload() && o.namespace.as_deref() == Some("kube-system") {
        let line = o
            .node
            .at(&["metadata", "namespace"])
            .map_or(o.node.line, |n| n.line);
        out.push(o.finding(&KUBE_SYSTEM, line, "deployed to namespace kube-system"));
    }
}

pub fn default_namespace(o: &Object, out: &mut Vec<Finding>) {
    if o.is_workload() && o.namespace.as_deref() == Some("default") {
        let line = o
            .node
            .at(&["metadata", "namespace"])
            .map_or(o.node.line, |n| n.line);
        out.push(o.finding(&DEFAULT_NAMESPACE, line, "deployed to namespace default"));
    }
}
