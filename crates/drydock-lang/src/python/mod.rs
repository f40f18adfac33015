//! Python: installed distributions (`*.dist-info/METADATA`, `*.egg-info/PKG-INFO`) and the
//! declared forms (`requirements.txt`, `poetry.lock`, `Pipfile.lock`, `uv.lock`).
//!
//! Package names in Python are case- and separator-insensitive (`Django_Rest.framework`
//! and `django-rest-framework` are the same project), so lookups and purls use the PEP 503
//! normal form while [`crate::Package::name`] keeps the spelling the file used.

pub mod metadata;
pub mod pipfile;
pub mod poetry;
pub mod requirements;
pub mod uv;

/// PEP 503 normalisation: lower case, every run of `-`, `_` and `.` becomes one `-`.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// The project name at the start of a PEP 508 requirement (`requests[socks]>=2; python_version<"3"`).
pub(crate) fn requirement_name(req: &str) -> Option<&str> {
    let req = req.trim_start();
    let end = req
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(req.len());
    let name = &req[..end];
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn pep503() {
        assert_eq!(
            super::normalize_name("Django_Rest..Framework"),
            "django-rest-framework"
        );
        assert_eq!(super::normalize_name("zope.interface"), "zope-interface");
        assert_eq!(
            super::requirement_name("requests[socks] >=2"),
            Some("requests")
        );
    }
}
