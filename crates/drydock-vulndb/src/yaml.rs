//! YAML to JSON values, keeping scalars as written.
//!
//! YAML's core schema would turn an unquoted `fixed: 1.10` into the float 1.1 and a secfixes key
//! `0.9` into a number; both are versions, so every plain scalar except `null`/`~` and the
//! booleans is kept as the exact text. The OSV fields that matter are all strings, and the
//! free-form `*_specific` objects are only passed through.
//!
//! The parser's events are fed to saphyr's loader one by one instead of through
//! `Parser::load`, because `load` recurses once per nesting level (a file of 20,000 nested `- `
//! overflows the stack) and because saphyr's alias budget counts an aliased mapping key as one
//! node whatever its size (anchors used as keys grow without bound). Both limits are enforced
//! here on the event stream, before the loader builds anything.

use std::collections::HashMap;

use saphyr::{ScalarStyle, Yaml, YamlLoader};
use saphyr_parser::{Event, Parser, SpannedEventReceiver};
use serde_json::{Map, Value};

use crate::Error;

/// Nesting deeper than any advisory needs is refused, so hostile input cannot exhaust the stack
/// (the loader's tree is freed recursively).
const MAX_DEPTH: usize = 64;

/// Nodes that alias expansion may add to a document: a "billion laughs" file stops here with an
/// error instead of cloning subtrees until memory runs out. Advisories use no aliases at all;
/// this is saphyr's own default, counted so that keys count too.
const MAX_ALIAS_NODES: usize = 100_000;

/// Depth and alias accounting over the event stream.
#[derive(Default)]
struct Guard {
    /// Open collections: anchor id and the node count when they started.
    open: Vec<(usize, usize)>,
    /// Nodes of the document so far, aliases counted at their expanded size.
    nodes: usize,
    /// Nodes added by aliases alone.
    alias_nodes: usize,
    /// Expanded size of every completed anchored node.
    anchors: HashMap<usize, usize>,
}

impl Guard {
    fn check(&mut self, event: &Event<'_>) -> Result<(), Error> {
        match event {
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.open.len() >= MAX_DEPTH {
                    return Err(Error::Parse(format!(
                        "YAML: nested deeper than {MAX_DEPTH}"
                    )));
                }
                self.open.push((*anchor, self.nodes));
                self.nodes += 1;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((anchor, start)) = self.open.pop()
                    && anchor != 0
                {
                    self.anchors.insert(anchor, self.nodes - start);
                }
            }
            Event::Scalar(_, _, anchor, _) => {
                self.nodes += 1;
                if *anchor != 0 {
                    self.anchors.insert(*anchor, 1);
                }
            }
            Event::Alias(id) => {
                // An unknown or still-open anchor becomes one bad value in the loader.
                let size = self.anchors.get(id).copied().unwrap_or(1);
                self.alias_nodes = self.alias_nodes.saturating_add(size);
                if self.alias_nodes > MAX_ALIAS_NODES {
                    return Err(Error::Parse(format!(
                        "YAML: aliases expand to more than {MAX_ALIAS_NODES} nodes"
                    )));
                }
                self.nodes = self.nodes.saturating_add(size);
            }
            _ => {}
        }
        Ok(())
    }
}

/// Parses the first document of `text`.
pub fn to_json(text: &str) -> Result<Value, Error> {
    let mut loader: YamlLoader<'_, Yaml<'_>> = YamlLoader::default();
    loader.early_parse(false);
    let mut guard = Guard::default();
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| Error::Parse(format!("YAML: {e}")))?;
        guard.check(&event)?;
        let end_of_document = event == Event::DocumentEnd;
        loader.on_event(event, span);
        // Only the first document is read, as before; later ones may not even parse.
        if end_of_document {
            break;
        }
    }
    if let Some(e) = loader.error() {
        return Err(Error::Parse(format!("YAML: {e}")));
    }
    let doc = loader
        .into_documents()
        .into_iter()
        .next()
        .ok_or_else(|| Error::Parse("YAML: empty document".into()))?;
    convert(&doc, 0)
}

fn scalar(text: &str, style: ScalarStyle) -> Value {
    if style == ScalarStyle::Plain {
        match text {
            "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
            "true" | "True" | "TRUE" => return Value::Bool(true),
            "false" | "False" | "FALSE" => return Value::Bool(false),
            _ => {}
        }
    }
    Value::String(text.to_owned())
}

fn key(node: &Yaml<'_>) -> Result<String, Error> {
    match node {
        Yaml::Representation(text, _, _) => Ok(text.to_string()),
        Yaml::Tagged(_, inner) => key(inner),
        _ => Err(Error::Parse("YAML: mapping key is not a scalar".into())),
    }
}

fn convert(node: &Yaml<'_>, depth: usize) -> Result<Value, Error> {
    if depth > MAX_DEPTH {
        return Err(Error::Parse(format!(
            "YAML: nested deeper than {MAX_DEPTH}"
        )));
    }
    Ok(match node {
        Yaml::Representation(text, style, _) => scalar(text, *style),
        Yaml::Value(s) => Value::String(format!("{s:?}")),
        Yaml::Sequence(items) => Value::Array(
            items
                .iter()
                .map(|i| convert(i, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Yaml::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                out.insert(key(k)?, convert(v, depth + 1)?);
            }
            Value::Object(out)
        }
        Yaml::Tagged(_, inner) => convert(inner, depth + 1)?,
        Yaml::Alias(_) => return Err(Error::Parse("YAML: unresolved alias".into())),
        Yaml::BadValue => Value::Null,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn keeps_versions_as_text() {
        let v =
            to_json("a: 1.10\nb: '2.0'\nc: ~\nd: [0, 1.0.0_rc6-r1]\ne: true\n0.9:\n  - CVE-1\n")
                .unwrap();
        assert_eq!(v["a"], "1.10");
        assert_eq!(v["b"], "2.0");
        assert!(v["c"].is_null());
        assert_eq!(v["d"][0], "0");
        assert_eq!(v["e"], true);
        assert_eq!(v["0.9"][0], "CVE-1");
    }

    #[test]
    fn errors_are_reported() {
        assert!(to_json("a: [1, 2").is_err());
        assert!(to_json("").is_err());
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(to_json(&deep).is_err());
    }

    /// `fuzz/regressions/osv_yaml/deep-block`: 20,000 nested block sequences overflowed the
    /// stack inside `Parser::load`.
    #[test]
    fn deep_block_nesting_is_an_error() {
        let deep = "- ".repeat(20_000) + "x\n";
        let err = to_json(&deep).unwrap_err().to_string();
        assert!(err.contains("nested deeper"), "{err}");
        let flow = "[".repeat(100_000);
        assert!(to_json(&flow).is_err());
    }

    /// `fuzz/regressions/osv_yaml/billion-laughs`.
    #[test]
    fn alias_bomb_is_an_error() {
        let mut s = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..12 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            s.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let err = to_json(&s).unwrap_err().to_string();
        assert!(err.contains("aliases expand"), "{err}");
    }

    /// `fuzz/regressions/osv_yaml/key-alias-bomb`: anchors used as mapping keys, which saphyr's
    /// own budget counts as one node each, took minutes and gigabytes.
    #[test]
    fn alias_bomb_in_keys_is_an_error() {
        let mut s = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..12 {
            let p = i - 1;
            s.push_str(&format!(
                "a{i}: &a{i} {{? *a{p} : x, ? [*a{p}] : y, ? [[*a{p}]] : z}}\n"
            ));
        }
        let err = to_json(&s).unwrap_err().to_string();
        assert!(err.contains("aliases expand"), "{err}");
    }

    #[test]
    fn small_aliases_and_later_documents_are_fine() {
        let v = to_json("a: &x {b: 1.10}\nc: *x\n---\n[unclosed\n").unwrap();
        assert_eq!(v["c"]["b"], "1.10");
    }
}
