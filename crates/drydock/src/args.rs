//! Flags, `DRYDOCK_*` environment variables and `drydock.toml` turned into options, once:
//! [`apply_files`] fills the flags from the config files, then [`limits`], [`Scan::new`] and
//! [`open_vulndb`] give the library crates what they take.
//!
//! `drydock.toml`: defaults for the scan flags, from the project (`./drydock.toml`) and the user
//! (`$XDG_CONFIG_HOME/drydock/drydock.toml`, else `~/.config/drydock/drydock.toml`).
//!
//! Precedence, highest first: command-line flags, `DRYDOCK_*` environment variables, the
//! project file, the user file, built-in defaults. A key applies only where the flag was left at
//! its default (clap tells which).
//!
//! ```toml
//! severity = ["HIGH", "CRITICAL"]
//! exit-code = 1
//! scanners = ["vuln", "secret"]
//! ignorefile = ".drydockignore"
//! vex = ["vex/openvex.json"]
//! db-dir = "/var/cache/drydock/db"
//! password-budget = 1.0
//! ignore-unfixed = true
//! quiet = true
//! policy = ["policies/"]
//! store = "/var/lib/drydock/store.sqlite"   # or postgres://…: `--store` for image, rootfs, sbom-scan
//! ```

use crate::cli::{CacheDir, Common, DbDir, Scanner};
use anyhow::{Context, Result};
use clap::ArgMatches;
use clap::parser::ValueSource;
use drydock_fs::Limits;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct File {
    severity: Option<Vec<String>>,
    exit_code: Option<u8>,
    scanners: Option<Vec<String>>,
    ignorefile: Option<PathBuf>,
    vex: Option<Vec<PathBuf>>,
    db_dir: Option<PathBuf>,
    password_budget: Option<f64>,
    ignore_unfixed: Option<bool>,
    quiet: Option<bool>,
    policy: Option<Vec<PathBuf>>,
    ignore_status: Option<Vec<String>>,
    /// `7d`, `48h`: as `--db-warn-age` / `--db-max-age` take them.
    db_warn_age: Option<String>,
    db_max_age: Option<String>,
    /// The results store (`--store`, `drydock store`): a path, sqlite://PATH or postgres://….
    store: Option<String>,
}

fn read(path: &Path) -> Result<Option<File>> {
    if !path.is_file() {
        return Ok(None);
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    toml::from_str(&text)
        .map(Some)
        .with_context(|| format!("{}: invalid drydock configuration", path.display()))
}

fn user_file() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("drydock").join("drydock.toml"))
}

impl File {
    /// Key by key, `self`'s value where it has one, else `lower`'s: merging before applying is
    /// what makes the project file win over the user file for every key.
    fn over(self, lower: File) -> File {
        File {
            severity: self.severity.or(lower.severity),
            exit_code: self.exit_code.or(lower.exit_code),
            scanners: self.scanners.or(lower.scanners),
            ignorefile: self.ignorefile.or(lower.ignorefile),
            vex: self.vex.or(lower.vex),
            db_dir: self.db_dir.or(lower.db_dir),
            password_budget: self.password_budget.or(lower.password_budget),
            ignore_unfixed: self.ignore_unfixed.or(lower.ignore_unfixed),
            quiet: self.quiet.or(lower.quiet),
            policy: self.policy.or(lower.policy),
            ignore_status: self.ignore_status.or(lower.ignore_status),
            db_warn_age: self.db_warn_age.or(lower.db_warn_age),
            db_max_age: self.db_max_age.or(lower.db_max_age),
            store: self.store.or(lower.store),
        }
    }
}

/// Fills the flags the user did not give from the config files.
pub fn apply(common: &mut Common, matches: &ArgMatches) -> Result<()> {
    let project = read(Path::new("drydock.toml"))?;
    let user = user_file().map(|p| read(&p)).transpose()?.flatten();
    apply_files(common, matches, project, user)
}

/// `store` from the project file, else the user file, where `--store` and `DRYDOCK_STORE` gave
/// none (clap has already put either of them in `store`).
pub fn apply_store(store: &mut Option<String>) -> Result<()> {
    if store.is_some() {
        return Ok(());
    }
    let project = read(Path::new("drydock.toml"))?;
    let user = user_file().map(|p| read(&p)).transpose()?.flatten();
    *store = store_from(project, user);
    Ok(())
}

/// The project file's `store`, else the user file's.
fn store_from(project: Option<File>, user: Option<File>) -> Option<String> {
    project
        .unwrap_or_default()
        .over(user.unwrap_or_default())
        .store
}

/// The project file over the user file, then over what the flags and environment left unset.
fn apply_files(
    common: &mut Common,
    matches: &ArgMatches,
    project: Option<File>,
    user: Option<File>,
) -> Result<()> {
    let f = project.unwrap_or_default().over(user.unwrap_or_default());
    // A flag or a `DRYDOCK_*` variable (clap's `EnvVariable` source) beats every file.
    let unset = |id: &str| {
        matches!(
            matches.value_source(id),
            None | Some(ValueSource::DefaultValue)
        )
    };
    if let (Some(v), true) = (f.severity, unset("severity") && common.severity.is_empty()) {
        common.severity = v
            .iter()
            .map(|s| s.parse().map_err(anyhow::Error::msg))
            .collect::<Result<_>>()?;
    }
    if let (Some(v), true) = (f.exit_code, unset("exit_code") && common.exit_code == 0) {
        common.exit_code = v;
    }
    if let (Some(v), true) = (f.scanners, unset("scanners") && common.scanners.is_empty()) {
        common.scanners = v
            .iter()
            .map(|s| {
                <Scanner as clap::ValueEnum>::from_str(s, true)
                    .map_err(|_| anyhow::anyhow!("unknown scanner {s:?} in drydock.toml"))
            })
            .collect::<Result<_>>()?;
    }
    if let (Some(v), true) = (
        f.ignorefile,
        unset("ignorefile") && common.ignorefile.is_none(),
    ) {
        common.ignorefile = Some(v);
    }
    if let (Some(v), true) = (f.vex, unset("vex") && common.vex.is_empty()) {
        common.vex = v;
    }
    if let (Some(v), true) = (f.db_dir, unset("db_dir") && common.db.db_dir.is_none()) {
        common.db.db_dir = Some(v);
    }
    if let (Some(v), true) = (f.password_budget, unset("password_budget")) {
        common.password_budget = v;
    }
    if let (Some(v), true) = (
        f.ignore_unfixed,
        unset("ignore_unfixed") && !common.ignore_unfixed,
    ) {
        common.ignore_unfixed = v;
    }
    if let (Some(v), true) = (f.quiet, unset("quiet") && !common.quiet) {
        common.quiet = v;
    }
    if let (Some(v), true) = (f.policy, unset("policy") && common.policy.is_empty()) {
        common.policy = v;
    }
    if let (Some(v), true) = (
        f.ignore_status,
        unset("ignore_status") && common.ignore_status.is_empty(),
    ) {
        common.ignore_status = v
            .iter()
            .map(|s| {
                <crate::cli::FixStatus as clap::ValueEnum>::from_str(s, true)
                    .map_err(|_| anyhow::anyhow!("unknown status {s:?} in drydock.toml"))
            })
            .collect::<Result<_>>()?;
    }
    let age = |key: &str, v: &str| {
        crate::cli::parse_age(v).map_err(|e| anyhow::anyhow!("{key} in drydock.toml: {e}"))
    };
    if let (Some(v), true) = (f.db_warn_age, unset("db_warn_age")) {
        common.db_warn_age = age("db-warn-age", &v)?;
    }
    if let (Some(v), true) = (
        f.db_max_age,
        unset("db_max_age") && common.db_max_age.is_none(),
    ) {
        common.db_max_age = Some(age("db-max-age", &v)?);
    }
    Ok(())
}

/// The reading limits from `--max-entries`, `--max-layer-size`, `--max-file-size`, `--timeout`.
pub fn limits(common: &Common) -> Limits {
    Limits {
        max_entries: common.max_entries,
        max_layer_bytes: common.max_layer_size.saturating_mul(1 << 20),
        max_file_bytes: common.max_file_size.saturating_mul(1 << 20),
        deadline: (common.timeout > 0)
            .then(|| std::time::Instant::now() + std::time::Duration::from_secs(common.timeout)),
    }
}

/// The advisory database in `--db-dir`, opened. `Ok(None)` when there is none and `required`
/// is false (the caller notes it); an error naming the fix when `required`.
pub fn open_vulndb(common: &Common, required: bool) -> Result<Option<drydock_vulndb::Database>> {
    let db_dir = common.db.resolve()?;
    if !drydock_vulndb::Database::path_in(&db_dir).exists() {
        let why = if common.offline {
            Some("--offline")
        } else if common.skip_db_update {
            Some("--skip-db-update")
        } else {
            None
        };
        match why {
            // First use: fetch the data as `db update` would, then scan with it.
            None => {
                if let Err(e) = first_download(common, &db_dir) {
                    if required {
                        return Err(e.context("--scanners vuln needs the advisory database"));
                    }
                    if !common.quiet {
                        eprintln!("drydock: warning: {e:#}");
                    }
                    return Ok(None);
                }
            }
            Some(flag) if required => anyhow::bail!(
                "no advisory database in {} and {flag} says not to download it: run `drydock db update` or `drydock db import PATH` first, or set --db-dir",
                db_dir.display()
            ),
            Some(_) => return Ok(None),
        }
    }
    let db = drydock_vulndb::Database::open(&db_dir)
        .with_context(|| format!("cannot open the advisory database in {}", db_dir.display()))?;
    check_age(&db, common, &db_dir)?;
    Ok(Some(db))
}

/// Downloads the default advisory sources into `db_dir` on first use.
fn first_download(common: &Common, db_dir: &std::path::Path) -> Result<()> {
    let mut options = drydock_vulndb::UpdateOptions {
        progress: crate::output::download_progress(common.quiet),
        ..Default::default()
    };
    if let Some(url) = &common.db_url {
        options.base_url = url.clone();
    }
    if !common.quiet {
        eprintln!(
            "drydock: no advisory database yet: downloading {} ecosystems from {} into {} (once; --skip-db-update or --offline to scan without)",
            options.ecosystems.len(),
            options.base_url,
            db_dir.display()
        );
    }
    reachable(&options.base_url).with_context(|| {
        format!(
            "advisory database download from {} failed; vulnerabilities not checked",
            options.base_url
        )
    })?;
    let summary = drydock_vulndb::update(db_dir, &options).with_context(|| {
        format!(
            "advisory database download from {} failed; vulnerabilities not checked",
            options.base_url
        )
    })?;
    if !common.quiet {
        eprintln!(
            "drydock: advisory database ready: {} advisories",
            summary.total
        );
    }
    Ok(())
}

/// A quick look at whether the download's host answers at all, so that a machine without a
/// route out fails the first-run download in seconds instead of waiting out the connect timeout
/// of every ecosystem's export in turn. `file://` mirrors need no look.
fn reachable(base_url: &str) -> Result<()> {
    use std::net::{TcpStream, ToSocketAddrs};
    let (default_port, rest) = if let Some(r) = base_url.strip_prefix("https://") {
        (443, r)
    } else if let Some(r) = base_url.strip_prefix("http://") {
        (80, r)
    } else {
        return Ok(());
    };
    let authority = rest.split('/').next().unwrap_or(rest);
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    // `host:port`, `[v6]:port`; a bare host or `[v6]` gets the scheme's port.
    let with_port = if authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        authority.to_owned()
    } else {
        format!("{authority}:{default_port}")
    };
    let addrs: Vec<_> = with_port
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve {authority}"))?
        .collect();
    let timeout = std::time::Duration::from_secs(5);
    let mut last = None;
    for a in &addrs {
        match TcpStream::connect_timeout(a, timeout) {
            Ok(_) => return Ok(()),
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) => anyhow::anyhow!("cannot connect to {authority}: {e}"),
        None => anyhow::anyhow!("{authority} resolves to no address"),
    })
}

/// Warns when the data is older than `--db-warn-age`; fails past `--db-max-age`.
fn check_age(db: &drydock_vulndb::Database, common: &Common, dir: &std::path::Path) -> Result<()> {
    let Some(at) = db.imported_at().ok().flatten() else {
        return Ok(());
    };
    let now = drydock_finding::time::now_secs();
    let age = std::time::Duration::from_secs(now.saturating_sub(at));
    let days = age.as_secs_f64() / 86_400.0;
    let when = drydock_finding::time::rfc3339(i64::try_from(at).unwrap_or(i64::MAX));
    if let Some(max) = common.db_max_age
        && age > max
    {
        anyhow::bail!(
            "the advisory database in {} is {days:.1} days old (imported {when}), over --db-max-age: run `drydock db update`",
            dir.display()
        );
    }
    if age > common.db_warn_age && !common.quiet {
        eprintln!(
            "drydock: warning: the advisory database is {days:.1} days old (imported {when}); run `drydock db update` for current data"
        );
    }
    Ok(())
}

/// The note or warning when vulnerabilities were not checked for want of a database.
pub fn no_vulndb(common: &Common) -> Result<String> {
    let why = if common.offline {
        "; --offline: not downloaded, so this result says nothing about known vulnerabilities"
    } else if common.skip_db_update {
        "; --skip-db-update: not downloaded"
    } else {
        ""
    };
    Ok(format!(
        "no advisory database in {} (drydock db update, or drydock db import PATH){why}",
        common.db.resolve()?.display()
    ))
}

impl CacheDir {
    pub fn resolve(&self) -> Result<PathBuf> {
        match &self.cache_dir {
            Some(d) => Ok(d.clone()),
            None => Ok(user_cache()
                .context("no cache directory: set --cache-dir or DRYDOCK_CACHE_DIR")?
                .join("drydock")),
        }
    }
}

/// `$XDG_CACHE_HOME`, else `~/.cache`.
fn user_cache() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
}

/// Names this build of drydock for the layer cache: the executable's size and modification
/// time change with every build, so a rebuilt binary never reads results an older one wrote.
pub fn build_id() -> String {
    let exe = std::env::current_exe().and_then(std::fs::metadata);
    let stamp = exe.as_ref().map_or(String::new(), |m| {
        let mtime = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        format!("{}:{mtime}", m.len())
    });
    format!("{} {stamp}", env!("CARGO_PKG_VERSION"))
}

impl DbDir {
    pub fn resolve(&self) -> Result<PathBuf> {
        if let Some(d) = &self.db_dir {
            return Ok(d.clone());
        }
        let cache = user_cache().context("no cache directory: set --db-dir or DRYDOCK_DB_DIR")?;
        Ok(cache.join("drydock").join("db"))
    }
}

/// The statuses `--ignore-status` and `--ignore-unfixed` leave out, as the scanner names them.
pub fn ignored_statuses(common: &Common) -> Vec<&'static str> {
    use crate::cli::FixStatus;
    let mut out: Vec<&'static str> = common
        .ignore_status
        .iter()
        .filter_map(|s| match s {
            FixStatus::Fixed => Some("fixed"),
            FixStatus::Affected => Some("affected"),
            FixStatus::EndOfLife => Some("end_of_life"),
            _ => None,
        })
        .collect();
    if common.ignore_unfixed {
        out.extend(["affected", "end_of_life"]);
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// A secret kept in a file of one line (a mounted Kubernetes Secret: the store URL with its
/// password, a server token), at most 4 KiB, so it is in neither the process's arguments nor
/// its environment. Its content is never printed.
pub fn read_secret_line(file: &Path, what: &str) -> Result<String> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(4096).read_to_string(&mut text))
        .with_context(|| format!("cannot read {what} from {}", file.display()))?;
    let line = text.trim();
    anyhow::ensure!(
        !line.is_empty() && !line.contains(char::is_whitespace),
        "{}: expected one line holding {what}",
        file.display()
    );
    Ok(line.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::{CommandFactory, FromArgMatches};
    use drydock_finding::Severity;

    /// Every key, with values that differ between the two files (`a`, `b`), so each key shows
    /// which file won.
    fn file(a: bool) -> File {
        let (sev, code, scanner, budget, flag, tag) = if a {
            ("CRITICAL", 3, "secret", 0.5, true, "a")
        } else {
            ("LOW", 4, "misconfig", 7.0, false, "b")
        };
        let (status, warn, max) = if a {
            ("fixed", "1h", "2h")
        } else {
            ("affected", "1d", "2d")
        };
        let text = format!(
            r#"severity = ["{sev}"]
exit-code = {code}
scanners = ["{scanner}"]
ignorefile = "{tag}.ignore"
vex = ["{tag}.vex"]
db-dir = "{tag}-db"
password-budget = {budget}
ignore-unfixed = {flag}
quiet = {flag}
policy = ["{tag}-policy"]
ignore-status = ["{status}"]
db-warn-age = "{warn}"
db-max-age = "{max}"
store = "{tag}.sqlite"
"#
        );
        match toml::from_str(&text) {
            Ok(f) => f,
            Err(e) => panic!("test file does not parse: {e}"),
        }
    }

    /// `drydock rootfs dir FLAGS...` with the project and user files applied.
    fn applied(flags: &[&str], project: File, user: File) -> Common {
        let argv = ["drydock", "rootfs", "dir"].iter().chain(flags);
        let matches = Cli::command()
            .try_get_matches_from(argv)
            .expect("test flags parse");
        let sub = matches.subcommand().expect("a subcommand").1;
        let cli = Cli::from_arg_matches(&matches).expect("test flags parse");
        let Command::Rootfs { mut common, .. } = cli.command else {
            panic!("not rootfs");
        };
        apply_files(&mut common, sub, Some(project), Some(user)).expect("files apply");
        common
    }

    fn assert_file_won(c: &Common, a: bool) {
        let (sev, code, scanner, budget, tag) = if a {
            (Severity::Critical, 3, Scanner::Secret, 0.5, "a")
        } else {
            (Severity::Low, 4, Scanner::Misconfig, 7.0, "b")
        };
        assert_eq!(c.severity, vec![sev]);
        assert_eq!(c.exit_code, code);
        assert!(c.scanners == vec![scanner], "scanners");
        assert_eq!(c.ignorefile, Some(PathBuf::from(format!("{tag}.ignore"))));
        assert_eq!(c.vex, vec![PathBuf::from(format!("{tag}.vex"))]);
        assert_eq!(c.db.db_dir, Some(PathBuf::from(format!("{tag}-db"))));
        assert_eq!(c.password_budget, budget);
        assert_eq!(c.ignore_unfixed, a);
        assert_eq!(c.quiet, a);
        assert_eq!(c.policy, vec![PathBuf::from(format!("{tag}-policy"))]);
        let (status, warn, max) = if a {
            (crate::cli::FixStatus::Fixed, 3600, 7200)
        } else {
            (crate::cli::FixStatus::Affected, 86_400, 172_800)
        };
        assert_eq!(c.ignore_status, vec![status]);
        assert_eq!(c.db_warn_age.as_secs(), warn);
        assert_eq!(c.db_max_age.map(|d| d.as_secs()), Some(max));
    }

    /// The project file wins over the user file for every key, whichever values they hold
    /// (both orders, so booleans are checked going true and going false).
    #[test]
    fn project_file_wins_over_user_file_for_every_key() {
        assert_file_won(&applied(&[], file(true), file(false)), true);
        assert_file_won(&applied(&[], file(false), file(true)), false);
    }

    /// `store`: the project file's, else the user file's (flags and DRYDOCK_STORE are clap's).
    #[test]
    fn store_key_project_over_user() {
        assert_eq!(
            store_from(Some(file(true)), Some(file(false))).as_deref(),
            Some("a.sqlite")
        );
        assert_eq!(
            store_from(Some(File::default()), Some(file(false))).as_deref(),
            Some("b.sqlite")
        );
        assert_eq!(store_from(None, None), None);
    }

    /// The user file fills what the project file leaves out.
    #[test]
    fn user_file_fills_keys_the_project_file_lacks() {
        assert_file_won(&applied(&[], File::default(), file(false)), false);
    }

    /// A flag beats both files.
    #[test]
    fn flags_win_over_both_files() {
        let c = applied(
            &[
                "--exit-code",
                "9",
                "--password-budget",
                "1.5",
                "--severity",
                "MEDIUM",
            ],
            file(true),
            file(false),
        );
        assert_eq!(c.exit_code, 9);
        assert_eq!(c.password_budget, 1.5);
        assert_eq!(c.severity, vec![Severity::Medium]);
        // Keys without a flag still come from the project file.
        assert_eq!(c.db.db_dir, Some(PathBuf::from("a-db")));
    }
}
