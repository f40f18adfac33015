use crate::dockerfile::{Ctx, Instruction};
use drydock_finding::{Finding, Kind, Rule, Severity};

pub static ADD_LOCAL: Rule = Rule {
    id: "DD-DF-006",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "ADD used where COPY would do",
    why: "ADD silently unpacks local archives and fetches URLs; using it for plain files hides those behaviours and invites surprises such as archive path traversal.",
    fix: "Use COPY for local files and directories; keep ADD for the cases where extraction is intended.",
    references: &[
        "hadolint DL3020",
        "Trivy DS005",
        "checkov CKV_DOCKER_4",
        "CIS Docker Benchmark 4.9",
    ],
};

pub static ADD_REMOTE: Rule = Rule {
    id: "DD-DF-007",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "ADD fetches a remote URL without a checksum",
    why: "ADD <url> downloads at build time with no integrity check, so whatever the server (or a network attacker) returns lands in the image.",
    fix: "Use ADD --checksum=sha256:... <url>, or RUN curl -fsSLO <url> && echo '<sha256>  file' | sha256sum -c.",
    references: &["hadolint DL3020", "Trivy DS005", "CIS Docker Benchmark 4.9"],
};

pub static CREDENTIAL_FILE: Rule = Rule {
    id: "DD-DF-030",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Credential file copied into the image",
    why: "Keys and credential files copied into a layer stay in the image forever, even if a later step deletes them, and go wherever the image is pushed.",
    fix: "Use RUN --mount=type=secret (or --mount=type=ssh) at build time, and inject runtime credentials from a secret store; add the files to .dockerignore.",
    references: &["CIS Docker Benchmark 4.10", "NIST SP 800-190 4.1.4"],
};

/// Sources of an ADD/COPY (all arguments but the destination), heredocs excluded.
fn sources(ins: &Instruction) -> Vec<String> {
    let mut words = ins.words();
    words.pop();
    words.retain(|w| !w.starts_with("<<"));
    words
}

fn is_url(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://") || l.starts_with("git@")
}

fn is_archive(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    [
        ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst",
    ]
    .iter()
    .any(|e| l.ends_with(e))
}

pub fn add_local(ctx: &Ctx, out: &mut Vec<Finding>) {
    for ins in ctx.df.instructions.iter().filter(|i| i.keyword == "ADD") {
        let srcs = sources(ins);
        if !srcs.is_empty() && srcs.iter().all(|s| !is_url(s) && !is_archive(s)) {
            out.push(ctx.finding(
                &ADD_LOCAL,
                ins.line,
                format!("ADD {} copies local files", srcs.join(" ")),
            ));
        }
    }
}

pub fn add_remote(ctx: &Ctx, out: &mut Vec<Finding>) {
    for ins in ctx.df.instructions.iter().filter(|i| i.keyword == "ADD") {
        if ins.flag("checksum").is_some() {
            continue;
        }
        for s in sources(ins).iter().filter(|s| is_url(s)) {
            out.push(ctx.finding(&ADD_REMOTE, ins.line, format!("ADD {s} is not verified")));
        }
    }
}

/// File names that are credentials wherever they appear.
fn credential_name(src: &str) -> Option<&'static str> {
    let trimmed = src.trim_end_matches('/');
    let name = trimmed
        .rsplit('/')
        .next()
        .unwrap_or(trimmed)
        .to_ascii_lowercase();
    let lower = trimmed.to_ascii_lowercase();
    let exact: &[(&str, &str)] = &[
        ("id_rsa", "SSH private key"),
        ("id_dsa", "SSH private key"),
        ("id_ecdsa", "SSH private key"),
        ("id_ed25519", "SSH private key"),
        (".ssh", "SSH directory"),
        (".env", "dotenv file"),
        (".npmrc", "npm credentials"),
        (".pypirc", "PyPI credentials"),
        (".netrc", "netrc credentials"),
        (".git-credentials", "git credentials"),
        (".aws", "AWS credentials directory"),
        (".dockercfg", "registry credentials"),
        ("kubeconfig", "Kubernetes credentials"),
        ("privkey.pem", "private key"),
    ];
    if let Some((_, what)) = exact.iter().find(|(n, _)| *n == name) {
        return Some(what);
    }
    if lower.ends_with(".docker/config.json") {
        return Some("registry credentials");
    }
    if lower.ends_with(".aws/credentials") || lower.ends_with(".kube/config") {
        return Some("cloud credentials");
    }
    if name.ends_with(".key")
        || name.ends_with("-key.pem")
        || name.ends_with("_key.pem")
        || name.ends_with(".p12")
        || name.ends_with(".pfx")
    {
        return Some("private key");
    }
    None
}

pub fn credential_file(ctx: &Ctx, out: &mut Vec<Finding>) {
    for ins in ctx
        .df
        .instructions
        .iter()
        .filter(|i| (i.keyword == "COPY" || i.keyword == "ADD") && i.flag("from").is_none())
    {
        for s in sources(ins) {
            if let Some(what) = credential_name(&s) {
                out.push(ctx.finding(
                    &CREDENTIAL_FILE,
                    ins.line,
                    format!(
                        "{} {s} puts a credential in the image ({what})",
                        ins.keyword
                    ),
                ));
            }
        }
    }
}
