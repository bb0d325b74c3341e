//! Access control: the API key on every route (but a public `/health`), and the browser
//! origins allowed to call the API (CORS, <https://fetch.spec.whatwg.org/#http-cors-protocol>).
//!
//! The key is presented as `Authorization: Bearer <key>` (scheme case-insensitive, RFC 9110
//! §11.1) or `X-API-Key: <key>` and compared in constant time. Anything else — no header, a
//! wrong key, `Authorization: <key>` without the scheme, `Basic …` — is 401. A request carrying
//! an `Origin` header that is not in `cors_origins` is 403 before any other check, so a web page
//! on another site can neither read nor trigger anything, preflight or not — except the daemon's
//! own loopback origin (the review page calling its API).
//!
//! The review page signs in with a session cookie instead ([`super::session`]): a request without
//! a key but with a live session is let through, and one that changes state (not GET/HEAD) must
//! also carry the session's CSRF token in `X-CSRF-Token`, else 403. `/` and `/ui/*` (the page and
//! its static files, which hold no data) need neither.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::state::{error_response, AppState};

/// Constant-time equality of two byte strings (length is not secret).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The key a request presents, if it uses one of the two accepted forms.
fn presented_key(headers: &HeaderMap) -> Option<&str> {
    if let Some(v) = headers.get("x-api-key") {
        return v.to_str().ok().map(str::trim);
    }
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Middleware: every route but a public `/health` (and the review page's own files) needs the key
/// or a review-page session (with its CSRF token for changes).
pub async fn require_key(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if (path == "/health" && state.config.health_public) || path == "/" || path.starts_with("/ui/")
    {
        return next.run(req).await;
    }
    let key = state.api_key.get();
    let presented = presented_key(req.headers());
    if presented.is_none() {
        let csrf =
            super::session::cookie_session(req.headers()).and_then(|id| state.sessions.csrf(&id));
        if let Some(csrf) = csrf {
            let safe = matches!(*req.method(), Method::GET | Method::HEAD);
            let sent = req
                .headers()
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok());
            if safe || sent.is_some_and(|t| constant_time_eq(t.as_bytes(), csrf.as_bytes())) {
                return next.run(req).await;
            }
            return error_response(StatusCode::FORBIDDEN, "missing or stale CSRF token")
                .into_response();
        }
    }
    match presented {
        Some(k) if constant_time_eq(k.as_bytes(), key.as_bytes()) => next.run(req).await,
        _ => {
            let mut r = error_response(
                StatusCode::UNAUTHORIZED,
                "missing or wrong API key (Authorization: Bearer <key> or X-API-Key: <key>)",
            )
            .into_response();
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            r
        }
    }
}

/// Middleware: refuse requests from browser origins outside the allow-list (403).
pub async fn check_origin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        let allowed = origin
            .to_str()
            .map(|o| {
                state.config.cors_origins.iter().any(|a| a == o) || own_origin(req.headers(), o)
            })
            .unwrap_or(false);
        if !allowed {
            return error_response(StatusCode::FORBIDDEN, "this origin is not in cors_origins")
                .into_response();
        }
    }
    next.run(req).await
}

/// Whether `origin` is the daemon's own, on a loopback host (the review page): `http://` + the
/// request's `Host`, that host being `127.0.0.1`, `localhost` or `[::1]` (a DNS-rebound name is
/// not).
fn own_origin(headers: &HeaderMap, origin: &str) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let name = host.rsplit_once(':').map_or(host, |(n, _)| n);
    matches!(name, "127.0.0.1" | "localhost" | "[::1]")
        && origin.strip_prefix("http://") == Some(host)
}

/// CORS answers for the allowed origins (preflight included), or none when the list is empty.
///
/// Errors: an origin that is not a valid header value (refused by `Config::load` already).
pub fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let list: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(list))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::HeaderName::from_static("x-api-key"),
            ])
            .max_age(std::time::Duration::from_secs(600)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::state::SharedKey;

    #[test]
    fn constant_time_eq_is_equality() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn only_bearer_and_x_api_key_forms_present_a_key() {
        assert_eq!(
            presented_key(&headers(&[("authorization", "Bearer k1")])),
            Some("k1")
        );
        assert_eq!(
            presented_key(&headers(&[("authorization", "bearer  k1 ")])),
            Some("k1")
        );
        assert_eq!(presented_key(&headers(&[("x-api-key", "k2")])), Some("k2"));
        assert_eq!(presented_key(&headers(&[("authorization", "k1")])), None);
        assert_eq!(
            presented_key(&headers(&[("authorization", "Basic k1")])),
            None
        );
        assert_eq!(
            presented_key(&headers(&[("authorization", "Bearer ")])),
            None
        );
        assert_eq!(presented_key(&headers(&[("api-key", "k1")])), None);
    }

    #[test]
    fn a_rotated_key_replaces_the_old_one() {
        let k = SharedKey::new("old");
        let seen_by_handler = k.clone();
        k.set("new");
        assert_eq!(&*seen_by_handler.get(), "new");
    }
}
