use crate::digest::Digest;
use std::io;

/// A layer that could not be read, with the name of the blob or directory it came from.
#[derive(Debug, thiserror::Error)]
#[error("{source_name}: {kind}")]
pub struct LayerError {
    pub source_name: String,
    pub kind: LayerErrorKind,
}

#[derive(Debug, thiserror::Error)]
pub enum LayerErrorKind {
    #[error("cannot read: {0}")]
    Io(#[source] io::Error),
    #[error("corrupt or truncated {what}: {detail}")]
    Corrupt { what: String, detail: String },
    #[error("unsupported layer compression {0} (drydock reads uncompressed, gzip and zstd layers)")]
    UnsupportedCompression(&'static str),
    #[error("blob digest mismatch: manifest says {expected}, content is {actual}")]
    DigestMismatch { expected: Digest, actual: Digest },
    #[error(
        "layer diff-id mismatch: image config says {expected}, uncompressed content is {actual}"
    )]
    DiffIdMismatch { expected: Digest, actual: Digest },
    #[error("{0}")]
    Analysis(String),
}

impl LayerError {
    pub fn new(source_name: impl Into<String>, kind: LayerErrorKind) -> Self {
        Self {
            source_name: source_name.into(),
            kind,
        }
    }
}
