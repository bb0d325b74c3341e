//! `POST /documents?name=FILE` (the file as the raw body): kept under the data folder's
//! `uploads/` (private, 0600) and enqueued like a dropped file (source `upload`); and
//! `GET /documents/{id}/file`: the original's bytes, wherever it is now — inside a watched or the
//! uploads folder, never through a symbolic link.
//!
//! The daemon never parses the uploaded bytes itself: type detection, text and OCR happen in the
//! extraction child like for any dropped file. The content type of `/file` is chosen from the
//! first bytes only (PDF, PNG, JPEG, TIFF, WebP, else octet-stream).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::state::{error_response, AppState};
use crate::store::Enqueued;

/// A file name safe to store: its last path component, no control characters, at most 200
/// bytes (whole characters); `None` when nothing is left.
pub fn safe_name(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = last.chars().filter(|c| !c.is_control()).collect();
    let mut clean = clean.trim().trim_start_matches('.').to_string();
    // File systems limit a name to 255 bytes: keep at most 200, whole characters.
    while clean.len() > 200 {
        clean.pop();
    }
    (!clean.trim().is_empty()).then_some(clean)
}

/// `POST /documents?name=invoice.pdf` → 201 `{"id", "status": "queued" | "duplicate" | "known",
/// "duplicate_of"}`; 400 without a usable name or with an empty body; 413 over `max_file_bytes`;
/// 507 when the disk is full (nothing stored).
#[utoipa::path(post, path = "/documents", tag = "documents", params(("name" = crate::api::shapes::FileName, Query, description = "The file name (its last component is kept)")), request_body(content = Vec<u8>, content_type = "application/octet-stream"), responses((status = 201, description = "Enqueued: id, status, duplicate_of", body = Object), (status = "4XX", description = "Refused: see the error", body = crate::api::shapes::ApiError)))]
pub async fn upload(
    State(s): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let usable = q.get("name").filter(|n| n.chars().count() <= 255);
    let Some(name) = usable.and_then(|n| safe_name(n)) else {
        return error_response(
            StatusCode::BAD_REQUEST,
            "name: the file's name is required, at most 255 characters (POST /documents?name=invoice.pdf)",
        )
        .into_response();
    };
    if body.is_empty() {
        return error_response(
            StatusCode::BAD_REQUEST,
            "the body is empty: send the file's bytes",
        )
        .into_response();
    }
    if body.len() as u64 > s.config.max_file_bytes {
        return error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!(
                "the file is over max_file_bytes ({} bytes)",
                s.config.max_file_bytes
            ),
        )
        .into_response();
    }
    let store = s.store.clone();
    let uploads = s.config.data_dir.join("uploads");
    let stamp = format!(
        "{}-{:08x}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.3f"),
        rand::random::<u32>()
    );
    let stored = tokio::task::spawn_blocking(move || -> anyhow::Result<Enqueued> {
        std::fs::create_dir_all(&uploads)?;
        // Canonical, like the watched folders: the recorded path holds no link.
        let dir = uploads.canonicalize()?.join(stamp);
        std::fs::create_dir(&dir)?;
        let path = dir.join(&name);
        let stored = crate::private_file::write(&path, &body)
            .map_err(anyhow::Error::from)
            .and_then(|()| store.enqueue(&path, "upload", 5));
        if stored.is_err() {
            // Nothing half-stored: no partial file, no folder.
            let _ = std::fs::remove_dir_all(&dir);
        }
        stored
    })
    .await;
    if matches!(stored, Ok(Ok(_))) {
        s.wake.notify();
    }
    stored_response(stored)
}

/// The answer to an upload: 201 with what the enqueue did, 507 on a full disk, else 500.
fn stored_response(stored: Result<anyhow::Result<Enqueued>, tokio::task::JoinError>) -> Response {
    match stored {
        Ok(Ok(e)) => {
            let (status, of) = match e {
                Enqueued::New(_) => ("queued", None),
                Enqueued::Known(_) => ("known", None),
                Enqueued::Duplicate { of, .. } => ("duplicate", Some(of)),
            };
            (
                StatusCode::CREATED,
                Json(json!({"success": true, "id": e.id(), "status": status, "duplicate_of": of})),
            )
                .into_response()
        }
        Ok(Err(e)) if crate::failure::is_disk_full(&e) => {
            tracing::error!(error = %format!("{e:#}"), "upload refused: the disk is full");
            error_response(
                StatusCode::INSUFFICIENT_STORAGE,
                "the disk holding the data folder is full: nothing was stored; free some space and send the file again",
            )
            .into_response()
        }
        Ok(Err(e)) => {
            error_response(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e:#}")).into_response()
        }
        Err(e) => error_response(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()).into_response(),
    }
}

/// The content type of a file from its first bytes.
fn content_type(bytes: &[u8]) -> &'static str {
    let head = &bytes[..bytes.len().min(1024)];
    if head.windows(5).any(|w| w == b"%PDF-") {
        "application/pdf"
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        "image/tiff"
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        "image/webp"
    } else {
        "application/octet-stream"
    }
}

/// `GET /documents/{id}/file` → the original (where it was moved, else where it was found);
/// 404 for an unknown document, an original that is gone, or one that is not inside a watched
/// or the uploads folder with no symbolic link on the way ([`super::originals`]).
#[utoipa::path(get, path = "/documents/{id}/file", tag = "documents", params(("id" = i64, Path, description = "Document id")), responses((status = 200, description = "The original, byte for byte", content_type = "*/*", body = Vec<u8>), (status = "4XX", description = "Refused: see the error", body = crate::api::shapes::ApiError)))]
pub async fn file(State(s): State<AppState>, Path(id): Path<i64>) -> Response {
    let store = s.store.clone();
    let roots = super::originals::roots(&s);
    let read = tokio::task::spawn_blocking(move || -> anyhow::Result<Option<(String, Vec<u8>)>> {
        let Some(d) = store.document(id)? else {
            return Ok(None);
        };
        let Some(path) = super::originals::servable(&d, &roots) else {
            tracing::warn!(
                id,
                "original outside the watched and upload folders; not served"
            );
            return Ok(None);
        };
        match super::originals::read(&path) {
            Ok(b) => Ok(Some((d.file_name, b))),
            Err(e) => {
                tracing::warn!(id, error = %e, "original not served");
                Ok(None)
            }
        }
    })
    .await;
    match read {
        Ok(Ok(Some((name, bytes)))) => {
            let disposition = format!("inline; filename=\"{}\"", name.replace(['"', '\\'], "_"));
            (
                [
                    (header::CONTENT_TYPE, content_type(&bytes).to_string()),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                bytes,
            )
                .into_response()
        }
        Ok(Ok(None)) => error_response(
            StatusCode::NOT_FOUND,
            &format!("no document {id}, or its original is no longer where it was"),
        )
        .into_response(),
        Ok(Err(e)) => {
            error_response(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e:#}")).into_response()
        }
        Err(e) => error_response(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_only_their_last_component() {
        assert_eq!(safe_name("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(
            safe_name("C:\\Users\\me\\inv.pdf").as_deref(),
            Some("inv.pdf")
        );
        assert_eq!(safe_name("..").as_deref(), None);
        assert_eq!(safe_name("  ").as_deref(), None);
        assert_eq!(safe_name(".hidden.pdf").as_deref(), Some("hidden.pdf"));
        let long = safe_name(&"𧔺".repeat(100)).unwrap();
        assert!(
            long.len() <= 200 && long.chars().all(|c| c == '𧔺'),
            "{}",
            long.len()
        );
        assert_eq!(content_type(b"%PDF-1.7"), "application/pdf");
    }
}
