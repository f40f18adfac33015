use crate::dockerfile::Ctx;
use crate::image_ref::{ImageRef, unresolved};
use drydock_finding::{Finding, Kind, Rule, Severity};

pub static LATEST: Rule = Rule {
    id: "DD-DF-001",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Base image uses the latest tag or no tag",
    why: "A floating tag means each build may pull a different image, so a rebuild can silently pick up new vulnerabilities or breaking changes and builds cannot be reproduced.",
    fix: "Use an explicit version tag, ideally pinned by digest: FROM node:20.11-alpine@sha256:...",
    references: &[
        "hadolint DL3006",
        "hadolint DL3007",
        "Trivy DS001",
        "CIS Docker Benchmark 4.2",
    ],
};

pub static NOT_PINNED: Rule = Rule {
    id: "DD-DF-002",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Base image is not pinned by digest",
    why: "Tags are mutable: the publisher (or anyone who compromises the registry account) can point them at different content. Only a digest identifies exactly what you build on.",
    fix: "Append the digest of the image you tested: FROM python:3.12-slim@sha256:<digest>, and let a bot update it.",
    references: &["CIS Docker Benchmark 4.2", "SLSA build integrity"],
};

pub static COPY_FROM_LATEST: Rule = Rule {
    id: "DD-DF-021",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "COPY --from pulls an external image by latest or no tag",
    why: "COPY --from with an image reference pulls that image at build time; a floating tag makes the copied files change without any edit to the Dockerfile.",
    fix: "Pin the image in --from to a version tag and digest, or copy from a named build stage.",
    references: &["hadolint DL3022", "hadolint DL3007"],
};

pub static COPY_FROM_SELF: Rule = Rule {
    id: "DD-DF-022",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "COPY --from references its own stage",
    why: "A stage cannot copy from itself; the build fails or, with a same-named image in a registry, silently copies from that image instead.",
    fix: "Copy from an earlier stage's alias.",
    references: &["hadolint DL3023", "Trivy DS006"],
};

fn judged(image: &str) -> bool {
    !(image.eq_ignore_ascii_case("scratch") || unresolved(image))
}

pub fn latest(ctx: &Ctx, out: &mut Vec<Finding>) {
    for stage in &ctx.stages {
        if stage.parent.is_some() || !judged(&stage.image) {
            continue;
        }
        let r = ImageRef::parse(&stage.image);
        if let Some(why) = r.problem() {
            out.push(ctx.finding(
                &LATEST,
                ctx.instr(stage.from).line,
                format!(
                    "FROM {} is not a valid image reference ({why}): the build cannot pull it",
                    stage.image
                ),
            ));
        } else if r.floating() {
            out.push(ctx.finding(
                &LATEST,
                ctx.instr(stage.from).line,
                format!("FROM {} floats on the latest tag", stage.image),
            ));
        }
    }
}

pub fn not_pinned(ctx: &Ctx, out: &mut Vec<Finding>) {
    for stage in &ctx.stages {
        if stage.parent.is_some() || !judged(&stage.image) {
            continue;
        }
        let r = ImageRef::parse(&stage.image);
        if !r.pinned() && !r.floating() && r.problem().is_none() {
            out.push(ctx.finding(
                &NOT_PINNED,
                ctx.instr(stage.from).line,
                format!("FROM {} has a tag but no digest", stage.image),
            ));
        }
    }
}

/// Whether `--from` names a stage (by alias or index) rather than an external image.
fn is_stage_ref(ctx: &Ctx, from: &str) -> bool {
    let lower = from.to_ascii_lowercase();
    from.parse::<usize>().is_ok() || ctx.stages.iter().any(|s| s.name.as_deref() == Some(&lower))
}

pub fn copy_from_latest(ctx: &Ctx, out: &mut Vec<Finding>) {
    for ins in &ctx.df.instructions {
        if ins.keyword != "COPY" {
            continue;
        }
        let Some(from) = ins.flag("from") else {
            continue;
        };
        if is_stage_ref(ctx, from) || !judged(from) {
            continue;
        }
        if ImageRef::parse(from).floating() {
            out.push(ctx.finding(
                &COPY_FROM_LATEST,
                ins.line,
                format!("COPY --from={from} copies from an image on the latest tag"),
            ));
        }
    }
}

pub fn copy_from_self(ctx: &Ctx, out: &mut Vec<Finding>) {
    for (si, stage) in ctx.stages.iter().enumerate() {
        let Some(name) = &stage.name else { continue };
        for (_, ins) in ctx.stage_instructions(si) {
            if ins.keyword == "COPY"
                && ins
                    .flag("from")
                    .is_some_and(|f| f.eq_ignore_ascii_case(name))
            {
                out.push(ctx.finding(
                    &COPY_FROM_SELF,
                    ins.line,
                    format!("COPY --from={name} inside stage {name}"),
                ));
            }
        }
    }
}
