//! From a query to the ecosystem keys advisories are filed under: purl types and OSV names to
//! a row of the ecosystem table, distribution releases to `Debian:12`, `Ubuntu:22.04:LTS`,
//! `Alpine:v3.19`.

use super::Query;
use crate::ecosystem::{self, EcosystemInfo, Keys};
use crate::error::{Error, Result};

/// The OSV ecosystem family for a Package URL type (and namespace, for `deb`/`apk`/`rpm`,
/// whose namespace names the distribution), from [`ecosystem::ECOSYSTEMS`].
pub fn ecosystem_from_purl(purl_type: &str, namespace: Option<&str>) -> Option<&'static str> {
    ecosystem::from_purl(purl_type, namespace).map(|e| e.osv)
}

fn debian_release(r: &str) -> Option<String> {
    let major = match r.to_ascii_lowercase().as_str() {
        "jessie" => "8".to_owned(),
        "stretch" => "9".to_owned(),
        "buster" => "10".to_owned(),
        "bullseye" => "11".to_owned(),
        "bookworm" => "12".to_owned(),
        "trixie" => "13".to_owned(),
        "forky" => "14".to_owned(),
        other => other.split('.').next()?.to_owned(),
    };
    (!major.is_empty() && major.bytes().all(|b| b.is_ascii_digit())).then_some(major)
}

fn ubuntu_release(r: &str) -> Option<String> {
    let known = [
        ("trusty", "14.04"),
        ("xenial", "16.04"),
        ("bionic", "18.04"),
        ("focal", "20.04"),
        ("jammy", "22.04"),
        ("mantic", "23.10"),
        ("noble", "24.04"),
        ("oracular", "24.10"),
        ("plucky", "25.04"),
        ("questing", "25.10"),
    ];
    let lower = r.to_ascii_lowercase();
    if let Some((_, v)) = known.iter().find(|(c, _)| *c == lower) {
        return Some((*v).to_owned());
    }
    let mut parts = lower.split('.');
    let (y, m) = (parts.next()?, parts.next()?);
    let ok = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (ok(y) && ok(m)).then(|| format!("{y}.{m}"))
}

fn alpine_branch(r: &str) -> Option<String> {
    if r == "edge" {
        return Some("edge".into());
    }
    let r = r.strip_prefix('v').unwrap_or(r);
    let mut parts = r.split('.');
    let (major, minor) = (parts.next()?, parts.next()?);
    let ok = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (ok(major) && ok(minor)).then(|| format!("v{major}.{minor}"))
}

fn major(r: &str) -> Option<String> {
    let m = r.split('.').next()?;
    (!m.is_empty() && m.bytes().all(|b| b.is_ascii_digit())).then(|| m.to_owned())
}

/// SLE's `15 SP5` from os-release's `15.5` (`15`/`15.0` is the first release, `15`). Releases
/// already in that form, and SLE Micro's own `5.5`, pass through.
fn suse_release(r: &str) -> Option<String> {
    let r = r.trim();
    if let Some((maj, min)) = r.split_once('.') {
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if digits(maj) && digits(min) && maj.parse::<u32>().is_ok_and(|m| m >= 11) {
            return Some(if min.trim_start_matches('0').is_empty() {
                maj.to_owned()
            } else {
                format!("{maj} SP{}", min.trim_start_matches('0'))
            });
        }
    }
    (!r.is_empty()).then(|| r.to_owned())
}

/// Whether a stored SUSE key (`SUSE:Linux Enterprise Server 15 SP5-LTSS`) is for `release`
/// (`15 SP5`): the product name ends with it, after an optional support-phase suffix.
fn suse_key_for(key: &str, release: &str) -> bool {
    let Some(product) = key.strip_prefix("SUSE:") else {
        return false;
    };
    let product = match product.rsplit_once('-') {
        Some((p, phase)) if !phase.is_empty() && phase.bytes().all(|b| b.is_ascii_uppercase()) => p,
        _ => product,
    };
    product
        .strip_suffix(release)
        .is_some_and(|head| head.ends_with(' '))
}

/// One ecosystem key to consult for a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Target {
    pub(super) ecosystem: String,
    /// Consulted only for advisories that have no entry under the primary keys (Ubuntu Pro).
    pub(super) fallback: bool,
}

/// The ecosystem keys to consult for `q` in the ecosystem `eco`, primary keys first. `stored`
/// lists the keys the source holds under a family, for distributions whose keys name more
/// than the release (Red Hat repositories, SUSE products).
pub(super) fn targets(
    q: &Query<'_>,
    eco: &EcosystemInfo,
    stored: &dyn Fn(&str) -> Result<Vec<String>>,
) -> Result<Vec<Target>> {
    let family = eco.osv;
    let release = || {
        q.release
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .ok_or_else(|| Error::Query(format!("{family} package {} needs a release", q.name)))
    };
    let bad = |r: &str| Error::Query(format!("{family} release {r:?} is not recognised"));
    let primary = |e: String| Target {
        ecosystem: e,
        fallback: false,
    };
    Ok(match eco.keys {
        Keys::Debian => {
            let r = release()?;
            vec![primary(format!(
                "Debian:{}",
                debian_release(r).ok_or_else(|| bad(r))?
            ))]
        }
        Keys::Ubuntu => {
            let r = release()?;
            let v = ubuntu_release(r).ok_or_else(|| bad(r))?;
            vec![
                primary(format!("Ubuntu:{v}:LTS")),
                primary(format!("Ubuntu:{v}")),
                Target {
                    ecosystem: format!("Ubuntu:Pro:{v}:LTS"),
                    fallback: true,
                },
            ]
        }
        Keys::Alpine => {
            let r = release()?;
            vec![primary(format!(
                "Alpine:{}",
                alpine_branch(r).ok_or_else(|| bad(r))?
            ))]
        }
        Keys::Major => {
            let r = release()?;
            vec![primary(format!(
                "{family}:{}",
                major(r).ok_or_else(|| bad(r))?
            ))]
        }
        Keys::RedHat => {
            let r = release()?;
            let prefix = format!(
                "Red Hat:enterprise_linux:{}::",
                major(r).ok_or_else(|| bad(r))?
            );
            stored(family)?
                .into_iter()
                .filter(|k| k.starts_with(&prefix))
                .map(primary)
                .collect()
        }
        Keys::Suse => {
            let r = release()?;
            let rel = suse_release(r).ok_or_else(|| bad(r))?;
            stored(family)?
                .into_iter()
                .filter(|k| suse_key_for(k, &rel))
                .map(primary)
                .collect()
        }
        Keys::ReleaseVerbatim => match q.release {
            Some(r) => vec![primary(format!("{family}:{r}"))],
            None => vec![primary(family.to_owned())],
        },
        Keys::Plain | Keys::NotQueried => vec![primary(family.to_owned())],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases() {
        assert_eq!(debian_release("12.5").as_deref(), Some("12"));
        assert_eq!(debian_release("bookworm").as_deref(), Some("12"));
        assert_eq!(debian_release("sid"), None);
        assert_eq!(ubuntu_release("22.04").as_deref(), Some("22.04"));
        assert_eq!(ubuntu_release("jammy").as_deref(), Some("22.04"));
        assert_eq!(alpine_branch("3.19.1").as_deref(), Some("v3.19"));
        assert_eq!(alpine_branch("v3.9").as_deref(), Some("v3.9"));
        assert_eq!(alpine_branch("3"), None);
        assert_eq!(major("9.4").as_deref(), Some("9"));
        assert_eq!(major("rolling"), None);
        assert_eq!(suse_release("15.5").as_deref(), Some("15 SP5"));
        assert_eq!(suse_release("15").as_deref(), Some("15"));
        assert_eq!(suse_release("15.0").as_deref(), Some("15"));
        assert_eq!(suse_release("12.5").as_deref(), Some("12 SP5"));
        assert_eq!(suse_release("5.5").as_deref(), Some("5.5"), "SLE Micro");
    }

    #[test]
    fn suse_keys() {
        let for_sp5 = |k| suse_key_for(k, "15 SP5");
        assert!(for_sp5("SUSE:Linux Enterprise Server 15 SP5"));
        assert!(for_sp5("SUSE:Linux Enterprise Server 15 SP5-LTSS"));
        assert!(for_sp5(
            "SUSE:Linux Enterprise Module for Basesystem 15 SP5"
        ));
        assert!(!for_sp5("SUSE:Linux Enterprise Server 15 SP4"));
        assert!(!for_sp5("SUSE:Linux Enterprise Server 115 SP5"));
        assert!(!for_sp5("openSUSE:Leap 15.5"));
        assert!(suse_key_for("SUSE:Linux Enterprise Server 15-LTSS", "15"));
        assert!(!suse_key_for("SUSE:Linux Enterprise Server 15 SP5", "15"));
    }
}
