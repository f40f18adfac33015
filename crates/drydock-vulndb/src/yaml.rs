//! YAML to JSON values, keeping scalars as written.
//!
//! YAML's core schema would turn an unquoted `fixed: 1.10` into the float 1.1 and a secfixes key
//! `0.9` into a number; both are versions, so every plain scalar except `null`/`~` and the
//! booleans is kept as the exact text. The OSV fields that matter are all strings, and the
//! free-form `*_specific` objects are only passed through.

use saphyr::{ScalarStyle, Yaml, YamlLoader};
use saphyr_parser::Parser;
use serde_json::{Map, Value};

use crate::Error;

/// Nesting deeper than any advisory needs is refused, so hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 64;

/// Parses the first document of `text`.
pub fn to_json(text: &str) -> Result<Value, Error> {
    let mut parser = Parser::new_from_str(text);
    let mut loader: YamlLoader<'_, Yaml<'_>> = YamlLoader::default();
    loader.early_parse(false);
    parser
        .load(&mut loader, false)
        .map_err(|e| Error::Parse(format!("YAML: {e}")))?;
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
}
