//! MySQL / MariaDB option files.
//!
//! Semantics assumed: option names fold `-` and `_` and may carry MySQL's `loose-` prefix;
//! server options are read from `[mysqld]`, `[server]`, `[mariadb]`, `[mariadbd]` and their
//! versioned forms; files are read in path order with later values winning, which matches the
//! usual `/etc/mysql/my.cnf` then `conf.d` order. When no `bind-address` is set the server
//! listens on every interface (MySQL's and MariaDB's compiled default) unless
//! `skip-networking` is on. An "empty root password marker" is a client section (`[client]`,
//! `[mysql]`, `[mysqladmin]`...) with `user=root` and `password=` set to nothing: the client
//! logs in as root with no password, so the server's root has none.

use crate::crack::Wordlist;
use crate::rules;
use crate::sink::{Files, Sink};
use crate::text::{IniEntry, ini, is_loopback, truthy};

use drydock_finding::{Kind, Rule, Severity};

pub static MYSQL_SKIP_GRANT_TABLES: Rule = Rule {
    id: "DD-CRED-040",
    kind: Kind::Misconfiguration,
    severity: Severity::Critical,
    title: "MySQL/MariaDB runs with grant tables disabled",
    why: "`skip-grant-tables` turns off authentication and privilege checks entirely: every client \
          is an all-powerful user. It is meant for one-off password recovery only.",
    fix: "Remove `skip-grant-tables` from the server configuration.",
    references: &[
        "https://dev.mysql.com/doc/refman/8.0/en/server-options.html#option_mysqld_skip-grant-tables",
    ],
};

pub static MYSQL_EMPTY_ROOT: Rule = Rule {
    id: "DD-CRED-041",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "MySQL/MariaDB root has an empty password and the server listens on the network",
    why: "A client option file that logs root in with an empty password shows the server's root \
          account has none, and the server accepts TCP connections from other hosts.",
    fix: "Set a root password (or `unix_socket` authentication) and bind the server to 127.0.0.1 or a \
          private interface.",
    references: &["https://dev.mysql.com/doc/refman/8.0/en/default-privileges.html"],
};

pub(crate) fn wants(p: &str) -> bool {
    let name = super::file_name(p);
    name == "my.cnf"
        || name == ".my.cnf"
        || ((p.starts_with("etc/mysql/") || p.starts_with("etc/my.cnf.d/"))
            && name.ends_with(".cnf"))
}

fn is_server_section(s: &str) -> bool {
    let base = s.split('-').next().unwrap_or(s);
    matches!(base, "mysqld" | "server" | "mariadb" | "mariadbd")
}

fn is_client_section(s: &str) -> bool {
    matches!(
        s,
        "client"
            | "mysql"
            | "mysqladmin"
            | "mysqldump"
            | "client-server"
            | "client-mariadb"
            | "mariadb-client"
    )
}

fn option_name(e: &IniEntry) -> &str {
    e.key.strip_prefix("loose_").unwrap_or(&e.key)
}

/// On for a bare flag or a true value (`skip-grant-tables`, `skip_grant_tables=ON`).
fn flag_on(e: &IniEntry) -> bool {
    e.bare || truthy(&e.value).unwrap_or(false)
}

/// The login a client section of one file configures: user, and password with its line.
struct ClientSection {
    section: String,
    user: Option<String>,
    password: Option<(String, u32)>,
}

pub(crate) fn audit(files: &Files<'_>, sink: &mut Sink, wl: &Wordlist) {
    let mut server_seen = false;
    let mut bind: Option<(String, String, u32)> = None; // (path, value, line)
    let mut skip_networking = false;
    let mut markers: Vec<(String, u32)> = Vec::new();
    for (norm, path, bytes) in files.iter() {
        if !wants(norm) {
            continue;
        }
        let entries = ini(&String::from_utf8_lossy(bytes));
        let mut client: Vec<ClientSection> = Vec::new();
        for e in &entries {
            if is_server_section(&e.section) {
                server_seen = true;
                match option_name(e) {
                    "skip_grant_tables" if flag_on(e) => sink.push(
                        &MYSQL_SKIP_GRANT_TABLES,
                        path,
                        Some(e.line),
                        format!(
                            "`skip-grant-tables` in [{}]: every client is an all-privileged user",
                            e.section
                        ),
                    ),
                    "bind_address" => bind = Some((path.to_owned(), e.value.clone(), e.line)),
                    "skip_networking" => skip_networking = flag_on(e),
                    _ => {}
                }
            } else if is_client_section(&e.section) {
                let idx = match client.iter().position(|c| c.section == e.section) {
                    Some(i) => i,
                    None => {
                        client.push(ClientSection {
                            section: e.section.clone(),
                            user: None,
                            password: None,
                        });
                        client.len() - 1
                    }
                };
                match option_name(e) {
                    "user" => client[idx].user = Some(e.value.clone()),
                    "password" if !e.bare => client[idx].password = Some((e.value.clone(), e.line)),
                    _ => {}
                }
            }
        }
        for ClientSection {
            section,
            user,
            password,
        } in client
        {
            let Some((pw, line)) = password else { continue };
            let user = user.unwrap_or_default();
            if pw.is_empty() && user == "root" {
                markers.push((path.to_owned(), line));
            } else if let Some(source) = (!pw.is_empty())
                .then(|| wl.source_of(&pw, Some(&user)))
                .flatten()
            {
                sink.push_secret(
                    &rules::DEFAULT_SERVICE_PASSWORD,
                    path,
                    Some(line),
                    format!("MySQL client password in [{section}] for user `{user}` is {source}"),
                    &pw,
                );
            }
        }
    }
    if !server_seen || skip_networking {
        return;
    }
    let listen = match &bind {
        Some((_, v, _)) if v.split(',').all(is_loopback) => return,
        Some((p, v, l)) => format!("binds to {v} ({p} line {l})"),
        None => "has no `bind-address`, so it listens on every interface".to_owned(),
    };
    for (path, line) in markers {
        sink.push(
            &MYSQL_EMPTY_ROOT,
            &path,
            Some(line),
            format!(
                "client options log in as `root` with an empty password, and the server {listen}"
            ),
        );
    }
}
