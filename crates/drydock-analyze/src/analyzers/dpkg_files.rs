//! Which files the OS package manager installed — dpkg's `/var/lib/dpkg/info/*.list`, apk's
//! `F:`/`R:` lines in `/lib/apk/db/installed` — so a binary or a Python package that a distro
//! package put there is reported as that package and matched against the distro's advisories,
//! not as a second, upstream-versioned package (distros backport fixes without changing
//! upstream versions). rpm file lists are not read yet.

use crate::{AnalyzeError, Analyzer, Artifact, FileInput, Want};
use serde::Serialize;

pub struct DpkgFiles;

#[derive(Clone, Debug)]
pub struct OwnedFiles {
    /// The package the list belongs to (file stem, `:arch` suffix kept).
    pub package: String,
    pub paths: Vec<String>,
}

impl Serialize for OwnedFiles {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("OwnedFiles", 2)?;
        st.serialize_field("package", &self.package)?;
        st.serialize_field("files", &self.paths.len())?;
        st.end()
    }
}

const WANTS: &[Want] = &[
    Want::Glob("var/lib/dpkg/info/*.list"),
    Want::Path("lib/apk/db/installed"),
];

impl Analyzer for DpkgFiles {
    fn id(&self) -> &'static str {
        "os-owned-files"
    }

    fn version(&self) -> u32 {
        1
    }

    fn wants(&self) -> &'static [Want] {
        WANTS
    }

    fn analyze(&self, file: &FileInput<'_>) -> Result<Option<Artifact>, AnalyzeError> {
        if file.path.as_bytes() == b"lib/apk/db/installed" {
            return Ok(Some(Artifact::OwnedFiles(apk_owned(file.content))));
        }
        let name = String::from_utf8_lossy(file.path.file_name());
        let package = name.trim_end_matches(".list").to_owned();
        let paths = String::from_utf8_lossy(file.content)
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with('/') && l.len() > 1)
            .map(str::to_owned)
            .collect();
        Ok(Some(Artifact::OwnedFiles(OwnedFiles { package, paths })))
    }
}

/// apk records a package's files as `F:dir` followed by `R:name` lines.
fn apk_owned(content: &[u8]) -> OwnedFiles {
    let mut paths = Vec::new();
    let mut dir = String::new();
    for line in String::from_utf8_lossy(content).lines() {
        if let Some(d) = line.strip_prefix("F:") {
            dir = d.trim_matches('/').to_owned();
        } else if let Some(r) = line.strip_prefix("R:") {
            paths.push(if dir.is_empty() {
                format!("/{r}")
            } else {
                format!("/{dir}/{r}")
            });
        } else if line.starts_with("P:") {
            dir.clear();
        }
    }
    OwnedFiles {
        package: "apk".into(),
        paths,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn apk_file_lists() {
        let db = b"P:runc\nV:1.1.12-r0\nF:usr/bin\nR:runc\n\nP:busybox\nV:1.36.1-r15\nR:.profile\nF:bin\nR:busybox\n";
        let owned = super::apk_owned(db);
        assert_eq!(owned.paths, ["/usr/bin/runc", "/.profile", "/bin/busybox"]);
    }
}
