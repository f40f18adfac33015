//! The analyzer registry: one module per analyzer, one line each in [`builtin`].

pub mod collect;
pub mod dpkg_files;
pub mod lang_packages;
pub mod os;
pub mod os_packages;
pub mod secrets;

use crate::Analyzer;
use std::sync::Arc;

/// What configurable analyzers are configured with, and which optional ones run.
#[derive(Clone)]
pub struct Options {
    /// Secret rules; the built-in set when `None`.
    pub secrets: Option<Arc<drydock_secrets::Engine>>,
    /// Scan file contents for secrets (reads most text files: off for SBOM-only runs).
    pub secret_files: bool,
    /// Keep account and service files for the credential audit.
    pub credential_files: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            secrets: None,
            secret_files: true,
            credential_files: true,
        }
    }
}

/// Every built-in analyzer, in a stable order (it fixes the order of outputs for one file).
pub fn builtin(options: Options) -> Vec<Box<dyn Analyzer>> {
    let mut analyzers: Vec<Box<dyn Analyzer>> = vec![
        Box::new(os::OsRelease),
        Box::new(os_packages::OsPackages),
        Box::new(lang_packages::LangPackages),
        Box::new(dpkg_files::DpkgFiles),
        // one line per analyzer; keep the trailing comma so rustfmt keeps one per line
    ];
    if options.secret_files {
        let engine = options
            .secrets
            .unwrap_or_else(|| Arc::new(drydock_secrets::Engine::builtin()));
        analyzers.push(Box::new(secrets::Secrets::new(engine)));
    }
    if options.credential_files {
        analyzers.push(Box::new(collect::CredentialFiles));
    }
    analyzers
}
