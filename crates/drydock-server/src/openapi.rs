//! The OpenAPI 3.1 document served at `/openapi.json`, built from the route table
//! ([`crate::api::ROUTES`]) so a route cannot exist undocumented, with the schemas of the store's
//! records written out below.

use crate::api::ROUTES;
use serde_json::{Map, Value, json};

fn string() -> Value {
    json!({"type": "string"})
}
fn opt_string() -> Value {
    json!({"type": ["string", "null"]})
}
fn integer() -> Value {
    json!({"type": "integer"})
}
fn strings() -> Value {
    json!({"type": "array", "items": {"type": "string"}})
}
fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}
fn list_of(name: &str) -> Value {
    json!({"type": "array", "items": reference(name)})
}
fn object(required: &[&str], properties: Value) -> Value {
    json!({"type": "object", "required": required, "properties": properties})
}

fn schemas() -> Value {
    let finding_record = object(
        &["id", "kind", "severity", "title", "message"],
        json!({
            "id": string(),
            "kind": {"type": "string", "enum": ["vulnerability", "secret", "credential", "misconfiguration"]},
            "severity": {"type": "string", "enum": ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"]},
            "status": opt_string(),
            "aliases": strings(),
            "package": {"type": ["string", "null"], "description": "The package's purl."},
            "installed_version": opt_string(),
            "fixed_version": opt_string(),
            "title": string(),
            "message": {"type": "string", "description": "As the report shows it: secrets redacted."},
            "location": opt_string(),
            "suppressed": {"oneOf": [{"type": "null"}, object(&["by", "reason"], json!({"by": string(), "reason": string()}))]},
        }),
    );
    let package_record = object(
        &[
            "class",
            "ecosystem",
            "name",
            "version",
            "purl",
            "layer",
            "location",
        ],
        json!({
            "class": {"type": "string", "enum": ["os", "lang"]},
            "ecosystem": string(),
            "name": string(),
            "version": string(),
            "purl": string(),
            "source_name": opt_string(),
            "source_version": opt_string(),
            "layer": integer(),
            "location": string(),
            "unpublished": {"type": "boolean"},
        }),
    );
    let layer_record = object(
        &["index"],
        json!({"index": integer(), "digest": opt_string(), "diff_id": opt_string()}),
    );
    let os_record = object(
        &["family", "version"],
        json!({"family": string(), "version": string(), "name": opt_string()}),
    );
    let image_row = object(
        &[
            "digest",
            "digest_kind",
            "references",
            "target_path",
            "packages",
            "findings",
            "critical",
            "high",
            "db_version",
            "last_scanned",
        ],
        json!({
            "digest": string(),
            "digest_kind": {"type": "string", "enum": ["manifest", "config", "inventory"]},
            "references": strings(),
            "target_path": string(),
            "os": opt_string(),
            "packages": integer(),
            "findings": {"type": "integer", "description": "Unsuppressed findings."},
            "critical": integer(),
            "high": integer(),
            "db_version": string(),
            "last_scanned": {"type": "integer", "description": "Seconds since the epoch."},
        }),
    );
    json!({
        "FindingRecord": finding_record,
        "PackageRecord": package_record,
        "LayerRecord": layer_record,
        "OsRecord": os_record,
        "ImageRow": image_row,
        "ImageRowList": list_of("ImageRow"),
        "ImageDetail": object(
            &["image", "scan_id", "analyzer", "target_kind", "first_scanned", "matched_at", "layers", "packages", "findings"],
            json!({
                "image": reference("ImageRow"),
                "scan_id": string(),
                "analyzer": string(),
                "target_kind": string(),
                "config_digest": opt_string(),
                "first_scanned": integer(),
                "matched_at": integer(),
                "layers": list_of("LayerRecord"),
                "packages": list_of("PackageRecord"),
                "findings": list_of("FindingRecord"),
            }),
        ),
        "FindingRow": object(
            &["digest", "references", "finding"],
            json!({"digest": string(), "references": strings(), "finding": reference("FindingRecord")}),
        ),
        "FindingRowList": list_of("FindingRow"),
        "PackageRow": object(
            &["digest", "references", "name", "version", "purl", "ecosystem"],
            json!({
                "digest": string(), "references": strings(), "name": string(),
                "version": string(), "purl": string(), "ecosystem": string(),
                "source_name": opt_string(),
            }),
        ),
        "PackageResult": object(
            &["matches", "unchecked"],
            json!({
                "matches": list_of("PackageRow"),
                "unchecked": {"type": "array", "items": reference("PackageRow"), "description": "Packages of that name whose version cannot be compared in their scheme."},
            }),
        ),
        "DeltaRow": object(
            &["at", "change", "finding_id", "package", "severity", "digest", "references", "db_version"],
            json!({
                "at": integer(),
                "change": {"type": "string", "enum": ["new", "resolved"]},
                "finding_id": string(), "package": string(), "severity": string(),
                "installed_version": opt_string(), "fixed_version": opt_string(),
                "digest": string(), "references": strings(), "db_version": string(),
            }),
        ),
        "DeltaRowList": list_of("DeltaRow"),
        "Overview": object(
            &["images", "packages", "images_by_worst", "findings_by_severity", "trend"],
            json!({
                "images": integer(),
                "packages": integer(),
                "images_by_worst": {"type": "object", "additionalProperties": {"type": "integer"}},
                "findings_by_severity": {"type": "object", "additionalProperties": {"type": "integer"}},
                "trend": {"type": "array", "items": object(&["day", "new", "resolved"], json!({"day": integer(), "new": integer(), "resolved": integer()}))},
            }),
        ),
        "ScanRecord": object(
            &["digest", "digest_kind", "references", "target_kind", "target_path", "layers", "packages", "findings", "analyzer", "db", "scanned_at"],
            json!({
                "digest": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"},
                "digest_kind": {"type": "string", "enum": ["manifest", "config", "inventory"]},
                "references": strings(),
                "target_kind": string(),
                "target_path": string(),
                "config_digest": opt_string(),
                "os": {"oneOf": [{"type": "null"}, reference("OsRecord")]},
                "layers": list_of("LayerRecord"),
                "packages": list_of("PackageRecord"),
                "findings": {"type": "array", "items": reference("FindingRecord"), "description": "Secret, credential and misconfiguration findings, redacted; vulnerabilities are the server's to match and are ignored."},
                "analyzer": string(),
                "db": object(&["version"], json!({"version": string(), "built": {"type": ["integer", "null"]}})),
                "scanned_at": integer(),
            }),
        ),
        "InventoryResult": object(
            &["scan_id", "digest", "db_version", "vulnerabilities"],
            json!({
                "scan_id": string(), "digest": string(), "db_version": string(),
                "vulnerabilities": {"type": "array", "items": {"type": "object"}, "description": "Findings as drydock's JSON report shows them."},
            }),
        ),
        "ScanRequest": object(&["reference"], json!({"reference": {"type": "string", "description": "host/repository:tag or host/repository@sha256:…, from a registry the server allows."}})),
        "TokenRow": object(
            &["name", "scopes", "created_at"],
            json!({"name": string(), "scopes": strings(), "created_at": integer(), "last_used": {"type": ["integer", "null"]}}),
        ),
        "TokenRowList": list_of("TokenRow"),
        "TokenRequest": object(
            &["name", "scopes"],
            json!({"name": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$"}, "scopes": {"type": "array", "items": {"type": "string", "enum": ["read", "submit", "admin"]}}}),
        ),
        "NewToken": object(&["name", "scopes", "token"], json!({"name": string(), "scopes": strings(), "token": {"type": "string", "description": "Shown once; only its SHA-256 is stored."}})),
        "Error": object(&["error"], json!({"error": string()})),
    })
}

/// The document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for r in ROUTES {
        let mut op = Map::new();
        op.insert("summary".into(), json!(r.summary));
        let mut parameters: Vec<Value> = r
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": string()}))
            .collect();
        parameters.extend(r.query.iter().map(|(name, required, description)| {
            json!({"name": name, "in": "query", "required": required, "description": description, "schema": string()})
        }));
        if !parameters.is_empty() {
            op.insert("parameters".into(), Value::Array(parameters));
        }
        match r.body {
            Some("bytes") => {
                op.insert(
                    "requestBody".into(),
                    json!({"required": true, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}),
                );
            }
            Some(body) => {
                op.insert(
                    "requestBody".into(),
                    json!({"required": true, "content": {"application/json": {"schema": reference(body)}}}),
                );
            }
            None => {}
        }
        let (status, schema) = r.ok;
        let ok = match schema {
            "none" => json!({"description": "Done."}),
            "text" => {
                json!({"description": "OK.", "content": {"text/plain": {"schema": string()}}})
            }
            "bytes" => {
                json!({"description": "OK.", "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}})
            }
            "object" => {
                json!({"description": "OK.", "content": {"application/json": {"schema": {"type": "object"}}}})
            }
            name => {
                json!({"description": "OK.", "content": {"application/json": {"schema": reference(name)}}})
            }
        };
        let error = |d: &str| json!({"description": d, "content": {"application/json": {"schema": reference("Error")}}});
        let mut responses = Map::new();
        responses.insert(status.to_string(), ok);
        if r.body.is_some() || !r.query.is_empty() {
            responses.insert("400".into(), error("The request is malformed."));
        }
        if let Some(scope) = r.scope {
            responses.insert("401".into(), error("No bearer token, or an unknown one."));
            responses.insert(
                "403".into(),
                error(&format!("The token lacks the {} scope.", scope.as_str())),
            );
            op.insert("security".into(), json!([{ "bearer": [scope.as_str()] }]));
        } else {
            op.insert("security".into(), json!([]));
        }
        if r.body.is_some() {
            responses.insert(
                "413".into(),
                error("The body is larger than the server accepts."),
            );
        }
        op.insert("responses".into(), Value::Object(responses));
        let entry = paths
            .entry(r.path.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(m) = entry {
            m.insert(r.method.to_ascii_lowercase(), Value::Object(op));
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "drydock server",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "drydock's results store over HTTP: fleet queries, inventory upload (client/server mode), scans by reference, deltas, tokens. Every route but health and this document needs a bearer token (`Authorization: Bearer ddt_…`) with the scope it names: read, submit or admin (admin implies the others).",
        },
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "A token from `drydock server token add` or POST /api/v1/tokens; scopes: read, submit, admin."}},
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `$ref` resolves, and every route is documented with its method.
    #[test]
    fn references_resolve() {
        let doc = document();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        let text = doc.to_string();
        for part in text.split("#/components/schemas/").skip(1) {
            let name: String = part.chars().take_while(|c| *c != '"').collect();
            assert!(schemas.contains_key(&name), "dangling $ref {name}");
        }
        for r in ROUTES {
            assert!(
                doc["paths"][r.path][r.method.to_ascii_lowercase()].is_object(),
                "{} {} undocumented",
                r.method,
                r.path
            );
        }
    }
}
