//! Listing a registry: its repositories (`GET /v2/_catalog`) and a repository's tags
//! (`GET /v2/<name>/tags/list`), each paginated with `Link: <…>; rel="next"` as the
//! distribution spec describes. The registry is untrusted: a page is size-capped, a `Link`
//! to another origin is refused (the credentials would follow it), a page seen twice ends the
//! walk with an error (a loop), the whole listing is capped, and names that are not valid
//! repository names or tags are dropped and counted, never put into a URL.

use crate::auth::CATALOG_SCOPE;
use crate::client::{Client, ClientError, read_capped, resolve, same_origin};
use crate::reference::{check_component, check_tag};
use std::collections::HashSet;
use ureq::http::Uri;

/// A page of a listing is a JSON document of names; no registry sends more than this.
const PAGE_MAX: u64 = 4 << 20;
/// Asked per page; registries may send fewer (distribution's default is 100 per page).
const PAGE_SIZE: usize = 1000;

/// What a listing found: the valid names, in the registry's order, and how many it dropped.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Listing {
    pub names: Vec<String>,
    pub invalid: usize,
}

/// Every repository of the registry (needs the `registry:catalog:*` scope on token-auth
/// registries), at most `limit`.
pub fn repositories(client: &Client, limit: usize) -> Result<Listing, ClientError> {
    repositories_paged(client, limit, PAGE_SIZE)
}

/// [`repositories`], asking for `page` names per page.
pub fn repositories_paged(
    client: &Client,
    limit: usize,
    page: usize,
) -> Result<Listing, ClientError> {
    // The first URL must already be on the registry's real scheme: page links resolve
    // against it.
    client.settle_scheme()?;
    let first = format!("{}/v2/_catalog?n={page}", client.origin());
    walk(client, &first, CATALOG_SCOPE, "repositories", limit, |n| {
        n.split('/').all(|c| check_component(c).is_ok()) && !n.is_empty()
    })
}

/// Every tag of `repository`, at most `limit`.
pub fn tags(client: &Client, repository: &str, limit: usize) -> Result<Listing, ClientError> {
    tags_paged(client, repository, limit, PAGE_SIZE)
}

/// [`tags`], asking for `page` tags per page.
pub fn tags_paged(
    client: &Client,
    repository: &str,
    limit: usize,
    page: usize,
) -> Result<Listing, ClientError> {
    client.settle_scheme()?;
    let first = format!("{}/v2/{repository}/tags/list?n={page}", client.origin());
    walk(client, &first, repository, "tags", limit, |t| {
        check_tag(t).is_ok()
    })
}

fn walk(
    client: &Client,
    first: &str,
    scope: &str,
    key: &str,
    limit: usize,
    valid: impl Fn(&str) -> bool,
) -> Result<Listing, ClientError> {
    let mut out = Listing::default();
    let mut seen = HashSet::new();
    let mut url = first.to_string();
    loop {
        if !seen.insert(url.clone()) {
            return Err(ClientError::Http {
                url,
                reason: "the registry's pagination returns to a page already read".into(),
            });
        }
        let resp = client.get_listing(&url, scope)?;
        let next = resp
            .headers()
            .get_all("link")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(next_link)
            .map(str::to_owned);
        let body = read_capped(resp, &url, "listing page", PAGE_MAX)?;
        let page: serde_json::Value =
            serde_json::from_slice(&body).map_err(|e| ClientError::Http {
                url: url.clone(),
                reason: format!("not a JSON listing: {e}"),
            })?;
        // `tags` is null for a repository whose tags were all deleted.
        for name in page
            .get(key)
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
        {
            match name.as_str() {
                Some(n) if valid(n) => out.names.push(n.to_owned()),
                _ => out.invalid += 1,
            }
            if out.names.len() >= limit {
                return Err(ClientError::Http {
                    url,
                    reason: format!("more than {limit} {key}; narrow the listing"),
                });
            }
        }
        let Some(next) = next else {
            return Ok(out);
        };
        let base: Uri = url.parse().map_err(|_| ClientError::Http {
            url: url.clone(),
            reason: "unparsable URL".into(),
        })?;
        let resolved = resolve(&base, &next)
            .filter(|u| same_origin(u, &base))
            .ok_or_else(|| ClientError::Http {
                url: url.clone(),
                reason: format!("pagination link {next:?} leaves the registry; not followed"),
            })?;
        url = resolved.to_string();
    }
}

/// The target of a `rel="next"` link in one `Link` header value (RFC 8288; several links may
/// be comma-separated).
fn next_link(header: &str) -> Option<&str> {
    header.split(',').find_map(|link| {
        let (target, params) = link.trim().split_once('>')?;
        let target = target.trim().strip_prefix('<')?;
        params
            .split(';')
            .filter_map(|p| p.split_once('='))
            .any(|(k, v)| {
                k.trim().eq_ignore_ascii_case("rel")
                    && v.trim()
                        .trim_matches('"')
                        .split_whitespace()
                        .any(|r| r.eq_ignore_ascii_case("next"))
            })
            .then_some(target)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_links_are_read_as_rfc_8288_writes_them() {
        assert_eq!(
            next_link(r#"</v2/_catalog?last=b&n=2>; rel="next""#),
            Some("/v2/_catalog?last=b&n=2")
        );
        assert_eq!(
            next_link(r#"<https://r/a>; rel="prev", <https://r/b>; rel=next"#),
            Some("https://r/b")
        );
        assert_eq!(next_link(r#"<https://r/a>; rel="prev""#), None);
        assert_eq!(next_link("garbage"), None);
    }
}
