//! Which files dpkg installed (`/var/lib/dpkg/info/*.list`), so a binary or a Python package that
//! a deb put there is reported as the deb and matched against the distro's advisories, not as a
//! second, upstream-versioned package (Debian backports fixes without changing upstream versions).

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

const WANTS: &[Want] = &[Want::Glob("var/lib/dpkg/info/*.list")];

impl Analyzer for DpkgFiles {
    fn id(&self) -> &'static str {
        "dpkg-files"
    }

    fn version(&self) -> u32 {
        1
    }

    fn wants(&self) -> &'static [Want] {
        WANTS
    }

    fn analyze(&self, file: &FileInput<'_>) -> Result<Option<Artifact>, AnalyzeError> {
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
