//! The folders the daemon watches: the drop folder, and the Google Drive sync folder when one is
//! configured or detected. Each source is recorded on its documents (`documents.source`).
//!
//! Google Drive detection, in order (the first existing "My Drive" wins; `drive_folder` in the
//! configuration overrides it):
//! - Windows (Drive for desktop): `X:\My Drive` for any drive letter, `%USERPROFILE%\My Drive`;
//! - macOS: `~/Library/CloudStorage/GoogleDrive-*/My Drive`, `/Volumes/GoogleDrive/My Drive`;
//! - Linux: FUSE mounts from `/proc/self/mountinfo` — google-drive-ocamlfuse, rclone remotes and
//!   gvfs `google-drive:` mounts — then `~/Insync/*/My Drive` / `Google Drive`, `~/GoogleDrive`,
//!   `~/google-drive`.
//!
//! Inside My Drive only `drive_subfolder` (default `Zopilot`) is watched, so that turning the
//! feature on does not send a whole Drive of PDFs through the model; it is never created by us.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::{Config, WatchMode};

/// How a source is watched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Events,
    Polling,
}

/// One watched (or watchable) folder.
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    /// `drop_folder` or `google_drive`.
    pub name: &'static str,
    pub path: PathBuf,
    pub method: Method,
    /// Why this method (e.g. "fuse.rclone mount", "watch_mode = poll").
    pub why: String,
    /// False when the folder does not exist (reported, not watched).
    pub present: bool,
    /// Originals here may be moved to processed/ and failed/ when `move_originals` is on.
    pub may_move: bool,
}

/// Candidate "My Drive" folders for this OS, given the home folder and Linux mount table.
pub fn drive_candidates(home: &Path, mountinfo: &str) -> Vec<PathBuf> {
    let mut c = Vec::new();
    if cfg!(windows) {
        for letter in b'A'..=b'Z' {
            c.push(PathBuf::from(format!("{}:\\My Drive", letter as char)));
        }
        if let Some(p) = std::env::var_os("USERPROFILE") {
            c.push(PathBuf::from(p).join("My Drive"));
        }
    } else if cfg!(target_os = "macos") {
        if let Ok(rd) = std::fs::read_dir(home.join("Library/CloudStorage")) {
            let mut v: Vec<PathBuf> = rd
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("GoogleDrive-"))
                .map(|e| e.path().join("My Drive"))
                .collect();
            v.sort();
            c.extend(v);
        }
        c.push(PathBuf::from("/Volumes/GoogleDrive/My Drive"));
    } else {
        for (mp, fstype, source) in super::mount::parse(mountinfo) {
            let mp = PathBuf::from(mp);
            let drive_like = fstype == "fuse.google-drive-ocamlfuse"
                || (fstype == "fuse.rclone" && source.to_lowercase().contains("drive"))
                || (fstype == "fuse.gvfsd-fuse");
            if fstype == "fuse.gvfsd-fuse" {
                // gvfs mounts every account under one FUSE root: google-drive:host=…
                if let Ok(rd) = std::fs::read_dir(&mp) {
                    for e in rd.flatten() {
                        if e.file_name().to_string_lossy().starts_with("google-drive:") {
                            c.push(e.path());
                        }
                    }
                }
            } else if drive_like {
                c.push(mp.join("My Drive"));
                c.push(mp);
            }
        }
        if let Ok(rd) = std::fs::read_dir(home.join("Insync")) {
            for e in rd.flatten() {
                c.push(e.path().join("My Drive"));
                c.push(e.path().join("Google Drive"));
            }
        }
        c.push(home.join("GoogleDrive"));
        c.push(home.join("google-drive"));
    }
    c
}

fn method_for(path: &Path, mode: WatchMode) -> (Method, String) {
    match mode {
        WatchMode::Poll => (Method::Polling, "watch_mode = poll".into()),
        WatchMode::Events => (Method::Events, "watch_mode = events".into()),
        WatchMode::Auto => match super::mount::needs_polling(path) {
            Some(t) => (
                Method::Polling,
                format!("{t} mount: OS events are unreliable there"),
            ),
            None => (Method::Events, "local file system".into()),
        },
    }
}

/// The sources for `cfg`: the drop folder first, then Google Drive when enabled and found.
pub fn configured(cfg: &Config) -> Vec<Source> {
    let mut out = Vec::new();
    let (method, why) = method_for(&cfg.drop_folder, cfg.watch_mode);
    out.push(Source {
        name: "drop_folder",
        path: cfg.drop_folder.clone(),
        method,
        why,
        present: true, // created at start
        may_move: true,
    });
    if !cfg.watch_drive {
        return out;
    }
    let root = cfg.drive_folder.clone().or_else(|| {
        let home = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf())?;
        let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        drive_candidates(&home, &mountinfo)
            .into_iter()
            .find(|p| p.is_dir())
    });
    if let Some(root) = root {
        let path = if cfg.drive_subfolder.is_empty() {
            root
        } else {
            root.join(&cfg.drive_subfolder)
        };
        let (method, why) = method_for(&path, cfg.watch_mode);
        out.push(Source {
            name: "google_drive",
            present: path.is_dir(),
            path,
            method,
            why,
            may_move: cfg.move_in_drive,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn linux_drive_mounts_and_insync_are_candidates() {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join("Insync/ann@example.com/My Drive")).unwrap();
        let mountinfo = "\
22 1 8:1 / / rw - ext4 /dev/sda1 rw
40 22 0:35 / /home/ann/GoogleDrive rw - fuse.google-drive-ocamlfuse google-drive-ocamlfuse rw
42 22 0:37 / /home/ann/rc rw - fuse.rclone gdrive: rw
43 22 0:38 / /home/ann/photos rw - fuse.rclone photos: rw
";
        let c = drive_candidates(home.path(), mountinfo);
        assert!(c.contains(&PathBuf::from("/home/ann/GoogleDrive/My Drive")));
        assert!(c.contains(&PathBuf::from("/home/ann/rc")));
        assert!(!c.iter().any(|p| p.starts_with("/home/ann/photos")));
        let insync = home.path().join("Insync/ann@example.com/My Drive");
        assert!(c.contains(&insync));
        assert_eq!(c.into_iter().find(|p| p.is_dir()), Some(insync));
    }
}
