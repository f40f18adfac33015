//! The rule model: what a config file says (specs, plain strings) and what the engine runs
//! (compiled rules). Both config formats (gitleaks TOML, Trivy YAML) lower to the same specs,
//! so the engine has one semantics: gitleaks', plus Trivy's exclude blocks and named groups.

use crate::error::ConfigError;
use crate::pattern::{Pattern, join_alternation, pattern, words_automaton};
use aho_corasick::AhoCorasick;
use std::sync::Arc;

/// One severity scale for every scanner: drydock-finding's.
pub use drydock_finding::Severity;

/// Severity names as configs write them: any case, surrounding spaces, `moderate` for medium.
pub(crate) fn parse_severity(s: &str) -> Option<Severity> {
    s.trim().parse().ok()
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(not(feature = "trivy-config"), allow(dead_code))]
pub(crate) enum SecretGroup {
    /// gitleaks' default: the first non-empty capture group, else the whole match.
    #[default]
    FirstNonEmpty,
    /// gitleaks' `secretGroup = N`.
    Index(usize),
    /// Trivy's `secret-group-name`: every group with that name is a separate secret.
    Name(String),
    /// Trivy's default: the whole match, whatever groups the pattern has.
    WholeMatch,
}

/// Post-match checks that cut false positives a regex cannot express.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Validator {
    /// GitHub's `gh?_` tokens end in a base62 CRC32 of their random part.
    GithubCrc32,
    /// AWS access key ids are a 4-letter prefix and 16 base32 characters (`A-Z2-7`).
    AwsKeyId,
}

impl Validator {
    pub(crate) fn parse(s: &str) -> Option<Validator> {
        match s {
            "github-crc32" => Some(Validator::GithubCrc32),
            "aws-key-id" => Some(Validator::AwsKeyId),
            _ => None,
        }
    }

    pub(crate) fn accepts(self, secret: &str) -> bool {
        match self {
            Validator::GithubCrc32 => crate::text::github_checksum_ok(secret),
            Validator::AwsKeyId => crate::text::aws_key_id_ok(secret),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) enum Condition {
    #[default]
    Or,
    And,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) enum RegexTarget {
    #[default]
    Secret,
    Match,
    Line,
}

/// An allowlist as written in a config.
#[derive(Clone, Debug, Default)]
pub(crate) struct AllowlistSpec {
    /// drydock/Trivy extension: lets `disable-allow-rules` name it.
    #[cfg_attr(not(feature = "trivy-config"), allow(dead_code))]
    pub id: Option<String>,
    pub condition: Condition,
    pub commits: Vec<String>,
    pub paths: Vec<String>,
    pub regex_target: RegexTarget,
    pub regexes: Vec<String>,
    pub stopwords: Vec<String>,
    /// gitleaks `[[allowlists]] targetRules`: applies to these rules only.
    pub target_rules: Vec<String>,
    /// Comes with the built-in rules (heuristics such as "skip test directories"):
    /// credential-file parsers ignore these but obey the user's own.
    pub builtin: bool,
}

/// A rule as written in a config.
#[derive(Clone, Debug, Default)]
pub(crate) struct RuleSpec {
    pub id: String,
    pub title: Option<String>,
    pub description: String,
    pub severity: Option<Severity>,
    pub regex: Option<String>,
    pub path: Option<String>,
    pub secret_group: SecretGroup,
    pub entropy: Option<f64>,
    pub keywords: Vec<String>,
    pub allowlists: Vec<AllowlistSpec>,
    pub exclude_blocks: Vec<String>,
    pub validator: Option<Validator>,
    /// Trivy's `(?m)`-style patterns written for LF files; CRLF mode makes them work on CRLF.
    pub crlf: bool,
}

/// A whole config, before compilation.
#[derive(Clone, Debug, Default)]
pub(crate) struct ConfigSpec {
    pub rules: Vec<RuleSpec>,
    pub allowlists: Vec<AllowlistSpec>,
    pub exclude_blocks: Vec<String>,
    /// Parser ids (`docker-config-auth`, ...) switched off by the config.
    pub disabled_parsers: Vec<String>,
}

/// A compiled allowlist.
#[derive(Debug)]
pub(crate) struct Allowlist {
    pub builtin: bool,
    pub condition: Condition,
    pub has_commits: bool,
    pub paths: Option<Pattern>,
    pub regex_target: RegexTarget,
    pub regexes: Option<Pattern>,
    stopwords: Option<Arc<AhoCorasick>>,
}

impl Allowlist {
    pub(crate) fn compile(spec: &AllowlistSpec, ctx: &str) -> Result<Allowlist, ConfigError> {
        if spec.commits.is_empty()
            && spec.paths.is_empty()
            && spec.regexes.is_empty()
            && spec.stopwords.is_empty()
        {
            return Err(ConfigError::EmptyAllowlist(ctx.to_owned()));
        }
        let compile = |list: &[String]| -> Result<Option<Pattern>, ConfigError> {
            if list.is_empty() {
                return Ok(None);
            }
            // Validate each alone for a precise error, then join (as gitleaks does).
            for p in list {
                pattern(p, false).map_err(|e| ConfigError::regex(ctx, e))?;
            }
            pattern(&join_alternation(list), false)
                .map(Some)
                .map_err(|e| ConfigError::regex(ctx, e))
        };
        let mut stopwords: Vec<String> = spec.stopwords.iter().map(|s| s.to_lowercase()).collect();
        stopwords.sort();
        stopwords.dedup();
        Ok(Allowlist {
            builtin: spec.builtin,
            condition: spec.condition,
            has_commits: !spec.commits.is_empty(),
            paths: compile(&spec.paths)?,
            regex_target: spec.regex_target,
            regexes: compile(&spec.regexes)?,
            stopwords: if stopwords.is_empty() {
                None
            } else {
                Some(
                    words_automaton(&stopwords).ok_or_else(|| {
                        ConfigError::Invalid(format!("{ctx}: too many stopwords"))
                    })?,
                )
            },
        })
    }

    pub(crate) fn precompile(&self) -> bool {
        self.paths.as_ref().is_none_or(|p| p.get().is_some())
            && self.regexes.as_ref().is_none_or(|p| p.get().is_some())
    }

    fn path_allowed(&self, path: &str) -> bool {
        !path.is_empty()
            && self
                .paths
                .as_ref()
                .is_some_and(|p| p.is_match(path.as_bytes()))
    }

    /// gitleaks `checkCommitOrPathAllowed`: may the whole file be skipped?
    pub(crate) fn allows_path(&self, path: &str) -> bool {
        if path.is_empty() {
            return false;
        }
        match self.condition {
            Condition::Or => self.path_allowed(path),
            Condition::And => {
                // Regexes and stopwords are checked per finding; commits never match here
                // (there is no commit), so an AND list with commits never skips a file.
                if self.regexes.is_some() || self.stopwords.is_some() || self.has_commits {
                    return false;
                }
                self.path_allowed(path)
            }
        }
    }

    /// gitleaks `checkFindingAllowed`.
    pub(crate) fn allows_finding(&self, path: &str, secret: &[u8], m: &[u8], line: &[u8]) -> bool {
        let target = match self.regex_target {
            RegexTarget::Secret => secret,
            RegexTarget::Match => m,
            RegexTarget::Line => line,
        };
        let regex_allowed =
            !target.is_empty() && self.regexes.as_ref().is_some_and(|r| r.is_match(target));
        let stopword = self.contains_stopword(secret);
        match self.condition {
            Condition::Or => regex_allowed || stopword,
            Condition::And => {
                if self.has_commits {
                    return false;
                }
                (self.paths.is_none() || self.path_allowed(path))
                    && (self.regexes.is_none() || regex_allowed)
                    && (self.stopwords.is_none() || stopword)
            }
        }
    }

    fn contains_stopword(&self, secret: &[u8]) -> bool {
        !secret.is_empty()
            && self
                .stopwords
                .as_ref()
                .is_some_and(|ac| ac.is_match(secret))
    }
}

/// A compiled rule.
#[derive(Debug)]
pub(crate) struct Rule {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub regex: Option<Pattern>,
    pub path: Option<Pattern>,
    pub secret_group: SecretGroup,
    pub entropy: Option<f64>,
    pub keywords: Vec<String>,
    pub allowlists: Vec<Allowlist>,
    pub exclude_blocks: Vec<Pattern>,
    pub validator: Option<Validator>,
    /// gitleaks drops a `generic` finding when a specific rule found the same secret.
    pub generic: bool,
}

impl Rule {
    pub(crate) fn compile(
        spec: &RuleSpec,
        default_severity: Severity,
    ) -> Result<Rule, ConfigError> {
        if spec.id.trim().is_empty() {
            return Err(ConfigError::Invalid("a rule has no id".into()));
        }
        let ctx = format!("rule {}", spec.id);
        if spec.regex.is_none() && spec.path.is_none() {
            return Err(ConfigError::Invalid(format!(
                "{ctx}: needs a regex, a path, or both"
            )));
        }
        let regex = spec
            .regex
            .as_deref()
            .map(|r| pattern(r, spec.crlf))
            .transpose()
            .map_err(|e| ConfigError::regex(&ctx, e))?;
        let path = spec
            .path
            .as_deref()
            .map(|r| pattern(r, false))
            .transpose()
            .map_err(|e| ConfigError::regex(&ctx, e))?;
        if let (SecretGroup::Index(n), Some(re)) = (&spec.secret_group, &regex)
            && *n >= re.group_count()
        {
            return Err(ConfigError::Invalid(format!(
                "{ctx}: secretGroup {n} but the regex has {} groups",
                re.group_count().saturating_sub(1)
            )));
        }
        let allowlists = spec
            .allowlists
            .iter()
            .map(|a| Allowlist::compile(a, &ctx))
            .collect::<Result<Vec<_>, _>>()?;
        let exclude_blocks = spec
            .exclude_blocks
            .iter()
            .map(|r| pattern(r, false))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ConfigError::regex(&ctx, e))?;
        let mut keywords: Vec<String> = spec
            .keywords
            .iter()
            .map(|k| k.to_lowercase())
            .filter(|k| !k.is_empty())
            .collect();
        keywords.sort();
        keywords.dedup();
        Ok(Rule {
            id: spec.id.clone(),
            title: spec
                .title
                .clone()
                .unwrap_or_else(|| title_from_id(&spec.id)),
            severity: spec.severity.unwrap_or(default_severity),
            regex,
            path,
            secret_group: spec.secret_group.clone(),
            entropy: spec.entropy.filter(|e| *e > 0.0),
            keywords,
            allowlists,
            exclude_blocks,
            validator: spec.validator,
            generic: spec.id.to_lowercase().contains("generic"),
        })
    }
}

/// "github-fine-grained-pat" -> "GitHub Fine Grained PAT": gitleaks rules carry long
/// descriptions but no titles, and a report needs a short one.
pub(crate) fn title_from_id(id: &str) -> String {
    const WORDS: &[(&str, &str)] = &[
        ("1password", "1Password"),
        ("ad", "AD"),
        ("ai", "AI"),
        ("api", "API"),
        ("aws", "AWS"),
        ("ci", "CI"),
        ("cli", "CLI"),
        ("db", "DB"),
        ("gcp", "GCP"),
        ("github", "GitHub"),
        ("gitlab", "GitLab"),
        ("id", "ID"),
        ("jwt", "JWT"),
        ("npm", "npm"),
        ("oauth", "OAuth"),
        ("pat", "PAT"),
        ("pypi", "PyPI"),
        ("sas", "SAS"),
        ("sdk", "SDK"),
        ("ssh", "SSH"),
        ("url", "URL"),
        ("uri", "URI"),
    ];
    id.split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let lower = w.to_lowercase();
            if let Some((_, t)) = WORDS.iter().find(|(k, _)| *k == lower) {
                return (*t).to_owned();
            }
            let mut cs = w.chars();
            match cs.next() {
                Some(first) => first.to_uppercase().chain(cs).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles() {
        assert_eq!(
            title_from_id("github-fine-grained-pat"),
            "GitHub Fine Grained PAT"
        );
        assert_eq!(title_from_id("aws-access-token"), "AWS Access Token");
    }

    #[test]
    fn severity_parse() {
        assert_eq!(
            crate::rules::parse_severity("uNknown"),
            Some(Severity::Unknown)
        );
        assert_eq!(
            crate::rules::parse_severity("CRITICAL"),
            Some(Severity::Critical)
        );
        assert_eq!(crate::rules::parse_severity("bad"), None);
    }
}
