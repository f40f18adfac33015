//! Pod Security Standards, baseline profile: the controls that stop known privilege
//! escalations.

use super::each_container;
use crate::k8s::Object;
use crate::yaml::Node;
use drydock_finding::Finding;
use drydock_finding::{Kind, Rule, Severity};

pub static PRIVILEGED: Rule = Rule {
    id: "DD-K8S-001",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Privileged container",
    why: "A privileged container has every capability and all host devices; it is root on the node in all but name, and escaping is trivial.",
    fix: "Remove securityContext.privileged or set it to false; grant only the specific capabilities needed.",
    references: &[
        "PSS baseline: Privileged Containers",
        "CIS Kubernetes Benchmark 5.2.2",
        "NSA/CISA Kubernetes Hardening Guide: non-root containers",
    ],
};
pub static HOST_PID: Rule = Rule {
    id: "DD-K8S-002",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Pod shares the host PID namespace",
    why: "With hostPID the pod sees and can signal or ptrace every process on the node, including other pods' and the kubelet's, and read their environment.",
    fix: "Remove hostPID or set it to false.",
    references: &[
        "PSS baseline: Host Namespaces",
        "CIS Kubernetes Benchmark 5.2.3",
    ],
};
pub static HOST_IPC: Rule = Rule {
    id: "DD-K8S-003",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Pod shares the host IPC namespace",
    why: "With hostIPC the pod can read and write shared memory of every process on the node.",
    fix: "Remove hostIPC or set it to false.",
    references: &[
        "PSS baseline: Host Namespaces",
        "CIS Kubernetes Benchmark 5.2.4",
    ],
};
pub static HOST_NETWORK: Rule = Rule {
    id: "DD-K8S-004",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Pod uses the host network",
    why: "With hostNetwork the pod bypasses NetworkPolicy, can bind node ports and reach node-local services (kubelet, metadata endpoints) and sniff node traffic.",
    fix: "Remove hostNetwork or set it to false; expose the workload through a Service.",
    references: &[
        "PSS baseline: Host Namespaces",
        "CIS Kubernetes Benchmark 5.2.5",
    ],
};
pub static HOST_PORT: Rule = Rule {
    id: "DD-K8S-005",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Container binds a host port",
    why: "hostPort opens the port on the node's address, bypassing Service and NetworkPolicy controls and pinning the pod to nodes where the port is free.",
    fix: "Remove hostPort and use a Service (NodePort or LoadBalancer if it must be reachable from outside).",
    references: &[
        "PSS baseline: Host Ports",
        "CIS Kubernetes Benchmark 5.2.13",
    ],
};
pub static HOST_PATH: Rule = Rule {
    id: "DD-K8S-006",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Pod mounts a hostPath volume",
    why: "hostPath volumes expose the node's filesystem to the pod; writable ones let a compromised pod tamper with the node or other pods' data.",
    fix: "Use emptyDir, configMap, secret or a PersistentVolumeClaim; if node files are truly needed, mount read-only and as narrowly as possible.",
    references: &[
        "PSS baseline: HostPath Volumes",
        "CIS Kubernetes Benchmark 5.2.12",
    ],
};
pub static HOST_PATH_CRITICAL: Rule = Rule {
    id: "DD-K8S-007",
    kind: Kind::Misconfiguration,
    severity: Severity::Critical,
    title: "Pod mounts the container runtime socket or a critical host path",
    why: "Mounting the Docker or containerd socket, the node's root filesystem, /etc or the kubelet's directory gives the pod full control of the node and every container on it.",
    fix: "Remove the hostPath volume. Build images with a rootless builder (BuildKit rootless, kaniko) instead of the node's daemon.",
    references: &[
        "PSS baseline: HostPath Volumes",
        "CIS Kubernetes Benchmark 5.2.12",
        "CIS Docker Benchmark 5.31",
        "NSA/CISA Kubernetes Hardening Guide: pod security",
    ],
};
pub static CAPS_ADDED: Rule = Rule {
    id: "DD-K8S-008",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Container adds capabilities beyond the baseline set",
    why: "Capabilities such as SYS_ADMIN, NET_ADMIN, SYS_PTRACE or SYS_MODULE grant kernel-level powers that turn a container compromise into a node compromise.",
    fix: "Remove the capability from securityContext.capabilities.add; redesign the workload so it does not need it.",
    references: &[
        "PSS baseline: Capabilities",
        "CIS Kubernetes Benchmark 5.2.8",
        "CIS Kubernetes Benchmark 5.2.9",
    ],
};
pub static SECCOMP_UNCONFINED: Rule = Rule {
    id: "DD-K8S-014",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Seccomp profile is Unconfined",
    why: "Without seccomp every system call is reachable from the container, including the rarely used ones behind most container-escape kernel bugs.",
    fix: "Set securityContext.seccompProfile.type: RuntimeDefault (or a Localhost profile).",
    references: &["PSS baseline: Seccomp", "CIS Kubernetes Benchmark 5.7.2"],
};
pub static APPARMOR_UNCONFINED: Rule = Rule {
    id: "DD-K8S-016",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "AppArmor profile is unconfined",
    why: "Turning AppArmor off removes the runtime's mandatory access control that blocks writes to /proc, /sys and mounts from inside the container.",
    fix: "Remove the unconfined setting so the runtime default applies, or use a localhost profile.",
    references: &["PSS baseline: AppArmor", "CIS Kubernetes Benchmark 5.7.2"],
};
pub static PROC_MOUNT: Rule = Rule {
    id: "DD-K8S-017",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Container uses an unmasked /proc",
    why: "procMount: Unmasked exposes /proc paths the runtime normally hides, such as kernel tunables and other processes' information.",
    fix: "Remove procMount or set it to Default.",
    references: &["PSS baseline: /proc Mount Type"],
};
pub static UNSAFE_SYSCTL: Rule = Rule {
    id: "DD-K8S-018",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Pod sets an unsafe sysctl",
    why: "Sysctls outside the namespaced safe set change kernel behaviour for the whole node and every pod on it.",
    fix: "Only set the safe sysctls (kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.tcp_syncookies, ...); tune others on the node.",
    references: &["PSS baseline: Sysctls"],
};
pub static SELINUX: Rule = Rule {
    id: "DD-K8S-019",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "SELinux options override the container type, user or role",
    why: "Custom SELinux types such as spc_t (super-privileged container) or a changed user or role lift the labels that confine the container.",
    fix: "Remove seLinuxOptions.type/user/role, or use container_t, container_init_t, container_kvm_t or container_engine_t.",
    references: &["PSS baseline: SELinux"],
};
pub static HOST_PROCESS: Rule = Rule {
    id: "DD-K8S-037",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Windows HostProcess container",
    why: "A HostProcess container runs directly on the Windows node with the node's privileges, without container isolation.",
    fix: "Remove windowsOptions.hostProcess.",
    references: &["PSS baseline: HostProcess"],
};

fn pod_flag(o: &Object, key: &str, rule: &'static drydock_finding::Rule, out: &mut Vec<Finding>) {
    if let Some(pod) = o.pod()
        && let Some(n) = pod.spec.get(key).filter(|n| n.as_bool() == Some(true))
    {
        out.push(o.finding(rule, n.line, format!("{key} is true")));
    }
}

pub fn privileged(o: &Object, out: &mut Vec<Finding>) {
    each_container(o, |_, c| {
        if let Some(n) = c.sc("privileged").filter(|n| n.as_bool() == Some(true)) {
            out.push(o.finding(&PRIVILEGED, n.line, format!("{} is privileged", c.label())));
        }
    });
}

pub fn host_pid(o: &Object, out: &mut Vec<Finding>) {
    pod_flag(o, "hostPID", &HOST_PID, out);
}

pub fn host_ipc(o: &Object, out: &mut Vec<Finding>) {
    pod_flag(o, "hostIPC", &HOST_IPC, out);
}

pub fn host_network(o: &Object, out: &mut Vec<Finding>) {
    pod_flag(o, "hostNetwork", &HOST_NETWORK, out);
}

pub fn host_port(o: &Object, out: &mut Vec<Finding>) {
    each_container(o, |_, c| {
        for p in c.node.get("ports").map(Node::seq).unwrap_or_default() {
            if let Some(hp) = p
                .get("hostPort")
                .filter(|n| n.as_i64().is_some_and(|v| v != 0))
            {
                out.push(o.finding(
                    &HOST_PORT,
                    hp.line,
                    format!(
                        "{} binds host port {}",
                        c.label(),
                        hp.scalar().unwrap_or("?")
                    ),
                ));
            }
        }
    });
}

/// Host paths that hand over the node: runtime sockets, the root filesystem, node config.
fn critical_host_path(path: &str) -> bool {
    let p = path.trim_end_matches('/');
    let p = if p.is_empty() { "/" } else { p };
    const EXACT: &[&str] = &[
        "/",
        "/etc",
        "/root",
        "/var/run",
        "/run",
        "/var/lib/kubelet",
        "/etc/kubernetes",
        "/var/lib/docker",
        "/var/lib/containerd",
        "/run/containerd",
        "/var/run/containerd",
        "/var/run/crio",
        "/run/crio",
        "/boot",
        "/var/lib/etcd",
    ];
    EXACT.contains(&p)
        || p.ends_with(".sock")
            && (p.contains("docker")
                || p.contains("containerd")
                || p.contains("crio")
                || p.contains("podman"))
}

fn host_paths(o: &Object) -> Vec<(u32, String)> {
    let Some(pod) = o.pod() else {
        return Vec::new();
    };
    pod.spec
        .get("volumes")
        .map(Node::seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|v| {
            let hp = v.get("hostPath")?;
            let path = hp.get("path").and_then(Node::as_str).unwrap_or("");
            Some((hp.line, path.to_owned()))
        })
        .collect()
}

pub fn host_path(o: &Object, out: &mut Vec<Finding>) {
    for (line, path) in host_paths(o) {
        if !critical_host_path(&path) {
            out.push(o.finding(&HOST_PATH, line, format!("hostPath volume {path}")));
        }
    }
}

pub fn host_path_critical(o: &Object, out: &mut Vec<Finding>) {
    for (line, path) in host_paths(o) {
        if critical_host_path(&path) {
            out.push(o.finding(
                &HOST_PATH_CRITICAL,
                line,
                format!("hostPath volume {path} exposes the node"),
            ));
        }
    }
}

/// The capabilities the baseline profile allows to be added.
pub(crate) const BASELINE_CAPS: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

pub(crate) fn normalize_cap(cap: &str) -> String {
    let upper = cap.trim().to_ascii_uppercase();
    upper
        .strip_prefix("CAP_")
        .map(str::to_owned)
        .unwrap_or(upper)
}

pub fn caps_added(o: &Object, out: &mut Vec<Finding>) {
    each_container(o, |_, c| {
        let Some(add) = c.node.at(&["securityContext", "capabilities", "add"]) else {
            return;
        };
        let bad: Vec<String> = add
            .seq()
            .iter()
            .filter_map(Node::as_str)
            .map(normalize_cap)
            .filter(|cap| !BASELINE_CAPS.contains(&cap.as_str()))
            .collect();
        if !bad.is_empty() {
            out.push(o.finding(
                &CAPS_ADDED,
                add.line,
                format!("{} adds {}", c.label(), bad.join(", ")),
            ));
        }
    });
}

fn seccomp_type<'a>(
    pod: &crate::k8s::Pod<'a>,
    c: &crate::k8s::Container<'a>,
) -> Option<(u32, String)> {
    if let Some(p) = pod.effective(c, "seccompProfile") {
        let t = p.get("type").and_then(Node::as_str).unwrap_or("");
        return Some((p.line, t.to_owned()));
    }
    let legacy = pod
        .annotation(&format!(
            "container.seccomp.security.alpha.kubernetes.io/{}",
            c.name
        ))
        .or_else(|| pod.annotation("seccomp.security.alpha.kubernetes.io/pod"))?;
    let v = legacy.as_str().unwrap_or("");
    let t = match v {
        "unconfined" => "Unconfined",
        "runtime/default" | "docker/default" => "RuntimeDefault",
        v if v.starts_with("localhost/") => "Localhost",
        _ => "",
    };
    Some((legacy.line, t.to_owned()))
}

pub(crate) fn seccomp_of<'a>(
    pod: &crate::k8s::Pod<'a>,
    c: &crate::k8s::Container<'a>,
) -> Option<(u32, String)> {
    seccomp_type(pod, c)
}

pub fn seccomp_unconfined(o: &Object, out: &mut Vec<Finding>) {
    each_container(o, |pod, c| {
        if let Some((line, t)) = seccomp_type(pod, c)
            && t == "Unconfined"
        {
            out.push(o.finding(
                &SECCOMP_UNCONFINED,
                line,
                format!("{} runs without seccomp", c.label()),
            ));
        }
    });
}

pub fn apparmor_unconfined(o: &Object, out: &mut Vec<Finding>) {
    each_container(o, |pod, c| {
        let field = pod
            .effective(c, "appArmorProfile")
            .and_then(|p| p.get("type"))
            .filter(|t| t.as_str() == Some("Unconfined"));
        let annotation = pod
            .annotation(&format!(
                "container.apparmor.security.beta.kubernetes.io/{}",
                c.name
            ))
            .filter(|a| a.as_str() == Some("unconfined"));
        if let Some(n) = field.or(annotation) {
            out.push(o.finding(
                &APPARMOR_UNCONFINED,
                n.line,
                format!("{} runs without AppArmor", c.label()),
            ));
        }
    });
}

pub fn proc_mount(o: &Object, out: &mut Vec<Finding>) {
    each_container(o, |_, c| {
        if let Some(n) = c.sc("procMount").filter(|n| n.as_str() == Some("Unmasked")) {
            out.push(o.finding(
                &PROC_MOUNT,
                n.line,
                format!("{} sets procMount: Unmasked", c.label()),
            ));
        }
    });
}

const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];

pub fn unsafe_sysctl(o: &Object, out: &mut Vec<Finding>) {
    let Some(pod) = o.pod() else { return };
    for s in pod
        .spec
        .at(&["securityContext", "sysctls"])
        .map(Node::seq)
        .unwrap_or_default()
    {
        let name = s.get("name").and_then(Node::as_str).unwrap_or("");
        if !SAFE_SYSCTLS.contains(&name) {
            out.push(o.finding(
                &UNSAFE_SYSCTL,
                s.line,
                format!("sysctl {name} is not in the safe set"),
            ));
        }
    }
}

pub fn selinux(o: &Object, out: &mut Vec<Finding>) {
    let Some(pod) = o.pod() else { return };
    let mut check = |opts: &Node, who: String| {
        let t = opts.get("type").and_then(Node::as_str);
        let bad_type = t.is_some_and(|t| {
            !matches!(
                t,
                "container_t" | "container_init_t" | "container_kvm_t" | "container_engine_t"
            )
        });
        let user_role = ["user", "role"].iter().any(|k| {
            opts.get(k)
                .and_then(Node::as_str)
                .is_some_and(|v| !v.is_empty())
        });
        if bad_type || user_role {
            let what = match t {
                Some(t) if bad_type => format!("type {t}"),
                _ => "a custom user or role".to_owned(),
            };
            out.push(o.finding(&SELINUX, opts.line, format!("{who} sets SELinux {what}")));
        }
    };
    if let Some(opts) = pod.spec.at(&["securityContext", "seLinuxOptions"]) {
        check(opts, "pod".to_owned());
    }
    for c in pod.containers() {
        if let Some(opts) = c.sc("seLinuxOptions") {
            check(opts, c.label());
        }
    }
}

pub fn host_process(o: &Object, out: &mut Vec<Finding>) {
    let Some(pod) = o.pod() else { return };
    let pod_level = pod
        .spec
        .at(&["securityContext", "windowsOptions", "hostProcess"]);
    if let Some(n) = pod_level.filter(|n| n.as_bool() == Some(true)) {
        out.push(o.finding(&HOST_PROCESS, n.line, "pod sets windowsOptions.hostProcess"));
    }
    for c in pod.containers() {
        if let Some(n) = c
            .node
            .at(&["securityContext", "windowsOptions", "hostProcess"])
            .filter(|n| n.as_bool() == Some(true))
        {
            out.push(o.finding(
                &HOST_PROCESS,
                n.line,
                format!("{} sets windowsOptions.hostProcess", c.label()),
            ));
        }
    }
}
