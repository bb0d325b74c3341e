//! Files only the user may read: the API key fallback, the tray's results page; and the start-up
//! tightening of every private path an older version (or a hand) left wider: the data folder,
//! its database, logs and uploads, the config folder and the API key file.

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

/// A path whose mode start-up made private: its mode before and after (Unix permission bits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tightened {
    pub path: std::path::PathBuf,
    pub from: u32,
    pub to: u32,
}

/// Set `p`'s mode to `mode` when it differs (never through a symbolic link); what changed.
#[cfg(unix)]
fn set_mode(p: &Path, mode: u32, out: &mut Vec<Tightened>) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::symlink_metadata(p) {
        Ok(m) if !m.file_type().is_symlink() && m.permissions().mode() & 0o777 != mode => {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))?;
            out.push(Tightened {
                path: p.to_path_buf(),
                from: m.permissions().mode() & 0o777,
                to: mode,
            });
            Ok(())
        }
        _ => Ok(()),
    }
}

/// `dir` and everything below it: folders 0700, files 0600 (links left alone, not followed).
#[cfg(unix)]
fn set_tree(dir: &Path, out: &mut Vec<Tightened>) -> std::io::Result<()> {
    set_mode(dir, 0o700, out)?;
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for e in rd.flatten() {
        match e.file_type() {
            Ok(t) if t.is_dir() => set_tree(&e.path(), out)?,
            Ok(t) if t.is_file() => set_mode(&e.path(), 0o600, out)?,
            _ => {}
        }
    }
    Ok(())
}

/// Tighten an existing data folder to the modes [`private_umask`] gives new files: the folder,
/// its `logs/` and its `uploads/` (with every folder below) 0700, the database files, logs and
/// uploaded documents 0600 (data folders made by older versions were 0755/0644). Models and
/// libraries are left as installed. Returns what changed, for the log.
///
/// Errors: a mode cannot be changed.
pub fn tighten_data_dir(data_dir: &Path) -> std::io::Result<Vec<Tightened>> {
    let mut out = Vec::new();
    #[cfg(unix)]
    {
        set_mode(data_dir, 0o700, &mut out)?;
        let logs = data_dir.join("logs");
        set_mode(&logs, 0o700, &mut out)?;
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
                    set_mode(&e.path(), 0o600, &mut out)?;
                }
            }
        }
        if data_dir.join("uploads").is_dir() {
            set_tree(&data_dir.join("uploads"), &mut out)?;
        }
    }
    #[cfg(not(unix))]
    let _ = data_dir;
    Ok(out)
}

/// Tighten the folder of `config_file` to 0700 and the API key file beside it
/// (`crate::key_store::key_file`) to 0600 — the folder only when it belongs to this user (a
/// shared `/etc/…` folder is left alone). Returns what changed, for the log.
///
/// Errors: a mode cannot be changed.
pub fn tighten_config_dir(config_file: &Path) -> std::io::Result<Vec<Tightened>> {
    let mut out = Vec::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let key = crate::key_store::key_file(config_file);
        if key.is_file() {
            set_mode(&key, 0o600, &mut out)?;
        }
        if let Some(dir) = config_file.parent().filter(|d| !d.as_os_str().is_empty()) {
            // SAFETY: geteuid has no preconditions.
            let me = unsafe { libc::geteuid() };
            if std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir() && m.uid() == me) {
                set_mode(dir, 0o700, &mut out)?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = config_file;
    Ok(out)
}
