//! What the audit returns: one rule firing at one place, with the cracked secret kept apart.

use drydock_finding::{Rule, Severity};
use serde::Serialize;
use std::fmt;

/// One rule firing at one place in the image.
///
/// `secret` holds a recovered password (cracked hash, decrypted VNC file, plaintext default). It
/// is kept out of `detail` so a renderer can drop it with [`Finding::redacted`] unless the user
/// asked for `--show-secrets`; `Debug` never prints it, so it cannot leak through logs.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule_id: &'static str,
    pub severity: Severity,
    pub title: &'static str,
    /// Path inside the image, as the caller gave it.
    pub path: String,
    /// 1-based line, when the finding is about one line of a text file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// What was seen here, specifically; never contains the secret.
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl Finding {
    pub(crate) fn new(
        rule: &'static Rule,
        path: &str,
        line: Option<u32>,
        detail: impl Into<String>,
    ) -> Self {
        Finding {
            rule_id: rule.id,
            severity: rule.severity,
            title: rule.title,
            path: path.to_owned(),
            line,
            detail: detail.into(),
            secret: None,
        }
    }

    pub(crate) fn with_secret(mut self, secret: impl Into<String>) -> Self {
        self.secret = Some(secret.into());
        self
    }

    /// The rule's documentation (why, fix, references).
    pub fn rule(&self) -> Option<&'static Rule> {
        crate::rules::by_id(self.rule_id)
    }

    /// The same finding without its secret: what to render unless `--show-secrets` was given.
    #[must_use]
    pub fn redacted(mut self) -> Self {
        self.secret = None;
        self
    }

    /// Converts into the model every drydock scanner reports in. The secret is appended to the
    /// message only when `show_secrets` is set, so the default path cannot print it.
    pub fn to_shared(&self, show_secrets: bool) -> drydock_finding::Finding {
        let location = drydock_finding::Location {
            path: Some(self.path.clone()),
            line: self.line,
            ..Default::default()
        };
        let message = match (&self.secret, show_secrets) {
            (Some(s), true) => format!("{} (secret: {s:?})", self.detail),
            _ => self.detail.clone(),
        };
        match self.rule() {
            Some(rule) => drydock_finding::Finding::from_rule(rule, location, message),
            // Unreachable for findings built by this crate; kept total for hand-built ones by
            // keeping their own id, severity and title and dropping documentation they lack.
            None => {
                let mut f = drydock_finding::Finding::from_rule(
                    &crate::rules::HASH_NOT_CHECKED,
                    location,
                    message,
                );
                f.id = self.rule_id.to_owned();
                f.severity = self.severity;
                f.title = self.title.to_owned();
                f.description = None;
                f.fix = None;
                f.references.clear();
                f
            }
        }
    }

    /// Total order used for the audit's output: by place, then rule, then detail.
    pub(crate) fn sort_key(&self) -> (&str, Option<u32>, &str, &str) {
        (&self.path, self.line, self.rule_id, &self.detail)
    }
}

impl fmt::Debug for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Finding")
            .field("rule_id", &self.rule_id)
            .field("severity", &self.severity)
            .field("path", &self.path)
            .field("line", &self.line)
            .field("detail", &self.detail)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}
