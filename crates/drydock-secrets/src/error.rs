use crate::pattern::PatternError;
use thiserror::Error;

/// A config that cannot be loaded. Messages name the rule or allowlist at fault so a user can
/// fix their file without reading this crate.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("invalid TOML: {0}")]
    Toml(#[from] toml::de::Error),
    #[cfg(feature = "trivy-config")]
    #[error("invalid YAML: {0}")]
    Yaml(#[from] serde_norway::Error),
    #[error("{context}: invalid regex {pattern:?}: {message}")]
    Regex {
        context: String,
        pattern: String,
        message: String,
    },
    #[error("{0}: an allowlist needs at least one of commits, paths, regexes, stopwords")]
    EmptyAllowlist(String),
    #[error("{0}")]
    Invalid(String),
    #[error(
        "[extend] {0} is not supported: drydock reads no files or URLs while loading a config; \
         use `useDefault = true` or merge the files yourself"
    )]
    ExtendUnsupported(&'static str),
}

impl ConfigError {
    pub(crate) fn regex(context: &str, e: PatternError) -> Self {
        ConfigError::Regex {
            context: context.to_owned(),
            pattern: e.pattern,
            message: e.message,
        }
    }
}
