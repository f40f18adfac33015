//! Grafana: the initial admin password, and anonymous access with a privileged role.
//!
//! Semantics assumed: `conf/defaults.ini` is read first and `grafana.ini` / `custom.ini`
//! override it, key by key. When `admin_password` is set nowhere, Grafana creates
//! `admin`/`admin`. Values of the form `$__env{...}`, `$__file{...}` or `$__vault{...}` are
//! resolved at run time and not judged. Environment overrides (`GF_SECURITY_ADMIN_PASSWORD`)
//! are not visible in files; messages say so.

use crate::crack::Wordlist;
use crate::rules;
use crate::sink::{Files, Sink};
use crate::text::{ini, truthy};

use drydock_finding::{Kind, Rule, Severity};

pub static GRAFANA_DEFAULT_ADMIN: Rule = Rule {
    id: "DD-CRED-090",
    kind: Kind::Credential,
    severity: Severity::High,
    title: "Grafana admin password is the default",
    why: "Grafana creates `admin`/`admin` unless told otherwise; the change prompt at first login can \
          be skipped, and a Grafana admin can read every data source's credentials.",
    fix: "Set `admin_password` from a secret (`$__file{...}` or GF_SECURITY_ADMIN_PASSWORD) or set \
          `disable_initial_admin_creation = true`.",
    references: &[
        "https://grafana.com/docs/grafana/latest/setup-grafana/configure-grafana/#admin_password",
    ],
};

pub static GRAFANA_ANONYMOUS_PRIVILEGED: Rule = Rule {
    id: "DD-CRED-091",
    kind: Kind::Misconfiguration,
    severity: Severity::High,
    title: "Grafana grants anonymous users Editor or Admin rights",
    why: "Anonymous access with a role above Viewer lets anyone change dashboards, alerting and (as \
          Admin) data sources, without logging in.",
    fix: "Disable `[auth.anonymous]` or set its `org_role = Viewer`.",
    references: &[
        "https://grafana.com/docs/grafana/latest/setup-grafana/configure-security/configure-authentication/grafana/#anonymous-authentication",
    ],
};

pub(crate) fn wants(p: &str) -> bool {
    let name = super::file_name(p);
    name == "grafana.ini"
        || (p.contains("grafana") && (name == "custom.ini" || name == "defaults.ini"))
}

#[derive(Clone)]
struct Setting {
    value: String,
    path: String,
    line: u32,
}

#[derive(Default)]
struct Effective {
    admin_user: Option<Setting>,
    admin_password: Option<Setting>,
    disable_initial_admin: Option<Setting>,
    anonymous: Option<Setting>,
    anonymous_role: Option<Setting>,
}

impl Effective {
    fn read(&mut self, path: &str, text: &str) {
        for e in ini(text) {
            let slot = match (e.section.as_str(), e.key.as_str()) {
                ("security", "admin_user") => &mut self.admin_user,
                ("security", "admin_password") => &mut self.admin_password,
                ("security", "disable_initial_admin_creation") => &mut self.disable_initial_admin,
                ("auth.anonymous", "enabled") => &mut self.anonymous,
                ("auth.anonymous", "org_role") => &mut self.anonymous_role,
                _ => continue,
            };
            *slot = Some(Setting {
                value: e.value,
                path: path.to_owned(),
                line: e.line,
            });
        }
    }
}

pub(crate) fn audit(files: &Files<'_>, sink: &mut Sink, wl: &Wordlist) {
    let wanted: Vec<(&str, &str, &[u8])> = files.iter().filter(|(n, _, _)| wants(n)).collect();
    if wanted.is_empty() {
        return;
    }
    let mut eff = Effective::default();
    let is_defaults = |n: &str| super::file_name(n) == "defaults.ini";
    for (_, path, bytes) in wanted.iter().filter(|(n, _, _)| is_defaults(n)) {
        eff.read(path, &String::from_utf8_lossy(bytes));
    }
    for (_, path, bytes) in wanted.iter().filter(|(n, _, _)| !is_defaults(n)) {
        eff.read(path, &String::from_utf8_lossy(bytes));
    }
    // Where to pin a finding about an unset value: the main config if present.
    let main = wanted
        .iter()
        .find(|(n, _, _)| !is_defaults(n))
        .or(wanted.first())
        .map_or("", |w| w.1);
    const RUNTIME: &str = " (unless GF_SECURITY_ADMIN_PASSWORD overrides it at run time)";

    let disabled = eff
        .disable_initial_admin
        .as_ref()
        .is_some_and(|s| truthy(&s.value) == Some(true));
    if !disabled {
        let user = eff
            .admin_user
            .as_ref()
            .map_or("admin", |s| s.value.as_str());
        match &eff.admin_password {
            Some(s) if s.value.starts_with("$__") => {}
            Some(s) if s.value == "admin" => sink.push_secret(
                &GRAFANA_DEFAULT_ADMIN,
                &s.path,
                Some(s.line),
                format!("`admin_password = admin` for admin user `{user}`{RUNTIME}"),
                &s.value,
            ),
            Some(s) if s.value.is_empty() => sink.push(
                &GRAFANA_DEFAULT_ADMIN,
                &s.path,
                Some(s.line),
                format!("`admin_password` is empty, so Grafana falls back to `admin` for user `{user}`{RUNTIME}"),
            ),
            Some(s) => {
                if let Some(source) = wl.source_of(&s.value, Some(user)) {
                    sink.push_secret(
                        &rules::DEFAULT_SERVICE_PASSWORD,
                        &s.path,
                        Some(s.line),
                        format!("Grafana `admin_password` for user `{user}` is {source}"),
                        &s.value,
                    );
                }
            }
            None => sink.push(
                &GRAFANA_DEFAULT_ADMIN,
                main,
                None,
                format!("`admin_password` is not set, so Grafana creates `{user}`/`admin`{RUNTIME}"),
            ),
        }
    }

    let anonymous = eff
        .anonymous
        .as_ref()
        .filter(|s| truthy(&s.value) == Some(true));
    if let Some(anon) = anonymous {
        let role = eff
            .anonymous_role
            .as_ref()
            .map_or("Viewer", |s| s.value.as_str());
        if role.eq_ignore_ascii_case("admin") || role.eq_ignore_ascii_case("editor") {
            let at = eff.anonymous_role.as_ref().unwrap_or(anon);
            sink.push(
                &GRAFANA_ANONYMOUS_PRIVILEGED,
                &at.path,
                Some(at.line),
                format!("`[auth.anonymous] enabled = true` with `org_role = {role}`"),
            );
        }
    }
}
