//! The audit's shared state: the files it was given, the findings so far, and the hashes queued
//! for cracking. Checks push into it; cracking runs once at the end, in parallel over every hash
//! from every file, so a slow yescrypt in /etc/shadow overlaps with bcrypt in an .htpasswd.

use crate::crack::{self, CrackBudget, NotChecked, Outcome, Verifier, Wordlist};
use crate::finding::Finding;

use drydock_fs::strip_root;

use drydock_finding::{Kind, Rule, Severity};

pub static OBSOLETE_SCHEME: Rule = Rule {
    id: "DD-CRED-004",
    kind: Kind::Credential,
    severity: Severity::Medium,
    title: "Password hash uses an obsolete or unsalted scheme",
    why: "DES crypt (8 significant characters), MD5-crypt, APR1 and plain or unsalted digests are \
          cracked at millions to billions of guesses per second on a single GPU.",
    fix: "Re-hash with yescrypt, SHA-512-crypt or bcrypt (`passwd`, `htpasswd -B`), or better, do not \
          ship the credential in the image.",
    references: &["https://www.openwall.com/presentations/PHDays2014-Yescrypt/"],
};

pub static WEAK_PASSWORD: Rule = Rule {
    id: "DD-CRED-005",
    kind: Kind::Credential,
    severity: Severity::High,
    title: "Password cracked: weak password",
    why: "The password is on the lists every attacker tries first (or is the user name); a hash only \
          slows down guessing of passwords that are not on those lists.",
    fix: "Change the password to a long random one, set at run time from a secret store rather than \
          baked into the image.",
    references: &["NIST SP 800-63B 5.1.1.2"],
};

pub static HASH_NOT_CHECKED: Rule = Rule {
    id: "DD-CRED-008",
    kind: Kind::Credential,
    severity: Severity::Unknown,
    title: "Password hash could not be checked",
    why: "The hash uses a scheme drydock cannot verify, is malformed, or is too costly for the \
          configured budget, so a weak password in it would go unnoticed.",
    fix: "Check the credential by other means, or raise `--password-budget` if the cost was the reason.",
    references: &[],
};

pub static MALFORMED_ENTRY: Rule = Rule {
    id: "DD-CRED-009",
    kind: Kind::Misconfiguration,
    severity: Severity::Low,
    title: "Malformed entry in an account or credential file",
    why: "Tools disagree about lines they cannot parse: one may skip an entry that another honours, \
          which hides accounts from audits and can lock out or let in the wrong user.",
    fix: "Repair or remove the line (`pwck`, `grpck` report the same problems).",
    references: &[],
};

/// The caller's files, each under the path it gave and a normalised one (`etc/passwd`).
pub(crate) struct Files<'a> {
    entries: Vec<(String, &'a str, &'a [u8])>,
}

impl<'a> Files<'a> {
    pub(crate) fn new(files: &'a [(String, Vec<u8>)]) -> Self {
        let mut entries: Vec<_> = files
            .iter()
            .map(|(p, b)| (strip_root(p).to_owned(), p.as_str(), b.as_slice()))
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Files { entries }
    }

    /// The file at a normalised path: (path as the caller spelt it, content).
    pub(crate) fn get(&self, norm: &str) -> Option<(&'a str, &'a [u8])> {
        self.entries
            .binary_search_by(|e| e.0.as_str().cmp(norm))
            .ok()
            .and_then(|i| self.entries.get(i))
            .map(|e| (e.1, e.2))
    }

    /// Every file, sorted by normalised path: (normalised, as given, content).
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &'a str, &'a [u8])> {
        self.entries.iter().map(|e| (e.0.as_str(), e.1, e.2))
    }
}

/// Where a queued hash came from and what to call it in messages.
pub(crate) struct Job {
    pub path: String,
    pub line: Option<u32>,
    /// "account `root`", "htpasswd user `admin`"...
    pub subject: String,
    pub user: Option<String>,
    pub verifier: Verifier,
    /// The rule a crack fires: [`WEAK_PASSWORD`], or a stronger service-specific one.
    pub rule: &'static Rule,
}

#[derive(Default)]
pub(crate) struct Sink {
    pub findings: Vec<Finding>,
    pub jobs: Vec<Job>,
}

/// Cap on malformed-line findings per file, so a binary file named `passwd` yields a handful of
/// findings and a count, not thousands.
const MAX_MALFORMED_PER_FILE: usize = 10;

impl Sink {
    pub(crate) fn push(
        &mut self,
        rule: &'static Rule,
        path: &str,
        line: Option<u32>,
        detail: impl Into<String>,
    ) {
        self.findings.push(Finding::new(rule, path, line, detail));
    }

    pub(crate) fn push_secret(
        &mut self,
        rule: &'static Rule,
        path: &str,
        line: Option<u32>,
        detail: impl Into<String>,
        secret: &str,
    ) {
        self.findings
            .push(Finding::new(rule, path, line, detail).with_secret(secret));
    }

    /// Reports malformed lines of one file (`lines` as line numbers with a reason), capped.
    pub(crate) fn malformed(&mut self, path: &str, lines: &[(u32, &'static str)]) {
        for (no, why) in lines.iter().take(MAX_MALFORMED_PER_FILE) {
            self.push(
                &MALFORMED_ENTRY,
                path,
                Some(*no),
                format!("line {no}: {why}; the entry is ignored"),
            );
        }
        if lines.len() > MAX_MALFORMED_PER_FILE {
            self.push(
                &MALFORMED_ENTRY,
                path,
                None,
                format!(
                    "{} more malformed lines not listed",
                    lines.len() - MAX_MALFORMED_PER_FILE
                ),
            );
        }
    }

    /// Queues a stored hash: flags an obsolete scheme now, cracks later. Values that are not a
    /// hash at all (`x`, `LOCKED`) are ignored: no password can match them.
    pub(crate) fn hash(
        &mut self,
        path: &str,
        line: Option<u32>,
        subject: String,
        user: Option<&str>,
        hash: &str,
    ) {
        self.hash_with_rule(path, line, subject, user, hash, &WEAK_PASSWORD);
    }

    pub(crate) fn hash_with_rule(
        &mut self,
        path: &str,
        line: Option<u32>,
        subject: String,
        user: Option<&str>,
        hash: &str,
        rule: &'static Rule,
    ) {
        match Verifier::parse(hash) {
            Ok(verifier) => self.verifier(path, line, subject, user, verifier, rule),
            Err(NotChecked::Unrecognised) => {}
            Err(e) => self.push(
                &HASH_NOT_CHECKED,
                path,
                line,
                format!("{subject}: not cracked: {e}"),
            ),
        }
    }

    pub(crate) fn verifier(
        &mut self,
        path: &str,
        line: Option<u32>,
        subject: String,
        user: Option<&str>,
        verifier: Verifier,
        rule: &'static Rule,
    ) {
        let scheme = verifier.scheme();
        if scheme.is_obsolete() {
            self.push(
                &OBSOLETE_SCHEME,
                path,
                line,
                format!("{subject}: password stored as {scheme}"),
            );
        }
        self.jobs.push(Job {
            path: path.to_owned(),
            line,
            subject,
            user: user.map(str::to_owned),
            verifier,
            rule,
        });
    }

    /// Cracks every queued hash (in parallel) and turns the outcomes into findings.
    pub(crate) fn crack(&mut self, wordlist: &Wordlist, budget: &CrackBudget) {
        let jobs = std::mem::take(&mut self.jobs);
        let inputs: Vec<(&Verifier, Option<&str>)> = jobs
            .iter()
            .map(|j| (&j.verifier, j.user.as_deref()))
            .collect();
        let reports = crack::crack_all(&inputs, wordlist, budget);
        for (job, report) in jobs.iter().zip(reports) {
            match report.outcome {
                Outcome::Cracked { password, source } => self.push_secret(
                    job.rule,
                    &job.path,
                    job.line,
                    format!(
                        // No guess count: guesses run in parallel, so it varies run to run, and
                        // reports must be reproducible.
                        "{}: {} hash cracked: weak password ({})",
                        job.subject,
                        job.verifier.describe(),
                        source,
                    ),
                    &password,
                ),
                Outcome::NotFound { .. } => {}
                Outcome::NotChecked(why) => self.push(
                    &HASH_NOT_CHECKED,
                    &job.path,
                    job.line,
                    format!(
                        "{}: {} hash not cracked: {why}",
                        job.subject,
                        job.verifier.describe()
                    ),
                ),
            }
        }
    }
}
