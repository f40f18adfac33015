//! OS package databases (dpkg, apk, rpm), parsed by `drydock-catalog` as each layer streams.
//!
//! The databases do not say which distribution they belong to, and the OS is only known once
//! the layers are squashed, so packages are parsed with an empty distro and given their final
//! purls by [`crate::inventory`] afterwards.

use crate::{AnalyzeError, Analyzer, Artifact, FileInput, Want};
use drydock_catalog::{CATALOGERS, DbFile, Distro, Package, PathPattern};
use drydock_fs::ImagePath;
use serde::Serialize;
use std::sync::LazyLock;

pub struct OsPackages;

/// What one database file held. Serialized as a count: the package list itself is reported
/// once, in the inventory, for the database that is present in the final image.
#[derive(Clone, Debug)]
pub struct PackageDb {
    pub ecosystem: &'static str,
    pub packages: Vec<Package>,
    pub problems: Vec<String>,
}

impl Serialize for PackageDb {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("PackageDb", 3)?;
        st.serialize_field("ecosystem", self.ecosystem)?;
        st.serialize_field("packages", &self.packages.len())?;
        st.serialize_field("problems", &self.problems)?;
        st.end()
    }
}

/// The registry's own `&'static` name for an ecosystem read back from the layer cache.
pub(crate) fn static_ecosystem(name: &str) -> Option<&'static str> {
    CATALOGERS
        .iter()
        .map(|c| c.ecosystem.as_str())
        .find(|e| *e == name)
}

/// The catalog's registry, turned into engine interests once.
static WANTS: LazyLock<Vec<Want>> = LazyLock::new(|| {
    let mut wants = Vec::new();
    for c in CATALOGERS {
        for p in c.paths {
            match p {
                PathPattern::File(f) => wants.push(Want::Path(f.trim_start_matches('/'))),
                PathPattern::FilesIn { dir, .. } => {
                    let glob: &'static str =
                        Box::leak(format!("{}/*", dir.trim_start_matches('/')).into_boxed_str());
                    wants.push(Want::Glob(glob));
                }
            }
        }
    }
    wants
});

impl Analyzer for OsPackages {
    fn id(&self) -> &'static str {
        "os-packages"
    }

    fn version(&self) -> u32 {
        1
    }

    fn wants(&self) -> &'static [Want] {
        &WANTS
    }

    fn analyze(&self, file: &FileInput<'_>) -> Result<Option<Artifact>, AnalyzeError> {
        let path = file.path.display();
        // Exclusions (status.d/*.md5sums) are the cataloger's to decide.
        let Some(cataloger) = CATALOGERS.iter().find(|c| c.wants(&path)) else {
            return Ok(None);
        };
        let mut diags = Vec::new();
        let packages = (cataloger.parse)(
            &DbFile::new(&path, file.content),
            &Distro::default(),
            &mut diags,
        )
        .map_err(|e| AnalyzeError(e.to_string()))?;
        Ok(Some(Artifact::Packages(PackageDb {
            ecosystem: cataloger.ecosystem.as_str(),
            packages,
            problems: diags.into_iter().map(|d| d.message).collect(),
        })))
    }
}

/// Whether a path is one of the package databases (for callers deciding what to report).
pub fn is_package_db(path: &ImagePath) -> bool {
    CATALOGERS.iter().any(|c| c.wants(&path.display()))
}
