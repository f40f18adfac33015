//! Language packages: lockfiles, installed metadata, Go and Rust binaries, jars — parsed by
//! `drydock-lang`, whose registry says which files each parser wants.

use crate::{AnalyzeError, Analyzer, Artifact, FileInput, Want};
use drydock_fs::EntryMeta;
use drydock_lang::{PARSERS, PathPattern};
use serde::Serialize;
use std::sync::LazyLock;

pub struct LangPackages;

/// What one file held; serialized as a count (the list goes to the inventory once).
#[derive(Clone, Debug)]
pub struct LangFile {
    pub packages: Vec<drydock_lang::Package>,
}

impl Serialize for LangFile {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("LangFile", 1)?;
        st.serialize_field("packages", &self.packages.len())?;
        st.end()
    }
}

/// Executables that may embed Go build info or a cargo-auditable section.
fn binary(meta: &EntryMeta) -> bool {
    meta.path
        .to_str()
        .is_some_and(|p| drydock_lang::is_candidate_binary(p, meta.size, meta.mode))
}

static WANTS: LazyLock<Vec<Want>> = LazyLock::new(|| {
    let mut wants: Vec<Want> = PARSERS
        .iter()
        .flat_map(|p| p.paths.iter())
        .map(|pat| match pat {
            PathPattern::FileName(n) => Want::FileName(n),
            PathPattern::Glob(g) => Want::Glob(g.trim_start_matches('/')),
        })
        .collect();
    wants.push(Want::Predicate(binary));
    wants
});

impl Analyzer for LangPackages {
    fn id(&self) -> &'static str {
        "lang-packages"
    }

    fn version(&self) -> u32 {
        1
    }

    fn wants(&self) -> &'static [Want] {
        &WANTS
    }

    fn analyze(&self, file: &FileInput<'_>) -> Result<Option<Artifact>, AnalyzeError> {
        let path = file.path.display();
        let by_name = drydock_lang::parsers_for(&path).next().is_some();
        let packages = if by_name {
            drydock_lang::parse_file(&path, file.content)
        } else if drydock_lang::has_elf_magic(file.content) {
            drydock_lang::parse_binary(&path, file.content)
        } else {
            return Ok(None);
        }
        .map_err(|e| AnalyzeError(e.to_string()))?;
        Ok((!packages.is_empty()).then_some(Artifact::LangPackages(LangFile { packages })))
    }
}
