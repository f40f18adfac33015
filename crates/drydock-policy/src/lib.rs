//! Custom misconfiguration checks in Rego, evaluated with regorus over the same files drydock's
//! own rules read, so teams can add the rules only they know about ("images come from our
//! registry", "every container has a memory limit").
//!
//! Checks follow Trivy's custom-check conventions so that policies written for Trivy (or
//! conftest) run with little or no change:
//! - metadata in a `# METADATA` annotation (`title`, `description`, `custom.id`,
//!   `custom.severity`, `custom.recommended_actions`, `custom.input.selector[].type`,
//!   `related_resources`) or in the older `__rego_metadata__` / `__rego_input__` rules;
//! - findings from `deny`, `warn` and `violation` rules (and their `_suffix` variants), each
//!   result a string, an object with `msg` (and `startline`), or what `result.new(msg, cause)`
//!   returns — both the built-in and `import data.lib.result` work;
//! - the input shapes Trivy uses (see [`input`]).
//!
//! Loading is forgiving and evaluation is bounded: a policy file that does not compile is
//! reported with its file and line and left out while the others load; a policy that fails or
//! runs out of time on one input becomes a note and the scan goes on; results per evaluation,
//! failures per check and findings overall are capped.

mod analyze;
pub mod input;
mod load;
mod meta;

pub use input::{DocKind, Document, InputError, daemon_json, documents, image_config};
pub use load::read_paths;
pub use meta::Metadata;

use drydock_finding::{Finding, Kind, Location, Severity};
use regorus::Value as RValue;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Bounds on loading and evaluation.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Policy files loaded from all paths together.
    pub max_files: usize,
    /// Size of one policy file.
    pub max_file_bytes: usize,
    /// Size of all policy files together.
    pub max_total_bytes: usize,
    /// Wall-clock time one check may spend on one document.
    pub eval_timeout: Duration,
    /// Results kept from one rule on one document.
    pub max_results_per_eval: usize,
    /// Findings kept from all checks together.
    pub max_findings: usize,
    /// Errors or time-outs after which a check is not run on the remaining documents.
    pub max_failures_per_check: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_files: 1000,
            max_file_bytes: 1 << 20,
            max_total_bytes: 16 << 20,
            eval_timeout: Duration::from_secs(2),
            max_results_per_eval: 1000,
            max_findings: 10_000,
            max_failures_per_check: 3,
        }
    }
}

/// A policy file as text, with the path its errors and findings name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub path: String,
    pub text: String,
}

/// Why a policy file (or part of the load) was left out.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("{path}: cannot read: {message}")]
    Read { path: String, message: String },
    #[error("{path}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Compile {
        path: String,
        line: Option<u32>,
        message: String,
    },
    #[error("{path}: {message}")]
    Limit { path: String, message: String },
}

impl PolicyError {
    /// The policy file the error is about.
    pub fn path(&self) -> &str {
        match self {
            PolicyError::Read { path, .. }
            | PolicyError::Compile { path, .. }
            | PolicyError::Limit { path, .. } => path,
        }
    }

    /// The 1-based line of a compile error, when known.
    pub fn line(&self) -> Option<u32> {
        match self {
            PolicyError::Compile { line, .. } => *line,
            _ => None,
        }
    }
}

/// Which Rego the file is written in: OPA 1.0 (`if`/`contains` required) or the 0.x syntax most
/// existing Trivy checks use (`deny[msg] { ... }`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dialect {
    V1,
    V0,
}

/// One check: a package with at least one `deny`/`warn`/`violation` rule.
#[derive(Clone, Debug)]
pub struct Check {
    /// The file(s) declaring the package, for messages.
    pub files: Vec<String>,
    /// Package components without `data` (`["user", "dockerfile", "ID001"]`).
    pub package: Vec<String>,
    /// Entry rules, in name order.
    pub rules: Vec<String>,
    /// Package-level metadata (annotations over `__rego_metadata__`).
    pub meta: Metadata,
    /// Rule-level annotations, refining `meta` for that rule's results.
    pub rule_meta: BTreeMap<String, Metadata>,
}

impl Check {
    /// The id findings carry: `custom.id`, else the AVD id, else the package.
    pub fn id(&self) -> String {
        self.meta
            .id
            .clone()
            .or_else(|| self.meta.avd_id.clone())
            .unwrap_or_else(|| self.package.join("."))
    }

    fn applies_to(&self, doc: &Document) -> bool {
        match &self.meta.selectors {
            None => true,
            Some(list) => list.iter().any(|s| doc.kind.matches(s, &doc.input)),
        }
    }
}

/// Findings and notes from evaluating checks.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    /// Checks that failed or timed out on a document, caps that were hit.
    pub notes: Vec<String>,
}

/// Loaded, compiled checks, ready to evaluate any number of documents.
pub struct PolicySet {
    engine: regorus::Engine,
    checks: Vec<Check>,
    limits: Limits,
}

/// What `result.new(msg, cause)` builds, for policies that `import data.lib.result` (Trivy's
/// library before it became a built-in). Same fields as the built-in below.
const LIB_RESULT: &str = r#"package lib.result

import rego.v1

new(msg, cause) := {
	"msg": msg,
	"startline": _get(_meta(cause), "startline", "StartLine"),
	"endline": _get(_meta(cause), "endline", "EndLine"),
	"filepath": _get(_meta(cause), "filepath", "Path"),
}

_meta(cause) := cause.__defsec_metadata if {
	is_object(cause)
	is_object(cause.__defsec_metadata)
} else := cause if {
	is_object(cause)
} else := {}

_get(m, lower, upper) := m[upper] if {
	m[upper]
} else := m[lower] if {
	m[lower]
} else := ""
"#;

/// Trivy's `result.new(msg, cause)` built-in: the message plus the line and file of `cause`,
/// read from its `__defsec_metadata` (Kubernetes and other structured inputs) or from the
/// object itself (Dockerfile commands carry `StartLine`/`EndLine`/`Path`).
fn result_new(args: Vec<RValue>) -> anyhow::Result<RValue> {
    let mut it = args.into_iter();
    let msg = it.next().unwrap_or(RValue::Undefined);
    let cause = it.next().unwrap_or(RValue::Undefined);
    let source = match &cause {
        RValue::Object(o) => match o.get(&RValue::from("__defsec_metadata")) {
            Some(m @ RValue::Object(_)) => m.clone(),
            _ => cause.clone(),
        },
        _ => RValue::new_object(),
    };
    let get = |upper: &str, lower: &str| -> RValue {
        let RValue::Object(o) = &source else {
            return RValue::from("");
        };
        o.get(&RValue::from(upper))
            .or_else(|| o.get(&RValue::from(lower)))
            .cloned()
            .unwrap_or_else(|| RValue::from(""))
    };
    let mut out = BTreeMap::new();
    out.insert(RValue::from("msg"), msg);
    out.insert(RValue::from("startline"), get("StartLine", "startline"));
    out.insert(RValue::from("endline"), get("EndLine", "endline"));
    out.insert(RValue::from("filepath"), get("Path", "filepath"));
    Ok(RValue::from(out))
}

/// `file:line` and the message of a regorus error, whose text is a multi-line source excerpt
/// (`--> file:line:col`, the line, a caret, `error: message`).
fn describe_error(e: &anyhow::Error) -> (Option<(String, u32)>, String) {
    let text = format!("{e:#}");
    let mut location = None;
    let mut message = None;
    for line in text.lines() {
        let t = line.trim();
        if location.is_none()
            && let Some(loc) = t.strip_prefix("--> ")
        {
            let mut parts = loc.rsplitn(3, ':');
            let _col = parts.next();
            let line_no = parts.next().and_then(|l| l.parse::<u32>().ok());
            if let (Some(l), Some(file)) = (line_no, parts.next()) {
                location = Some((file.to_owned(), l));
            }
        }
        if message.is_none()
            && let Some(m) = t.strip_prefix("error: ")
        {
            message = Some(m.trim().to_owned());
        }
    }
    let message = message.unwrap_or_else(|| {
        text.lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("unknown error")
            .to_owned()
    });
    (location, message)
}

fn new_engine(limits: &Limits) -> regorus::Engine {
    let mut engine = regorus::Engine::new();
    // `print()` output is collected (and dropped) instead of going to stderr mid-report.
    engine.set_gather_prints(true);
    engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
        limit: limits.eval_timeout,
        // Work units between clock reads: small enough that a time-out lands close to the limit.
        check_interval: std::num::NonZeroU32::MIN.saturating_add(63),
    });
    engine
}

/// Parses one file on its own, in the dialect it parses in. OPA 1.0 syntax is tried first (it
/// is what new checks use, and regorus's 0.x mode prints warnings to stderr when it meets 1.0
/// keywords); when neither parses, the error reported is the one from further into the file,
/// which is the dialect the author was writing.
fn parse_alone(src: &Source, limits: &Limits) -> Result<Dialect, PolicyError> {
    let mut errors = Vec::new();
    for dialect in [Dialect::V1, Dialect::V0] {
        let mut e = new_engine(limits);
        e.set_rego_v0(dialect == Dialect::V0);
        match e.add_policy(src.path.clone(), src.text.clone()) {
            Ok(_) => return Ok(dialect),
            Err(err) => errors.push(describe_error(&err)),
        }
    }
    let best = errors
        .into_iter()
        .max_by_key(|(loc, _)| loc.as_ref().map(|(_, l)| *l).unwrap_or(0));
    let (loc, message) = best.unwrap_or((None, "does not parse".to_owned()));
    Err(PolicyError::Compile {
        path: src.path.clone(),
        line: loc.map(|(_, l)| l),
        message,
    })
}

/// Whether a rule name is one Trivy and conftest report: `deny`, `warn`, `violation`, or one of
/// those followed by `_something`.
fn is_entry_rule(name: &str) -> bool {
    ["deny", "warn", "violation"].iter().any(|p| {
        name == *p
            || name
                .strip_prefix(p)
                .is_some_and(|rest| rest.starts_with('_') && rest.len() > 1)
    })
}

impl PolicySet {
    /// Compiles policy sources. Files that do not parse, call functions recursively, or fail
    /// regorus's analysis (unsafe variables, conflicting rules, unknown functions) are returned
    /// as errors naming their file and line; everything else is loaded.
    pub fn compile(sources: Vec<Source>, limits: Limits) -> (PolicySet, Vec<PolicyError>) {
        let mut errors = Vec::new();
        let mut parsed: Vec<(Source, Dialect)> = Vec::new();
        for src in sources {
            match parse_alone(&src, &limits) {
                Ok(d) => parsed.push((src, d)),
                Err(e) => errors.push(e),
            }
        }
        // Each round builds an engine from what is left; an error that names a file removes
        // that file and the round repeats. Bounded by the number of files.
        loop {
            let before = parsed.len();
            let mut engine = Self::build(&parsed, &limits);
            let modules: Vec<regorus::unstable::Ref<regorus::unstable::Module>> =
                engine.get_modules().clone();
            let module_refs: Vec<&regorus::unstable::Module> =
                modules.iter().map(|m| &**m).collect();
            let problems = analyze::check_calls(&module_refs);
            if !problems.is_empty() {
                let bad: BTreeSet<&str> = problems.iter().map(|p| p.file.as_str()).collect();
                for p in &problems {
                    errors.push(PolicyError::Compile {
                        path: p.file.clone(),
                        line: Some(p.line),
                        message: p.message.clone(),
                    });
                }
                parsed.retain(|(s, _)| !bad.contains(s.path.as_str()));
                if parsed.len() == before {
                    // Only our own module is implicated (cannot happen with the shipped one);
                    // stop rather than loop.
                    parsed.clear();
                }
                continue;
            }
            // A trivial query makes regorus analyse every module now rather than at the first
            // document, so that one broken file cannot fail every evaluation.
            if let Err(e) = engine.eval_query("true".to_owned(), false) {
                let (loc, message) = describe_error(&e);
                match loc.filter(|(f, _)| parsed.iter().any(|(s, _)| &s.path == f)) {
                    Some((file, line)) => {
                        errors.push(PolicyError::Compile {
                            path: file.clone(),
                            line: Some(line),
                            message,
                        });
                        parsed.retain(|(s, _)| s.path != file);
                        continue;
                    }
                    None => {
                        // Not attributable to one file: nothing can be trusted to run.
                        errors.push(PolicyError::Compile {
                            path: parsed
                                .iter()
                                .map(|(s, _)| s.path.as_str())
                                .collect::<Vec<_>>()
                                .join(", "),
                            line: None,
                            message,
                        });
                        parsed.clear();
                        continue;
                    }
                }
            }
            let checks = Self::checks_of(&mut engine, &modules, &parsed, &mut errors);
            return (
                PolicySet {
                    engine,
                    checks,
                    limits,
                },
                errors,
            );
        }
    }

    /// An engine holding `parsed`, the `lib.result` helper (unless the user brings their own)
    /// and the `result.new` built-in.
    fn build(parsed: &[(Source, Dialect)], limits: &Limits) -> regorus::Engine {
        let mut engine = new_engine(limits);
        let user_lib_result = parsed
            .iter()
            .any(|(s, _)| s.text.lines().any(|l| l.trim() == "package lib.result"));
        if !user_lib_result {
            engine.set_rego_v0(false);
            // Our own constant; it parses (a test says so), and if it ever did not, policies
            // that import it would report the missing function.
            let _ = engine.add_policy("<drydock lib.result>".to_owned(), LIB_RESULT.to_owned());
        }
        let _ = engine.add_extension("result.new".to_owned(), 2, Box::new(result_new));
        for (src, dialect) in parsed {
            engine.set_rego_v0(*dialect == Dialect::V0);
            // Parsed alone already; adding cannot fail differently.
            let _ = engine.add_policy(src.path.clone(), src.text.clone());
        }
        engine
    }

    /// Groups modules into checks (packages with entry rules) and reads their metadata.
    fn checks_of(
        engine: &mut regorus::Engine,
        modules: &[regorus::unstable::Ref<regorus::unstable::Module>],
        parsed: &[(Source, Dialect)],
        errors: &mut Vec<PolicyError>,
    ) -> Vec<Check> {
        let texts: BTreeMap<&str, &str> = parsed
            .iter()
            .map(|(s, _)| (s.path.as_str(), s.text.as_str()))
            .collect();
        let mut by_package: BTreeMap<Vec<String>, Check> = BTreeMap::new();
        let mut old_style: BTreeMap<Vec<String>, (bool, bool)> = BTreeMap::new();
        for m in modules {
            let file = m.package.span.source.file().clone();
            let Some(text) = texts.get(file.as_str()) else {
                continue;
            };
            let package = analyze::package(m);
            let names = analyze::rule_names(m);
            let check = by_package.entry(package.clone()).or_insert_with(|| Check {
                files: Vec::new(),
                package: package.clone(),
                rules: Vec::new(),
                meta: Metadata::default(),
                rule_meta: BTreeMap::new(),
            });
            check.files.push(file.clone());
            for name in names.keys() {
                if is_entry_rule(name) && !check.rules.contains(name) {
                    check.rules.push(name.clone());
                }
            }
            let flags = old_style.entry(package.clone()).or_default();
            flags.0 |= names.contains_key("__rego_metadata__");
            flags.1 |= names.contains_key("__rego_input__");
            // Annotations: a block right above `package` (or saying `scope: package`) is the
            // package's; one right above a rule is that rule's.
            let pkg_line = m.package.span.line;
            let rule_lines: BTreeMap<u32, String> = m
                .policy
                .iter()
                .filter_map(|r| {
                    let line = r.span().line;
                    let names = analyze::rule_names_of(r);
                    names.map(|n| (line, n))
                })
                .collect();
            for block in meta::blocks(text) {
                let md = Metadata::from_annotation(&block.value);
                let scope = block.scope.as_deref();
                if block.target_line == pkg_line || matches!(scope, Some("package" | "subpackages"))
                {
                    check.meta.overlay(&md);
                } else if let Some(rule) = rule_lines.get(&block.target_line) {
                    check
                        .rule_meta
                        .entry(rule.clone())
                        .or_default()
                        .overlay(&md);
                }
            }
        }
        let mut checks = Vec::new();
        for (package, mut check) in by_package {
            if check.rules.is_empty() {
                continue;
            }
            check.rules.sort();
            let (has_meta, has_input) = old_style.get(&package).copied().unwrap_or_default();
            if has_meta || has_input {
                engine.set_input(RValue::new_object());
                let mut eval = |rule: &str| -> Option<serde_json::Value> {
                    match engine.eval_rule(analyze::rule_path(&package, rule)) {
                        Ok(v) => to_json(&v),
                        Err(e) => {
                            let (loc, message) = describe_error(&e);
                            errors.push(PolicyError::Compile {
                                path: loc
                                    .as_ref()
                                    .map(|(f, _)| f.clone())
                                    .unwrap_or_else(|| check.files.join(", ")),
                                line: loc.map(|(_, l)| l),
                                message: format!("{rule}: {message}"),
                            });
                            None
                        }
                    }
                };
                let m = if has_meta {
                    eval("__rego_metadata__")
                } else {
                    None
                };
                let i = if has_input {
                    eval("__rego_input__")
                } else {
                    None
                };
                let mut md = Metadata::from_rego_rules(m.as_ref(), i.as_ref());
                // Annotations win over the old rules when a file has both.
                md.overlay(&check.meta);
                check.meta = md;
            }
            checks.push(check);
        }
        checks
    }

    /// The loaded checks.
    pub fn checks(&self) -> &[Check] {
        &self.checks
    }

    /// Evaluates every check on every document it selects.
    pub fn evaluate(&self, docs: &[Document]) -> Outcome {
        let mut engine = self.engine.clone();
        let mut out = Outcome::default();
        let mut failures: Vec<usize> = vec![0; self.checks.len()];
        let mut truncated = false;
        let mut seen: BTreeSet<(String, String, Option<u32>, String)> = BTreeSet::new();
        for doc in docs {
            let mut input_set = false;
            for (ci, check) in self.checks.iter().enumerate() {
                if failures[ci] >= self.limits.max_failures_per_check || !check.applies_to(doc) {
                    continue;
                }
                if !input_set {
                    engine.set_input(RValue::from(doc.input.clone()));
                    input_set = true;
                }
                for rule in &check.rules {
                    let result = engine.eval_rule(analyze::rule_path(&check.package, rule));
                    let _ = engine.take_prints();
                    let value = match result {
                        Ok(v) => v,
                        Err(e) => {
                            failures[ci] += 1;
                            let (loc, message) = describe_error(&e);
                            let at = match loc {
                                Some((f, l)) => format!("{f}:{l}"),
                                None => check.files.join(", "),
                            };
                            out.notes.push(format!(
                                "policy {} ({at}) failed on {}: {message}",
                                check.id(),
                                doc.path
                            ));
                            if failures[ci] >= self.limits.max_failures_per_check {
                                out.notes.push(format!(
                                    "policy {} failed {} times; not run on the remaining inputs",
                                    check.id(),
                                    failures[ci]
                                ));
                                break;
                            }
                            continue;
                        }
                    };
                    let items = results(&value);
                    if items.len() > self.limits.max_results_per_eval {
                        out.notes.push(format!(
                            "policy {} gave {} results on {}; only the first {} are reported",
                            check.id(),
                            items.len(),
                            doc.path,
                            self.limits.max_results_per_eval
                        ));
                    }
                    for item in items.into_iter().take(self.limits.max_results_per_eval) {
                        if out.findings.len() >= self.limits.max_findings {
                            truncated = true;
                            break;
                        }
                        let f = finding(check, rule, doc, &item);
                        let key = (
                            f.id.clone(),
                            doc.path.clone(),
                            f.location.line,
                            f.message.clone(),
                        );
                        if seen.insert(key) {
                            out.findings.push(f);
                        }
                    }
                }
            }
        }
        if truncated {
            out.notes.push(format!(
                "custom policies gave more than {} findings; the rest are not reported",
                self.limits.max_findings
            ));
        }
        out
    }
}

fn to_json(v: &RValue) -> Option<serde_json::Value> {
    if matches!(v, RValue::Undefined) {
        return None;
    }
    serde_json::to_value(v).ok()
}

/// The individual results of an entry rule: the members of a set (partial rule), or the one
/// value of a complete rule. `false`, empty strings and undefined are no result.
fn results(v: &RValue) -> Vec<serde_json::Value> {
    let items: Vec<serde_json::Value> = match v {
        RValue::Undefined | RValue::Null => Vec::new(),
        RValue::Set(s) => s.iter().filter_map(to_json).collect(),
        RValue::Array(a) => a.iter().filter_map(to_json).collect(),
        other => to_json(other).into_iter().collect(),
    };
    items
        .into_iter()
        .filter(|i| !matches!(i, serde_json::Value::Bool(false)))
        .filter(|i| i.as_str() != Some(""))
        .collect()
}

fn json_line(v: Option<&serde_json::Value>) -> Option<u32> {
    let n = match v? {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    }?;
    u32::try_from(n).ok().filter(|n| *n > 0)
}

/// One result as a finding. Results come as Trivy's parser accepts them: a string; an object
/// with `msg` and optional `startline` (what `result.new` returns); or `[msg, cause]`.
fn finding(check: &Check, rule: &str, doc: &Document, item: &serde_json::Value) -> Finding {
    use serde_json::Value as J;
    let mut msg: Option<String> = None;
    let mut obj: Option<&serde_json::Map<String, J>> = None;
    match item {
        J::String(s) => msg = Some(s.clone()),
        J::Object(o) => obj = Some(o),
        J::Array(parts) => {
            for p in parts {
                match p {
                    J::String(s) => msg = Some(s.clone()),
                    J::Object(o) => obj = Some(o),
                    _ => {}
                }
            }
        }
        other => msg = Some(other.to_string()),
    }
    let mut line = None;
    let mut result_severity = None;
    if let Some(o) = obj {
        if msg.is_none() {
            msg = match o.get("msg") {
                Some(J::String(s)) => Some(s.clone()),
                Some(J::Null) | None => None,
                Some(other) => Some(other.to_string()),
            };
        }
        line = json_line(o.get("startline")).or_else(|| json_line(o.get("StartLine")));
        result_severity = o.get("severity").and_then(J::as_str).map(str::to_owned);
    }
    let mut meta = check.meta.clone();
    if let Some(rm) = check.rule_meta.get(rule) {
        meta.overlay(rm);
    }
    let default = if rule.starts_with("warn") {
        Severity::Low
    } else {
        Severity::Medium
    };
    let severity = result_severity
        .or(meta.severity.clone())
        .and_then(|s| s.parse::<Severity>().ok())
        .unwrap_or(default);
    let id = meta
        .id
        .clone()
        .or_else(|| meta.avd_id.clone())
        .unwrap_or_else(|| check.package.join("."));
    let message = msg
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| format!("Rego check rule: {}.{rule}", check.package.join(".")));
    Finding {
        title: meta.title.clone().unwrap_or_else(|| id.clone()),
        id,
        kind: Kind::Misconfiguration,
        severity,
        severity_source: None,
        status: None,
        message,
        description: meta.description.clone(),
        location: Location {
            path: Some(doc.path.clone()),
            line: line.or(doc.line),
            ..Location::default()
        },
        package: None,
        fix: meta.recommended_actions.clone(),
        references: meta.references.clone(),
        vulnerability: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lib_result_parses() {
        let mut e = new_engine(&Limits::default());
        e.add_policy("lib".into(), LIB_RESULT.into())
            .unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn entry_rules() {
        for n in ["deny", "warn", "violation", "deny_latest", "warn_x"] {
            assert!(is_entry_rule(n), "{n}");
        }
        for n in ["denyx", "deny_", "allow", "__rego_metadata__", "warning"] {
            assert!(!is_entry_rule(n), "{n}");
        }
    }
}
