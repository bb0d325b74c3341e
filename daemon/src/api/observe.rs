//! `GET /model-info`: what the daemon runs, read from the engine handle and the model folder;
//! it never loads the model. (`/metrics` is [`super::metrics`].)

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::state::{error_response, AppState};

/// Bytes of the files directly in `dir` (a model folder); 0 when it cannot be read.
pub(super) fn folder_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// `GET /model-info` → `{name, model_type, context_length, execution_provider, size_bytes,
/// loaded, load_seconds}` from the configured model folder (`genai_config.json`) and the engine;
/// `load_seconds` is null until the model was loaded by a request.
#[utoipa::path(get, path = "/model-info", tag = "meta", responses((status = 200, description = "The model", body = Object), (status = "4XX", description = "Refused: see the error", body = crate::api::shapes::ApiError), (status = 503, description = "No model installed", body = crate::api::shapes::ApiError)))]
pub async fn model_info(State(s): State<AppState>) -> Response {
    let dir = s.config.model_dir.clone();
    let loaded = s.engine.loaded_info();
    let facts = tokio::task::spawn_blocking(move || {
        let real = dir.canonicalize().unwrap_or(dir.clone());
        let cfg: Option<Value> = std::fs::read_to_string(real.join("genai_config.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok());
        let size = folder_bytes(&real);
        (real, cfg, size)
    })
    .await;
    let Ok((real, cfg, size)) = facts else {
        return error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            "reading the model folder",
        )
        .into_response();
    };
    let Some(cfg) = cfg else {
        return error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "no model installed (genai_config.json not found); run `zopilot models pull`",
        )
        .into_response();
    };
    Json(json!({
        "name": real.file_name().map(|n| n.to_string_lossy().into_owned()),
        "model_type": cfg["model"]["type"],
        "context_length": cfg["model"]["context_length"],
        "execution_provider": s.config.execution_provider,
        "size_bytes": size,
        "loaded": loaded.is_some(),
        "load_seconds": loaded.map(|i| i.load_seconds),
    }))
    .into_response()
}
