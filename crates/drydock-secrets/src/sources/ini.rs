//! INI-style files: `.npmrc`, `.pypirc`, AWS CLI `credentials` and `config`.

use super::docker::decode_user_pass;
use super::{AWS_SECRET, AWS_SESSION, NPM_AUTH, NPM_PASSWORD, NPM_TOKEN, PYPIRC, ParsedSecret};
use super::{is_placeholder, lines, span_of, trim, unquote};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// One `key = value` (or `key: value`) line, with the section it is in.
struct Entry<'a> {
    section: &'a [u8],
    key: &'a [u8],
    value: &'a [u8],
}

fn entries(content: &[u8], colon: bool) -> impl Iterator<Item = Entry<'_>> {
    let mut section: &[u8] = b"";
    lines(content).filter_map(move |(_, line)| {
        let line = trim(line);
        match line.first() {
            None | Some(b'#' | b';') => return None,
            Some(b'[') => {
                if let Some(end) = memchr::memchr(b']', line) {
                    section = trim(&line[1..end]);
                }
                return None;
            }
            _ => {}
        }
        let sep = line
            .iter()
            .position(|&b| b == b'=' || (colon && b == b':'))?;
        Some(Entry {
            section,
            key: trim(&line[..sep]),
            value: unquote(trim(&line[sep + 1..])),
        })
    })
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `.npmrc`: `_authToken`, `_auth` (base64 `user:password`) and `_password` (base64), bare or
/// scoped to a registry (`//registry.npmjs.org/:_authToken=...`).
pub(crate) fn npmrc(content: &[u8]) -> Vec<ParsedSecret> {
    let mut out = Vec::new();
    for e in entries(content, false) {
        if is_placeholder(e.value) || e.value.windows(2).any(|w| w == b"${") {
            continue;
        }
        let (registry, name) = match memchr::memrchr(b':', e.key) {
            Some(i) if e.key.starts_with(b"//") => (&e.key[..i], &e.key[i + 1..]),
            _ => (&b""[..], e.key),
        };
        let span = span_of(content, e.value);
        let found = if name.eq_ignore_ascii_case(b"_authToken") {
            ParsedSecret::new(NPM_TOKEN, span)
        } else if name.eq_ignore_ascii_case(b"_auth") {
            let user = std::str::from_utf8(e.value)
                .ok()
                .and_then(decode_user_pass)
                .map(|(u, _)| u)
                .unwrap_or_default();
            ParsedSecret::new(NPM_AUTH, span).with("user", user)
        } else if name.eq_ignore_ascii_case(b"_password") {
            // base64 of the password; an undecodable value is still a password.
            if STANDARD.decode(e.value).is_ok_and(|p| p.is_empty()) {
                continue;
            }
            ParsedSecret::new(NPM_PASSWORD, span)
        } else {
            continue;
        };
        out.push(found.with("registry", text(registry)));
    }
    out
}

/// `.pypirc`: `password` in any index section.
pub(crate) fn pypirc(content: &[u8]) -> Vec<ParsedSecret> {
    let mut out: Vec<ParsedSecret> = Vec::new();
    let mut users: Vec<(Vec<u8>, String)> = Vec::new();
    for e in entries(content, true) {
        if e.key.eq_ignore_ascii_case(b"username") {
            users.push((e.section.to_vec(), text(e.value)));
        } else if e.key.eq_ignore_ascii_case(b"password") && !is_placeholder(e.value) {
            out.push(
                ParsedSecret::new(PYPIRC, span_of(content, e.value))
                    .with("section", text(e.section)),
            );
        }
    }
    // The username may come after the password in a section.
    for s in &mut out {
        let section = s
            .context
            .first()
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        if let Some((_, u)) = users.iter().find(|(sec, _)| *sec == section.as_bytes()) {
            s.context.push(("user", u.clone()));
        }
    }
    out
}

/// AWS CLI `credentials` and `config`: secret keys and session tokens per profile.
pub(crate) fn aws(content: &[u8]) -> Vec<ParsedSecret> {
    let mut out = Vec::new();
    for e in entries(content, false) {
        let rule = if e.key.eq_ignore_ascii_case(b"aws_secret_access_key") {
            AWS_SECRET
        } else if e.key.eq_ignore_ascii_case(b"aws_session_token")
            || e.key.eq_ignore_ascii_case(b"aws_security_token")
        {
            AWS_SESSION
        } else {
            continue;
        };
        // AWS's documentation key (`wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`) is no secret.
        if is_placeholder(e.value) || memchr::memmem::find(e.value, b"EXAMPLE").is_some() {
            continue;
        }
        let profile = e.section.strip_prefix(b"profile ").unwrap_or(e.section);
        out.push(
            ParsedSecret::new(rule, span_of(content, e.value)).with("profile", text(trim(profile))),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npmrc_entries() {
        let c = b"registry=https://r.example/\n//r.example/:_authToken=npm_abcdef0123456789\n\
                  //npm.pkg.github.com/:_authToken=${GITHUB_TOKEN}\n_auth=Ym9iOnB3\n_password=\"c2VjcmV0\"\n";
        let found = npmrc(c);
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].id, "npmrc-auth-token");
        assert_eq!(&c[found[0].span.clone()], b"npm_abcdef0123456789");
        assert_eq!(
            found[0].context,
            vec![("registry", "//r.example/".to_owned())]
        );
        assert_eq!(found[1].id, "npmrc-auth");
        assert_eq!(found[1].context, vec![("user", "bob".to_owned())]);
        assert_eq!(found[2].id, "npmrc-password");
        assert_eq!(&c[found[2].span.clone()], b"c2VjcmV0");
    }

    #[test]
    fn pypirc_sections() {
        let c = b"[distutils]\nindex-servers = pypi\n\n[pypi]\npassword: pypi-AgEIcHlwaS5vcmcabc\nusername = __token__\n";
        let found = pypirc(c);
        assert_eq!(found.len(), 1);
        assert_eq!(&c[found[0].span.clone()], b"pypi-AgEIcHlwaS5vcmcabc");
        assert_eq!(
            found[0].context,
            vec![
                ("section", "pypi".to_owned()),
                ("user", "__token__".to_owned())
            ]
        );
    }

    #[test]
    fn aws_profiles() {
        let c = b"[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\
                  [prod]\naws_secret_access_key=Zq8v2pL0c7nB4mX1kR9tY3wE6uI5oA2sD8fG7hJ0\n\
                  [profile ci]\naws_session_token=FwoGZXIvYXdzEBc\n";
        let found = aws(c);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].id, "aws-credentials-secret-key");
        assert_eq!(found[0].context, vec![("profile", "prod".to_owned())]);
        assert_eq!(found[1].id, "aws-credentials-session-token");
        assert_eq!(found[1].context, vec![("profile", "ci".to_owned())]);
    }
}
