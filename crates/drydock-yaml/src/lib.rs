//! YAML from untrusted text, with the hostile-input limits ([`Guard`]) enforced on the event
//! stream before anything is built. Two readers share that filter: [`load_first`], the first
//! document as saphyr values (below), and [`tree`], every document as a line-numbered tree for
//! the configuration rules.
//!
//! Scalars are kept as their source text (no core-schema resolution): lockfiles and advisories
//! are full of values a resolver would mangle, such as the version `1.10` becoming the float
//! `1.1`.
//!
//! The parser's events are fed to saphyr's loader one at a time rather than through
//! `Parser::load`, so that:
//! - nesting depth is capped: `load` recurses once per level and the tree is freed recursively,
//!   so a hostile document of a million `- ` would overflow the stack;
//! - alias expansion is counted, mapping keys included: saphyr's own budget counts an aliased
//!   key as one node whatever its size, so anchors used as keys still grow exponentially.
//!
//! Only the first document is read; what follows it does not even have to parse.

mod guard;
mod lenient;
pub mod tree;

pub use guard::{Exceeded, Guard, Limits};
use saphyr::YamlLoader;
pub use saphyr::{Scalar, ScalarStyle, Yaml};
use saphyr_parser::{Event, Parser, SpannedEventReceiver};

/// Nodes that alias expansion may add to a document: a "billion laughs" file stops here with an
/// error instead of cloning subtrees until memory runs out. Machine-written files use no
/// aliases; this is saphyr's own default, counted so that keys count too.
pub const MAX_ALIAS_NODES: usize = 100_000;

/// How a caller's documents may look.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Deepest nesting of collections accepted.
    pub max_depth: usize,
    /// Whether a repeated mapping key is accepted (the last one wins) rather than an error.
    pub allow_duplicate_keys: bool,
}

/// Parses the first document of `text`; the error is a one-line description.
pub fn load_first<'a>(text: &'a str, options: Options) -> Result<Yaml<'a>, String> {
    let mut loader: YamlLoader<'a, Yaml<'a>> = YamlLoader::default();
    loader.early_parse(false);
    loader.allow_duplicate_keys(options.allow_duplicate_keys);
    let mut guard = Guard::new(Limits {
        max_depth: options.max_depth,
        max_alias_nodes: Some(MAX_ALIAS_NODES),
        max_nodes: None,
    });
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| e.to_string())?;
        guard.check(&event).map_err(|e| e.to_string())?;
        let end_of_document = event == Event::DocumentEnd;
        loader.on_event(event, span);
        if end_of_document {
            break;
        }
    }
    if let Some(e) = loader.error() {
        return Err(e.to_string());
    }
    loader
        .into_documents()
        .into_iter()
        .next()
        .ok_or_else(|| "empty document".to_owned())
}

/// The text of a scalar node, whichever way the loader stored it.
pub fn as_str<'a>(y: &'a Yaml<'_>) -> Option<&'a str> {
    match y {
        Yaml::Representation(s, _, _) => Some(s.as_ref()),
        Yaml::Value(Scalar::String(s)) => Some(s.as_ref()),
        Yaml::Tagged(_, inner) => as_str(inner),
        _ => None,
    }
}

/// Entries of a mapping whose keys are scalars (others are skipped).
pub fn entries<'a, 'i>(y: &'a Yaml<'i>) -> impl Iterator<Item = (&'a str, &'a Yaml<'i>)> {
    y.as_mapping()
        .into_iter()
        .flat_map(|m| m.iter())
        .filter_map(|(k, v)| Some((as_str(k)?, v)))
}

/// Value under `key` in a mapping (linear: keys stored as raw representations do not hash
/// like plain strings, and the mappings read this way have a handful of keys).
pub fn get<'a, 'i>(y: &'a Yaml<'i>, key: &str) -> Option<&'a Yaml<'i>> {
    entries(y).find(|(k, _)| *k == key).map(|(_, v)| v)
}

/// String value under `key`.
pub fn get_str<'a>(y: &'a Yaml<'_>, key: &str) -> Option<&'a str> {
    get(y, key).and_then(as_str)
}

/// Boolean value under `key` (`true`/`false` as written).
pub fn get_bool(y: &Yaml<'_>, key: &str) -> Option<bool> {
    match get(y, key)? {
        Yaml::Value(Scalar::Boolean(b)) => Some(*b),
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

    const OPTS: Options = Options {
        max_depth: 64,
        allow_duplicate_keys: false,
    };

    fn err(text: &str) -> String {
        match load_first(text, OPTS) {
            Ok(_) => "parsed".to_owned(),
            Err(e) => e,
        }
    }

    #[test]
    fn depth_is_capped_before_the_loader_recurses() {
        assert!(err(&("- ".repeat(20_000) + "x\n")).contains("nested deeper than 64"));
        assert_eq!(err(&("[".repeat(60) + &"]".repeat(60))), "parsed");
        assert!(err(&("[".repeat(70) + &"]".repeat(70))).contains("nested deeper"));
    }

    #[test]
    fn alias_bombs_stop_in_values_and_in_keys() {
        let mut values =
            String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        let mut keys = values.clone();
        for i in 1..12 {
            let p = i - 1;
            let refs = vec![format!("*a{p}"); 10].join(", ");
            values.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
            keys.push_str(&format!(
                "a{i}: &a{i} {{? *a{p} : x, ? [*a{p}] : y, ? [[*a{p}]] : z}}\n"
            ));
        }
        assert!(err(&values).contains("aliases expand"), "{}", err(&values));
        assert!(err(&keys).contains("aliases expand"), "{}", err(&keys));
    }

    #[test]
    fn first_document_only_and_small_aliases_are_fine() {
        let y = load_first("a: &x {b: 1.10}\nc: *x\n---\n[unclosed\n", OPTS).ok();
        let c = y.as_ref().and_then(|y| get(y, "c"));
        assert_eq!(c.and_then(|c| get_str(c, "b")), Some("1.10"));
        assert_eq!(err(""), "empty document");
    }

    #[test]
    fn duplicate_keys_follow_the_option() {
        assert_ne!(err("a: 1\na: 2\n"), "parsed");
        let lenient = Options {
            allow_duplicate_keys: true,
            ..OPTS
        };
        assert!(load_first("a: 1\na: 2\n", lenient).is_ok());
    }
}
