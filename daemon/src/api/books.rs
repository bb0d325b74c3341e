//! `GET /books/{business}/{list}` (the business's imported accounts, vendors, customers or
//! items; `business` is its key, e.g. `taylors-store`, or its name),
//! `GET /documents/{id}/payloads` (the ready-to-post request bodies of a document's actions) and
//! `POST /documents/{id}/approve` (an approval with corrections, remembered as vendor memory).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::state::{error_response, AppState};
use crate::store::books::{business_key, BookList};

/// `GET /books/{business}/{list}`: `{"business", "list", "entries": [...]}`; 400 for an unknown
/// list.
#[utoipa::path(get, path = "/books/{business}/{list}", tag = "books", params(("business" = String, Path, description = "The business's name or key"), ("list" = crate::api::shapes::BookListName, Path, description = "Which list")), responses((status = 200, description = "business, list, entries", body = Object), (status = "4XX", description = "Refused: see the error", body = crate::api::shapes::ApiError)))]
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
#[utoipa::path(get, path = "/documents/{id}/payloads", tag = "documents", params(("id" = i64, Path, description = "Document id")), responses((status = 200, description = "Ready-to-post request bodies", body = Object), (status = "4XX", description = "Refused: see the error", body = crate::api::shapes::ApiError)))]
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

/// `POST /documents/{id}/approve` with `{"set": ["account=Office Supplies", "line.2.account=…",
/// "action=recordExpense", "class=…", "tax_code=…"]}` (or no body): records the approval and
/// remembers the decision for the document's counterparty, like `zopilot approve`. 200 with the
/// approval; 404 for an unknown document; 409 when it has no result to approve; 422 for a bad
/// correction.
#[utoipa::path(post, path = "/documents/{id}/approve", tag = "review", params(("id" = i64, Path, description = "Document id")), request_body = Option<crate::api::shapes::ApproveRequest>, responses((status = 200, description = "success, id, approval", body = Object), (status = "4XX", description = "Refused: see the error", body = crate::api::shapes::ApiError)))]
pub async fn approve(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    body: Option<Json<serde_json::Value>>,
) -> Response {
    let sets: Vec<String> = match body.as_ref().map(|Json(b)| &b["set"]) {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(serde_json::Value::Array(a)) if a.iter().all(|x| x.is_string()) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        Some(_) => {
            return error_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                "set: must be a list of \"key=value\" strings",
            )
            .into_response()
        }
    };
    let store = s.store.clone();
    let done =
        tokio::task::spawn_blocking(move || -> Result<serde_json::Value, (StatusCode, String)> {
            let doc = store
                .document(id)
                .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")))?
                .ok_or((StatusCode::NOT_FOUND, format!("no document {id}")))?;
            if doc.result.is_none() {
                return Err((
                    StatusCode::CONFLICT,
                    format!(
                        "document {id} has no result to approve ({})",
                        doc.status.as_str()
                    ),
                ));
            }
            crate::pipeline::memory::approve(&*store, &doc, &sets)
                .map_err(|e| (StatusCode::UNPROCESSABLE_ENTITY, format!("{e:#}")))
        })
        .await;
    match done {
        Ok(Ok(a)) => Json(json!({"success": true, "id": id, "approval": a})).into_response(),
        Ok(Err((code, m))) => error_response(code, &m).into_response(),
        Err(e) => error_response(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()).into_response(),
    }
}
