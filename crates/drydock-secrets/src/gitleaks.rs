//! gitleaks' TOML config format, read as gitleaks (v8.25+) reads it: keys are matched
//! case-insensitively (viper lower-cases them), `[extend] useDefault = true` merges the user's
//! rules into the defaults rule by rule, `[rules.allowlist]` and `[allowlist]` are the older
//! spellings of `[[rules.allowlists]]` and `[[allowlists]]`, and `targetRules` attaches a
//! global allowlist to named rules.
//!
//! drydock reads a few extra keys that gitleaks ignores: `title`, `severity` and `validate` on
//! a rule, `id` on an allowlist. The built-in rules use them; user configs may too.

use crate::error::ConfigError;
use crate::rules::Validator;
use crate::rules::{AllowlistSpec, Condition, ConfigSpec, RegexTarget, RuleSpec, SecretGroup};
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawConfig {
    extend: RawExtend,
    rules: Vec<RawRule>,
    allowlist: Option<RawAllowlist>,
    allowlists: Vec<RawAllowlist>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawExtend {
    path: String,
    url: String,
    usedefault: bool,
    disabledrules: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawRule {
    id: String,
    title: Option<String>,
    description: String,
    severity: Option<String>,
    path: String,
    regex: String,
    secretgroup: i64,
    entropy: f64,
    keywords: Vec<String>,
    allowlist: Option<RawAllowlist>,
    allowlists: Vec<RawAllowlist>,
    validate: Option<String>,
    required: Option<toml::Value>,
    skipreport: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawAllowlist {
    id: Option<String>,
    description: String,
    condition: String,
    commits: Vec<String>,
    paths: Vec<String>,
    regextarget: String,
    regexes: Vec<String>,
    stopwords: Vec<String>,
    targetrules: Vec<String>,
}

/// A parsed gitleaks config: its own rules plus how it extends the defaults.
pub(crate) struct GitleaksConfig {
    pub spec: ConfigSpec,
    pub use_default: bool,
    pub disabled_rules: Vec<String>,
}

/// viper lower-cases every key; do the same so `secretGroup`, `SecretGroup` and
/// `secretgroup` all work.
fn lowercase_keys(v: toml::Value) -> toml::Value {
    match v {
        toml::Value::Table(t) => toml::Value::Table(
            t.into_iter()
                .map(|(k, v)| (k.to_lowercase(), lowercase_keys(v)))
                .collect(),
        ),
        toml::Value::Array(a) => toml::Value::Array(a.into_iter().map(lowercase_keys).collect()),
        other => other,
    }
}

pub(crate) fn parse(text: &str) -> Result<GitleaksConfig, ConfigError> {
    let table: toml::Table = toml::from_str(text)?;
    let raw: RawConfig = lowercase_keys(toml::Value::Table(table)).try_into()?;
    if !raw.extend.path.is_empty() {
        return Err(ConfigError::ExtendUnsupported("path"));
    }
    if !raw.extend.url.is_empty() {
        return Err(ConfigError::ExtendUnsupported("url"));
    }
    let mut rules = Vec::with_capacity(raw.rules.len());
    for r in raw.rules {
        let ctx = format!("rule {}", r.id);
        if r.required.is_some() {
            return Err(ConfigError::Invalid(format!(
                "{ctx}: composite rules ([[rules.required]]) are not supported"
            )));
        }
        if r.skipreport {
            // Only meaningful as a part of a composite rule, which we refuse above.
            continue;
        }
        if r.allowlist.is_some() && !r.allowlists.is_empty() {
            return Err(ConfigError::Invalid(format!(
                "{ctx}: [rules.allowlist] cannot be used alongside [[rules.allowlists]]"
            )));
        }
        let secret_group = match r.secretgroup {
            0 => SecretGroup::FirstNonEmpty,
            n if n > 0 => SecretGroup::Index(n as usize),
            n => return Err(ConfigError::Invalid(format!("{ctx}: secretGroup {n}"))),
        };
        let severity = r
            .severity
            .as_deref()
            .map(|s| {
                crate::rules::parse_severity(s)
                    .ok_or_else(|| ConfigError::Invalid(format!("{ctx}: unknown severity {s:?}")))
            })
            .transpose()?;
        let validator = r
            .validate
            .as_deref()
            .map(|v| {
                Validator::parse(v)
                    .ok_or_else(|| ConfigError::Invalid(format!("{ctx}: unknown validator {v:?}")))
            })
            .transpose()?;
        let allowlists = r
            .allowlist
            .into_iter()
            .chain(r.allowlists)
            .map(|a| allowlist(a, &ctx))
            .collect::<Result<Vec<_>, _>>()?;
        rules.push(RuleSpec {
            id: r.id,
            title: r.title,
            description: r.description,
            severity,
            regex: Some(r.regex).filter(|s| !s.is_empty()),
            path: Some(r.path).filter(|s| !s.is_empty()),
            secret_group,
            entropy: Some(r.entropy).filter(|e| *e != 0.0),
            keywords: r.keywords,
            allowlists,
            exclude_blocks: Vec::new(),
            validator,
            crlf: false,
        });
    }
    if raw.allowlist.is_some() && !raw.allowlists.is_empty() {
        return Err(ConfigError::Invalid(
            "[allowlist] cannot be used alongside [[allowlists]]".into(),
        ));
    }
    let allowlists = raw
        .allowlist
        .into_iter()
        .chain(raw.allowlists)
        .map(|a| allowlist(a, "global allowlist"))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(GitleaksConfig {
        spec: ConfigSpec {
            rules,
            allowlists,
            ..ConfigSpec::default()
        },
        use_default: raw.extend.usedefault,
        disabled_rules: raw.extend.disabledrules,
    })
}

fn allowlist(a: RawAllowlist, ctx: &str) -> Result<AllowlistSpec, ConfigError> {
    let condition = match a.condition.to_uppercase().as_str() {
        "" | "OR" | "||" => Condition::Or,
        "AND" | "&&" => Condition::And,
        other => {
            return Err(ConfigError::Invalid(format!(
                "{ctx}: unknown allowlist condition {other:?} (expected and, or)"
            )));
        }
    };
    let regex_target = match a.regextarget.as_str() {
        "" | "secret" => RegexTarget::Secret,
        "match" => RegexTarget::Match,
        "line" => RegexTarget::Line,
        other => {
            return Err(ConfigError::Invalid(format!(
                "{ctx}: unknown allowlist regexTarget {other:?} (expected match, line)"
            )));
        }
    };
    Ok(AllowlistSpec {
        id: a.id,
        condition,
        commits: a.commits,
        paths: a.paths,
        regex_target,
        regexes: a.regexes,
        stopwords: a.stopwords,
        target_rules: a.targetrules,
        builtin: false,
    })
}

/// gitleaks' `Config.extend`: the user's config on top of `base` (the defaults).
pub(crate) fn extend(user: GitleaksConfig, mut base: ConfigSpec) -> ConfigSpec {
    let disabled = &user.disabled_rules;
    let mut out = user.spec;
    let mut index: HashMap<String, usize> = out
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.clone(), i))
        .collect();
    for base_rule in std::mem::take(&mut base.rules) {
        if disabled.contains(&base_rule.id) {
            continue;
        }
        match index.get(&base_rule.id) {
            None => {
                index.insert(base_rule.id.clone(), out.rules.len());
                out.rules.push(base_rule);
            }
            Some(&i) => {
                let mine = std::mem::take(&mut out.rules[i]);
                let mut merged = base_rule;
                if !mine.description.is_empty() {
                    merged.description = mine.description;
                }
                if mine.entropy.is_some() {
                    merged.entropy = mine.entropy;
                }
                if mine.secret_group != SecretGroup::FirstNonEmpty {
                    merged.secret_group = mine.secret_group;
                }
                if mine.regex.is_some() {
                    merged.regex = mine.regex;
                }
                if mine.path.is_some() {
                    merged.path = mine.path;
                }
                merged.title = mine.title.or(merged.title);
                merged.severity = mine.severity.or(merged.severity);
                merged.validator = mine.validator.or(merged.validator);
                merged.keywords.extend(mine.keywords);
                merged.allowlists.extend(mine.allowlists);
                out.rules[i] = merged;
            }
        }
    }
    // gitleaks keeps rules sorted by id after extending.
    out.rules.sort_by(|a, b| a.id.cmp(&b.id));
    out.allowlists.extend(base.allowlists);
    out.exclude_blocks.extend(base.exclude_blocks);
    out.disabled_parsers = disabled.clone();
    out
}

/// Moves `targetRules` allowlists onto their rules (after extending, as gitleaks does).
pub(crate) fn attach_targeted(spec: &mut ConfigSpec) -> Result<(), ConfigError> {
    let (targeted, global): (Vec<_>, Vec<_>) = std::mem::take(&mut spec.allowlists)
        .into_iter()
        .partition(|a| !a.target_rules.is_empty());
    spec.allowlists = global;
    for a in targeted {
        for id in &a.target_rules {
            let rule = spec.rules.iter_mut().find(|r| &r.id == id).ok_or_else(|| {
                ConfigError::Invalid(format!(
                    "[[allowlists]] target rule ID {id:?} does not exist"
                ))
            })?;
            rule.allowlists.push(a.clone());
        }
    }
    Ok(())
}

/// The built-in rules: gitleaks' defaults plus drydock's, from `rules/builtin.toml`, parsed
/// once per process.
pub(crate) fn builtin_spec() -> Result<ConfigSpec, ConfigError> {
    static SPEC: std::sync::OnceLock<Result<ConfigSpec, String>> = std::sync::OnceLock::new();
    SPEC.get_or_init(|| {
        let mut cfg = parse(crate::BUILTIN_TOML).map_err(|e| e.to_string())?;
        for a in &mut cfg.spec.allowlists {
            a.builtin = true;
        }
        Ok(cfg.spec)
    })
    .clone()
    .map_err(|e| ConfigError::Invalid(format!("built-in rules: {e}")))
}
