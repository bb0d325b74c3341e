//! `GET /books/{business}/{list}` (the business's imported accounts, vendors, customers or
//! items; `business` is its key, e.g. `taylors-store`, or its name) and
//! `GET /documents/{id}/payloads` (the ready-to-post request bodies of a document's actions).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::state::{error_response, AppState};
use crate::store::books::{business_key, BookList};

/// `GET /books/{business}/{list}`: `{"business", "list", "entries": [...]}`; 400 for an unknown
/// list.
pub async fn list(
    State(s): State<AppState>,
    Path((business, list)): Path<(String, String)>,
) -> Response {
    let list = match BookList::parse(&list) {
        Ok(l) => l,
        Err(e) => return error_response(StatusCode::BAD_REQUEST, &e.to_string()).into_response(),
    };
    let key = business_key(&business);
    let store = s.store.clone();
    let k = key.clone();
    match tokio::task::spawn_blocking(move || store.book_entries(&k, Some(list))).await {
        Ok(Ok(entries)) => {
            Json(json!({"business": key, "list": list, "entries": entries})).into_response()
        }
        Ok(Err(e)) => {
            error_response(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e:#}")).into_response()
        }
        Err(e) => error_response(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()).into_response(),
    }
}

/// `GET /documents/{id}/payloads`: `{"id", "payloads": [{"action", "action_type", "payload"}]}`
/// — the request bodies the accounting API expects, with the ids the books resolved; nothing is
/// sent anywhere.
pub async fn payloads(State(s): State<AppState>, Path(id): Path<i64>) -> Response {
    let store = s.store.clone();
    match tokio::task::spawn_blocking(move || store.document(id)).await {
        Ok(Ok(Some(d))) => {
            let p: Vec<serde_json::Value> = d.stage2.as_ref().and_then(|v| v.as_array()).into_iter().flatten()
                .map(|m| json!({"action": m["action"], "action_type": m["action_type"], "payload": m["payload"]}))
                .collect();
            Json(json!({"id": id, "payloads": p})).into_response()
        }
        Ok(Ok(None)) => {
            error_response(StatusCode::NOT_FOUND, &format!("no document {id}")).into_response()
        }
        Ok(Err(e)) => {
            error_response(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e:#}")).into_response()
        }
        Err(e) => error_response(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()).into_response(),
    }
}
