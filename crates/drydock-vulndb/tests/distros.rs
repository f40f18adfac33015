//! The rpm and Wolfi/Chainguard distributions: real records (`tests/fixtures/distros/`), the
//! installed versions of real package databases (`../shared/data/pkgdb/rpm`), and the key
//! shapes Red Hat and SUSE file advisories under, all through the SQLite store.
#![allow(clippy::unwrap_used)]

use drydock_vulndb::{Database, ImportOptions, Matcher, Query};
use std::path::{Path, PathBuf};

/// Red Hat and SUSE records in the key shapes osv.dev publishes (see the fixtures' README).
const RED_HAT: &str = r#"{"id":"RHSA-TEST-0001","upstream":["CVE-TEST-0001"],
 "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
 "affected":[
  {"package":{"ecosystem":"Red Hat:enterprise_linux:9::baseos","name":"openssl-libs"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1:3.0.7-27.el9"}]}]},
  {"package":{"ecosystem":"Red Hat:enterprise_linux:9::appstream","name":"nodejs"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1:22.23.2-2.module+el9.8.0+24958+80b2ac6e"}]}]},
  {"package":{"ecosystem":"Red Hat:rhel_eus:9.2::baseos","name":"openssl-libs"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1:3.0.7-99.el9_2"}]}]},
  {"package":{"ecosystem":"Red Hat:enterprise_linux:8::baseos","name":"libuuid"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"0:2.32.1-44.el8"}]}]}]}"#;

const SUSE: &str = r#"{"id":"SUSE-SU-TEST:0001-1","upstream":["CVE-TEST-0002"],
 "affected":[
  {"package":{"ecosystem":"SUSE:Linux Enterprise Module for Basesystem 15 SP3","name":"glibc"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.31-150300.9.1"}]}]},
  {"package":{"ecosystem":"SUSE:Linux Enterprise Server 15 SP3-LTSS","name":"bash"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"4.4-150300.19.10.1"}]}]},
  {"package":{"ecosystem":"SUSE:Linux Enterprise Server 15 SP4","name":"coreutils"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"8.32-150400.9.3.1"}]}]}]}"#;

const AZURE: &str = r#"{"id":"AZL-TEST-0001","upstream":["CVE-TEST-0003"],
 "affected":[{"package":{"ecosystem":"Azure Linux:2","name":"curl"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"7.76.0-7.cm2"}]}]}]}"#;

/// The real record's shape with `ranges` as one object, as some of Photon's records have it.
const PHOTON_OBJECT_RANGE: &str = r#"{"id":"PHSA-TEST-5.0-0001","related":["CVE-TEST-0004"],
 "affected":[{"package":{"ecosystem":"Photon OS:5.0","name":"openssl","purl":"pkg:rpm/vmware/openssl?distro=photon-5"},
   "ranges":{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.9-4.ph5"}]}}]}"#;

fn db() -> (tempfile::TempDir, Database) {
    let tmp = tempfile::tempdir().unwrap();
    let inline = tmp.path().join("inline");
    std::fs::create_dir(&inline).unwrap();
    for (name, text) in [
        ("rh.json", RED_HAT),
        ("suse.json", SUSE),
        ("azl.json", AZURE),
        ("photon-object-range.json", PHOTON_OBJECT_RANGE),
    ] {
        std::fs::write(inline.join(name), text).unwrap();
    }
    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/distros");
    let inputs: Vec<PathBuf> = std::fs::read_dir(&real)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .chain([inline])
        .collect();
    let dir = tmp.path().join("db");
    let summary = drydock_vulndb::import(&dir, &inputs, ImportOptions::default()).unwrap();
    assert_eq!(summary.total, 8, "{summary:?}");
    let db = Database::open(&dir).unwrap();
    (tmp, db)
}

/// The advisory records that matched one installed package (a finding leads with the CVE a
/// distribution record fixes, so the record id is what says which data matched).
fn found(m: &Matcher<Database>, q: Query<'_>) -> Vec<String> {
    m.find(&q)
        .unwrap()
        .into_iter()
        .flat_map(|m| m.advisories)
        .collect()
}

#[test]
fn almalinux_and_rocky_by_binary_package_and_major_release() {
    let (_t, db) = db();
    let m = Matcher::new(db);
    // avahi-libs on RHEL-family 9.3 images is 0.8-15.el9 (Trivy's report on ubi 9.3); ALSA
    // names binary packages, so the source rpm (`avahi`) must not be what is looked up.
    let avahi = |v| {
        found(
            &m,
            Query::distro("AlmaLinux", "9.3", "avahi-libs", v).with_source("avahi", None),
        )
    };
    assert_eq!(avahi("0.8-15.el9"), ["ALSA-2024:2433"]);
    // The erratum's CVEs (listed under `related`) are its ids: the finding names them.
    let hit = m
        .find(&Query::distro(
            "AlmaLinux",
            "9.3",
            "avahi-libs",
            "0.8-15.el9",
        ))
        .unwrap();
    assert_eq!(hit.len(), 1);
    assert!(hit[0].id.starts_with("CVE-2023-3846"), "{:?}", hit[0].id);
    assert!(hit[0].ids().any(|i| i == "ALSA-2024:2433"));
    assert_eq!(hit[0].ids().filter(|i| i.starts_with("CVE-")).count(), 5);
    assert!(avahi("0.8-20.el9").is_empty());
    assert!(avahi("0:0.8-20.el9").is_empty(), "epoch 0 spelled out");
    assert!(
        found(
            &m,
            Query::distro("AlmaLinux", "8.9", "avahi-libs", "0.8-15.el8")
        )
        .is_empty(),
        "AlmaLinux 8 is another key"
    );
    // A module stream: the installed module build sorts below the fix.
    let ruby = |v| found(&m, Query::distro("Rocky Linux", "9.4", "ruby", v));
    assert_eq!(
        ruby("3.3.0-1.module+el9.4.0+19000+2a1c7b3e"),
        ["RLSA-2024:3671"]
    );
    assert!(ruby("3.3.1-2.module+el9.4.0+20787+4c237fd3").is_empty());
}

#[test]
fn wolfi_and_chainguard_by_origin_package() {
    let (_t, db) = db();
    let m = Matcher::new(db);
    let q = |eco, name, origin, v| {
        found(
            &m,
            Query::distro(eco, "20230201", name, v).with_source(origin, None),
        )
    };
    assert_eq!(
        q("Wolfi", "haproxy-3.0-doc", "haproxy-3.0", "3.0.9-r1"),
        ["CGA-224q-ccj5-2p53"]
    );
    assert!(q("Wolfi", "haproxy-3.0", "haproxy-3.0", "3.0.10-r0").is_empty());
    assert_eq!(
        q("Chainguard", "haproxy-2.8", "haproxy-2.8", "2.8.17-r0"),
        ["CGA-224q-ccj5-2p53"]
    );
    assert!(
        q("Chainguard", "haproxy-3.0", "haproxy-3.0", "3.0.9-r0").is_empty(),
        "the Wolfi entry is not Chainguard's"
    );
}

#[test]
fn red_hat_reads_every_main_stream_repository_of_the_release() {
    let (_t, db) = db();
    let m = Matcher::new(db);
    let rh = |rel, name, v| found(&m, Query::distro("Red Hat", rel, name, v));
    assert_eq!(
        rh("9.4", "openssl-libs", "1:3.0.7-24.el9"),
        ["RHSA-TEST-0001"]
    );
    assert_eq!(
        rh("9.4", "nodejs", "1:22.20.0-1.module+el9.6.0+23000+aaaaaaaa"),
        ["RHSA-TEST-0001"],
        "appstream, a module stream"
    );
    let hit = m
        .find(&Query::distro(
            "Red Hat",
            "9.4",
            "openssl-libs",
            "1:3.0.7-24.el9",
        ))
        .unwrap();
    assert_eq!(
        hit[0].fixed_versions,
        ["1:3.0.7-27.el9"],
        "the EUS stream's fix is not the main stream's"
    );
    assert!(rh("9.4", "openssl-libs", "1:3.0.7-27.el9").is_empty());
    // libuuid of a real RHEL 8 rpmdb (go-rpmdb's libuuid fixture): 0:2.32.1-42.el8_8.
    assert_eq!(rh("8.8", "libuuid", "2.32.1-42.el8_8"), ["RHSA-TEST-0001"]);
    assert!(rh("9.4", "libuuid", "2.32.1-42.el8_8").is_empty());
    assert!(
        !m.covers(&Query::distro("Red Hat", "10.0", "x", "1"))
            .unwrap()
    );
}

#[test]
fn suse_reads_every_product_and_module_of_the_service_pack() {
    let (_t, db) = db();
    let m = Matcher::new(db);
    // Installed versions from the real SLE 15 SP3 BCI rpmdb (go-rpmdb's sle15-bci).
    let sles = |name, v| found(&m, Query::distro("SUSE", "15.3", name, v));
    assert_eq!(
        sles("glibc", "2.31-9.3.2"),
        ["SUSE-SU-TEST:0001-1"],
        "module key"
    );
    assert_eq!(
        sles("bash", "4.4-19.6.1"),
        ["SUSE-SU-TEST:0001-1"],
        "LTSS key"
    );
    assert!(
        sles("coreutils", "8.32-3.2.1").is_empty(),
        "SP4 is another release"
    );
    assert!(
        !m.covers(&Query::distro("SUSE", "15.6", "glibc", "1"))
            .unwrap()
    );
}

#[test]
fn azure_linux_and_cbl_mariner_by_major_release() {
    let (_t, db) = db();
    let m = Matcher::new(db);
    // curl of the real CBL-Mariner 2.0 rpmdb (go-rpmdb's cbl-mariner-2.0): 7.76.0-6.cm2.
    assert_eq!(
        found(
            &m,
            Query::distro("Azure Linux", "2.0", "curl", "7.76.0-6.cm2")
        ),
        ["AZL-TEST-0001"]
    );
}

#[test]
fn photon_os_by_release_with_its_related_cves_as_ids() {
    let (_t, db) = db();
    let m = Matcher::new(db);
    // The real PHSA-2024-4.0-0685: the Photon 4 kernel before 5.10.224-4.ph4.
    let linux = |v: &str| found(&m, Query::distro("Photon OS", "4.0", "linux", v));
    assert_eq!(linux("5.10.224-3.ph4"), ["PHSA-2024-4.0-0685"]);
    assert!(linux("5.10.224-4.ph4").is_empty());
    assert!(linux("5.10.225-1.ph4").is_empty());
    // Another release's kernel is not this record's.
    assert!(
        found(
            &m,
            Query::distro("Photon OS", "5.0", "linux", "5.10.224-3.ph4")
        )
        .is_empty()
    );
    // Photon lists the CVEs an update fixes under `related`: the finding names them.
    let hit = m
        .find(&Query::distro(
            "Photon OS",
            "4.0",
            "linux",
            "5.10.224-3.ph4",
        ))
        .unwrap();
    assert!(hit[0].id.starts_with("CVE-2024-438"), "{:?}", hit[0].id);
    assert_eq!(hit[0].ids().filter(|i| i.starts_with("CVE-")).count(), 3);
    // A record whose `ranges` is one object is read, not dropped.
    assert_eq!(
        found(
            &m,
            Query::distro("Photon OS", "5.0", "openssl", "3.0.9-3.ph5")
        ),
        ["PHSA-TEST-5.0-0001"]
    );
}
