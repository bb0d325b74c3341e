//! OpenAI-compatible files and batches (<https://platform.openai.com/docs/api-reference/batch>):
//! `POST /v1/files` (multipart `file` + `purpose`), `GET /v1/files`, `GET|DELETE
//! /v1/files/{id}`, `GET /v1/files/{id}/content`, `POST /v1/batches`, `GET /v1/batches`,
//! `GET /v1/batches/{id}`, `POST /v1/batches/{id}/cancel`. Everything is stored in SQLite; the
//! worker runs the request lines between documents ([`crate::worker::batches`]), so a batch
//! survives a restart. Only `/v1/chat/completions` batches are offered.

use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::openai::error;
use super::state::AppState;
use crate::store::batches::{new_id, ApiFile, Batch, BatchLine};

/// Largest file `POST /v1/files` takes, bytes.
pub const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;
/// Most request lines in one batch (OpenAI's limit).
pub const MAX_BATCH_LINES: usize = 50_000;
/// The endpoint batches may call.
const ENDPOINT: &str = "/v1/chat/completions";

/// A `file` object.
fn file_json(f: &ApiFile) -> Value {
    json!({"id": f.id, "object": "file", "bytes": f.bytes, "created_at": f.created_at,
        "filename": f.filename, "purpose": f.purpose, "status": "processed",
        "status_details": null, "expires_at": null})
}

/// A `batch` object.
fn batch_json(b: &Batch) -> Value {
    json!({"id": b.id, "object": "batch", "endpoint": b.endpoint, "errors": b.errors,
        "input_file_id": b.input_file_id, "completion_window": b.completion_window,
        "status": b.status, "output_file_id": b.output_file_id, "error_file_id": b.error_file_id,
        "created_at": b.created_at, "in_progress_at": b.in_progress_at, "expires_at": b.expires_at,
        "finalizing_at": b.finalizing_at, "completed_at": b.completed_at, "failed_at": b.failed_at,
        "expired_at": null, "cancelling_at": null, "cancelled_at": b.cancelled_at,
        "request_counts": {"total": b.total, "completed": b.completed, "failed": b.failed},
        "metadata": b.metadata})
}

fn list(data: Vec<Value>, has_more: bool) -> Response {
    let first = data.first().map(|v| v["id"].clone());
    let last = data.last().map(|v| v["id"].clone());
    Json(json!({"object": "list", "data": data, "first_id": first, "last_id": last, "has_more": has_more}))
        .into_response()
}

fn internal(e: impl std::fmt::Display) -> Response {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        &e.to_string(),
        "server_error",
        None,
    )
}

fn not_found(what: &str, id: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        &format!("no {what} {id}"),
        "invalid_request_error",
        Some("id"),
    )
}

fn bad(message: &str, param: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        message,
        "invalid_request_error",
        Some(param),
    )
}

/// Run a store call off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> Result<T, Response> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(internal)?
        .map_err(|e| internal(format!("{e:#}")))
}

/// `POST /v1/files`: multipart with `file` (its name kept) and `purpose`.
#[utoipa::path(post, path = "/v1/files", tag = "openai", request_body(content = crate::api::shapes::FileUpload, content_type = "multipart/form-data"), responses((status = 200, description = "The file object", body = Object), (status = "4XX", description = "Refused (OpenAI error shape)", body = crate::api::shapes::OpenAiError)))]
pub async fn upload(State(s): State<AppState>, mut form: Multipart) -> Response {
    let (mut content, mut filename, mut purpose) = (None::<Bytes>, None, None);
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return error(e.status(), &e.body_text(), "invalid_request_error", None),
        };
        match field.name() {
            Some("file") => {
                filename = field.file_name().map(str::to_string);
                match field.bytes().await {
                    Ok(b) => content = Some(b),
                    Err(e) => {
                        return error(
                            e.status(),
                            &e.body_text(),
                            "invalid_request_error",
                            Some("file"),
                        )
                    }
                }
            }
            Some("purpose") => purpose = field.text().await.ok(),
            other => {
                let name = other.unwrap_or("").chars().take(40).collect::<String>();
                return bad(
                    &format!("unexpected form field {name:?}: only file and purpose"),
                    "body",
                );
            }
        }
    }
    let Some(content) = content else {
        return bad("a `file` part is required", "file");
    };
    let purpose = purpose.unwrap_or_default();
    if !matches!(purpose.as_str(), "batch" | "user_data") {
        return bad("purpose must be batch (or user_data)", "purpose");
    }
    let f = ApiFile {
        id: new_id("file-"),
        filename: filename.unwrap_or_else(|| "upload.jsonl".into()),
        purpose,
        bytes: content.len() as i64,
        created_at: chrono::Utc::now().timestamp(),
    };
    let (store, record) = (s.store.clone(), f.clone());
    match blocking(move || store.add_file(&record, &content)).await {
        Ok(()) => Json(file_json(&f)).into_response(),
        Err(r) => r,
    }
}

/// `GET /v1/files`.
#[utoipa::path(get, path = "/v1/files", tag = "openai", responses((status = 200, description = "The files", body = Object), (status = "4XX", description = "Refused (OpenAI error shape)", body = crate::api::shapes::OpenAiError)))]
pub async fn files(State(s): State<AppState>) -> Response {
    let store = s.store.clone();
    match blocking(move || store.api_files()).await {
        Ok(f) => list(f.iter().map(file_json).collect(), false),
        Err(r) => r,
    }
}

/// `GET /v1/files/{id}`.
#[utoipa::path(get, path = "/v1/files/{id}", tag = "openai", params(("id" = String, Path)), responses((status = 200, description = "The file object", body = Object), (status = "4XX", description = "Refused (OpenAI error shape)", body = crate::api::shapes::OpenAiError)))]
pub async fn file(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    let (store, key) = (s.store.clone(), id.clone());
    match blocking(move || store.api_file(&key)).await {
        Ok(Some(f)) => Json(file_json(&f)).into_response(),
        Ok(None) => not_found("file", &id),
        Err(r) => r,
    }
}

/// `DELETE /v1/files/{id}` (refused while a batch uses the file).
#[utoipa::path(delete, path = "/v1/files/{id}", tag = "openai", params(("id" = String, Path)), responses((status = 200, description = "id, deleted", body = Object), (status = "4XX", description = "Refused (OpenAI error shape)", body = crate::api::shapes::OpenAiError)))]
pub async fn delete_file(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    let (store, key) = (s.store.clone(), id.clone());
    match tokio::task::spawn_blocking(move || store.delete_api_file(&key)).await {
        Ok(Ok(true)) => Json(json!({"id": id, "object": "file", "deleted": true})).into_response(),
        Ok(Ok(false)) => not_found("file", &id),
        Ok(Err(e)) => error(
            StatusCode::CONFLICT,
            &format!("{e:#}"),
            "invalid_request_error",
            Some("id"),
        ),
        Err(e) => internal(e),
    }
}

/// `GET /v1/files/{id}/content`: the bytes as stored.
#[utoipa::path(get, path = "/v1/files/{id}/content", tag = "openai", params(("id" = String, Path)), responses((status = 200, description = "The bytes", content_type = "application/octet-stream", body = Vec<u8>), (status = "4XX", description = "Refused (OpenAI error shape)", body = crate::api::shapes::OpenAiError)))]
pub async fn content(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    let (store, key) = (s.store.clone(), id.clone());
    match blocking(move || store.api_file_content(&key)).await {
        Ok(Some(b)) => ([(header::CONTENT_TYPE, "application/octet-stream")], b).into_response(),
        Ok(None) => not_found("file", &id),
        Err(r) => r,
    }
}

/// The request lines of a batch input file, or the errors that refuse it (OpenAI's
/// `{code, message, line}`, `line` 1-based).
pub fn read_lines(batch_id: &str, content: &[u8]) -> Result<Vec<BatchLine>, Vec<Value>> {
    let text = String::from_utf8_lossy(content);
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, l) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let e = |code: &str, message: String| json!({"code": code, "message": message, "line": i + 1, "param": null});
        let v: Value = match serde_json::from_str(l) {
            Ok(v) => v,
            Err(err) => {
                errors.push(e("invalid_json_line", format!("not JSON: {err}")));
                continue;
            }
        };
        let custom_id = v["custom_id"].as_str().unwrap_or("").to_string();
        if custom_id.is_empty() {
            errors.push(e(
                "missing_required_parameter",
                "custom_id is required".into(),
            ));
        } else if !seen.insert(custom_id.clone()) {
            errors.push(e(
                "duplicate_custom_id",
                format!("custom_id {custom_id} appears twice"),
            ));
        }
        if v["method"] != "POST" || v["url"] != ENDPOINT {
            errors.push(e(
                "invalid_url",
                format!("each line must be a POST to {ENDPOINT}"),
            ));
        }
        if !v["body"].is_object() {
            errors.push(e(
                "missing_required_parameter",
                "body must be an object".into(),
            ));
        }
        lines.push(BatchLine {
            batch_id: batch_id.to_string(),
            line: i as i64,
            custom_id,
            request: v["body"].clone(),
        });
    }
    if lines.is_empty() && errors.is_empty() {
        errors.push(json!({"code": "empty_file", "message": "the input file has no request lines", "line": null, "param": null}));
    }
    if lines.len() > MAX_BATCH_LINES {
        errors.push(json!({"code": "too_many_requests", "message": format!("at most {MAX_BATCH_LINES} request lines"), "line": null, "param": null}));
    }
    errors.truncate(100);
    if errors.is_empty() {
        Ok(lines)
    } else {
        Err(errors)
    }
}

/// `POST /v1/batches` `{input_file_id, endpoint, completion_window, metadata}`: the input is
/// checked at once; a refused one makes a `failed` batch listing why.
#[utoipa::path(post, path = "/v1/batches", tag = "openai", request_body = crate::api::shapes::BatchRequest, responses((status = 200, description = "The batch object", body = Object), (status = "4XX", description = "Refused (OpenAI error shape)", body = crate::api::shapes::OpenAiError)))]
pub async fn create(
    State(s): State<AppState>,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(body)) = body else {
        return bad("the body must be a JSON object", "body");
    };
    let Some(input) = body["input_file_id"].as_str().map(str::to_string) else {
        return bad("input_file_id is required", "input_file_id");
    };
    if body["endpoint"] != ENDPOINT {
        return bad(&format!("endpoint must be {ENDPOINT}"), "endpoint");
    }
    let window = body["completion_window"]
        .as_str()
        .unwrap_or("24h")
        .to_string();
    if window != "24h" {
        return bad("completion_window must be 24h", "completion_window");
    }
    let metadata = body.get("metadata").filter(|m| m.is_object()).cloned();
    let store = s.store.clone();
    let made = blocking(move || {
        let Some(content) = store.api_file_content(&input)? else {
            return Ok(None);
        };
        let now = chrono::Utc::now().timestamp();
        let mut b = Batch {
            id: new_id("batch_"),
            endpoint: ENDPOINT.into(),
            input_file_id: input,
            completion_window: window,
            status: "in_progress".into(),
            metadata,
            errors: None,
            total: 0,
            completed: 0,
            failed: 0,
            output_file_id: None,
            error_file_id: None,
            created_at: now,
            in_progress_at: Some(now),
            finalizing_at: None,
            completed_at: None,
            failed_at: None,
            cancelled_at: None,
            expires_at: Some(now + 24 * 3600),
        };
        let lines = match read_lines(&b.id, &content) {
            Ok(l) => l,
            Err(errors) => {
                b.status = "failed".into();
                b.errors = Some(json!({"object": "list", "data": errors}));
                (b.in_progress_at, b.failed_at) = (None, Some(now));
                Vec::new()
            }
        };
        b.total = lines.len() as i64;
        store.create_batch(&b, &lines)?;
        Ok(Some(b))
    })
    .await;
    match made {
        Ok(Some(b)) => {
            s.wake.notify();
            Json(batch_json(&b)).into_response()
        }
        Ok(None) => not_found("file", body["input_file_id"].as_str().unwrap_or("")),
        Err(r) => r,
    }
}

/// `GET /v1/batches/{id}`.
#[utoipa::path(get, path = "/v1/batches/{id}", tag = "openai", params(("id" = String, Path)), responses((status = 200, description = "The batch object", body = Object), (status = "4XX", description = "Refused (OpenAI error shape)", body = crate::api::shapes::OpenAiError)))]
pub async fn get(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    let (store, key) = (s.store.clone(), id.clone());
    match blocking(move || store.batch(&key)).await {
        Ok(Some(b)) => Json(batch_json(&b)).into_response(),
        Ok(None) => not_found("batch", &id),
        Err(r) => r,
    }
}

/// `POST /v1/batches/{id}/cancel`: the results so far become its output.
#[utoipa::path(post, path = "/v1/batches/{id}/cancel", tag = "openai", params(("id" = String, Path)), responses((status = 200, description = "The batch object", body = Object), (status = "4XX", description = "Refused (OpenAI error shape)", body = crate::api::shapes::OpenAiError)))]
pub async fn cancel(State(s): State<AppState>, Path(id): Path<String>) -> Response {
    let (store, key) = (s.store.clone(), id.clone());
    match blocking(move || store.cancel_batch(&key)).await {
        Ok(Some(b)) => Json(batch_json(&b)).into_response(),
        Ok(None) => not_found("batch", &id),
        Err(r) => r,
    }
}

/// Query of `GET /v1/batches`.
#[derive(serde::Deserialize)]
pub struct Page {
    limit: Option<usize>,
    after: Option<String>,
}

/// `GET /v1/batches?limit=&after=`: newest first (limit 1–100, default 20).
#[utoipa::path(get, path = "/v1/batches", tag = "openai", params(("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "1–100, default 20"), ("after" = Option<String>, Query)), responses((status = 200, description = "The batches, newest first", body = Object), (status = "4XX", description = "Refused (OpenAI error shape)", body = crate::api::shapes::OpenAiError)))]
pub async fn batches(State(s): State<AppState>, Query(p): Query<Page>) -> Response {
    let limit = p.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return bad("limit must be from 1 to 100", "limit");
    }
    let store = s.store.clone();
    match blocking(move || store.batches(limit + 1, p.after.as_deref())).await {
        Ok(mut b) => {
            let more = b.len() > limit;
            b.truncate(limit);
            list(b.iter().map(batch_json).collect(), more)
        }
        Err(r) => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_lines_are_checked_and_refusals_name_the_line() {
        let ok = concat!(
            r#"{"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": {"messages": []}}"#,
            "\n\n",
            r#"{"custom_id": "b", "method": "POST", "url": "/v1/chat/completions", "body": {}}"#,
            "\n"
        );
        let lines = read_lines("batch_x", ok.as_bytes()).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!((lines[1].line, lines[1].custom_id.as_str()), (2, "b"));
        let bad = concat!(
            r#"{"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": {}}"#,
            "\n",
            r#"{"custom_id": "a", "method": "GET", "url": "/v1/embeddings", "body": {}}"#,
            "\nnot json\n"
        );
        let errors = read_lines("batch_x", bad.as_bytes()).unwrap_err();
        let codes: Vec<&str> = errors.iter().filter_map(|e| e["code"].as_str()).collect();
        assert_eq!(
            codes,
            vec!["duplicate_custom_id", "invalid_url", "invalid_json_line"]
        );
        assert_eq!(errors[2]["line"], 3);
        assert_eq!(read_lines("b", b"\n").unwrap_err()[0]["code"], "empty_file");
    }
}
