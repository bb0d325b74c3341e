//! Which daemon this is, among several sharing one PostgreSQL store: the id that prefixes its
//! workers' lease owners (start-up recovery takes back only its own claims), keys its pause
//! switch, and tells its documents from other desktops' in `GET /status`.

/// This daemon's instance: `<host>:<8 hex digits of its data folder's SHA-256>` — the same
/// across restarts of the daemon that owns `data_dir` (one per data folder, by the instance
/// lock), different for every daemon sharing a PostgreSQL queue, even on one machine.
pub fn instance_id(data_dir: &std::path::Path) -> String {
    use sha2::{Digest, Sha256};
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "local".into());
    let dir = data_dir
        .canonicalize()
        .unwrap_or_else(|_| data_dir.to_path_buf());
    let digest = Sha256::digest(dir.as_os_str().as_encoded_bytes());
    format!("{host}:{}", hex::encode(&digest[..4]))
}
