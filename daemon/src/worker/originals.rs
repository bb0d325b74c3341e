//! Optional moves of finished originals into `processed/` and `failed/` under the drop folder
//! (`move_originals`, off by default; never for Google Drive files unless `move_in_drive`).
//! Originals are never deleted or modified: a move is a rename within the same file system,
//! to a name that does not exist yet (`name (2).pdf` …), and the new place is recorded on the row.

use std::path::{Path, PathBuf};

use crate::queue::Job;
use crate::store::documents::Status;
use crate::store::Store;

/// Where finished originals go, if anywhere.
#[derive(Debug, Clone, Default)]
pub struct Moves {
    /// The drop folder (`processed/`, `failed/` are created inside it); `None` = never move.
    pub drop_folder: Option<PathBuf>,
    /// Sources whose files may be moved.
    pub sources: Vec<String>,
}

fn free_name(dir: &Path, name: &str) -> PathBuf {
    let first = dir.join(name);
    if !first.exists() {
        return first;
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) => (s.to_string(), format!(".{e}")),
        None => (name.to_string(), String::new()),
    };
    (2..)
        .map(|i| dir.join(format!("{stem} ({i}){ext}")))
        .find(|p| !p.exists())
        .expect("a free name")
}

impl Moves {
    /// After `job` ended with `status`: move its original if configured.
    pub fn after(&self, store: &Store, job: &Job, status: Status) {
        let Some(drop) = &self.drop_folder else {
            return;
        };
        if !self.sources.contains(&job.doc.source) {
            return;
        }
        let sub = match status {
            Status::Classified | Status::PreviewRequired => "processed",
            Status::Failed | Status::Dead => "failed",
            _ => return,
        };
        let from = Path::new(&job.doc.original_path);
        let dir = drop.join(sub);
        let moved = std::fs::create_dir_all(&dir).and_then(|_| {
            let to = free_name(&dir, &job.doc.file_name);
            std::fs::rename(from, &to).map(|_| to)
        });
        match moved {
            Ok(to) => {
                let _ = store.set_moved_to(job.doc.id, &to.to_string_lossy());
            }
            Err(e) => tracing::warn!(id = job.doc.id, error = %e, "original left in place"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_names_never_overwrite() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(free_name(d.path(), "a.pdf"), d.path().join("a.pdf"));
        std::fs::write(d.path().join("a.pdf"), "x").unwrap();
        std::fs::write(d.path().join("a (2).pdf"), "x").unwrap();
        assert_eq!(free_name(d.path(), "a.pdf"), d.path().join("a (3).pdf"));
    }
}
