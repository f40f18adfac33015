//! Credential files that programs write for themselves, recognised by path and parsed by
//! structure: a regex sees `"auth": "dXNlcjpwYXNz"` as noise, a parser knows it is a registry
//! password. Parsers are precise, so their findings replace regex findings on the same bytes.
//!
//! Each parser gets the whole file and returns byte spans into it; none allocates per line
//! unless it finds something.

mod cloud;
mod docker;
mod git;
mod ini;
mod kube;
mod netrc;
mod pgpass;

use crate::rules::Severity;
use std::ops::Range;

/// A secret a parser found: which parser rule, where, and what it is for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParsedSecret {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    /// Byte range of the secret as written in the file.
    pub span: Range<usize>,
    /// Registry, user, host, profile...: never the secret itself.
    pub context: Vec<(&'static str, String)>,
}

/// Metadata of one parser rule, for listings and `disabledRules`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ParserRule {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
}

macro_rules! parser_rules {
    ($($name:ident = $id:literal, $title:literal, $sev:ident;)*) => {
        $(pub(crate) const $name: ParserRule =
            ParserRule { id: $id, title: $title, severity: Severity::$sev };)*
        /// Every parser rule.
        pub(crate) const PARSER_RULES: &[ParserRule] = &[$($name),*];
    };
}

parser_rules! {
    DOCKER_AUTH = "docker-config-auth", "Registry credentials in a Docker config file", Critical;
    DOCKER_TOKEN = "docker-config-identity-token", "Registry identity token in a Docker config file", Critical;
    GIT_CREDENTIALS = "git-credentials", "Password in a Git credential store", Critical;
    NETRC = "netrc-password", "Password in a .netrc file", High;
    NPM_TOKEN = "npmrc-auth-token", "npm registry token in .npmrc", Critical;
    NPM_AUTH = "npmrc-auth", "npm registry credentials (_auth) in .npmrc", Critical;
    NPM_PASSWORD = "npmrc-password", "npm registry password in .npmrc", High;
    PYPIRC = "pypirc-password", "Package index password in .pypirc", Critical;
    PGPASS = "pgpass-password", "PostgreSQL password in a .pgpass file", High;
    KUBE_TOKEN = "kubeconfig-token", "Kubernetes bearer token in a kubeconfig", Critical;
    KUBE_KEY = "kubeconfig-client-key", "Kubernetes client private key in a kubeconfig", Critical;
    KUBE_PASSWORD = "kubeconfig-password", "Kubernetes basic-auth password in a kubeconfig", High;
    AWS_SECRET = "aws-credentials-secret-key", "AWS secret access key in an AWS CLI file", Critical;
    AWS_SESSION = "aws-credentials-session-token", "AWS session token in an AWS CLI file", High;
    GCLOUD_REFRESH = "gcloud-refresh-token", "Google Cloud refresh token in gcloud credentials", High;
    AZURE_REFRESH = "azure-cli-refresh-token", "Azure refresh token in the Azure CLI token cache", High;
    AZURE_SP_SECRET = "azure-cli-service-principal-secret", "Service principal secret in the Azure CLI config", Critical;
}

/// Which parser a path calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    DockerConfig,
    /// Pre-1.7 `~/.dockercfg`: the `auths` map is the whole file.
    DockerCfg,
    GitCredentials,
    Netrc,
    Npmrc,
    Pypirc,
    Pgpass,
    Kubeconfig,
    AwsCli,
    GcloudAdc,
    AzureTokenCache,
    AzureServicePrincipal,
}

impl Kind {
    pub(crate) fn rule_ids(self) -> &'static [&'static str] {
        match self {
            Kind::DockerConfig | Kind::DockerCfg => &[DOCKER_AUTH.id, DOCKER_TOKEN.id],
            Kind::GitCredentials => &[GIT_CREDENTIALS.id],
            Kind::Netrc => &[NETRC.id],
            Kind::Npmrc => &[NPM_TOKEN.id, NPM_AUTH.id, NPM_PASSWORD.id],
            Kind::Pypirc => &[PYPIRC.id],
            Kind::Pgpass => &[PGPASS.id],
            Kind::Kubeconfig => &[KUBE_TOKEN.id, KUBE_KEY.id, KUBE_PASSWORD.id],
            Kind::AwsCli => &[AWS_SECRET.id, AWS_SESSION.id],
            Kind::GcloudAdc => &[GCLOUD_REFRESH.id],
            Kind::AzureTokenCache => &[AZURE_REFRESH.id],
            Kind::AzureServicePrincipal => &[AZURE_SP_SECRET.id],
        }
    }
}

/// Picks a parser by file name and parent directories (`path` has no leading `/`).
pub(crate) fn detect(path: &str) -> Option<Kind> {
    let mut parts = path.rsplit('/');
    let name = parts.next()?;
    let parent = parts.next().unwrap_or("");
    let grandparent = parts.next().unwrap_or("");
    Some(match name {
        "config.json" if parent == ".docker" => Kind::DockerConfig,
        // Podman, Buildah, Skopeo: `${XDG_RUNTIME_DIR}/containers/auth.json` and friends.
        "auth.json" if parent == "containers" => Kind::DockerConfig,
        ".dockercfg" => Kind::DockerCfg,
        ".git-credentials" => Kind::GitCredentials,
        "credentials" if parent == "git" => Kind::GitCredentials,
        ".netrc" | "_netrc" => Kind::Netrc,
        ".npmrc" | "npmrc" => Kind::Npmrc,
        ".pypirc" => Kind::Pypirc,
        ".pgpass" | "pgpass.conf" => Kind::Pgpass,
        "config" if parent == ".kube" => Kind::Kubeconfig,
        "kubeconfig" | "kubeconfig.yaml" | "kubeconfig.yml" | "k3s.yaml" => Kind::Kubeconfig,
        n if n.ends_with(".kubeconfig") => Kind::Kubeconfig,
        "admin.conf"
        | "super-admin.conf"
        | "kubelet.conf"
        | "controller-manager.conf"
        | "scheduler.conf"
            if parent == "kubernetes" =>
        {
            Kind::Kubeconfig
        }
        "credentials" | "config" if parent == ".aws" => Kind::AwsCli,
        "application_default_credentials.json" if parent == "gcloud" => Kind::GcloudAdc,
        "adc.json" if grandparent == "legacy_credentials" => Kind::GcloudAdc,
        "msal_token_cache.json" | "accessTokens.json" if parent == ".azure" => {
            Kind::AzureTokenCache
        }
        "service_principal_entries.json" if parent == ".azure" => Kind::AzureServicePrincipal,
        _ => return None,
    })
}

pub(crate) fn parse(kind: Kind, content: &[u8]) -> Vec<ParsedSecret> {
    match kind {
        Kind::DockerConfig => docker::parse(content, false),
        Kind::DockerCfg => docker::parse(content, true),
        Kind::GitCredentials => git::parse(content),
        Kind::Netrc => netrc::parse(content),
        Kind::Npmrc => ini::npmrc(content),
        Kind::Pypirc => ini::pypirc(content),
        Kind::Pgpass => pgpass::parse(content),
        Kind::Kubeconfig => kube::parse(content),
        Kind::AwsCli => ini::aws(content),
        Kind::GcloudAdc => cloud::gcloud(content),
        Kind::AzureTokenCache => cloud::azure_tokens(content),
        Kind::AzureServicePrincipal => cloud::azure_service_principals(content),
    }
}

impl ParsedSecret {
    pub(crate) fn new(rule: ParserRule, span: Range<usize>) -> Self {
        ParsedSecret {
            id: rule.id,
            title: rule.title,
            severity: rule.severity,
            span,
            context: Vec::new(),
        }
    }

    pub(crate) fn with(mut self, key: &'static str, value: impl Into<String>) -> Self {
        let value = value.into();
        if !value.is_empty() {
            self.context.push((key, value));
        }
        self
    }
}

/// Lines of `content` with their byte offsets, without the line terminator.
pub(crate) fn lines(content: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= content.len() {
            return None;
        }
        let end = memchr::memchr(b'\n', &content[start..]).map_or(content.len(), |i| start + i);
        let mut line = &content[start..end];
        if line.last() == Some(&b'\r') {
            line = &line[..line.len() - 1];
        }
        let at = start;
        start = end + 1;
        Some((at, line))
    })
}

/// Offset range of `sub` (a subslice of `base`) within `base`.
pub(crate) fn span_of(base: &[u8], sub: &[u8]) -> Range<usize> {
    let start = (sub.as_ptr() as usize).wrapping_sub(base.as_ptr() as usize);
    start..start + sub.len()
}

/// Values that stand for a secret rather than being one: `${NPM_TOKEN}`, `$(cat f)`,
/// `%(pw)s`, `<password>`, `{{ .token }}`, `***`.
pub(crate) fn is_placeholder(v: &[u8]) -> bool {
    v.is_empty()
        || v.starts_with(b"${")
        || v.starts_with(b"$(")
        || v.starts_with(b"%(")
        || v.starts_with(b"{{")
        || (v.starts_with(b"<") && v.ends_with(b">"))
        || v.iter().all(|&b| b == b'*' || b == b'x' || b == b'X')
}

/// Strips one pair of matching quotes.
pub(crate) fn unquote(v: &[u8]) -> &[u8] {
    match v {
        [b'"', inner @ .., b'"'] | [b'\'', inner @ .., b'\''] => inner,
        _ => v,
    }
}

pub(crate) fn trim(v: &[u8]) -> &[u8] {
    v.trim_ascii()
}

/// Finds a JSON string value `"value"` at or after `from` and returns the span inside the
/// quotes; JSON values carry no offsets once parsed, so the raw text is searched for them.
pub(crate) fn find_json_string(content: &[u8], from: usize, value: &str) -> Option<Range<usize>> {
    let needle = format!("\"{value}\"");
    let find = |from: usize| {
        memchr::memmem::find(content.get(from..)?, needle.as_bytes())
            .map(|i| from + i + 1..from + i + 1 + value.len())
    };
    find(from).or_else(|| find(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_path() {
        assert_eq!(detect("root/.docker/config.json"), Some(Kind::DockerConfig));
        assert_eq!(
            detect("kaniko/.docker/config.json"),
            Some(Kind::DockerConfig)
        );
        assert_eq!(detect("app/config.json"), None);
        assert_eq!(
            detect("home/u/.config/git/credentials"),
            Some(Kind::GitCredentials)
        );
        assert_eq!(detect("root/.aws/credentials"), Some(Kind::AwsCli));
        assert_eq!(detect("etc/kubernetes/admin.conf"), Some(Kind::Kubeconfig));
        assert_eq!(detect("etc/admin.conf"), None);
        assert_eq!(detect(".netrc"), Some(Kind::Netrc));
    }

    #[test]
    fn lines_and_spans() {
        let c = b"a\r\nbc\nd";
        let ls: Vec<_> = lines(c).collect();
        assert_eq!(ls, vec![(0, &b"a"[..]), (3, &b"bc"[..]), (6, &b"d"[..])]);
        assert_eq!(span_of(c, &c[3..5]), 3..5);
    }
}
