//! Check metadata: OPA `# METADATA` annotations (the Trivy ≥ 0.45 style, `custom.id`,
//! `custom.severity`, `custom.input.selector`) and the older `__rego_metadata__` /
//! `__rego_input__` rules. regorus does not read annotations, so the comment blocks are found
//! and parsed here (their body is YAML).

use serde_json::Value;

/// What a check says about itself. Every field is optional: a bare `deny` rule is a check too.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metadata {
    pub id: Option<String>,
    pub avd_id: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub severity: Option<String>,
    pub recommended_actions: Option<String>,
    pub references: Vec<String>,
    /// `custom.input.selector[].type`; `None` when the check names no selector (it then sees
    /// every document).
    pub selectors: Option<Vec<String>>,
}

impl Metadata {
    /// Fields of `other` fill or replace this one's: rule-level annotations refine the
    /// package's, annotations refine `__rego_metadata__`.
    pub fn overlay(&mut self, other: &Metadata) {
        let fields = [
            (&mut self.id, &other.id),
            (&mut self.avd_id, &other.avd_id),
            (&mut self.title, &other.title),
            (&mut self.description, &other.description),
            (&mut self.severity, &other.severity),
            (&mut self.recommended_actions, &other.recommended_actions),
        ];
        for (mine, theirs) in fields {
            if theirs.is_some() {
                mine.clone_from(theirs);
            }
        }
        if !other.references.is_empty() {
            self.references.clone_from(&other.references);
        }
        if other.selectors.is_some() {
            self.selectors.clone_from(&other.selectors);
        }
    }

    /// From an annotation (`title`, `description`, `related_resources`, `custom: {...}`).
    pub fn from_annotation(v: &Value) -> Metadata {
        let custom = v.get("custom").cloned().unwrap_or(Value::Null);
        let mut m = Metadata {
            id: text(&custom, "id"),
            avd_id: text(&custom, "avd_id"),
            title: text(v, "title"),
            description: text(v, "description"),
            severity: text(&custom, "severity"),
            recommended_actions: text(&custom, "recommended_actions")
                .or_else(|| text(&custom, "recommended_action")),
            references: Vec::new(),
            selectors: custom.get("input").and_then(selectors),
        };
        for r in v
            .get("related_resources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match r {
                Value::String(s) => m.references.push(s.clone()),
                other => m.references.extend(text(other, "ref")),
            }
        }
        m
    }

    /// From the old-style `__rego_metadata__` object and `__rego_input__` object.
    pub fn from_rego_rules(meta: Option<&Value>, input: Option<&Value>) -> Metadata {
        let null = Value::Null;
        let v = meta.unwrap_or(&null);
        Metadata {
            id: text(v, "id"),
            avd_id: text(v, "avd_id"),
            title: text(v, "title"),
            description: text(v, "description"),
            severity: text(v, "severity"),
            recommended_actions: text(v, "recommended_actions"),
            references: text(v, "url").into_iter().collect(),
            selectors: input.and_then(selectors),
        }
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn selectors(input: &Value) -> Option<Vec<String>> {
    let list = input.get("selector")?.as_array()?;
    Some(
        list.iter()
            .filter_map(|s| match s {
                Value::String(t) => Some(t.clone()),
                other => text(other, "type"),
            })
            .collect(),
    )
}

/// One `# METADATA` comment block.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    /// 1-based line of the first code line after the block (the package or rule it annotates).
    pub target_line: u32,
    /// `scope:` as written (`package`, `rule`, `document`, `subpackages`).
    pub scope: Option<String>,
    pub value: Value,
}

/// Finds every `# METADATA` block. Each is the run of comment lines after the marker, with the
/// `#` and one space removed, parsed as YAML. A block that is not valid YAML is skipped: it is a
/// comment after all, and the check still runs.
pub fn blocks(text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() != "# METADATA" {
            i += 1;
            continue;
        }
        i += 1;
        let mut body = String::new();
        while let Some(rest) = lines.get(i).and_then(|l| l.trim_start().strip_prefix('#')) {
            body.push_str(rest.strip_prefix(' ').unwrap_or(rest));
            body.push('\n');
            i += 1;
        }
        // Blank lines between the block and what it annotates are tolerated.
        let mut target = i;
        while lines.get(target).is_some_and(|l| l.trim().is_empty()) {
            target += 1;
        }
        let (docs, err) = drydock_yaml::tree::load(&body);
        let Some(doc) = docs.first().filter(|_| err.is_none()) else {
            continue;
        };
        let value = crate::input::plain_json(doc);
        out.push(Block {
            target_line: u32::try_from(target + 1).unwrap_or(u32::MAX),
            scope: value
                .get("scope")
                .and_then(Value::as_str)
                .map(str::to_owned),
            value,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trivy_annotation() {
        let src = "# METADATA\n# title: No latest\n# description: Pin it.\n# related_resources:\n# - https://example.com/a\n# - ref: https://example.com/b\n# schemas:\n#   - input: schema[\"dockerfile\"]\n# custom:\n#   id: ID001\n#   severity: high\n#   recommended_actions: Use a digest.\n#   input:\n#     selector:\n#     - type: dockerfile\npackage user.x\n";
        let b = blocks(src);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].target_line, 16);
        let m = Metadata::from_annotation(&b[0].value);
        assert_eq!(m.id.as_deref(), Some("ID001"));
        assert_eq!(m.severity.as_deref(), Some("high"));
        assert_eq!(m.title.as_deref(), Some("No latest"));
        assert_eq!(m.recommended_actions.as_deref(), Some("Use a digest."));
        assert_eq!(m.selectors, Some(vec!["dockerfile".to_owned()]));
        assert_eq!(
            m.references,
            vec!["https://example.com/a", "https://example.com/b"]
        );
    }

    #[test]
    fn broken_yaml_block_is_skipped() {
        assert!(blocks("# METADATA\n# title: [unclosed\npackage a\n").is_empty());
    }
}
