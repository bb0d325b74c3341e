//! Browser sessions of the review page, so the API key never reaches a web page.
//!
//! 1. Something that holds the key (`zopilot open`, the tray's "Open results") asks
//!    `POST /session/link` for a one-time sign-in link: `http://127.0.0.1:PORT/?token=T`, valid
//!    for [`LINK_SECONDS`] and good for one use.
//! 2. `GET /?token=T` redeems it: a session id goes into an `HttpOnly; SameSite=Strict` cookie
//!    ([`COOKIE`]) and the browser is redirected to `/` (the token leaves the address bar).
//! 3. Requests with the cookie are signed in (see [`super::auth`]); those that change state also
//!    need the session's CSRF token in `X-CSRF-Token` (the page reads it from its HTML), so
//!    another site's form or script cannot act with the cookie.
//!
//! Sessions live in memory: a daemon restart signs every browser out. Tokens and ids are 256 bits
//! from the OS RNG.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::TryRngCore;

/// How long a sign-in link stays valid.
pub const LINK_SECONDS: u64 = 120;
/// How long a session lasts.
pub const SESSION_SECONDS: u64 = 12 * 3600;
/// The session cookie's name.
pub const COOKIE: &str = "zopilot_session";
/// At most this many live sessions (the oldest goes first).
const MAX_SESSIONS: usize = 64;

fn random_hex() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut b)
        .expect("the OS random number generator");
    hex::encode(b)
}

struct Session {
    csrf: String,
    expires: Instant,
}

#[derive(Default)]
struct Inner {
    links: HashMap<String, Instant>,
    sessions: HashMap<String, Session>,
}

/// The sign-in links and sessions of one daemon.
#[derive(Default)]
pub struct Sessions {
    inner: Mutex<Inner>,
}

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new one-time sign-in token.
    pub fn link(&self) -> String {
        let t = random_hex();
        let mut g = self.lock();
        let now = Instant::now();
        g.links.retain(|_, exp| *exp > now);
        g.links
            .insert(t.clone(), now + Duration::from_secs(LINK_SECONDS));
        t
    }

    /// Redeem `token` (once, before it expires): a new session's `(id, csrf)`.
    pub fn redeem(&self, token: &str) -> Option<(String, String)> {
        let mut g = self.lock();
        let now = Instant::now();
        let expires = g.links.remove(token)?;
        if expires <= now {
            return None;
        }
        g.sessions.retain(|_, s| s.expires > now);
        if g.sessions.len() >= MAX_SESSIONS {
            let oldest = g
                .sessions
                .iter()
                .min_by_key(|(_, s)| s.expires)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                g.sessions.remove(&k);
            }
        }
        let (id, csrf) = (random_hex(), random_hex());
        g.sessions.insert(
            id.clone(),
            Session {
                csrf: csrf.clone(),
                expires: now + Duration::from_secs(SESSION_SECONDS),
            },
        );
        Some((id, csrf))
    }

    /// The CSRF token of live session `id`.
    pub fn csrf(&self, id: &str) -> Option<String> {
        let g = self.lock();
        g.sessions
            .get(id)
            .filter(|s| s.expires > Instant::now())
            .map(|s| s.csrf.clone())
    }
}

/// The session id in a `Cookie` header, if any.
pub fn cookie_session(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.trim().to_string())
}

/// The `Set-Cookie` value for session `id`.
pub fn set_cookie(id: &str) -> String {
    format!("{COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={SESSION_SECONDS}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_signs_in_once_and_sessions_carry_a_csrf_token() {
        let s = Sessions::default();
        let t = s.link();
        let (id, csrf) = s.redeem(&t).unwrap();
        assert!(s.redeem(&t).is_none(), "one use");
        assert!(s.redeem("forged").is_none());
        assert_eq!(s.csrf(&id), Some(csrf.clone()));
        assert_ne!(id, csrf);
        assert_eq!(id.len(), 64);
        let mut h = axum::http::HeaderMap::new();
        h.insert(
            axum::http::header::COOKIE,
            format!("a=b; {COOKIE}={id}").parse().unwrap(),
        );
        assert_eq!(cookie_session(&h), Some(id));
        assert!(set_cookie("x").contains("HttpOnly; SameSite=Strict"));
    }
}
