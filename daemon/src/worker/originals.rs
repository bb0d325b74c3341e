//! Optional moves of finished originals into `processed/` and `failed/` under the drop folder
//! (`move_originals`, off by default; never for Google Drive files unless `move_in_drive`).
//! Originals are never deleted or modified: a move is a rename within the same file system, to a
//! name that does not exist yet (`name (2).pdf` …).
//!
//! Crash safety: the destination is planned ([`Moves::plan`]) and recorded with the document's
//! final status in one statement; the rename happens after the commit and is then confirmed
//! ([`Moves::perform`]). [`recover`] runs at start-up and finishes every move a stop interrupted,
//! so an original is never lost, never left behind and never moved twice.

use std::path::{Path, PathBuf};

use crate::store::{Job, PendingMove, Status, Storage};

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
    /// The destination of `job`'s original once it ends with `status`, when moves are configured
    /// for its source: `processed/<name>` for classified and preview-required documents,
    /// `failed/<name>` for failed and dead ones (a free name; the folder is created).
    pub fn plan(&self, job: &Job, status: Status) -> Option<String> {
        let drop = self.drop_folder.as_ref()?;
        if !self.sources.contains(&job.doc.source) {
            return None;
        }
        let sub = match status {
            Status::Classified | Status::PreviewRequired => "processed",
            Status::Failed | Status::Dead => "failed",
            _ => return None,
        };
        let dir = drop.join(sub);
        if let Err(e) = std::fs::create_dir_all(&dir) {
            tracing::warn!(id = job.doc.id, error = %e, folder = %dir.display(), "cannot create the folder; the original stays in place");
            return None;
        }
        Some(
            free_name(&dir, &job.doc.file_name)
                .to_string_lossy()
                .into_owned(),
        )
    }

    /// Rename `from` to `to` (or to a free name beside `to` if that appeared meanwhile) and
    /// confirm it on document `id`; a failed rename is confirmed as "not moved" with the reason.
    pub fn perform(&self, store: &dyn Storage, id: i64, from: &str, to: &str) {
        let mut dest = PathBuf::from(to);
        if dest.exists() {
            let dir = dest.parent().map(Path::to_path_buf).unwrap_or_default();
            let name = dest
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            dest = free_name(&dir, &name);
        }
        let confirmed = match std::fs::rename(from, &dest) {
            Ok(()) => store.settle_move(id, Some(&dest.to_string_lossy()), None),
            Err(e) => {
                tracing::warn!(id, error = %e, "original left in place");
                store.settle_move(id, None, Some(&format!("not moved: {e}")))
            }
        };
        if let Err(e) = confirmed {
            // The rename is done; the next start finds the file at its destination.
            tracing::error!(id, error = %format!("{e:#}"), "cannot record the move; recovery will");
        }
    }
}

/// Finish the moves a stop interrupted: rename the originals still in place, confirm those
/// already renamed, and report originals found in neither place. Returns how many were settled.
///
/// Errors: the store cannot list the pending moves.
pub fn recover(store: &dyn Storage, moves: &Moves) -> anyhow::Result<usize> {
    let pending = store.pending_moves()?;
    for PendingMove { id, from, to } in &pending {
        if Path::new(from).exists() {
            moves.perform(store, *id, from, to);
        } else if Path::new(to).exists() {
            store.settle_move(*id, Some(to), Some("found at its destination at start-up"))?;
        } else {
            tracing::error!(id, from = %from, to = %to, "the original is in neither place");
            store.settle_move(
                *id,
                None,
                Some("the original was in neither place at start-up"),
            )?;
        }
    }
    Ok(pending.len())
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
