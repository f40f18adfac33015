//! apk-tools: `/lib/apk/db/installed`.
//!
//! Records are blocks of `X:value` lines (one letter, a colon, the value) separated by
//! blank lines; apk's own writer never emits anything else. Only the package fields are
//! read; the file list (`F:`/`R:`/`Z:`...) is skipped.

use crate::{
    CatalogError, Cataloger, DbFile, Diagnostic, Diags, Distro, Ecosystem, Package, PathPattern,
    build_purl,
};

/// Registry entry.
pub const CATALOGER: Cataloger = Cataloger {
    ecosystem: Ecosystem::Apk,
    paths: &[PathPattern::File("/lib/apk/db/installed")],
    companions: &[],
    parse,
};

#[derive(Default)]
struct Record<'a> {
    line: usize,
    name: Option<&'a [u8]>,
    version: Option<&'a [u8]>,
    arch: Option<&'a [u8]>,
    origin: Option<&'a [u8]>,
    license: Option<&'a [u8]>,
    maintainer: Option<&'a [u8]>,
}

/// Parses an apk installed database. Never fails as a whole; records without a name or
/// version are skipped with a diagnostic (apk cannot have installed them, and a package
/// without a version cannot be matched against advisories anyway).
pub fn parse(
    file: &DbFile<'_>,
    distro: &Distro,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Vec<Package>, CatalogError> {
    let mut diags = Diags::new(diagnostics, file.path);
    let mut packages = Vec::new();
    let mut rec: Option<Record<'_>> = None;
    let lines = file
        .data
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .enumerate();
    for (idx, line) in lines {
        if line.iter().all(u8::is_ascii_whitespace) {
            if let Some(r) = rec.take() {
                finish(r, file.path, distro, &mut diags, &mut packages);
            }
            continue;
        }
        let r = rec.get_or_insert_with(|| Record {
            line: idx + 1,
            ..Record::default()
        });
        let (key, value) = match line {
            [key, b':', value @ ..] => (*key, value),
            _ => {
                // Unknown shapes are ignored like apk does, but said once per line so a
                // mangled file does not look clean.
                diags.push(format!("line {}: not a `X:value` line; ignored", idx + 1));
                continue;
            }
        };
        let slot = match key {
            b'P' => &mut r.name,
            b'V' => &mut r.version,
            b'A' => &mut r.arch,
            b'o' => &mut r.origin,
            b'L' => &mut r.license,
            b'm' => &mut r.maintainer,
            _ => continue,
        };
        // First value wins; apk writes each of these once per record.
        slot.get_or_insert(value);
    }
    if let Some(r) = rec.take() {
        finish(r, file.path, distro, &mut diags, &mut packages);
    }
    Ok(packages)
}

fn text(v: Option<&[u8]>) -> Option<String> {
    v.map(|v| String::from_utf8_lossy(v.trim_ascii()).into_owned())
        .filter(|s| !s.is_empty())
}

fn finish(
    r: Record<'_>,
    path: &str,
    distro: &Distro,
    diags: &mut Diags<'_>,
    out: &mut Vec<Package>,
) {
    let Some(name) = text(r.name) else {
        // A record with neither name nor anything else worth reporting (e.g. only a
        // file list) is not a package; one that has a version but no name is corrupt.
        if r.version.is_some() {
            diags.push(format!("record at line {} has no P: name; skipped", r.line));
        }
        return;
    };
    let Some(version) = text(r.version) else {
        diags.push(format!(
            "package {name} (line {}) has no V: version; skipped",
            r.line
        ));
        return;
    };
    let arch = text(r.arch);
    let purl = match build_purl(
        "apk",
        &distro.id,
        &name,
        &version,
        &[
            ("arch", arch.as_deref()),
            ("distro", distro.version_id.as_deref()),
        ],
    ) {
        Ok(p) => p,
        Err(e) => {
            diags.push(format!("package {name} (line {}): {e}; skipped", r.line));
            return;
        }
    };
    out.push(Package {
        ecosystem: Ecosystem::Apk,
        // Subpackages are built from their origin's APKBUILD in the same run, so they
        // share its version; apk records no separate source version.
        source_name: Some(text(r.origin).unwrap_or_else(|| name.clone())),
        source_version: Some(version.clone()),
        name,
        version,
        epoch: None,
        arch,
        license: text(r.license),
        maintainer: text(r.maintainer),
        purl,
        db_path: path.to_owned(),
        files: Vec::new(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records() {
        let text = "C:Q1abc=\r\nP:musl\r\nV:1.1.24-r2\r\nA:x86_64\r\nL:MIT\r\no:musl\r\n\
                    m:Someone <a@b>\r\nF:lib\r\nR:libc.so\r\n\r\n\
                    P:noversion\n\n\
                    P:libcrypto3\nV:3.3.1-r0\nA:x86_64\no:openssl\nL:Apache-2.0\n";
        let mut d = Vec::new();
        let pkgs = parse(
            &DbFile::new("/lib/apk/db/installed", text.as_bytes()),
            &Distro::new("alpine", Some("3.20.0")),
            &mut d,
        )
        .expect("never fails");
        assert_eq!(pkgs.len(), 2);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].message.contains("noversion"));
        assert_eq!(
            pkgs[0].purl,
            "pkg:apk/alpine/musl@1.1.24-r2?arch=x86_64&distro=3.20.0"
        );
        assert_eq!(pkgs[0].license.as_deref(), Some("MIT"));
        assert_eq!(pkgs[0].maintainer.as_deref(), Some("Someone <a@b>"));
        assert_eq!(pkgs[1].source_name.as_deref(), Some("openssl"));
        assert_eq!(pkgs[1].source_version.as_deref(), Some("3.3.1-r0"));
    }
}
