//! What every handler shares: the [`AppState`] and the JSON error shape.

use std::sync::{Arc, RwLock};

use axum::http::StatusCode;
use axum::Json;
use serde_json::json;

use crate::llm::EngineHandle;
use crate::store::Store;

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// The model, shared with the pipeline.
    pub engine: EngineHandle,
    pub api_key: SharedKey,
    /// The configuration the daemon started with: `health_public`, `cors_origins`, `model_dir`,
    /// the folders for `/status`, the key store for rotation.
    pub config: Arc<crate::config::Config>,
    /// Wakes the worker on resume.
    pub wake: crate::worker::Wake,
    /// The watched sources, as configured at start.
    pub sources: Arc<Vec<crate::watch::sources::Source>>,
    /// Concurrency, queue and timeout of the API's model calls.
    pub model_calls: Arc<super::limits::ModelCalls>,
    /// The review page's sign-in links and sessions.
    pub sessions: Arc<super::session::Sessions>,
    /// This daemon's instance ([`crate::instance::instance_id`]), computed once at start.
    pub instance: Arc<str>,
}

/// A JSON error body: `{success: false, error: message}`.
pub fn error_response(code: StatusCode, message: &str) -> (StatusCode, Json<serde_json::Value>) {
    (code, Json(json!({"success": false, "error": message})))
}

/// Largest request body, in bytes; larger ones get a JSON 413.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The JSON error for a body the `Json` extractor refused: 413 when it is over the body limit,
/// 415 without a JSON content type, 400 for malformed JSON, 422 for JSON of the wrong shape.
pub fn json_rejection(
    e: axum::extract::rejection::JsonRejection,
) -> (StatusCode, Json<serde_json::Value>) {
    use axum::extract::rejection::JsonRejection as R;
    let code = match &e {
        R::BytesRejection(_) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            StatusCode::PAYLOAD_TOO_LARGE
        }
        _ => e.status(),
    };
    let message = match code {
        StatusCode::PAYLOAD_TOO_LARGE => {
            format!("the body is over the limit of {} bytes", MAX_BODY_BYTES)
        }
        _ => format!("the body is not valid JSON: {}", e.body_text()),
    };
    error_response(code, &message)
}

/// The current API key, replaced in place by `POST /key/rotate`.
#[derive(Clone)]
pub struct SharedKey(Arc<RwLock<Arc<str>>>);

impl SharedKey {
    /// Wrap the key read at start.
    pub fn new(key: &str) -> SharedKey {
        SharedKey(Arc::new(RwLock::new(key.into())))
    }
    /// The key now.
    pub fn get(&self) -> Arc<str> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
    /// Replace the key: requests with the old one get 401 from now on.
    pub fn set(&self, key: &str) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = key.into();
    }
}
