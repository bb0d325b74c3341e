//! Optional moves of finished originals into `processed/` and `failed/` under the drop folder
//! (`move_originals`, off by default; never for Google Drive files unless `move_in_drive`).
//! Originals are never deleted or modified: a move is a rename within the same file system, to a
//! name that does not exist yet (`name (2).pdf` …), following no symbolic link
//! ([`crate::no_follow::rename`]).
//!
//! Crash safety: the destination is planned ([`Moves::plan`]) and recorded with the document's
//! final status in one statement; the rename happens after the commit and is then confirmed
//! ([`Moves::perform`]). [`recover`] runs at start-up and finishes every move a stop interrupted,
//! so an original is never lost, never left behind and never moved twice.
//!
//! No original is left without a trace: a move that fails (a *file* named `processed` where the
//! folder should be, a full disk) stays pending with its reason (`move_error`, shown on the
//! document and by `zopilot status`) and is tried again after [`retry_delay`] — by the worker
//! between documents ([`retry_due`]) and at every start ([`recover`]).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::store::{now_ms, Job, PendingMove, Status, Storage};

/// Where finished originals go, if anywhere.
#[derive(Debug, Clone, Default)]
pub struct Moves {
    /// The drop folder, canonical (`processed/`, `failed/` are created inside it); `None` =
    /// never move.
    pub drop_folder: Option<PathBuf>,
    /// Sources whose files may be moved.
    pub sources: Vec<String>,
}

/// Whether something (a file, a folder, a link) is at `p`.
fn taken(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok()
}

/// `name` in `dir`, or `stem (2).ext`, `stem (3).ext` … whichever is free.
fn free_name(dir: &Path, name: &OsStr) -> PathBuf {
    let first = dir.join(name);
    if !taken(&first) {
        return first;
    }
    let p = Path::new(name);
    let stem = p.file_stem().unwrap_or(name);
    (2..)
        .map(|i| {
            let mut n = stem.to_os_string();
            n.push(format!(" ({i})"));
            if let Some(e) = p.extension() {
                n.push(".");
                n.push(e);
            }
            dir.join(n)
        })
        .find(|p| !taken(p))
        .expect("a free name")
}

/// Wait before the next try of a move that failed `attempts` times: 2 s doubling, at most 15
/// minutes.
pub fn retry_delay(attempts: i64) -> Duration {
    let exp = (attempts.max(1) - 1).min(20) as u32;
    (Duration::from_secs(2) * 2u32.pow(exp)).min(Duration::from_secs(15 * 60))
}

impl Moves {
    /// The destination of `job`'s original once it ends with `status`, when moves are configured
    /// for its source: `processed/<name>` for classified and preview-required documents,
    /// `failed/<name>` for failed and dead ones (a free name; the folder is created). Planned
    /// even when the folder cannot be created: the move is then blocked, shown and retried.
    pub fn plan(&self, job: &Job, status: Status) -> Option<PathBuf> {
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
            tracing::debug!(id = job.doc.id, error = %e, folder = %dir.display(), "cannot create the folder yet");
        }
        let original = job.doc.original();
        Some(free_name(&dir, original.file_name()?))
    }

    /// Rename `from` to `to` (or to a free name beside `to` if that appeared meanwhile) and
    /// confirm it on document `id`; a failed rename (its `attempts`-th + 1) is recorded as
    /// blocked with the reason and retried after [`retry_delay`].
    pub fn perform(&self, store: &dyn Storage, id: i64, from: &Path, to: &Path, attempts: i64) {
        let mut dest = to.to_path_buf();
        if let (true, Some(dir), Some(name)) = (taken(&dest), to.parent(), to.file_name()) {
            dest = free_name(dir, name);
        }
        if let Some(dir) = dest.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let confirmed = match crate::no_follow::rename(from, &dest) {
            Ok(()) => store.settle_move(id, Some(&dest), None),
            Err(e) => {
                let wait = retry_delay(attempts + 1);
                let folder = dest.parent().unwrap_or(&dest).display().to_string();
                tracing::warn!(id, error = %e, folder = %folder, retry_in_s = wait.as_secs(), "original left in place; its move is retried");
                let why = format!("not moved to {folder}: {e}");
                store.move_blocked(id, &why, now_ms() + wait.as_millis() as i64)
            }
        };
        if let Err(e) = confirmed {
            // The rename is done (or not); the next start looks at both places again.
            tracing::error!(id, error = %format!("{e:#}"), "cannot record the move; recovery will");
        }
    }

    /// Finish one pending move: rename the original if it is still in place, confirm it if it
    /// is already at its destination, report it when it is in neither place.
    fn settle(&self, store: &dyn Storage, m: &PendingMove) -> anyhow::Result<()> {
        if taken(&m.from) {
            self.perform(store, m.id, &m.from, &m.to, m.attempts);
        } else if taken(&m.to) {
            store.settle_move(
                m.id,
                Some(&m.to),
                Some("found at its destination at start-up"),
            )?;
        } else {
            tracing::error!(id = m.id, from = %m.from.display(), to = %m.to.display(), "the original is in neither place");
            store.settle_move(m.id, None, Some("the original was in neither place"))?;
        }
        Ok(())
    }
}

/// Finish the moves a stop interrupted, and try the blocked ones again: rename the originals
/// still in place, confirm those already renamed, and report originals found in neither place.
/// Returns how many were pending.
///
/// Errors: the store cannot list the pending moves.
pub fn recover(store: &dyn Storage, moves: &Moves) -> anyhow::Result<usize> {
    let pending = store.pending_moves()?;
    for m in &pending {
        moves.settle(store, m)?;
    }
    Ok(pending.len())
}

/// Try again the blocked moves whose next try is due (the worker calls this between
/// documents); how many were tried.
///
/// Errors: the store cannot list or record the moves.
pub fn retry_due(store: &dyn Storage, moves: &Moves) -> anyhow::Result<usize> {
    let now = now_ms();
    let due: Vec<PendingMove> = store
        .pending_moves()?
        .into_iter()
        .filter(|m| m.next_ms <= now)
        .collect();
    for m in &due {
        moves.settle(store, m)?;
    }
    Ok(due.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_names_never_overwrite() {
        let d = tempfile::tempdir().unwrap();
        let name = OsStr::new("a.pdf");
        assert_eq!(free_name(d.path(), name), d.path().join("a.pdf"));
        std::fs::write(d.path().join("a.pdf"), "x").unwrap();
        std::fs::write(d.path().join("a (2).pdf"), "x").unwrap();
        assert_eq!(free_name(d.path(), name), d.path().join("a (3).pdf"));
        assert_eq!(retry_delay(1), Duration::from_secs(2));
        assert_eq!(retry_delay(4), Duration::from_secs(16));
        assert_eq!(retry_delay(40), Duration::from_secs(900));
    }
}
