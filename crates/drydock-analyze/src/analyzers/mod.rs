//! The analyzer registry: one module per analyzer, one line each in [`builtin`].

pub mod os;

use crate::Analyzer;

/// Every built-in analyzer, in a stable order (it fixes the order of outputs for one file).
pub fn builtin() -> Vec<Box<dyn Analyzer>> {
    vec![Box::new(os::OsRelease)]
}
