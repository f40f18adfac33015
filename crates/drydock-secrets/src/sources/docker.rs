//! `~/.docker/config.json` (and Podman's `auth.json`, and the legacy `~/.dockercfg`).
//!
//! `auths.<registry>.auth` is base64 of `user:password`; it is decoded to name the user and
//! to drop entries with no password, and the password itself goes nowhere but the span.

use super::{DOCKER_AUTH, DOCKER_TOKEN, ParsedSecret, find_json_string, is_placeholder};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::{Map, Value};

pub(crate) fn parse(content: &[u8], legacy: bool) -> Vec<ParsedSecret> {
    let Ok(Value::Object(root)) = serde_json::from_slice::<Value>(content) else {
        return Vec::new();
    };
    let auths: &Map<String, Value> = match root.get("auths") {
        Some(Value::Object(m)) => m,
        _ if legacy => &root,
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    for (registry, entry) in auths {
        let Value::Object(entry) = entry else {
            continue;
        };
        let anchor = find_json_string(content, 0, registry).map_or(0, |r| r.end);
        let str_field = |k: &str| entry.get(k).and_then(Value::as_str).unwrap_or("");
        let auth = str_field("auth");
        if !auth.is_empty()
            && let Some((user, password)) = decode_user_pass(auth)
            && !password.is_empty()
            && !is_placeholder(password.as_bytes())
        {
            let span = find_json_string(content, anchor, auth).unwrap_or(0..0);
            out.push(
                ParsedSecret::new(DOCKER_AUTH, span)
                    .with("registry", registry.as_str())
                    .with("user", user),
            );
        }
        // Some tools store the fields unencoded.
        let password = str_field("password");
        if !password.is_empty() && !is_placeholder(password.as_bytes()) {
            let span = find_json_string(content, anchor, password).unwrap_or(0..0);
            out.push(
                ParsedSecret::new(DOCKER_AUTH, span)
                    .with("registry", registry.as_str())
                    .with("user", str_field("username")),
            );
        }
        for key in ["identitytoken", "registrytoken"] {
            let token = str_field(key);
            if !token.is_empty() && !is_placeholder(token.as_bytes()) {
                let span = find_json_string(content, anchor, token).unwrap_or(0..0);
                out.push(ParsedSecret::new(DOCKER_TOKEN, span).with("registry", registry.as_str()));
            }
        }
    }
    out.retain(|s| !s.span.is_empty());
    out
}

/// `base64(user:password)` -> (user, password). Docker writes standard base64 with padding;
/// hand-written files sometimes drop the padding or use the URL alphabet.
pub(crate) fn decode_user_pass(b64: &str) -> Option<(String, String)> {
    let b64 = b64.trim();
    let bytes = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|e| e.decode(b64).ok())?;
    let text = String::from_utf8(bytes).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auths_with_and_without_passwords() {
        // "bob:s3cr3t-Pa55" and "alice:" (no password).
        let c = br#"{
  "auths": {
    "https://index.docker.io/v1/": { "auth": "Ym9iOnMzY3IzdC1QYTU1" },
    "ghcr.io": { "auth": "YWxpY2U6" },
    "quay.io": { "identitytoken": "eyJhbGciOiJSUzI1NiJ9.tok" }
  },
  "credsStore": "desktop"
}"#;
        let found = parse(c, false);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].id, "docker-config-auth");
        assert_eq!(&c[found[0].span.clone()], b"Ym9iOnMzY3IzdC1QYTU1");
        assert_eq!(
            found[0].context,
            vec![
                ("registry", "https://index.docker.io/v1/".to_owned()),
                ("user", "bob".to_owned())
            ]
        );
        assert_eq!(found[1].id, "docker-config-identity-token");
    }

    #[test]
    fn legacy_dockercfg() {
        let c = br#"{"https://index.docker.io/v1/": {"auth": "Ym9iOnB3", "email": "b@x"}}"#;
        assert_eq!(parse(c, true).len(), 1);
        assert!(parse(c, false).is_empty());
    }

    #[test]
    fn garbage_is_ignored() {
        assert!(parse(b"{not json", false).is_empty());
        assert!(parse(br#"{"auths": {"r": {"auth": "!!!"}}}"#, false).is_empty());
    }
}
