//! pip `requirements.txt` files.
//!
//! Only requirements pinned with `==` (or `===`) yield packages: a range like `>=2.0` says
//! nothing about what is installed, and guessing its lower bound would both miss and invent
//! vulnerabilities. Options (`-r other.txt`, `-c`, `-e`, `--index-url`, per-line `--hash`)
//! are ignored: includes are separate files that the engine hands over on their own, and
//! this parser does no I/O.

use crate::{Ecosystem, LangError, Package, PathPattern};

const FORMAT: &str = "requirements.txt";

/// `requirements.txt` and the common split forms (`requirements-dev.txt`,
/// `requirements/base.txt`).
pub const PARSER: crate::Parser = crate::Parser {
    name: "requirements.txt",
    ecosystem: Ecosystem::PyPI,
    paths: &[
        PathPattern::FileName("requirements.txt"),
        PathPattern::Glob("**/requirements-*.txt"),
        PathPattern::Glob("**/requirements_*.txt"),
        PathPattern::Glob("**/requirements/*.txt"),
    ],
    parse,
};

/// Parses pinned requirements; every one is direct since the file lists what was asked for.
/// Names from files named `*dev*`/`*test*` are marked dev.
pub fn parse(path: &str, data: &[u8]) -> Result<Vec<Package>, LangError> {
    let text = crate::text(path, FORMAT, data)?;
    let file = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let dev = file.contains("dev") || file.contains("test");
    let mut out = Vec::new();
    let mut logical = String::new();
    for raw in text.lines() {
        let line = strip_comment(raw);
        if let Some(cont) = line.strip_suffix('\\') {
            logical.push_str(cont);
            logical.push(' ');
            continue;
        }
        logical.push_str(line);
        let req = std::mem::take(&mut logical);
        if let Some((name, version)) = pinned(&req)
            && let Some(mut pkg) = Package::new(Ecosystem::PyPI, name, version, path)
        {
            pkg.direct = Some(true);
            pkg.dev = dev;
            out.push(pkg);
        }
    }
    Ok(crate::finish(out))
}

/// Drops a `#` comment: at line start or after whitespace (a `#` inside a URL fragment is
/// not a comment).
fn strip_comment(line: &str) -> &str {
    let b = line.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'#' && (i == 0 || b[i - 1].is_ascii_whitespace()) {
            return line[..i].trim_end();
        }
    }
    line.trim_end()
}

/// `(name, version)` of a requirement pinned with `==`/`===` to a non-wildcard version.
fn pinned(req: &str) -> Option<(&str, &str)> {
    let req = req.trim();
    if req.is_empty() || req.starts_with('-') {
        return None;
    }
    // Environment markers and per-requirement options.
    let req = req.split(';').next().unwrap_or(req);
    let req = match req.find(" -") {
        Some(i) => &req[..i],
        None => req,
    };
    let name = super::requirement_name(req)?;
    let mut rest = req[name.len()..].trim_start();
    if let Some(after) = rest.strip_prefix('[') {
        rest = after.split_once(']').map(|(_, r)| r)?.trim_start();
    }
    if rest.starts_with('@') {
        return None; // direct URL reference
    }
    rest.split(',')
        .find_map(|clause| {
            let clause = clause.trim();
            let v = clause
                .strip_prefix("===")
                .or_else(|| clause.strip_prefix("=="))?
                .trim();
            (!v.is_empty() && !v.contains('*') && !v.contains(char::is_whitespace)).then_some(v)
        })
        .map(|v| (name, v))
}

#[cfg(test)]
mod tests {
    use super::pinned;

    #[test]
    fn pins() {
        assert_eq!(
            pinned("requests[socks,security] == 2.31.0 ; python_version >= '3.7'"),
            Some(("requests", "2.31.0"))
        );
        assert_eq!(pinned("Django>=4.0"), None);
        assert_eq!(pinned("six==1.*"), None);
        assert_eq!(pinned("pkg @ https://example.com/pkg-1.0.tar.gz"), None);
        assert_eq!(
            pinned("flask==3.0.0 --hash=sha256:abc"),
            Some(("flask", "3.0.0"))
        );
        assert_eq!(pinned("-r base.txt"), None);
        assert_eq!(pinned("attrs===23.1.0"), Some(("attrs", "23.1.0")));
    }
}
