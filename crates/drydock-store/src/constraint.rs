//! `--version '<3.0.13-1~deb12u1'`: a version range checked in the package's own scheme (dpkg for
//! a deb, PEP 440 for a PyPI package...), never as strings. The scheme comes from the package's
//! purl (or ecosystem) through drydock-vulndb's ecosystem table, and the comparison is the
//! matcher's own [`drydock_vulndb::version::Comparator`].

use crate::error::{Error, Result};
use drydock_vulndb::ecosystem;
use drydock_vulndb::model::RangeKind;
use drydock_vulndb::version::Comparator;
use std::cmp::Ordering;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

/// Comma-separated bounds, all of which must hold: `>=3.0,<3.0.13-1~deb12u1`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Constraint {
    pub bounds: Vec<(Op, String)>,
}

impl std::str::FromStr for Constraint {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let bad = |why: &str| Error::Constraint(s.to_owned(), why.to_owned());
        let mut bounds = Vec::new();
        for part in s.split(',').map(str::trim) {
            let (op, rest) = if let Some(r) = part.strip_prefix("<=") {
                (Op::Le, r)
            } else if let Some(r) = part.strip_prefix(">=") {
                (Op::Ge, r)
            } else if let Some(r) = part.strip_prefix("!=") {
                (Op::Ne, r)
            } else if let Some(r) = part.strip_prefix("==") {
                (Op::Eq, r)
            } else if let Some(r) = part.strip_prefix('<') {
                (Op::Lt, r)
            } else if let Some(r) = part.strip_prefix('>') {
                (Op::Gt, r)
            } else if let Some(r) = part.strip_prefix('=') {
                (Op::Eq, r)
            } else {
                return Err(bad("each bound starts with <, <=, >, >=, = or !="));
            };
            let v = rest.trim();
            if v.is_empty() {
                return Err(bad("a bound needs a version after its operator"));
            }
            bounds.push((op, v.to_owned()));
        }
        Ok(Constraint { bounds })
    }
}

/// Why a package could not be checked against a constraint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unchecked {
    /// No version scheme is known for its ecosystem.
    NoScheme,
    /// Its version, or a bound, is not a version of its scheme.
    Invalid,
}

impl Constraint {
    /// Whether `version` of a package with this purl and ecosystem satisfies every bound.
    pub fn matches(&self, purl: &str, ecosystem: &str, version: &str) -> Result<bool, Unchecked> {
        let cmp = comparator(purl, ecosystem).ok_or(Unchecked::NoScheme)?;
        for (op, bound) in &self.bounds {
            let ord = cmp.compare(version, bound).ok_or(Unchecked::Invalid)?;
            let ok = match op {
                Op::Lt => ord == Ordering::Less,
                Op::Le => ord != Ordering::Greater,
                Op::Gt => ord == Ordering::Greater,
                Op::Ge => ord != Ordering::Less,
                Op::Eq => ord == Ordering::Equal,
                Op::Ne => ord != Ordering::Equal,
            };
            if !ok {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// The version order of a package: by its purl's type and namespace (`pkg:deb/debian/...` is
/// dpkg's), else by its OSV ecosystem name (`PyPI`, `Go`).
pub fn comparator(purl: &str, ecosystem_name: &str) -> Option<Comparator> {
    let info = purl_type(purl)
        .and_then(|(t, ns)| ecosystem::from_purl(t, ns).or_else(|| ecosystem::from_purl(t, None)))
        .or_else(|| ecosystem::info(ecosystem_name))
        .or_else(|| ecosystem::queryable(ecosystem_name))?;
    Comparator::for_range(RangeKind::Ecosystem, info.osv)
}

/// `pkg:TYPE/NAMESPACE/NAME@...` → (type, namespace when the purl has one).
fn purl_type(purl: &str) -> Option<(&str, Option<&str>)> {
    let rest = purl.strip_prefix("pkg:")?;
    let rest = rest.split(['@', '?', '#']).next().unwrap_or(rest);
    let mut parts = rest.split('/');
    let t = parts.next().filter(|t| !t.is_empty())?;
    let segments: Vec<&str> = parts.collect();
    let ns = (segments.len() >= 2).then(|| segments[0]);
    Some((t, ns))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Constraint {
        s.parse().unwrap()
    }

    #[test]
    fn parses_operators_and_refuses_bare_versions() {
        assert_eq!(
            c(">=1.0, <2").bounds,
            vec![(Op::Ge, "1.0".into()), (Op::Lt, "2".into())]
        );
        assert!("1.0".parse::<Constraint>().is_err());
        assert!("<".parse::<Constraint>().is_err());
    }

    /// dpkg order, not string order: `~` sorts before everything, `10` after `9`.
    #[test]
    fn deb_versions_compare_by_dpkg_rules() {
        let purl = "pkg:deb/debian/openssl@3.0.11-1~deb12u2?distro=debian-12";
        let lt = c("<3.0.13-1~deb12u1");
        assert_eq!(lt.matches(purl, "dpkg", "3.0.11-1~deb12u2"), Ok(true));
        assert_eq!(lt.matches(purl, "dpkg", "3.0.13-1~deb12u1"), Ok(false));
        // As strings "3.0.9" > "3.0.13"; as dpkg versions it is older.
        assert_eq!(lt.matches(purl, "dpkg", "3.0.9-1"), Ok(true));
        assert_eq!(lt.matches(purl, "dpkg", "3.0.13-1"), Ok(false));
        // ~ sorts before the empty string: 3.0.13-1~deb12u1 < 3.0.13-1.
        assert_eq!(
            c(">3.0.13-1~deb12u1").matches(purl, "dpkg", "3.0.13-1"),
            Ok(true)
        );
    }

    #[test]
    fn language_packages_use_their_scheme() {
        // PEP 440: 2.0.post1 > 2.0, 2.0rc1 < 2.0.
        let purl = "pkg:pypi/requests@2.0";
        assert_eq!(c("<2.0").matches(purl, "PyPI", "2.0rc1"), Ok(true));
        assert_eq!(c(">2.0").matches(purl, "PyPI", "2.0.post1"), Ok(true));
        // Go: versions without the v are normalised as the matcher does.
        let go = "pkg:golang/github.com/opencontainers/runc@v1.1.11";
        assert_eq!(c("<1.1.12").matches(go, "Go", "v1.1.11"), Ok(true));
        assert_eq!(
            c("<1").matches("pkg:unknown/x@1", "nothing", "0.1"),
            Err(Unchecked::NoScheme)
        );
    }
}
