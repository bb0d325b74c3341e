//! The document queue over the `documents` table: idempotent enqueue keyed by content SHA-256 +
//! path, claiming the next queued document, and crash recovery.
//!
//! Today one worker claims at a time; a claim is an atomic `UPDATE … RETURNING`, so adding
//! leases (worker id, expiry, heartbeat) and retries later changes the claim query, not callers.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result};
use rusqlite::{params, OptionalExtension};
use sha2::{Digest, Sha256};

use crate::store::documents::{from_row, Document, COLUMNS};
use crate::store::{now, Store};

/// Result of [`enqueue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    /// A new document row was created.
    New(i64),
    /// This exact content at this path is already known.
    Known(i64),
}

impl Enqueued {
    pub fn id(self) -> i64 {
        match self {
            Enqueued::New(id) | Enqueued::Known(id) => id,
        }
    }
}

/// SHA-256 of a file (hex) and its size in bytes, streaming.
pub fn hash_file(path: &Path) -> Result<(String, u64)> {
    let mut f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((hex::encode(h.finalize()), n))
}

/// Enqueue the file at `path` (absolute) from `source`. Idempotent: the same content at the same
/// path is enqueued once, whatever the number of file events.
pub fn enqueue(store: &Store, path: &Path, source: &str, priority: i64) -> Result<Enqueued> {
    let (sha, size) = hash_file(path)?;
    let path_s = path.to_string_lossy().into_owned();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ts = now();
    let c = store.lock();
    let inserted = c.execute(
        "INSERT INTO documents (original_path, file_name, sha256, size_bytes, source, status, priority, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6, ?7, ?7)
         ON CONFLICT (sha256, original_path) DO NOTHING",
        params![path_s, name, sha, size as i64, source, priority, ts],
    )?;
    let id: i64 = c.query_row(
        "SELECT id FROM documents WHERE sha256 = ?1 AND original_path = ?2",
        params![sha, path_s],
        |r| r.get(0),
    )?;
    Ok(if inserted == 1 {
        Enqueued::New(id)
    } else {
        Enqueued::Known(id)
    })
}

/// Claim the next queued document (highest priority, then oldest) and mark it `extracting`.
pub fn claim_next(store: &Store) -> Result<Option<Document>> {
    let ts = now();
    let c = store.lock();
    c.query_row(
        &format!(
            "UPDATE documents SET status = 'extracting', attempts = attempts + 1, started_at = ?1, updated_at = ?1
             WHERE id = (SELECT id FROM documents WHERE status = 'queued' ORDER BY priority DESC, id LIMIT 1)
             RETURNING {COLUMNS}"
        ),
        [ts],
        from_row,
    )
    .optional()
    .context("claiming the next document")
}

/// Claim one specific document (for `zopilot process`) if it is queued.
pub fn claim(store: &Store, id: i64) -> Result<Option<Document>> {
    let ts = now();
    let c = store.lock();
    c.query_row(
        &format!(
            "UPDATE documents SET status = 'extracting', attempts = attempts + 1, started_at = ?2, updated_at = ?2
             WHERE id = ?1 AND status = 'queued' RETURNING {COLUMNS}"
        ),
        params![id, ts],
        from_row,
    )
    .optional()
    .context("claiming a document")
}

/// Put a known document back in the queue (re-run), keeping its history columns.
pub fn requeue(store: &Store, id: i64) -> Result<bool> {
    let n = store.lock().execute(
        "UPDATE documents SET status = 'queued', updated_at = ?2, error = NULL WHERE id = ?1",
        params![id, now()],
    )?;
    Ok(n == 1)
}

/// After a crash: documents left in an in-flight status go back to `queued`. Returns how many.
pub fn recover_in_flight(store: &Store) -> Result<usize> {
    let n = store.lock().execute(
        "UPDATE documents SET status = 'queued', updated_at = ?1 WHERE status IN ('extracting', 'classifying', 'mapping')",
        [now()],
    )?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::documents::Status;

    #[test]
    fn enqueue_is_idempotent_and_claims_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("q.sqlite3")).unwrap();
        let a = dir.path().join("a.txt");
        let b = dir.path().join("b.txt");
        std::fs::write(&a, "invoice a").unwrap();
        std::fs::write(&b, "invoice b").unwrap();
        let ea = enqueue(&store, &a, "drop_folder", 0).unwrap();
        assert!(matches!(ea, Enqueued::New(_)));
        assert_eq!(
            enqueue(&store, &a, "drop_folder", 0).unwrap(),
            Enqueued::Known(ea.id())
        );
        let eb = enqueue(&store, &b, "drop_folder", 0).unwrap();
        // Same path, new content: a new document.
        std::fs::write(&a, "invoice a, corrected").unwrap();
        let ea2 = enqueue(&store, &a, "drop_folder", 0).unwrap();
        assert!(matches!(ea2, Enqueued::New(_)));

        let first = claim_next(&store).unwrap().unwrap();
        assert_eq!(first.id, ea.id());
        assert_eq!(first.status, Status::Extracting);
        assert_eq!(first.attempts, 1);
        assert_eq!(claim_next(&store).unwrap().unwrap().id, eb.id());
        assert_eq!(recover_in_flight(&store).unwrap(), 2);
        assert_eq!(claim_next(&store).unwrap().unwrap().id, ea.id());
    }
}
