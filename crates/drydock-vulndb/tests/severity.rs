//! Which severity a finding carries, and that it says where it came from: a distribution's own
//! rating for its packages, a CVSS score for language packages, and for records that rate
//! nothing (PyPA, most Go records) the rating of a record stored under one of their aliases.
#![allow(clippy::unwrap_used)]

use drydock_vulndb::{Database, ImportOptions, Matcher, Query, Severity};
use std::path::PathBuf;

/// CVE-2020-28493 as osv.dev's NVD conversion publishes CVE records: a CVSS vector and `GIT`
/// ranges only, so it never matches a package itself (NVD's vector for it, 5.3 MEDIUM).
const CVE_RECORD: &str = r#"{"id":"CVE-2020-28493",
 "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L"}],
 "affected":[{"ranges":[{"type":"GIT","repo":"https://github.com/pallets/jinja",
   "events":[{"introduced":"0"},{"fixed":"ef658dc3b6389b091d608e710a810ce8b87995b3"}]}]}]}"#;

fn db(shared: &[&str], extra: &[(&str, &str)]) -> Option<(tempfile::TempDir, Matcher<Database>)> {
    let mut inputs: Vec<PathBuf> = Vec::new();
    for rel in shared {
        inputs.push(drydock_testkit::shared(rel)?);
    }
    let tmp = tempfile::tempdir().unwrap();
    for (name, text) in extra {
        let p = tmp.path().join(name);
        std::fs::write(&p, text).unwrap();
        inputs.push(p);
    }
    let dir = tmp.path().join("db");
    drydock_vulndb::import(&dir, &inputs, ImportOptions::default()).unwrap();
    let m = Matcher::new(Database::open(&dir).unwrap());
    Some((tmp, m))
}

#[test]
fn a_distribution_rating_wins_over_cvss_for_its_packages() {
    let Some((_t, m)) = db(&["data/advisories/ubuntu/UBUNTU-CVE-2024-21626.json"], &[]) else {
        return;
    };
    // The record has CVSS 8.6 three times and Ubuntu's own priority `high`.
    let hit = m
        .find(&Query::distro(
            "Ubuntu",
            "20.04",
            "runc",
            "1.1.7-0ubuntu1~20.04.1",
        ))
        .unwrap();
    assert_eq!(hit.len(), 1, "{hit:?}");
    assert_eq!(hit[0].severity, Some(Severity::High));
    assert_eq!(
        hit[0].severity_source.as_deref(),
        Some("Ubuntu priority of UBUNTU-CVE-2024-21626")
    );
}

#[test]
fn language_packages_take_the_cvss_of_the_merged_ghsa_record() {
    let Some((_t, m)) = db(
        &[
            "data/advisories/govulndb/GO-2024-2491.json",
            "data/advisories/ghsa/GHSA-xr7r-f8xq-vfvv.json",
        ],
        &[],
    ) else {
        return;
    };
    let hit = m
        .find(&Query::new(
            "Go",
            "github.com/opencontainers/runc",
            "v1.1.11",
        ))
        .unwrap();
    assert_eq!(hit.len(), 1, "{hit:?}");
    assert_eq!(hit[0].id, "GO-2024-2491");
    assert_eq!(hit[0].severity, Some(Severity::High));
    assert_eq!(
        hit[0].severity_source.as_deref(),
        Some("CVSS V3 of GHSA-xr7r-f8xq-vfvv")
    );
}

#[test]
fn an_unrated_record_takes_the_rating_of_its_alias() {
    let Some((_t, m)) = db(
        &["data/advisories/pypa/jinja2__PYSEC-2021-66.yaml"],
        &[("cve.json", CVE_RECORD)],
    ) else {
        return;
    };
    let hit = m.find(&Query::new("PyPI", "Jinja2", "2.11.2")).unwrap();
    assert_eq!(hit.len(), 1, "{hit:?}");
    assert_eq!(hit[0].id, "PYSEC-2021-66");
    assert_eq!(hit[0].severity, Some(Severity::Medium));
    assert_eq!(
        hit[0].severity_source.as_deref(),
        Some("CVSS V3 of CVE-2020-28493 (alias)")
    );
    // Without the CVE record there is no rating anywhere: UNKNOWN, and no source claimed.
    let Some((_t2, bare)) = db(&["data/advisories/pypa/jinja2__PYSEC-2021-66.yaml"], &[]) else {
        return;
    };
    let hit = bare.find(&Query::new("PyPI", "jinja2", "2.11.2")).unwrap();
    assert_eq!(
        (hit[0].severity, hit[0].severity_source.clone()),
        (None, None)
    );
}

/// DEBIAN-CVE-2016-1585 as osv.dev's Debian converter writes it (its own test's expected
/// record, google/osv.dev vulnfeeds/cmd/converters/debian/main_test.go): no fix in Debian 12,
/// the tracker's urgency `unimportant`, and NVD's CVSS 9.8. Debian's rating wins for Debian's
/// package, as Trivy shows it (LOW), and the source says so.
const DEBIAN_CVE: &str = r#"{"id":"DEBIAN-CVE-2016-1585","upstream":["CVE-2016-1585"],
 "details":"In all versions of AppArmor mount rules are accidentally widened when compiled.",
 "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
 "affected":[
  {"package":{"ecosystem":"Debian:12","name":"apparmor"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}],
   "ecosystem_specific":{"urgency":"unimportant"}},
  {"package":{"ecosystem":"Debian:13","name":"apparmor"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.12-1"}]}],
   "ecosystem_specific":{"urgency":"unimportant"}}]}"#;

/// The same shape with the tracker's `end-of-life` urgency (a release past support).
const DEBIAN_EOL: &str = r#"{"id":"DEBIAN-CVE-2099-0001","upstream":["CVE-2099-0001"],
 "affected":[{"package":{"ecosystem":"Debian:10","name":"apparmor"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}],
   "ecosystem_specific":{"urgency":"end-of-life"}}]}"#;

#[test]
fn debian_urgency_rates_debian_packages_and_end_of_life_is_a_status() {
    let Some((_t, m)) = db(&[], &[("d.json", DEBIAN_CVE), ("e.json", DEBIAN_EOL)]) else {
        return;
    };
    let hit = m
        .find(&Query::distro("Debian", "12", "apparmor", "3.0.8-3"))
        .unwrap();
    assert_eq!(hit.len(), 1, "{hit:?}");
    assert_eq!(hit[0].id, "CVE-2016-1585");
    assert_eq!(hit[0].severity, Some(Severity::Low));
    assert_eq!(
        hit[0].severity_source.as_deref(),
        Some("Debian urgency of DEBIAN-CVE-2016-1585")
    );
    assert!(!hit[0].is_fixed() && !hit[0].end_of_life);
    let eol = m
        .find(&Query::distro("Debian", "10", "apparmor", "2.13.2-10"))
        .unwrap();
    assert!(eol[0].end_of_life, "{eol:?}");
    assert_eq!(eol[0].severity, None, "end-of-life rates nothing");
}
