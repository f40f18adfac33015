//! YAML loading for pnpm and yarn berry lockfiles.
//!
//! Scalars are kept as their source text (no core-schema resolution) because lockfiles are
//! full of values a resolver would mangle: a version `1.10` would become the float `1.1`.
//!
//! The parser's events are fed to saphyr's loader one at a time rather than through
//! `Parser::load`, so that two limits can be enforced before anything is built: nesting depth
//! (`load` recurses once per level, and the tree is freed recursively, so a hostile document of
//! a million `[` would overflow the stack) and alias expansion (saphyr's own budget counts an
//! aliased mapping key as one node whatever its size, so anchors used as keys still grow
//! exponentially).

use std::collections::HashMap;

use saphyr::{Yaml, YamlLoader};
use saphyr_parser::{Event, Parser, SpannedEventReceiver};

use crate::LangError;

/// Deepest nesting accepted; lockfiles need about five levels.
const MAX_DEPTH: usize = 256;

/// Nodes alias expansion may add to a document. Lockfiles are machine-written and use no
/// aliases; this is saphyr's own default, counted so that mapping keys count too.
const MAX_ALIAS_NODES: usize = 100_000;

/// Parses the first document of `text`.
pub(crate) fn load<'a>(
    path: &str,
    format: &'static str,
    text: &'a str,
) -> Result<Yaml<'a>, LangError> {
    let mut loader: YamlLoader<'a, Yaml<'a>> = YamlLoader::default();
    loader.early_parse(false);
    loader.allow_duplicate_keys(true);
    let mut guard = Guard::default();
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| LangError::invalid(path, format, e))?;
        guard
            .check(&event)
            .map_err(|d| LangError::invalid(path, format, d))?;
        let end_of_document = event == Event::DocumentEnd;
        loader.on_event(event, span);
        // Only the first document is read; what follows it does not even have to parse.
        if end_of_document {
            break;
        }
    }
    if let Some(e) = loader.error() {
        return Err(LangError::invalid(path, format, e));
    }
    loader
        .into_documents()
        .into_iter()
        .next()
        .ok_or_else(|| LangError::invalid(path, format, "empty document"))
}

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
    fn check(&mut self, event: &Event<'_>) -> Result<(), String> {
        match event {
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.open.len() >= MAX_DEPTH {
                    return Err(format!("collections nested deeper than {MAX_DEPTH}"));
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
                    return Err(format!(
                        "aliases expand to more than {MAX_ALIAS_NODES} nodes"
                    ));
                }
                self.nodes = self.nodes.saturating_add(size);
            }
            _ => {}
        }
        Ok(())
    }
}

/// The text of a scalar node, whichever way the loader stored it.
pub(crate) fn as_str<'a>(y: &'a Yaml<'_>) -> Option<&'a str> {
    match y {
        Yaml::Representation(s, _, _) => Some(s.as_ref()),
        Yaml::Value(saphyr::Scalar::String(s)) => Some(s.as_ref()),
        Yaml::Tagged(_, inner) => as_str(inner),
        _ => None,
    }
}

/// Entries of a mapping whose keys are scalars (others are skipped).
pub(crate) fn entries<'a, 'i>(y: &'a Yaml<'i>) -> impl Iterator<Item = (&'a str, &'a Yaml<'i>)> {
    y.as_mapping()
        .into_iter()
        .flat_map(|m| m.iter())
        .filter_map(|(k, v)| Some((as_str(k)?, v)))
}

/// Value under `key` in a mapping (linear: lockfile entries have a handful of keys, and
/// keys stored as raw representations do not hash like plain strings).
pub(crate) fn get<'a, 'i>(y: &'a Yaml<'i>, key: &str) -> Option<&'a Yaml<'i>> {
    entries(y).find(|(k, _)| *k == key).map(|(_, v)| v)
}

/// String value under `key`.
pub(crate) fn get_str<'a>(y: &'a Yaml<'_>, key: &str) -> Option<&'a str> {
    get(y, key).and_then(as_str)
}

/// Boolean value under `key` (`true`/`false` as written).
pub(crate) fn get_bool(y: &Yaml<'_>, key: &str) -> Option<bool> {
    match get(y, key)? {
        Yaml::Value(saphyr::Scalar::Boolean(b)) => Some(*b),
        other => match as_str(other)? {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        match load("app/pnpm-lock.yaml", "pnpm-lock.yaml", text) {
            Ok(_) => String::from("parsed"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn deep_nesting_is_an_error() {
        // The scanner itself stops flow collections at 255 levels.
        assert!(err(&"[".repeat(100_000)).contains("recursion limit"));
        assert!(err(&("- ".repeat(20_000) + "x\n")).contains("nested deeper"));
        assert_eq!(err(&("[".repeat(200) + &"]".repeat(200))), "parsed");
    }

    /// `fuzz/regressions/lang_files/pnpm-key-alias-bomb`: anchors used as mapping keys, which
    /// saphyr's own alias budget counts as one node each, took over a minute and a gigabyte.
    #[test]
    fn alias_bomb_in_keys_is_an_error() {
        let mut s = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..12 {
            let p = i - 1;
            s.push_str(&format!(
                "a{i}: &a{i} {{? *a{p} : x, ? [*a{p}] : y, ? [[*a{p}]] : z}}\n"
            ));
        }
        assert!(err(&s).contains("aliases expand"), "{}", err(&s));
    }

    /// `fuzz/regressions/lang_files/pnpm-billion-laughs`.
    #[test]
    fn alias_bomb_is_an_error() {
        let mut s = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..12 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            s.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        assert!(err(&s).contains("aliases expand"), "{}", err(&s));
    }

    #[test]
    fn first_document_only() {
        let y = load("p", "f", "a: &x {b: 1.10}\nc: *x\n---\n[unclosed\n").ok();
        let c = y.as_ref().and_then(|y| get(y, "c"));
        assert_eq!(c.and_then(|c| get_str(c, "b")), Some("1.10"));
    }
}
