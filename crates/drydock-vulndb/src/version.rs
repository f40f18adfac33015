//! Which version order a range is evaluated in, and the Go-specific spellings.
//!
//! OSV writes Go versions without the `v` that `golang.org/x/mod/semver` requires, and the Go
//! toolchain reports itself as `go1.21rc2`; both are rewritten here so that the Go scheme (which
//! understands pseudo-versions and `+incompatible`) does the ordering.

use std::borrow::Cow;
use std::cmp::Ordering;

use drydock_version::Scheme;

use crate::ecosystem::scheme_for_base;
use crate::model::RangeKind;

/// Orders versions of one range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comparator {
    scheme: Scheme,
}

impl Comparator {
    /// The order of a `SEMVER` or `ECOSYSTEM` range in `ecosystem_base`; `None` for `GIT`
    /// ranges and for ecosystems without an implemented scheme.
    pub fn for_range(kind: RangeKind, ecosystem_base: &str) -> Option<Comparator> {
        let scheme = match kind {
            RangeKind::Git => return None,
            RangeKind::Semver => match scheme_for_base(ecosystem_base) {
                Some(Scheme::Go) => Scheme::Go,
                Some(Scheme::SemverLoose) => Scheme::SemverLoose,
                _ => Scheme::Semver,
            },
            RangeKind::Ecosystem => scheme_for_base(ecosystem_base)?,
        };
        Some(Comparator { scheme })
    }

    /// The underlying scheme.
    pub fn scheme(self) -> Scheme {
        self.scheme
    }

    /// Rewrites `v` into the scheme's own spelling (only Go needs it).
    pub fn normalize(self, v: &str) -> Cow<'_, str> {
        let v = v.trim();
        if self.scheme == Scheme::Go {
            go_semver(v)
        } else {
            Cow::Borrowed(v)
        }
    }

    /// Whether `v` is a valid version of this order (the Go and apk comparators order invalid
    /// strings too, but an advisory's bound must be a real version).
    pub fn is_valid(self, v: &str) -> bool {
        self.scheme.is_valid(&self.normalize(v))
    }

    /// Orders `a` against `b`; `None` if either is invalid. apk is the exception: apk-tools
    /// orders malformed strings token by token, and the Alpine secdb relies on that for its
    /// typos (`4.8.0.-r1`), so apk comparisons are total, as in the reference.
    pub fn compare(self, a: &str, b: &str) -> Option<Ordering> {
        let (a, b) = (self.normalize(a), self.normalize(b));
        if self.scheme == Scheme::Go && !(self.scheme.is_valid(&a) && self.scheme.is_valid(&b)) {
            return None;
        }
        self.scheme.compare(&a, &b).ok()
    }
}

/// `1.2.3` → `v1.2.3`; `go1.21rc2` → `v1.21.0-rc.2`; already-prefixed versions unchanged.
pub fn go_semver(v: &str) -> Cow<'_, str> {
    if v.starts_with('v') {
        return Cow::Borrowed(v);
    }
    if let Some(tag) = v.strip_prefix("go") {
        return Cow::Owned(go_tag_to_semver(tag));
    }
    Cow::Owned(format!("v{v}"))
}

/// The Go toolchain's release tags (`1.21`, `1.21.5`, `1.21rc2`, `1.9beta1`) as SemVer, as
/// golang.org/x/vuln does: the stdlib advisories are written in that form.
fn go_tag_to_semver(tag: &str) -> String {
    let (core, pre) = match tag.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => tag.split_at(i),
        None => (tag, ""),
    };
    let parts = core.split('.').count();
    let mut out = format!("v{core}");
    for _ in parts..3 {
        out.push_str(".0");
    }
    if !pre.is_empty() {
        // `rc2` → `-rc.2`, `beta1` → `-beta.1`
        let split = pre.find(|c: char| c.is_ascii_digit()).unwrap_or(pre.len());
        let (word, num) = pre.split_at(split);
        out.push('-');
        out.push_str(word);
        if !num.is_empty() {
            out.push('.');
            out.push_str(num);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_spellings() {
        assert_eq!(go_semver("1.1.12"), "v1.1.12");
        assert_eq!(go_semver("v1.1.11"), "v1.1.11");
        assert_eq!(go_semver("go1.21"), "v1.21.0");
        assert_eq!(go_semver("go1.21.5"), "v1.21.5");
        assert_eq!(go_semver("go1.21rc2"), "v1.21.0-rc.2");
        assert_eq!(go_semver("go1.9beta1"), "v1.9.0-beta.1");
    }

    #[test]
    fn go_order_understands_pseudo_versions() {
        let c = Comparator::for_range(RangeKind::Semver, "Go").expect("go");
        assert_eq!(
            c.compare("1.0.0-rc8.0.20190930145003-cad42f6e0932", "v1.0.0-rc8"),
            Some(Ordering::Greater)
        );
        assert_eq!(
            c.compare("v1.1.11", "1.1.12"),
            Some(Ordering::Less),
            "installed with v, bound without"
        );
        assert_eq!(
            c.compare("v20.10.0+incompatible", "20.10.1"),
            Some(Ordering::Less)
        );
        assert_eq!(c.compare("(devel)", "1.0.0"), None);
    }
}
