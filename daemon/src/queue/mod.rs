//! The durable document queue over the `documents` table (SQLite, WAL): idempotent enqueue keyed
//! by content SHA-256 + path, exact-duplicate detection (Stage 0), leased claims with heartbeats,
//! retries with exponential backoff and jitter, a dead-letter status, fenced completion, crash
//! recovery and a persisted pause switch.
//!
//! Semantics:
//! - **Claim**: one `UPDATE … RETURNING` picks the best queued document whose `next_attempt_ms`
//!   has passed (priority, then age) — or an in-flight one whose lease expired — and gives it to
//!   `owner` for `lease` with `attempts + 1` as the fencing token ([`Job::token`]).
//! - **Fencing**: every later write for the job (status changes, the result, a retry, a release)
//!   matches `lease_owner` and `attempts`; a worker whose lease was taken over writes nothing, so a
//!   document never ends with two results.
//! - **Results** are written by the same `UPDATE` that makes the row terminal (one statement, one
//!   transaction), together with its `completed` event.
//! - **Retries**: a transient failure requeues with `next_attempt_ms = now + base · 2^(n−1) ·
//!   (1 + U[0, 0.5))`; after `max_attempts` the document is `dead` with the last error.
//! - **Recovery** at start-up (the daemon holds the data folder's instance lock, so no other
//!   worker can be alive): every in-flight row goes back to `queued`, or to `dead` when its
//!   attempts are used up (a document that keeps killing the process is not retried forever).
//!
//! Every state change appends to `events` in the same transaction.

pub mod control;

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use rand::Rng;
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use crate::store::documents::{from_row, Document, Status, COLUMNS};
use crate::store::{now, Store};

/// Wall-clock time in unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Retry and lease settings.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Claims per document before it is dead-lettered.
    pub max_attempts: u32,
    /// First retry delay; doubled per further attempt.
    pub retry_base: Duration,
    /// Visibility timeout of a claim; renewed by [`heartbeat`].
    pub lease: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_attempts: 3,
            retry_base: Duration::from_secs(5),
            lease: Duration::from_secs(300),
        }
    }
}

impl Policy {
    /// From the configuration.
    pub fn from_config(cfg: &crate::config::Config) -> Policy {
        Policy {
            max_attempts: cfg.max_attempts,
            retry_base: Duration::from_millis(cfg.retry_base_ms),
            lease: Duration::from_secs(cfg.lease_seconds),
        }
    }

    /// Delay before attempt `attempts + 1`, with up to 50 % jitter so that retries of a burst
    /// do not line up.
    pub fn backoff(&self, attempts: i64) -> Duration {
        let exp = (attempts.max(1) - 1).min(16) as u32;
        let base = self.retry_base.as_millis() as f64 * 2f64.powi(exp as i32);
        let jitter = rand::rng().random_range(0.0..0.5);
        Duration::from_millis((base * (1.0 + jitter)) as u64)
    }
}

/// Result of [`enqueue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    /// A new document row was created and queued.
    New(i64),
    /// This exact content at this path is already known.
    Known(i64),
    /// The same content is already known under another path: a `duplicate` row linking the
    /// first document was created, and no work is queued.
    Duplicate { id: i64, of: i64 },
}

impl Enqueued {
    /// The row's id.
    pub fn id(self) -> i64 {
        match self {
            Enqueued::New(id) | Enqueued::Known(id) | Enqueued::Duplicate { id, .. } => id,
        }
    }
}

/// A claimed document: the row as claimed, who holds it and the fencing token.
#[derive(Debug, Clone)]
pub struct Job {
    pub doc: Document,
    pub owner: String,
    /// `attempts` at claim time; writes for this job match it.
    pub token: i64,
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

pub(crate) fn event(
    c: &Connection,
    id: i64,
    event: &str,
    worker: Option<&str>,
    detail: Option<&str>,
) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO events (document_id, event, at_ms, worker, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, event, now_ms(), worker, detail],
    )?;
    Ok(())
}

/// Enqueue the file at `path` (absolute) from `source`. Idempotent: the same content at the same
/// path is enqueued once, whatever the number of file events. Content already known under
/// another path (and not failed) becomes a `duplicate` row instead (Stage 0, exact rule).
///
/// Errors: the file cannot be read, or the database write fails.
pub fn enqueue(store: &Store, path: &Path, source: &str, priority: i64) -> Result<Enqueued> {
    let (sha, size) = hash_file(path)?;
    let mut r = enqueue_batch(store, &[(path, &sha, size)], source, priority)?;
    Ok(r.remove(0))
}

/// Enqueue already-hashed files `(path, sha256, size)` in one transaction (one fsync for a
/// whole burst of files).
pub fn enqueue_batch(
    store: &Store,
    items: &[(&Path, &str, u64)],
    source: &str,
    priority: i64,
) -> Result<Vec<Enqueued>> {
    let mut c = store.lock();
    let tx = c.transaction()?;
    let mut out = Vec::with_capacity(items.len());
    for &(path, sha, size) in items {
        out.push(enqueue_in(&tx, path, sha, size, source, priority)?);
    }
    tx.commit()?;
    Ok(out)
}

fn enqueue_in(
    tx: &Connection,
    path: &Path,
    sha: &str,
    size: u64,
    source: &str,
    priority: i64,
) -> Result<Enqueued> {
    let path_s = path.to_string_lossy().into_owned();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ts = now();
    if let Some(id) = tx
        .query_row(
            "SELECT id FROM documents WHERE sha256 = ?1 AND original_path = ?2",
            params![sha, path_s],
            |r| r.get(0),
        )
        .optional()?
    {
        return Ok(Enqueued::Known(id));
    }
    let first: Option<i64> = tx
        .query_row(
            "SELECT id FROM documents WHERE sha256 = ?1 AND status NOT IN ('failed', 'dead', 'duplicate')
             ORDER BY id LIMIT 1",
            [sha],
            |r| r.get(0),
        )
        .optional()?;
    let (status, finished) = match first {
        Some(_) => ("duplicate", Some(ts.clone())),
        None => ("queued", None),
    };
    tx.execute(
        "INSERT INTO documents (original_path, file_name, sha256, size_bytes, source, status, priority,
             created_at, updated_at, finished_at, duplicate_of)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10)",
        params![path_s, name, sha, size as i64, source, status, priority, ts, finished, first],
    )?;
    let id = tx.last_insert_rowid();
    match first {
        Some(of) => {
            tx.execute(
                "UPDATE documents SET warnings_json = ?2 WHERE id = ?1",
                params![
                    id,
                    serde_json::to_string(&[format!(
                        "exact duplicate of document {of} (same SHA-256)"
                    )])?
                ],
            )?;
            event(
                tx,
                id,
                "duplicate",
                None,
                Some(&format!("same content as document {of}")),
            )?;
            Ok(Enqueued::Duplicate { id, of })
        }
        None => {
            event(tx, id, "enqueued", None, Some(source))?;
            Ok(Enqueued::New(id))
        }
    }
}

/// Claim for `owner`: document `id` if it is queued (ignoring its retry time), or with no `id`
/// the best queued document whose retry time has come, or an in-flight one whose lease expired
/// (its worker is gone).
fn claim_where(
    store: &Store,
    id: Option<i64>,
    owner: &str,
    policy: &Policy,
) -> Result<Option<Job>> {
    let now = now_ms();
    let ts = crate::store::now();
    let mut c = store.lock();
    let tx = c.transaction()?;
    let doc = tx
        .query_row(
            &format!(
                "UPDATE documents SET status = 'extracting', attempts = attempts + 1, started_at = ?1,
                    updated_at = ?1, lease_owner = ?2, lease_expires_ms = ?3 + ?4, heartbeat_ms = ?3, error = NULL
                 WHERE id = (
                    SELECT id FROM documents
                    WHERE (?5 IS NULL AND ((status = 'queued' AND next_attempt_ms <= ?3)
                                           OR (status IN ('extracting', 'classifying', 'mapping')
                                               AND lease_expires_ms < ?3)))
                       OR (id = ?5 AND status = 'queued')
                    ORDER BY priority DESC, id LIMIT 1)
                 RETURNING {COLUMNS}"
            ),
            params![ts, owner, now, policy.lease.as_millis() as i64, id],
            from_row,
        )
        .optional()
        .context("claiming a document")?;
    if let Some(d) = &doc {
        event(
            &tx,
            d.id,
            "claimed",
            Some(owner),
            Some(&format!("attempt {}", d.attempts)),
        )?;
    }
    tx.commit()?;
    Ok(doc.map(|doc| Job {
        token: doc.attempts,
        owner: owner.to_string(),
        doc,
    }))
}

/// Claim the next document for `owner` (see [`claim_where`]); `None` when there is nothing to do.
pub fn claim_next(store: &Store, owner: &str, policy: &Policy) -> Result<Option<Job>> {
    claim_where(store, None, owner, policy)
}

/// Claim one specific queued document (for `zopilot process`), ignoring its retry time.
pub fn claim(store: &Store, id: i64, owner: &str, policy: &Policy) -> Result<Option<Job>> {
    claim_where(store, Some(id), owner, policy)
}

/// Renew `job`'s lease. `Ok(false)` when the lease was lost (expired and taken, or released).
pub fn heartbeat(store: &Store, job: &Job, policy: &Policy) -> Result<bool> {
    let now = now_ms();
    let n = store.lock().execute(
        "UPDATE documents SET lease_expires_ms = ?1 + ?2, heartbeat_ms = ?1
         WHERE id = ?3 AND lease_owner = ?4 AND attempts = ?5
           AND status IN ('extracting', 'classifying', 'mapping')",
        params![
            now,
            policy.lease.as_millis() as i64,
            job.doc.id,
            job.owner,
            job.token
        ],
    )?;
    Ok(n == 1)
}

/// SQL condition that `job` still holds its document (parameters `?1` id, `?2` owner, `?3` token).
pub(crate) const FENCE: &str = "id = ?1 AND lease_owner = ?2 AND attempts = ?3 \
    AND status IN ('extracting', 'classifying', 'mapping')";

/// After a transient failure: queue `job` again after a backoff, or dead-letter it when its
/// attempts are used up. Returns the new status, or `None` when the lease was already lost.
pub fn retry_or_dead(
    store: &Store,
    job: &Job,
    reason: &str,
    policy: &Policy,
) -> Result<Option<Status>> {
    let mut c = store.lock();
    let tx = c.transaction()?;
    let dead = job.token >= policy.max_attempts as i64;
    let n = if dead {
        tx.execute(
            &format!(
                "UPDATE documents SET status = 'dead', error = ?4, updated_at = ?5, finished_at = ?5,
                    lease_owner = NULL, lease_expires_ms = NULL WHERE {FENCE}"
            ),
            params![job.doc.id, job.owner, job.token, format!("gave up after {} attempts: {reason}", job.token), now()],
        )?
    } else {
        let at = now_ms() + policy.backoff(job.token).as_millis() as i64;
        tx.execute(
            &format!(
                "UPDATE documents SET status = 'queued', error = ?4, updated_at = ?5, next_attempt_ms = ?6,
                    lease_owner = NULL, lease_expires_ms = NULL WHERE {FENCE}"
            ),
            params![job.doc.id, job.owner, job.token, reason, now(), at],
        )?
    };
    if n == 0 {
        return Ok(None);
    }
    event(
        &tx,
        job.doc.id,
        if dead { "dead" } else { "retry" },
        Some(&job.owner),
        Some(reason),
    )?;
    tx.commit()?;
    Ok(Some(if dead { Status::Dead } else { Status::Queued }))
}

/// Give `job` back unfinished (graceful shutdown past its deadline): queued again at once, and
/// the interrupted claim does not count as an attempt.
pub fn release(store: &Store, job: &Job) -> Result<bool> {
    let mut c = store.lock();
    let tx = c.transaction()?;
    let n = tx.execute(
        &format!(
            "UPDATE documents SET status = 'queued', attempts = attempts - 1, updated_at = ?4,
                lease_owner = NULL, lease_expires_ms = NULL, next_attempt_ms = 0 WHERE {FENCE}"
        ),
        params![job.doc.id, job.owner, job.token, now()],
    )?;
    if n == 1 {
        event(&tx, job.doc.id, "released", Some(&job.owner), None)?;
    }
    tx.commit()?;
    Ok(n == 1)
}

/// Put a finished document back in the queue (`zopilot retry`): attempts reset, history kept.
/// `false` when there is no such document or it is in flight.
pub fn requeue(store: &Store, id: i64) -> Result<bool> {
    let mut c = store.lock();
    let tx = c.transaction()?;
    let n = tx.execute(
        "UPDATE documents SET status = 'queued', attempts = 0, next_attempt_ms = 0, updated_at = ?2,
            error = NULL, finished_at = NULL, lease_owner = NULL, lease_expires_ms = NULL
         WHERE id = ?1 AND status NOT IN ('extracting', 'classifying', 'mapping')",
        params![id, now()],
    )?;
    if n == 1 {
        event(&tx, id, "requeued", None, None)?;
    }
    tx.commit()?;
    Ok(n == 1)
}

/// At start-up, with the instance lock held: in-flight rows belong to a process that is gone.
/// They go back to `queued`, or to `dead` when their attempts are used up. Returns
/// (requeued, dead-lettered).
pub fn recover_in_flight(store: &Store, policy: &Policy) -> Result<(usize, usize)> {
    let mut c = store.lock();
    let tx = c.transaction()?;
    let ids: Vec<(i64, i64)> = {
        let mut st = tx.prepare(
            "SELECT id, attempts FROM documents WHERE status IN ('extracting', 'classifying', 'mapping')",
        )?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let (mut requeued, mut dead) = (0, 0);
    for (id, attempts) in ids {
        if attempts >= policy.max_attempts as i64 {
            let reason =
                format!("interrupted {attempts} times (the daemon stopped while processing it)");
            tx.execute(
                "UPDATE documents SET status = 'dead', error = ?2, updated_at = ?3, finished_at = ?3,
                    lease_owner = NULL, lease_expires_ms = NULL WHERE id = ?1",
                params![id, reason, now()],
            )?;
            event(&tx, id, "dead", None, Some(&reason))?;
            dead += 1;
        } else {
            tx.execute(
                "UPDATE documents SET status = 'queued', updated_at = ?2, next_attempt_ms = 0,
                    lease_owner = NULL, lease_expires_ms = NULL WHERE id = ?1",
                params![id, now()],
            )?;
            event(&tx, id, "recovered", None, None)?;
            requeued += 1;
        }
    }
    tx.commit()?;
    Ok((requeued, dead))
}

#[cfg(test)]
mod tests;
