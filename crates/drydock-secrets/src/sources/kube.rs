//! kubeconfig files, read line by line rather than as YAML: the secrets sit under a handful
//! of well-known keys (`token`, `client-key-data`, `password`, auth-provider tokens), and a
//! line reader keeps byte offsets, tolerates broken YAML and needs no YAML parser.

use super::{KUBE_KEY, KUBE_PASSWORD, KUBE_TOKEN, ParsedSecret, is_placeholder, lines};
use super::{span_of, trim, unquote};

pub(crate) fn parse(content: &[u8]) -> Vec<ParsedSecret> {
    let mut out = Vec::new();
    let mut in_users = false;
    let mut user = String::new();
    for (_, raw) in lines(content) {
        let indented = raw
            .first()
            .is_some_and(|b| b.is_ascii_whitespace() || *b == b'-');
        let mut line = trim(raw);
        if line.starts_with(b"#") || line.is_empty() {
            continue;
        }
        if !indented {
            in_users = line.starts_with(b"users:");
        }
        if let Some(rest) = line.strip_prefix(b"- ") {
            line = trim(rest);
        }
        let Some(colon) = memchr::memchr(b':', line) else {
            continue;
        };
        let key = trim(&line[..colon]);
        let value = unquote(trim(&line[colon + 1..]));
        if in_users && key == b"name" {
            user = String::from_utf8_lossy(value).into_owned();
            continue;
        }
        let rule = match key {
            b"token" | b"id-token" | b"refresh-token" | b"access-token" | b"client-secret" => {
                KUBE_TOKEN
            }
            b"client-key-data" => KUBE_KEY,
            b"password" => KUBE_PASSWORD,
            _ => continue,
        };
        if is_placeholder(value) || value == b"null" || value == b"~" {
            continue;
        }
        out.push(ParsedSecret::new(rule, span_of(content, value)).with("user", user.clone()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_section() {
        let c = b"apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    client-key-data: LS0tLS1CRUdJTg==\n\
                  - name: ci\n  user:\n    token: \"eyJhbGciOiJSUzI1NiJ9.abc\"\n- name: basic\n  user:\n    password: ''\n";
        let found = parse(c);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].id, "kubeconfig-client-key");
        assert_eq!(found[0].context, vec![("user", "admin".to_owned())]);
        assert_eq!(&c[found[1].span.clone()], b"eyJhbGciOiJSUzI1NiJ9.abc");
        assert_eq!(found[1].context, vec![("user", "ci".to_owned())]);
    }
}
