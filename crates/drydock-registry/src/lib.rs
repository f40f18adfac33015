//! OCI Distribution (registry API v2) protocol pieces for drydock.
//!
//! What is here: image references with Docker Hub normalisation ([`reference`]),
//! `WWW-Authenticate` challenges and the token-realm policy ([`auth`]), and credential lookup
//! by registry host ([`creds`]). Credentials are always chosen by the *reference's* registry
//! host and never by a host a registry points us to: a scanner that handed one registry's
//! credentials to another has leaked them before (CVE-2024-35192).

pub mod artifact;
pub mod auth;
pub mod catalog;
pub mod client;
pub mod creds;
mod push;
pub mod reference;

pub use auth::{Challenge, realm_allowed};
pub use creds::{Credential, CredentialSources, Secret};
pub use reference::Reference;

/// Errors of this crate. Messages never contain a password or token.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid image reference {reference:?}: {reason}")]
    InvalidReference { reference: String, reason: String },
    #[error("invalid WWW-Authenticate challenge: {0}")]
    InvalidChallenge(String),
    #[error("reading credentials from {path}: {reason}")]
    CredentialFile { path: String, reason: String },
    #[error("credential helper docker-credential-{helper}: {reason}")]
    CredentialHelper { helper: String, reason: String },
}
