//! The body of every fuzz target, shared by `fuzz/fuzz_targets/*.rs` and the regression test
//! `tests/fuzz_regressions.rs`: a crash input saved from libFuzzer is replayed by `cargo test`
//! through exactly the code that found it, so a fix cannot regress unnoticed once the fuzzer is
//! no longer running.
//!
//! Every function takes arbitrary bytes and must return without panicking, overflowing the
//! stack, or allocating without bound; results are thrown away, because only the absence of a
//! crash (and the few invariants asserted here) is being tested. Targets that choose among
//! several parsers read a selector from the first byte (modulo the number of choices), so
//! libFuzzer can move an input from one parser to another with a single-byte mutation.

use std::collections::HashSet;
use std::io::Read;
use std::sync::OnceLock;
use std::time::Duration;

/// A target's body: arbitrary bytes in, nothing out.
pub type Target = fn(&[u8]);

/// Every target by name, as `cargo fuzz list` names them and as `fuzz/regressions/<name>/`
/// directories are named.
pub const TARGETS: &[(&str, Target)] = &[
    ("layer_stream", layer_stream),
    ("image_archive", image_archive),
    ("os_package_db", os_package_db),
    ("versions", versions),
    ("path_resolve", path_resolve),
    ("lang_files", lang_files),
    ("lang_binary", lang_binary),
    ("java_archive", java_archive),
    ("osv_json", osv_json),
    ("osv_yaml", osv_yaml),
    ("dockerfile", dockerfile),
    ("config_files", config_files),
    ("creds_audit", creds_audit),
    ("secrets_scan", secrets_scan),
];

/// The target called `name`.
pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// Splits off the selector byte; an empty input selects choice 0 with empty content, so the
/// empty file is tried too.
fn select(data: &[u8], choices: usize) -> (usize, &[u8]) {
    match data.split_first() {
        Some((&b, rest)) => (usize::from(b) % choices.max(1), rest),
        None => (0, data),
    }
}

/// Small enough that a hostile tar cannot make one iteration slow, big enough for real headers.
fn layer_limits() -> drydock_fs::Limits {
    drydock_fs::Limits {
        max_entries: 10_000,
        max_layer_bytes: 64 << 20,
        max_file_bytes: 1 << 20,
        ..drydock_fs::Limits::default()
    }
}

/// Arbitrary bytes as a layer blob (plain, gzip or zstd, by magic): must stream to a result or a
/// clean error, whatever the tar headers claim.
pub fn layer_stream(data: &[u8]) {
    use drydock_fs::{EntryMeta, Expected, LayerError, walk_blob};
    let mut sink = Vec::new();
    let _ = walk_blob(
        "fuzz",
        data,
        &Expected::default(),
        &layer_limits(),
        &|_| {},
        &mut |_: &EntryMeta, r: &mut dyn Read| -> Result<(), LayerError> {
            sink.clear();
            let _ = r.take(1 << 16).read_to_end(&mut sink);
            Ok(())
        },
    );
}

/// Arbitrary bytes as an image archive on disk: index/manifest/config parsing, member lookup and
/// link following inside the archive, then a full scan. The archive has to be a file because
/// `Image::open` takes a path (random access to blobs needs a seekable file).
pub fn image_archive(data: &[u8]) {
    use drydock_analyze::Engine;
    use drydock_image::{Image, OpenOptions};
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("image.tar");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    // Built once: the built-in analyzers compile the secret rules, which costs far more than a
    // scan of a small archive, and a scan does not change the engine.
    static ENGINE: OnceLock<Option<Engine>> = OnceLock::new();
    if let Ok(image) = Image::open(&path, &OpenOptions::default())
        && let Some(engine) = ENGINE.get_or_init(|| Engine::builtin(layer_limits()).ok())
    {
        let _ = engine.scan(&image, &|_| {});
    }
}

/// Arbitrary bytes through every OS package database parser (dpkg, apk, rpm: sqlite, bdb, ndb).
/// All of them at once rather than by selector: most reject foreign bytes at the first magic
/// check, so the cost is small.
pub fn os_package_db(data: &[u8]) {
    use drydock_catalog::{CATALOGERS, DbFile, Distro};
    const PATHS: &[&str] = &[
        "/var/lib/dpkg/status",
        "/lib/apk/db/installed",
        "/var/lib/rpm/Packages",
        "/var/lib/rpm/Packages.db",
        "/var/lib/rpm/rpmdb.sqlite",
    ];
    for path in PATHS {
        if let Some(c) = CATALOGERS.iter().find(|c| c.wants(path)) {
            let _ = (c.parse)(
                &DbFile::new(path, data),
                &Distro::new("debian", Some("12")),
                &mut Vec::new(),
            );
        }
    }
}

/// Every version scheme compares arbitrary strings (first line against the rest, or `1.0`), and
/// ordering is antisymmetric for what parses: a matcher that sorts versions relies on it.
pub fn versions(data: &[u8]) {
    use drydock_version::Scheme;
    let s = String::from_utf8_lossy(data);
    let (a, b) = s.split_once('\n').unwrap_or((&s, "1.0"));
    for scheme in Scheme::ALL {
        if let (Ok(x), Ok(y)) = (scheme.compare(a, b), scheme.compare(b, a)) {
            assert_eq!(x, y.reverse(), "{scheme}: {a:?} vs {b:?}");
        }
    }
}

/// Arbitrary names and link targets squashed into a tree, then resolved: resolution must stay
/// inside the root (it has no other place to go) and terminate. One entry per line:
/// `f|d|w|o NAME`, `l|h NAME TARGET`, and `-` to start the next layer; every line (up to 50) is
/// then also resolved as a path.
pub fn path_resolve(data: &[u8]) {
    use drydock_fs::{EntryKind, EntryMeta, FileTree, ImagePath};
    let mut layers: Vec<Vec<EntryMeta>> = vec![Vec::new()];
    for line in data.split(|&b| b == b'\n').take(500) {
        let mut parts = line.splitn(3, |&b| b == b' ');
        let (Some(op), Some(name)) = (parts.next(), parts.next()) else {
            continue;
        };
        let target = parts.next().unwrap_or(b"");
        let kind = match op {
            b"f" => EntryKind::File,
            b"d" => EntryKind::Dir,
            b"l" => EntryKind::Symlink {
                target: target.into(),
            },
            b"h" => EntryKind::Hardlink {
                target: ImagePath::normalize(target).0,
            },
            b"w" => EntryKind::Whiteout,
            b"o" => EntryKind::OpaqueDir,
            b"-" => {
                layers.push(Vec::new());
                continue;
            }
            _ => continue,
        };
        let path = ImagePath::normalize(name).0;
        if let Some(layer) = layers.last_mut() {
            layer.push(EntryMeta {
                path,
                kind,
                size: 0,
                mode: 0o644,
                uid: 0,
                gid: 0,
            });
        }
    }
    let (tree, _) = FileTree::squash(
        layers
            .into_iter()
            .map(|l| l.into_iter().collect())
            .collect(),
        &HashSet::new(),
    );
    for line in data.split(|&b| b == b'\n').take(50) {
        let _ = tree.resolve(&ImagePath::normalize(line).0, true);
    }
}

/// A path the parser wants, built from its first pattern: some parsers read the name (a jar's
/// version, a dist-info directory), so the path must look like one the engine would hand over.
pub fn lang_sample_path(parser: &drydock_lang::Parser) -> String {
    use drydock_lang::PathPattern;
    match parser.paths.first() {
        Some(PathPattern::FileName(name)) => format!("app/{name}"),
        Some(PathPattern::Glob(glob)) => {
            let glob = glob.strip_prefix("**/").unwrap_or(glob);
            format!("app/{}", glob.replace('*', "pkg-1.2.3"))
        }
        None => String::from("app/unknown"),
    }
}

/// One language lockfile/manifest parser from `drydock_lang::PARSERS` (first byte selects it,
/// modulo the registry's length), fed the rest under a path it wants.
pub fn lang_files(data: &[u8]) {
    let parsers = drydock_lang::PARSERS;
    let (i, content) = select(data, parsers.len());
    let Some(parser) = parsers.get(i) else { return };
    let path = lang_sample_path(parser);
    let _ = (parser.parse)(&path, content);
}

/// An executable: Go build info (inline and pointer formats, ELF sections) and cargo-auditable
/// data, then the same bytes as `go version -m` text, whose parser is shared with the binary path.
pub fn lang_binary(data: &[u8]) {
    let _ = drydock_lang::parse_binary("usr/bin/app", data);
    let text = String::from_utf8_lossy(data);
    let _ = drydock_lang::golang::BuildInfo::from_modinfo_text("go1.22.1", &text).packages("app");
}

/// A jar (zip, with nested jars and their manifests and `pom.properties`). In `lang_files` too,
/// but a target of its own lets the fuzzer spend its time on zip structure.
pub fn java_archive(data: &[u8]) {
    let _ = drydock_lang::java::parse("opt/app/app-1.0.jar", data);
}

/// One file of an OSV import as JSON, dispatched as the importer does: an Alpine secdb document
/// is converted (and merged when it names a CVE twice), an array is a list of records, anything
/// else is one record; every record is also parsed with `Advisory::from_json`.
pub fn osv_json(data: &[u8]) {
    use drydock_vulndb::{Advisory, alpine, model::RawAdvisory};
    let _ = Advisory::from_json(data);
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if alpine::is_secdb(&doc) {
        if let Ok((advisories, _bad)) = alpine::convert(&doc) {
            let mut merged: std::collections::BTreeMap<String, Advisory> = Default::default();
            for adv in advisories {
                match merged.get_mut(&adv.id) {
                    Some(existing) => alpine::merge(existing, adv),
                    None => {
                        merged.insert(adv.id.clone(), adv);
                    }
                }
            }
        }
        return;
    }
    let records = match doc {
        serde_json::Value::Array(items) => items,
        other => vec![other],
    };
    for record in records {
        if let Ok(raw) = serde_json::from_value::<RawAdvisory>(record) {
            let _ = Advisory::try_from(raw);
        }
    }
}

/// One OSV record as YAML (PyPA's advisory database), through the crate's YAML-to-JSON
/// conversion, which also reads Alpine's YAML secdb files.
pub fn osv_yaml(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = drydock_vulndb::Advisory::from_yaml(&text);
}

/// A Dockerfile: the parser (continuations, heredocs, JSON forms, variables) and every DD-DF rule.
pub fn dockerfile(data: &[u8]) {
    let _ = drydock_config::scan_file("Dockerfile", data);
}

/// The file names `config_files` scans its input under.
const CONFIG_NAMES: &[&str] = &[
    "deploy.yaml",
    "docker-compose.yml",
    "daemon.json",
    "k8s/all.yml",
    "compose.yaml",
];

/// Kubernetes manifests, Compose files and `daemon.json`. Choices 0-4 go through `scan_file`
/// under the names above (content-based detection included); choices 5 and 6 skip detection
/// and hand the text straight to the Kubernetes loader and checks or to the Compose scanner,
/// so the fuzzer need not first discover `apiVersion:` or `services:`.
pub fn config_files(data: &[u8]) {
    let (i, content) = select(data, CONFIG_NAMES.len() + 2);
    match CONFIG_NAMES.get(i) {
        Some(name) => {
            let _ = drydock_config::scan_file(name, content);
        }
        None => {
            let text = String::from_utf8_lossy(content);
            if i == CONFIG_NAMES.len() {
                let (objects, _errors) = drydock_config::k8s::load("deploy.yaml", &text);
                let _ = drydock_config::k8s::check(&objects);
            } else {
                let _ = drydock_config::compose::scan("docker-compose.yml", &text);
            }
        }
    }
}

/// The files `creds_audit` can build: accounts and one or two of each service's configs.
const CREDS_PATHS: &[&str] = &[
    "etc/passwd",
    "etc/shadow",
    "etc/group",
    "etc/gshadow",
    "etc/ssh/sshd_config",
    "etc/ssh/sshd_config.d/10-fuzz.conf",
    "etc/ssh/sshd_config.d/20-fuzz.conf",
    "etc/ssh/sshd_config.d/30-fuzz.conf",
    "etc/redis/redis.conf",
    "etc/postgresql/16/main/pg_hba.conf",
    "etc/mysql/my.cnf",
    "etc/mongod.conf",
    "etc/elasticsearch/elasticsearch.yml",
    "usr/local/tomcat/conf/tomcat-users.xml",
    "var/lib/jenkins/config.xml",
    "var/lib/jenkins/users/admin_123/config.xml",
    "etc/grafana/grafana.ini",
    "var/www/.htpasswd",
    "etc/snmp/snmpd.conf",
    "root/.vnc/passwd",
];

/// The credential audit over a set of files. The input is split at NUL bytes; each piece's first
/// byte picks its path from the list above (modulo its length) and the rest is the content, so
/// one input can pair a passwd with a shadow or an sshd_config with drop-ins that include
/// each other.
///
/// Cracking is slow on purpose (bcrypt, yescrypt); the budget here allows a millisecond and two
/// list words per hash, which still runs hash parsing, cost pricing and verification but keeps
/// an iteration fast.
pub fn creds_audit(data: &[u8]) {
    static WORDLIST: OnceLock<drydock_creds::Wordlist> = OnceLock::new();
    let budget = drydock_creds::CrackBudget {
        per_hash: Duration::from_millis(1),
        max_words: 2,
    };
    let files: Vec<(String, Vec<u8>)> = data
        .split(|&b| b == 0)
        .map(|piece| {
            let (i, content) = select(piece, CREDS_PATHS.len());
            let path = CREDS_PATHS.get(i).copied().unwrap_or("etc/passwd");
            (path.to_owned(), content.to_vec())
        })
        .collect();
    let wordlist = WORDLIST.get_or_init(drydock_creds::Wordlist::builtin);
    let _ = drydock_creds::audit_with(&files, &budget, wordlist);
}

/// The names `secrets_scan` scans its input under: plain text, then every credential-file
/// parser's file.
const SECRET_PATHS: &[&str] = &[
    "app/.env",
    "root/.docker/config.json",
    "run/containers/0/containers/auth.json",
    "root/.dockercfg",
    "root/.git-credentials",
    "root/.config/git/credentials",
    "root/.netrc",
    "root/.npmrc",
    "root/.pypirc",
    "root/.pgpass",
    "root/.kube/config",
    "etc/kubernetes/admin.conf",
    "root/.aws/credentials",
    "root/.aws/config",
    "root/.config/gcloud/application_default_credentials.json",
    "root/.config/gcloud/legacy_credentials/me@example.com/adc.json",
    "root/.azure/msal_token_cache.json",
    "root/.azure/service_principal_entries.json",
];

/// Secret rules over arbitrary bytes: the keyword pass, the regexes it triggers, entropy and
/// allowlists, and the credential-file parsers (first byte picks the file name); under the
/// plain-text name the bytes are also scanned as an image metadata string.
pub fn secrets_scan(data: &[u8]) {
    // Compiling the rule set is far slower than one scan; a scan never changes the engine.
    static ENGINE: OnceLock<drydock_secrets::Engine> = OnceLock::new();
    let engine = ENGINE.get_or_init(drydock_secrets::Engine::builtin);
    let (i, content) = select(data, SECRET_PATHS.len());
    let path = SECRET_PATHS.get(i).copied().unwrap_or("app/.env");
    let _ = engine.scan(path, content);
    if i == 0 {
        let _ = engine.scan_text("config.Env", &String::from_utf8_lossy(content));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_names_are_unique() {
        let names: HashSet<&str> = TARGETS.iter().map(|(n, _)| *n).collect();
        assert_eq!(names.len(), TARGETS.len());
    }

    /// A sample path no parser wants would make `lang_files` test nothing for that parser.
    #[test]
    fn lang_sample_paths_are_wanted() {
        for parser in drydock_lang::PARSERS {
            let path = lang_sample_path(parser);
            assert!(parser.wants(&path), "{}: {path}", parser.name);
        }
    }

    #[test]
    fn creds_paths_are_wanted() {
        for path in CREDS_PATHS {
            assert!(drydock_creds::wants(path), "{path}");
        }
    }

    #[test]
    fn config_names_are_wanted() {
        for name in CONFIG_NAMES {
            assert!(drydock_config::wants(name), "{name}");
        }
    }
}
