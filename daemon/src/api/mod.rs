//! The localhost HTTP API (axum): `GET /health`, `POST /prompt`, the documents (`GET /documents`,
//! `POST /documents` upload, `GET /documents/{id}`, its file, page images, payloads, approve,
//! reject, rerun), `GET /books/…`, `GET /status`, `POST /pause`, `POST /resume`, `GET /sources`,
//! `POST /key/rotate`, `GET /model-info`, `GET /metrics`, the OpenAI-compatible `/v1/*` routes and
//! the review page (`GET /`, `/ui/*`, `POST /session/link`). Every route needs the API key — or,
//! for the review page, its session cookie (+ CSRF token for changes) — except `/health` when
//! `health_public`; browser origins outside `cors_origins` (and the daemon's own) are refused
//! (see [`auth`]). Handlers read the store, flip the pause switch, or send requests to the engine
//! handle; the only file work (page images) goes through the extraction child.

pub mod auth;
pub mod batches;
pub mod body;
pub mod books;
pub mod control;
pub mod documents;
pub mod limits;
pub mod metrics;
pub mod model_call;
pub mod observe;
pub mod openai;
pub mod openapi;
pub mod originals;
pub mod prompt;
pub mod review;
pub mod session;
pub mod shapes;
pub mod state;
pub mod upload;

use axum::routing::{get, post};
use axum::{Json, Router};

pub use state::{error_response, AppState};

pub use state::MAX_BODY_BYTES;

/// Unknown routes: a JSON 404.
async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    error_response(
        axum::http::StatusCode::NOT_FOUND,
        &format!("no route {}", uri.path()),
    )
    .into_response()
}

/// Every error response in the one JSON shape `{"success": false, "error": "…"}` — on `/v1/*`
/// OpenAI's `{"error": {"message", "type", "param", "code"}}` — (the review page's own HTML
/// answers aside): errors axum
/// writes itself (a bad path or query parameter: 400 text; a body over the limit: 413 text; a
/// wrong method: 405 empty) are rewritten with their status kept.
async fn json_errors(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::header::CONTENT_TYPE;
    use axum::response::IntoResponse;
    let openai = req.uri().path().starts_with("/v1/");
    let res = next.run(req).await;
    let status = res.status();
    let kind = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let done = kind.starts_with("text/html") || (kind.starts_with("application/json") && !openai);
    if !(status.is_client_error() || status.is_server_error()) || done {
        return res;
    }
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let parsed: Option<serde_json::Value> = serde_json::from_slice(&bytes).ok();
    // Already in OpenAI's shape (a /v1 handler wrote it): as it is.
    if let Some(v) = parsed.as_ref().filter(|v| v["error"].is_object()) {
        let mut out = (status, Json(v.clone())).into_response();
        copy_headers(&parts.headers, &mut out);
        return out;
    }
    let text = match parsed.as_ref().and_then(|v| v["error"].as_str()) {
        Some(m) => m.to_string(),
        None => String::from_utf8_lossy(&bytes).trim().to_string(),
    };
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        text
    };
    let mut out = if openai {
        let kind = match status.as_u16() {
            401 => "authentication_error",
            403 => "permission_error",
            429 => "rate_limit_error",
            s if s >= 500 => "server_error",
            _ => "invalid_request_error",
        };
        openai::error(status, &message, kind, None)
    } else {
        error_response(status, &message).into_response()
    };
    copy_headers(&parts.headers, &mut out);
    out
}

/// The headers of an error response rewritten by [`json_errors`], but its content type and
/// length.
fn copy_headers(from: &axum::http::HeaderMap, to: &mut axum::response::Response) {
    use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
    for (k, v) in from.iter() {
        if k != CONTENT_TYPE && k != CONTENT_LENGTH {
            to.headers_mut().insert(k.clone(), v.clone());
        }
    }
}

/// The router with authentication applied.
pub fn router(state: AppState) -> Router {
    let router =
        Router::new()
            .route("/health", get(control::health))
            .route("/openapi.json", get(openapi::openapi_json))
            .route("/", get(review::index))
            .route("/ui/{file}", get(review::asset))
            .route("/session/link", post(review::link))
            .route("/documents/{id}/reject", post(review::reject))
            .route("/documents/{id}/rerun", post(review::rerun))
            .route("/documents/{id}/pages/{page}", get(review::page))
            .route("/prompt", post(prompt::prompt))
            .route(
                "/documents",
                get(documents::list).post(upload::upload).layer(
                    axum::extract::DefaultBodyLimit::max(body::limit(
                        &state.config,
                        &axum::http::Method::POST,
                        "/documents",
                    )),
                ),
            )
            .route("/documents/{id}/file", get(upload::file))
            .route("/documents/{id}", get(documents::get))
            .route("/documents/{id}/payloads", get(books::payloads))
            .route("/documents/{id}/approve", post(books::approve))
            .route("/books/{business}/{list}", get(books::list))
            .route("/status", get(control::status))
            .route("/pause", post(control::pause))
            .route("/resume", post(control::resume))
            .route("/sources", get(control::sources))
            .route("/key/rotate", post(control::rotate_key))
            .route("/model-info", get(observe::model_info))
            .route("/metrics", get(metrics::metrics))
            .route("/v1/models", get(openai::models))
            .route("/v1/chat/completions", post(openai::chat_completions))
            .route(
                "/v1/files",
                get(batches::files).post(batches::upload).layer(
                    axum::extract::DefaultBodyLimit::max(batches::MAX_FILE_BYTES),
                ),
            )
            .route(
                "/v1/files/{id}",
                get(batches::file).delete(batches::delete_file),
            )
            .route("/v1/files/{id}/content", get(batches::content))
            .route("/v1/batches", get(batches::batches).post(batches::create))
            .route("/v1/batches/{id}", get(batches::get))
            .route("/v1/batches/{id}/cancel", post(batches::cancel))
            .fallback(not_found)
            // Inside the key check: only keyed requests have their body read.
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                body::guard,
            ))
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                auth::require_key,
            ))
            .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
            .layer(axum::middleware::from_fn(json_errors));
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
