//! Keeps the bytes of small files that image-level audits read together after the squash
//! (`/etc/passwd` with `/etc/shadow`, service configs): the credential audit needs the final
//! view's set of files, not one file at a time.

use crate::{AnalyzeError, Analyzer, Artifact, FileInput, Want};
use drydock_fs::EntryMeta;
use serde::Serialize;

pub struct CredentialFiles {
    /// Which paths to keep: the auditor's choice, handed in ([`super::Options`]).
    wanted: fn(&str) -> bool,
}

impl CredentialFiles {
    pub fn new(wanted: fn(&str) -> bool) -> Self {
        CredentialFiles { wanted }
    }
}

/// Largest file kept for an audit; account and service config files are far smaller.
const MAX_COLLECTED: u64 = 4 << 20;

#[derive(Clone, Debug)]
pub struct CollectedFile {
    pub bytes: Vec<u8>,
}

impl Serialize for CollectedFile {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("CollectedFile", 1)?;
        st.serialize_field("bytes", &self.bytes.len())?;
        st.end()
    }
}

// Custom, not a Predicate: the path test is configuration, which a plain fn cannot capture.
const WANTS: &[Want] = &[Want::Custom];

impl Analyzer for CredentialFiles {
    fn id(&self) -> &'static str {
        "credential-files"
    }

    fn version(&self) -> u32 {
        1
    }

    fn wants(&self) -> &'static [Want] {
        WANTS
    }

    fn wants_file(&self, meta: &EntryMeta) -> bool {
        meta.size <= MAX_COLLECTED && meta.path.to_str().is_some_and(self.wanted)
    }

    fn analyze(&self, file: &FileInput<'_>) -> Result<Option<Artifact>, AnalyzeError> {
        Ok(Some(Artifact::Collected(CollectedFile {
            bytes: file.content.to_vec(),
        })))
    }
}
