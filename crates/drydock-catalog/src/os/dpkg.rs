//! dpkg: `/var/lib/dpkg/status` and distroless `/var/lib/dpkg/status.d/*`.
//!
//! Both are deb822 control files: stanzas of `Field: value` lines separated by blank
//! lines, with continuation lines starting with a space or tab. In `status` only stanzas
//! whose `Status` says the package is installed count: dpkg keeps records of removed
//! packages (`deinstall ok config-files`) and of failed installs (`half-installed`,
//! `unpacked`), and reporting those would flag software that is not really there.
//!
//! Distroless images write `status.d/<package>` files without a `Status` field, plus stub
//! stanzas that only name a dependency (`Package: debconf`). There a stanza counts when
//! it has a version, the way syft and trivy read them, and stubs are skipped silently.

use std::borrow::Cow;

use crate::{
    CatalogError, Cataloger, DbFile, Diagnostic, Diags, Distro, Ecosystem, Package, PathPattern,
    build_purl,
};

/// Registry entry.
pub const CATALOGER: Cataloger = Cataloger {
    ecosystem: Ecosystem::Dpkg,
    paths: &[
        PathPattern::File("/var/lib/dpkg/status"),
        PathPattern::FilesIn {
            dir: "/var/lib/dpkg/status.d",
            except_suffixes: &[".md5sums"],
        },
    ],
    companions: &[],
    parse,
};

/// Parses a dpkg status file, or a `status.d/` entry when the path has a `status.d`
/// directory component. Never fails as a whole: a text file has no structure to be
/// corrupt beyond its stanzas, and each bad stanza is skipped with a diagnostic.
pub fn parse(
    file: &DbFile<'_>,
    distro: &Distro,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Vec<Package>, CatalogError> {
    let status_d = file
        .path
        .split('/')
        .rev()
        .skip(1)
        .any(|part| part == "status.d");
    let mut diags = Diags::new(diagnostics, file.path);
    let mut packages = Vec::new();
    for stanza in stanzas(file.data) {
        match stanza {
            Ok(stanza) => {
                if let Some(pkg) = to_package(&stanza, status_d, file.path, distro, &mut diags) {
                    packages.push(pkg);
                }
            }
            Err(message) => diags.push(message),
        }
    }
    Ok(packages)
}

/// One stanza: its first line number (1-based) and its fields' first-line values.
/// Continuation lines are dropped because none of the fields we read are multi-line.
struct Stanza<'a> {
    line: usize,
    fields: Vec<(&'a [u8], &'a [u8])>,
}

impl Stanza<'_> {
    /// First occurrence wins: dpkg itself rejects duplicates, so any later copy is noise.
    fn get(&self, name: &str) -> Option<Cow<'_, str>> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| String::from_utf8_lossy(v))
    }
}

/// Splits the file into stanzas; a stanza with a line that is neither a field nor a
/// continuation comes back as an error message naming that line.
fn stanzas(data: &[u8]) -> impl Iterator<Item = Result<Stanza<'_>, String>> {
    let mut lines = data
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .enumerate()
        .peekable();
    std::iter::from_fn(move || {
        // Skip separators.
        while lines.peek().is_some_and(|(_, l)| is_blank(l)) {
            lines.next();
        }
        let (first, _) = *lines.peek()?;
        let mut stanza = Stanza {
            line: first + 1,
            fields: Vec::new(),
        };
        let mut error = None;
        while let Some((idx, line)) = lines.next_if(|(_, l)| !is_blank(l)) {
            if error.is_some() || line.first() == Some(&b'#') {
                continue;
            }
            if matches!(line.first(), Some(b' ' | b'\t')) {
                if stanza.fields.is_empty() {
                    error = Some(format!(
                        "stanza at line {}: continuation line {} before any field; stanza skipped",
                        stanza.line,
                        idx + 1
                    ));
                }
                continue;
            }
            match line.iter().position(|&b| b == b':') {
                Some(colon) if colon > 0 && !line[..colon].iter().any(u8::is_ascii_whitespace) => {
                    stanza
                        .fields
                        .push((&line[..colon], line[colon + 1..].trim_ascii()));
                }
                _ => {
                    error = Some(format!(
                        "stanza at line {}: line {} is not a `Field: value` line ({:?}); stanza skipped",
                        stanza.line,
                        idx + 1,
                        String::from_utf8_lossy(&line[..line.len().min(60)])
                    ));
                }
            }
        }
        Some(match error {
            Some(e) => Err(e),
            None => Ok(stanza),
        })
    })
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|&b| b == b' ' || b == b'\t')
}

/// dpkg's status words that mean the package's files are on disk and configured.
/// `triggers-*` packages are fully installed and only wait for another package's trigger
/// to run; `unpacked`, `half-configured`, `half-installed` and `config-files` are not.
fn is_installed(status: &str) -> bool {
    let words: Vec<&str> = status.split_ascii_whitespace().collect();
    matches!(
        words.as_slice(),
        [_, _, "installed" | "triggers-pending" | "triggers-awaited"]
    )
}

fn to_package(
    stanza: &Stanza<'_>,
    status_d: bool,
    path: &str,
    distro: &Distro,
    diags: &mut Diags<'_>,
) -> Option<Package> {
    let name = stanza.get("Package").filter(|n| !n.is_empty());
    let version = stanza.get("Version").filter(|v| !v.is_empty());
    let at = stanza.line;
    match stanza.get("Status") {
        Some(status) if !is_installed(&status) => return None,
        Some(_) => {}
        // status.d stubs name a dependency and nothing else.
        None if status_d && version.is_none() => return None,
        None if status_d => {}
        None => {
            diags.push(format!(
                "stanza at line {at} ({}) has no Status field; skipped",
                name.as_deref().unwrap_or("no Package field")
            ));
            return None;
        }
    }
    let Some(name) = name else {
        diags.push(format!(
            "installed stanza at line {at} has no Package name; skipped"
        ));
        return None;
    };
    let Some(version) = version else {
        diags.push(format!(
            "installed package {name} (line {at}) has no Version; skipped"
        ));
        return None;
    };
    let epoch = match check_version(&version) {
        Ok(epoch) => epoch,
        Err(why) => {
            diags.push(format!(
                "package {name} (line {at}) has invalid version {version:?}: {why}; skipped"
            ));
            return None;
        }
    };
    let (source_name, source_version) = match stanza.get("Source") {
        Some(source) => {
            let (src_name, src_version) = split_source(&source);
            let src_version = match src_version {
                Some(v) => match check_version(v) {
                    Ok(_) => Some(v.to_owned()),
                    Err(why) => {
                        diags.push(format!(
                            "package {name} (line {at}) has invalid source version {v:?}: {why}; \
                             source version left empty"
                        ));
                        None
                    }
                },
                None => Some(version.to_string()),
            };
            let src_name = if src_name.is_empty() {
                name.to_string()
            } else {
                src_name.to_owned()
            };
            (src_name, src_version)
        }
        None => (name.to_string(), Some(version.to_string())),
    };
    let arch = stanza.get("Architecture").filter(|a| !a.is_empty());
    let distro_q = distro.qualified();
    let purl = match build_purl(
        "deb",
        &distro.id,
        &name,
        &version,
        &[("arch", arch.as_deref()), ("distro", distro_q.as_deref())],
    ) {
        Ok(p) => p,
        Err(e) => {
            diags.push(format!("package {name} (line {at}): {e}; skipped"));
            return None;
        }
    };
    Some(Package {
        ecosystem: Ecosystem::Dpkg,
        name: name.to_string(),
        version: version.to_string(),
        epoch,
        arch: arch.map(Cow::into_owned),
        source_name: Some(source_name),
        source_version,
        license: None,
        maintainer: stanza
            .get("Maintainer")
            .filter(|m| !m.is_empty())
            .map(Cow::into_owned),
        purl,
        db_path: path.to_owned(),
        files: Vec::new(),
    })
}

/// `Source: glibc (2.36-9)` → (`glibc`, `Some("2.36-9")`); a binNMU or a renamed binary
/// carries its source's version in parentheses when it differs from its own.
fn split_source(source: &str) -> (&str, Option<&str>) {
    let source = source.trim();
    let (name, rest) = source
        .split_once(char::is_whitespace)
        .unwrap_or((source, ""));
    let version = rest
        .trim()
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .map(str::trim)
        .filter(|v| !v.is_empty());
    (name, version)
}

/// Checks a Debian version's syntax (deb-version(7)) and returns its epoch.
///
/// A version that fails here cannot be compared against advisories, so the package is
/// reported as a diagnostic instead of silently matching nothing. Upstream versions not
/// starting with a digit are accepted: dpkg only warns about them and they exist.
pub fn check_version(version: &str) -> Result<Option<u32>, &'static str> {
    let (epoch, rest) = match version.split_once(':') {
        Some((e, rest)) => {
            if e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit()) {
                return Err("epoch is not a number");
            }
            (Some(e.parse::<u32>().map_err(|_| "epoch too large")?), rest)
        }
        None => (None, version),
    };
    let (upstream, revision) = match rest.rsplit_once('-') {
        Some((u, r)) => (u, Some(r)),
        None => (rest, None),
    };
    if upstream.is_empty() {
        return Err("empty upstream version");
    }
    let upstream_ok = |b: u8| b.is_ascii_alphanumeric() || b".+~-:".contains(&b);
    if !upstream.bytes().all(upstream_ok) {
        return Err("upstream version has a character outside [A-Za-z0-9.+~-:]");
    }
    if let Some(r) = revision {
        if r.is_empty() {
            return Err("empty Debian revision after '-'");
        }
        if !r
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".+~".contains(&b))
        {
            return Err("Debian revision has a character outside [A-Za-z0-9.+~]");
        }
    }
    Ok(epoch)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(path: &str, text: &str) -> (Vec<Package>, Vec<Diagnostic>) {
        let mut d = Vec::new();
        let pkgs = parse(
            &DbFile::new(path, text.as_bytes()),
            &Distro::new("debian", Some("12")),
            &mut d,
        )
        .expect("dpkg parse never fails as a whole");
        (pkgs, d)
    }

    #[test]
    fn versions() {
        assert_eq!(check_version("1:2.38.1-5+deb12u3"), Ok(Some(1)));
        assert_eq!(check_version("2:1.02.185-2"), Ok(Some(2)));
        assert_eq!(check_version("0.0~r131-2ubuntu3"), Ok(None));
        assert_eq!(check_version("5.1.1alpha+20120614-2+b3"), Ok(None));
        assert_eq!(check_version("1.2-3-4"), Ok(None));
        assert!(check_version("1:5.#").is_err());
        assert!(check_version("a:1").is_err());
        assert!(check_version(":1").is_err());
        assert!(check_version("1.0-").is_err());
        assert!(check_version("1.0 2").is_err());
        assert!(check_version("99999999999:1").is_err());
    }

    #[test]
    fn source_field() {
        assert_eq!(split_source("glibc (2.36-9)"), ("glibc", Some("2.36-9")));
        assert_eq!(split_source("pam"), ("pam", None));
        assert_eq!(split_source("x (unclosed"), ("x", None));
        assert_eq!(split_source("x ()"), ("x", None));
    }

    #[test]
    fn status_filtering_crlf_and_continuations() {
        let text = "Package: a\r\nStatus: install ok installed\r\nVersion: 1:1.0-1\r\n\
                    Architecture: amd64\r\nSource: asrc (1.0-0.1)\r\nDescription: x\r\n more\r\n .\r\n\r\n\
                    Package: b\nStatus: deinstall ok config-files\nVersion: 1\n\n\
                    Package: c\nStatus: install ok half-installed\nVersion: 1\n\n\
                    Package: d\nStatus: install ok triggers-pending\nVersion: 2\n\n\
                    Package: e\nStatus: install ok unpacked\nVersion: 1\n";
        let (pkgs, diags) = run("/var/lib/dpkg/status", text);
        assert!(diags.is_empty(), "{diags:?}");
        let names: Vec<_> = pkgs.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["a", "d"]);
        let a = &pkgs[0];
        assert_eq!(a.version, "1:1.0-1");
        assert_eq!(a.epoch, Some(1));
        assert_eq!(a.source_name.as_deref(), Some("asrc"));
        assert_eq!(a.source_version.as_deref(), Some("1.0-0.1"));
        assert_eq!(
            a.purl,
            "pkg:deb/debian/a@1:1.0-1?arch=amd64&distro=debian-12"
        );
        assert_eq!(pkgs[1].source_version.as_deref(), Some("2"));
    }

    #[test]
    fn corrupt_stanza_is_skipped_with_diagnostic() {
        let text = "Package: a\nStatus: install ok installed\nVersion: 1\n\n\
                    Package: bad\nthis line has no colon\nStatus: install ok installed\nVersion: 1\n\n\
                    \tcontinuation first\nPackage: worse\n\n\
                    Package: ok\nStatus: install ok installed\nVersion: 2\n";
        let (pkgs, diags) = run("var/lib/dpkg/status", text);
        let names: Vec<_> = pkgs.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["a", "ok"]);
        assert_eq!(diags.len(), 2, "{diags:?}");
        assert!(diags[0].message.contains("line 6"), "{}", diags[0].message);
        assert!(diags[1].message.contains("continuation"));
    }

    #[test]
    fn status_d_rules() {
        let text = "Package: real\nVersion: 1.0\nArchitecture: all\n\n\
                    Package: stub\n\nPackage:\n\n\
                    Package: removed\nStatus: deinstall ok config-files\nVersion: 1\n";
        let (pkgs, diags) = run("/var/lib/dpkg/status.d/real", text);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(pkgs.len(), 1);
        assert_eq!(pkgs[0].name, "real");
        // The same text in the main status file: no Status means not a record of an
        // installed package.
        let (pkgs, diags) = run("/var/lib/dpkg/status", text);
        assert!(pkgs.is_empty());
        assert_eq!(diags.len(), 3, "{diags:?}");
    }

    #[test]
    fn garbage_is_bounded() {
        let text = "x\n\n".repeat(1000);
        let (pkgs, diags) = run("/var/lib/dpkg/status", &text);
        assert!(pkgs.is_empty());
        assert_eq!(diags.len(), crate::MAX_DIAGNOSTICS_PER_FILE + 1);
        let bin: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
        let mut d = Vec::new();
        let _ = parse(
            &DbFile::new("/var/lib/dpkg/status", &bin),
            &Distro::default(),
            &mut d,
        );
    }
}
