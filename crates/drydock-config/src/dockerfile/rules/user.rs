use crate::dockerfile::Ctx;
use drydock_finding::{Finding, Kind, Rule, Severity};

pub static ROOT_USER: Rule = Rule {
    id: "DD-DF-003",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Last USER in the final stage is root",
    why: "The container's processes run as root, so any code execution in the application is root inside the container, one kernel or runtime bug away from root on the host.",
    fix: "Switch to an unprivileged user after the steps that need root: RUN useradd -r app, then USER app (or a numeric UID such as 10001).",
    references: &["hadolint DL3002", "Trivy DS002", "CIS Docker Benchmark 4.1"],
};

pub static NO_USER: Rule = Rule {
    id: "DD-DF-004",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Final stage sets no USER",
    why: "Without a USER instruction the image runs as whatever its base image says, which for almost every base image is root.",
    fix: "Add USER with an unprivileged user or numeric UID at the end of the final stage.",
    references: &[
        "Trivy DS002",
        "checkov CKV_DOCKER_3",
        "CIS Docker Benchmark 4.1",
    ],
};

pub static NON_NUMERIC_USER: Rule = Rule {
    id: "DD-DF-034",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Final USER is a name, not a numeric UID",
    why: "Kubernetes can only verify runAsNonRoot against a numeric user: with a name the kubelet refuses to start the pod (\"image has non-numeric user\"), and the usual workaround is to drop runAsNonRoot. A name is also resolved through the image's /etc/passwd at run time rather than fixed at build time.",
    fix: "Use the numeric UID (and GID) of the user you created: RUN useradd -u 10001 app, then USER 10001:10001.",
    references: &[
        "hadolint DL3066",
        "Kubernetes: runAsNonRoot verification needs a numeric image user",
    ],
};

fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or(user).trim();
    name == "root" || name == "0"
}

/// The last USER that applies to `stage` (following `FROM <stage>` chains), or None.
fn last_user(ctx: &Ctx, stage: usize) -> Option<(u32, String)> {
    for s in ctx.lineage(stage) {
        let found = ctx
            .stage_instructions(s)
            .filter(|(_, ins)| ins.keyword == "USER")
            .last();
        if let Some((_, ins)) = found {
            return Some((ins.line, ins.text().trim().to_owned()));
        }
    }
    None
}

pub fn root_user(ctx: &Ctx, out: &mut Vec<Finding>) {
    let mut seen = Vec::new();
    for stage in ctx.shipped_stages() {
        if let Some((line, user)) = last_user(ctx, stage)
            && is_root(&user)
            && !seen.contains(&line)
        {
            seen.push(line);
            let msg = if Some(stage) == ctx.final_stage() {
                format!("USER {user} is the final user")
            } else {
                format!("USER {user} is the user of {}", ctx.stage_label(stage))
            };
            out.push(ctx.finding(&ROOT_USER, line, msg));
        }
    }
}

pub fn no_user(ctx: &Ctx, out: &mut Vec<Finding>) {
    for stage in ctx.shipped_stages() {
        if last_user(ctx, stage).is_some() {
            continue;
        }
        let root = ctx.lineage(stage).last().copied().unwrap_or(stage);
        let image = ctx.stages[root].image.to_ascii_lowercase();
        // Bases that already drop root (distroless :nonroot, Chainguard-style -nonroot tags).
        if image.contains("nonroot") || image.contains("rootless") {
            continue;
        }
        out.push(ctx.finding(
            &NO_USER,
            ctx.instr(ctx.stages[stage].from).line,
            format!(
                "{} FROM {} never sets USER",
                ctx.stage_label(stage),
                ctx.stages[stage].image
            ),
        ));
    }
}

/// Only the user a container starts as matters, so only shipped stages are judged; root is
/// DD-DF-003's, and a `$VARIABLE` (such as .NET's `$APP_UID`) comes from the base image's
/// environment, whose value this file does not show.
pub fn non_numeric_user(ctx: &Ctx, out: &mut Vec<Finding>) {
    let mut seen = Vec::new();
    for stage in ctx.shipped_stages() {
        let Some((line, user)) = last_user(ctx, stage) else {
            continue;
        };
        // Two shipped stages can share their USER line through a common parent.
        if seen.contains(&line) {
            continue;
        }
        seen.push(line);
        let name = user.split(':').next().unwrap_or(&user).trim();
        if name.is_empty() || is_root(name) || name.contains('$') {
            continue;
        }
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            out.push(ctx.finding(
                &NON_NUMERIC_USER,
                line,
                format!("USER {user} names a user; use its numeric UID"),
            ));
        }
    }
}
