//! `drydock rules [ID]`: the rule list, one rule's page, or the docs/rules generator (the
//! rule data and page rendering are in `crate::rules`).

use crate::{output::write_stdout, rules};
use anyhow::{Context, Result};
use std::process::ExitCode;

pub fn run(
    id: Option<&str>,
    json: bool,
    secrets: bool,
    docs: Option<&std::path::Path>,
) -> Result<ExitCode> {
    if let Some(dir) = docs {
        let n = rules::write_docs(dir)?;
        println!("wrote {n} rule pages and an index to {}", dir.display());
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = String::new();
    if secrets {
        let list = drydock_secrets::Engine::builtin().rules();
        if json {
            out = serde_json::to_string_pretty(&list)?;
        } else {
            for r in &list {
                out.push_str(&format!("{:<40} {:<8} {}\n", r.id, r.severity, r.title));
            }
        }
    } else if let Some(id) = id {
        let rule = rules::all()
            .into_iter()
            .find(|r| r.id.eq_ignore_ascii_case(id))
            .with_context(|| format!("no rule {id:?} (`drydock rules` lists them)"))?;
        out = if json {
            serde_json::to_string_pretty(rule)?
        } else {
            rule.markdown()
        };
    } else if json {
        out = serde_json::to_string_pretty(&rules::all())?;
    } else {
        for r in rules::all() {
            out.push_str(&format!("{:<16} {:<8} {}\n", r.id, r.severity, r.title));
        }
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    write_stdout(out.as_bytes()).map(|()| ExitCode::SUCCESS)
}
