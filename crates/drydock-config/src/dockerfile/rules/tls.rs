use super::pairs;
use crate::dockerfile::Ctx;
use drydock_finding::{Finding, Kind, Rule, Severity};

pub static TLS_DISABLED: Rule = Rule {
    id: "DD-DF-028",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "TLS certificate verification disabled",
    why: "Without certificate checks, anyone on the network path can substitute what is downloaded during the build, or what the application fetches at run time.",
    fix: "Remove -k/--insecure, --no-check-certificate, --trusted-host, strict-ssl false, sslVerify false and NODE_TLS_REJECT_UNAUTHORIZED=0; install the CA certificate you need instead.",
    references: &[
        "checkov CKV2_DOCKER_2",
        "checkov CKV2_DOCKER_3",
        "checkov CKV2_DOCKER_4",
        "checkov CKV2_DOCKER_5",
        "checkov CKV2_DOCKER_6",
        "checkov CKV2_DOCKER_12",
        "checkov CKV2_DOCKER_13",
        "checkov CKV2_DOCKER_14",
        "checkov CKV2_DOCKER_16",
    ],
};

pub static UNSIGNED_PACKAGES: Rule = Rule {
    id: "DD-DF-029",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Package signature verification disabled",
    why: "Package signatures are what stop a malicious mirror or proxy from serving modified packages; turning them off installs whatever arrives.",
    fix: "Remove --allow-untrusted, --allow-unauthenticated, --force-yes, --nogpgcheck, zypper --no-gpgcheck / -G, gpgcheck=0 and rpm --nosignature; import the repository key instead.",
    references: &[
        "checkov CKV2_DOCKER_7",
        "checkov CKV2_DOCKER_8",
        "checkov CKV2_DOCKER_9",
        "checkov CKV2_DOCKER_10",
        "checkov CKV2_DOCKER_11",
        "checkov CKV2_DOCKER_15",
    ],
};

pub fn tls_disabled(ctx: &Ctx, out: &mut Vec<Finding>) {
    for run in &ctx.runs {
        let mut hit: Option<String> = None;
        for c in &run.commands {
            let found = match c.program() {
                Some("curl") if c.has_flag(&["-k", "--insecure"], Some('k')) => {
                    Some("curl --insecure")
                }
                Some("wget") if c.has_flag(&["--no-check-certificate"], None) => {
                    Some("wget --no-check-certificate")
                }
                Some(p)
                    if (p.starts_with("pip") || p.starts_with("python"))
                        && c.has_flag(&["--trusted-host"], None) =>
                {
                    Some("pip --trusted-host")
                }
                Some("npm" | "yarn" | "pnpm")
                    if c.args().iter().any(|a| a.contains("strict-ssl"))
                        && c.args()
                            .iter()
                            .any(|a| a == "false" || a.ends_with("=false")) =>
                {
                    Some("strict-ssl false")
                }
                Some("git")
                    if c.args()
                        .iter()
                        .any(|a| a.to_ascii_lowercase().contains("sslverify"))
                        && c.args()
                            .iter()
                            .any(|a| a == "false" || a.ends_with("=false")) =>
                {
                    Some("git http.sslVerify false")
                }
                _ => None,
            };
            if let Some(f) = found {
                hit = Some(f.to_owned());
                break;
            }
        }
        let lower = run.script.to_ascii_lowercase().replace(' ', "");
        if hit.is_none() && (lower.contains("sslverify=false") || lower.contains("sslverify=0")) {
            hit = Some("sslverify disabled in a repository file".to_owned());
        }
        if let Some(h) = hit {
            out.push(ctx.finding(
                &TLS_DISABLED,
                ctx.instr(run.index).line,
                format!("RUN uses {h}"),
            ));
        }
    }
    for ins in ctx
        .df
        .instructions
        .iter()
        .filter(|i| i.keyword == "ENV" || i.keyword == "ARG")
    {
        for (name, value) in pairs(&ins.text()) {
            let v = value.unwrap_or_default().to_ascii_lowercase();
            let bad = match name.as_str() {
                "NODE_TLS_REJECT_UNAUTHORIZED" => v == "0",
                "PYTHONHTTPSVERIFY" => v == "0",
                "GIT_SSL_NO_VERIFY" => !v.is_empty() && v != "0" && v != "false",
                "PIP_TRUSTED_HOST" => !v.is_empty(),
                "NPM_CONFIG_STRICT_SSL" | "npm_config_strict_ssl" => v == "false",
                _ => false,
            };
            if bad {
                out.push(ctx.finding(
                    &TLS_DISABLED,
                    ins.line,
                    format!("{} {name} turns off certificate verification", ins.keyword),
                ));
            }
        }
    }
}

pub fn unsigned_packages(ctx: &Ctx, out: &mut Vec<Finding>) {
    for run in &ctx.runs {
        let mut hit = run.commands.iter().find_map(|c| match c.program() {
            Some("apk") if c.has_flag(&["--allow-untrusted"], None) => {
                Some("apk --allow-untrusted")
            }
            Some("apt-get" | "apt")
                if c.has_flag(
                    &[
                        "--allow-unauthenticated",
                        "--force-yes",
                        "--allow-insecure-repositories",
                    ],
                    None,
                ) =>
            {
                Some("apt-get without authentication")
            }
            Some("yum" | "dnf" | "microdnf" | "tdnf" | "zypper")
                if c.has_flag(&["--nogpgcheck", "--no-gpg-checks", "--no-gpgcheck"], None) =>
            {
                Some("--nogpgcheck")
            }
            // `zypper addrepo -G` adds a repository whose packages are never verified.
            Some("zypper")
                if c.has_flag(&[], Some('G'))
                    && c.args()
                        .iter()
                        .any(|a| matches!(a.as_str(), "ar" | "addrepo" | "mr" | "modifyrepo")) =>
            {
                Some("a zypper repository without GPG checks")
            }
            Some("rpm")
                if c.has_flag(
                    &[
                        "--nosignature",
                        "--nodigest",
                        "--nofiledigest",
                        "--noverify",
                    ],
                    None,
                ) =>
            {
                Some("rpm without signature checks")
            }
            _ => None,
        });
        let lower = run.script.to_ascii_lowercase().replace(' ', "");
        if hit.is_none() && lower.contains("gpgcheck=0") {
            hit = Some("gpgcheck=0 in a repository file");
        }
        if hit.is_none()
            && (lower.contains("[trusted=yes]")
                || lower.contains("allowinsecurerepositories=true")
                || lower.contains("allowunauthenticated=true"))
        {
            hit = Some("an untrusted apt repository");
        }
        if let Some(h) = hit {
            out.push(ctx.finding(
                &UNSIGNED_PACKAGES,
                ctx.instr(run.index).line,
                format!("RUN installs packages with {h}"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::dockerfile::scan;

    fn ids(src: &str) -> Vec<String> {
        scan("Dockerfile", src)
            .findings
            .into_iter()
            .map(|f| f.id)
            .collect()
    }

    #[test]
    fn zypper_repositories_without_gpg_checks() {
        let unsigned = "DD-DF-029".to_owned();
        assert!(
            ids("FROM opensuse/leap:15.5\nRUN zypper addrepo --no-gpgcheck https://x/repo x\n")
                .contains(&unsigned)
        );
        assert!(
            ids("FROM opensuse/leap:15.5\nRUN zypper ar -fG https://x/repo x\n")
                .contains(&unsigned)
        );
        assert!(
            !ids("FROM opensuse/leap:15.5\nRUN zypper ar -f https://x/repo x\n")
                .contains(&unsigned)
        );
    }
}
