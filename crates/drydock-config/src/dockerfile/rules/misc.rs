use crate::dockerfile::Ctx;
use drydock_finding::{Finding, Kind, Rule, Severity};

pub static NO_HEALTHCHECK: Rule = Rule {
    id: "DD-DF-017",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "No HEALTHCHECK in the final image",
    why: "Without a health check the runtime only knows whether the process exists, not whether it works; hung or compromised services keep receiving traffic.",
    fix: "Add HEALTHCHECK CMD <command that exits non-zero when unhealthy> (Kubernetes users define probes instead).",
    references: &[
        "CIS Docker Benchmark 4.6",
        "Trivy DS026",
        "checkov CKV_DOCKER_2",
    ],
};

pub static SENSITIVE_PORT: Rule = Rule {
    id: "DD-DF-018",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Remote administration port exposed",
    why: "Exposing SSH, telnet or the Docker API from a container means an administration service runs inside it: a second way in, with credentials or keys that must live in the image.",
    fix: "Remove the EXPOSE and the daemon behind it; use docker exec / kubectl exec for administration.",
    references: &[
        "Trivy DS004",
        "checkov CKV_DOCKER_1",
        "CIS Docker Benchmark 5.6",
    ],
};

pub static MULTIPLE_CMD: Rule = Rule {
    id: "DD-DF-023",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Multiple CMD or ENTRYPOINT in one stage",
    why: "Only the last one takes effect; the earlier ones mislead readers about what the container actually runs.",
    fix: "Keep one CMD and at most one ENTRYPOINT per stage.",
    references: &[
        "hadolint DL4003",
        "hadolint DL4004",
        "Trivy DS007",
        "Trivy DS016",
    ],
};

pub static RELATIVE_WORKDIR: Rule = Rule {
    id: "DD-DF-024",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "WORKDIR is a relative path",
    why: "A relative WORKDIR depends on every earlier WORKDIR and on the base image's, so files land somewhere other than intended.",
    fix: "Use an absolute path: WORKDIR /app.",
    references: &["hadolint DL3000", "Trivy DS009", "checkov CKV_DOCKER_10"],
};

pub static DUPLICATE_STAGE: Rule = Rule {
    id: "DD-DF-032",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Two build stages share a name",
    why: "COPY --from and --target then refer to an ambiguous stage, so the wrong files can end up in the image.",
    fix: "Give each FROM ... AS a unique name.",
    references: &["hadolint DL3024", "Trivy DS012", "checkov CKV_DOCKER_11"],
};

pub fn no_healthcheck(ctx: &Ctx, out: &mut Vec<Finding>) {
    for stage in ctx.shipped_stages() {
        let has = ctx.lineage(stage).into_iter().any(|s| {
            ctx.stage_instructions(s)
                .any(|(_, i)| i.keyword == "HEALTHCHECK")
        });
        if !has {
            out.push(ctx.finding(
                &NO_HEALTHCHECK,
                ctx.instr(ctx.stages[stage].from).line,
                format!("{} defines no HEALTHCHECK", ctx.stage_label(stage)),
            ));
        }
    }
}

const PORTS: &[(u32, &str)] = &[
    (22, "SSH"),
    (23, "telnet"),
    (2375, "Docker API"),
    (2376, "Docker API"),
];

pub fn sensitive_port(ctx: &Ctx, out: &mut Vec<Finding>) {
    for ins in ctx.df.instructions.iter().filter(|i| i.keyword == "EXPOSE") {
        for w in ins.words() {
            let spec = w.split('/').next().unwrap_or(&w);
            let (lo, hi) = match spec.split_once('-') {
                Some((a, b)) => (a.parse::<u32>().ok(), b.parse::<u32>().ok()),
                None => (spec.parse::<u32>().ok(), spec.parse::<u32>().ok()),
            };
            let (Some(lo), Some(hi)) = (lo, hi) else {
                continue;
            };
            for (port, what) in PORTS {
                if (lo..=hi).contains(port) {
                    out.push(ctx.finding(
                        &SENSITIVE_PORT,
                        ins.line,
                        format!("EXPOSE {w} exposes {what} (port {port})"),
                    ));
                }
            }
        }
    }
}

pub fn multiple_cmd(ctx: &Ctx, out: &mut Vec<Finding>) {
    for si in 0..ctx.stages.len() {
        for kw in ["CMD", "ENTRYPOINT"] {
            let lines: Vec<u32> = ctx
                .stage_instructions(si)
                .filter(|(_, i)| i.keyword == kw)
                .map(|(_, i)| i.line)
                .collect();
            if lines.len() > 1 {
                let later = lines[1..]
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                out.push(ctx.finding(
                    &MULTIPLE_CMD,
                    lines[0],
                    format!("{kw} here is overridden by {kw} on line {later}"),
                ));
            }
        }
    }
}

pub fn relative_workdir(ctx: &Ctx, out: &mut Vec<Finding>) {
    for ins in ctx
        .df
        .instructions
        .iter()
        .filter(|i| i.keyword == "WORKDIR")
    {
        let dir = ins.text();
        let dir = dir.trim().trim_matches(['"', '\'']);
        let windows = dir.len() > 1 && dir.as_bytes()[1] == b':';
        if !(dir.starts_with('/') || dir.starts_with('$') || windows || dir.starts_with('\\')) {
            out.push(ctx.finding(
                &RELATIVE_WORKDIR,
                ins.line,
                format!("WORKDIR {dir} is relative"),
            ));
        }
    }
}

pub fn duplicate_stage(ctx: &Ctx, out: &mut Vec<Finding>) {
    for (i, s) in ctx.stages.iter().enumerate() {
        let Some(name) = &s.name else { continue };
        if ctx.stages[..i]
            .iter()
            .any(|p| p.name.as_deref() == Some(name))
        {
            out.push(ctx.finding(
                &DUPLICATE_STAGE,
                ctx.instr(s.from).line,
                format!("stage name {name} is used more than once"),
            ));
        }
    }
}
