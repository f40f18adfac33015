//! `~/.pgpass`: `hostname:port:database:username:password`, `\:` and `\\` escaped.

use super::{PGPASS, ParsedSecret, is_placeholder, lines};

pub(crate) fn parse(content: &[u8]) -> Vec<ParsedSecret> {
    let mut out = Vec::new();
    for (at, line) in lines(content) {
        if line.first() == Some(&b'#') {
            continue;
        }
        // Split on unescaped colons into at most five fields.
        let mut fields: Vec<(usize, usize)> = Vec::with_capacity(5);
        let mut start = 0;
        let mut i = 0;
        while i < line.len() {
            match line[i] {
                b'\\' => i += 1,
                b':' if fields.len() < 4 => {
                    fields.push((start, i));
                    start = i + 1;
                }
                _ => {}
            }
            i += 1;
        }
        fields.push((start, line.len()));
        if fields.len() != 5 {
            continue;
        }
        let (ps, pe) = fields[4];
        let password = &line[ps..pe];
        if is_placeholder(password) {
            continue;
        }
        let field = |k: usize| unescape(&line[fields[k].0..fields[k].1]);
        out.push(
            ParsedSecret::new(PGPASS, at + ps..at + pe)
                .with("host", field(0))
                .with("port", field(1))
                .with("database", field(2))
                .with("user", field(3)),
        );
    }
    out
}

fn unescape(v: &[u8]) -> String {
    let mut out = Vec::with_capacity(v.len());
    let mut it = v.iter();
    while let Some(&b) = it.next() {
        if b == b'\\' {
            if let Some(&n) = it.next() {
                out.push(n);
            }
        } else {
            out.push(b);
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries() {
        let c = b"# comment\ndb.internal:5432:*:app:pa\\:ss:word\n*:*:*:u:\nbad line\n";
        let found = parse(c);
        assert_eq!(found.len(), 1);
        assert_eq!(&c[found[0].span.clone()], b"pa\\:ss:word");
        assert_eq!(found[0].context[0], ("host", "db.internal".to_owned()));
        assert_eq!(found[0].context[3], ("user", "app".to_owned()));
    }
}
