//! The web UI: pages and assets embedded in the binary (no CDN), reading the JSON API.

use crate::api::AppState;
use axum::Router;
use std::sync::Arc;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
}
