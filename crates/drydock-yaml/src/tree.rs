//! Every document of a YAML stream as a small tree with line numbers, built from `saphyr-parser`
//! events: what the Kubernetes, Compose and custom-policy checks read.
//!
//! The tree is ours rather than a library's so that findings can carry lines and merge keys
//! (`<<: *defaults`, ubiquitous in Compose files) are applied while building. The events pass
//! through the crate's [`Guard`] first: the whole stream's expansion is charged against a node
//! budget (a "billion laughs" file fails with an error instead of eating memory) and nesting
//! depth is capped (so nothing downstream can overflow the stack, including `Drop`).

use crate::guard::{Exceeded, Guard, Limits};
use saphyr_parser::{Event, Parser, ScalarStyle};
use std::collections::HashMap;

/// Total nodes a file may expand to, aliases included. Large real manifests (rendered charts
/// with CRDs) are in the tens of thousands.
pub const MAX_NODES: usize = 1_000_000;
/// Deepest nesting accepted; Kubernetes objects are rarely deeper than 20.
pub const MAX_DEPTH: usize = 200;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Any scalar, kept as text. `plain` distinguishes `true` from `"true"`, because only an
    /// unquoted scalar is a boolean or a number to the Go decoders that Kubernetes and Compose use.
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// 1-based line where the node starts.
    pub line: u32,
    pub value: Value,
}

static EMPTY_NODE: Node = Node {
    line: 0,
    value: Value::Seq(Vec::new()),
};

impl Node {
    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.scalar() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Follows a path of mapping keys.
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        let mut node = self;
        for key in path {
            node = node.get(key)?;
        }
        Some(node)
    }

    /// The text of any scalar, including null-looking ones.
    pub fn scalar(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The text of a scalar that is not null.
    pub fn as_str(&self) -> Option<&str> {
        if self.is_null() {
            return None;
        }
        self.scalar()
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain: true }
            if text.is_empty() || text == "~" || text.eq_ignore_ascii_case("null"))
    }

    /// A boolean, accepting the YAML 1.1 spellings (`yes`, `on`) that go-yaml still decodes
    /// into bool fields: a manifest saying `privileged: yes` is privileged.
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Scalar { text, plain: true } => match text.to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" | "y" => Some(true),
                "false" | "no" | "off" | "n" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        let text = self.scalar()?.trim();
        text.parse::<i64>().ok()
    }

    /// Items of a sequence; empty for anything else.
    pub fn seq(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    /// Entries of a mapping; empty for anything else.
    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    /// A node standing for "absent", so callers can chain without `Option` noise.
    pub fn empty() -> &'static Node {
        &EMPTY_NODE
    }
}

/// A parse failure with its 1-based line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    pub line: u32,
    pub message: String,
}

enum Frame {
    Seq {
        anchor: usize,
        line: u32,
        items: Vec<Node>,
    },
    Map {
        anchor: usize,
        line: u32,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
    },
}

/// Parses every document of a YAML stream. Documents parsed before an error are returned
/// alongside it, so one broken document late in a file still lets the earlier ones be checked.
pub fn load(text: &str) -> (Vec<Node>, Option<YamlError>) {
    let (docs, error) = load_once(text);
    match error {
        // What libyaml accepts (flow collections indented back to a parent's column) is read
        // as libyaml reads it; when the repair does not help, the original error stands.
        Some(e) if crate::lenient::is_indentation_error(&e.message) => {
            match crate::lenient::indent_flow_lines(text).map(|fixed| load_once(&fixed)) {
                Some((fixed_docs, None)) => (fixed_docs, None),
                _ => (docs, Some(e)),
            }
        }
        error => (docs, error),
    }
}

fn load_once(text: &str) -> (Vec<Node>, Option<YamlError>) {
    let mut docs = Vec::new();
    // The parser's internals assert invariants; a hostile input that trips one must become an
    // error for this file, not abort the whole scan.
    let outcome =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| load_inner(text, &mut docs)));
    match outcome {
        Ok(Ok(())) => (docs, None),
        Ok(Err(e)) => (docs, Some(e)),
        Err(_) => (
            docs,
            Some(YamlError {
                line: 0,
                message: "parser failed on this input".to_owned(),
            }),
        ),
    }
}

fn load_inner(text: &str, docs: &mut Vec<Node>) -> Result<(), YamlError> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut guard = Guard::new(Limits {
        max_depth: MAX_DEPTH,
        max_alias_nodes: None,
        max_nodes: Some(MAX_NODES),
    });
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| YamlError {
            line: u32::try_from(e.marker().line()).unwrap_or(u32::MAX),
            message: e.info().to_owned(),
        })?;
        let line = u32::try_from(span.start.line()).unwrap_or(u32::MAX);
        guard.check(&event).map_err(|e| YamlError {
            line,
            message: match e {
                Exceeded::Depth(_) => format!("nesting deeper than {MAX_DEPTH} levels"),
                other => other.to_string(),
            },
        })?;
        let done: Option<(Node, usize)> = match event {
            Event::Scalar(text, style, anchor, _tag) => {
                let node = Node {
                    line,
                    value: Value::Scalar {
                        text: text.into_owned(),
                        plain: style == ScalarStyle::Plain,
                    },
                };
                Some((node, anchor))
            }
            Event::Alias(id) => {
                let node = anchors.get(&id).ok_or_else(|| YamlError {
                    line,
                    message: "alias to an unknown anchor".to_owned(),
                })?;
                Some((node.clone(), 0))
            }
            Event::SequenceStart(anchor, _) => {
                stack.push(Frame::Seq {
                    anchor,
                    line,
                    items: Vec::new(),
                });
                None
            }
            Event::MappingStart(anchor, _) => {
                stack.push(Frame::Map {
                    anchor,
                    line,
                    entries: Vec::new(),
                    key: None,
                });
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq {
                    anchor,
                    line,
                    items,
                }) => Some((
                    Node {
                        line,
                        value: Value::Seq(items),
                    },
                    anchor,
                )),
                _ => return Err(structure_error(line)),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map {
                    anchor,
                    line,
                    entries,
                    ..
                }) => Some((
                    Node {
                        line,
                        value: Value::Map(apply_merge_keys(entries)),
                    },
                    anchor,
                )),
                _ => return Err(structure_error(line)),
            },
            Event::DocumentStart(_) => {
                anchors.clear();
                None
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => None,
        };
        let Some((node, anchor)) = done else {
            continue;
        };
        if anchor != 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => docs.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
    }
    Ok(())
}

fn structure_error(line: u32) -> YamlError {
    YamlError {
        line,
        message: "unbalanced collection events".to_owned(),
    }
}

/// YAML 1.1 merge keys: `<<: *base` (or a list of them) adds the base's entries that the
/// mapping does not set itself.
fn apply_merge_keys(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    if !entries
        .iter()
        .any(|(k, _)| matches!(&k.value, Value::Scalar { text, plain: true } if text == "<<"))
    {
        return entries;
    }
    let mut own = Vec::new();
    let mut merged = Vec::new();
    for (k, v) in entries {
        if matches!(&k.value, Value::Scalar { text, plain: true } if text == "<<") {
            match v.value {
                Value::Map(m) => merged.push(m),
                Value::Seq(items) => {
                    for item in items {
                        if let Value::Map(m) = item.value {
                            merged.push(m);
                        }
                    }
                }
                Value::Scalar { .. } => {}
            }
        } else {
            own.push((k, v));
        }
    }
    for base in merged {
        for (k, v) in base {
            let present = own.iter().any(|(ok, _)| ok.scalar() == k.scalar());
            if !present {
                own.push((k, v));
            }
        }
    }
    own
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_merge_keys() {
        let (docs, err) = load("a: 1\nb:\n  - x\n---\nbase: &b {p: 1}\nc:\n  <<: *b\n  q: 2\n");
        assert!(err.is_none());
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].get("b").map(|n| n.seq()[0].line), Some(3));
        let c = docs[1].get("c").expect("c");
        assert_eq!(c.get("p").and_then(Node::as_i64), Some(1));
        assert_eq!(c.get("q").and_then(Node::as_i64), Some(2));
    }

    #[test]
    fn alias_bomb_is_an_error() {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            s.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let (_, err) = load(&s);
        assert!(err.expect("error").message.contains("alias"));
    }

    #[test]
    fn anchors_are_scoped_to_their_document() {
        let (docs, err) = load("a: &x 1\nb: *x\n---\nc: *x\n");
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].get("b").and_then(Node::as_i64), Some(1));
        assert!(err.expect("error").message.contains("unknown anchor"));
    }

    #[test]
    fn flow_collections_indented_back_read_as_libyaml_reads_them() {
        // PyYAML 6 (libyaml's rules) reads this as {x: {test: [a, "b c"], z: 1}}; the `]` at
        // the parent key's column is how getsentry/self-hosted's Compose file wrote a command.
        let text = "x:\n  test: [\n    a,\n\"b\n c\",\n]\n  z: 1\n";
        let (docs, err) = load(text);
        assert_eq!(err, None);
        let x = docs[0].get("x").expect("x");
        let test = x.get("test").expect("test");
        let items: Vec<_> = test.seq().iter().filter_map(Node::as_str).collect();
        assert_eq!(items, ["a", "b c"]);
        assert_eq!(test.seq()[1].line, 4, "line numbers are those of the file");
        assert_eq!(x.get("z").and_then(Node::as_i64), Some(1));
    }

    #[test]
    fn block_indentation_errors_stay_errors() {
        // PyYAML rejects this too: the repair is for flow context only.
        let (_, err) = load("a:\n  b: 1\n c: 2\n");
        assert!(err.is_some());
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let s = "[".repeat(100_000);
        let (_, err) = load(&s);
        assert!(err.is_some());
        // Block nesting is not bounded by the parser's own flow-recursion limit: the guard is.
        let s = "- ".repeat(MAX_DEPTH + 1) + "x\n";
        let (_, err) = load(&s);
        let message = err.expect("error").message;
        assert_eq!(message, format!("nesting deeper than {MAX_DEPTH} levels"));
    }
}
