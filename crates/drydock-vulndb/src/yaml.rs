//! YAML to JSON values, keeping scalars as written.
//!
//! YAML's core schema would turn an unquoted `fixed: 1.10` into the float 1.1 and a secfixes key
//! `0.9` into a number; both are versions, so every plain scalar except `null`/`~` and the
//! booleans is kept as the exact text. The OSV fields that matter are all strings, and the
//! free-form `*_specific` objects are only passed through.
//!
//! Loading goes through `drydock-yaml`, which caps nesting depth and alias expansion on the
//! event stream before anything is built.

use drydock_yaml::{ScalarStyle, Yaml};
use serde_json::{Map, Value};

use crate::Error;

/// Nesting deeper than any advisory needs is refused, so hostile input cannot exhaust the stack
/// (the loader's tree, and `convert` below, recurse once per level).
const MAX_DEPTH: usize = 64;

/// Parses the first document of `text`.
pub fn to_json(text: &str) -> Result<Value, Error> {
    let options = drydock_yaml::Options {
        max_depth: MAX_DEPTH,
        allow_duplicate_keys: false,
    };
    let doc =
        drydock_yaml::load_first(text, options).map_err(|e| Error::Parse(format!("YAML: {e}")))?;
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
