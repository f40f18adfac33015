pub static RULES: &[&drydock_finding::Rule] = &[];
