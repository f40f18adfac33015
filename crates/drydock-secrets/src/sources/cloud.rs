//! Cloud CLI credential caches: gcloud's application-default credentials and the Azure CLI's
//! token cache and service-principal store. (AWS CLI files are INI, see `ini`.)

use super::is_placeholder;
use super::{AZURE_REFRESH, AZURE_SP_SECRET, GCLOUD_REFRESH, ParsedSecret, find_json_string};
use serde_json::Value;

fn json(content: &[u8]) -> Option<Value> {
    serde_json::from_slice(content).ok()
}

fn push(
    out: &mut Vec<ParsedSecret>,
    content: &[u8],
    rule: super::ParserRule,
    v: &str,
    ctx: &[(&'static str, &str)],
) {
    if v.is_empty() || is_placeholder(v.as_bytes()) {
        return;
    }
    if let Some(span) = find_json_string(content, 0, v) {
        let mut s = ParsedSecret::new(rule, span);
        for (k, val) in ctx {
            s = s.with(k, *val);
        }
        out.push(s);
    }
}

/// `application_default_credentials.json` / `legacy_credentials/<account>/adc.json` of type
/// `authorized_user`: the refresh token acts as the user. (Service-account keys are found by
/// the private-key and `gcp-service-account` rules.)
pub(crate) fn gcloud(content: &[u8]) -> Vec<ParsedSecret> {
    let mut out = Vec::new();
    if let Some(v) = json(content)
        && let Some(token) = v.get("refresh_token").and_then(Value::as_str)
    {
        let account = v.get("account").and_then(Value::as_str).unwrap_or("");
        push(
            &mut out,
            content,
            GCLOUD_REFRESH,
            token,
            &[("account", account)],
        );
    }
    out
}

/// `msal_token_cache.json` (`RefreshToken.*.secret`) and the older `accessTokens.json`
/// (`[].refreshToken`). Access tokens expire within the hour and are not reported.
pub(crate) fn azure_tokens(content: &[u8]) -> Vec<ParsedSecret> {
    let mut out = Vec::new();
    match json(content) {
        Some(Value::Object(root)) => {
            if let Some(Value::Object(tokens)) = root.get("RefreshToken") {
                for t in tokens.values() {
                    if let Some(secret) = t.get("secret").and_then(Value::as_str) {
                        let env = t.get("environment").and_then(Value::as_str).unwrap_or("");
                        push(
                            &mut out,
                            content,
                            AZURE_REFRESH,
                            secret,
                            &[("environment", env)],
                        );
                    }
                }
            }
        }
        Some(Value::Array(entries)) => {
            for e in &entries {
                if let Some(secret) = e.get("refreshToken").and_then(Value::as_str) {
                    let user = e.get("userId").and_then(Value::as_str).unwrap_or("");
                    push(&mut out, content, AZURE_REFRESH, secret, &[("user", user)]);
                }
            }
        }
        _ => {}
    }
    out
}

/// `service_principal_entries.json`: `[{"client_id", "tenant", "client_secret"}]`.
pub(crate) fn azure_service_principals(content: &[u8]) -> Vec<ParsedSecret> {
    let mut out = Vec::new();
    if let Some(Value::Array(entries)) = json(content) {
        for e in &entries {
            let client = e
                .get("client_id")
                .or_else(|| e.get("servicePrincipalId"))
                .and_then(Value::as_str)
                .unwrap_or("");
            for key in ["client_secret", "accessToken"] {
                if let Some(secret) = e.get(key).and_then(Value::as_str) {
                    push(
                        &mut out,
                        content,
                        AZURE_SP_SECRET,
                        secret,
                        &[("client_id", client)],
                    );
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcloud_adc() {
        let c = br#"{"client_id": "764086051850-6qr4p6gpi6hn506pt8ejuq83di341hur.apps.googleusercontent.com",
  "client_secret": "d-FL95Q19q7MQmFpd7hHD0Ty", "refresh_token": "1//0gLx-abcDEF", "type": "authorized_user"}"#;
        let found = gcloud(c);
        assert_eq!(found.len(), 1);
        assert_eq!(&c[found[0].span.clone()], b"1//0gLx-abcDEF");
    }

    #[test]
    fn azure_caches() {
        let c = br#"{"RefreshToken": {"k": {"secret": "0.AAAA-refresh", "environment": "login.microsoftonline.com"}}}"#;
        assert_eq!(azure_tokens(c).len(), 1);
        let c = br#"[{"client_id": "abc", "tenant": "t", "client_secret": "s3cr3t~value"}]"#;
        let found = azure_service_principals(c);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].context, vec![("client_id", "abc".to_owned())]);
    }
}
