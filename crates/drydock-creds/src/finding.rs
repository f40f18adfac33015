//! What the audit returns: one rule firing at one place, with the cracked secret kept apart.

use drydock_finding::Rule;
use serde::ser::{Serialize, SerializeStruct, Serializer};
use std::fmt;

/// One rule firing at one place in the image.
///
/// `secret` holds a recovered password (cracked hash, decrypted VNC file, plaintext default). It
/// is kept out of `detail` so a renderer can drop it with [`Finding::redacted`] unless the user
/// asked for `--show-secrets`; `Debug` never prints it, so it cannot leak through logs.
#[derive(Clone)]
pub struct Finding {
    /// The rule that fired, with its id, severity and documentation.
    pub rule: &'static Rule,
    /// Path inside the image, as the caller gave it.
    pub path: String,
    /// 1-based line, when the finding is about one line of a text file.
    pub line: Option<u32>,
    /// What was seen here, specifically; never contains the secret.
    pub detail: String,
    pub secret: Option<String>,
}

impl PartialEq for Finding {
    fn eq(&self, other: &Self) -> bool {
        self.rule.id == other.rule.id
            && (&self.path, self.line, &self.detail, &self.secret)
                == (&other.path, other.line, &other.detail, &other.secret)
    }
}

impl Eq for Finding {}

/// The rule is written as its id, severity and title, so the JSON reads as before the rule
/// reference was stored.
impl Serialize for Finding {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let fields = 5 + usize::from(self.line.is_some()) + usize::from(self.secret.is_some());
        let mut st = s.serialize_struct("Finding", fields)?;
        st.serialize_field("rule_id", self.rule.id)?;
        st.serialize_field("severity", &self.rule.severity)?;
        st.serialize_field("title", self.rule.title)?;
        st.serialize_field("path", &self.path)?;
        if let Some(line) = self.line {
            st.serialize_field("line", &line)?;
        }
        st.serialize_field("detail", &self.detail)?;
        if let Some(secret) = &self.secret {
            st.serialize_field("secret", secret)?;
        }
        st.end()
    }
}

impl Finding {
    pub(crate) fn new(
        rule: &'static Rule,
        path: &str,
        line: Option<u32>,
        detail: impl Into<String>,
    ) -> Self {
        Finding {
            rule,
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
        drydock_finding::Finding::from_rule(self.rule, location, message)
    }

    /// Total order used for the audit's output: by place, then rule, then detail.
    pub(crate) fn sort_key(&self) -> (&str, Option<u32>, &str, &str) {
        (&self.path, self.line, self.rule.id, &self.detail)
    }
}

impl fmt::Debug for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Finding")
            .field("rule", &self.rule.id)
            .field("severity", &self.rule.severity)
            .field("path", &self.path)
            .field("line", &self.line)
            .field("detail", &self.detail)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}
