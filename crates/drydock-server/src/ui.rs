//! The web UI: pages and assets embedded in the binary (no CDN), reading the JSON API.
//!
//! The pages are public shells (no data in them): their script asks for a read token (kept in
//! `sessionStorage`, or taken from `#token=…` in the URL fragment, which never reaches the
//! server) and calls `/api/v1` with it. Every string from the store is hostile (package names,
//! paths and messages come from scanned images): the scripts build the DOM with `textContent`
//! and `createElement` only, and every UI response carries a Content-Security-Policy that
//! allows no inline script or style and no other origin. Assets are a fixed table of embedded
//! files: no request reads the filesystem.

use crate::api::AppState;
use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::sync::Arc;

/// Sent with every UI response (pages and assets).
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
     img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const SVG: &str = "image/svg+xml";

/// The pages: path, title, and the page's name (its script `NAME.js`). Each is the one shell,
/// `ui/page.html`, with these filled in.
const PAGES: &[(&str, &str, &str)] = &[
    ("/", "Fleet overview", "overview"),
    ("/ui/image", "Image", "image"),
    ("/ui/vulnerability", "Vulnerability", "vulnerability"),
    ("/ui/deltas", "Deltas", "deltas"),
];

const SHELL: &str = include_str!("../ui/page.html");

/// Everything under `/ui/assets/`: name, content type, bytes. The only files served.
const ASSETS: &[(&str, &str, &[u8])] = &[
    ("ui.css", CSS, include_bytes!("../ui/ui.css")),
    ("ui.js", JS, include_bytes!("../ui/ui.js")),
    ("overview.js", JS, include_bytes!("../ui/overview.js")),
    ("image.js", JS, include_bytes!("../ui/image.js")),
    (
        "vulnerability.js",
        JS,
        include_bytes!("../ui/vulnerability.js"),
    ),
    ("deltas.js", JS, include_bytes!("../ui/deltas.js")),
    ("icon.svg", SVG, include_bytes!("../ui/icon.svg")),
];

pub fn routes() -> Router<Arc<AppState>> {
    router()
}

/// The UI routes, for any state (they use none).
fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    let mut r = Router::new();
    for (path, title, page) in PAGES {
        let html =
            axum::body::Bytes::from(SHELL.replace("{{title}}", title).replace("{{page}}", page));
        r = r.route(
            path,
            get(move || {
                let html = html.clone();
                async move { respond(HTML, html) }
            }),
        );
    }
    r.route("/ui/assets/{name}", get(asset))
}

async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, content_type, bytes)) => respond(content_type, *bytes),
        None => {
            let mut r = (StatusCode::NOT_FOUND, "no such asset\n").into_response();
            secure(&mut r);
            r
        }
    }
}

fn respond(content_type: &'static str, body: impl Into<axum::body::Bytes>) -> Response {
    let mut r = (
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body.into(),
    )
        .into_response();
    secure(&mut r);
    r
}

fn secure(r: &mut Response) {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    async fn get(path: &str) -> Response {
        router::<()>()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap()
    }

    fn header(r: &Response, name: header::HeaderName) -> &str {
        r.headers()
            .get(name)
            .map_or("", |v| v.to_str().unwrap_or(""))
    }

    async fn text(r: Response) -> String {
        let b = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        String::from_utf8(b.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn pages_and_assets_with_their_types_and_policy() {
        for (path, ty) in [
            ("/", HTML),
            ("/ui/image?digest=sha256:00", HTML),
            ("/ui/vulnerability?id=CVE-2024-1", HTML),
            ("/ui/deltas", HTML),
            ("/ui/assets/ui.css", CSS),
            ("/ui/assets/ui.js", JS),
            ("/ui/assets/icon.svg", SVG),
        ] {
            let r = get(path).await;
            assert_eq!(r.status(), StatusCode::OK, "{path}");
            assert_eq!(header(&r, header::CONTENT_TYPE), ty, "{path}");
            assert_eq!(header(&r, header::CONTENT_SECURITY_POLICY), CSP, "{path}");
            assert_eq!(header(&r, header::X_FRAME_OPTIONS), "DENY", "{path}");
        }
        for path in [
            "/ui/assets/../lib.rs",
            "/ui/assets/%2e%2e%2fui.rs",
            "/ui/assets/ui.rs",
            "/ui/assets/",
        ] {
            let r = get(path).await;
            assert_ne!(r.status(), StatusCode::OK, "{path}");
        }
    }

    /// Every script and stylesheet a page names is an asset; nothing comes from elsewhere, and
    /// no page has inline script or style (the policy would block them).
    #[tokio::test]
    async fn pages_name_only_embedded_assets() {
        for (path, _, _) in PAGES {
            let html = text(get(path).await).await;
            for attr in ["src=\"", "href=\""] {
                for part in html.split(attr).skip(1) {
                    let url = &part[..part.find('"').unwrap()];
                    if let Some(name) = url.strip_prefix("/ui/assets/") {
                        assert!(
                            ASSETS.iter().any(|(n, _, _)| *n == name),
                            "{path}: {url} is no asset"
                        );
                    } else {
                        assert!(
                            url.starts_with('/') && !url.starts_with("//"),
                            "{path}: {url} is not on this server"
                        );
                    }
                }
            }
            assert!(
                !html.contains("<script>") && !html.contains("style="),
                "{path}"
            );
        }
    }

    /// The scripts never hand data to an HTML parser.
    #[test]
    fn scripts_build_the_dom_without_html_parsing() {
        for (name, _, bytes) in ASSETS.iter().filter(|(n, _, _)| n.ends_with(".js")) {
            let js = std::str::from_utf8(bytes).unwrap();
            for sink in [
                "innerHTML",
                "outerHTML",
                "insertAdjacentHTML",
                "document.write",
                "eval(",
                "new Function",
                "setAttribute(\"on",
            ] {
                assert!(!js.contains(sink), "{name} uses {sink}");
            }
        }
    }
}
