//! CycloneDX 1.6 JSON: the image as a `container` component, its OS as `operating-system`, and
//! every installed package as a `library` with its purl, evidence layer and source package.
//!
//! Written with our own serde structs: `cyclonedx-bom` (the Rust CycloneDX crate) stops at
//! spec 1.5. Tests validate the output against the official 1.6 JSON schema.

use crate::Report;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use std::collections::HashSet;

pub fn cyclonedx(r: &Report<'_>) -> String {
    let image_ref = "image".to_string();
    let os_ref = "os".to_string();
    let mut seen = HashSet::new();
    let mut components = Vec::new();
    let mut os_deps = Vec::new();
    if let Some(os) = r.os {
        let mut c = json!({"bom-ref": os_ref, "type": "operating-system", "name": os.family, "version": os.version});
        if let Some(name) = &os.name {
            c["description"] = json!(name);
        }
        components.push(c);
    }
    for p in r.packages {
        let pkg = p;
        // A purl can repeat (the same package in two databases); bom-refs must not.
        let mut bom_ref = pkg.purl.clone();
        let mut n = 1;
        while !seen.insert(bom_ref.clone()) {
            n += 1;
            bom_ref = format!("{}#{n}", pkg.purl);
        }
        let mut properties = vec![
            json!({"name": "drydock:package:ecosystem", "value": pkg.ecosystem}),
            json!({"name": "drydock:package:location", "value": pkg.location}),
            json!({"name": "drydock:layer:index", "value": p.layer.to_string()}),
        ];
        if let Some(d) = r.layers.get(p.layer).and_then(|l| l.diff_id) {
            properties.push(json!({"name": "drydock:layer:diff_id", "value": d.to_string()}));
        }
        if let Some(src) = &pkg.source_name {
            properties.push(json!({"name": "drydock:package:source_name", "value": src}));
        }
        if let Some(v) = &pkg.source_version {
            properties.push(json!({"name": "drydock:package:source_version", "value": v}));
        }
        let mut c = json!({
            "bom-ref": bom_ref,
            "type": "library",
            "name": pkg.name,
            "version": pkg.version,
            "purl": pkg.purl,
            "properties": properties,
        });
        let licenses: Vec<Value> = pkg
            .licenses
            .iter()
            .filter(|l| !l.trim().is_empty())
            // Declared licence strings are often not valid SPDX expressions; `name` accepts any.
            .map(|l| json!({"license": {"name": l}}))
            .collect();
        if !licenses.is_empty() {
            c["licenses"] = json!(licenses);
        }
        os_deps.push(Value::String(bom_ref));
        components.push(c);
    }
    // Lockfile dependency edges, where both ends are components of this BOM.
    let mut edges: std::collections::BTreeMap<&str, std::collections::BTreeSet<&str>> =
        Default::default();
    for p in r.packages.iter().filter(|p| seen.contains(&p.purl)) {
        for d in p
            .dependencies
            .iter()
            .filter(|d| seen.contains(*d) && **d != p.purl)
        {
            edges.entry(&p.purl).or_default().insert(d);
        }
    }
    let mut dependencies: Vec<Value> = edges
        .iter()
        .map(|(r, on)| json!({"ref": r, "dependsOn": on}))
        .collect();
    if r.os.is_some() {
        dependencies.push(json!({"ref": image_ref, "dependsOn": [os_ref]}));
        dependencies.push(json!({"ref": os_ref, "dependsOn": os_deps}));
    } else {
        dependencies.push(json!({"ref": image_ref, "dependsOn": os_deps}));
    }
    let name = r
        .target
        .reference
        .clone()
        .unwrap_or_else(|| r.target.path.clone());
    let mut image = json!({"bom-ref": image_ref, "type": "container", "name": name});
    if let Some(img) = &r.image {
        if let Some(id) = img.id {
            image["version"] = json!(id.to_string());
        }
        let mut props =
            vec![json!({"name": "drydock:image:architecture", "value": img.architecture})];
        if let Some(d) = img.manifest_digest {
            props.push(json!({"name": "drydock:image:manifest_digest", "value": d.to_string()}));
        }
        for (i, l) in r.layers.iter().enumerate() {
            if let Some(d) = l.diff_id {
                props.push(json!({"name": format!("drydock:image:layer:{i}:diff_id"), "value": d.to_string()}));
            }
        }
        image["properties"] = json!(props);
    }
    if let Some(purl) = r.oci_purl() {
        image["purl"] = json!(purl);
    }
    let vulnerabilities = vex(r, &seen);
    let bom = json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": serial_number(r),
        "version": 1,
        "metadata": {
            "timestamp": drydock_finding::time::timestamp(),
            "tools": {"components": [{"type": "application", "name": "drydock", "version": r.drydock_version}]},
            "component": image,
        },
        "components": components,
        "dependencies": dependencies,
    });
    let mut bom = bom;
    if !vulnerabilities.is_empty() {
        bom["vulnerabilities"] = json!(vulnerabilities);
    }
    let mut s = serde_json::to_string_pretty(&bom).unwrap_or_default();
    s.push('\n');
    s
}

/// Vulnerability findings as CycloneDX vulnerabilities (VEX): open ones `affected` /
/// `exploitable`-unknown, suppressed ones with their reason as `not_affected`.
fn vex(r: &Report<'_>, refs: &HashSet<String>) -> Vec<Value> {
    let open = r.findings.iter().map(|f| (f, None));
    let waived = r.suppressed.iter().map(|s| (&s.finding, Some(s)));
    open.chain(waived)
        .filter(|(f, _)| f.kind == drydock_finding::Kind::Vulnerability)
        .filter_map(|(f, sup)| {
            let purl = f.package.as_ref()?;
            let bom_ref = refs.contains(purl).then(|| purl.clone())?;
            let severity = f.severity.as_str().to_lowercase();
            let mut v = json!({
                "id": f.id,
                "source": {"name": if f.id.starts_with("GO-") { "Go Vulnerability Database" } else { "OSV" }},
                "ratings": [{"severity": if severity == "unknown" { "unknown".to_owned() } else { severity }, "method": "other"}],
                "description": f.title,
                "detail": f.message,
                "affects": [{"ref": bom_ref}],
                "analysis": match sup {
                    Some(s) => json!({"state": "not_affected", "detail": format!("{} ({})", s.reason, s.suppressed_by)}),
                    None => json!({"state": "exploitable"}),
                },
            });
            if let Some(fix) = &f.fix {
                v["recommendation"] = json!(fix);
            }
            let ids: Vec<Value> = f
                .references
                .iter()
                .filter(|x| x.starts_with("CVE-") || x.starts_with("GHSA-"))
                .map(|x| json!({"id": x, "source": {"name": if x.starts_with("CVE-") { "NVD" } else { "GitHub" }}}))
                .collect();
            if !ids.is_empty() {
                v["references"] = json!(ids);
            }
            Some(v)
        })
        .collect()
}

/// A UUID derived from what was scanned, so the same image gives the same serial number.
pub(crate) fn serial_number(r: &Report<'_>) -> String {
    let mut h = Sha256::new();
    h.update(r.target.path.as_bytes());
    if let Some(id) = r.image.as_ref().and_then(|i| i.id) {
        h.update(id.to_string().as_bytes());
    }
    for p in r.packages {
        h.update(p.purl.as_bytes());
    }
    let mut b: [u8; 16] = h.finalize()[..16].try_into().unwrap_or([0; 16]);
    b[6] = (b[6] & 0x0f) | 0x40; // version 4 layout (random-looking), as the schema's pattern wants
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = hex(&b);
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &x[0..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
