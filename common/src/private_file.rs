//! Files only the user may read: the API key fallback, the tray's results page.

use std::path::Path;

/// Write `bytes` to `path` with mode 0600 on Unix (also when the file existed with wider
/// permissions), synced to disk. Elsewhere a plain write: the per-user profile folder's ACL
/// applies.
///
/// Errors: the file cannot be created, changed or written.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::io::Write;
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)?;
        // `mode` applies only on creation.
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        f.write_all(bytes)?;
        f.sync_all()
    }
    #[cfg(not(unix))]
    std::fs::write(path, bytes)
}
