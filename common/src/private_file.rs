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

/// Make files created from now on by this process private (umask 077: folders 0700, files
/// 0600), so the database, its `-wal`/`-shm` files, logs (also after rotation) and page renders
/// are the user's alone. Unix only; elsewhere the per-user profile folder's ACL applies.
pub fn private_umask() {
    #[cfg(unix)]
    // SAFETY: umask only changes this process's file-creation mask.
    unsafe {
        libc::umask(0o077);
    }
}

/// Tighten an existing data folder to the modes [`private_umask`] gives new files: the folder
/// and its `logs/` 0700, the database files and logs 0600 (data folders made by older
/// versions were 0755/0644). Models and libraries are left as installed.
///
/// Errors: a mode cannot be changed.
pub fn tighten_data_dir(data_dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let set = |p: &Path, mode: u32| -> std::io::Result<()> {
            match std::fs::symlink_metadata(p) {
                Ok(m) if !m.file_type().is_symlink() && m.permissions().mode() & 0o777 != mode => {
                    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
                }
                _ => Ok(()),
            }
        };
        set(data_dir, 0o700)?;
        let logs = data_dir.join("logs");
        set(&logs, 0o700)?;
        for dir in [data_dir, logs.as_path()] {
            let Ok(rd) = std::fs::read_dir(dir) else {
                continue;
            };
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let private = name.starts_with("zopilot.sqlite3")
                    || dir == logs.as_path()
                    || name == "api_key"
                    || name.ends_with(".lock");
                if private && e.file_type().is_ok_and(|t| t.is_file()) {
                    set(&e.path(), 0o600)?;
                }
            }
        }
    }
    #[cfg(not(unix))]
    let _ = data_dir;
    Ok(())
}
