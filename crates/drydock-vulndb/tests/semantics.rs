//! The OSV range algorithm on a tiny handcrafted set: one advisory per event semantic.
#![allow(clippy::unwrap_used)]

use drydock_vulndb::{Advisory, Matcher, MemorySource, Query, matches};

fn adv(json: &str) -> Advisory {
    Advisory::from_json(json.as_bytes()).unwrap()
}

fn pypi(id: &str, ranges: &str, versions: &str) -> Advisory {
    adv(&format!(
        r#"{{"id":"{id}","modified":"2024-01-01T00:00:00Z",
        "affected":[{{"package":{{"ecosystem":"PyPI","name":"demo"}},
        "ranges":{ranges},"versions":{versions}}}]}}"#
    ))
}

fn hit(a: &Advisory, v: &str) -> Option<Vec<String>> {
    matches(a, "PyPI", "demo", v).map(|m| m.fixed_versions)
}

#[test]
fn introduced_zero_and_fixed() {
    let a = pypi(
        "T-1",
        r#"[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.5"}]}]"#,
        "[]",
    );
    assert_eq!(hit(&a, "0.0.1"), Some(vec!["1.5".into()]));
    assert_eq!(
        hit(&a, "1.5rc1"),
        Some(vec!["1.5".into()]),
        "pre-release is before 1.5"
    );
    assert_eq!(hit(&a, "1.5"), None);
    assert_eq!(hit(&a, "1.10"), None, "PEP 440 order, not string order");
    assert_eq!(hit(&a, "not a version"), None);
}

#[test]
fn last_affected_is_inclusive() {
    let a = pypi(
        "T-2",
        r#"[{"type":"ECOSYSTEM","events":[{"introduced":"1.0"},{"last_affected":"1.4"}]}]"#,
        "[]",
    );
    assert_eq!(hit(&a, "0.9"), None);
    assert_eq!(hit(&a, "1.0"), Some(vec![]), "no fix is known");
    assert_eq!(hit(&a, "1.4"), Some(vec![]));
    assert_eq!(hit(&a, "1.4.1"), None);
}

#[test]
fn limit_bounds_the_range() {
    // introduced 0 with limit 2.0: everything below 2.0 (as used for git-derived ranges).
    let a = pypi(
        "T-3",
        r#"[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"limit":"2.0"}]}]"#,
        "[]",
    );
    assert_eq!(hit(&a, "1.9"), Some(vec![]));
    assert_eq!(hit(&a, "2.0"), None);
    assert_eq!(hit(&a, "3.0"), None);
    let star = pypi(
        "T-3b",
        r#"[{"type":"ECOSYSTEM","events":[{"introduced":"1.0"},{"limit":"*"}]}]"#,
        "[]",
    );
    assert_eq!(hit(&star, "99"), Some(vec![]));
}

#[test]
fn versions_list_is_exact() {
    let a = pypi("T-4", "[]", r#"["1.0", "1.1.post1"]"#);
    assert_eq!(hit(&a, "1.0"), Some(vec![]));
    assert_eq!(hit(&a, "1.1.post1"), Some(vec![]));
    assert_eq!(hit(&a, "1.1"), None);
    assert_eq!(hit(&a, "1.0.0"), None, "exact strings, as the spec says");
}

#[test]
fn multiple_intervals_and_ranges() {
    let a = pypi(
        "T-5",
        r#"[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.2"},{"introduced":"2.0"},{"fixed":"2.3"}]},
            {"type":"ECOSYSTEM","events":[{"introduced":"3.0a1"},{"fixed":"3.0"}]},
            {"type":"GIT","repo":"https://example.com/r","events":[{"introduced":"0"},{"fixed":"abcdef"}]}]"#,
        "[]",
    );
    assert_eq!(hit(&a, "1.1"), Some(vec!["1.2".into()]));
    assert_eq!(hit(&a, "1.5"), None, "between the two intervals");
    assert_eq!(hit(&a, "2.2"), Some(vec!["2.3".into()]));
    assert_eq!(hit(&a, "2.3"), None);
    assert_eq!(hit(&a, "3.0b2"), Some(vec!["3.0".into()]));
    assert_eq!(hit(&a, "abcdef"), None, "GIT ranges never match packages");
    // Events in any order: the algorithm sorts them.
    let shuffled = pypi(
        "T-5b",
        r#"[{"type":"ECOSYSTEM","events":[{"fixed":"2.3"},{"introduced":"2.0"},{"fixed":"1.2"},{"introduced":"0"}]}]"#,
        "[]",
    );
    assert_eq!(hit(&shuffled, "2.1"), Some(vec!["2.3".into()]));
    assert_eq!(hit(&shuffled, "1.5"), None);
}

#[test]
fn withdrawn_never_matches() {
    let a = adv(
        r#"{"id":"T-6","modified":"2024-01-01T00:00:00Z","withdrawn":"2024-02-01T00:00:00Z",
        "affected":[{"package":{"ecosystem":"PyPI","name":"demo"},
        "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]}"#,
    );
    assert_eq!(hit(&a, "1.0"), None);
}

#[test]
fn names_and_ecosystems_must_agree() {
    let a = pypi(
        "T-7",
        r#"[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]"#,
        "[]",
    );
    assert!(matches(&a, "PyPI", "Demo", "1.0").is_some(), "PEP 503");
    assert!(matches(&a, "npm", "demo", "1.0.0").is_none());
    assert!(matches(&a, "PyPI", "demo2", "1.0").is_none());
}

#[test]
fn semver_and_go() {
    let a = adv(
        r#"{"id":"GO-T-8","modified":"2024-01-01T00:00:00Z","aliases":["CVE-T-8"],
        "affected":[{"package":{"ecosystem":"Go","name":"example.com/m"},
        "ranges":[{"type":"SEMVER","events":[{"introduced":"1.0.0-rc93"},{"fixed":"1.1.12"}]}]},
        {"package":{"ecosystem":"Go","name":"stdlib"},
        "ranges":[{"type":"SEMVER","events":[{"introduced":"1.21.0-0"},{"fixed":"1.21.6"}]}]}]}"#,
    );
    assert!(matches(&a, "Go", "example.com/m", "v1.0.0-rc92").is_none());
    assert!(matches(&a, "Go", "example.com/m", "v1.0.0-rc93").is_some());
    assert!(
        matches(&a, "Go", "example.com/m", "1.1.11").is_some(),
        "with or without v"
    );
    // Pseudo-version of a commit after v1.1.11 is still before 1.1.12.
    assert!(
        matches(
            &a,
            "Go",
            "example.com/m",
            "v1.1.12-0.20240101000000-abcdefabcdef"
        )
        .is_some()
    );
    assert!(matches(&a, "Go", "example.com/m", "v1.1.12").is_none());
    assert!(
        matches(&a, "Go", "stdlib", "go1.21.5").is_some(),
        "toolchain spelling"
    );
    assert!(matches(&a, "Go", "stdlib", "go1.21rc2").is_some());
    assert!(matches(&a, "Go", "stdlib", "go1.21.6").is_none());
    assert!(matches(&a, "Go", "stdlib", "go1.20.14").is_none());
}

#[test]
fn aliases_merge_into_one_finding() {
    let go = adv(
        r#"{"id":"GO-T-9","modified":"2024-01-01T00:00:00Z","aliases":["CVE-T-9"],"summary":"go title",
        "affected":[{"package":{"ecosystem":"Go","name":"example.com/m"},
        "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.0"}]}]}]}"#,
    );
    let ghsa = adv(
        r#"{"id":"GHSA-t9","modified":"2024-01-01T00:00:00Z","aliases":["CVE-T-9"],
        "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        "affected":[{"package":{"ecosystem":"Go","name":"example.com/m"},
        "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.2.0"}]}]}]}"#,
    );
    let other = adv(r#"{"id":"GO-T-10","modified":"2024-01-01T00:00:00Z",
        "database_specific":{"severity":"LOW"},
        "affected":[{"package":{"ecosystem":"Go","name":"example.com/m"},
        "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"last_affected":"1.0.0"}]}]}]}"#);
    let m = Matcher::new(MemorySource::new([go, ghsa, other]));
    let found = m
        .find(&Query::new("Go", "example.com/m", "v1.0.0"))
        .unwrap();
    assert_eq!(found.len(), 2, "{found:#?}");
    let f = found.iter().find(|f| f.id == "GO-T-9").unwrap();
    assert_eq!(f.aliases, ["CVE-T-9", "GHSA-t9"]);
    assert_eq!(f.summary.as_deref(), Some("go title"));
    assert_eq!(f.fixed_versions, ["1.2.0"]);
    assert_eq!(f.severity, Some(drydock_vulndb::Severity::Critical));
    let o = found.iter().find(|f| f.id == "GO-T-10").unwrap();
    assert_eq!(o.severity, Some(drydock_vulndb::Severity::Low));
    assert!(!o.is_fixed());
}

#[test]
fn distro_queries_need_a_release() {
    let m = Matcher::new(MemorySource::default());
    assert!(
        m.find(&Query::new("Debian", "openssl", "3.0.11-1~deb12u2"))
            .is_err()
    );
    assert!(m.find(&Query::new("Cobol", "x", "1")).is_err());
    assert!(
        m.find(&Query::distro(
            "Debian",
            "bookworm",
            "openssl",
            "3.0.11-1~deb12u2"
        ))
        .unwrap()
        .is_empty()
    );
}

#[test]
fn debian_matches_by_source_package_and_release() {
    let a = adv(
        r#"{"id":"DSA-T-1","modified":"2024-01-01T00:00:00Z","aliases":["CVE-T-11"],
        "affected":[{"package":{"ecosystem":"Debian:12","name":"openssl"},
        "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.11-1~deb12u2"}]}]}]}"#,
    );
    let m = Matcher::new(MemorySource::new([a]));
    let q =
        Query::distro("Debian", "12.4", "libssl3", "3.0.11-1~deb12u1").with_source("openssl", None);
    let found = m.find(&q).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, "CVE-T-11", "distributions lead with the CVE");
    assert_eq!(found[0].installed_version, "3.0.11-1~deb12u1");
    let q =
        Query::distro("Debian", "11", "libssl3", "3.0.11-1~deb12u1").with_source("openssl", None);
    assert!(m.find(&q).unwrap().is_empty(), "other release");
    // binNMU: the binary version carries +b1, the source version is what advisories name.
    let q = Query::distro("Debian", "12", "libssl3", "3.0.11-1~deb12u2+b1")
        .with_source("openssl", Some("3.0.11-1~deb12u2"));
    assert!(m.find(&q).unwrap().is_empty());
}
