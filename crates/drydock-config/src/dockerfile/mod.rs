//! Dockerfile scanning: the parser, the stage model the rules share, and the rule registry.

pub mod parse;
pub mod rules;

pub use parse::{Args, Dockerfile, Heredoc, Instruction, ParseError};

use crate::shell::{self, Command};
use crate::{ConfigError, ConfigErrorKind, ScanResult};
use drydock_finding::{Finding, Rule};
use std::collections::HashMap;

/// One `FROM` and the instructions up to the next.
#[derive(Debug, Clone)]
pub struct Stage {
    /// Index of the `FROM` in [`Dockerfile::instructions`].
    pub from: usize,
    /// Index one past the stage's last instruction.
    pub end: usize,
    /// The base image with build arguments' defaults substituted.
    pub image: String,
    pub name: Option<String>,
    /// The earlier stage this one builds on, when `FROM` names one.
    pub parent: Option<usize>,
}

/// A `RUN` with its script split into commands, computed once for all rules.
#[derive(Debug, Clone)]
pub struct Run {
    pub index: usize,
    pub stage: usize,
    /// The script the shell sees: the shell-form text plus heredoc bodies, or the `-c`
    /// argument of an exec-form `["sh", "-c", "..."]`.
    pub script: String,
    pub commands: Vec<Command>,
}

/// Everything a Dockerfile rule looks at.
pub struct Ctx<'a> {
    pub path: &'a str,
    pub df: &'a Dockerfile,
    pub stages: Vec<Stage>,
    pub runs: Vec<Run>,
    /// Stage names (lower case) a Compose file builds with `target:`.
    pub targets: Vec<String>,
}

impl Ctx<'_> {
    pub fn new<'a>(path: &'a str, df: &'a Dockerfile) -> Ctx<'a> {
        let ins = &df.instructions;
        let mut globals: HashMap<String, String> = HashMap::new();
        let mut stages: Vec<Stage> = Vec::new();
        for (i, instr) in ins.iter().enumerate() {
            match instr.keyword.as_str() {
                "ARG" if stages.is_empty() => {
                    for w in instr.words() {
                        if let Some((k, v)) = w.split_once('=') {
                            globals.insert(k.to_owned(), v.to_owned());
                        }
                    }
                }
                "FROM" => {
                    if let Some(last) = stages.last_mut() {
                        last.end = i;
                    }
                    let words = instr.words();
                    let raw = words.first().cloned().unwrap_or_default();
                    let image = expand(&raw, &globals);
                    let name = match words.get(1) {
                        Some(k) if k.eq_ignore_ascii_case("as") => {
                            words.get(2).map(|n| n.to_ascii_lowercase())
                        }
                        _ => None,
                    };
                    let parent = stages
                        .iter()
                        .position(|s| s.name.as_deref() == Some(&image.to_ascii_lowercase()));
                    stages.push(Stage {
                        from: i,
                        end: ins.len(),
                        image,
                        name,
                        parent,
                    });
                }
                _ => {}
            }
        }
        let mut runs = Vec::new();
        let mut stage = 0;
        for (i, instr) in ins.iter().enumerate() {
            while stage + 1 < stages.len() && i >= stages[stage + 1].from {
                stage += 1;
            }
            if instr.keyword != "RUN" {
                continue;
            }
            let script = run_script(instr);
            runs.push(Run {
                index: i,
                stage,
                commands: shell::split(&script),
                script,
            });
        }
        Ctx {
            path,
            df,
            stages,
            runs,
            targets: Vec::new(),
        }
    }

    pub fn instr(&self, index: usize) -> &Instruction {
        &self.df.instructions[index]
    }

    /// Instructions of a stage, with their indexes, `FROM` excluded.
    pub fn stage_instructions(&self, stage: usize) -> impl Iterator<Item = (usize, &Instruction)> {
        let s = &self.stages[stage];
        (s.from + 1..s.end).map(move |i| (i, &self.df.instructions[i]))
    }

    pub fn final_stage(&self) -> Option<usize> {
        self.stages.len().checked_sub(1)
    }

    /// The stages that become images that run: the final one, and any a Compose file builds
    /// with `target:` (see [`scan_with_targets`]), in stage order.
    pub fn shipped_stages(&self) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .stages
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                s.name
                    .as_deref()
                    .is_some_and(|n| self.targets.iter().any(|t| t == n))
            })
            .map(|(i, _)| i)
            .collect();
        if let Some(last) = self.final_stage()
            && !out.contains(&last)
        {
            out.push(last);
        }
        out
    }

    /// How a finding names a shipped stage: the final one, or a Compose build target.
    pub fn stage_label(&self, stage: usize) -> String {
        if Some(stage) == self.final_stage() {
            "final stage".to_owned()
        } else {
            format!(
                "stage {} (a Compose build target)",
                self.stages[stage].name.as_deref().unwrap_or("?")
            )
        }
    }

    /// The stage chain from `stage` up through the stages it is built `FROM`, nearest first.
    pub fn lineage(&self, stage: usize) -> Vec<usize> {
        let mut chain = vec![stage];
        let mut cur = stage;
        while let Some(p) = self.stages[cur].parent {
            if chain.contains(&p) {
                break;
            }
            chain.push(p);
            cur = p;
        }
        chain
    }

    /// Whether the shell runs with `pipefail`, from a `SHELL` instruction in the stage chain.
    pub fn shell_has_pipefail(&self, run: &Run) -> bool {
        let chain = self.lineage(run.stage);
        chain.iter().any(|&s| {
            self.stage_instructions(s)
                .filter(|(i, _)| s != run.stage || *i < run.index)
                .any(|(_, ins)| ins.keyword == "SHELL" && ins.text().contains("pipefail"))
        })
    }

    pub fn finding(&self, rule: &Rule, line: u32, message: impl Into<String>) -> Finding {
        Finding::from_rule(rule, crate::location(self.path, line), message)
    }
}

fn run_script(instr: &Instruction) -> String {
    let mut script = match &instr.args {
        Args::Exec(v) => {
            let shells = ["sh", "bash", "/bin/sh", "/bin/bash", "ash", "/bin/ash"];
            match v.iter().position(|a| a == "-c") {
                Some(i) if v.first().is_some_and(|s| shells.contains(&s.as_str())) => {
                    v.get(i + 1).cloned().unwrap_or_default()
                }
                _ => v
                    .iter()
                    .map(|w| format!("'{}'", w.replace('\'', "")))
                    .collect::<Vec<_>>()
                    .join(" "),
            }
        }
        Args::Shell(s) => s.clone(),
    };
    // A heredoc's body is the script when the command is just `<<EOF` (or `bash <<EOF`).
    for h in &instr.heredocs {
        script.push('\n');
        script.push_str(&h.body);
    }
    script
}

/// Substitutes `$VAR`, `${VAR}` and `${VAR:-default}` from build-argument defaults; unknown
/// variables are left as they are so callers can tell the reference is unresolved.
pub fn expand(text: &str, vars: &HashMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let (name, default, consumed) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(end) => {
                    let body = &inner[..end];
                    let (n, d) = match body.split_once(":-").or_else(|| body.split_once('-')) {
                        Some((n, d)) => (n, Some(d)),
                        None => (body, None),
                    };
                    (n, d, end + 2)
                }
                None => ("", None, 0),
            }
        } else {
            let len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..len], None, len)
        };
        match vars.get(name).filter(|v| !v.is_empty()) {
            Some(v) if !name.is_empty() => out.push_str(v),
            _ => match default {
                Some(d) if !name.is_empty() => out.push_str(d),
                _ => {
                    out.push('$');
                    out.push_str(&after[..consumed]);
                }
            },
        }
        rest = &after[consumed..];
    }
    out.push_str(rest);
    out
}

/// Parses and checks one Dockerfile.
pub fn scan(path: &str, text: &str) -> ScanResult {
    scan_with_targets(path, text, &[])
}

/// [`scan`], with `targets`: stage names a Compose file builds with `target:`, checked like the
/// final stage because they become images that run.
pub fn scan_with_targets(path: &str, text: &str, targets: &[String]) -> ScanResult {
    let (df, parse_errors) = parse::parse(text);
    let mut result = ScanResult::default();
    for e in parse_errors {
        result.errors.push(ConfigError::new(
            path,
            Some(e.line),
            ConfigErrorKind::Dockerfile(e.message),
        ));
    }
    if df.instructions.iter().any(|i| i.keyword == "FROM") {
        let mut ctx = Ctx::new(path, &df);
        ctx.targets = targets.to_vec();
        for entry in rules::RULES {
            (entry.run)(&ctx, &mut result.findings);
        }
    }
    result
}
