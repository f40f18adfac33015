//! Weak, empty and default credentials: the account files and service configurations of the
//! final image view, audited together (a hash in `/etc/shadow` needs its user in `/etc/passwd`).

use crate::{Input, layer_location};
use drydock_analyze::Artifact;
use drydock_finding::Finding;
use drydock_fs::Fate;
use std::collections::HashMap;

/// The files [`check`] audits: what the analyze engine must collect for it
/// (`drydock_analyze::analyzers::Options::credential_files`).
pub fn wants(path: &str) -> bool {
    drydock_creds::wants(path)
}

pub fn check(input: &Input<'_>) -> Vec<Finding> {
    let mut files = Vec::new();
    let mut layer_of = HashMap::new();
    for o in &input.scan.outputs {
        if o.fate != Fate::Present {
            continue;
        }
        if let Artifact::Collected(c) = &o.artifact {
            let path = o.path.display().into_owned();
            layer_of.insert(path.clone(), o.layer);
            files.push((path, c.bytes.clone()));
        }
    }
    if files.is_empty() {
        return Vec::new();
    }
    let opts = input.options;
    let found = if opts.wordlist.is_empty() {
        drydock_creds::audit(&files, &opts.password_budget)
    } else {
        drydock_creds::audit_with_wordlist(&files, &opts.password_budget, &opts.wordlist)
    };
    found
        .iter()
        .map(|f| {
            let mut shared = f.to_shared(opts.show_secrets);
            if let Some(&layer) = layer_of.get(&f.path) {
                shared.location = layer_location(input.scan, layer, &f.path, f.line, Fate::Present);
            }
            shared
        })
        .collect()
}
