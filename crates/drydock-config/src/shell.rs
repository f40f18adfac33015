//! A small POSIX-shell splitter: enough to find the simple commands in a `RUN` script and the
//! operators between them, which is what the package-manager and pipe rules need.
//!
//! It does not evaluate anything. Quotes are honoured (so `echo "a && b"` is one command),
//! `$(...)` and backticks stay inside their word, and control keywords (`if`, `then`, `do`)
//! are dropped so `if true; then apt-get install x; fi` still exposes the `apt-get` command.

/// One simple command and the operator that followed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub words: Vec<String>,
    /// The next command reads this one's output (`a | b`).
    pub piped: bool,
}

impl Command {
    /// Index of the program actually run, skipping `VAR=x` assignments and wrappers such as
    /// `sudo`, `env`, `time`, `nohup`, so `sudo -E apt-get install` is seen as `apt-get`.
    pub fn program_index(&self) -> Option<usize> {
        let mut i = 0;
        while i < self.words.len() {
            let w = self.words[i].as_str();
            if is_assignment(w) {
                i += 1;
                continue;
            }
            match basename(w) {
                "sudo" | "doas" | "env" | "time" | "nohup" | "exec" | "command" | "nice"
                | "xargs" | "su-exec" | "gosu" | "chroot" => {
                    i += 1;
                    // Skip the wrapper's own options (and a user name for gosu/su-exec).
                    while i < self.words.len() && self.words[i].starts_with('-') {
                        i += 1;
                    }
                    if matches!(basename(w), "gosu" | "su-exec" | "chroot") {
                        i += 1;
                    }
                }
                _ => return Some(i),
            }
        }
        None
    }

    /// The program name, without its directory.
    pub fn program(&self) -> Option<&str> {
        self.program_index().map(|i| basename(&self.words[i]))
    }

    /// Arguments after the program.
    pub fn args(&self) -> &[String] {
        match self.program_index() {
            Some(i) => &self.words[i + 1..],
            None => &[],
        }
    }

    /// Whether any argument is exactly one of `flags`, or a combined short-option group
    /// containing `short` (so `-qy` counts as `-y`).
    pub fn has_flag(&self, flags: &[&str], short: Option<char>) -> bool {
        self.args().iter().any(|a| {
            flags
                .iter()
                .any(|f| a == f || a.starts_with(&format!("{f}=")))
                || short.is_some_and(|c| {
                    a.starts_with('-') && !a.starts_with("--") && a[1..].contains(c)
                })
        })
    }
}

pub fn basename(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

const KEYWORDS: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "for", "case", "esac", "{",
    "}", "!",
];

/// Splits a script into simple commands.
pub fn split(script: &str) -> Vec<Command> {
    let mut commands = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let chars: Vec<char> = script.chars().collect();
    let mut i = 0;
    let finish_word = |word: &mut String, in_word: &mut bool, words: &mut Vec<String>| {
        if *in_word {
            words.push(std::mem::take(word));
            *in_word = false;
        }
    };
    let finish_cmd = |words: &mut Vec<String>, piped: bool, commands: &mut Vec<Command>| {
        // Drop leading control keywords; `for x in a b` has no program worth checking.
        let mut start = 0;
        while start < words.len() && KEYWORDS.contains(&words[start].as_str()) {
            start += 1;
        }
        let closer = words.last().cloned();
        let rest: Vec<String> = words.drain(..).skip(start).collect();
        if rest.first().is_some_and(|w| w == "for" || w == "case") {
            return;
        }
        if !rest.is_empty() {
            commands.push(Command { words: rest, piped });
        } else if let Some(closer) = closer.filter(|_| piped) {
            // `{ a; b; } | c`, `while …; done | c`: the compound command's output is piped;
            // keep the pipe, under the keyword that closed it.
            commands.push(Command {
                words: vec![closer],
                piped,
            });
        }
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                if let Some(&n) = chars.get(i + 1) {
                    if n != '\n' {
                        word.push(n);
                        in_word = true;
                    }
                    i += 2;
                } else {
                    i += 1;
                }
                continue;
            }
            '\'' => {
                in_word = true;
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    word.push(chars[i]);
                    i += 1;
                }
            }
            '"' => {
                in_word = true;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' && i + 1 < chars.len() {
                        i += 1;
                    }
                    word.push(chars[i]);
                    i += 1;
                }
            }
            '`' => {
                in_word = true;
                word.push(c);
                i += 1;
                while i < chars.len() && chars[i] != '`' {
                    word.push(chars[i]);
                    i += 1;
                }
                word.push('`');
            }
            '$' if chars.get(i + 1) == Some(&'(') => {
                // Keep a command substitution inside the current word, balancing parens.
                in_word = true;
                let mut depth = 0usize;
                while i < chars.len() {
                    let ch = chars[i];
                    word.push(ch);
                    if ch == '(' {
                        depth += 1;
                    } else if ch == ')' {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            break;
                        }
                    }
                    i += 1;
                }
            }
            '#' if !in_word => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            ' ' | '\t' | '\r' => finish_word(&mut word, &mut in_word, &mut words),
            '\n' | ';' | '(' | ')' => {
                finish_word(&mut word, &mut in_word, &mut words);
                finish_cmd(&mut words, false, &mut commands);
            }
            '&' | '|' => {
                finish_word(&mut word, &mut in_word, &mut words);
                let double = chars.get(i + 1) == Some(&c);
                let piped = c == '|' && !double;
                finish_cmd(&mut words, piped, &mut commands);
                if double || (c == '|' && chars.get(i + 1) == Some(&'&')) {
                    i += 1;
                }
            }
            '>' | '<' => {
                // Redirections end the word; the target is skipped, and so is an fd number.
                if in_word && word.chars().all(|d| d.is_ascii_digit()) {
                    word.clear();
                    in_word = false;
                }
                finish_word(&mut word, &mut in_word, &mut words);
                while i + 1 < chars.len() && matches!(chars[i + 1], '>' | '<' | '&') {
                    i += 1;
                }
                i += 1;
                while i < chars.len() && matches!(chars[i], ' ' | '\t') {
                    i += 1;
                }
                while i < chars.len() && !matches!(chars[i], ' ' | '\t' | '\n' | ';' | '&' | '|') {
                    i += 1;
                }
                continue;
            }
            _ => {
                word.push(c);
                in_word = true;
            }
        }
        i += 1;
    }
    finish_word(&mut word, &mut in_word, &mut words);
    finish_cmd(&mut words, false, &mut commands);
    commands
}

/// Whether any command pipes into another, in the script itself or inside a command
/// substitution (`` `a | b` ``, `$(a | b)`) of any of its words.
pub fn has_pipe(commands: &[Command]) -> bool {
    has_pipe_within(commands, 0)
}

fn has_pipe_within(commands: &[Command], depth: usize) -> bool {
    // Substitutions nest; a hostile script nesting them thousands deep is cut off here.
    const MAX_DEPTH: usize = 8;
    commands.iter().any(|c| {
        c.piped
            || (depth < MAX_DEPTH
                && c.words.iter().any(|w| {
                    substitutions(w)
                        .iter()
                        .any(|inner| has_pipe_within(&split(inner), depth + 1))
                }))
    })
}

/// The scripts inside a word's backticks and `$( … )`.
fn substitutions(word: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let bytes = word.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'`' {
            if let Some(end) = word[i + 1..].find('`') {
                found.push(&word[i + 1..i + 1 + end]);
                i += end + 2;
                continue;
            }
        } else if bytes[i] == b'$' && bytes.get(i + 1) == Some(&b'(') {
            let mut depth = 0usize;
            for (j, b) in bytes.iter().enumerate().skip(i + 1) {
                match b {
                    b'(' => depth += 1,
                    b')' => {
                        depth -= 1;
                        if depth == 0 {
                            found.push(&word[i + 2..j]);
                            i = j;
                            break;
                        }
                    }
                    _ => {}
                }
            }
        }
        i += 1;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_operators_and_quotes() {
        let cmds =
            split("apt-get update && sudo apt-get install -qy \"a b\" | tee x; echo 'x && y'");
        assert_eq!(cmds.len(), 4);
        assert_eq!(cmds[1].program(), Some("apt-get"));
        assert!(cmds[1].piped);
        assert!(cmds[1].has_flag(&["--yes"], Some('y')));
        assert_eq!(cmds[3].words, vec!["echo", "x && y"]);
    }

    #[test]
    fn pipes_after_groups_and_inside_substitutions() {
        assert!(has_pipe(&split("{ curl -s url; echo; } | sh")));
        assert!(has_pipe(&split(
            "while read l; do echo $l; done < f | sort"
        )));
        assert!(has_pipe(&split("echo `curl -s url | sha256sum`")));
        assert!(has_pipe(&split("v=$(wget -qO- url | tar -xz -C /opt)")));
        assert!(!has_pipe(&split("echo 'a | b' \"c | d\" && true || false")));
        assert!(!has_pipe(&split("echo $(date) `uname`")));
    }

    #[test]
    fn control_flow_and_redirects() {
        let cmds = split("if [ -f x ]; then curl -s url > /tmp/f 2>&1; fi");
        assert_eq!(cmds[1].words, vec!["curl", "-s", "url"]);
    }
}
