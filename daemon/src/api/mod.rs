//! The localhost HTTP API (axum): `GET /health`, `POST /prompt`, `GET /documents`,
//! `GET /documents/{id}`, `GET /status`, `POST /pause`, `POST /resume`, `GET /sources`,
//! `POST /key/rotate`. Every route needs the API key except `/health` when `health_public`;
//! browser origins outside `cors_origins` are refused (see [`auth`]).
//! Handlers only read the store or call the pipeline's engine; they never touch files.

pub mod auth;
pub mod client;
pub mod control;
pub mod documents;
pub mod key_store;
pub mod prompt;

use std::sync::Arc;

use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use crate::pipeline::Pipeline;
use crate::store::Store;

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub pipeline: Arc<Pipeline>,
    pub api_key: auth::SharedKey,
    /// The configuration the daemon started with: `health_public`, `cors_origins`, `model_dir`,
    /// the folders for `/status`, the key store for rotation.
    pub config: Arc<crate::config::Config>,
    /// Wakes the worker on resume.
    pub wake: crate::worker::Wake,
    /// The watched sources, as configured at start.
    pub sources: Arc<Vec<crate::watch::sources::Source>>,
}

/// A JSON error body: `{success: false, error: message}`.
pub fn error_response(code: StatusCode, message: &str) -> (StatusCode, Json<serde_json::Value>) {
    (code, Json(json!({"success": false, "error": message})))
}

async fn health(
    axum::extract::State(s): axum::extract::State<AppState>,
) -> Json<serde_json::Value> {
    Json(
        json!({"status": "ok", "version": env!("CARGO_PKG_VERSION"), "model_dir": s.config.model_dir.to_string_lossy()}),
    )
}

/// The router with authentication applied.
pub fn router(state: AppState) -> Router {
    let router = Router::new()
        .route("/health", get(health))
        .route("/prompt", post(prompt::prompt))
        .route("/documents", get(documents::list))
        .route("/documents/{id}", get(documents::get))
        .route("/status", get(control::status))
        .route("/pause", post(control::pause))
        .route("/resume", post(control::resume))
        .route("/sources", get(control::sources))
        .route("/key/rotate", post(control::rotate_key))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_key,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(4 * 1024 * 1024));
    // Outermost first on the way in: origin check, CORS (answers allowed preflights), key.
    let router = match auth::cors_layer(&state.config.cors_origins) {
        Some(cors) => router.layer(cors),
        None => router,
    };
    router
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::check_origin,
        ))
        .with_state(state)
}
