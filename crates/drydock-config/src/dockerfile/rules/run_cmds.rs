use crate::dockerfile::Ctx;
use crate::shell::basename;
use drydock_finding::{Finding, Kind, Rule, Severity};

pub static SUDO: Rule = Rule {
    id: "DD-DF-005",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "RUN uses or installs sudo",
    why: "Build steps already run as the current USER; sudo in an image means sudo is installed and configured, which gives any process in the running container an easy path back to root.",
    fix: "Run the privileged steps before switching USER, and do not install sudo in the image.",
    references: &["hadolint DL3004", "Trivy DS010", "checkov CKV2_DOCKER_1"],
};

pub static CURL_PIPE_SHELL: Rule = Rule {
    id: "DD-DF-013",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Remote script piped into a shell",
    why: "curl | sh runs whatever the server returns at build time, unverified: a compromised or spoofed host gets code execution in the build and a backdoor in the image.",
    fix: "Download to a file, verify a pinned checksum or signature (sha256sum -c), then run it; or install from a signed package.",
    references: &["CIS Docker Benchmark 4.9", "NIST SP 800-190 4.1.4"],
};

pub static CHMOD_WORLD: Rule = Rule {
    id: "DD-DF-016",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "chmod makes files world-writable",
    why: "World-writable files let any user in the container (or a compromised unprivileged process) replace binaries, scripts or configuration that other processes trust.",
    fix: "Grant write access to the owning user or group only (chmod 755 / 775 with chown), never to others.",
    references: &[
        "CIS Docker Benchmark 4.8",
        "NSA/CISA Kubernetes Hardening Guide (file permissions)",
    ],
};

pub static RUN_CD: Rule = Rule {
    id: "DD-DF-019",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "RUN cd used instead of WORKDIR",
    why: "A cd only lasts for one RUN, so later instructions silently run elsewhere; WORKDIR makes the directory explicit and durable.",
    fix: "Use WORKDIR /path before the commands that need it.",
    references: &["hadolint DL3003", "Trivy DS013"],
};

pub static NO_PIPEFAIL: Rule = Rule {
    id: "DD-DF-026",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "RUN pipe without pipefail",
    why: "/bin/sh only reports the last command of a pipe, so a failed download or checksum before the pipe is ignored and the build continues with broken or unverified content.",
    fix: "Add SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"] before the RUN, or start the script with set -o pipefail.",
    references: &["hadolint DL4006"],
};

pub static PASSWORD_SET: Rule = Rule {
    id: "DD-DF-031",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "RUN sets a user password",
    why: "A password set at build time is stored in the image for everyone who can pull it, and it is the same in every container started from it.",
    fix: "Do not give container users passwords; inject credentials at run time from a secret store.",
    references: &["checkov CKV2_DOCKER_17", "CIS Docker Benchmark 4.10"],
};

pub static SUDO_NOPASSWD: Rule = Rule {
    id: "DD-DF-035",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "RUN grants passwordless sudo",
    why: "A NOPASSWD sudoers entry written into the image lets every process running as that user become root without any secret: one code execution bug in the application is root in the container.",
    fix: "Do not configure sudo in the image; run the steps that need root before USER, as root.",
    references: &["checkov CKV2_DOCKER_1", "CIS Docker Benchmark 4.1"],
};

/// A RUN that writes a `NOPASSWD` rule into sudoers (`echo '… NOPASSWD: ALL' >> /etc/sudoers`,
/// `tee /etc/sudoers.d/x`, `sed -i … /etc/sudoers`).
pub fn sudo_nopasswd(ctx: &Ctx, out: &mut Vec<Finding>) {
    for run in &ctx.runs {
        let script = &run.script;
        if script.contains("NOPASSWD") && (script.contains("sudoers") || script.contains("visudo"))
        {
            out.push(ctx.finding(
                &SUDO_NOPASSWD,
                ctx.instr(run.index).line,
                "RUN writes a NOPASSWD rule into sudoers",
            ));
        }
    }
}

pub fn sudo(ctx: &Ctx, out: &mut Vec<Finding>) {
    for run in &ctx.runs {
        let invoked = run.commands.iter().any(|c| {
            c.words
                .iter()
                .find(|w| !w.contains('='))
                .is_some_and(|w| basename(w) == "sudo")
        });
        // Installing the sudo package is the same risk even if no build step calls it.
        let installed = run.commands.iter().any(|c| {
            matches!(
                c.program(),
                Some("apt-get" | "apt" | "apk" | "yum" | "dnf" | "microdnf" | "zypper")
            ) && c.args().iter().any(|a| a == "sudo")
        });
        let message = match (invoked, installed) {
            (true, _) => "RUN calls sudo",
            (false, true) => "RUN installs the sudo package",
            (false, false) => continue,
        };
        out.push(ctx.finding(&SUDO, ctx.instr(run.index).line, message));
    }
}

const SHELLS: &[&str] = &[
    "sh", "bash", "zsh", "ash", "dash", "ksh", "python", "python3", "perl", "ruby", "node", "php",
];

pub fn curl_pipe_shell(ctx: &Ctx, out: &mut Vec<Finding>) {
    for run in &ctx.runs {
        let piped = run.commands.windows(2).any(|w| {
            w[0].piped
                && matches!(w[0].program(), Some("curl" | "wget" | "fetch"))
                && w[1].program().is_some_and(|p| SHELLS.contains(&p))
        });
        let lower = run.script.to_ascii_lowercase();
        let substituted = ["<(curl", "<(wget", "$(curl", "$(wget", "`curl", "`wget"]
            .iter()
            .any(|p| lower.contains(p))
            && run
                .commands
                .iter()
                .any(|c| c.program().is_some_and(|p| SHELLS.contains(&p)));
        if piped || substituted {
            out.push(ctx.finding(
                &CURL_PIPE_SHELL,
                ctx.instr(run.index).line,
                "RUN downloads a script and runs it without verification",
            ));
        }
    }
}

/// Whether a chmod mode grants write to "others".
fn world_writable(mode: &str) -> bool {
    if mode.bytes().all(|b| b.is_ascii_digit()) {
        if mode.len() == 4 && mode.starts_with('1') {
            // Sticky bit (1777, as for /tmp) is the safe way to share a directory.
            return false;
        }
        return mode
            .bytes()
            .last()
            .is_some_and(|b| matches!(b, b'2' | b'3' | b'6' | b'7'));
    }
    mode.split(',').any(|clause| {
        let (who, rest) = match clause.find(['+', '=']) {
            Some(i) => (&clause[..i], &clause[i + 1..]),
            None => return false,
        };
        (who.contains('o') || who.contains('a')) && rest.contains('w') && !rest.contains('t')
    })
}

pub fn chmod_world(ctx: &Ctx, out: &mut Vec<Finding>) {
    for run in &ctx.runs {
        for c in &run.commands {
            if c.program() != Some("chmod") {
                continue;
            }
            if let Some(mode) = c.args().iter().find(|a| !a.starts_with('-'))
                && world_writable(mode)
            {
                out.push(ctx.finding(
                    &CHMOD_WORLD,
                    ctx.instr(run.index).line,
                    format!("chmod {mode} grants write access to all users"),
                ));
            }
        }
    }
}

pub fn run_cd(ctx: &Ctx, out: &mut Vec<Finding>) {
    for run in &ctx.runs {
        if let Some(c) = run.commands.iter().find(|c| c.program() == Some("cd")) {
            let dir = c.args().first().map(String::as_str).unwrap_or("~");
            out.push(ctx.finding(
                &RUN_CD,
                ctx.instr(run.index).line,
                format!("RUN changes directory with cd {dir}"),
            ));
        }
    }
}

pub fn no_pipefail(ctx: &Ctx, out: &mut Vec<Finding>) {
    for run in &ctx.runs {
        let ins = ctx.instr(run.index);
        if matches!(ins.args, crate::dockerfile::Args::Exec(_)) {
            continue;
        }
        if !crate::shell::has_pipe(&run.commands) {
            continue;
        }
        let script = run.script.replace(' ', "");
        if script.contains("pipefail") || ctx.shell_has_pipefail(run) {
            continue;
        }
        out.push(ctx.finding(
            &NO_PIPEFAIL,
            ins.line,
            "RUN has a pipe but the shell does not set -o pipefail",
        ));
    }
}

pub fn password_set(ctx: &Ctx, out: &mut Vec<Finding>) {
    for run in &ctx.runs {
        let hit = run.commands.iter().find_map(|c| match c.program() {
            Some("chpasswd") => Some("chpasswd"),
            Some("passwd") if c.has_flag(&["--stdin"], None) => Some("passwd --stdin"),
            Some("useradd" | "usermod" | "adduser")
                if c.has_flag(&["--password"], None) || c.args().iter().any(|a| a == "-p") =>
            {
                Some("a password option")
            }
            _ => None,
        });
        if let Some(how) = hit {
            out.push(ctx.finding(
                &PASSWORD_SET,
                ctx.instr(run.index).line,
                format!("RUN sets a password with {how}"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::world_writable;

    #[test]
    fn modes() {
        assert!(world_writable("777"));
        assert!(world_writable("0666"));
        assert!(world_writable("o+w"));
        assert!(world_writable("a=rwx"));
        assert!(!world_writable("1777"));
        assert!(!world_writable("755"));
        assert!(!world_writable("+x"));
        assert!(!world_writable("u+w"));
    }
}
