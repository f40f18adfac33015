//! What the loader needs to know about parsed modules that regorus's stable API does not tell:
//! each module's package and rule names, calls to functions that do not exist, and which user
//! functions call themselves.
//!
//! The second matters for safety. OPA rejects recursive functions when compiling; regorus
//! detects recursive *rules* while evaluating but not recursive *functions*, which recurse on
//! the native stack until the process aborts — no error, no timer, the whole scan gone. So the
//! call graph of user functions is built here and a module in a cycle is refused at load time.
//!
//! This walks regorus's AST through `regorus::unstable` (hence the exact version pin in
//! Cargo.toml): the alternative, a Rego tokenizer of our own, would disagree with the real
//! parser on some input.

use regorus::unstable::{Expr, Literal, Module, Query, Rule, RuleHead};
use std::collections::{BTreeMap, BTreeSet};

/// The dotted components of a reference (`data.user.x` -> `["data", "user", "x"]`); `None` for
/// references with computed parts.
pub fn ref_path(expr: &Expr) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = expr;
    loop {
        match cur {
            Expr::Var { span, .. } => {
                out.push(span.text().to_owned());
                break;
            }
            Expr::RefDot { refr, field, .. } => {
                out.push(field.0.text().to_owned());
                cur = refr;
            }
            Expr::RefBrack { refr, index, .. } => match index.as_ref() {
                Expr::String { value, .. } | Expr::RawString { value, .. } => {
                    out.push(value.as_string().ok()?.to_string());
                    cur = refr;
                }
                // `deny[msg]` (a v0 partial set): the head's name is what the bracket indexes.
                Expr::Var { .. } if out.is_empty() => cur = refr,
                _ => return None,
            },
            _ => return None,
        }
    }
    out.reverse();
    Some(out)
}

/// The package of a module, without the leading `data`.
pub fn package(module: &Module) -> Vec<String> {
    ref_path(&module.package.refr).unwrap_or_default()
}

/// `data.a.b` as a path `eval_rule` accepts: identifiers dotted, anything else bracketed.
pub fn rule_path(package: &[String], rule: &str) -> String {
    let mut out = String::from("data");
    for c in package.iter().map(String::as_str).chain([rule]) {
        let ident = c
            .chars()
            .next()
            .is_some_and(|ch| ch.is_ascii_alphabetic() || ch == '_')
            && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_');
        if ident {
            out.push('.');
            out.push_str(c);
        } else {
            out.push_str(&format!("[{}]", serde_json::Value::from(c)));
        }
    }
    out
}

/// The name a rule defines (the first component of its head).
pub fn rule_names_of(rule: &Rule) -> Option<String> {
    let refr = match rule {
        Rule::Spec { head, .. } => match head {
            RuleHead::Compr { refr, .. }
            | RuleHead::Set { refr, .. }
            | RuleHead::Func { refr, .. } => refr,
        },
        Rule::Default { refr, .. } => refr,
    };
    ref_path(refr).and_then(|p| p.into_iter().next())
}

/// Top-level rule names of a module (the first component of each rule head) with the line
/// of their first definition.
pub fn rule_names(module: &Module) -> BTreeMap<String, u32> {
    let mut out = BTreeMap::new();
    for rule in &module.policy {
        if let Some(name) = rule_names_of(rule) {
            out.entry(name).or_insert(rule.span().line);
        }
    }
    out
}

/// A user function: where it is defined.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FnSite {
    pub file: String,
    pub line: u32,
    pub path: String,
}

/// A module the engine must not load, and why.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub file: String,
    pub line: u32,
    pub message: String,
}

/// Built-ins regorus knows besides its table: `print` is special-cased by the interpreter, and
/// `result.new` is the extension this crate registers.
const EXTRA_BUILTINS: &[&str] = &["print", "result.new"];

/// Checks every call in every module: calls to functions that exist nowhere (regorus would only
/// say so at the first evaluation, once per document), and user functions that can reach
/// themselves (which regorus would not catch at all).
pub fn check_calls(modules: &[&Module]) -> Vec<Problem> {
    let mut sites: BTreeMap<String, FnSite> = BTreeMap::new();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    // (file, line, resolved user path, builtin name as written)
    let mut calls: Vec<(String, u32, String, String)> = Vec::new();
    for m in modules {
        let pkg = package(m);
        let prefix = format!("data.{}", pkg.join("."));
        let file = m.package.span.source.file().clone();
        // Import aliases: `import data.lib.k8s` makes `k8s.f()` mean `data.lib.k8s.f()`.
        let mut aliases: BTreeMap<String, String> = BTreeMap::new();
        for imp in &m.imports {
            let Some(path) = ref_path(&imp.refr) else {
                continue;
            };
            let alias = match &imp.r#as {
                Some(span) => span.text().to_owned(),
                None => path.last().cloned().unwrap_or_default(),
            };
            aliases.insert(alias, path.join("."));
        }
        for rule in &m.policy {
            let func = match rule.as_ref() {
                Rule::Spec {
                    head: RuleHead::Func { refr, .. },
                    span,
                    ..
                } => ref_path(refr).map(|name| (format!("{prefix}.{}", name.join(".")), span)),
                _ => None,
            };
            if let Some((path, span)) = &func {
                sites.entry(path.clone()).or_insert(FnSite {
                    file: span.source.file().clone(),
                    line: span.line,
                    path: path.clone(),
                });
            }
            for (callee, line) in calls_in_rule(rule.as_ref()) {
                let written = callee.join(".");
                let resolved = match callee.split_first() {
                    Some((first, _)) if first == "data" => written.clone(),
                    Some((first, rest)) => match aliases.get(first) {
                        Some(target) if !rest.is_empty() => {
                            format!("{target}.{}", rest.join("."))
                        }
                        _ => format!("{prefix}.{written}"),
                    },
                    None => continue,
                };
                if let Some((path, _)) = &func {
                    edges
                        .entry(path.clone())
                        .or_default()
                        .insert(resolved.clone());
                }
                calls.push((file.clone(), line, resolved, written));
            }
        }
    }
    let mut out = Vec::new();
    for (file, line, resolved, written) in calls {
        let known = sites.contains_key(&resolved)
            || (!written.starts_with("data.")
                && (regorus::unstable::BUILTINS.contains_key(written.as_str())
                    || EXTRA_BUILTINS.contains(&written.as_str())));
        if !known {
            out.push(Problem {
                file,
                line,
                message: format!(
                    "unknown function {written} (not defined by any loaded policy, and not a built-in of drydock's Rego engine)"
                ),
            });
        }
    }
    // A function is recursive when it can reach itself.
    for (start, site) in &sites {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut stack: Vec<&str> = edges
            .get(start)
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        while let Some(f) = stack.pop() {
            if f == start {
                out.push(Problem {
                    file: site.file.clone(),
                    line: site.line,
                    message: format!(
                        "function {} calls itself (directly or through others); recursion is not allowed in Rego",
                        site.path.trim_start_matches("data.")
                    ),
                });
                break;
            }
            if seen.insert(f) {
                stack.extend(edges.get(f).into_iter().flatten().map(String::as_str));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The names called (as written) anywhere in a rule: heads, bodies, `else` branches, `with`.
fn calls_in_rule(rule: &Rule) -> Vec<(Vec<String>, u32)> {
    let mut exprs: Vec<&Expr> = Vec::new();
    let mut queries: Vec<&Query> = Vec::new();
    match rule {
        Rule::Spec { head, bodies, .. } => {
            match head {
                RuleHead::Compr { assign, .. } => exprs.extend(assign.iter().map(|a| &*a.value)),
                RuleHead::Set { key, .. } => exprs.extend(key.iter().map(|k| &**k)),
                RuleHead::Func { args, assign, .. } => {
                    exprs.extend(args.iter().map(|a| &**a));
                    exprs.extend(assign.iter().map(|a| &*a.value));
                }
            }
            for b in bodies {
                exprs.extend(b.assign.iter().map(|a| &*a.value));
                queries.push(&b.query);
            }
        }
        Rule::Default { value, .. } => exprs.push(value),
    }
    let mut out = Vec::new();
    loop {
        if let Some(q) = queries.pop() {
            for stmt in &q.stmts {
                for w in &stmt.with_mods {
                    exprs.push(&w.refr);
                    exprs.push(&w.r#as);
                }
                match &stmt.literal {
                    Literal::SomeVars { .. } => {}
                    Literal::SomeIn {
                        key,
                        value,
                        collection,
                        ..
                    } => {
                        exprs.extend(key.iter().map(|k| &**k));
                        exprs.push(value);
                        exprs.push(collection);
                    }
                    Literal::Expr { expr, .. } | Literal::NotExpr { expr, .. } => exprs.push(expr),
                    Literal::Every { domain, query, .. } => {
                        exprs.push(domain);
                        queries.push(query);
                    }
                }
            }
            continue;
        }
        let Some(e) = exprs.pop() else { break };
        match e {
            Expr::String { .. }
            | Expr::RawString { .. }
            | Expr::Number { .. }
            | Expr::Bool { .. }
            | Expr::Null { .. }
            | Expr::Var { .. } => {}
            Expr::Array { items, .. } | Expr::Set { items, .. } => {
                exprs.extend(items.iter().map(|i| &**i));
            }
            Expr::Object { fields, .. } => {
                for (_, k, v) in fields {
                    exprs.push(k);
                    exprs.push(v);
                }
            }
            Expr::ArrayCompr { term, query, .. } | Expr::SetCompr { term, query, .. } => {
                exprs.push(term);
                queries.push(query);
            }
            Expr::ObjectCompr {
                key, value, query, ..
            } => {
                exprs.push(key);
                exprs.push(value);
                queries.push(query);
            }
            Expr::Call {
                fcn, params, span, ..
            } => {
                if let Some(p) = ref_path(fcn) {
                    out.push((p, span.line));
                }
                exprs.push(fcn);
                exprs.extend(params.iter().map(|p| &**p));
            }
            Expr::UnaryExpr { expr, .. } => exprs.push(expr),
            Expr::RefDot { refr, .. } => exprs.push(refr),
            Expr::RefBrack { refr, index, .. } => {
                exprs.push(refr);
                exprs.push(index);
            }
            Expr::BinExpr { lhs, rhs, .. }
            | Expr::BoolExpr { lhs, rhs, .. }
            | Expr::ArithExpr { lhs, rhs, .. }
            | Expr::AssignExpr { lhs, rhs, .. } => {
                exprs.push(lhs);
                exprs.push(rhs);
            }
            Expr::Membership {
                key,
                value,
                collection,
                ..
            } => {
                exprs.extend(key.iter().map(|k| &**k));
                exprs.push(value);
                exprs.push(collection);
            }
        }
    }
    out
}
