//! Package-manager hygiene: reproducible, non-interactive installs that leave no caches.

use crate::dockerfile::{Ctx, Run};
use crate::shell::Command;
use drydock_finding::{Finding, Kind, Rule, Severity};

pub static APT_RECOMMENDS: Rule = Rule {
    id: "DD-DF-008",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "apt-get install without --no-install-recommends",
    why: "Recommended packages are installed by default, pulling in software the image does not need and every vulnerability that comes with it.",
    fix: "apt-get install -y --no-install-recommends <packages>",
    references: &["hadolint DL3015", "Trivy DS029"],
};

pub static INTERACTIVE: Rule = Rule {
    id: "DD-DF-009",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Package install may prompt (missing -y)",
    why: "Without a non-interactive flag the package manager waits for confirmation; builds hang or abort, and people work around it in ways that hide failures.",
    fix: "Pass -y (apt-get, yum, dnf) or -n / --non-interactive (zypper).",
    references: &[
        "hadolint DL3014",
        "hadolint DL3030",
        "hadolint DL3038",
        "hadolint DL3034",
        "Trivy DS021",
    ],
};

pub static CACHE_LEFT: Rule = Rule {
    id: "DD-DF-010",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Package manager cache left in the image",
    why: "Package lists and caches left in a layer bloat the image and carry stale repository metadata; removing them in a later RUN does not shrink the earlier layer.",
    fix: "Clean up in the same RUN: && rm -rf /var/lib/apt/lists/* (apt), && yum clean all / dnf clean all, && zypper clean; or use RUN --mount=type=cache.",
    references: &[
        "hadolint DL3009",
        "hadolint DL3032",
        "hadolint DL3040",
        "hadolint DL3036",
        "Trivy DS015",
        "Trivy DS019",
        "Trivy DS020",
    ],
};

pub static APK_NO_CACHE: Rule = Rule {
    id: "DD-DF-011",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "apk add without --no-cache",
    why: "apk keeps its index in /var/cache/apk, adding size and stale metadata to the final image.",
    fix: "apk add --no-cache <packages>",
    references: &["hadolint DL3019", "Trivy DS025"],
};

pub static PIP_NO_CACHE: Rule = Rule {
    id: "DD-DF-012",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "pip install without --no-cache-dir",
    why: "pip's wheel cache ends up in the image layer, often hundreds of megabytes that ship to every node.",
    fix: "pip install --no-cache-dir ..., or ENV PIP_NO_CACHE_DIR=1, or RUN --mount=type=cache,target=/root/.cache/pip.",
    references: &["hadolint DL3042"],
};

pub static UPGRADE: Rule = Rule {
    id: "DD-DF-020",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Distribution upgrade in RUN",
    why: "apt-get upgrade, yum/dnf update and zypper update pull whatever the mirrors have that day, so the image is not reproducible and may change major components; patched bases are the better route.",
    fix: "Rebuild on an updated, pinned base image instead; install only the specific packages you need.",
    references: &["hadolint DL3005", "Trivy DS024"],
};

pub static UPDATE_ALONE: Rule = Rule {
    id: "DD-DF-025",
    kind: Kind::Misconfiguration,
    severity: Severity::Medium,
    title: "Package index updated in a RUN without an install",
    why: "The layer cache keeps the old index: later RUNs that install packages reuse a stale index and install outdated, vulnerable versions, or fail.",
    fix: "Update and install in the same RUN: apt-get update && apt-get install -y ...",
    references: &["Trivy DS017", "checkov CKV_DOCKER_5"],
};

pub static UNPINNED: Rule = Rule {
    id: "DD-DF-027",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Packages installed without version pins",
    why: "Unpinned installs take whatever version the repository serves at build time, so two builds of the same Dockerfile can contain different (and newly vulnerable) code.",
    fix: "Pin versions (apt-get install pkg=1.2.3-1, apk add pkg=1.2.3-r0, dnf/yum install pkg-1.2.3-1.el9, zypper install pkg=1.2.3, pip install pkg==1.2.3, npm install -g pkg@1.2.3) or use a lock file.",
    references: &[
        "hadolint DL3008",
        "hadolint DL3018",
        "hadolint DL3013",
        "hadolint DL3016",
        "hadolint DL3028",
        "hadolint DL3033",
        "hadolint DL3041",
        "hadolint DL3037",
    ],
};

pub static APT_NOT_APT_GET: Rule = Rule {
    id: "DD-DF-033",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "apt used instead of apt-get",
    why: "apt's command-line interface is not stable for scripts and warns so; behaviour can change between releases and break or alter builds.",
    fix: "Use apt-get (or apt-cache) in Dockerfiles.",
    references: &["hadolint DL3027", "checkov CKV_DOCKER_9"],
};

fn is_apt(c: &Command) -> bool {
    matches!(c.program(), Some("apt-get" | "apt"))
}

fn is_yum(c: &Command) -> bool {
    matches!(c.program(), Some("yum" | "dnf" | "microdnf" | "tdnf"))
}

/// Options that take a separate value, which must not be mistaken for a subcommand or package.
const VALUE_OPTIONS: &[&str] = &[
    "-o",
    "-c",
    "-t",
    "--target-release",
    "--virtual",
    "-r",
    "--requirement",
    "-e",
    "--editable",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--target",
    "--prefix",
    "--root",
    "--trusted-host",
    "--platform",
    "--python-version",
    "--only-binary",
    "--no-binary",
    "--constraint",
    "--repository",
    "-X",
    "--repo",
    "--enablerepo",
    "--disablerepo",
    "-v",
    "--version",
    "--setopt",
    "--installroot",
    "--releasever",
];

/// The subcommand (first non-option argument) and the operands after it.
fn operands(c: &Command) -> (Option<&str>, Vec<&str>) {
    let mut sub = None;
    let mut rest = Vec::new();
    let mut skip = false;
    for a in c.args() {
        if skip {
            skip = false;
            continue;
        }
        if VALUE_OPTIONS.contains(&a.as_str()) {
            skip = true;
            continue;
        }
        if a.starts_with('-') {
            continue;
        }
        if sub.is_none() {
            sub = Some(a.as_str());
        } else {
            rest.push(a.as_str());
        }
    }
    (sub, rest)
}

fn sub_is(c: &Command, names: &[&str]) -> bool {
    operands(c).0.is_some_and(|s| names.contains(&s))
}

fn cache_mount(ctx: &Ctx, run: &Run) -> bool {
    ctx.instr(run.index)
        .flags
        .iter()
        .any(|(n, v)| n == "mount" && v.as_deref().is_some_and(|v| v.contains("type=cache")))
}

/// Runs in stages that end up in a shipped image (the final one, or a Compose build target);
/// caches in discarded build stages cost nothing.
fn final_runs<'a>(ctx: &'a Ctx) -> impl Iterator<Item = &'a Run> + 'a {
    let chain: Vec<usize> = ctx
        .shipped_stages()
        .into_iter()
        .flat_map(|s| ctx.lineage(s))
        .collect();
    ctx.runs.iter().filter(move |r| chain.contains(&r.stage))
}

pub fn apt_recommends(ctx: &Ctx, out: &mut Vec<Finding>) {
    // apt's own setting turns recommends off for every later install: written to apt.conf.d
    // in a RUN (`APT::Install-Recommends "false";`) or given per command (`-o
    // APT::Install-Recommends=false`). Only that setting counts, not any text containing
    // "install-recommends" (which `--no-install-recommends` itself is).
    let mut configured = false;
    for run in &ctx.runs {
        configured |= recommends_off(&run.script);
        let missing = run.commands.iter().any(|c| {
            is_apt(c)
                && sub_is(c, &["install"])
                && !c.has_flag(&["--no-install-recommends"], None)
                && !recommends_off(&c.words.join(" "))
        });
        if missing && !configured {
            out.push(ctx.finding(
                &APT_RECOMMENDS,
                ctx.instr(run.index).line,
                "apt-get install without --no-install-recommends",
            ));
        }
    }
}

/// Whether `text` sets apt's `APT::Install-Recommends` to false.
fn recommends_off(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower
        .match_indices("apt::install-recommends")
        .any(|(i, key)| {
            let value = lower[i + key.len()..]
                .trim_start_matches([' ', '=', '"', '\'', '\\'])
                .split(|c: char| !c.is_ascii_alphanumeric())
                .next()
                .unwrap_or("");
            matches!(value, "false" | "0" | "no" | "off")
        })
}

pub fn interactive(ctx: &Ctx, out: &mut Vec<Finding>) {
    for run in &ctx.runs {
        for c in &run.commands {
            let missing = if is_apt(c)
                && sub_is(
                    c,
                    &[
                        "install",
                        "upgrade",
                        "dist-upgrade",
                        "full-upgrade",
                        "remove",
                        "purge",
                    ],
                ) {
                !c.has_flag(
                    &["-y", "--yes", "--assume-yes", "-qq", "-q=2", "--quiet=2"],
                    Some('y'),
                )
            } else if is_yum(c)
                && sub_is(
                    c,
                    &[
                        "install",
                        "update",
                        "upgrade",
                        "groupinstall",
                        "reinstall",
                        "remove",
                    ],
                )
            {
                c.program() != Some("microdnf") && !c.has_flag(&["-y", "--assumeyes"], Some('y'))
            } else if c.program() == Some("zypper")
                && sub_is(
                    c,
                    &["install", "in", "update", "up", "patch", "remove", "rm"],
                )
            {
                !c.has_flag(
                    &["-n", "--non-interactive", "-y", "--no-confirm"],
                    Some('n'),
                ) && !c.has_flag(&[], Some('y'))
            } else {
                false
            };
            if missing {
                let prog = c.program().unwrap_or("package manager");
                out.push(ctx.finding(
                    &INTERACTIVE,
                    ctx.instr(run.index).line,
                    format!(
                        "{prog} {} without a non-interactive flag",
                        operands(c).0.unwrap_or("")
                    ),
                ));
                break;
            }
        }
    }
}

pub fn cache_left(ctx: &Ctx, out: &mut Vec<Finding>) {
    for run in final_runs(ctx) {
        if cache_mount(ctx, run) {
            continue;
        }
        let s = run.script.as_str();
        let installs = |pred: fn(&Command) -> bool, subs: &[&str]| {
            run.commands.iter().any(|c| pred(c) && sub_is(c, subs))
        };
        let mut msgs = Vec::new();
        // `update` writes the lists; `install` and `upgrade` leave archives and state beside them.
        if installs(
            is_apt,
            &[
                "update",
                "install",
                "upgrade",
                "dist-upgrade",
                "full-upgrade",
            ],
        ) && !s.contains("/var/lib/apt/lists")
        {
            msgs.push("apt-get without rm -rf /var/lib/apt/lists/* in the same RUN");
        }
        if installs(is_yum, &["install", "groupinstall", "update", "upgrade"])
            && !(s.contains("clean all")
                || s.contains("/var/cache/yum")
                || s.contains("/var/cache/dnf"))
        {
            msgs.push("yum/dnf install without yum clean all / dnf clean all");
        }
        if installs(|c| c.program() == Some("zypper"), &["install", "in"])
            && !(s.contains("zypper clean")
                || s.contains("zypper cc")
                || s.contains("zypper -n clean"))
        {
            msgs.push("zypper install without zypper clean");
        }
        for m in msgs {
            out.push(ctx.finding(&CACHE_LEFT, ctx.instr(run.index).line, m));
        }
    }
}

pub fn apk_no_cache(ctx: &Ctx, out: &mut Vec<Finding>) {
    for run in final_runs(ctx) {
        if cache_mount(ctx, run) || run.script.contains("/var/cache/apk") {
            continue;
        }
        if run.commands.iter().any(|c| {
            c.program() == Some("apk") && sub_is(c, &["add"]) && !c.has_flag(&["--no-cache"], None)
        }) {
            out.push(ctx.finding(
                &APK_NO_CACHE,
                ctx.instr(run.index).line,
                "apk add without --no-cache",
            ));
        }
    }
}

fn is_pip_install(c: &Command) -> bool {
    match c.program() {
        Some(p) if p.starts_with("pip") => sub_is(c, &["install"]),
        Some(p) if p.starts_with("python") => {
            let a = c.args();
            a.len() >= 3 && a[0] == "-m" && a[1] == "pip" && a[2] == "install"
        }
        _ => false,
    }
}

pub fn pip_no_cache(ctx: &Ctx, out: &mut Vec<Finding>) {
    let env_set = ctx.df.instructions.iter().any(|i| {
        (i.keyword == "ENV" || i.keyword == "ARG") && i.text().contains("PIP_NO_CACHE_DIR")
    });
    if env_set {
        return;
    }
    for run in final_runs(ctx) {
        if cache_mount(ctx, run) {
            continue;
        }
        if run
            .commands
            .iter()
            .any(|c| is_pip_install(c) && !c.has_flag(&["--no-cache-dir"], None))
        {
            out.push(ctx.finding(
                &PIP_NO_CACHE,
                ctx.instr(run.index).line,
                "pip install without --no-cache-dir",
            ));
        }
    }
}

/// Whether a command upgrades the whole distribution. For yum, dnf and zypper `update` is the
/// upgrade (their index refresh is `makecache` / `refresh`), and it only upgrades everything
/// when no packages are named: `dnf update openssl` is a targeted install of the newest build.
fn is_distro_upgrade(c: &Command) -> bool {
    if is_apt(c) {
        return sub_is(c, &["upgrade", "dist-upgrade", "full-upgrade"]);
    }
    let (sub, ops) = operands(c);
    let subs: &[&str] = match c.program() {
        Some("apk") => &["upgrade"],
        Some("yum" | "dnf" | "microdnf" | "tdnf") => {
            &["update", "upgrade", "distro-sync", "upgrade-minimal"]
        }
        Some("zypper") => &["update", "up", "dist-upgrade", "dup"],
        _ => return false,
    };
    sub.is_some_and(|s| subs.contains(&s)) && (c.program() == Some("apk") || ops.is_empty())
}

pub fn upgrade(ctx: &Ctx, out: &mut Vec<Finding>) {
    for run in &ctx.runs {
        if let Some(c) = run.commands.iter().find(|c| is_distro_upgrade(c)) {
            out.push(ctx.finding(
                &UPGRADE,
                ctx.instr(run.index).line,
                format!(
                    "{} {} upgrades every installed package",
                    c.program().unwrap_or(""),
                    operands(c).0.unwrap_or("")
                ),
            ));
        }
    }
}

pub fn update_alone(ctx: &Ctx, out: &mut Vec<Finding>) {
    for run in &ctx.runs {
        // The index refresh of each package manager: yum/dnf call it makecache, zypper refresh.
        let updates = run.commands.iter().any(|c| {
            ((is_apt(c) || c.program() == Some("apk")) && sub_is(c, &["update"]))
                || (is_yum(c) && sub_is(c, &["makecache"]))
                || (c.program() == Some("zypper") && sub_is(c, &["refresh", "ref"]))
        });
        let installs = run.commands.iter().any(|c| {
            (is_apt(c)
                && sub_is(
                    c,
                    &[
                        "install",
                        "upgrade",
                        "dist-upgrade",
                        "full-upgrade",
                        "build-dep",
                    ],
                ))
                || (c.program() == Some("apk") && sub_is(c, &["add", "upgrade"]))
                || (is_yum(c)
                    && sub_is(
                        c,
                        &["install", "groupinstall", "reinstall", "update", "upgrade"],
                    ))
                || (c.program() == Some("zypper")
                    && sub_is(c, &["install", "in", "update", "up", "dist-upgrade", "dup"]))
        });
        if updates && !installs {
            out.push(ctx.finding(
                &UPDATE_ALONE,
                ctx.instr(run.index).line,
                "package index is updated in a RUN that installs nothing",
            ));
        }
    }
}

/// Whether an rpm package argument carries a version: `name-version[-release][.arch]`, or a
/// local `.rpm` file. A version starts at a dash followed by a digit and leaves at most one more
/// dash-separated part (the release) after it, so `gcc-13.2.1-6.fc39` is pinned while
/// `java-17-openjdk-headless` (a digit inside the name) is not.
fn rpm_pinned(p: &str) -> bool {
    if p.ends_with(".rpm") {
        return true;
    }
    p.char_indices().any(|(i, ch)| {
        ch == '-'
            && p[i + 1..].starts_with(|d: char| d.is_ascii_digit())
            && p[i + 1..].split('-').count() <= 2
    })
}

fn unpinned_operands(c: &Command) -> Vec<String> {
    let (sub, ops) = operands(c);
    let named = |p: &&str| !p.starts_with('$') && !p.contains('/') && !p.is_empty();
    let list: Vec<&str> = match c.program() {
        Some("apt-get" | "apt") if sub == Some("install") => ops
            .into_iter()
            .filter(named)
            .filter(|p| !p.contains('=') && !p.ends_with(".deb"))
            .collect(),
        Some("apk") if sub == Some("add") => ops
            .into_iter()
            .filter(named)
            .filter(|p| !p.contains('=') && !p.contains('~') && !p.starts_with('.'))
            .collect(),
        // `@group` and `@module:stream` name collections, which have no version to pin.
        Some("yum" | "dnf" | "microdnf" | "tdnf") if sub == Some("install") => ops
            .into_iter()
            .filter(named)
            .filter(|p| !p.starts_with('@') && !rpm_pinned(p))
            .collect(),
        Some("zypper") if matches!(sub, Some("install" | "in")) => ops
            .into_iter()
            .filter(named)
            .filter(|p| !p.contains(['=', '<', '>']) && !rpm_pinned(p))
            .collect(),
        _ if is_pip_install(c) => {
            let ops = if c.program().is_some_and(|p| p.starts_with("python")) {
                // `python -m pip install a b`: operands() saw "pip" as the subcommand.
                ops.into_iter().skip(1).collect()
            } else {
                ops
            };
            ops.into_iter()
                .filter(named)
                .filter(|p| {
                    !["==", ">=", "<=", "~=", "@", "<", ">"]
                        .iter()
                        .any(|op| p.contains(op))
                        && *p != "."
                        && !p.ends_with(".whl")
                        && !p.ends_with(".tar.gz")
                        && !p.ends_with(".zip")
                        && !p.starts_with("git+")
                })
                .collect()
        }
        Some("npm") if matches!(sub, Some("install" | "i" | "add")) => ops
            .into_iter()
            .filter(|p| !p.starts_with('$') && !p.starts_with('.') && !p.starts_with('/'))
            .filter(|p| !p.trim_start_matches('@').contains('@') && !p.contains(".tgz"))
            .collect(),
        Some("gem") if sub == Some("install") => {
            if c.has_flag(&["-v", "--version"], None) {
                Vec::new()
            } else {
                ops.into_iter()
                    .filter(named)
                    .filter(|p| !p.contains(':'))
                    .collect()
            }
        }
        _ => Vec::new(),
    };
    list.into_iter().map(str::to_owned).collect()
}

pub fn unpinned(ctx: &Ctx, out: &mut Vec<Finding>) {
    for run in &ctx.runs {
        let mut names: Vec<String> = Vec::new();
        for c in &run.commands {
            names.extend(unpinned_operands(c));
        }
        if names.is_empty() {
            continue;
        }
        let shown: Vec<&str> = names.iter().take(5).map(String::as_str).collect();
        let more = names.len().saturating_sub(5);
        let suffix = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        out.push(ctx.finding(
            &UNPINNED,
            ctx.instr(run.index).line,
            format!("unpinned: {}{suffix}", shown.join(", ")),
        ));
    }
}

pub fn apt_not_apt_get(ctx: &Ctx, out: &mut Vec<Finding>) {
    for run in &ctx.runs {
        if run.commands.iter().any(|c| c.program() == Some("apt")) {
            out.push(ctx.finding(
                &APT_NOT_APT_GET,
                ctx.instr(run.index).line,
                "RUN uses apt; use apt-get in scripts",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::split;

    fn unpinned(script: &str) -> Vec<String> {
        split(script).iter().flat_map(unpinned_operands).collect()
    }

    #[test]
    fn rpm_versions() {
        assert!(rpm_pinned("gcc-13.2.1-6.fc39"));
        assert!(rpm_pinned("java-17-openjdk-headless-17.0.11.0.9-2.el9"));
        assert!(rpm_pinned("httpd-2.4.57"));
        assert!(rpm_pinned("./local/pkg.rpm"));
        assert!(!rpm_pinned("java-17-openjdk-headless"));
        assert!(!rpm_pinned("redhat-rpm-config"));
        assert!(!rpm_pinned("python3"));
    }

    #[test]
    fn yum_dnf_zypper_pins() {
        assert_eq!(
            unpinned(
                "dnf install -y --setopt=install_weak_deps=0 gcc-13.2.1-6.fc39 poppler-utils @development-tools"
            ),
            vec!["poppler-utils"]
        );
        assert_eq!(
            unpinned("yum -y install httpd mod_ssl-2.4.57-1.el9"),
            vec!["httpd"]
        );
        assert_eq!(
            unpinned("microdnf install -y --nodocs shadow-utils-4.9-8.el9"),
            Vec::<String>::new()
        );
        assert_eq!(
            unpinned("zypper --non-interactive install -y php8-fpm=8.2.9 'curl>=8' nginx"),
            vec!["nginx"]
        );
        assert!(unpinned("dnf module install -y nodejs:18").is_empty());
    }

    #[test]
    fn distro_upgrades() {
        let up = |s: &str| split(s).iter().any(is_distro_upgrade);
        assert!(up("yum update -y"));
        assert!(up("dnf -y upgrade"));
        assert!(up("zypper -n dup"));
        assert!(up("apt-get dist-upgrade -y"));
        assert!(up("apk upgrade --no-cache"));
        assert!(!up("dnf update -y openssl"));
        assert!(!up("zypper refresh"));
        assert!(!up("apt-get update"));
    }
}
