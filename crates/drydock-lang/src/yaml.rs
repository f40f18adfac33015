//! YAML loading for pnpm and yarn berry lockfiles, through `drydock-yaml`'s limits.

pub(crate) use drydock_yaml::{Yaml, as_str, entries, get, get_bool, get_str};

use crate::LangError;

/// Parses the first document of `text`. Lockfiles need about five levels of nesting and
/// yarn berry repeats keys in some generated files.
pub(crate) fn load<'a>(
    path: &str,
    format: &'static str,
    text: &'a str,
) -> Result<Yaml<'a>, LangError> {
    let options = drydock_yaml::Options {
        max_depth: 256,
        allow_duplicate_keys: true,
    };
    drydock_yaml::load_first(text, options).map_err(|e| LangError::invalid(path, format, e))
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
