//! JUnit XML for CI dashboards: one test suite per finding kind, one failing test case per
//! finding, and one passing case per suite when it has no findings (so dashboards show it ran).

use crate::Report;
use drydock_finding::Kind;
use std::fmt::Write;

pub fn junit(r: &Report<'_>) -> String {
    let target = r
        .target
        .reference
        .clone()
        .unwrap_or_else(|| r.target.path.clone());
    let mut o = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        o,
        "<testsuites name=\"drydock\" tests=\"{}\" failures=\"{}\">",
        r.findings.len().max(1),
        r.findings.len()
    );
    for kind in [
        Kind::Vulnerability,
        Kind::Secret,
        Kind::Credential,
        Kind::Misconfiguration,
    ] {
        let fs: Vec<_> = r.findings.iter().filter(|f| f.kind == kind).collect();
        let name = format!("{kind:?}").to_lowercase();
        let _ = writeln!(
            o,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\">",
            esc(&format!("{target} {name}")),
            fs.len().max(1),
            fs.len()
        );
        // Which image, exactly: the reference as resolved and the manifest scanned.
        let props: Vec<(&str, String)> = [
            ("reference", r.target.reference.clone()),
            ("manifest_digest", r.manifest_digest()),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .collect();
        if !props.is_empty() {
            let _ = writeln!(o, "    <properties>");
            for (k, v) in props {
                let _ = writeln!(o, "      <property name=\"{k}\" value=\"{}\"/>", esc(&v));
            }
            let _ = writeln!(o, "    </properties>");
        }
        if fs.is_empty() {
            let _ = writeln!(
                o,
                "    <testcase classname=\"{}\" name=\"no {name} findings\"/>",
                esc(&target)
            );
        }
        for f in fs {
            let place = f.location.path.clone().unwrap_or_default();
            let _ = writeln!(
                o,
                "    <testcase classname=\"{}\" name=\"{}\">",
                esc(&place),
                esc(&format!("[{}] {}: {}", f.severity, f.id, f.title))
            );
            let _ = writeln!(
                o,
                "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                f.severity,
                esc(&f.message),
                esc(f.fix.as_deref().unwrap_or(""))
            );
            let _ = writeln!(o, "    </testcase>");
        }
        let _ = writeln!(o, "  </testsuite>");
    }
    o.push_str("</testsuites>\n");
    o
}

/// XML attribute and text escaping; control characters (invalid in XML 1.0) become spaces.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}
