//! Character classes of the reference languages.
//!
//! "Whitespace" means something different in C, Python, JavaScript, Ruby and .NET, and each
//! reference trims or skips exactly its own set; using Rust's `char::is_whitespace` instead
//! would accept or reject different strings than the reference does.

use std::fmt;

/// Python `str.isspace()` / `re` `\s` for `str` patterns.
pub(crate) fn is_python_space(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | '\u{1c}'..='\u{20}'
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

/// ECMAScript WhiteSpace + LineTerminator (`String.prototype.trim`, regex `\s`).
pub(crate) fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | ' '
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
            | '\u{feff}'
    )
}

/// .NET `char.IsWhiteSpace` (`String.Trim()`).
pub(crate) fn is_dotnet_space(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | ' '
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

/// Ruby regexp `\s` (ASCII only) and the set `String#strip` removes around a valid version.
pub(crate) fn is_ruby_space(c: char) -> bool {
    matches!(c, '\t'..='\r' | ' ')
}

/// Shortened, escaped rendering of hostile input for error messages, so that a multi-megabyte
/// "version" does not end up verbatim in logs.
pub(crate) struct Preview<'a>(pub(crate) &'a str);

impl fmt::Display for Preview<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MAX: usize = 120;
        let s = self.0;
        if s.chars().count() <= MAX {
            write!(f, "{s:?}")
        } else {
            let head: String = s.chars().take(MAX).collect();
            write!(f, "{head:?}… ({} bytes)", s.len())
        }
    }
}
