//! YAML loading for pnpm and yarn berry lockfiles.
//!
//! Scalars are kept as their source text (no core-schema resolution) because lockfiles are
//! full of values a resolver would mangle: a version `1.10` would become the float `1.1`.
//! Nesting is checked before parsing since the tree is freed recursively and a hostile
//! document of a million `[` would overflow the stack.

use saphyr::{Yaml, YamlLoader};

use crate::LangError;

/// Deepest nesting accepted; lockfiles need about five levels.
const MAX_DEPTH: usize = 256;

/// Parses the first document of `text`.
pub(crate) fn load<'a>(
    path: &str,
    format: &'static str,
    text: &'a str,
) -> Result<Yaml<'a>, LangError> {
    check_depth(text).map_err(|d| LangError::invalid(path, format, d))?;
    let mut loader: YamlLoader<'a, Yaml<'a>> = YamlLoader::default();
    loader.early_parse(false);
    loader.allow_duplicate_keys(true);
    let mut parser = saphyr_parser::Parser::new_from_str(text);
    parser
        .load(&mut loader, false)
        .map_err(|e| LangError::invalid(path, format, e))?;
    if let Some(e) = loader.error() {
        return Err(LangError::invalid(path, format, e));
    }
    loader
        .into_documents()
        .into_iter()
        .next()
        .ok_or_else(|| LangError::invalid(path, format, "empty document"))
}

/// Rejects flow nesting or indentation beyond [`MAX_DEPTH`]. Approximate (quotes are not
/// tracked), which only errs towards refusing absurd files.
fn check_depth(text: &str) -> Result<(), String> {
    let mut depth = 0usize;
    for line in text.lines() {
        let indent = line.len() - line.trim_start_matches([' ', '-', '?', ':']).len();
        if indent > MAX_DEPTH * 2 {
            return Err(format!("indentation of {indent} columns"));
        }
        for b in line.bytes() {
            match b {
                b'[' | b'{' => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Err("flow collections nested too deeply".into());
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    Ok(())
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
