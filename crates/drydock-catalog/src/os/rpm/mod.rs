//! rpm: the three on-disk rpmdb backends, all holding the same header blobs.
//!
//! * SQLite `rpmdb.sqlite` (rpm ≥ 4.16: Fedora 33+, RHEL 9, Mariner, Amazon Linux 2023),
//! * Berkeley DB hash `Packages` (RHEL/CentOS ≤ 8, Amazon Linux 2),
//! * NDB `Packages.db` (SUSE).
//!
//! The backend is picked by the file's magic bytes, not its name: images have been seen
//! with renamed or converted databases, and the content is what rpm itself trusts.

pub mod bdb;
pub mod header;
pub mod ndb;
pub mod sqlite;

use crate::{
    CatalogError, Cataloger, DbFile, Diagnostic, Diags, Distro, Ecosystem, Package, PathPattern,
    build_purl,
};

/// Registry entry. Asks for the SQLite write-ahead log too: rpm opens its SQLite
/// database in WAL mode, so recently installed packages can live only in `-wal`.
pub const CATALOGER: Cataloger = Cataloger {
    ecosystem: Ecosystem::Rpm,
    paths: &[
        PathPattern::File("/var/lib/rpm/Packages"),
        PathPattern::File("/var/lib/rpm/Packages.db"),
        PathPattern::File("/var/lib/rpm/rpmdb.sqlite"),
        PathPattern::File("/usr/lib/sysimage/rpm/Packages"),
        PathPattern::File("/usr/lib/sysimage/rpm/Packages.db"),
        PathPattern::File("/usr/lib/sysimage/rpm/rpmdb.sqlite"),
    ],
    companions: &[sqlite::WAL_SUFFIX],
    parse,
};

/// Receives each header blob a backend finds, with a label (`row hnum=5`, `page 3 item
/// 1`...) that locates it for diagnostics.
pub(crate) type BlobSink<'s> = dyn FnMut(&str, &[u8], &mut Diags<'_>) + 's;

/// The on-disk format of an rpm database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite 3 database.
    Sqlite,
    /// Berkeley DB hash database.
    BerkeleyDb,
    /// rpm's own "new database" format.
    Ndb,
}

/// Identifies the backend from the first bytes of the file.
pub fn detect(data: &[u8]) -> Option<Backend> {
    if data.starts_with(sqlite::MAGIC) {
        Some(Backend::Sqlite)
    } else if ndb::has_magic(data) {
        Some(Backend::Ndb)
    } else if bdb::has_magic(data) {
        Some(Backend::BerkeleyDb)
    } else {
        None
    }
}

/// Parses any rpm database. The WAL, if the caller found one, is taken from
/// `file.companion("-wal")`.
pub fn parse(
    file: &DbFile<'_>,
    distro: &Distro,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Vec<Package>, CatalogError> {
    let mut diags = Diags::new(diagnostics, file.path);
    let mut packages = Vec::new();
    let mut on_blob = |record: &str, blob: &[u8], diags: &mut Diags<'_>| match header::parse(blob) {
        Ok(h) => match to_package(h, file.path, distro) {
            Ok(Some(p)) => packages.push(p),
            Ok(None) => {}
            Err(e) => diags.push(format!("{record}: {e}; skipped")),
        },
        Err(e) => diags.push(format!("{record}: bad rpm header: {e}; skipped")),
    };
    match detect(file.data) {
        Some(Backend::Sqlite) => sqlite::read(
            file.path,
            file.data,
            file.companion(sqlite::WAL_SUFFIX),
            &mut diags,
            &mut on_blob,
        )?,
        Some(Backend::BerkeleyDb) => bdb::read(file.path, file.data, &mut diags, &mut on_blob)?,
        Some(Backend::Ndb) => ndb::read(file.path, file.data, &mut diags, &mut on_blob)?,
        None => {
            return Err(CatalogError::Unrecognized {
                path: file.path.to_owned(),
                format: "rpm",
                detail: "no SQLite, Berkeley DB hash or NDB magic".into(),
            });
        }
    }
    Ok(packages)
}

/// `[epoch:]version-release`, epoch only when non-zero (rpm's `%{EVR}` convention and the
/// form Red Hat and SUSE advisories use).
fn evr(epoch: Option<u32>, vr: &str) -> String {
    match epoch {
        Some(e) if e > 0 => format!("{e}:{vr}"),
        _ => vr.to_owned(),
    }
}

fn to_package(h: header::Header, path: &str, distro: &Distro) -> Result<Option<Package>, String> {
    // Imported signing keys are stored as pseudo-packages; they are not software.
    if h.name == "gpg-pubkey" {
        return Ok(None);
    }
    if h.name.is_empty() || h.version.is_empty() {
        return Err("empty NAME or VERSION".into());
    }
    let vr = format!("{}-{}", h.version, h.release);
    let (source_name, source_version) = match h.source_rpm.as_deref().map(split_source_rpm) {
        // SOURCERPM file names drop the epoch; it is a property of the spec file, so
        // the binary's epoch is the source's.
        Some(Some((n, v))) => (Some(n.to_owned()), Some(evr(h.epoch, v))),
        Some(None) => return Err(format!("unparseable SOURCERPM {:?}", h.source_rpm)),
        None => (None, None),
    };
    let epoch_q = h.epoch.filter(|&e| e > 0).map(|e| e.to_string());
    let distro_q = distro.qualified();
    let purl = build_purl(
        "rpm",
        &distro.id,
        &h.name,
        &vr,
        &[
            ("arch", h.arch.as_deref()),
            ("epoch", epoch_q.as_deref()),
            ("distro", distro_q.as_deref()),
        ],
    )?;
    Ok(Some(Package {
        ecosystem: Ecosystem::Rpm,
        version: evr(h.epoch, &vr),
        name: h.name,
        epoch: h.epoch,
        arch: h.arch,
        source_name,
        source_version,
        license: h.license,
        maintainer: h.packager,
        purl,
        db_path: path.to_owned(),
        files: h.files,
    }))
}

/// `util-linux-2.32.1-42.el8_8.src.rpm` → (`util-linux`, `2.32.1-42.el8_8`). rpm forbids
/// `-` in version and release, so the last two dashes are unambiguous.
pub fn split_source_rpm(file: &str) -> Option<(&str, &str)> {
    let stem = file.strip_suffix(".rpm").unwrap_or(file);
    let (nvr, _arch) = stem.rsplit_once('.')?;
    let (nv, release) = nvr.rsplit_once('-')?;
    let (name, version) = nv.rsplit_once('-')?;
    if name.is_empty() || version.is_empty() || release.is_empty() {
        return None;
    }
    Some((name, &nvr[name.len() + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_rpm_names() {
        assert_eq!(
            split_source_rpm("util-linux-2.32.1-42.el8_8.src.rpm"),
            Some(("util-linux", "2.32.1-42.el8_8"))
        );
        assert_eq!(
            split_source_rpm("gcc11-11.2.1+git610-1.3.9.nosrc.rpm"),
            Some(("gcc11", "11.2.1+git610-1.3.9"))
        );
        assert_eq!(split_source_rpm("garbage"), None);
        assert_eq!(split_source_rpm("-1-2.src.rpm"), None);
    }

    #[test]
    fn package_from_header() {
        let h = header::parse(&header::tests::sample()).expect("valid");
        let p = to_package(
            h,
            "/var/lib/rpm/rpmdb.sqlite",
            &Distro::new("mariner", Some("2.0")),
        )
        .expect("ok")
        .expect("not skipped");
        assert_eq!(p.version, "2:7.76.0-6.cm2");
        assert_eq!(p.source_name.as_deref(), Some("curl"));
        assert_eq!(p.source_version.as_deref(), Some("2:7.76.0-6.cm2"));
        assert_eq!(
            p.purl,
            "pkg:rpm/mariner/curl@7.76.0-6.cm2?arch=x86_64&distro=mariner-2.0&epoch=2"
        );
    }

    #[test]
    fn unknown_format() {
        let mut d = Vec::new();
        let err = parse(
            &DbFile::new("/var/lib/rpm/Packages", b"hello world, not a database"),
            &Distro::default(),
            &mut d,
        )
        .expect_err("must be rejected");
        assert!(err.to_string().contains("no SQLite"), "{err}");
    }
}
