use super::pairs;
use crate::dockerfile::Ctx;
use crate::secrets::{
    auth_disabled, command_secrets, known_secret_value, literal_value, redact, secret_name,
};
use drydock_finding::{Finding, Kind, Rule, Severity};

pub static ENV_SECRET: Rule = Rule {
    id: "DD-DF-014",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Secret set in ENV",
    why: "ENV values are stored in the image configuration: anyone who can pull the image reads them with docker inspect, and every container started from it gets them.",
    fix: "Remove the value from the Dockerfile; pass it at run time from a secret store, or use RUN --mount=type=secret for build-time needs.",
    references: &[
        "CIS Docker Benchmark 4.10",
        "Trivy DS031",
        "NSA/CISA Kubernetes Hardening Guide (secrets)",
    ],
};

pub static ARG_SECRET: Rule = Rule {
    id: "DD-DF-015",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Secret passed as a build argument",
    why: "Build arguments are recorded in the image history (docker history shows them for every RUN that used them) and in build caches.",
    fix: "Use RUN --mount=type=secret,id=... and pass the secret with docker build --secret.",
    references: &["CIS Docker Benchmark 4.10", "Trivy DS031"],
};

pub static AUTH_OFF: Rule = Rule {
    id: "DD-DF-036",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Authentication turned off by an ENV setting",
    why: "Database and dashboard images read settings such as POSTGRES_HOST_AUTH_METHOD=trust, MYSQL_ALLOW_EMPTY_PASSWORD or GF_AUTH_ANONYMOUS_ENABLED from the environment; baked in with ENV, every container of the image serves without a password unless its operator knows to override it.",
    fix: "Remove the ENV; have the service require a password given at run time from a secret store.",
    references: &["OWASP Docker Security Cheat Sheet: rule 12"],
};

pub static CMDLINE_SECRET: Rule = Rule {
    id: "DD-DF-037",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Password written on a command line in the Dockerfile",
    why: "A literal password in RUN is kept in the image history (docker history shows it); in CMD, ENTRYPOINT or HEALTHCHECK it is in the image configuration for everyone who can pull the image, and in the process list of every container.",
    fix: "Use RUN --mount=type=secret for build steps, and give the running container its password at run time from a file (a mounted secret).",
    references: &[
        "CIS Docker Benchmark 4.10",
        "CWE-214: Invocation of Process Using Visible Sensitive Information",
    ],
};

pub fn cmdline_secret(ctx: &Ctx, out: &mut Vec<Finding>) {
    for ins in ctx.df.instructions.iter().filter(|i| {
        matches!(
            i.keyword.as_str(),
            "RUN" | "CMD" | "ENTRYPOINT" | "HEALTHCHECK"
        )
    }) {
        let text = ins.text();
        // HEALTHCHECK's own options come before its CMD.
        let command = match ins.keyword.as_str() {
            "HEALTHCHECK" => text
                .split_once("CMD ")
                .map_or(text.as_str(), |(_, c)| c)
                .to_owned(),
            _ => text.clone(),
        };
        for (flag, value) in command_secrets(&[command.as_str()]) {
            out.push(ctx.finding(
                &CMDLINE_SECRET,
                ins.line,
                format!("{} passes {flag} {}", ins.keyword, redact(&value)),
            ));
        }
    }
}

pub fn auth_off(ctx: &Ctx, out: &mut Vec<Finding>) {
    for ins in ctx.df.instructions.iter().filter(|i| i.keyword == "ENV") {
        for (name, value) in pairs(&ins.text()) {
            if let Some(what) = value.as_deref().and_then(|v| auth_disabled(&name, v)) {
                out.push(ctx.finding(&AUTH_OFF, ins.line, format!("ENV {name}: {what}")));
            }
        }
    }
}

pub fn env_secret(ctx: &Ctx, out: &mut Vec<Finding>) {
    for ins in ctx.df.instructions.iter().filter(|i| i.keyword == "ENV") {
        for (name, value) in pairs(&ins.text()) {
            let Some(value) = value else { continue };
            if let Some(what) = known_secret_value(&value) {
                out.push(ctx.finding(
                    &ENV_SECRET,
                    ins.line,
                    format!("ENV {name} holds a {what} ({})", redact(&value)),
                ));
            } else if secret_name(&name) && !value.trim().is_empty() {
                let detail = if literal_value(&value) {
                    format!("a literal value ({})", redact(&value))
                } else {
                    format!("{value}, baking the build argument into the image")
                };
                out.push(ctx.finding(
                    &ENV_SECRET,
                    ins.line,
                    format!("ENV {name} is set to {detail}"),
                ));
            }
        }
    }
}

pub fn arg_secret(ctx: &Ctx, out: &mut Vec<Finding>) {
    for ins in ctx.df.instructions.iter().filter(|i| i.keyword == "ARG") {
        for (name, value) in pairs(&ins.text()) {
            let known = value.as_deref().and_then(known_secret_value);
            if secret_name(&name) || known.is_some() {
                let detail = match value.as_deref() {
                    Some(v) if literal_value(v) => format!(" with default {}", redact(v)),
                    _ => String::new(),
                };
                out.push(ctx.finding(
                    &ARG_SECRET,
                    ins.line,
                    format!("ARG {name}{detail} carries a secret through the build"),
                ));
            }
        }
    }
}
