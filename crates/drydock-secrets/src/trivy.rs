//! Trivy's secret-scanner config (`trivy-secret.yaml`), lowered onto drydock's built-in
//! rules the way Trivy applies it to its own: `enable-builtin-rules` keeps only the named
//! built-in rules, custom `rules` are added, `disable-rules` removes rules by id (built-in,
//! custom or parser), `disable-allow-rules` removes built-in allowlists by id (`tests`,
//! `examples`, `markdown`, ...), `allow-rules` and `exclude-block` add to them.
//!
//! Trivy's allow-rule `regex` is tested against the whole match (gitleaks' `regexTarget =
//! "match"`), its `path` skips the file; a custom rule without `secret-group-name` reports the
//! whole match, and one group name used twice yields two secrets.
//!
//! drydock's built-in rule ids are gitleaks' where a gitleaks rule exists, so Trivy configs
//! that name Trivy's built-in ids (`aws-access-key-id`) may need gitleaks' (`aws-access-token`).

use crate::error::ConfigError;
use crate::rules::{AllowlistSpec, ConfigSpec, RegexTarget, RuleSpec, SecretGroup, Severity};
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "kebab-case")]
struct TrivyConfig {
    enable_builtin_rules: Vec<String>,
    disable_rules: Vec<String>,
    disable_allow_rules: Vec<String>,
    rules: Vec<TrivyRule>,
    allow_rules: Vec<TrivyAllowRule>,
    exclude_block: TrivyExcludeBlock,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "kebab-case")]
struct TrivyRule {
    id: String,
    category: String,
    title: String,
    severity: String,
    regex: String,
    keywords: Vec<String>,
    path: String,
    allow_rules: Vec<TrivyAllowRule>,
    exclude_block: TrivyExcludeBlock,
    secret_group_name: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TrivyAllowRule {
    id: String,
    description: String,
    regex: String,
    path: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TrivyExcludeBlock {
    regexes: Vec<String>,
}

fn allow_rules(rules: Vec<TrivyAllowRule>) -> Vec<AllowlistSpec> {
    let mut out = Vec::new();
    for a in rules {
        let id = Some(a.id).filter(|s| !s.is_empty());
        if !a.path.is_empty() {
            out.push(AllowlistSpec {
                id: id.clone(),
                paths: vec![a.path],
                ..AllowlistSpec::default()
            });
        }
        if !a.regex.is_empty() {
            out.push(AllowlistSpec {
                id,
                regexes: vec![a.regex],
                regex_target: RegexTarget::Match,
                ..AllowlistSpec::default()
            });
        }
    }
    out
}

pub(crate) fn load(text: &str, base: ConfigSpec) -> Result<ConfigSpec, ConfigError> {
    // An empty file is a valid config that changes nothing.
    let cfg: TrivyConfig = if text.trim().is_empty() {
        TrivyConfig::default()
    } else {
        serde_norway::from_str::<Option<TrivyConfig>>(text)?.unwrap_or_default()
    };
    let mut rules: Vec<RuleSpec> = base
        .rules
        .into_iter()
        .filter(|r| cfg.enable_builtin_rules.is_empty() || cfg.enable_builtin_rules.contains(&r.id))
        .collect();
    for r in cfg.rules {
        if r.regex.is_empty() && r.path.is_empty() {
            return Err(ConfigError::Invalid(format!(
                "rule {}: needs a regex, a path, or both",
                r.id
            )));
        }
        let title = if r.title.is_empty() {
            None
        } else {
            Some(r.title)
        };
        let _ = r.category;
        rules.push(RuleSpec {
            id: r.id,
            title,
            description: String::new(),
            severity: Some(crate::rules::parse_severity(&r.severity).unwrap_or(Severity::Unknown)),
            regex: Some(r.regex).filter(|s| !s.is_empty()),
            path: Some(r.path).filter(|s| !s.is_empty()),
            secret_group: if r.secret_group_name.is_empty() {
                SecretGroup::WholeMatch
            } else {
                SecretGroup::Name(r.secret_group_name)
            },
            entropy: None,
            keywords: r.keywords,
            allowlists: allow_rules(r.allow_rules),
            exclude_blocks: r.exclude_block.regexes,
            validator: None,
            crlf: true,
        });
    }
    rules.retain(|r| !cfg.disable_rules.contains(&r.id));
    let mut allowlists: Vec<AllowlistSpec> = base.allowlists;
    allowlists.extend(allow_rules(cfg.allow_rules));
    allowlists.retain(|a| {
        a.id.as_ref()
            .is_none_or(|id| !cfg.disable_allow_rules.contains(id))
    });
    let mut exclude_blocks = base.exclude_blocks;
    exclude_blocks.extend(cfg.exclude_block.regexes);
    Ok(ConfigSpec {
        rules,
        allowlists,
        exclude_blocks,
        disabled_parsers: cfg.disable_rules,
    })
}
