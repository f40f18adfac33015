//! The analyzer registry: one module per analyzer, one line each in [`builtin`].

pub mod dpkg_files;
pub mod lang_packages;
pub mod os;
pub mod os_packages;

use crate::Analyzer;

/// Every built-in analyzer, in a stable order (it fixes the order of outputs for one file).
pub fn builtin() -> Vec<Box<dyn Analyzer>> {
    vec![
        Box::new(os::OsRelease),
        Box::new(os_packages::OsPackages),
        Box::new(lang_packages::LangPackages),
        Box::new(dpkg_files::DpkgFiles),
        // one line per analyzer; keep the trailing comma so rustfmt keeps one per line
    ]
}
