//! Git's plain-text credential store: one `scheme://user:password@host/path` URL per line.

use super::{GIT_CREDENTIALS, ParsedSecret, is_placeholder, lines, span_of, trim};

pub(crate) fn parse(content: &[u8]) -> Vec<ParsedSecret> {
    let mut out = Vec::new();
    for (_, line) in lines(content) {
        let line = trim(line);
        if let Some((user, password, host)) = url_credentials(line)
            && !is_placeholder(password)
        {
            out.push(
                ParsedSecret::new(GIT_CREDENTIALS, span_of(content, password))
                    .with("host", String::from_utf8_lossy(host))
                    .with("user", percent_decode(user)),
            );
        }
    }
    out
}

/// `(user, password, host)` of a URL with a password in its userinfo.
pub(crate) fn url_credentials(url: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let scheme_end = memchr::memmem::find(url, b"://")?;
    let rest = &url[scheme_end + 3..];
    let authority_end = rest
        .iter()
        .position(|&b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let at = memchr::memrchr(b'@', authority)?;
    let userinfo = &authority[..at];
    let colon = memchr::memchr(b':', userinfo)?;
    let password = &userinfo[colon + 1..];
    if password.is_empty() {
        return None;
    }
    Some((&userinfo[..colon], password, &authority[at + 1..]))
}

fn percent_decode(s: &[u8]) -> String {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' && i + 2 < s.len() {
            let hex = std::str::from_utf8(&s[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(s[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_lines() {
        let c = b"https://bob%40corp:ghp_secretvalue123@github.com\n\
                  https://token@gitlab.com\nhttps://u:@h\r\nhttps://a:b:c@example.org/x@y\n";
        let found = parse(c);
        assert_eq!(found.len(), 2);
        assert_eq!(&c[found[0].span.clone()], b"ghp_secretvalue123");
        assert_eq!(
            found[0].context,
            vec![
                ("host", "github.com".to_owned()),
                ("user", "bob@corp".to_owned())
            ]
        );
        assert_eq!(&c[found[1].span.clone()], b"b:c");
        assert_eq!(found[1].context[0], ("host", "example.org".to_owned()));
    }
}
