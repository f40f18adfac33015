//! Known vulnerabilities: every package of the inventory looked up in the OSV database under
//! the key its advisories use (distro packages by source package and release, language packages
//! by ecosystem and normalised name), with aliases merged into one finding per vulnerability.

use crate::Input;
use drydock_analyze::{InstalledPackage, PackageClass};
use drydock_finding::{Finding, Kind, Severity};
use drydock_vulndb::{Database, Match, Matcher, Query, ecosystem};
use std::sync::Mutex;

/// The matcher behind a lock: SQLite connections are not shared between threads.
pub type SharedMatcher = Mutex<Matcher<Database>>;

/// Why a package was not looked up, for the report's diagnostics.
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub skipped: Vec<String>,
}

pub fn check(input: &Input<'_>, matcher: &SharedMatcher, ignore: &[&str]) -> Outcome {
    let mut findings = Vec::new();
    let mut skipped = Vec::new();
    let os = input.scan.os.as_ref();
    let Ok(matcher) = matcher.lock() else {
        return Outcome {
            findings,
            skipped: vec!["vulnerability database lock poisoned".into()],
        };
    };
    // Per distribution key: whether the database has any of its advisories at all.
    let mut covered: std::collections::HashMap<String, bool> = std::collections::HashMap::new();
    for p in &input.scan.packages {
        // Versionless packages would match every advisory; unpublished ones (workspace, path,
        // git) only share a name with the registry's package the advisories are about.
        if p.version.is_empty() || p.unpublished {
            continue;
        }
        let distro = match p.class {
            // The os-release ID picks the advisories' ecosystem, from the one ecosystem table.
            PackageClass::Os => match os {
                Some(o) => {
                    match ecosystem::os_release_key(&o.family, &o.version, o.name.as_deref()) {
                        Some((eco, release)) => Some((eco.osv, release)),
                        None => {
                            skipped.push(format!(
                            "{} packages: no advisory source for this OS ({}), so they were not checked for vulnerabilities",
                            o.family,
                            o.name.as_deref().unwrap_or(&o.family)
                        ));
                            continue;
                        }
                    }
                }
                None => {
                    skipped.push(format!(
                        "{}: OS unknown, cannot pick the distro advisories",
                        p.name
                    ));
                    continue;
                }
            },
            PackageClass::Lang => None,
        };
        let query = match &distro {
            Some((eco, release)) => {
                let q = Query::distro(eco, release, &p.name, &p.version);
                match &p.source_name {
                    Some(src) => q.with_source(src, p.source_version.as_deref()),
                    None => q,
                }
            }
            None => Query::new(&p.ecosystem, &p.name, &p.version),
        };
        if let Some((eco, release)) = &distro {
            let key = format!("{eco}:{release}");
            let has = *covered
                .entry(key)
                .or_insert_with(|| matcher.covers(&query).unwrap_or(true));
            if !has {
                skipped.push(format!(
                    "{eco} {release} packages: the advisory database holds no {eco} advisories for this release, so they were not checked (drydock db update)"
                ));
                continue;
            }
        }
        match matcher.find(&query) {
            Ok(matches) => findings.extend(
                matches
                    .into_iter()
                    .filter(|m| !ignore.contains(&status(m)))
                    .map(|m| finding(input, p, &m)),
            ),
            Err(e) => skipped.push(format!("{} {}: {e}", p.name, p.version)),
        }
    }
    skipped.sort();
    skipped.dedup();
    Outcome { findings, skipped }
}

fn finding(input: &Input<'_>, p: &InstalledPackage, m: &Match) -> Finding {
    let fixed = if m.fixed_versions.is_empty() {
        "no fixed version yet".to_owned()
    } else {
        format!("fixed in {}", m.fixed_versions.join(", "))
    };
    let also = if m.aliases.is_empty() {
        String::new()
    } else {
        format!(" (also {})", m.aliases.join(", "))
    };
    let mut references: Vec<String> = m.aliases.clone();
    references.extend(m.references.iter().take(8).cloned());
    let (severity, title) = severity_and_title(m);
    Finding {
        id: m.id.clone(),
        kind: Kind::Vulnerability,
        severity,
        status: Some(status(m).to_owned()),
        severity_source: match &m.informational {
            Some(_) => {
                Some("RustSec informational advisory (a warning, as cargo-audit reports it)".into())
            }
            None => m.severity_source.clone(),
        },
        title,
        message: format!("{} {} ({}): {fixed}{also}", p.name, p.version, m.ecosystem),
        description: m
            .cvss
            .as_ref()
            .map(|c| format!("{} {} (score {:.1})", c.kind, c.vector, c.score)),
        location: crate::layer_location(
            input.scan,
            p.layer,
            &p.location,
            None,
            drydock_fs::Fate::Present,
        ),
        package: Some(p.purl.clone()),
        fix: Some(if m.fixed_versions.is_empty() {
            format!(
                "No fix is published for {}; remove the package if it is not needed, or watch the advisory.",
                p.name
            )
        } else {
            format!(
                "Upgrade {} to {} or later.",
                p.name,
                m.fixed_versions.join(" / ")
            )
        }),
        references,
        vulnerability: Some(drydock_finding::VulnFacts {
            aliases: m.aliases.clone(),
            installed_version: p.version.clone(),
            fixed_versions: m.fixed_versions.clone(),
        }),
    }
}

/// RustSec's informational advisories (`unmaintained`, `unsound`, `notice`) are what
/// cargo-audit lists as warnings rather than vulnerabilities: they are reported at LOW, whatever
/// score a merged GHSA copy carries (and an unmaintained crate, which has none, is still worth
/// a known level rather than UNKNOWN), with the class leading the title so they stand apart
/// from vulnerabilities in every format.
/// Trivy's status names: `fixed` (a fixed version exists), `end_of_life` (the distribution
/// will not fix this release), else `affected`.
pub fn status(m: &Match) -> &'static str {
    if m.is_fixed() {
        "fixed"
    } else if m.end_of_life {
        "end_of_life"
    } else {
        "affected"
    }
}

fn severity_and_title(m: &Match) -> (Severity, String) {
    let severity = match m.severity {
        Some(drydock_vulndb::Severity::Critical) => Severity::Critical,
        Some(drydock_vulndb::Severity::High) => Severity::High,
        Some(drydock_vulndb::Severity::Medium) => Severity::Medium,
        Some(drydock_vulndb::Severity::Low) => Severity::Low,
        None => Severity::Unknown,
    };
    let title = m.summary.clone().unwrap_or_else(|| m.id.clone());
    match &m.informational {
        Some(class) => (Severity::Low, format!("{class}: {title}")),
        None => (severity, title),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use drydock_image::Image;

    fn m(severity: Option<drydock_vulndb::Severity>, informational: Option<&str>) -> Match {
        Match {
            id: "RUSTSEC-2021-0035".into(),
            aliases: vec!["GHSA-fhv4-fx3v-77w6".into()],
            advisories: vec!["RUSTSEC-2021-0035".into()],
            summary: Some("Unsound API".into()),
            ecosystem: "crates.io".into(),
            package: "quinn".into(),
            installed_version: "0.5.3".into(),
            fixed_versions: vec!["0.5.4".into()],
            severity,
            severity_source: None,
            severity_rank: u8::MAX,
            cvss: None,
            references: Vec::new(),
            informational: informational.map(str::to_owned),
            end_of_life: false,
        }
    }

    /// A finding carries the facts its message spells out, with and without aliases and fixes.
    #[test]
    fn findings_carry_the_facts_their_message_spells_out() {
        let image = Image::sbom(std::path::Path::new("sbom.json"));
        let scan = drydock_analyze::Scan {
            layers: Vec::new(),
            tree: Default::default(),
            outputs: Vec::new(),
            diagnostics: Vec::new(),
            os: None,
            packages: Vec::new(),
        };
        let options = crate::Options::default();
        let input = Input {
            image: &image,
            scan: &scan,
            options: &options,
        };
        let p = InstalledPackage {
            class: PackageClass::Os,
            ecosystem: "dpkg".into(),
            name: "libssl3".into(),
            version: "3.0.11-1~deb12u2".into(),
            purl: "pkg:deb/debian/libssl3@3.0.11-1~deb12u2".into(),
            arch: None,
            source_name: Some("openssl".into()),
            source_version: None,
            licenses: Vec::new(),
            dev: false,
            location: "var/lib/dpkg/status".into(),
            dependencies: Vec::new(),
            layer: 0,
            unpublished: false,
        };
        let mut with = m(None, None);
        with.fixed_versions = vec!["3.0.13-1~deb12u1".into(), "3.1.0".into()];
        with.aliases = vec!["CVE-2024-0001".into(), "GHSA-aaaa-bbbb-cccc".into()];
        with.references = vec!["https://example.org/advisory".into()];
        let f = finding(&input, &p, &with);
        assert!(f.message.contains("3.0.11-1~deb12u2") && f.message.contains("3.0.13-1~deb12u1"));
        let d = f.vulnerability.expect("a vulnerability finding");
        assert_eq!(d.installed_version, "3.0.11-1~deb12u2");
        assert_eq!(d.fixed_versions, vec!["3.0.13-1~deb12u1", "3.1.0"]);
        assert_eq!(d.aliases, vec!["CVE-2024-0001", "GHSA-aaaa-bbbb-cccc"]);
        let mut without = m(None, None);
        without.fixed_versions.clear();
        without.aliases.clear();
        without.references = vec!["https://example.org/advisory".into()];
        let d = finding(&input, &p, &without)
            .vulnerability
            .expect("a vulnerability finding");
        assert_eq!(d.installed_version, "3.0.11-1~deb12u2");
        assert!(d.fixed_versions.is_empty() && d.aliases.is_empty());
    }

    #[test]
    fn informational_is_low_and_says_so() {
        let (sev, title) =
            severity_and_title(&m(Some(drydock_vulndb::Severity::High), Some("unsound")));
        assert_eq!(
            (sev, title.as_str()),
            (Severity::Low, "unsound: Unsound API")
        );
        let (sev, title) = severity_and_title(&m(None, Some("unmaintained")));
        assert_eq!(
            (sev, title.as_str()),
            (Severity::Low, "unmaintained: Unsound API")
        );
        let (sev, title) = severity_and_title(&m(Some(drydock_vulndb::Severity::High), None));
        assert_eq!((sev, title.as_str()), (Severity::High, "Unsound API"));
    }
}
