//! Parsers that turn language package files into [`Package`]s with Package URLs.
//!
//! Every parser is pure: it receives the file's path inside the image and its bytes and never
//! touches the filesystem. The scanning engine owns the layers (whiteouts, symlinks, size
//! limits), so it reads the files and decides what is too big; the parsers stay trivially
//! testable against fixtures.
//!
//! [`PARSERS`] is the registry: one entry per file format, each declaring the file names and
//! globs it wants ([`Parser::wants`]). Executables are different because their names say
//! nothing: the engine asks [`is_candidate_binary`] with the metadata it already has, reads
//! the few candidates and hands them to [`parse_binary`], which looks for Go build info and
//! cargo-auditable data and returns nothing for any other executable.
//!
//! Input is treated as hostile: nothing panics, and every allocation is bounded by the input
//! length (or by explicit caps for decompression). A file that cannot be read at all yields a
//! [`LangError`] naming the file; individual malformed records inside a sound file are
//! skipped, because one odd entry should not hide the rest of a lockfile.

pub mod dotnet;
mod elf;
pub mod golang;
pub mod java;
pub mod javascript;
pub mod php;
pub mod python;
pub mod ruby;
pub mod rust;
mod yaml;

use std::collections::BTreeMap;

use drydock_fs::strip_root;
use serde::Serialize;

/// Language package ecosystems, named as OSV names them so findings can be looked up in
/// vulnerability databases without a translation table.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[non_exhaustive]
pub enum Ecosystem {
    /// Rust crates.
    #[serde(rename = "crates.io")]
    CratesIo,
    /// JavaScript packages.
    #[serde(rename = "npm")]
    Npm,
    /// Python distributions.
    #[serde(rename = "PyPI")]
    PyPI,
    /// Go modules (and the Go standard library as `stdlib`).
    #[serde(rename = "Go")]
    Go,
    /// Java artifacts.
    #[serde(rename = "Maven")]
    Maven,
    /// Ruby gems.
    #[serde(rename = "RubyGems")]
    RubyGems,
    /// PHP Composer packages.
    #[serde(rename = "Packagist")]
    Packagist,
    /// .NET packages.
    #[serde(rename = "NuGet")]
    NuGet,
}

impl Ecosystem {
    /// The OSV ecosystem name, the same string the JSON form uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::CratesIo => "crates.io",
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "PyPI",
            Ecosystem::Go => "Go",
            Ecosystem::Maven => "Maven",
            Ecosystem::RubyGems => "RubyGems",
            Ecosystem::Packagist => "Packagist",
            Ecosystem::NuGet => "NuGet",
        }
    }

    /// Package URL type for this ecosystem.
    pub fn purl_type(self) -> &'static str {
        match self {
            Ecosystem::CratesIo => "cargo",
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "pypi",
            Ecosystem::Go => "golang",
            Ecosystem::Maven => "maven",
            Ecosystem::RubyGems => "gem",
            Ecosystem::Packagist => "composer",
            Ecosystem::NuGet => "nuget",
        }
    }
}

impl std::fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One language package found in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Package {
    /// OSV ecosystem the name and version belong to.
    pub ecosystem: Ecosystem,
    /// Name as the ecosystem's vulnerability data spells it: `@scope/name` for npm,
    /// `groupId:artifactId` for Maven (just the artifactId when the group is unknown),
    /// `vendor/name` for Packagist, the module path for Go. Python names are kept as
    /// written; the purl carries the PEP 503 form.
    pub name: String,
    /// Version exactly as the file records it (Go versions keep their `v`). Entries without
    /// a usable version are not reported, because a versionless package would match every
    /// advisory for its name. The one exception is a Go binary's main module built from a
    /// checkout (`(devel)`, no `-ldflags` version): it is the program's identity, so it is
    /// kept with an empty version and a versionless purl, and matchers must skip it.
    pub version: String,
    /// Package URL, e.g. `pkg:npm/%40babel/core@7.24.0`.
    pub purl: String,
    /// Declared licences, verbatim, one entry per licence or expression the file lists.
    pub licenses: Vec<String>,
    /// Only needed for development (npm `dev`, poetry's dev category, composer
    /// `packages-dev`...). Reports may leave these out since they do not ship.
    pub dev: bool,
    /// Whether the project asks for this package itself (`Some(true)`) or it is pulled in
    /// by another package (`Some(false)`); `None` when the file does not say.
    pub direct: Option<bool>,
    /// What this package depends on, as purls where the file pins the version and as bare
    /// names where it does not; empty when the file does not record dependencies.
    pub dependencies: Vec<String>,
    /// Where the evidence is: the file path inside the image, with `!inner/path` appended
    /// for every archive level when the package came from a nested jar.
    pub location: String,
    /// Not from the ecosystem's registry: the project's own crates, path and git dependencies.
    /// Its name may equal a published package's, but the registry's advisories are not about it
    /// (cargo-audit skips such packages too); it stays in the inventory and SBOM.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unpublished: bool,
}

impl Package {
    /// A package with its purl built from the ecosystem's naming rules; `None` when the name
    /// or version is unusable (empty, or not expressible as a purl).
    pub(crate) fn new(
        ecosystem: Ecosystem,
        name: &str,
        version: &str,
        location: &str,
    ) -> Option<Package> {
        let name = name.trim();
        let version = version.trim();
        if name.is_empty() || version.is_empty() {
            return None;
        }
        let purl = make_purl(ecosystem, name, version)?;
        Some(Package {
            ecosystem,
            name: name.to_owned(),
            version: version.to_owned(),
            purl,
            licenses: Vec::new(),
            dev: false,
            direct: None,
            dependencies: Vec::new(),
            location: location.to_owned(),
            unpublished: false,
        })
    }
}

/// Builds the purl for `name@version` in `ecosystem`, splitting namespaces the way each
/// purl type expects.
pub fn make_purl(ecosystem: Ecosystem, name: &str, version: &str) -> Option<String> {
    let (namespace, short): (Option<&str>, String) = match ecosystem {
        Ecosystem::Npm => match name.strip_prefix('@').and_then(|_| name.split_once('/')) {
            Some((scope, rest)) => (Some(scope), rest.to_owned()),
            None => (None, name.to_owned()),
        },
        Ecosystem::Go | Ecosystem::Packagist => match name.rsplit_once('/') {
            Some((ns, rest)) => (Some(ns), rest.to_owned()),
            None => (None, name.to_owned()),
        },
        Ecosystem::Maven => match name.split_once(':') {
            Some((group, artifact)) => (Some(group), artifact.to_owned()),
            None => (None, name.to_owned()),
        },
        Ecosystem::PyPI => (None, python::normalize_name(name)),
        _ => (None, name.to_owned()),
    };
    let mut purl = packageurl::PackageUrl::new(ecosystem.purl_type(), short).ok()?;
    if let Some(ns) = namespace.filter(|ns| !ns.is_empty()) {
        purl.with_namespace(ns.to_owned()).ok()?;
    }
    if !version.is_empty() {
        purl.with_version(version.to_owned()).ok()?;
    }
    Some(purl.to_string())
}

/// Why a whole file could not be read. Problems with single entries are not errors: those
/// entries are skipped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LangError {
    /// The bytes are not valid for the format (syntax error, wrong structure, bad magic).
    #[error("{path}: invalid {format}: {detail}")]
    Invalid {
        /// Path inside the image.
        path: String,
        /// Format that was expected (`package-lock.json`, `Go build info`, ...).
        format: &'static str,
        /// What was wrong, with a position where the underlying parser gives one.
        detail: String,
    },
    /// The input (or a decompressed part of it) exceeds what the parser is willing to hold.
    #[error("{path}: {format} too large: {detail}")]
    TooLarge {
        /// Path inside the image.
        path: String,
        /// Format being read.
        format: &'static str,
        /// Which limit was hit.
        detail: String,
    },
}

impl LangError {
    pub(crate) fn invalid(path: &str, format: &'static str, detail: impl ToString) -> Self {
        LangError::Invalid {
            path: path.to_owned(),
            format,
            detail: detail.to_string(),
        }
    }
}

/// Text formats larger than this are refused: real lockfiles are a few MiB at most, and
/// the tree-shaped parsers need several times the input size in memory.
pub const MAX_TEXT_SIZE: usize = 64 << 20;

/// Decodes a text file, refusing oversized input. Invalid UTF-8 is replaced rather than
/// rejected: a stray Latin-1 byte in a description should not lose the whole file.
pub(crate) fn text<'a>(
    path: &str,
    format: &'static str,
    data: &'a [u8],
) -> Result<std::borrow::Cow<'a, str>, LangError> {
    if data.len() > MAX_TEXT_SIZE {
        return Err(LangError::TooLarge {
            path: path.to_owned(),
            format,
            detail: format!("{} bytes, limit {MAX_TEXT_SIZE}", data.len()),
        });
    }
    let data = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
    Ok(String::from_utf8_lossy(data))
}

/// Parses a JSON file into a value, with the size check and error mapping every JSON
/// format needs.
pub(crate) fn json(
    path: &str,
    format: &'static str,
    data: &[u8],
) -> Result<serde_json::Value, LangError> {
    let s = text(path, format, data)?;
    serde_json::from_str(&s).map_err(|e| LangError::invalid(path, format, e))
}

/// Parses a JSON file whose top level must be an object (every lockfile and manifest format).
pub(crate) fn json_object(
    path: &str,
    format: &'static str,
    data: &[u8],
) -> Result<serde_json::Value, LangError> {
    let doc = json(path, format, data)?;
    if !doc.is_object() {
        return Err(LangError::invalid(
            path,
            format,
            "top level is not an object",
        ));
    }
    Ok(doc)
}

/// Parses a TOML file into a table.
pub(crate) fn toml_table(
    path: &str,
    format: &'static str,
    data: &[u8],
) -> Result<toml::Table, LangError> {
    let s = text(path, format, data)?;
    s.parse::<toml::Table>()
        .map_err(|e| LangError::invalid(path, format, e.message()))
}

/// Merges packages that share a purl and sorts the list, so every parser returns one entry
/// per package regardless of how often the file repeats it (npm installs the same version
/// at several depths, lockfiles list a package per target framework...).
pub(crate) fn finish(pkgs: Vec<Package>) -> Vec<Package> {
    let mut merged: BTreeMap<(String, String, String), Package> = BTreeMap::new();
    for p in pkgs {
        let key = (p.name.clone(), p.version.clone(), p.purl.clone());
        match merged.get_mut(&key) {
            Some(existing) => {
                // Shipped if any occurrence is shipped; direct if any occurrence is direct.
                existing.dev &= p.dev;
                existing.direct = match (existing.direct, p.direct) {
                    (Some(a), Some(b)) => Some(a || b),
                    (a, b) => a.or(b),
                };
                for d in p.dependencies {
                    if !existing.dependencies.contains(&d) {
                        existing.dependencies.push(d);
                    }
                }
                for l in p.licenses {
                    if !existing.licenses.contains(&l) {
                        existing.licenses.push(l);
                    }
                }
            }
            None => {
                merged.insert(key, p);
            }
        }
    }
    merged.into_values().collect()
}

/// Which paths a parser wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathPattern {
    /// Any file with exactly this base name, in any directory.
    FileName(&'static str),
    /// A glob over the whole path (leading `/` and `./` ignored): `*` matches within one
    /// path segment, `**/` matches any number of leading directories (including none).
    Glob(&'static str),
}

impl PathPattern {
    /// Whether this pattern selects `path`.
    pub fn matches(&self, path: &str) -> bool {
        let path = strip_root(path);
        match self {
            PathPattern::FileName(name) => path.rsplit('/').next() == Some(*name),
            PathPattern::Glob(glob) => {
                let pat: Vec<&str> = strip_root(glob).split('/').collect();
                let segs: Vec<&str> = path.split('/').collect();
                glob_segments(&pat, &segs)
            }
        }
    }
}

/// Segment-wise glob match. `**` may absorb any number of segments; patterns are short and
/// static, so the backtracking is bounded by path depth times pattern length.
fn glob_segments(pat: &[&str], segs: &[&str]) -> bool {
    match pat.split_first() {
        None => segs.is_empty(),
        Some((&"**", rest)) => (0..=segs.len()).any(|i| glob_segments(rest, &segs[i..])),
        Some((p, rest)) => match segs.split_first() {
            Some((s, srest)) => glob_one(p.as_bytes(), s.as_bytes()) && glob_segments(rest, srest),
            None => false,
        },
    }
}

/// `*`-only wildcard match within one segment (iterative, linear-ish backtracking).
fn glob_one(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if pi < p.len() && p[pi] == s[si] {
            pi += 1;
            si += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Signature of every file parser: the path inside the image (for messages, and for the
/// formats whose path carries information such as the jar file name) and the whole file.
pub type ParseFn = fn(&str, &[u8]) -> Result<Vec<Package>, LangError>;

/// One file format's entry in the registry.
#[derive(Debug, Clone, Copy)]
pub struct Parser {
    /// Short stable name of the format (`package-lock.json`, `python-dist-info`...).
    pub name: &'static str,
    /// Ecosystem of the packages it yields.
    pub ecosystem: Ecosystem,
    /// Paths it wants.
    pub paths: &'static [PathPattern],
    /// The parser.
    pub parse: ParseFn,
}

impl Parser {
    /// Whether this parser wants the file at `path`.
    pub fn wants(&self, path: &str) -> bool {
        self.paths.iter().any(|p| p.matches(path))
    }
}

/// Every file-format parser, one line each. Binaries are not here: see [`parse_binary`].
pub static PARSERS: &[Parser] = &[
    rust::CARGO_LOCK,
    javascript::package_lock::PARSER,
    javascript::yarn::PARSER,
    javascript::pnpm::PARSER,
    javascript::node_modules::PARSER,
    python::metadata::PARSER,
    python::requirements::PARSER,
    python::poetry::PARSER,
    python::pipfile::PARSER,
    python::uv::PARSER,
    golang::GO_MOD,
    java::PARSER,
    ruby::GEMFILE_LOCK,
    ruby::GEMSPEC,
    php::PARSER,
    dotnet::PARSER,
];

/// The parsers that want `path` (usually zero or one).
pub fn parsers_for(path: &str) -> impl Iterator<Item = &'static Parser> + '_ {
    PARSERS.iter().filter(move |p| p.wants(path))
}

/// Runs every parser that wants `path` on `data`. `Ok(empty)` when no parser wants it.
pub fn parse_file(path: &str, data: &[u8]) -> Result<Vec<Package>, LangError> {
    let mut out = Vec::new();
    for p in parsers_for(path) {
        out.extend((p.parse)(path, data)?);
    }
    Ok(out)
}

/// Smallest executable worth opening: a Go or Rust binary with embedded dependency data
/// is never this small, and most tiny files are scripts.
const MIN_BINARY_SIZE: u64 = 4096;

/// Largest executable worth reading whole. Go binaries of a few hundred MiB exist
/// (kubelet-style monoliths); beyond this it is almost certainly data, not a program.
pub const MAX_BINARY_SIZE: u64 = 1 << 30;

/// Whether an image file may be a Go or cargo-auditable binary, from metadata the engine has
/// without reading it: a regular file with an execute bit, of plausible size, not in a place
/// that only holds scripts or libraries' sources. The engine then checks the ELF magic on the
/// first bytes and calls [`parse_binary`]; this filter exists so a scan does not read every
/// file of the image.
pub fn is_candidate_binary(path: &str, size: u64, mode: u32) -> bool {
    const S_IFMT: u32 = 0o170000;
    const S_IFREG: u32 = 0o100000;
    let file_type = mode & S_IFMT;
    if file_type != 0 && file_type != S_IFREG {
        return false;
    }
    if mode & 0o111 == 0 || !(MIN_BINARY_SIZE..=MAX_BINARY_SIZE).contains(&size) {
        return false;
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    // Shared objects are executable on some distributions but carry no build info.
    let skip_ext = [".so", ".sh", ".py", ".pl", ".rb", ".js", ".txt", ".a", ".o"];
    !(skip_ext.iter().any(|e| name.ends_with(e)) || name.contains(".so."))
}

/// Whether the first bytes of a file are an ELF header, for the engine's cheap check before
/// reading a whole candidate binary.
pub fn has_elf_magic(first_bytes: &[u8]) -> bool {
    first_bytes.starts_with(b"\x7fELF")
}

/// Extracts the packages embedded in an executable: Go build info and cargo-auditable
/// dependency lists. Any other executable yields `Ok(empty)`; a binary whose embedded data
/// is recognised but broken yields an error.
pub fn parse_binary(path: &str, data: &[u8]) -> Result<Vec<Package>, LangError> {
    let mut out = Vec::new();
    if let Some(info) = golang::BuildInfo::from_binary(path, data)? {
        out.extend(info.packages(path));
    }
    out.extend(rust::parse_auditable(path, data)?);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        let g = |p: &'static str, s: &str| PathPattern::Glob(p).matches(s);
        assert!(g(
            "**/*.dist-info/METADATA",
            "/usr/lib/python3/dist-packages/a-1.dist-info/METADATA"
        ));
        assert!(g("**/*.dist-info/METADATA", "a-1.dist-info/METADATA"));
        assert!(!g("**/*.dist-info/METADATA", "a-1.dist-info/RECORD"));
        assert!(g(
            "**/node_modules/*/package.json",
            "app/node_modules/lodash/package.json"
        ));
        assert!(!g(
            "**/node_modules/*/package.json",
            "app/node_modules/lodash/x/package.json"
        ));
        assert!(g(
            "**/node_modules/@*/*/package.json",
            "node_modules/@babel/core/package.json"
        ));
        assert!(PathPattern::FileName("Cargo.lock").matches("/src/Cargo.lock"));
        assert!(!PathPattern::FileName("Cargo.lock").matches("/src/xCargo.lock"));
    }

    #[test]
    fn registry_routes() {
        let names = |p: &str| parsers_for(p).map(|x| x.name).collect::<Vec<_>>();
        assert_eq!(names("/app/package-lock.json"), ["package-lock.json"]);
        assert_eq!(names("/app/Cargo.lock"), ["Cargo.lock"]);
        assert_eq!(names("/opt/app.jar"), ["java-archive"]);
        assert_eq!(
            names("/usr/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA"),
            ["python-metadata"]
        );
        assert!(names("/etc/passwd").is_empty());
    }

    #[test]
    fn candidates() {
        assert!(is_candidate_binary("/usr/bin/runc", 9_000_000, 0o100755));
        assert!(!is_candidate_binary("/usr/bin/runc", 9_000_000, 0o100644));
        assert!(!is_candidate_binary(
            "/usr/lib/libc.so.6",
            9_000_000,
            0o100755
        ));
        assert!(!is_candidate_binary("/usr/bin/x", 100, 0o100755));
        assert!(!is_candidate_binary("/dev/sda", 9_000_000, 0o060755));
    }

    #[test]
    fn purls() {
        let p = |e, n, v| make_purl(e, n, v).unwrap_or_default();
        assert_eq!(
            p(Ecosystem::Npm, "@babel/core", "7.0.0"),
            "pkg:npm/%40babel/core@7.0.0"
        );
        assert_eq!(
            p(Ecosystem::PyPI, "Django_Rest.framework", "1.0"),
            "pkg:pypi/django-rest-framework@1.0"
        );
        assert_eq!(
            p(Ecosystem::Go, "github.com/aquasecurity/test", "v1.0.0"),
            "pkg:golang/github.com/aquasecurity/test@v1.0.0"
        );
        assert_eq!(
            p(Ecosystem::Go, "stdlib", "v1.22.1"),
            "pkg:golang/stdlib@v1.22.1"
        );
        assert_eq!(
            p(Ecosystem::Maven, "org.slf4j:slf4j-api", "2.0.9"),
            "pkg:maven/org.slf4j/slf4j-api@2.0.9"
        );
    }
}
