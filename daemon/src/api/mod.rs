//! The localhost HTTP API (axum): `GET /health`, `POST /prompt`, `GET /documents`,
//! `GET /documents/{id}`, `GET /status`, `POST /pause`, `POST /resume`, `GET /sources`,
//! `POST /key/rotate`. Every route needs the API key except `/health` when `health_public`;
//! browser origins outside `cors_origins` are refused (see [`auth`]).
//! Handlers read the store, flip the pause switch, or send requests to the engine handle (with the
//! stages' output rules from `pipeline::prompt_stage`); they never touch documents' files.

pub mod auth;
pub mod control;
pub mod documents;
pub mod prompt;
pub mod state;

use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

pub use state::{error_response, AppState};

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
