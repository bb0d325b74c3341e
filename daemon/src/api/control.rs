//! `GET /status`, `POST /pause`, `POST /resume`, `GET /sources`: the same as the CLI's
//! `status`, `pause`, `resume` and `sources`. Pause is persisted in the database.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use super::{error_response, AppState};
use crate::queue::control;

type Reply = Result<Json<Value>, (StatusCode, Json<Value>)>;

fn internal(e: anyhow::Error) -> (StatusCode, Json<Value>) {
    tracing::error!(error = %format!("{e:#}"), "control request failed");
    error_response(StatusCode::INTERNAL_SERVER_ERROR, "database error")
}

/// `{paused, queued, running, done, failed, dead, duplicate, total, by_source}`.
pub async fn status(State(s): State<AppState>) -> Reply {
    let store = s.store.clone();
    tokio::task::spawn_blocking(move || control::summary(&store))
        .await
        .map_err(|e| internal(e.into()))?
        .map(Json)
        .map_err(internal)
}

async fn set(s: AppState, paused: bool) -> Reply {
    let store = s.store.clone();
    tokio::task::spawn_blocking(move || control::set_paused(&store, paused))
        .await
        .map_err(|e| internal(e.into()))?
        .map_err(internal)?;
    s.wake.notify();
    tracing::info!(paused, "processing switch changed through the API");
    Ok(Json(json!({"success": true, "paused": paused})))
}

/// Pause processing (the current document is finished first).
pub async fn pause(State(s): State<AppState>) -> Reply {
    set(s, true).await
}

/// Resume processing.
pub async fn resume(State(s): State<AppState>) -> Reply {
    set(s, false).await
}

/// The watched folders and how each is watched.
pub async fn sources(State(s): State<AppState>) -> Json<Value> {
    Json(json!({"sources": &*s.sources}))
}
