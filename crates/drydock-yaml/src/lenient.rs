//! Flow collections indented the way libyaml accepts.
//!
//! YAML 1.2 wants every line of a flow collection (`[ … ]`, `{ … }`) that sits in a block
//! mapping indented deeper than that mapping; saphyr enforces it ("invalid indentation"), while
//! libyaml, PyYAML, Go's yaml.v3 and Docker Compose do not look at indentation inside flow
//! context at all. Real files rely on that: a Compose `command: [` whose closing `]` sits back
//! at the parent key's column is common (getsentry/self-hosted's docker-compose.yml had one),
//! and a strict reader dropped the whole file.
//!
//! Inside flow context leading white space is never content (line folding strips it, in plain
//! and quoted scalars alike), so indenting those lines further changes nothing a conforming
//! reader sees, and lets saphyr read what the common implementations read. The lexer below only
//! finds which lines start inside a flow collection; the result is re-parsed by saphyr, so a
//! misjudged line can make the repair fail (the original error is reported) but never invents
//! structure the parser would not accept.

/// Whether a parse error is the kind this module can repair.
pub(crate) fn is_indentation_error(message: &str) -> bool {
    message.contains("invalid indentation")
}

/// `text` with every line that starts inside a flow collection indented at least one column
/// deeper than the line that opened the collection; `None` when no line needed it.
pub(crate) fn indent_flow_lines(text: &str) -> Option<String> {
    let mut lexer = Lexer::default();
    let mut out = String::with_capacity(text.len() + 64);
    let mut changed = false;
    for line in text.split_inclusive('\n') {
        let indent = line.bytes().take_while(|&b| b == b' ').count();
        let blank = line.trim().is_empty();
        if let Some(parent) = lexer.block_scalar {
            if blank || indent > parent {
                out.push_str(line);
                continue;
            }
            lexer.block_scalar = None;
        }
        if lexer.depth > 0 && !blank && indent <= lexer.opener_indent {
            let pad = lexer.opener_indent + 1 - indent;
            out.extend(std::iter::repeat_n(' ', pad));
            changed = true;
        }
        out.push_str(line);
        lexer.line(line, indent);
    }
    changed.then_some(out)
}

#[derive(Default)]
struct Lexer {
    /// Open flow collections.
    depth: usize,
    /// Indentation of the line whose `[`/`{` opened the outermost open collection.
    opener_indent: usize,
    /// The quote of a quoted scalar still open at the end of the last line.
    quote: Option<u8>,
    /// Inside a block scalar (`|`, `>`) of a line indented this much: deeper lines are content.
    block_scalar: Option<usize>,
}

impl Lexer {
    fn line(&mut self, line: &str, indent: usize) {
        let bytes = line.trim_end_matches(['\n', '\r']).as_bytes();
        let mut i = indent;
        // Where a new node may start: the line's first token, after `: `, `- `, `? `, `,`,
        // `[`, `{`, or after an anchor or tag.
        let mut token_start = true;
        while i < bytes.len() {
            if let Some(q) = self.quote {
                i = self.close_quote(bytes, i, q);
                token_start = false;
                continue;
            }
            let c = bytes[i];
            let next = bytes.get(i + 1).copied();
            let prev_blank = i == 0 || matches!(bytes[i - 1], b' ' | b'\t');
            let blank_after = matches!(next, None | Some(b' ' | b'\t'));
            match c {
                b' ' | b'\t' => {}
                b'#' if prev_blank => return,
                b'"' | b'\'' if token_start => {
                    self.quote = Some(c);
                    i = self.close_quote(bytes, i + 1, c);
                    token_start = false;
                    continue;
                }
                b'[' | b'{' if token_start || self.depth > 0 => {
                    if self.depth == 0 {
                        self.opener_indent = indent;
                    }
                    self.depth += 1;
                    token_start = true;
                }
                b']' | b'}' if self.depth > 0 => {
                    self.depth -= 1;
                    token_start = false;
                }
                b',' if self.depth > 0 => token_start = true,
                b':' | b'-' | b'?' if blank_after || (c == b':' && self.depth > 0) => {
                    token_start = true;
                }
                b'|' | b'>' if token_start && self.depth == 0 => {
                    self.block_scalar = Some(indent);
                    return;
                }
                b'&' | b'!' if token_start => {
                    // An anchor or tag names the node that follows it.
                    while i < bytes.len() && !matches!(bytes[i], b' ' | b'\t') {
                        i += 1;
                    }
                    continue;
                }
                _ => token_start = false,
            }
            i += 1;
        }
    }

    /// Scans a quoted scalar from `i` to past its closing quote (or the line's end).
    fn close_quote(&mut self, bytes: &[u8], mut i: usize, q: u8) -> usize {
        while i < bytes.len() {
            match bytes[i] {
                b'\\' if q == b'"' => i += 2,
                b'\'' if q == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
                c if c == q => {
                    self.quote = None;
                    return i + 1;
                }
                _ => i += 1,
            }
        }
        bytes.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_bracket_at_the_parent_keys_column() {
        let text = "x:\n  test: [\n    a,\n]\n  z: 1\n";
        let fixed = indent_flow_lines(text).expect("repaired");
        assert_eq!(fixed, "x:\n  test: [\n    a,\n   ]\n  z: 1\n");
    }

    #[test]
    fn nothing_to_do_outside_flow_collections() {
        assert_eq!(
            indent_flow_lines("a:\n  b: [x, y]\nc: 'it''s [' # [\n"),
            None
        );
        // A `[` inside a plain scalar or a block scalar opens nothing.
        assert_eq!(indent_flow_lines("a: x[0\nb: |\n  [\nc: 1\n"), None);
    }

    #[test]
    fn quoted_and_commented_brackets_inside_flow() {
        let text = "a:\n  b: [\n \"]\", # ]\n 'x''y]'\n]\n";
        let fixed = indent_flow_lines(text).expect("repaired");
        assert_eq!(fixed, "a:\n  b: [\n   \"]\", # ]\n   'x''y]'\n   ]\n");
    }
}
