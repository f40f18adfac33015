//! Building an [`Engine`]: the built-in rules, a gitleaks TOML or Trivy YAML config, compiled
//! into the keyword automaton and the rule lists the scan walks.

use super::{Engine, Options};
use crate::error::ConfigError;
use crate::pattern::{pattern, words_automaton};
use crate::rules::{Allowlist, ConfigSpec, Rule, Severity};

impl Engine {
    /// The built-in rules: gitleaks' default set plus drydock's (see `rules/builtin.toml`).
    pub fn builtin() -> Engine {
        let spec = crate::gitleaks::builtin_spec().and_then(|s| Engine::compile(s, Severity::High));
        // The built-in file is part of this crate and loaded by its tests.
        spec.expect("built-in rules must load")
            .with_identity("builtin")
    }

    fn with_identity(mut self, identity: &str) -> Engine {
        self.identity = identity.into();
        self
    }

    /// A gitleaks TOML config, as gitleaks reads it. Without `[extend] useDefault = true`,
    /// only the config's own rules run (as in gitleaks); credential-file parsers always run
    /// unless listed in `[extend] disabledRules`.
    pub fn from_gitleaks_toml(text: &str) -> Result<Engine, ConfigError> {
        let cfg = crate::gitleaks::parse(text)?;
        let mut spec = if cfg.use_default {
            crate::gitleaks::extend(cfg, crate::gitleaks::builtin_spec()?)
        } else {
            let mut spec = cfg.spec;
            spec.disabled_parsers = cfg.disabled_rules;
            spec
        };
        crate::gitleaks::attach_targeted(&mut spec)?;
        Ok(Engine::compile(spec, Severity::High)?.with_identity(&format!("gitleaks-toml\n{text}")))
    }

    /// A Trivy secret config (`trivy-secret.yaml`): built-in rules and allow rules are
    /// drydock's, filtered by `enable-builtin-rules`, `disable-rules` and
    /// `disable-allow-rules` as Trivy filters its own.
    #[cfg(feature = "trivy-config")]
    pub fn from_trivy_yaml(text: &str) -> Result<Engine, ConfigError> {
        let spec = crate::trivy::load(text, crate::gitleaks::builtin_spec()?)?;
        Ok(Engine::compile(spec, Severity::Unknown)?.with_identity(&format!("trivy-yaml\n{text}")))
    }

    pub(crate) fn compile(
        spec: ConfigSpec,
        default_severity: Severity,
    ) -> Result<Engine, ConfigError> {
        let rules = spec
            .rules
            .iter()
            .map(|r| Rule::compile(r, default_severity))
            .collect::<Result<Vec<_>, _>>()?;
        let allowlists = spec
            .allowlists
            .iter()
            .map(|a| Allowlist::compile(a, "global allowlist"))
            .collect::<Result<Vec<_>, _>>()?;
        let exclude_blocks = spec
            .exclude_blocks
            .iter()
            .map(|r| pattern(r, false))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ConfigError::regex("exclude-block", e))?;
        let mut words: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        let mut unkeyed = Vec::new();
        let mut path_only = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            if r.regex.is_none() {
                path_only.push(i);
            } else if r.keywords.is_empty() {
                unkeyed.push(i);
            }
            for k in &r.keywords {
                match words.iter().position(|w| w == k) {
                    Some(p) => keyword_rules[p].push(i),
                    None => {
                        words.push(k.clone());
                        keyword_rules.push(vec![i]);
                    }
                }
            }
        }
        let keywords = if words.is_empty() {
            None
        } else {
            Some(
                words_automaton(&words)
                    .ok_or_else(|| ConfigError::Invalid("keywords: automaton too large".into()))?,
            )
        };
        Ok(Engine {
            rules,
            keywords,
            keyword_rules,
            unkeyed,
            path_only,
            allowlists,
            exclude_blocks,
            disabled_parsers: spec.disabled_parsers,
            options: Options::default(),
            identity: "compiled".into(),
        })
    }

    pub fn with_options(mut self, options: Options) -> Engine {
        self.options = options;
        self
    }
}
