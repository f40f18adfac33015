use crate::Report;
use std::fmt::Write;

/// The short human summary printed by default.
pub fn summary(r: &Report<'_>) -> String {
    summary_styled(r, false)
}

/// ANSI colour for a severity label (on a terminal only; `NO_COLOR` is the caller's to honour).
fn paint(colour: bool, sev: drydock_finding::Severity) -> (&'static str, &'static str) {
    use drydock_finding::Severity::*;
    if !colour {
        return ("", "");
    }
    let code = match sev {
        Critical => "\x1b[1;35m",
        High => "\x1b[1;31m",
        Medium => "\x1b[33m",
        Low => "\x1b[36m",
        Unknown => "\x1b[2m",
    };
    (code, "\x1b[0m")
}

/// The summary, with severities coloured when `colour` is set.
pub fn summary_styled(r: &Report<'_>, colour: bool) -> String {
    let mut o = String::new();
    let name = r.target.reference.as_deref().unwrap_or("");
    let _ = writeln!(o, "{}  ({}) {name}", r.target.path, kind(r));
    let files_only = matches!(r.target.kind, crate::TargetKind::Files(_));
    if let Some(img) = &r.image {
        let id = img.id.map(|d| short(&d.to_string())).unwrap_or_default();
        let plat = match img.variant {
            Some(v) => format!("{}/{}/{v}", img.os, img.architecture),
            None => format!("{}/{}", img.os, img.architecture),
        };
        let _ = writeln!(
            o,
            "  image    {id}  {plat}{}",
            img.created
                .map(|c| format!("  created {c}"))
                .unwrap_or_default()
        );
        if let Some(d) = img.manifest_digest {
            let _ = writeln!(o, "  manifest {d}");
        }
        let c = &img.config;
        let user = match c.user.as_deref() {
            None | Some("") => "root (no USER set)".to_string(),
            Some(u) => u.to_string(),
        };
        let cmd: Vec<&str> = c
            .entrypoint
            .iter()
            .chain(&c.cmd)
            .map(String::as_str)
            .collect();
        let ports: Vec<&str> = c.exposed_ports.keys().map(String::as_str).collect();
        let _ = writeln!(
            o,
            "  config   user {user}; cmd {}; ports {}",
            if cmd.is_empty() {
                "-".into()
            } else {
                cmd.join(" ")
            },
            if ports.is_empty() {
                "-".into()
            } else {
                ports.join(", ")
            }
        );
    }
    match r.os {
        _ if files_only => {}
        Some(os) => {
            let support = match (os.eol, os.eol_date) {
                (Some(true), Some(d)) => format!("  END OF LIFE since {d}"),
                (Some(false), Some(d)) => format!("  supported until {d}"),
                _ => String::new(),
            };
            let _ = writeln!(
                o,
                "  os       {} {}{}  ({}){support}",
                os.family,
                os.version,
                os.codename
                    .as_deref()
                    .map(|c| format!(" ({c})"))
                    .unwrap_or_default(),
                os.name.as_deref().unwrap_or("")
            );
        }
        None => {
            let _ = writeln!(o, "  os       unknown (no release file found)");
        }
    }
    if !files_only {
        let _ = writeln!(o, "  layers   {}", r.layers.len());
    }
    for l in &r.layers {
        let digest = l
            .diff_id
            .or(l.digest)
            .map(|d| short(&d.to_string()))
            .unwrap_or_else(|| "-".into());
        let comp = l
            .compression
            .map(|c| format!("{c:?}").to_lowercase())
            .unwrap_or_else(|| "dir".into());
        let _ = writeln!(
            o,
            "    {:>2}  {digest}  {comp:<5} {:>9} -> {:>9}  {:>7} entries{}",
            l.index,
            bytes(l.compressed_bytes),
            bytes(l.uncompressed_bytes),
            l.entries,
            if l.verified { "  verified" } else { "" }
        );
    }
    if !files_only {
        let _ = writeln!(o, "  files    {} in the final view", r.files);
    }
    if !r.packages.is_empty() {
        let mut by_eco: std::collections::BTreeMap<&str, usize> = Default::default();
        for p in r.packages {
            *by_eco.entry(p.ecosystem.as_str()).or_default() += 1;
        }
        let parts: Vec<String> = by_eco.iter().map(|(e, n)| format!("{n} {e}")).collect();
        let _ = writeln!(o, "  packages {}", parts.join(", "));
    }
    if !r.runtimes.is_empty() {
        let rt: Vec<String> = r
            .runtimes
            .iter()
            .map(|p| format!("{} {} ({})", p.name, p.version, p.ecosystem))
            .collect();
        let _ = writeln!(o, "  runtimes {}", rt.join(", "));
    }
    if !r.findings.is_empty() {
        let _ = writeln!(o);
        for f in r.findings {
            let place = match (&f.location.path, f.location.layer) {
                (Some(p), Some(l)) => format!("{p} (layer {l})"),
                (Some(p), None) => p.clone(),
                _ => String::new(),
            };
            let (on, off) = paint(colour, f.severity);
            let _ = writeln!(o, "  {on}{:<8}{off} {:<11} {}", f.severity, f.id, f.title);
            let _ = writeln!(
                o,
                "  {:<8} {:<11} {}{}",
                "",
                "",
                f.message,
                if place.is_empty() || f.message.contains(&place) {
                    String::new()
                } else {
                    format!("  [{place}]")
                }
            );
        }
    }
    let totals: Vec<String> = r
        .totals
        .iter()
        .rev()
        .map(|(s, n)| format!("{n} {}", s.as_str().to_lowercase()))
        .collect();
    let _ = writeln!(
        o,
        "\n  findings {}",
        if totals.is_empty() {
            "none".to_string()
        } else {
            format!("{} ({})", r.findings.len(), totals.join(", "))
        }
    );
    if !r.suppressed.is_empty() {
        let _ = writeln!(
            o,
            "  suppressed {} (see the JSON report for each reason)",
            r.suppressed.len()
        );
    }
    for n in r.notes {
        let _ = writeln!(o, "  note     {n}");
    }
    if !r.diagnostics.is_empty() {
        let _ = writeln!(o, "  warnings {}", r.diagnostics.len());
        for d in r.diagnostics.iter().take(20) {
            let _ = writeln!(o, "    {}: {}", d.source, d.message);
        }
    }
    o
}

fn kind(r: &Report<'_>) -> &'static str {
    use crate::{FilesKind, TargetKind};
    use drydock_image::SourceKind;
    match r.target.kind {
        TargetKind::Image(SourceKind::DockerArchive) => "docker-archive",
        TargetKind::Image(SourceKind::OciLayout) => "oci",
        TargetKind::Image(SourceKind::Rootfs) => "rootfs",
        TargetKind::Image(SourceKind::Registry) => "registry",
        TargetKind::Image(SourceKind::Engine) => "engine",
        TargetKind::Image(SourceKind::Sbom) => "sbom",
        TargetKind::Files(FilesKind::Config) => "config",
        TargetKind::Files(FilesKind::Host) => "host",
    }
}

fn short(d: &str) -> String {
    d.chars().take(19).collect()
}

fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}
