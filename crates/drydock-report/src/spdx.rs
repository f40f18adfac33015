//! SPDX 2.3 JSON: the image as a CONTAINER package that DESCRIBES the document and CONTAINS the
//! operating system and every installed package (purls as PACKAGE-MANAGER external refs).
//! Tests validate the output against the official SPDX 2.3 JSON schema.

use crate::Report;
use drydock_analyze::PackageClass;
use serde_json::{Value, json};

pub fn spdx(r: &Report<'_>) -> String {
    let name = r
        .target
        .reference
        .clone()
        .unwrap_or_else(|| r.target.path.clone());
    let mut packages = Vec::new();
    let mut relationships = vec![
        json!({"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-Image"}),
    ];
    let mut image = json!({
        "SPDXID": "SPDXRef-Image",
        "name": name,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "primaryPackagePurpose": "CONTAINER",
    });
    if let Some(id) = r.image.as_ref().and_then(|i| i.id) {
        image["versionInfo"] = json!(id.to_string());
        image["checksums"] = json!([{"algorithm": "SHA256", "checksumValue": id.hex()}]);
    }
    if let Some(d) = r.manifest_digest() {
        image["comment"] = json!(format!("image manifest {d}"));
    }
    if let Some(purl) = r.oci_purl() {
        image["externalRefs"] = json!([{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": purl}]);
    }
    packages.push(image);
    if let Some(os) = r.os {
        packages.push(json!({
            "SPDXID": "SPDXRef-OperatingSystem",
            "name": os.family,
            "versionInfo": os.version,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "primaryPackagePurpose": "OPERATING_SYSTEM",
        }));
        relationships.push(json!({"spdxElementId": "SPDXRef-Image", "relationshipType": "CONTAINS", "relatedSpdxElement": "SPDXRef-OperatingSystem"}));
    }
    for (i, p) in r.packages.iter().enumerate() {
        let id = format!("SPDXRef-Package-{i}");
        let mut pkg = json!({
            "SPDXID": id,
            "name": p.name,
            "versionInfo": p.version,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            // Declared licence strings are rarely valid SPDX expressions; say so rather than guess.
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": "NOASSERTION",
            "copyrightText": "NOASSERTION",
            "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": p.purl}],
            "primaryPackagePurpose": if p.class == PackageClass::Os { "INSTALL" } else { "LIBRARY" },
            // Trivy's spelling of a binary package's source, which `sbom-scan` (and Trivy)
            // read back: Debian and Ubuntu advisories name source packages.
            "sourceInfo": match &p.source_name {
                Some(src) => format!(
                    "built package from: {src} {} (found in {}, layer {})",
                    p.source_version.as_deref().unwrap_or(&p.version),
                    p.location,
                    p.layer
                ),
                None => format!("found in {} (layer {})", p.location, p.layer),
            },
        });
        if !p.licenses.is_empty() {
            pkg["licenseComments"] = json!(format!("declared: {}", p.licenses.join("; ")));
        }
        packages.push(pkg);
        let parent = if p.class == PackageClass::Os && r.os.is_some() {
            "SPDXRef-OperatingSystem"
        } else {
            "SPDXRef-Image"
        };
        relationships.push(json!({"spdxElementId": parent, "relationshipType": "CONTAINS", "relatedSpdxElement": id}));
    }
    let serial = crate::cyclonedx::serial_number(r);
    let doc: Value = json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": name,
        "documentNamespace": format!("https://spdx.org/spdxdocs/drydock/{}", serial.trim_start_matches("urn:uuid:")),
        "creationInfo": {
            "created": drydock_finding::time::timestamp(),
            "creators": [format!("Tool: drydock-{}", r.drydock_version)],
        },
        "packages": packages,
        "relationships": relationships,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
