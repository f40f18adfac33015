//! The Dockerfile grammar as BuildKit reads it: parser directives, escape-character line
//! continuations (with comment and blank lines inside a continuation dropped), heredocs,
//! `--flag=value` options and exec (JSON) versus shell form.

/// A parsed Dockerfile.
#[derive(Debug, Clone, Default)]
pub struct Dockerfile {
    pub instructions: Vec<Instruction>,
    /// The `# escape=` character: `\` unless the file says `` ` `` (Windows images).
    pub escape: char,
}

/// One instruction, however many physical lines it spans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// Upper-cased keyword (`RUN`, `FROM`, ...).
    pub keyword: String,
    /// 1-based line of the keyword.
    pub line: u32,
    /// 1-based last line, heredoc bodies included.
    pub end_line: u32,
    /// Leading `--name[=value]` options, in order.
    pub flags: Vec<(String, Option<String>)>,
    pub args: Args,
    pub heredocs: Vec<Heredoc>,
}

/// `RUN ["a", "b"]` versus `RUN a b`: exec form runs no shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Args {
    Exec(Vec<String>),
    Shell(String),
}

/// The body of a `<<EOF` ... `EOF` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    pub name: String,
    pub body: String,
    pub line: u32,
}

/// A syntax problem and its line; parsing continues past it where it can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: u32,
    pub message: String,
}

pub const KNOWN: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

impl Instruction {
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_deref().unwrap_or(""))
    }

    /// The arguments as one string (exec form joined with spaces).
    pub fn text(&self) -> String {
        match &self.args {
            Args::Shell(s) => s.clone(),
            Args::Exec(v) => v.join(" "),
        }
    }

    /// Whitespace-separated arguments, quotes removed.
    pub fn words(&self) -> Vec<String> {
        match &self.args {
            Args::Exec(v) => v.clone(),
            Args::Shell(s) => s
                .split_whitespace()
                .map(|w| w.trim_matches(['"', '\'']).to_owned())
                .collect(),
        }
    }
}

fn line_no(i: usize) -> u32 {
    u32::try_from(i + 1).unwrap_or(u32::MAX)
}

/// Reads the parser directives at the top of the file. They are only directives until the
/// first line that is not one (a blank line, another comment or an instruction ends them).
fn directives(lines: &[&str]) -> (char, usize, Vec<ParseError>) {
    let mut escape = '\\';
    let mut errors = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(rest) = lines[i].trim_start().strip_prefix('#') else {
            break;
        };
        let Some((name, value)) = rest.split_once('=') else {
            break;
        };
        let name = name.trim().to_ascii_lowercase();
        if !matches!(name.as_str(), "escape" | "syntax" | "check") {
            break;
        }
        if name == "escape" {
            match value.trim() {
                "\\" => escape = '\\',
                "`" => escape = '`',
                other => errors.push(ParseError {
                    line: line_no(i),
                    message: format!("invalid escape character {other:?} (use \\ or `)"),
                }),
            }
        }
        i += 1;
    }
    (escape, i, errors)
}

/// Strips a trailing escape character (whitespace after it allowed), saying whether the line
/// continues.
fn continues(line: &str, escape: char) -> Option<&str> {
    let trimmed = line.trim_end();
    trimmed.strip_suffix(escape)
}

/// Finds `<<EOF`, `<<-EOF`, `<<"EOF"` markers in a shell-form instruction.
fn heredoc_markers(text: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i + 2 < b.len() {
        match quote {
            Some(q) if b[i] == q => quote = None,
            Some(_) => {}
            None if b[i] == b'\'' || b[i] == b'"' => quote = Some(b[i]),
            None if b[i] == b'<' && b[i + 1] == b'<' && (i == 0 || b[i - 1] != b'<') => {
                let mut j = i + 2;
                if b.get(j) == Some(&b'<') {
                    // `<<<` is a here-string, not a heredoc.
                    i += 3;
                    continue;
                }
                let strip = b.get(j) == Some(&b'-');
                if strip {
                    j += 1;
                }
                let q = b.get(j).copied().filter(|c| *c == b'"' || *c == b'\'');
                if q.is_some() {
                    j += 1;
                }
                let start = j;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                if j > start {
                    out.push((text[start..j].to_owned(), strip));
                }
                if let (Some(qc), Some(&c)) = (q, b.get(j))
                    && c == qc
                {
                    j += 1;
                }
                i = j;
                continue;
            }
            None => {}
        }
        i += 1;
    }
    out
}

/// Parses a Dockerfile. Always returns what it could parse; problems are listed with lines.
pub fn parse(text: &str) -> (Dockerfile, Vec<ParseError>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    let (escape, mut i, mut errors) = directives(&lines);
    let mut instructions = Vec::new();
    while i < lines.len() {
        let first = lines[i].trim_start();
        if first.is_empty() || first.starts_with('#') {
            i += 1;
            continue;
        }
        let start = i;
        let mut logical = String::new();
        let mut current = first;
        loop {
            match continues(current, escape) {
                Some(head) => {
                    logical.push_str(head);
                    i += 1;
                    // Comment and blank lines inside a continuation are dropped, as BuildKit does.
                    while i < lines.len() {
                        let t = lines[i].trim_start();
                        if t.starts_with('#') || t.is_empty() {
                            i += 1;
                        } else {
                            break;
                        }
                    }
                    match lines.get(i) {
                        Some(next) => current = next,
                        None => break,
                    }
                }
                None => {
                    logical.push_str(current);
                    i += 1;
                    break;
                }
            }
        }
        let end = i.max(start + 1) - 1;
        let logical = logical.trim();
        let (keyword, rest) = match logical.split_once(|c: char| c.is_whitespace()) {
            Some((k, r)) => (k, r.trim()),
            None => (logical, ""),
        };
        let keyword = keyword.to_ascii_uppercase();
        if !KNOWN.contains(&keyword.as_str()) {
            errors.push(ParseError {
                line: line_no(start),
                message: format!("unknown instruction {keyword:?}"),
            });
            continue;
        }
        // Flags come before the arguments for the instructions that take them.
        let mut flags = Vec::new();
        let mut rest = rest;
        if matches!(
            keyword.as_str(),
            "FROM" | "RUN" | "COPY" | "ADD" | "HEALTHCHECK"
        ) {
            while let Some(f) = rest.strip_prefix("--") {
                let end_of_flag = f.find(char::is_whitespace).unwrap_or(f.len());
                let flag = &f[..end_of_flag];
                let (name, value) = match flag.split_once('=') {
                    Some((n, v)) => (n.to_owned(), Some(v.trim_matches('"').to_owned())),
                    None => (flag.to_owned(), None),
                };
                flags.push((name, value));
                rest = f[end_of_flag..].trim_start();
            }
        }
        let mut heredocs = Vec::new();
        let mut end_line = line_no(end);
        if matches!(keyword.as_str(), "RUN" | "COPY" | "ADD") && !rest.starts_with('[') {
            for (name, strip) in heredoc_markers(rest) {
                let body_line = line_no(i);
                let mut body = String::new();
                let mut closed = false;
                while i < lines.len() {
                    let raw = lines[i];
                    i += 1;
                    let l = if strip {
                        raw.trim_start_matches('\t')
                    } else {
                        raw
                    };
                    if l == name {
                        closed = true;
                        break;
                    }
                    body.push_str(l);
                    body.push('\n');
                }
                if !closed {
                    errors.push(ParseError {
                        line: line_no(start),
                        message: format!("heredoc <<{name} is never terminated"),
                    });
                }
                end_line = line_no(i.max(1) - 1);
                heredocs.push(Heredoc {
                    name,
                    body,
                    line: body_line,
                });
            }
        }
        let args = match rest.starts_with('[') {
            true => match serde_json::from_str::<Vec<String>>(rest) {
                Ok(v) => Args::Exec(v),
                Err(_) => Args::Shell(rest.to_owned()),
            },
            false => Args::Shell(rest.to_owned()),
        };
        instructions.push(Instruction {
            keyword,
            line: line_no(start),
            end_line,
            flags,
            args,
            heredocs,
        });
    }
    if !instructions.iter().any(|ins| ins.keyword == "FROM") && !instructions.is_empty() {
        errors.push(ParseError {
            line: instructions[0].line,
            message: "no FROM instruction".to_owned(),
        });
    }
    if let Some(bad) = instructions
        .iter()
        .take_while(|ins| ins.keyword != "FROM")
        .find(|ins| ins.keyword != "ARG")
        && instructions.iter().any(|ins| ins.keyword == "FROM")
    {
        errors.push(ParseError {
            line: bad.line,
            message: format!(
                "{} before the first FROM (only ARG may come first)",
                bad.keyword
            ),
        });
    }
    (
        Dockerfile {
            instructions,
            escape,
        },
        errors,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuations_comments_heredocs() {
        let src = "# syntax=docker/dockerfile:1\nARG BASE=alpine:3.19\nFROM $BASE AS build\nRUN apk add \\\n  # a comment\n  curl \\\n\n  git\nRUN <<EOF\nset -e\necho hi\nEOF\nCOPY --from=build --chown=1:1 [\"a\", \"b\"]\n";
        let (df, errors) = parse(src);
        assert!(errors.is_empty(), "{errors:?}");
        let ins = &df.instructions;
        assert_eq!(ins.len(), 5);
        assert_eq!(ins[2].line, 4);
        assert_eq!(ins[2].end_line, 8);
        assert_eq!(ins[2].text(), "apk add   curl   git");
        assert_eq!(ins[3].heredocs[0].body, "set -e\necho hi\n");
        assert_eq!(ins[3].end_line, 12);
        assert_eq!(ins[4].flag("from"), Some("build"));
        assert_eq!(ins[4].args, Args::Exec(vec!["a".into(), "b".into()]));
    }

    #[test]
    fn escape_directive() {
        let (df, errors) = parse("# escape=`\nFROM mcr.microsoft.com/windows\nRUN dir `\n  c:\\\n");
        assert!(errors.is_empty());
        assert_eq!(df.escape, '`');
        assert_eq!(df.instructions[1].text(), "dir   c:\\");
    }

    #[test]
    fn errors_have_lines() {
        let (_, errors) = parse("FROM a\nRUNN x\nRUN <<EOF\nno end\n");
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].line, 2);
        assert_eq!(errors[1].line, 3);
    }
}
