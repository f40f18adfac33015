pub mod rules;
pub fn scan(_p: &str, _t: &str) -> crate::ScanResult { crate::ScanResult::default() }
