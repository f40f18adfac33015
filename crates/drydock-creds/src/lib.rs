//! Weak, empty and default credentials: the easy doors into an image.
//!
//! Pure: the caller hands over the files this crate [`wants`] (path inside the image and bytes)
//! and gets [`Finding`]s back; nothing here touches the host. The audit takes the whole set at
//! once because accounts need `/etc/passwd` and `/etc/shadow` together (a shadow hash counts only
//! when passwd says `x`) and sshd needs its `Include`d drop-ins.
//!
//! Three kinds of check:
//! - accounts: empty passwords, extra UID 0 accounts, login shells on system accounts, obsolete
//!   hash schemes, and dictionary cracking of every usable hash ([`crack`]);
//! - services left without authentication or with default credentials: sshd, Redis,
//!   PostgreSQL, MySQL/MariaDB, MongoDB, Elasticsearch/OpenSearch, Tomcat, Jenkins, Grafana,
//!   `.htpasswd`, SNMP and VNC;
//! - every finding is a documented rule in [`rules::RULES`] with a stable id.
//!
//! Recovered passwords are returned in [`Finding::secret`], never in the message, so output
//! shows them only when the user asks (`--show-secrets`).

mod accounts;
pub mod crack;
mod finding;
pub mod rules;
mod services;
mod sink;
mod text;

pub use crack::{CrackBudget, Wordlist};
pub use finding::Finding;

/// Whether the audit needs this file. Paths are inside the image, with or without a leading `/`.
pub fn wants(path: &str) -> bool {
    // `/etc/passwd`, `./etc/passwd` and `etc/passwd` all mean the same file.
    let p = drydock_fs::strip_root(path);
    accounts::PATHS.contains(&p) || services::wants(p)
}

/// Audits the given files with the built-in wordlists. Files the audit does not want are
/// ignored, so passing a superset is fine.
pub fn audit(files: &[(String, Vec<u8>)], budget: &CrackBudget) -> Vec<Finding> {
    // Built once per process: a scan audits many images and the list never changes.
    static BUILTIN: std::sync::OnceLock<Wordlist> = std::sync::OnceLock::new();
    audit_with(files, budget, BUILTIN.get_or_init(Wordlist::builtin))
}

/// [`audit`], also trying `extra_words` (one password each, e.g. from `--wordlist`), interleaved
/// with the built-in vendor defaults and common-password list.
pub fn audit_with_wordlist(
    files: &[(String, Vec<u8>)],
    budget: &CrackBudget,
    extra_words: &[String],
) -> Vec<Finding> {
    let wordlist = Wordlist::with_extra(extra_words);
    audit_with(files, budget, &wordlist)
}

/// [`audit`] with a prepared [`Wordlist`], to build it once for many audits.
pub fn audit_with(
    files: &[(String, Vec<u8>)],
    budget: &CrackBudget,
    wordlist: &Wordlist,
) -> Vec<Finding> {
    let files = sink::Files::new(files);
    let mut sink = sink::Sink::default();
    accounts::audit(&files, &mut sink);
    services::audit(&files, &mut sink, wordlist);
    sink.crack(wordlist, budget);
    let mut findings = sink.findings;
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup();
    findings
}

/// Decrypts an 8-byte VNC password block (the fixed-key DES every VNC server uses).
pub fn decrypt_vnc_password(block: &[u8]) -> Option<String> {
    services::vnc::decrypt(block)
}
