//! One function per Compose rule. Compose is `docker run` in YAML, so these mirror the CIS
//! Docker Benchmark's section 5 (container runtime) checks.

use crate::compose::Service;
use crate::image_ref::{ImageRef, unresolved};
use crate::secrets::{auth_disabled, command_secrets, known_secret_value, redact, secret_pair};
use crate::yaml::Node;
use drydock_finding::Finding;
use drydock_finding::{Kind, Rule, Severity};

pub static PRIVILEGED: Rule = Rule {
    id: "DD-COMPOSE-001",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Service runs privileged",
    why: "privileged: true gives the container every capability and all host devices; escaping to the host is trivial.",
    fix: "Remove privileged and add only the capabilities the service needs with cap_add.",
    references: &["CIS Docker Benchmark 5.5"],
};
pub static NETWORK_HOST: Rule = Rule {
    id: "DD-COMPOSE-002",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Service uses the host network",
    why: "network_mode: host removes network isolation: the container can bind any host port and reach host-local services.",
    fix: "Use a bridge network and publish only the ports needed.",
    references: &["CIS Docker Benchmark 5.10"],
};
pub static PID_HOST: Rule = Rule {
    id: "DD-COMPOSE-003",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Service shares the host PID namespace",
    why: "pid: host lets the container see and signal every process on the host.",
    fix: "Remove pid: host.",
    references: &["CIS Docker Benchmark 5.16"],
};
pub static IPC_HOST: Rule = Rule {
    id: "DD-COMPOSE-004",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Service shares the host IPC namespace",
    why: "ipc: host exposes the host's shared memory segments to the container.",
    fix: "Remove ipc: host (use ipc: shareable between specific services if needed).",
    references: &["CIS Docker Benchmark 5.17"],
};
pub static SOCKET_MOUNT: Rule = Rule {
    id: "DD-COMPOSE-005",
    kind: Kind::Misconfiguration,
    severity: Severity::Critical,
    title: "Service mounts the container runtime socket or the host root",
    why: "Access to the Docker or containerd socket is root on the host: the container can start a privileged container that mounts the host filesystem.",
    fix: "Remove the mount; if a tool truly needs the API, put an authorising socket proxy in front of it and mount read-only.",
    references: &[
        "CIS Docker Benchmark 5.32",
        "OWASP Docker Security Cheat Sheet rule 1",
    ],
};
pub static CAP_ADD: Rule = Rule {
    id: "DD-COMPOSE-006",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Service adds powerful capabilities",
    why: "Capabilities beyond Docker's default set (SYS_ADMIN, NET_ADMIN, SYS_PTRACE, ALL...) give kernel-level powers that make container escape or host network tampering possible.",
    fix: "Remove the cap_add entries; prefer cap_drop: [ALL] and add back only what is needed.",
    references: &["CIS Docker Benchmark 5.4"],
};
pub static UNCONFINED: Rule = Rule {
    id: "DD-COMPOSE-007",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Service disables seccomp, AppArmor or SELinux",
    why: "security_opt unconfined / label:disable removes the mandatory access control and syscall filtering that block most container escapes.",
    fix: "Remove the security_opt entry, or supply a custom profile instead of disabling it.",
    references: &[
        "CIS Docker Benchmark 5.1",
        "CIS Docker Benchmark 5.2",
        "CIS Docker Benchmark 5.21",
    ],
};
pub static WRITABLE_ROOT: Rule = Rule {
    id: "DD-COMPOSE-008",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Service root filesystem is writable",
    why: "A writable root filesystem lets an attacker modify binaries and persist inside the container.",
    fix: "Set read_only: true and use tmpfs or volumes for the paths that must be writable.",
    references: &["CIS Docker Benchmark 5.13"],
};
pub static NO_USER: Rule = Rule {
    id: "DD-COMPOSE-009",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Service does not set a non-root user",
    why: "Without user the service runs as the image's user, which is root for most images.",
    fix: "Set user: \"10001:10001\" (or a named unprivileged user that exists in the image).",
    references: &["CIS Docker Benchmark 4.1"],
};
pub static SENSITIVE_PORT: Rule = Rule {
    id: "DD-COMPOSE-010",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Sensitive port published on all interfaces",
    why: "Publishing a database, cache, search engine, SSH or Docker API port on 0.0.0.0 makes it reachable from the network, and Docker's iptables rules bypass host firewalls such as ufw.",
    fix: "Bind to loopback (\"127.0.0.1:6379:6379\") or do not publish the port; let services talk over the Compose network.",
    references: &["CIS Docker Benchmark 5.14"],
};
pub static ENV_SECRET: Rule = Rule {
    id: "DD-COMPOSE-011",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Secret written into the environment",
    why: "A literal secret in a Compose file is in version control and visible to anyone who can run docker inspect.",
    fix: "Use Compose secrets, or ${VARIABLE} interpolation from an untracked .env file.",
    references: &["CIS Docker Benchmark 4.10"],
};
pub static IMAGE_LATEST: Rule = Rule {
    id: "DD-COMPOSE-012",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Service image uses the latest tag or no tag",
    why: "A floating tag pulls whatever is newest on each deploy, so code changes without review and deploys are not reproducible.",
    fix: "Pin a version tag, ideally with a digest.",
    references: &["CIS Docker Benchmark 4.2"],
};
pub static NO_NEW_PRIVILEGES: Rule = Rule {
    id: "DD-COMPOSE-013",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Service does not set no-new-privileges",
    why: "Without no-new-privileges, setuid binaries inside the container can raise a process's privileges.",
    fix: "Add security_opt: [\"no-new-privileges:true\"] (or set it daemon-wide).",
    references: &["CIS Docker Benchmark 5.26"],
};
pub static OTHER_NAMESPACES: Rule = Rule {
    id: "DD-COMPOSE-014",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Service shares the host UTS or user namespace",
    why: "uts: host lets the container change the host's hostname; userns_mode: host disables user-namespace remapping, so container root is host root.",
    fix: "Remove uts: host and userns_mode: host.",
    references: &["CIS Docker Benchmark 5.21", "CIS Docker Benchmark 5.31"],
};
pub static SENSITIVE_MOUNT: Rule = Rule {
    id: "DD-COMPOSE-015",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Service mounts a sensitive host directory",
    why: "Mounting /etc, /proc, /sys, /boot, /root or Docker's data directory lets the container read host secrets or change host configuration.",
    fix: "Mount only the specific files the service needs, read-only.",
    references: &["CIS Docker Benchmark 5.6"],
};
pub static DEVICES: Rule = Rule {
    id: "DD-COMPOSE-016",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Service maps host devices",
    why: "Host devices give the container direct access to hardware or kernel interfaces, bypassing isolation.",
    fix: "Remove devices unless the service truly drives that hardware; never map disks or /dev/mem.",
    references: &["CIS Docker Benchmark 5.18"],
};
pub static NO_MEMORY_LIMIT: Rule = Rule {
    id: "DD-COMPOSE-017",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Service has no memory limit",
    why: "Without a memory limit one container can exhaust the host's memory and take every other service down.",
    fix: "Set mem_limit or deploy.resources.limits.memory.",
    references: &["CIS Docker Benchmark 5.11"],
};
pub static AUTH_OFF: Rule = Rule {
    id: "DD-COMPOSE-018",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Authentication turned off by an environment setting",
    why: "Database and dashboard images read settings such as POSTGRES_HOST_AUTH_METHOD=trust, MYSQL_ALLOW_EMPTY_PASSWORD or GF_AUTH_ANONYMOUS_ENABLED from the environment; with them, anything that reaches the service's port (every container on its networks, or the world when the port is published) is in without a password.",
    fix: "Remove the setting and give the service a password from a Compose secret (POSTGRES_PASSWORD_FILE, MYSQL_ROOT_PASSWORD_FILE...).",
    references: &["OWASP Docker Security Cheat Sheet: rule 12"],
};
pub static CMDLINE_SECRET: Rule = Rule {
    id: "DD-COMPOSE-019",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Password written on a service's command line",
    why: "A literal password in command, entrypoint or healthcheck is in the Compose file's version control, in docker inspect for everyone with access to the engine, and in the host's process list (ps shows every argument).",
    fix: "Give the password through a Compose secret read from a file (--password-file, *_FILE variables), or an environment variable from an env_file kept out of the repository.",
    references: &["CWE-214: Invocation of Process Using Visible Sensitive Information"],
};

fn is_true(n: Option<&Node>) -> Option<&Node> {
    n.filter(|n| n.as_bool() == Some(true) || n.as_str() == Some("true"))
}

pub fn privileged(s: &Service, out: &mut Vec<Finding>) {
    if let Some(n) = is_true(s.get("privileged")) {
        out.push(s.finding(&PRIVILEGED, n.line, "privileged: true"));
    }
}

fn host_mode(s: &Service, key: &str) -> Option<u32> {
    let (n, v) = s.str(key)?;
    (v == "host").then_some(n.line)
}

pub fn network_host(s: &Service, out: &mut Vec<Finding>) {
    if let Some(line) = host_mode(s, "network_mode") {
        out.push(s.finding(&NETWORK_HOST, line, "network_mode: host"));
    }
}

pub fn pid_host(s: &Service, out: &mut Vec<Finding>) {
    if let Some(line) = host_mode(s, "pid") {
        out.push(s.finding(&PID_HOST, line, "pid: host"));
    }
}

pub fn ipc_host(s: &Service, out: &mut Vec<Finding>) {
    if let Some(line) = host_mode(s, "ipc") {
        out.push(s.finding(&IPC_HOST, line, "ipc: host"));
    }
}

pub fn other_namespaces(s: &Service, out: &mut Vec<Finding>) {
    for key in ["uts", "userns_mode"] {
        if let Some(line) = host_mode(s, key) {
            out.push(s.finding(&OTHER_NAMESPACES, line, format!("{key}: host")));
        }
    }
}

/// Host-side sources of bind mounts, from short (`src:dst[:mode]`) and long syntax.
fn bind_sources(s: &Service) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    for v in s.get("volumes").map(Node::seq).unwrap_or_default() {
        if let Some(text) = v.as_str() {
            let src = text.split(':').next().unwrap_or("");
            if src.starts_with('/') || src.starts_with('.') || src.starts_with('~') {
                out.push((v.line, src.to_owned()));
            }
        } else if v.get("type").and_then(Node::as_str) == Some("bind")
            && let Some(src) = v.get("source").and_then(Node::as_str)
        {
            out.push((v.line, src.to_owned()));
        }
    }
    out
}

/// A host path with trailing slashes dropped (`/` itself stays `/`). Not `drydock_fs::strip_root`:
/// bind-mount sources are absolute host paths compared whole, so the root slash must stay.
fn normalize(path: &str) -> &str {
    let p = path.trim_end_matches('/');
    if p.is_empty() { "/" } else { p }
}

fn runtime_socket(path: &str) -> bool {
    let p = normalize(path);
    p == "/"
        || (p.ends_with(".sock")
            && ["docker", "containerd", "crio", "podman"]
                .iter()
                .any(|r| p.contains(r)))
        || p == "/var/run/docker"
        || p == "/run/containerd"
}

pub fn socket_mount(s: &Service, out: &mut Vec<Finding>) {
    for (line, src) in bind_sources(s) {
        if runtime_socket(&src) {
            out.push(s.finding(&SOCKET_MOUNT, line, format!("mounts host {src}")));
        }
    }
}

pub fn sensitive_mount(s: &Service, out: &mut Vec<Finding>) {
    const DIRS: &[&str] = &[
        "/etc",
        "/proc",
        "/sys",
        "/boot",
        "/root",
        "/dev",
        "/var/lib/docker",
        "/var/run",
        "/run",
        "/home",
        "/var/lib/kubelet",
        "/usr",
        "/lib",
    ];
    for (line, src) in bind_sources(s) {
        let p = normalize(&src);
        if !runtime_socket(p) && DIRS.contains(&p) {
            out.push(s.finding(&SENSITIVE_MOUNT, line, format!("mounts host {p}")));
        }
    }
}

/// Docker's default capability set; adding one of these changes nothing.
const DEFAULT_CAPS: &[&str] = &[
    "CHOWN",
    "DAC_OVERRIDE",
    "FSETID",
    "FOWNER",
    "MKNOD",
    "NET_RAW",
    "SETGID",
    "SETUID",
    "SETFCAP",
    "SETPCAP",
    "NET_BIND_SERVICE",
    "SYS_CHROOT",
    "KILL",
    "AUDIT_WRITE",
];

pub fn cap_add(s: &Service, out: &mut Vec<Finding>) {
    let Some(list) = s.get("cap_add") else { return };
    let bad: Vec<String> = list
        .seq()
        .iter()
        .filter_map(Node::as_str)
        .map(|c| {
            let u = c.trim().to_ascii_uppercase();
            u.strip_prefix("CAP_").map(str::to_owned).unwrap_or(u)
        })
        .filter(|c| !DEFAULT_CAPS.contains(&c.as_str()))
        .collect();
    if !bad.is_empty() {
        out.push(s.finding(&CAP_ADD, list.line, format!("cap_add {}", bad.join(", "))));
    }
}

fn security_opts<'a>(s: &'a Service) -> Vec<(&'a Node, String)> {
    s.get("security_opt")
        .map(Node::seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|n| Some((n, n.as_str()?.replace('=', ":").to_ascii_lowercase())))
        .collect()
}

pub fn unconfined(s: &Service, out: &mut Vec<Finding>) {
    for (n, opt) in security_opts(s) {
        let compact = opt.replace(' ', "");
        if compact == "seccomp:unconfined"
            || compact == "apparmor:unconfined"
            || compact == "label:disable"
            || compact == "systempaths:unconfined"
        {
            out.push(s.finding(&UNCONFINED, n.line, format!("security_opt {opt}")));
        }
    }
}

pub fn no_new_privileges(s: &Service, out: &mut Vec<Finding>) {
    let set = security_opts(s).iter().any(|(_, o)| {
        let o = o.replace(' ', "");
        o == "no-new-privileges" || o == "no-new-privileges:true"
    });
    if !set {
        out.push(s.finding(&NO_NEW_PRIVILEGES, s.line, "no-new-privileges is not set"));
    }
}

pub fn writable_root(s: &Service, out: &mut Vec<Finding>) {
    if is_true(s.get("read_only")).is_none() {
        out.push(s.finding(&WRITABLE_ROOT, s.line, "read_only is not true"));
    }
}

pub fn no_user(s: &Service, out: &mut Vec<Finding>) {
    match s.get("user") {
        None => out.push(s.finding(&NO_USER, s.line, "no user set")),
        Some(n) => {
            let u = n.scalar().unwrap_or("");
            let name = u.split(':').next().unwrap_or(u);
            if name == "root" || name == "0" {
                out.push(s.finding(&NO_USER, n.line, format!("user {u} is root")));
            }
        }
    }
}

const PORTS: &[(u32, &str)] = &[
    (22, "SSH"),
    (2375, "Docker API"),
    (2376, "Docker API"),
    (6379, "Redis"),
    (27017, "MongoDB"),
    (5432, "PostgreSQL"),
    (3306, "MySQL"),
    (9200, "Elasticsearch"),
    (11211, "Memcached"),
    (5984, "CouchDB"),
    (9042, "Cassandra"),
    (2379, "etcd"),
    (10250, "kubelet"),
    (5672, "RabbitMQ"),
    (1433, "SQL Server"),
];

fn loopback(ip: &str) -> bool {
    let ip = ip.trim_matches(['[', ']']);
    ip.starts_with("127.") || ip == "::1" || ip == "localhost"
}

/// `(host_ip, published, target)` of a port entry; published may be absent (random port).
fn parse_port(n: &Node) -> Option<(String, Option<String>, String)> {
    if let Some(text) = n.scalar().filter(|_| !n.is_map()) {
        let text = text.split('/').next().unwrap_or(text);
        // Split from the right: target, then published, then the host IP (which may be IPv6).
        let (rest, target) = match text.rsplit_once(':') {
            Some((r, t)) => (Some(r), t),
            None => (None, text),
        };
        let (ip, published) = match rest {
            None => (String::new(), None),
            Some(r) => match r.rsplit_once(':') {
                Some((ip, p)) => (ip.to_owned(), Some(p.to_owned())),
                None => (String::new(), Some(r.to_owned())),
            },
        };
        return Some((ip, published, target.to_owned()));
    }
    let target = n.get("target")?.scalar()?.to_owned();
    let published = n.get("published").and_then(Node::scalar).map(str::to_owned);
    let ip = n
        .get("host_ip")
        .and_then(Node::scalar)
        .unwrap_or("")
        .to_owned();
    Some((ip, published, target))
}

fn in_range(spec: &str, port: u32) -> bool {
    match spec.split_once('-') {
        Some((a, b)) => match (a.parse::<u32>(), b.parse::<u32>()) {
            (Ok(a), Ok(b)) => (a..=b).contains(&port),
            _ => false,
        },
        None => spec.parse::<u32>() == Ok(port),
    }
}

pub fn sensitive_port(s: &Service, out: &mut Vec<Finding>) {
    for p in s.get("ports").map(Node::seq).unwrap_or_default() {
        let Some((ip, published, target)) = parse_port(p) else {
            continue;
        };
        if loopback(&ip) {
            continue;
        }
        for (port, what) in PORTS {
            if in_range(&target, *port)
                || published.as_deref().is_some_and(|pb| in_range(pb, *port))
            {
                let on = if ip.is_empty() {
                    "0.0.0.0".to_owned()
                } else {
                    ip.clone()
                };
                out.push(s.finding(
                    &SENSITIVE_PORT,
                    p.line,
                    format!("{what} port {port} published on {on}"),
                ));
                break;
            }
        }
    }
}

fn env_pairs(s: &Service) -> Vec<(u32, String, String)> {
    let Some(env) = s.get("environment") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in env.seq() {
        if let Some(text) = item.as_str()
            && let Some((k, v)) = text.split_once('=')
        {
            out.push((item.line, k.to_owned(), v.to_owned()));
        }
    }
    for (k, v) in env.entries() {
        if let (Some(name), Some(value)) = (k.scalar(), v.as_str()) {
            out.push((v.line, name.to_owned(), value.to_owned()));
        }
    }
    out
}

pub fn env_secret(s: &Service, out: &mut Vec<Finding>) {
    for (line, name, value) in env_pairs(s) {
        if let Some(what) = known_secret_value(&value) {
            out.push(s.finding(
                &ENV_SECRET,
                line,
                format!("environment {name} holds a {what} ({})", redact(&value)),
            ));
        } else if secret_pair(&name, &value) {
            out.push(s.finding(
                &ENV_SECRET,
                line,
                format!("environment {name} is a literal ({})", redact(&value)),
            ));
        }
    }
}

pub fn auth_off(s: &Service, out: &mut Vec<Finding>) {
    for (line, name, value) in env_pairs(s) {
        if let Some(what) = auth_disabled(&name, &value) {
            out.push(s.finding(&AUTH_OFF, line, format!("environment {name}: {what}")));
        }
    }
}

pub fn cmdline_secret(s: &Service, out: &mut Vec<Finding>) {
    let words = |n: &Node| -> Vec<String> {
        match n.as_str() {
            Some(text) => vec![text.to_owned()],
            None => n
                .seq()
                .iter()
                .filter_map(Node::as_str)
                .map(str::to_owned)
                .collect(),
        }
    };
    let mut lines: Vec<(u32, &str, Vec<String>)> = Vec::new();
    for key in ["command", "entrypoint"] {
        if let Some(n) = s.get(key) {
            lines.push((n.line, key, words(n)));
        }
    }
    if let Some(test) = s.get("healthcheck").and_then(|h| h.get("test")) {
        let mut w = words(test);
        if w.first()
            .is_some_and(|f| matches!(f.as_str(), "CMD" | "CMD-SHELL" | "NONE"))
        {
            w.remove(0);
        }
        lines.push((test.line, "healthcheck", w));
    }
    for (line, what, w) in lines {
        let parts: Vec<&str> = w.iter().map(String::as_str).collect();
        for (flag, value) in command_secrets(&parts) {
            out.push(s.finding(
                &CMDLINE_SECRET,
                line,
                format!("{what} passes {flag} {}", redact(&value)),
            ));
        }
    }
}

pub fn image_latest(s: &Service, out: &mut Vec<Finding>) {
    // With `build:`, `image:` names the result of the build rather than something pulled.
    if s.get("build").is_some() {
        return;
    }
    if let Some((n, image)) = s.str("image")
        && !unresolved(image)
    {
        let r = ImageRef::parse(image);
        if let Some(why) = r.problem() {
            out.push(s.finding(
                &IMAGE_LATEST,
                n.line,
                format!(
                    "image {image} is not a valid image reference ({why}): the service cannot start"
                ),
            ));
        } else if r.floating() {
            out.push(s.finding(&IMAGE_LATEST, n.line, format!("image {image}")));
        }
    }
}

pub fn devices(s: &Service, out: &mut Vec<Finding>) {
    for d in s.get("devices").map(Node::seq).unwrap_or_default() {
        let text = d
            .as_str()
            .map(str::to_owned)
            .or_else(|| d.get("source").and_then(Node::as_str).map(str::to_owned))
            .unwrap_or_default();
        out.push(s.finding(&DEVICES, d.line, format!("maps device {text}")));
    }
}

pub fn no_memory_limit(s: &Service, out: &mut Vec<Finding>) {
    let limited = s.get("mem_limit").is_some()
        || s.node
            .at(&["deploy", "resources", "limits", "memory"])
            .is_some();
    if !limited {
        out.push(s.finding(&NO_MEMORY_LIMIT, s.line, "no memory limit"));
    }
}
