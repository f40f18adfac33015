//! Re-deriving a purl once the OS is known gives exactly what parsing with that OS gives, for
//! every package of every real database.

mod common;

use drydock_catalog::{CATALOGERS, DbFile, Distro};

#[test]
fn purl_for_matches_parse_time_purls() {
    let cases = [
        (
            "dpkg/debian12-host.status",
            "/var/lib/dpkg/status",
            Distro::new("debian", Some("12")),
        ),
        (
            "apk/trivy-alpine-installed",
            "/lib/apk/db/installed",
            Distro::new("alpine", Some("3.20.3")),
        ),
        (
            "rpm/cbl-mariner-2.0/rpmdb.sqlite",
            "/var/lib/rpm/rpmdb.sqlite",
            Distro::new("mariner", Some("2.0")),
        ),
        (
            "rpm/sle15-bci-ndb/Packages.db",
            "/var/lib/rpm/Packages.db",
            Distro::new("suse", Some("15.6")),
        ),
    ];
    let mut checked = 0;
    for (rel, image_path, distro) in cases {
        let Some(bytes) = common::fixture(rel) else {
            return;
        };
        let cataloger = CATALOGERS
            .iter()
            .find(|c| c.wants(image_path))
            .expect("a cataloger");
        let file = DbFile::new(image_path, &bytes);
        let with = (cataloger.parse)(&file, &distro, &mut Vec::new()).expect("parses");
        let without =
            (cataloger.parse)(&file, &Distro::default(), &mut Vec::new()).expect("parses");
        assert_eq!(with.len(), without.len());
        for (a, b) in with.iter().zip(&without) {
            assert_eq!(b.purl_for(&distro).as_deref(), Ok(a.purl.as_str()));
            checked += 1;
        }
    }
    println!("{checked} purls re-derived");
}
