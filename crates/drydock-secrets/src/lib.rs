//! drydock's secret-detection engine. Pure: it is handed a path and the bytes of a file (or a
//! string from image metadata) and returns the secrets in them; it reads nothing itself.
//!
//! - **Rules** are gitleaks' default set (222 rules, MIT, see `rules/LICENSE-gitleaks`) plus
//!   drydock's additions for what images leak (Docker Hub tokens, database URLs, cloud
//!   storage keys, PuTTY keys, ...), all in gitleaks' TOML format in `rules/builtin.toml`.
//!   Users add or override rules with a gitleaks TOML config, taken as is
//!   ([`Engine::from_gitleaks_toml`]), or a Trivy YAML config ([`Engine::from_trivy_yaml`]).
//! - **Speed**: one Aho-Corasick pass over each file finds every rule keyword at once; only
//!   rules whose keyword occurs run their regex, and each regex is compiled on first use.
//!   Nothing is allocated for a file in which nothing matches. Binary files are skipped by
//!   extension ([`Engine::wants`]) and by a NUL in their first 8 KiB.
//! - **Precision**: entropy thresholds, allowlists and stop-words from gitleaks; GitHub token
//!   checksums; credential files (`.docker/config.json`, `.git-credentials`, `.netrc`, `.npmrc`,
//!   `.pypirc`, `.pgpass`, kubeconfigs, AWS/gcloud/Azure CLI files) parsed by structure.
//!
//! ```
//! let engine = drydock_secrets::Engine::builtin();
//! let found = engine.scan("app/.env", b"GITHUB_TOKEN=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\n");
//! assert_eq!(found[0].rule_id, "github-pat");
//! assert_eq!(found[0].match_line, "GITHUB_TOKEN=ghp_*****");
//! ```

mod engine;
mod error;
mod gitleaks;
pub mod heuristics;
mod pattern;
mod rules;
mod sources;
mod text;
#[cfg(feature = "trivy-config")]
mod trivy;

pub use engine::{Engine, Options, RuleInfo, SecretMatch};
pub use error::ConfigError;
pub use rules::Severity;
pub use text::{Redactor, aws_key_id_ok, github_checksum_ok, redact, shannon_entropy};

/// The built-in rules, in gitleaks' format.
pub const BUILTIN_TOML: &str = include_str!("../rules/builtin.toml");
