//! The review page: `GET /` (the app, static files embedded in the binary from
//! `api/review/`, no CDN), sign-in through a one-time link ([`super::session`]), and the routes
//! only the page needs: `POST /session/link`, `POST /documents/{id}/reject`,
//! `POST /documents/{id}/rerun` and `GET /documents/{id}/pages/{n}.png` (rendered where
//! extraction runs: in the resource-limited child, never in the daemon).

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Json;
use serde_json::json;

use super::session::{cookie_session, set_cookie, LINK_SECONDS};
use super::state::{error_response, AppState};

const INDEX: &str = include_str!("review/index.html");
const APP_JS: &str = include_str!("review/app.js");
const APP_CSS: &str = include_str!("review/app.css");

/// Headers of every page response: no caching, no framing, scripts and styles from here only.
fn page_headers() -> [(header::HeaderName, &'static str); 4] {
    [
        (header::CACHE_CONTROL, "no-store"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
        ),
    ]
}

/// Query of `GET /`.
#[derive(serde::Deserialize)]
pub struct SignIn {
    token: Option<String>,
}

const SIGNED_OUT: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Zopilot — sign in</title></head><body><main><h1>Zopilot review</h1><p>This page opens from the tray (<strong>Open results</strong>) or with <code>zopilot open</code>: each gives a one-time sign-in link. The link you used has expired or was already used.</p></main></body></html>";

/// `GET /`: redeem a sign-in link (then redirect to `/` with the session cookie), serve the app
/// to a signed-in browser, or explain how to sign in (401).
#[utoipa::path(get, path = "/", tag = "review", security(()), params(("token" = Option<String>, Query, description = "A one-time sign-in token")), responses((status = 200, description = "The review page", content_type = "text/html", body = String), (status = 303, description = "Signed in: to /"), (status = 401, description = "Not signed in", content_type = "text/html", body = String), (status = "4XX", description = "Refused", body = crate::api::shapes::ApiError)))]
pub async fn index(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<SignIn>,
) -> Response {
    if let Some(t) = q.token {
        return match s.sessions.redeem(&t) {
            Some((id, _)) => {
                let mut r = Redirect::to("/").into_response();
                r.headers_mut()
                    .insert(header::SET_COOKIE, set_cookie(&id).parse().expect("ascii"));
                r.headers_mut()
                    .insert(header::CACHE_CONTROL, "no-store".parse().expect("ascii"));
                r
            }
            None => (StatusCode::UNAUTHORIZED, page_headers(), Html(SIGNED_OUT)).into_response(),
        };
    }
    match cookie_session(&headers).and_then(|id| s.sessions.csrf(&id)) {
        Some(csrf) => (page_headers(), Html(INDEX.replace("{{CSRF}}", &csrf))).into_response(),
        None => (StatusCode::UNAUTHORIZED, page_headers(), Html(SIGNED_OUT)).into_response(),
    }
}

/// `GET /ui/{file}`: the app's script and style sheet.
#[utoipa::path(get, path = "/ui/{file}", tag = "review", security(()), params(("file" = String, Path, description = "app.js or app.css")), responses((status = 200, description = "The file", content((String = "text/javascript"), (String = "text/css"))), (status = "4XX", description = "Refused: see the error", body = crate::api::shapes::ApiError)))]
pub async fn asset(Path(file): Path<String>) -> Response {
    let (body, kind) = match file.as_str() {
        "app.js" => (APP_JS, "text/javascript; charset=utf-8"),
        "app.css" => (APP_CSS, "text/css; charset=utf-8"),
        _ => return error_response(StatusCode::NOT_FOUND, "no such file").into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// `POST /session/link` (with the key) → `{url, expires_in}`: a one-time sign-in link to the
/// review page, valid for [`LINK_SECONDS`].
#[utoipa::path(post, path = "/session/link", tag = "review", responses((status = 200, description = "url, expires_in", body = Object), (status = "4XX", description = "Refused: see the error", body = crate::api::shapes::ApiError)))]
pub async fn link(State(s): State<AppState>) -> Response {
    // The daemon's own address; a wildcard listen is reached on loopback.
    let mut addr = s.config.listen;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let host = addr.to_string();
    let token = s.sessions.link();
    Json(json!({"url": format!("http://{host}/?token={token}"), "expires_in": LINK_SECONDS}))
        .into_response()
}

/// Body of `POST /documents/{id}/reject`.
#[derive(serde::Deserialize, Default)]
pub struct Rejection {
    #[serde(default)]
    reason: Option<String>,
}

/// `POST /documents/{id}/reject` `{reason}` → the document becomes `rejected` (nothing to post).
/// 404 unknown, 409 without a result.
#[utoipa::path(post, path = "/documents/{id}/reject", tag = "review", params(("id" = i64, Path, description = "Document id")), request_body = Option<crate::api::shapes::RejectRequest>, responses((status = 200, description = "success, id, status", body = Object), (status = "4XX", description = "Refused: see the error", body = crate::api::shapes::ApiError)))]
pub async fn reject(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> Response {
    // No body, `null`, or an object whose `reason` (if any) is a string.
    let reason = match serde_json::from_slice::<serde_json::Value>(&body) {
        _ if body.iter().all(u8::is_ascii_whitespace) => String::new(),
        Ok(serde_json::Value::Null) => String::new(),
        Ok(v @ serde_json::Value::Object(_)) => match serde_json::from_value::<Rejection>(v) {
            Ok(r) => r.reason.unwrap_or_default(),
            Err(_) => {
                return error_response(StatusCode::UNPROCESSABLE_ENTITY, "reason: must be a string")
                    .into_response()
            }
        },
        _ => {
            return error_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                "the body must be a JSON object {\"reason\": …}",
            )
            .into_response()
        }
    };
    let store = s.store.clone();
    let r = tokio::task::spawn_blocking(move || -> anyhow::Result<Option<bool>> {
        let Some(doc) = store.document(id)? else {
            return Ok(None);
        };
        if doc.result.is_none() {
            return Ok(Some(false));
        }
        let record =
            json!({"rejected": true, "reason": reason.chars().take(500).collect::<String>()});
        Ok(Some(store.reject(id, &record)?))
    })
    .await;
    status_change(r, id, "rejected", "has no result to reject")
}

/// The answer to a status change of document `id` run by `spawn_blocking`: `Some(true)` done
/// (200 with the new `status`), `Some(false)` refused by its state (409, `refused` says why),
/// `None` no such document (404).
fn status_change(
    r: Result<anyhow::Result<Option<bool>>, tokio::task::JoinError>,
    id: i64,
    status: &str,
    refused: &str,
) -> Response {
    match r {
        Ok(Ok(Some(true))) => {
            Json(json!({"success": true, "id": id, "status": status})).into_response()
        }
        Ok(Ok(Some(false))) => {
            error_response(StatusCode::CONFLICT, &format!("document {id} {refused}"))
                .into_response()
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

/// `POST /documents/{id}/rerun` → queued again (the worker runs it anew); 409 while in flight.
#[utoipa::path(post, path = "/documents/{id}/rerun", tag = "review", params(("id" = i64, Path, description = "Document id")), responses((status = 200, description = "success, id, status", body = Object), (status = "4XX", description = "Refused: see the error", body = crate::api::shapes::ApiError)))]
pub async fn rerun(State(s): State<AppState>, Path(id): Path<i64>) -> Response {
    let store = s.store.clone();
    let r = tokio::task::spawn_blocking(move || -> anyhow::Result<Option<bool>> {
        if store.document(id)?.is_none() {
            return Ok(None);
        }
        Ok(Some(store.requeue(id)?))
    })
    .await;
    if matches!(r, Ok(Ok(Some(true)))) {
        s.wake.notify();
    }
    status_change(r, id, "queued", "is being processed")
}

/// `GET /documents/{id}/pages/{n}.png` → the page as PNG, with `X-Units-Per-Pixel` (to place the
/// provenance boxes) and `X-Page-Count`. Rendered by the extraction child under its limits.
/// 404 for an unknown document or page, or a kind of document without pages.
#[utoipa::path(get, path = "/documents/{id}/pages/{page}", tag = "review", params(("id" = i64, Path, description = "Document id"), ("page" = String, Path, description = "N.png, N from 1")), responses((status = 200, description = "The page as PNG", content_type = "image/png", body = Vec<u8>), (status = "4XX", description = "Refused: see the error", body = crate::api::shapes::ApiError)))]
pub async fn page(State(s): State<AppState>, Path((id, file)): Path<(i64, String)>) -> Response {
    let Some(n) = file
        .strip_suffix(".png")
        .and_then(|n| n.parse::<usize>().ok())
    else {
        return error_response(
            StatusCode::NOT_FOUND,
            "pages are /documents/{id}/pages/{n}.png",
        )
        .into_response();
    };
    let (store, cfg) = (s.store.clone(), s.config.clone());
    let roots = super::originals::roots(&s);
    let r = tokio::task::spawn_blocking(
        move || -> anyhow::Result<Option<crate::extract::render::PageImage>> {
            let Some(doc) = store.document(id)? else {
                return Ok(None);
            };
            let Some(path) = super::originals::servable(&doc, &roots) else {
                return Ok(None);
            };
            let x = crate::extract::Extractor::new(&cfg);
            Ok(Some(x.render_page(&path, n)?))
        },
    )
    .await;
    match r {
        Ok(Ok(Some(p))) => (
            [
                (header::CONTENT_TYPE, "image/png".to_string()),
                (header::CACHE_CONTROL, "private, max-age=300".to_string()),
                (
                    header::HeaderName::from_static("x-units-per-pixel"),
                    p.units_per_pixel.to_string(),
                ),
                (
                    header::HeaderName::from_static("x-page-count"),
                    p.pages.to_string(),
                ),
            ],
            p.png,
        )
            .into_response(),
        Ok(Ok(None)) => {
            error_response(StatusCode::NOT_FOUND, &format!("no document {id}")).into_response()
        }
        Ok(Err(e)) => error_response(StatusCode::NOT_FOUND, &format!("{e:#}")).into_response(),
        Err(e) => error_response(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()).into_response(),
    }
}
