//! API key: `Authorization: Bearer <key>` or `X-API-Key: <key>`, compared in constant time.
//!
//! The key is 256 random bits (OS RNG), hex-encoded. It is read from `ZOPILOT_API_KEY` when set,
//! else from the `api_key` file beside the config file (created with mode 0600 on first start).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::TryRngCore;

use super::{error_response, AppState};

/// Where the key file lives for the config file `config_file`.
pub fn key_file(config_file: &Path) -> PathBuf {
    config_file
        .parent()
        .map(|d| d.join("api_key"))
        .unwrap_or_else(|| PathBuf::from("api_key"))
}

/// Load the API key, creating it on first use.
pub fn load_or_create(config_file: &Path) -> Result<String> {
    if let Ok(k) = std::env::var("ZOPILOT_API_KEY") {
        if k.len() >= 16 {
            return Ok(k);
        }
    }
    let path = key_file(config_file);
    if let Ok(k) = std::fs::read_to_string(&path) {
        let k = k.trim().to_string();
        if !k.is_empty() {
            return Ok(k);
        }
    }
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .context("reading the OS random number generator")?;
    let key = hex::encode(bytes);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    write_private(&path, &key).with_context(|| format!("writing {}", path.display()))?;
    tracing::info!(file = %path.display(), "generated a new API key");
    Ok(key)
}

#[cfg(unix)]
fn write_private(path: &Path, key: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(key.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, key: &str) -> std::io::Result<()> {
    std::fs::write(path, key)
}

/// Constant-time equality of two byte strings (length is not secret).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn presented_key(headers: &HeaderMap) -> Option<&str> {
    if let Some(v) = headers.get("x-api-key").and_then(|v| v.to_str().ok()) {
        return Some(v.trim());
    }
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// Middleware: every route but a public `/health` needs the key.
pub async fn require_key(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.uri().path() == "/health" && state.health_public {
        return next.run(req).await;
    }
    match presented_key(req.headers()) {
        Some(k) if constant_time_eq(k.as_bytes(), state.api_key.as_bytes()) => next.run(req).await,
        _ => error_response(
            StatusCode::UNAUTHORIZED,
            "missing or wrong API key (Authorization: Bearer <key> or X-API-Key)",
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_is_equality() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("config.toml");
        let k1 = load_or_create(&cfg).unwrap();
        assert_eq!(k1.len(), 64);
        assert_eq!(load_or_create(&cfg).unwrap(), k1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(key_file(&cfg))
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o600);
        }
    }
}
