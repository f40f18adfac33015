pub struct Entry { pub rule: &'static drydock_finding::Rule }
pub static RULES: &[Entry] = &[];
