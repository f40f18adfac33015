//! Tomcat `tomcat-users.xml`: users whose password is a default, empty, the user name, or on
//! the common list. Users with a manager or admin role fire the critical rule, because the
//! manager app deploys code. Commented-out users (the stock file's examples) are ignored.
//! A password that is a bare hex digest (Tomcat's `MessageDigestCredentialHandler` without
//! salt) is cracked like any other hash.

use crate::crack::{Verifier, Wordlist};
use crate::rules;
use crate::sink::{Files, Sink};
use crate::text::{attr, blank_xml_comments, xml_tags};

use drydock_finding::{Kind, Rule, Severity};

pub static TOMCAT_DEFAULT_MANAGER: Rule = Rule {
    id: "DD-CRED-070",
    kind: Kind::Credential,
    severity: Severity::Critical,
    title: "Tomcat manager or admin user with a default password",
    why: "The manager application deploys WAR files: a guessable manager password is remote code \
          execution, and tomcat/tomcat and admin/admin are in every scanner's list.",
    fix: "Remove the user or give it a strong password; restrict the manager app to localhost \
          (RemoteAddrValve) or remove it from the image.",
    references: &[
        "https://tomcat.apache.org/tomcat-10.1-doc/manager-howto.html#Configuring_Manager_Application_Access",
    ],
};

pub(crate) fn wants(p: &str) -> bool {
    super::file_name(p) == "tomcat-users.xml"
}

const PRIVILEGED_ROLES: [&str; 8] = [
    "manager-gui",
    "manager-script",
    "manager-jmx",
    "manager-status",
    "admin-gui",
    "admin-script",
    "manager",
    "admin",
];

pub(crate) fn audit(files: &Files<'_>, sink: &mut Sink, wl: &Wordlist) {
    for (norm, path, bytes) in files.iter() {
        if !wants(norm) {
            continue;
        }
        let text = blank_xml_comments(&String::from_utf8_lossy(bytes));
        for (line, attrs) in xml_tags(&text, "user") {
            let Some(name) = attr(&attrs, "username").or_else(|| attr(&attrs, "name")) else {
                continue;
            };
            let Some(password) = attr(&attrs, "password") else {
                continue;
            };
            let roles = attr(&attrs, "roles").unwrap_or("");
            let privileged: Vec<&str> = roles
                .split(',')
                .map(str::trim)
                .filter(|r| PRIVILEGED_ROLES.contains(r))
                .collect();
            let rule = if privileged.is_empty() {
                &rules::DEFAULT_SERVICE_PASSWORD
            } else {
                &TOMCAT_DEFAULT_MANAGER
            };
            let who = if privileged.is_empty() {
                format!("Tomcat user `{name}`")
            } else {
                format!("Tomcat user `{name}` (roles {})", privileged.join(", "))
            };
            if let Some(source) = wl.source_of(password, Some(name)) {
                sink.push_secret(
                    rule,
                    path,
                    Some(line),
                    format!("{who} has a password that is {source}"),
                    password,
                );
            } else if let Some(v) = Verifier::hex_digest(password) {
                sink.verifier(path, Some(line), who, Some(name), v, rule);
            }
        }
    }
}
