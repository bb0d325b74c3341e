//! `GET /documents`, `GET /documents/{id}`: read-only views of the store.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::state::{error_response, AppState};
use crate::store::Status;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
}

/// `GET /documents?status=&limit=&offset=` — newest first, `limit` ≤ 500 (default 50).
#[utoipa::path(get, path = "/documents", tag = "documents", params(("status" = Option<crate::api::shapes::DocumentStatus>, Query, description = "Only documents with this status"), ("limit" = Option<u32>, Query, minimum = 0, maximum = 500, description = "≤ 500, default 50"), ("offset" = Option<u32>, Query, minimum = 0, maximum = 2147483647)), responses((status = 200, description = "documents", body = Object), (status = "4XX", description = "Refused: see the error", body = crate::api::shapes::ApiError)))]
pub async fn list(State(s): State<AppState>, Query(q): Query<ListQuery>) -> Response {
    let status = match q.status.as_deref() {
        None => None,
        Some(v) => match Status::parse(v) {
            Some(st) => Some(st),
            None => {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    &format!("status: unknown value {v:?}"),
                )
                .into_response()
            }
        },
    };
    let limit = q.limit.unwrap_or(50);
    if limit > 500 || q.offset.is_some_and(|o| o > i32::MAX as usize) {
        return error_response(
            StatusCode::BAD_REQUEST,
            "limit: at most 500; offset: at most 2147483647",
        )
        .into_response();
    }
    let store = s.store.clone();
    match tokio::task::spawn_blocking(move || store.documents(status, limit, q.offset.unwrap_or(0)))
        .await
    {
        Ok(Ok(docs)) => Json(serde_json::json!({"documents": docs})).into_response(),
        Ok(Err(e)) => {
            error_response(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e:#}")).into_response()
        }
        Err(e) => error_response(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()).into_response(),
    }
}

/// `GET /documents/{id}`.
#[utoipa::path(get, path = "/documents/{id}", tag = "documents", params(("id" = i64, Path, description = "Document id")), responses((status = 200, description = "The document", body = Object), (status = "4XX", description = "Refused: see the error", body = crate::api::shapes::ApiError)))]
pub async fn get(State(s): State<AppState>, Path(id): Path<i64>) -> Response {
    let store = s.store.clone();
    match tokio::task::spawn_blocking(move || store.document(id)).await {
        Ok(Ok(Some(d))) => Json(d).into_response(),
        Ok(Ok(None)) => {
            error_response(StatusCode::NOT_FOUND, &format!("no document {id}")).into_response()
        }
        Ok(Err(e)) => {
            error_response(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e:#}")).into_response()
        }
        Err(e) => error_response(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()).into_response(),
    }
}
