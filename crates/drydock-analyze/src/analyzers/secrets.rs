//! Secrets in file contents, in every layer: a secret deleted by a later layer is still in the
//! earlier layer's blob, so it is reported with that fate rather than dropped.

use crate::{AnalyzeError, Analyzer, Artifact, FileInput, Want};
use drydock_fs::EntryMeta;
use drydock_secrets::{Engine, SecretMatch};
use serde::Serialize;
use std::sync::Arc;

pub struct Secrets {
    engine: Arc<Engine>,
}

impl Secrets {
    pub fn new(engine: Arc<Engine>) -> Self {
        Self { engine }
    }
}

/// The matches in one file. Serialized as a count only: the matches hold the raw secrets, which
/// leave drydock only through findings, redacted unless asked otherwise.
#[derive(Clone, Debug)]
pub struct SecretFile {
    pub matches: Vec<SecretMatch>,
}

impl Serialize for SecretFile {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("SecretFile", 1)?;
        st.serialize_field("matches", &self.matches.len())?;
        st.end()
    }
}

const WANTS: &[Want] = &[Want::Custom];

impl Analyzer for Secrets {
    fn id(&self) -> &'static str {
        "secrets"
    }

    fn version(&self) -> u32 {
        1
    }

    fn fingerprint(&self) -> String {
        format!("{}\n{:?}", self.engine.identity(), self.engine.options())
    }

    fn wants(&self) -> &'static [Want] {
        WANTS
    }

    fn wants_file(&self, meta: &EntryMeta) -> bool {
        // Names that are not UTF-8 are matched lossily: a rule on `id_rsa` should not miss
        // `id_rsa` in a directory with an odd name.
        self.engine.wants(&meta.path.display(), meta.size)
    }

    fn analyze(&self, file: &FileInput<'_>) -> Result<Option<Artifact>, AnalyzeError> {
        let matches = self.engine.scan(&file.path.display(), file.content);
        Ok((!matches.is_empty()).then_some(Artifact::Secrets(SecretFile { matches })))
    }
}
