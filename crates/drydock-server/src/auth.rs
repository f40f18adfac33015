//! Bearer tokens: `ddt_` and 64 hex digits (256 bits from the OS), handed out once and stored
//! only as their SHA-256. A fast hash is right here: the input is random, so there is nothing
//! to guess, and each request costs one hash and one map lookup. Looking a token up by its hash
//! leaks nothing useful through timing (an attacker learns about hashes of their own guesses).
//!
//! Scopes: `read` (queries, metrics), `submit` (upload inventories, request scans), `admin`
//! (manage tokens; implies the other two). A request without a valid token is 401, with a token
//! that lacks the scope 403, both with `WWW-Authenticate` as RFC 6750 says.

use crate::api::ApiError;
use crate::pool::Pool;
use drydock_store::TokenRow;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

/// The token prefix: lets secret scanners (drydock's own among them) recognise a leaked one.
pub const PREFIX: &str = "ddt_";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    Read,
    Submit,
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Read, Scope::Submit, Scope::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Submit => "submit",
            Scope::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Result<Scope, String> {
        Scope::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| format!("unknown scope {s:?}: read, submit or admin"))
    }
}

/// Whether a token with `scopes` may do what `needed` guards.
pub fn grants(scopes: &[String], needed: Scope) -> bool {
    scopes
        .iter()
        .any(|s| s == needed.as_str() || s == Scope::Admin.as_str())
}

/// A fresh token and its stored hash.
pub fn generate() -> Result<(String, String), String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness from the OS: {e}"))?;
    let token = format!("{PREFIX}{}", hex(&bytes));
    let hash = hash(&token);
    Ok((token, hash))
}

/// The hex SHA-256 a token is stored as.
pub fn hash(token: &str) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A token name: what `token list` shows and `revoke` takes.
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "token name {name:?}: 1 to 64 letters, digits, '-', '_' or '.'"
        ))
    }
}

/// The tokens, by hash, as last read from the store. Re-read at most every few seconds, so a
/// token added or revoked with the CLI takes effect without a restart, and a flood of bad
/// tokens costs map lookups, not store queries.
pub struct Tokens {
    inner: RwLock<(HashMap<String, TokenRow>, Option<Instant>)>,
}

const REFRESH: Duration = Duration::from_secs(5);

impl Tokens {
    pub fn new() -> Tokens {
        Tokens {
            inner: RwLock::new((HashMap::new(), None)),
        }
    }

    /// Forgets the cached list (after the API added or revoked a token).
    pub async fn invalidate(&self) {
        self.inner.write().await.1 = None;
    }

    /// The token row for a presented token, if it is one.
    pub async fn lookup(
        &self,
        pool: &Arc<Pool>,
        token: &str,
    ) -> Result<Option<TokenRow>, ApiError> {
        let fresh = |at: Option<Instant>| at.is_some_and(|t| t.elapsed() < REFRESH);
        {
            let guard = self.inner.read().await;
            if fresh(guard.1) {
                return Ok(guard.0.get(&hash(token)).cloned());
            }
        }
        let mut guard = self.inner.write().await;
        if !fresh(guard.1) {
            let rows = pool.with(|s| s.token_hashes()).await?;
            *guard = (rows.into_iter().collect(), Some(Instant::now()));
        }
        Ok(guard.0.get(&hash(token)).cloned())
    }
}

impl Default for Tokens {
    fn default() -> Self {
        Self::new()
    }
}

/// The token from an `Authorization: Bearer …` header.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_stored_as_their_hash() {
        let (a, ha) = generate().unwrap();
        let (b, hb) = generate().unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with(PREFIX) && a.len() == PREFIX.len() + 64);
        assert_eq!(ha, hash(&a));
        assert_ne!(ha, hb);
        assert!(!ha.contains(&a[PREFIX.len()..]));
    }

    #[test]
    fn admin_implies_the_others_and_nothing_else_does() {
        let admin = vec!["admin".to_owned()];
        let read = vec!["read".to_owned()];
        assert!(Scope::ALL.iter().all(|s| grants(&admin, *s)));
        assert!(grants(&read, Scope::Read));
        assert!(!grants(&read, Scope::Submit));
        assert!(!grants(&read, Scope::Admin));
        assert!(!grants(&["submit".to_owned()], Scope::Read));
    }

    #[test]
    fn bearer_header_forms() {
        let mut h = axum::http::HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert("authorization", "Bearer ddt_x".parse().unwrap());
        assert_eq!(bearer(&h), Some("ddt_x"));
        h.insert("authorization", "bearer  ddt_y ".parse().unwrap());
        assert_eq!(bearer(&h), Some("ddt_y"));
        h.insert("authorization", "Basic dTpw".parse().unwrap());
        assert_eq!(bearer(&h), None);
        h.insert("authorization", "Bearer ".parse().unwrap());
        assert_eq!(bearer(&h), None);
    }

    #[test]
    fn names() {
        assert!(check_name("ci-runner_1.prod").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("a b").is_err());
        assert!(check_name(&"x".repeat(65)).is_err());
    }
}
