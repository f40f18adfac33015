//! `.netrc`: whitespace-separated tokens, `machine <host> login <user> password <secret>`,
//! in any order and across lines; `macdef` bodies run to the next blank line.

use super::{NETRC, ParsedSecret, is_placeholder, span_of};

pub(crate) fn parse(content: &[u8]) -> Vec<ParsedSecret> {
    let mut out = Vec::new();
    let mut tokens = Tokens { content, pos: 0 };
    let mut machine = String::new();
    let mut login = String::new();
    let mut pending: Vec<std::ops::Range<usize>> = Vec::new();
    let flush = |out: &mut Vec<ParsedSecret>, pending: &mut Vec<_>, machine: &str, login: &str| {
        for span in pending.drain(..) {
            out.push(
                ParsedSecret::new(NETRC, span)
                    .with("machine", machine)
                    .with("login", login),
            );
        }
    };
    while let Some(tok) = tokens.next() {
        match tok {
            b"machine" | b"default" => {
                flush(&mut out, &mut pending, &machine, &login);
                login.clear();
                machine = if tok == b"default" {
                    "default".to_owned()
                } else {
                    tokens
                        .next()
                        .map(|m| String::from_utf8_lossy(m).into_owned())
                        .unwrap_or_default()
                };
            }
            b"login" => {
                login = tokens
                    .next()
                    .map(|l| String::from_utf8_lossy(l).into_owned())
                    .unwrap_or_default();
            }
            b"password" => {
                if let Some(p) = tokens.next()
                    && !is_placeholder(p)
                {
                    pending.push(span_of(content, p));
                }
            }
            b"account" => {
                tokens.next();
            }
            b"macdef" => tokens.skip_macro(),
            _ => {}
        }
    }
    flush(&mut out, &mut pending, &machine, &login);
    out
}

struct Tokens<'a> {
    content: &'a [u8],
    pos: usize,
}

impl<'a> Tokens<'a> {
    fn next(&mut self) -> Option<&'a [u8]> {
        let c = self.content;
        while self.pos < c.len() && c[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
        // `#` starts a comment to the end of the line (a common extension).
        if self.pos < c.len() && c[self.pos] == b'#' {
            while self.pos < c.len() && c[self.pos] != b'\n' {
                self.pos += 1;
            }
            return self.next();
        }
        let start = self.pos;
        while self.pos < c.len() && !c[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
        (self.pos > start).then(|| &c[start..self.pos])
    }

    fn skip_macro(&mut self) {
        let c = self.content;
        match memchr::memmem::find(&c[self.pos..], b"\n\n") {
            Some(i) => self.pos += i + 2,
            None => self.pos = c.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machines() {
        let c = b"machine api.github.com\n  login bob\n  password s3cret\n\
                  machine x password p2 login al\nmacdef init\npassword nope\n\ndefault login anon password anon@x\n";
        let found = parse(c);
        let got: Vec<_> = found
            .iter()
            .map(|f| (&c[f.span.clone()], f.context.clone()))
            .collect();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].0, b"s3cret");
        assert_eq!(
            got[0].1,
            vec![
                ("machine", "api.github.com".to_owned()),
                ("login", "bob".to_owned())
            ]
        );
        assert_eq!(got[1].0, b"p2");
        assert_eq!(got[1].1[1], ("login", "al".to_owned()));
        assert_eq!(got[2].0, b"anon@x");
    }
}
