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
    /// Keep the small files this predicate names (a path inside the image, with or without the
    /// leading `/`) for an audit of the final view's files together; the binary passes the
    /// credential audit's (`drydock_scan::credentials::wants`: account and service files).
    /// Passed in so this crate does not depend on the auditor and its hash crates for one path
    /// test. None collects nothing.
    pub credential_files: Option<fn(&str) -> bool>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            secrets: None,
            secret_files: true,
            credential_files: None,
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
    if let Some(wanted) = options.credential_files {
        analyzers.push(Box::new(collect::CredentialFiles::new(wanted)));
    }
    analyzers
}
