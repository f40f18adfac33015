//! Secret findings: matches in files of every layer (with their fate), and in the image
//! metadata a registry hands to anyone who pulls: `Env`, `Cmd`, `Entrypoint`, labels and the
//! `created_by` history lines where build arguments leak.

use crate::{Input, fate_note, layer_location};
use drydock_analyze::Artifact;
use drydock_finding::{Finding, Kind, Location};
use drydock_secrets::{Redactor, SecretMatch};

pub fn check(input: &Input<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for o in &input.scan.outputs {
        let Artifact::Secrets(file) = &o.artifact else {
            continue;
        };
        let path = o.path.display();
        for m in &file.matches {
            let loc = layer_location(
                input.scan,
                o.layer,
                &path,
                (m.line > 0).then_some(m.line as u32),
                o.fate,
            );
            out.push(finding(input, m, loc, &fate_note(o.fate)));
        }
    }
    for (place, text) in metadata_texts(input) {
        for m in input.options.secrets.scan_text(&place, &text) {
            let loc = Location {
                path: Some(place.clone()),
                ..Location::default()
            };
            out.push(finding(input, &m, loc, ""));
        }
    }
    out
}

/// What masks the secrets of this image wherever a report copies its metadata: every secret
/// the engine finds in the metadata or in a file (a file's secret echoed by a `RUN` line is
/// still that secret), and the values of the Env entries the image rules flag (DD-IMG-003).
pub fn metadata_redactor(input: &Input<'_>) -> Redactor {
    let mut secrets: Vec<String> = Vec::new();
    for o in &input.scan.outputs {
        if let Artifact::Secrets(file) = &o.artifact {
            secrets.extend(file.matches.iter().map(|m| m.secret.clone()));
        }
    }
    for (place, text) in metadata_texts(input) {
        secrets.extend(
            input
                .options
                .secrets
                .scan_text(&place, &text)
                .into_iter()
                .map(|m| m.secret),
        );
    }
    secrets.extend(crate::image::secret_env_values(input));
    Redactor::new(secrets)
}

/// The image metadata a registry hands to anyone who pulls, each with the place a finding names.
fn metadata_texts(input: &Input<'_>) -> Vec<(String, String)> {
    let mut texts: Vec<(String, String)> = Vec::new();
    let Some(config) = &input.image.config else {
        return texts;
    };
    let c = &config.config;
    texts.extend(
        c.env
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("config.Env[{i}]"), v.clone())),
    );
    if !c.entrypoint.is_empty() {
        texts.push(("config.Entrypoint".into(), c.entrypoint.join(" ")));
    }
    if !c.cmd.is_empty() {
        texts.push(("config.Cmd".into(), c.cmd.join(" ")));
    }
    texts.extend(
        c.labels
            .iter()
            .map(|(k, v)| (format!("config.Labels[{k}]"), format!("{k}={v}"))),
    );
    texts.extend(config.history.iter().enumerate().filter_map(|(i, h)| {
        h.created_by
            .as_ref()
            .map(|s| (format!("history[{i}].created_by"), s.clone()))
    }));
    texts
}

fn finding(input: &Input<'_>, m: &SecretMatch, location: Location, note: &str) -> Finding {
    let shown = if input.options.show_secrets {
        format!(" (secret: {:?})", m.secret)
    } else {
        String::new()
    };
    Finding {
        id: m.rule_id.clone(),
        kind: Kind::Secret,
        severity: m.severity,
        severity_source: None,
        status: None,
        title: m.title.clone(),
        message: format!("{}{shown}{note}", m.match_line.trim()),
        description: Some(
            "Anyone who can pull the image can read this credential, from every layer that holds it, even after a later layer deletes the file.".into(),
        ),
        location,
        package: None,
        fix: Some("Revoke and rotate the credential, then rebuild without it: pass secrets at run time or with build secret mounts, never in files, ENV, ARG or commands.".into()),
        references: Vec::new(),
        vulnerability: None,
    }
}
