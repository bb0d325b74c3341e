//! `GET /status`, `POST /pause`, `POST /resume`, `GET /sources`, `POST /key/rotate`: the same
//! as the CLI's `status`, `pause`, `resume`, `sources` and `key rotate`. Pause is persisted in
//! the database.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use super::state::{error_response, AppState};
use crate::store::control;

type Reply = Result<Json<Value>, (StatusCode, Json<Value>)>;

fn internal(e: anyhow::Error) -> (StatusCode, Json<Value>) {
    tracing::error!(error = %format!("{e:#}"), "control request failed");
    error_response(StatusCode::INTERNAL_SERVER_ERROR, "database error")
}

/// [`control::summary`] plus the folders a desktop client opens and this daemon's instance
/// (to tell its own documents in `current` from other desktops'):
/// `{…, instance, folders: {drop_folder, data_dir, logs_dir}}`.
#[utoipa::path(get, path = "/status", tag = "control", responses((status = 200, description = "Counts, current work, last error", body = Object), (status = "4XX", description = "Refused: see the error", body = crate::api::shapes::ApiError)))]
pub async fn status(State(s): State<AppState>) -> Reply {
    let store = s.store.clone();
    let mut v = tokio::task::spawn_blocking(move || control::summary(&*store))
        .await
        .map_err(|e| internal(e.into()))?
        .map_err(internal)?;
    v["instance"] = json!(&*s.instance);
    v["folders"] = json!({
        "drop_folder": s.config.drop_folder,
        "data_dir": s.config.data_dir,
        "logs_dir": s.config.logs_dir(),
    });
    Ok(Json(v))
}

async fn set(s: AppState, paused: bool) -> Reply {
    let store = s.store.clone();
    tokio::task::spawn_blocking(move || store.set_paused(paused))
        .await
        .map_err(|e| internal(e.into()))?
        .map_err(internal)?;
    s.wake.notify();
    tracing::info!(paused, "processing switch changed through the API");
    Ok(Json(json!({"success": true, "paused": paused})))
}

/// Pause processing (the current document is finished first).
#[utoipa::path(post, path = "/pause", tag = "control", responses((status = 200, description = "success, paused", body = Object), (status = "4XX", description = "Refused: see the error", body = crate::api::shapes::ApiError)))]
pub async fn pause(State(s): State<AppState>) -> Reply {
    set(s, true).await
}

/// Resume processing.
#[utoipa::path(post, path = "/resume", tag = "control", responses((status = 200, description = "success, paused", body = Object), (status = "4XX", description = "Refused: see the error", body = crate::api::shapes::ApiError)))]
pub async fn resume(State(s): State<AppState>) -> Reply {
    set(s, false).await
}

/// The watched folders and how each is watched.
#[utoipa::path(get, path = "/sources", tag = "control", responses((status = 200, description = "Watched folders", body = Object), (status = "4XX", description = "Refused: see the error", body = crate::api::shapes::ApiError)))]
pub async fn sources(State(s): State<AppState>) -> Json<Value> {
    Json(json!({"sources": &*s.sources}))
}

/// Replace the API key with a new random one, stored where the old one was; requests with the
/// old key get 401 from the next one on. The new key is not in the reply: read it from the
/// keyring (or `zopilot key show`). `{success, location}`.
#[utoipa::path(post, path = "/key/rotate", tag = "control", responses((status = 200, description = "success, location", body = Object), (status = "4XX", description = "Refused: see the error", body = crate::api::shapes::ApiError)))]
pub async fn rotate_key(State(s): State<AppState>) -> Reply {
    let cfg = s.config.clone();
    let key = tokio::task::spawn_blocking(move || crate::key_store::rotate(&cfg))
        .await
        .map_err(|e| internal(e.into()))?
        .map_err(|e| {
            tracing::error!(error = %format!("{e:#}"), "key rotation failed");
            error_response(StatusCode::CONFLICT, &format!("{e:#}"))
        })?;
    s.api_key.set(&key.key);
    Ok(Json(
        json!({"success": true, "location": key.location.to_string()}),
    ))
}

/// `GET /health`: liveness and version, and the model's name (never a path: the route may be
/// public).
#[utoipa::path(get, path = "/health", tag = "meta", security((), ("bearer" = []), ("api_key" = [])), responses((status = 200, description = "Alive: status, version, model name", body = Object), (status = "4XX", description = "Refused: see the error", body = crate::api::shapes::ApiError)))]
pub async fn health(
    axum::extract::State(s): axum::extract::State<AppState>,
) -> Json<serde_json::Value> {
    let model = s
        .config
        .model_dir
        .canonicalize()
        .unwrap_or_else(|_| s.config.model_dir.clone())
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    Json(json!({"status": "ok", "version": env!("CARGO_PKG_VERSION"), "model": model}))
}
