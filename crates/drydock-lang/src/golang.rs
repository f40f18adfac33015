//! Go: build info embedded in binaries, and `go.mod`.
//!
//! Binaries are the important source: a container usually ships the compiled program, not
//! its sources, and since Go 1.13 the linker embeds the module list (`go version -m`).
//! The blob starts with the 14-byte magic `\xff Go buildinf:` at a 16-byte aligned address,
//! followed by the pointer size and a flags byte. Before Go 1.18 the header holds two
//! pointers to Go string headers elsewhere in the image (so virtual addresses must be mapped
//! to file offsets through the ELF tables); from Go 1.18 the two strings follow the header
//! inline, each prefixed by a uvarint length.

use crate::elf::Elf;
use crate::{Ecosystem, LangError, Package, PathPattern, make_purl};

const MAGIC: &[u8] = b"\xff Go buildinf:";
const HEADER_SIZE: usize = 32;
const ALIGN: usize = 16;
const FORMAT: &str = "Go build info";
/// Go itself reads at most this much of the build-info section; the inline strings of
/// any real binary fit easily.
const SEARCH_WINDOW: usize = 64 * 1024;
/// The module list of the largest real binaries is a few hundred KiB; a longer string is
/// a corrupt length, not data.
const MAX_STRING: u64 = 16 << 20;

/// One module line (`mod`, `dep` or `=>`) of the build info.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// Module path.
    pub path: String,
    /// Version (`v1.2.3`, pseudo-version, or `(devel)` for the main module).
    pub version: String,
    /// `h1:` checksum, empty when absent.
    pub sum: String,
    /// The module this one was replaced by (`=>` line), if any.
    pub replace: Option<Box<Module>>,
}

/// Decoded build info of a Go binary, as `go version -m` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BuildInfo {
    /// Toolchain version string as embedded, e.g. `go1.22.1 X:loopvar`.
    pub go_version: String,
    /// Package path of the main package (`path` line); present even for GOPATH builds that
    /// have no module information, like Debian's packaged Go programs.
    pub path: String,
    /// Main module (`mod` line); absent for non-module builds.
    pub main: Option<Module>,
    /// Dependency modules (`dep` lines) in file order.
    pub deps: Vec<Module>,
    /// Build settings (`build` lines) in file order, values unquoted.
    pub settings: Vec<(String, String)>,
}

impl BuildInfo {
    /// Finds and decodes the build info of a Go binary. `Ok(None)` when the bytes carry no
    /// build-info magic (not a Go program, or one older than Go 1.13); an error when the
    /// magic is there but the structure behind it is broken.
    pub fn from_binary(path: &str, data: &[u8]) -> Result<Option<BuildInfo>, LangError> {
        let elf = Elf::parse(data);
        let Some(header) = find_header(data, elf.as_ref()) else {
            return Ok(None);
        };
        let bad = |d: &str| LangError::invalid(path, FORMAT, d);
        let ptr_size = header[14];
        let flags = header[15];
        let (version, modinfo) = if flags & 2 != 0 {
            let (v, rest) = decode_string(&header[HEADER_SIZE..])
                .ok_or_else(|| bad("truncated version string"))?;
            let (m, _) = decode_string(rest).ok_or_else(|| bad("truncated module string"))?;
            (v.to_vec(), m.to_vec())
        } else {
            let elf = elf
                .as_ref()
                .ok_or_else(|| bad("pointer-format build info outside an ELF file"))?;
            if ptr_size != 4 && ptr_size != 8 {
                return Err(bad(&format!("pointer size {ptr_size}")));
            }
            let big = flags & 1 != 0;
            let p = usize::from(ptr_size);
            let ptr = |b: &[u8]| read_word(b, p, big);
            let vers_ptr = ptr(&header[16..]).ok_or_else(|| bad("truncated header"))?;
            let mod_ptr = ptr(&header[16 + p..]).ok_or_else(|| bad("truncated header"))?;
            let read_string = |addr: u64| -> Option<Vec<u8>> {
                let hdr = elf.read_at_addr(addr, 2 * p as u64)?;
                let data_addr = read_word(hdr, p, big)?;
                let len = read_word(&hdr[p..], p, big)?;
                if len > MAX_STRING {
                    return None;
                }
                Some(elf.read_at_addr(data_addr, len)?.to_vec())
            };
            let v = read_string(vers_ptr)
                .ok_or_else(|| bad("version string not mapped in the file"))?;
            // An unreadable module string is what Go reports as "no module info".
            let m = read_string(mod_ptr).unwrap_or_default();
            (v, m)
        };
        if version.is_empty() {
            return Err(bad("empty Go version"));
        }
        let mut info = parse_modinfo(&modinfo);
        info.go_version = String::from_utf8_lossy(&version).into_owned();
        Ok(Some(info))
    }

    /// Parses the text `go version -m` prints after the file name (`path`, `mod`, `dep`,
    /// `=>`, `build` lines), e.g. from a stored oracle.
    pub fn from_modinfo_text(go_version: &str, text: &str) -> BuildInfo {
        let mut info = parse_modinfo_str(text);
        info.go_version = go_version.to_owned();
        info
    }

    /// Value of build setting `key`, if recorded.
    pub fn setting(&self, key: &str) -> Option<&str> {
        self.settings
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Go toolchain version as a module-style version: `go1.22.1 X:loopvar` → `v1.22.1`.
    /// `None` for development toolchains (`devel go1.23-abc`), which have no release to
    /// match advisories against.
    pub fn stdlib_version(&self) -> Option<String> {
        let first = self.go_version.split_whitespace().next()?;
        let v = first.strip_prefix("go")?;
        // Vendor builds append `-suffix` (`go1.21.5-bigcorp`); the release is before it.
        let v = v.split('-').next().unwrap_or(v);
        (v.starts_with(|c: char| c.is_ascii_digit())).then(|| format!("v{v}"))
    }

    /// Main module version from `-ldflags -X …version=…`, for binaries built from a
    /// checkout (`(devel)`) whose release is only stamped through the linker. Keys ending
    /// in `.version`/`.ver` with a semver-looking value count, `main.*` keys first.
    pub fn ldflags_version(&self) -> Option<String> {
        let flags = self.setting("-ldflags")?;
        let mut found: Vec<(String, String)> = Vec::new();
        let words = split_shell_words(flags);
        let mut it = words.iter();
        while let Some(w) = it.next() {
            let assignment = match w.as_str() {
                "-X" | "--X" => it.next().cloned(),
                _ => w
                    .strip_prefix("-X=")
                    .or_else(|| w.strip_prefix("--X="))
                    .map(str::to_owned),
            };
            let Some(a) = assignment else { continue };
            let a = a.trim_matches(|c| c == '\'' || c == '"');
            if let Some((k, v)) = a.split_once('=') {
                found.push((k.to_owned(), v.to_owned()));
            }
        }
        let valid = |(k, v): &&(String, String)| {
            let k = k.to_ascii_lowercase();
            (k.ends_with(".version") || k.ends_with(".ver")) && is_semver(v)
        };
        let best = found
            .iter()
            .filter(valid)
            .find(|(k, _)| k.to_ascii_lowercase().starts_with("main."))
            .or_else(|| found.iter().find(valid))?;
        let v = best.1.as_str();
        Some(if v.starts_with('v') {
            v.to_owned()
        } else {
            format!("v{v}")
        })
    }

    /// The packages this binary contains: the main module (its version recovered from
    /// `-ldflags` when it is `(devel)`; left empty when nothing says), every dependency
    /// (replacements applied; modules replaced by a local directory are left out since
    /// their code is not the published module's), and the toolchain as `stdlib`.
    ///
    /// A GOPATH build without a `mod` line (Debian's packaged Go programs) yields only
    /// `stdlib`: the `path` line names the program but carries no version, and such
    /// binaries are owned by an OS package whose version is the one to match.
    pub fn packages(&self, location: &str) -> Vec<Package> {
        let mut out = Vec::new();
        let mut dep_purls = Vec::new();
        for dep in &self.deps {
            let m = match &dep.replace {
                Some(r) if r.version.is_empty() => continue,
                Some(r) => r.as_ref(),
                None => dep,
            };
            if let Some(p) = Package::new(Ecosystem::Go, &m.path, &m.version, location) {
                dep_purls.push(p.purl.clone());
                out.push(p);
            }
        }
        let stdlib = self
            .stdlib_version()
            .and_then(|v| Package::new(Ecosystem::Go, "stdlib", &v, location));
        if let Some(main) = &self.main {
            let main = main.replace.as_deref().unwrap_or(main);
            let version = if main.version.is_empty() || main.version == "(devel)" {
                self.ldflags_version().unwrap_or_default()
            } else {
                main.version.clone()
            };
            let purl = if version.is_empty() {
                make_purl(Ecosystem::Go, &main.path, "")
            } else {
                make_purl(Ecosystem::Go, &main.path, &version)
            };
            if let Some(purl) = purl.filter(|_| !main.path.is_empty()) {
                let mut deps = dep_purls.clone();
                deps.extend(stdlib.iter().map(|s| s.purl.clone()));
                out.push(Package {
                    ecosystem: Ecosystem::Go,
                    name: main.path.clone(),
                    version,
                    purl,
                    licenses: Vec::new(),
                    dev: false,
                    direct: None,
                    dependencies: deps,
                    location: location.to_owned(),
                    unpublished: false,
                });
            }
        }
        out.extend(stdlib);
        out
    }
}

/// Locates the 32-byte header where `go version -m` (`debug/buildinfo`) looks: the first
/// 64 KiB of the `.go.buildinfo` section, or, without one, of the first writable data segment,
/// at a 16-byte aligned offset. Only a file without ELF tables (stripped of them, or not ELF)
/// is searched whole. Searching every executable whole made this ~3% of an image scan, and
/// could find a header that is only data inside some other program.
fn find_header<'a>(data: &'a [u8], elf: Option<&Elf<'a>>) -> Option<&'a [u8]> {
    let window = |b: &'a [u8]| &b[..b.len().min(SEARCH_WINDOW)];
    if let Some(elf) = elf {
        if let Some(sec) = elf.section_data(".go.buildinfo") {
            return scan(window(sec), 0);
        }
        if let Some(seg) = elf.data_segment() {
            return scan(window(seg), 0);
        }
        if elf.has_sections() {
            return None;
        }
    }
    scan(data, 0)
}

fn scan(data: &[u8], mut from: usize) -> Option<&[u8]> {
    while from < data.len() {
        let i = from + find(&data[from..], MAGIC)?;
        if i.is_multiple_of(ALIGN) && data.len() - i >= HEADER_SIZE {
            // Inline format: the strings follow the header, so hand back the rest.
            return Some(&data[i..]);
        }
        from = i + 1;
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let first = needle.first()?;
    let mut start = 0;
    while start + needle.len() <= hay.len() {
        let pos = start + hay[start..].iter().position(|b| b == first)?;
        if hay.get(pos..pos + needle.len()) == Some(needle) {
            return Some(pos);
        }
        start = pos + 1;
    }
    None
}

fn read_word(b: &[u8], size: usize, big: bool) -> Option<u64> {
    let b = b.get(..size)?;
    let mut v: u64 = 0;
    for i in 0..size {
        let byte = if big { b[i] } else { b[size - 1 - i] };
        v = (v << 8) | u64::from(byte);
    }
    Some(v)
}

/// A uvarint-length-prefixed string, and the bytes after it.
fn decode_string(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut len: u64 = 0;
    let mut shift = 0;
    let mut i = 0;
    loop {
        let b = *data.get(i)?;
        i += 1;
        if shift >= 64 {
            return None;
        }
        len |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    let len = usize::try_from(len).ok()?;
    let end = i.checked_add(len)?;
    Some((data.get(i..end)?, &data[end..]))
}

/// Strips the 16-byte sentinels Go wraps the module text in (as `debug/buildinfo` does:
/// text without them is "no module info").
fn parse_modinfo(raw: &[u8]) -> BuildInfo {
    let n = raw.len();
    if n >= 33 && raw[n - 17] == b'\n' {
        parse_modinfo_str(&String::from_utf8_lossy(&raw[16..n - 16]))
    } else {
        BuildInfo::default()
    }
}

fn parse_modinfo_str(text: &str) -> BuildInfo {
    let mut info = BuildInfo::default();
    // Which module a following `=>` line replaces: the main module or the last dep.
    let mut last_is_main = false;
    for line in text.lines() {
        let line = line.trim_start_matches([' ', '\t']);
        let Some((kind, rest)) = line.split_once('\t') else {
            continue;
        };
        match kind {
            "path" => info.path = rest.trim().to_owned(),
            "mod" | "dep" | "=>" => {
                let mut f = rest.split('\t');
                let m = Module {
                    path: f.next().unwrap_or("").to_owned(),
                    version: f.next().unwrap_or("").to_owned(),
                    sum: f.next().unwrap_or("").to_owned(),
                    replace: None,
                };
                match kind {
                    "mod" => {
                        info.main = Some(m);
                        last_is_main = true;
                    }
                    "dep" => {
                        info.deps.push(m);
                        last_is_main = false;
                    }
                    _ => {
                        let target = if last_is_main {
                            info.main.as_mut()
                        } else {
                            info.deps.last_mut()
                        };
                        if let Some(t) = target {
                            t.replace = Some(Box::new(m));
                        }
                    }
                }
            }
            "build" => {
                let (k, v) = split_setting(rest);
                info.settings.push((k, v));
            }
            _ => {}
        }
    }
    info
}

/// `key=value` where either side may be a Go-quoted string (Go quotes keys and values that
/// contain spaces, tabs, quotes or `=`).
fn split_setting(s: &str) -> (String, String) {
    let (key, rest) = if s.starts_with('"') {
        match go_unquote_prefix(s) {
            Some((k, used)) => (k, s[used..].strip_prefix('=').unwrap_or("")),
            None => (s.to_owned(), ""),
        }
    } else {
        match s.split_once('=') {
            Some((k, v)) => (k.to_owned(), v),
            None => (s.to_owned(), ""),
        }
    };
    let value = if rest.starts_with('"') {
        go_unquote_prefix(rest)
            .map(|(v, _)| v)
            .unwrap_or_else(|| rest.to_owned())
    } else {
        rest.to_owned()
    };
    (key, value)
}

/// Unquotes a leading Go double-quoted string; returns it and the bytes consumed.
fn go_unquote_prefix(s: &str) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut chars = s.char_indices();
    chars.next().filter(|(_, c)| *c == '"')?;
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, i + 1)),
            '\\' => {
                let (_, e) = chars.next()?;
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'x' => {
                        let h: String = [chars.next()?.1, chars.next()?.1].iter().collect();
                        out.push(char::from(u8::from_str_radix(&h, 16).ok()?));
                    }
                    other => out.push(other),
                }
            }
            c => out.push(c),
        }
    }
    None
}

/// Splits like a shell (and Go's `quoted.Split`): whitespace separates, single and double
/// quotes group.
fn split_shell_words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => cur.push(c),
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                in_word = true;
            }
            None if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            None => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

/// Go's `semver.IsValid` shape with the `v` optional: `1`, `1.2`, `1.2.3`, then an
/// optional `-prerelease` / `+build`.
fn is_semver(v: &str) -> bool {
    let v = v.strip_prefix('v').unwrap_or(v);
    let end = v.find(['-', '+']).unwrap_or(v.len());
    let (core, suffix) = v.split_at(end);
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() <= 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && suffix.get(1..).is_none_or(|s| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'+')
        })
}

// ---------------------------------------------------------------------------------------
// go.mod

/// `go.mod` declares the module's requirements; with Go ≥ 1.17 it lists every module in
/// the build (indirect ones marked `// indirect`), so it is a complete inventory of a
/// source tree copied into an image.
pub const GO_MOD: crate::Parser = crate::Parser {
    name: "go.mod",
    ecosystem: Ecosystem::Go,
    paths: &[PathPattern::FileName("go.mod")],
    parse: parse_go_mod,
};

/// Parses `go.mod`: `require` (single and block form) with `// indirect`, `replace`
/// (applied, local-directory replacements dropped), and `toolchain` as `stdlib`.
pub fn parse_go_mod(path: &str, data: &[u8]) -> Result<Vec<Package>, LangError> {
    let text = crate::text(path, "go.mod", data)?;
    let mut requires: Vec<(String, String, bool)> = Vec::new();
    // (old path, old version or "", new path, new version or "")
    let mut replaces: Vec<(String, String, String, String)> = Vec::new();
    let mut toolchain = None;
    let mut block: Option<String> = None;
    let mut saw_module = false;
    for raw in text.lines() {
        let (code, comment) = match raw.find("//") {
            Some(i) => (&raw[..i], &raw[i + 2..]),
            None => (raw, ""),
        };
        let indirect = comment.trim().split([';', ' ']).any(|w| w == "indirect");
        let words: Vec<String> = code
            .split_whitespace()
            .map(|w| w.trim_matches(['"', '`']).to_owned())
            .collect();
        if words.is_empty() {
            continue;
        }
        let (verb, args): (String, &[String]) = match &block {
            Some(b) => {
                if words[0] == ")" {
                    block = None;
                    continue;
                }
                (b.clone(), &words[..])
            }
            None => {
                if words.len() == 2 && words[1] == "(" {
                    block = Some(words[0].clone());
                    continue;
                }
                (words[0].clone(), &words[1..])
            }
        };
        match verb.as_str() {
            "module" => saw_module = true,
            "toolchain" => toolchain = args.first().cloned(),
            "require" => {
                if let [p, v, ..] = args {
                    requires.push((p.clone(), v.clone(), indirect));
                }
            }
            "replace" => {
                if let Some(arrow) = args.iter().position(|a| a == "=>") {
                    let (l, r) = (&args[..arrow], &args[arrow + 1..]);
                    if let (Some(op), Some(np)) = (l.first(), r.first()) {
                        let ov = l.get(1).cloned().unwrap_or_default();
                        let nv = r.get(1).cloned().unwrap_or_default();
                        replaces.push((op.clone(), ov, np.clone(), nv));
                    }
                }
            }
            _ => {}
        }
    }
    if !saw_module && requires.is_empty() {
        return Err(LangError::invalid(
            path,
            "go.mod",
            "no module or require directive",
        ));
    }
    let mut out = Vec::new();
    for (p, v, indirect) in requires {
        let rep = replaces
            .iter()
            .find(|(op, ov, _, _)| *op == p && (ov.is_empty() || *ov == v));
        let (np, nv) = match rep {
            Some((_, _, np, nv)) if nv.is_empty() => {
                // Replaced by a local directory: not the published module's code.
                if np.starts_with('.') || np.starts_with('/') {
                    continue;
                }
                (np.clone(), v.clone())
            }
            Some((_, _, np, nv)) => (np.clone(), nv.clone()),
            None => (p, v),
        };
        if let Some(mut pkg) = Package::new(Ecosystem::Go, &np, &nv, path) {
            pkg.direct = Some(!indirect);
            out.push(pkg);
        }
    }
    if let Some(tc) = toolchain {
        let info = BuildInfo {
            go_version: tc,
            ..BuildInfo::default()
        };
        if let Some(pkg) = info
            .stdlib_version()
            .and_then(|v| Package::new(Ecosystem::Go, "stdlib", &v, path))
        {
            out.push(pkg);
        }
    }
    Ok(crate::finish(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A little-endian ELF64 with a read+execute segment at 0..4096 and a read+write one at
    /// 4096..8192, and an inline (Go 1.18+) build-info header at `at`.
    fn elf_with_header_at(at: usize) -> Vec<u8> {
        let mut b = vec![0u8; 8192];
        b[..8].copy_from_slice(b"\x7fELF\x02\x01\x01\x00");
        b[0x20..0x28].copy_from_slice(&64u64.to_le_bytes()); // e_phoff
        b[0x36..0x38].copy_from_slice(&56u16.to_le_bytes()); // e_phentsize
        b[0x38..0x3a].copy_from_slice(&2u16.to_le_bytes()); // e_phnum
        for (i, (flags, off)) in [(5u32, 0u64), (6, 4096)].into_iter().enumerate() {
            let ph = 64 + i * 56;
            b[ph..ph + 4].copy_from_slice(&1u32.to_le_bytes()); // PT_LOAD
            b[ph + 4..ph + 8].copy_from_slice(&flags.to_le_bytes());
            b[ph + 8..ph + 16].copy_from_slice(&off.to_le_bytes());
            b[ph + 16..ph + 24].copy_from_slice(&(0x40_0000 + off).to_le_bytes());
            b[ph + 32..ph + 40].copy_from_slice(&4096u64.to_le_bytes());
        }
        let mut h = b"\xff Go buildinf:\x08\x02".to_vec();
        h.resize(32, 0);
        h.push(8);
        h.extend_from_slice(b"go1.22.1");
        let m = b"0w\xaf\x0c\x92t\x08\x02A\xe1\xc1\x07\xe6\xd6\x18\xe6path\tx/y\n\xf92C1\x86\x18 r\x00\x82B\x10A\x16\xd8\xf2";
        h.push(m.len() as u8);
        h.extend_from_slice(m);
        b[at..at + h.len()].copy_from_slice(&h);
        b
    }

    #[test]
    fn build_info_is_found_where_go_looks_and_only_there() {
        let found = BuildInfo::from_binary("x", &elf_with_header_at(4096)).expect("parses");
        assert_eq!(found.map(|i| i.go_version).as_deref(), Some("go1.22.1"));
        // The same bytes in the code segment are data of some other program, not build info.
        assert_eq!(
            BuildInfo::from_binary("x", &elf_with_header_at(1024)).expect("parses"),
            None
        );
    }

    #[test]
    fn ldflags() {
        let mut info = BuildInfo::default();
        info.settings.push((
            "-ldflags".into(),
            "-s -w -X github.com/x/y/version.Version=1.2.3 -X 'main.version=v2.0.0'".into(),
        ));
        assert_eq!(info.ldflags_version().as_deref(), Some("v2.0.0"));
        info.settings[0].1 =
            "-X=github.com/x/y/pkg/version.Version=1.2.3 -X main.commit=abc".into();
        assert_eq!(info.ldflags_version().as_deref(), Some("v1.2.3"));
        info.settings[0].1 = "-X main.version=dev".into();
        assert_eq!(info.ldflags_version(), None);
    }

    #[test]
    fn settings_unquote() {
        assert_eq!(
            split_setting(r#"-ldflags="-w -X main.version=v1.0.0""#),
            ("-ldflags".into(), "-w -X main.version=v1.0.0".into())
        );
        assert_eq!(
            split_setting("CGO_ENABLED=1"),
            ("CGO_ENABLED".into(), "1".into())
        );
        assert_eq!(
            split_setting("CGO_CFLAGS="),
            ("CGO_CFLAGS".into(), String::new())
        );
    }

    #[test]
    fn stdlib() {
        let v = |s: &str| {
            BuildInfo {
                go_version: s.into(),
                ..Default::default()
            }
            .stdlib_version()
        };
        assert_eq!(v("go1.22.1 X:loopvar").as_deref(), Some("v1.22.1"));
        assert_eq!(v("go1.15.2").as_deref(), Some("v1.15.2"));
        assert_eq!(v("devel go1.23-abcdef"), None);
    }
}
