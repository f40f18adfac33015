//! Jenkins: security switched off in the home's `config.xml`, and local users' bcrypt hashes
//! (`users/*/config.xml`, `<passwordHash>#jbcrypt:$2a$...`) cracked like any other.
//!
//! The Jenkins home is recognised as `jenkins_home/` (the official image's /var/jenkins_home),
//! `var/lib/jenkins/` (distribution packages) or `.jenkins/` (a user's default home).

use crate::sink::{Files, Sink};
use crate::text::{attr, blank_xml_comments, xml_tags, xml_texts};

use drydock_finding::{Kind, Rule, Severity};

pub static JENKINS_NO_SECURITY: Rule = Rule {
    id: "DD-CRED-080",
    kind: Kind::Misconfiguration,
    severity: Severity::Critical,
    title: "Jenkins security is disabled",
    why: "Without security anyone can run jobs and the Groovy script console, which is code execution \
          as the Jenkins user and access to every stored credential.",
    fix: "Enable security with a real security realm and an authorization strategy other than \
          `Unsecured`.",
    references: &["https://www.jenkins.io/doc/book/security/managing-security/"],
};

fn is_home(dir: &str) -> bool {
    dir.ends_with("jenkins_home/") || dir == "var/lib/jenkins/" || dir.ends_with(".jenkins/")
}

/// (is the root config, user directory name for user configs)
fn classify(p: &str) -> Option<(bool, Option<&str>)> {
    let dir = p.strip_suffix("config.xml")?;
    if is_home(dir) {
        return Some((true, None));
    }
    let (users_dir, user) = dir.strip_suffix('/')?.rsplit_once('/')?;
    let home = users_dir.strip_suffix("users")?;
    is_home(home).then_some((false, Some(user)))
}

pub(crate) fn wants(p: &str) -> bool {
    classify(p).is_some()
}

pub(crate) fn audit(files: &Files<'_>, sink: &mut Sink) {
    for (norm, path, bytes) in files.iter() {
        let Some((root, user_dir)) = classify(norm) else {
            continue;
        };
        let text = blank_xml_comments(&String::from_utf8_lossy(bytes));
        if root {
            for (line, value) in xml_texts(&text, "useSecurity") {
                if value.eq_ignore_ascii_case("false") {
                    sink.push(
                        &JENKINS_NO_SECURITY,
                        path,
                        Some(line),
                        "`<useSecurity>false</useSecurity>`: anyone can run jobs and the script console",
                    );
                }
            }
            for (line, attrs) in xml_tags(&text, "authorizationStrategy") {
                if attr(&attrs, "class")
                    .is_some_and(|c| c.ends_with("AuthorizationStrategy$Unsecured"))
                {
                    sink.push(
                        &JENKINS_NO_SECURITY,
                        path,
                        Some(line),
                        "authorization strategy is `Unsecured`: every visitor, anonymous included, can do anything",
                    );
                }
            }
        } else {
            let id = xml_texts(&text, "id").into_iter().next().map(|(_, v)| v);
            let name = id.as_deref().or(user_dir).unwrap_or("?");
            for (line, value) in xml_texts(&text, "passwordHash") {
                let hash = value.strip_prefix("#jbcrypt:").unwrap_or(&value);
                sink.hash(
                    path,
                    Some(line),
                    format!("Jenkins user `{name}`"),
                    Some(name),
                    hash,
                );
            }
        }
    }
}
