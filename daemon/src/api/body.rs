//! Request bodies, after the key check (so only keyed requests are read at all): a body whose
//! announced `Content-Length` is over the route's limit is refused with 413 before a byte of it
//! is read, and a body must arrive within `body_timeout_seconds` (408 after) — a client that
//! stalls holds nothing for long. Both in the JSON error shape.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio_stream::StreamExt;

use super::state::{error_response, AppState, MAX_BODY_BYTES};

/// The most bytes a body may have for `method` `path`: documents (`POST /documents`) up to
/// `max_file_bytes`, batch input files (`POST /v1/files`) up to their own limit, every other
/// body [`MAX_BODY_BYTES`].
pub fn limit(cfg: &crate::config::Config, method: &Method, path: &str) -> usize {
    match (method, path) {
        (&Method::POST, "/documents") => cfg.max_file_bytes as usize,
        (&Method::POST, "/v1/files") => super::batches::MAX_FILE_BYTES,
        _ => MAX_BODY_BYTES,
    }
}

fn too_large(limit: usize) -> Response {
    error_response(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!("the body is over the limit of {limit} bytes"),
    )
    .into_response()
}

/// The middleware: early 413 from `Content-Length`, then the body read whole within the
/// timeout (408) and the limit (413), and handed on.
pub async fn guard(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let limit = limit(&s.config, req.method(), req.uri().path());
    let length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if length.is_some_and(|n| n > limit as u64) {
        return too_large(limit);
    }
    let chunked = req.headers().contains_key(header::TRANSFER_ENCODING);
    if !chunked && length.unwrap_or(0) == 0 {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let seconds = s.config.body_timeout_seconds;
    let read = async {
        let mut stream = body.into_data_stream();
        let mut buf = Vec::with_capacity(length.unwrap_or(0) as usize);
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| Some(e.to_string()))?;
            if buf.len() + chunk.len() > limit {
                return Err(None::<String>);
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(buf)
    };
    match tokio::time::timeout(Duration::from_secs(seconds), read).await {
        Err(_) => error_response(
            StatusCode::REQUEST_TIMEOUT,
            &format!("the request body did not arrive within {seconds} s (body_timeout_seconds)"),
        )
        .into_response(),
        Ok(Err(None)) => too_large(limit),
        Ok(Err(Some(e))) => error_response(
            StatusCode::BAD_REQUEST,
            &format!("the request body could not be read: {e}"),
        )
        .into_response(),
        Ok(Ok(bytes)) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
    }
}
