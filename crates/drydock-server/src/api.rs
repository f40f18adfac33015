//! The JSON API under `/api/v1`, health, metrics. Every route is listed once in [`ROUTES`],
//! which both the router and the OpenAPI document ([`crate::openapi`]) are built from.

use crate::auth::{self, Scope, Tokens};
use crate::metrics::Metrics;
use crate::pool::Pool;
use crate::{Backend, Config};
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use axum::{Json, Router};
use drydock_store::{Location, ScanRecord};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::Semaphore;

/// What every handler shares.
pub struct AppState {
    pub config: Config,
    pub pool: Arc<Pool>,
    pub tokens: Tokens,
    pub backend: Arc<dyn Backend>,
    pub metrics: Metrics,
    pub scans: Semaphore,
    /// Requests with a body being read or handled at once: with the body limit, what bounds the
    /// memory uploads can pin (connections alone would allow 1024 bodies).
    pub uploads: std::sync::Arc<Semaphore>,
}

type St = State<Arc<AppState>>;

/// A request that failed: its status and a message, as `{"error": "…"}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// 401/403: the scope the route needs (for `WWW-Authenticate`).
    scope: Option<Scope>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            scope: None,
        }
    }
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn not_found(message: impl Into<String>) -> ApiError {
        Self::new(StatusCode::NOT_FOUND, message)
    }
    pub fn unavailable(message: impl Into<String>) -> ApiError {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, message)
    }
    pub fn internal(message: impl Into<String>) -> ApiError {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
    /// A store error: logged whole on the server, summarised to the client (it may name tables
    /// or the store's host, which a client has no business knowing).
    pub fn store(location: &Location, e: &drydock_store::Error) -> ApiError {
        eprintln!(
            "drydock server: error: results store {}: {e}",
            location.display()
        );
        Self::unavailable("the results store failed; see the server's log")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        #[derive(Serialize)]
        struct Body {
            error: String,
        }
        let mut r = (
            self.status,
            Json(Body {
                error: self.message,
            }),
        )
            .into_response();
        let challenge = match (self.status, self.scope) {
            (StatusCode::UNAUTHORIZED, _) => Some("Bearer realm=\"drydock\"".to_owned()),
            (StatusCode::FORBIDDEN, Some(s)) => Some(format!(
                "Bearer realm=\"drydock\", error=\"insufficient_scope\", scope=\"{}\"",
                s.as_str()
            )),
            _ => None,
        };
        if let Some(c) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, c);
        }
        r
    }
}

/// One route: method, path (axum syntax, `{param}`), the scope it needs (none: public), and
/// what the OpenAPI document says of it.
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub scope: Option<Scope>,
    pub summary: &'static str,
    /// Query parameters: (name, required, description).
    pub query: &'static [(&'static str, bool, &'static str)],
    /// Request body schema name (in `components.schemas`), if any.
    pub body: Option<&'static str>,
    /// Success status and response schema name (`text` for plain text).
    pub ok: (u16, &'static str),
}

pub const ROUTES: &[Route] = &[
    Route {
        method: "GET",
        path: "/healthz",
        scope: None,
        summary: "Liveness: the process serves requests.",
        query: &[],
        body: None,
        ok: (200, "text"),
    },
    Route {
        method: "GET",
        path: "/readyz",
        scope: None,
        summary: "Readiness: the results store answers.",
        query: &[],
        body: None,
        ok: (200, "text"),
    },
    Route {
        method: "GET",
        path: "/openapi.json",
        scope: None,
        summary: "This document.",
        query: &[],
        body: None,
        ok: (200, "object"),
    },
    Route {
        method: "GET",
        path: "/metrics",
        scope: Some(Scope::Read),
        summary: "Prometheus metrics (text exposition format 0.0.4).",
        query: &[],
        body: None,
        ok: (200, "text"),
    },
    Route {
        method: "GET",
        path: "/api/v1/overview",
        scope: Some(Scope::Read),
        summary: "The fleet at a glance: images by worst severity, findings by severity, the daily trend of new and resolved findings.",
        query: &[(
            "days",
            false,
            "Trend window in days (default 30, at most 366).",
        )],
        body: None,
        ok: (200, "Overview"),
    },
    Route {
        method: "GET",
        path: "/api/v1/images",
        scope: Some(Scope::Read),
        summary: "Images (the latest scan of each digest), optionally those whose digest starts with, or one of whose references contains, `q`.",
        query: &[("q", false, "Digest prefix or reference substring.")],
        body: None,
        ok: (200, "ImageRowList"),
    },
    Route {
        method: "GET",
        path: "/api/v1/images/{digest}",
        scope: Some(Scope::Read),
        summary: "One image's latest scan: layers, packages, findings.",
        query: &[],
        body: None,
        ok: (200, "ImageDetail"),
    },
    Route {
        method: "GET",
        path: "/api/v1/findings/{id}",
        scope: Some(Scope::Read),
        summary: "Every image with a finding whose id or alias is `id` (CVE ids find GHSA/PYSEC/distribution records that alias them).",
        query: &[],
        body: None,
        ok: (200, "FindingRowList"),
    },
    Route {
        method: "GET",
        path: "/api/v1/packages",
        scope: Some(Scope::Read),
        summary: "Images containing a package, by name or purl prefix, optionally within a version range compared in the package's own version scheme.",
        query: &[
            (
                "name",
                true,
                "Package name, or a purl prefix (`pkg:deb/debian/openssl`).",
            ),
            (
                "range",
                false,
                "Version constraint, e.g. `<3.0.13-1~deb12u1` or `>=1.2,<1.4`.",
            ),
        ],
        body: None,
        ok: (200, "PackageResult"),
    },
    Route {
        method: "GET",
        path: "/api/v1/deltas",
        scope: Some(Scope::Read),
        summary: "Findings that became new or resolved (by re-matching) since a time.",
        query: &[(
            "since",
            true,
            "Seconds since the epoch, or an RFC 3339 UTC time (`2026-12-05T08:00:00Z`).",
        )],
        body: None,
        ok: (200, "DeltaRowList"),
    },
    Route {
        method: "POST",
        path: "/api/v1/inventories",
        scope: Some(Scope::Submit),
        summary: "Upload an image's inventory (packages, layers, OS) and its locally found, redacted secret/credential/misconfiguration findings; the server matches vulnerabilities with its advisory database, stores the scan and returns the vulnerabilities.",
        query: &[],
        body: Some("ScanRecord"),
        ok: (201, "InventoryResult"),
    },
    Route {
        method: "POST",
        path: "/api/v1/scans",
        scope: Some(Scope::Submit),
        summary: "Scan an image by reference: the server pulls it from an allowed registry, scans and stores it.",
        query: &[],
        body: Some("ScanRequest"),
        ok: (201, "ImageRow"),
    },
    Route {
        method: "GET",
        path: "/api/v1/layers/{key}",
        scope: Some(Scope::Submit),
        summary: "A shared layer analysis by layer-cache key: bytes sealed by a client with its fleet's key (the server cannot read them); 404 when none is stored.",
        query: &[],
        body: None,
        ok: (200, "bytes"),
    },
    Route {
        method: "PUT",
        path: "/api/v1/layers/{key}",
        scope: Some(Scope::Submit),
        summary: "Store a sealed layer analysis under its layer-cache key (replacing what was there), for other machines of the fleet to skip that layer.",
        query: &[],
        body: Some("bytes"),
        ok: (204, "none"),
    },
    Route {
        method: "GET",
        path: "/api/v1/tokens",
        scope: Some(Scope::Admin),
        summary: "Bearer tokens (names, scopes, dates; never the token).",
        query: &[],
        body: None,
        ok: (200, "TokenRowList"),
    },
    Route {
        method: "POST",
        path: "/api/v1/tokens",
        scope: Some(Scope::Admin),
        summary: "Create a token; the response holds it, once.",
        query: &[],
        body: Some("TokenRequest"),
        ok: (201, "NewToken"),
    },
    Route {
        method: "DELETE",
        path: "/api/v1/tokens/{name}",
        scope: Some(Scope::Admin),
        summary: "Revoke a token.",
        query: &[],
        body: None,
        ok: (204, "none"),
    },
];

fn handler(method: &str, path: &str) -> MethodRouter<Arc<AppState>> {
    match (method, path) {
        ("GET", "/healthz") => get(|| async { "ok\n" }),
        ("GET", "/readyz") => get(readyz),
        ("GET", "/openapi.json") => get(|| async { Json(crate::openapi::document()) }),
        ("GET", "/metrics") => get(metrics),
        ("GET", "/api/v1/overview") => get(overview),
        ("GET", "/api/v1/images") => get(images),
        ("GET", "/api/v1/images/{digest}") => get(image),
        ("GET", "/api/v1/findings/{id}") => get(findings),
        ("GET", "/api/v1/packages") => get(packages),
        ("GET", "/api/v1/deltas") => get(deltas),
        ("POST", "/api/v1/inventories") => post(inventory),
        ("POST", "/api/v1/scans") => post(scan),
        ("GET", "/api/v1/layers/{key}") => get(layer_get),
        ("PUT", "/api/v1/layers/{key}") => axum::routing::put(layer_put),
        ("GET", "/api/v1/tokens") => get(tokens),
        ("POST", "/api/v1/tokens") => post(token_create),
        ("DELETE", "/api/v1/tokens/{name}") => axum::routing::delete(token_revoke),
        // ROUTES and this table are checked against each other by a test.
        _ => get(|| async { ApiError::internal("route without a handler") }),
    }
}

/// The whole application: API, health, metrics, OpenAPI and the web UI.
pub fn router(state: Arc<AppState>) -> Router {
    let mut app = Router::new();
    for r in ROUTES {
        let mut m = handler(r.method, r.path);
        // Inventories and layer analyses: the large bodies (a scan request is a few bytes
        // and waits for its own permit, sometimes minutes).
        if matches!(r.body, Some("ScanRecord" | "bytes")) {
            m = m.route_layer(middleware::from_fn_with_state(state.clone(), bounded));
        }
        // Added last, so it runs first: no permit for a request without the right token.
        if let Some(scope) = r.scope {
            m = m.route_layer(middleware::from_fn_with_state(
                (state.clone(), scope),
                require,
            ));
        }
        app = app.route(r.path, m);
    }
    let max_body = state.config.max_body;
    // route_layer: after routing, so `observe` sees the matched route template.
    app.merge(crate::ui::routes())
        .route_layer(middleware::from_fn_with_state(state.clone(), observe))
        .fallback(|| async { ApiError::not_found("no such route") })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            announced_length,
        ))
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(state)
}

/// A body announced larger than the limit is refused before any of it is read (the limit on
/// the body itself still holds for chunked bodies and lying lengths).
async fn announced_length(State(state): St, request: Request, next: Next) -> Response {
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > state.config.max_body as u64) {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the body is larger than the {} bytes this server accepts",
                state.config.max_body
            ),
        )
        .into_response();
    }
    next.run(request).await
}

/// Waits for an upload permit before the body is read.
async fn bounded(State(state): St, request: Request, next: Next) -> Response {
    let Ok(_permit) = state.uploads.clone().acquire_owned().await else {
        return ApiError::unavailable("the server is shutting down").into_response();
    };
    next.run(request).await
}

/// Authenticates the request for `scope`.
async fn require(
    State((state, scope)): State<(Arc<AppState>, Scope)>,
    request: Request,
    next: Next,
) -> Response {
    let Some(token) = auth::bearer(request.headers()) else {
        return ApiError::new(StatusCode::UNAUTHORIZED, "a bearer token is required")
            .into_response();
    };
    match state.tokens.lookup(&state.pool, token).await {
        Err(e) => e.into_response(),
        Ok(None) => {
            ApiError::new(StatusCode::UNAUTHORIZED, "unknown or revoked token").into_response()
        }
        Ok(Some(t)) if !auth::grants(&t.scopes, scope) => ApiError {
            status: StatusCode::FORBIDDEN,
            message: format!(
                "token {:?} lacks the {:?} scope this route needs",
                t.name,
                scope.as_str()
            ),
            scope: Some(scope),
        }
        .into_response(),
        Ok(Some(_)) => next.run(request).await,
    }
}

/// Metrics, the handler deadline and response headers every route shares.
async fn observe(State(state): St, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    // The route template, not the path: bounded label values.
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("unmatched", |m| m.as_str())
        .to_owned();
    let route = ROUTES
        .iter()
        .map(|r| r.path)
        .find(|p| *p == route)
        .unwrap_or(if route.starts_with("/ui") || route == "/" {
            "ui"
        } else {
            "unmatched"
        });
    let deadline = if route == "/api/v1/scans" {
        state.config.scan_timeout + std::time::Duration::from_secs(30)
    } else {
        state.config.request_timeout
    };
    state.metrics.in_flight(1);
    let mut response = match tokio::time::timeout(deadline, next.run(request)).await {
        Ok(r) => r,
        Err(_) => ApiError::unavailable("the request took too long").into_response(),
    };
    state.metrics.in_flight(-1);
    state.metrics.observe(
        route,
        &method,
        response.status().as_u16(),
        started.elapsed(),
    );
    let h = response.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    response
}

async fn readyz(State(state): St) -> Result<&'static str, ApiError> {
    state.pool.with(|s| s.schema_version()).await?;
    Ok("ready\n")
}

async fn metrics(State(state): St) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4"),
        )],
        state.metrics.render(),
    )
        .into_response()
}

#[derive(Deserialize)]
struct OverviewQuery {
    days: Option<u32>,
}

async fn overview(
    State(state): St,
    Query(q): Query<OverviewQuery>,
) -> Result<Json<drydock_store::Overview>, ApiError> {
    let days = i64::from(q.days.unwrap_or(30).min(366));
    let now = drydock_store::now();
    let since = (now.div_euclid(86_400) - days + 1) * 86_400;
    Ok(Json(state.pool.with(move |s| s.overview(since)).await?))
}

#[derive(Deserialize)]
struct ImagesQuery {
    q: Option<String>,
}

async fn images(
    State(state): St,
    Query(q): Query<ImagesQuery>,
) -> Result<Json<Vec<drydock_store::ImageRow>>, ApiError> {
    Ok(Json(
        state.pool.with(move |s| s.images(q.q.as_deref())).await?,
    ))
}

async fn image(
    State(state): St,
    Path(digest): Path<String>,
) -> Result<Json<drydock_store::ImageDetail>, ApiError> {
    let shown = digest.clone();
    state
        .pool
        .with(move |s| s.image(&digest))
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no image with digest {shown:?} in the store")))
}

async fn findings(
    State(state): St,
    Path(id): Path<String>,
) -> Result<Json<Vec<drydock_store::FindingRow>>, ApiError> {
    Ok(Json(state.pool.with(move |s| s.findings(&id)).await?))
}

#[derive(Deserialize)]
struct PackagesQuery {
    name: String,
    range: Option<String>,
}

#[derive(Serialize)]
struct PackageResult {
    matches: Vec<drydock_store::PackageRow>,
    /// Packages of that name whose version cannot be compared in their scheme.
    unchecked: Vec<drydock_store::PackageRow>,
}

async fn packages(
    State(state): St,
    Query(q): Query<PackagesQuery>,
) -> Result<Json<PackageResult>, ApiError> {
    if q.name.is_empty() {
        return Err(ApiError::bad_request("name: a package name or purl prefix"));
    }
    let constraint = q
        .range
        .as_deref()
        .filter(|r| !r.is_empty())
        .map(str::parse::<drydock_store::Constraint>)
        .transpose()
        .map_err(|e| ApiError::bad_request(format!("range: {e}")))?;
    let (matches, unchecked) = state
        .pool
        .with(move |s| s.packages(&q.name, constraint.as_ref()))
        .await?;
    Ok(Json(PackageResult { matches, unchecked }))
}

#[derive(Deserialize)]
struct DeltasQuery {
    since: String,
}

async fn deltas(
    State(state): St,
    Query(q): Query<DeltasQuery>,
) -> Result<Json<Vec<drydock_store::DeltaRow>>, ApiError> {
    let since = parse_time(&q.since).ok_or_else(|| {
        ApiError::bad_request(format!(
            "since {:?}: seconds since the epoch or an RFC 3339 UTC time (2026-12-05T08:00:00Z)",
            q.since
        ))
    })?;
    Ok(Json(state.pool.with(move |s| s.deltas(since)).await?))
}

/// Epoch seconds, `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ`.
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok();
    }
    drydock_finding::time::parse_rfc3339(s)
}

/// Upper bounds on an uploaded inventory's lists (the body limit bounds the bytes; these keep
/// a body of many tiny entries from becoming millions of rows).
const MAX_PACKAGES: usize = 200_000;
const MAX_FINDINGS: usize = 200_000;
const MAX_LAYERS: usize = 4096;
const MAX_REFERENCES: usize = 1024;

#[derive(Serialize)]
pub struct InventoryResult {
    pub scan_id: String,
    pub digest: String,
    pub db_version: String,
    /// The vulnerabilities the server matched, as reports show them.
    pub vulnerabilities: Vec<drydock_finding::Finding>,
}

/// A digest as the store keys images: `sha256:` and 64 lowercase hex digits.
fn valid_digest(d: &str) -> bool {
    d.strip_prefix("sha256:")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

async fn inventory(
    State(state): St,
    body: Result<Json<ScanRecord>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<InventoryResult>), ApiError> {
    let Json(mut record) =
        body.map_err(|e| ApiError::new(e.status(), format!("inventory: {}", e.body_text())))?;
    if !valid_digest(&record.digest) {
        return Err(ApiError::bad_request(format!(
            "inventory: digest {:?} is not sha256:<64 hex digits>",
            record.digest
        )));
    }
    for (what, n, max) in [
        ("packages", record.packages.len(), MAX_PACKAGES),
        ("findings", record.findings.len(), MAX_FINDINGS),
        ("layers", record.layers.len(), MAX_LAYERS),
        ("references", record.references.len(), MAX_REFERENCES),
    ] {
        if n > max {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("inventory: {n} {what}, more than the {max} one image may have"),
            ));
        }
    }
    let backend = state.backend.clone();
    let (record, matched) = tokio::task::spawn_blocking(move || {
        // Vulnerabilities are the server's to match: whatever a client claims is dropped.
        record.findings.retain(|f| f.kind != "vulnerability");
        for f in &mut record.findings {
            f.message = backend.redact(&f.message);
            f.title = backend.redact(&f.title);
            if let Some(l) = &f.location {
                f.location = Some(backend.redact(l));
            }
        }
        let matched = backend.match_inventory(
            record.os.as_ref(),
            &record.packages,
            record.filters.as_deref(),
        )?;
        record.findings.extend(matched.records.iter().cloned());
        record.db = matched.db.clone();
        record.scanned_at = drydock_store::now();
        Ok::<_, crate::MatchError>((record, matched))
    })
    .await
    .map_err(|e| ApiError::internal(format!("matching failed: {e}")))?
    .map_err(|e| match e {
        crate::MatchError::Refused(why) => ApiError::bad_request(format!("inventory: {why}")),
        crate::MatchError::Failed(why) => ApiError::unavailable(format!("matching failed: {why}")),
    })?;
    let digest = record.digest.clone();
    let db_version = record.db.version.clone();
    let scan_id = state.pool.with(move |s| s.write_scan(&record)).await?;
    state.metrics.inventory();
    Ok((
        StatusCode::CREATED,
        Json(InventoryResult {
            scan_id,
            digest,
            db_version,
            vulnerabilities: matched.findings,
        }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScanRequest {
    reference: String,
}

/// The registry host of a reference as Docker names it: the first path component when it
/// looks like a host (has `.` or `:`, or is `localhost`), else Docker Hub.
fn registry_of(reference: &str) -> &str {
    match reference.split_once('/') {
        Some((first, _)) if first.contains('.') || first.contains(':') || first == "localhost" => {
            first
        }
        _ => "docker.io",
    }
}

async fn scan(
    State(state): St,
    body: Result<Json<ScanRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<drydock_store::ImageRow>), ApiError> {
    let Json(req) =
        body.map_err(|e| ApiError::new(e.status(), format!("scan: {}", e.body_text())))?;
    let reference = req.reference.trim().to_owned();
    // A reference only: never a path, a scheme (docker://, oci:, archive) or an option, so a
    // client cannot make the server read its own files or engines.
    let plain = !reference.is_empty()
        && reference.len() <= 512
        && !reference.starts_with(['-', '/', '.', '~'])
        && !reference.contains("://")
        && !reference.contains("..")
        && reference
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"./:_-@+".contains(&b));
    if !plain {
        return Err(ApiError::bad_request(format!(
            "reference {reference:?}: give a registry reference (host/repository:tag or @sha256:…)"
        )));
    }
    let host = registry_of(&reference).to_ascii_lowercase();
    if !state
        .config
        .allow_registries
        .iter()
        .any(|a| a.eq_ignore_ascii_case(&host))
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            if state.config.allow_registries.is_empty() {
                "this server pulls from no registry: start it with --allow-registry HOST".to_owned()
            } else {
                format!("registry {host} is not one this server may pull from (--allow-registry)")
            },
        ));
    }
    let _permit = state
        .scans
        .acquire()
        .await
        .map_err(|_| ApiError::unavailable("the server is shutting down"))?;
    let backend = state.backend.clone();
    let timeout = state.config.scan_timeout;
    let shown = reference.clone();
    let digest = tokio::task::spawn_blocking(move || backend.scan_reference(&reference, timeout))
        .await
        .map_err(|e| ApiError::internal(format!("scan failed: {e}")))?
        .map_err(|e| {
            state.metrics.scan(false);
            ApiError::new(StatusCode::BAD_GATEWAY, format!("scan of {shown}: {e}"))
        })?;
    state.metrics.scan(true);
    let d = digest.clone();
    let row = state
        .pool
        .with(move |s| s.images(Some(&d)))
        .await?
        .into_iter()
        .find(|i| i.digest == digest)
        .ok_or_else(|| ApiError::internal(format!("scan of {shown} wrote no image {digest}")))?;
    Ok((StatusCode::CREATED, Json(row)))
}

fn layer_key(key: &str) -> Result<(), ApiError> {
    if crate::layers::valid_key(key) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "layer key {key:?}: 64 lowercase hex digits"
        )))
    }
}

async fn layer_get(State(state): St, Path(key): Path<String>) -> Result<Response, ApiError> {
    layer_key(&key)?;
    let shown = key.clone();
    match state.pool.with(move |s| s.layer_get(&key)).await? {
        Some(bytes) => Ok((
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            )],
            bytes,
        )
            .into_response()),
        None => Err(ApiError::not_found(format!("no shared layer {shown}"))),
    }
}

async fn layer_put(
    State(state): St,
    Path(key): Path<String>,
    body: axum::body::Bytes,
) -> Result<StatusCode, ApiError> {
    layer_key(&key)?;
    if body.is_empty() {
        return Err(ApiError::bad_request("an empty layer analysis"));
    }
    state.pool.with(move |s| s.layer_put(&key, &body)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn tokens(State(state): St) -> Result<Json<Vec<drydock_store::TokenRow>>, ApiError> {
    Ok(Json(state.pool.with(|s| s.tokens()).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    name: String,
    scopes: Vec<String>,
}

#[derive(Serialize)]
struct NewToken {
    name: String,
    scopes: Vec<String>,
    /// Shown once: only its hash is kept.
    token: String,
}

async fn token_create(
    State(state): St,
    body: Result<Json<TokenRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<NewToken>), ApiError> {
    let Json(req) =
        body.map_err(|e| ApiError::new(e.status(), format!("token: {}", e.body_text())))?;
    auth::check_name(&req.name).map_err(ApiError::bad_request)?;
    let mut scopes = Vec::new();
    for s in &req.scopes {
        scopes.push(Scope::parse(s).map_err(ApiError::bad_request)?);
    }
    if scopes.is_empty() {
        return Err(ApiError::bad_request(
            "scopes: at least one of read, submit, admin",
        ));
    }
    scopes.sort();
    scopes.dedup();
    let scopes: Vec<String> = scopes.iter().map(|s| s.as_str().to_owned()).collect();
    let (token, hash) = auth::generate().map_err(ApiError::internal)?;
    let (name, stored) = (req.name.clone(), scopes.clone());
    let taken = state
        .pool
        .with(move |s| {
            if s.tokens()?.iter().any(|t| t.name == name) {
                return Ok(true);
            }
            s.token_add(&name, &hash, &stored).map(|()| false)
        })
        .await?;
    if taken {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("a token named {:?} exists: revoke it first", req.name),
        ));
    }
    state.tokens.invalidate().await;
    Ok((
        StatusCode::CREATED,
        Json(NewToken {
            name: req.name,
            scopes,
            token,
        }),
    ))
}

async fn token_revoke(State(state): St, Path(name): Path<String>) -> Result<StatusCode, ApiError> {
    let shown = name.clone();
    if !state.pool.with(move |s| s.token_revoke(&name)).await? {
        return Err(ApiError::not_found(format!("no token named {shown:?}")));
    }
    state.tokens.invalidate().await;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(parse_time("1700000000"), Some(1_700_000_000));
        assert_eq!(parse_time("2023-11-14T22:13:20Z"), Some(1_700_000_000));
        assert_eq!(parse_time("1970-01-02"), Some(86_400));
        assert_eq!(parse_time("2023-11-14T22:13:20+01:00"), None);
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn registries_of_references() {
        assert_eq!(registry_of("127.0.0.1:5000/team/app:1"), "127.0.0.1:5000");
        assert_eq!(registry_of("ghcr.io/x/y@sha256:00"), "ghcr.io");
        assert_eq!(registry_of("localhost/app"), "localhost");
        assert_eq!(registry_of("library/debian:12"), "docker.io");
        assert_eq!(registry_of("debian"), "docker.io");
    }

    #[test]
    fn digests() {
        assert!(valid_digest(&format!("sha256:{}", "a".repeat(64))));
        assert!(!valid_digest(&format!("sha256:{}", "A".repeat(64))));
        assert!(!valid_digest("sha256:abc"));
        assert!(!valid_digest(&format!("md5:{}", "a".repeat(64))));
    }
}
