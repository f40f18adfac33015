//! Arbitrary bytes through every OS package database parser (dpkg, apk, rpm: sqlite, bdb, ndb).
#![no_main]
use drydock_catalog::{CATALOGERS, DbFile, Distro};
use libfuzzer_sys::fuzz_target;

const PATHS: &[&str] = &["/var/lib/dpkg/status", "/lib/apk/db/installed", "/var/lib/rpm/Packages", "/var/lib/rpm/Packages.db", "/var/lib/rpm/rpmdb.sqlite"];

fuzz_target!(|data: &[u8]| {
    for path in PATHS {
        if let Some(c) = CATALOGERS.iter().find(|c| c.wants(path)) {
            let _ = (c.parse)(&DbFile::new(path, data), &Distro::new("debian", Some("12")), &mut Vec::new());
        }
    }
});
