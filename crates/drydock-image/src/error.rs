use drydock_fs::LayerError;
use std::io;

/// Why an image could not be opened; every variant names the file it is about.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: io::Error,
    },
    #[error("{file}: not valid JSON for {what}: {detail}")]
    Json {
        file: String,
        what: &'static str,
        detail: String,
    },
    #[error("{file}: {problem}")]
    Invalid { file: String, problem: String },
    #[error("{file}: {problem}")]
    Select { file: String, problem: String },
    #[error(transparent)]
    Layer(#[from] LayerError),
}

impl ImageError {
    pub(crate) fn invalid(file: impl Into<String>, problem: impl Into<String>) -> Self {
        Self::Invalid {
            file: file.into(),
            problem: problem.into(),
        }
    }

    pub(crate) fn io(file: impl Into<String>, source: io::Error) -> Self {
        Self::Io {
            file: file.into(),
            source,
        }
    }
}
