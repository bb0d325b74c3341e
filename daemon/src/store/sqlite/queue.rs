//! Queue semantics in SQL over the `documents` table (see [`crate::store`] for the contract):
//!
//! - **Claim**: one `UPDATE … RETURNING` picks the best queued document whose `next_attempt_ms`
//!   has passed (priority, then age) — or an in-flight one whose lease expired — and gives it to
//!   `owner` for `lease` with `attempts + 1` as the fencing token ([`Job::token`]).
//! - **Fencing**: every later write for the job (status changes, the result, a retry, a release)
//!   matches `lease_owner` and `attempts` ([`FENCE`]); a worker whose lease was taken over writes
//!   nothing, so a document never ends with two results.
//! - **Retries**: a transient failure requeues with `next_attempt_ms = now + backoff`; after
//!   `max_attempts` the document is `dead` with the last error.
//! - **Recovery** at start-up: every in-flight row goes back to `queued`, or to `dead` when its
//!   attempts are used up (a document that keeps killing the process is not retried forever).
//!
//! Every state change appends to `events` in the same transaction.

use std::path::Path;

use anyhow::{Context, Result};
use rusqlite::{params, Connection, OptionalExtension};

use super::rows::{event, from_row, path_columns, COLUMNS, FENCE};
use crate::store::document::{interrupted, now, now_ms, Enqueued, Job, Policy, Status};

pub(super) fn enqueue_in(
    tx: &Connection,
    path: &Path,
    sha: &str,
    size: u64,
    source: &str,
    priority: i64,
) -> Result<Enqueued> {
    let (path_s, raw) = path_columns(Some(path));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ts = now();
    if let Some(id) = known(tx, path, sha, raw.as_deref())? {
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
             created_at, updated_at, finished_at, duplicate_of, original_path_raw)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10, ?11)",
        params![path_s, name, sha, size as i64, source, status, priority, ts, finished, first, raw],
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

/// The document this drop already is, if any: the row whose original is still at `path` with
/// the same SHA-256, or — when nothing is at `path` any more — the latest row for that path and
/// content (the watcher hashed it just before the worker moved it away).
fn known(tx: &Connection, path: &Path, sha: &str, raw: Option<&[u8]>) -> Result<Option<i64>> {
    // Known while its original is still where it was found; the same file dropped again after
    // the first copy was moved away is a new row (a duplicate of it, below).
    if let Some(id) = tx
        .query_row(
            "SELECT id FROM documents WHERE sha256 = ?1 AND original_path_raw = ?2
                AND moved_to_raw IS NULL",
            params![sha, raw],
            |r| r.get(0),
        )
        .optional()?
    {
        return Ok(Some(id));
    }
    // Seen before its document's original was moved away, and gone now: the same document (the
    // watcher hashed it just before the worker moved it). Only a file that is back at the path
    // after the move is a new drop. Looked at inside the transaction, after the row: a move is
    // renamed first and recorded after, so whatever the order, a moved file is not found here.
    if std::fs::symlink_metadata(path).is_err() {
        if let Some(id) = tx
            .query_row(
                "SELECT id FROM documents WHERE sha256 = ?1 AND original_path_raw = ?2
                 ORDER BY id DESC LIMIT 1",
                params![sha, raw],
                |r| r.get(0),
            )
            .optional()?
        {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

pub(super) fn claim(
    c: &mut Connection,
    id: Option<i64>,
    owner: &str,
    policy: &Policy,
) -> Result<Option<Job>> {
    let now = now_ms();
    let ts = crate::store::now();
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

pub(super) fn heartbeat(c: &Connection, job: &Job, policy: &Policy) -> Result<bool> {
    let now = now_ms();
    let n = c.execute(
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

pub(super) fn set_status(c: &Connection, job: &Job, status: Status) -> Result<bool> {
    let n = c.execute(
        &format!("UPDATE documents SET status = ?4, updated_at = ?5 WHERE {FENCE}"),
        params![job.doc.id, job.owner, job.token, status.as_str(), now()],
    )?;
    Ok(n == 1)
}

pub(super) fn retry_or_dead(
    c: &mut Connection,
    job: &Job,
    reason: &str,
    policy: &Policy,
    move_if_dead: Option<&Path>,
) -> Result<Option<Status>> {
    let (move_text, move_raw) = path_columns(move_if_dead);
    let tx = c.transaction()?;
    let dead = policy.is_last_attempt(job);
    let n = if dead {
        tx.execute(
            &format!(
                "UPDATE documents SET status = 'dead', error = ?4, updated_at = ?5, finished_at = ?5,
                    lease_owner = NULL, lease_expires_ms = NULL, move_pending = ?6, move_pending_raw = ?7
                 WHERE {FENCE}"
            ),
            params![job.doc.id, job.owner, job.token, format!("gave up after {} attempts: {reason}", job.token), now(), move_text, move_raw],
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

pub(super) fn release(c: &mut Connection, job: &Job) -> Result<bool> {
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

pub(super) fn requeue(c: &mut Connection, id: i64) -> Result<bool> {
    let tx = c.transaction()?;
    let n = tx.execute(
        "UPDATE documents SET status = 'queued', attempts = 0, interruptions = 0, next_attempt_ms = 0, updated_at = ?2,
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

pub(super) fn recover_in_flight(c: &mut Connection, policy: &Policy) -> Result<(usize, usize)> {
    let tx = c.transaction()?;
    let ids: Vec<(i64, i64, i64)> = {
        let mut st = tx.prepare(
            "SELECT id, attempts, interruptions FROM documents
             WHERE status IN ('extracting', 'classifying', 'mapping')",
        )?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let (mut requeued, mut dead) = (0, 0);
    for (id, attempts, interruptions) in ids {
        // This claim was ended by the stop, not by the document: it is an interruption.
        let (interruptions, dead_reason) = interrupted(attempts, interruptions);
        if let Some(reason) = dead_reason {
            tx.execute(
                "UPDATE documents SET status = 'dead', error = ?2, updated_at = ?3, finished_at = ?3,
                    interruptions = ?4, lease_owner = NULL, lease_expires_ms = NULL WHERE id = ?1",
                params![id, reason, now(), interruptions],
            )?;
            event(&tx, id, "dead", None, Some(&reason))?;
            dead += 1;
        } else {
            tx.execute(
                "UPDATE documents SET status = 'queued', updated_at = ?2, next_attempt_ms = 0,
                    interruptions = ?3, lease_owner = NULL, lease_expires_ms = NULL WHERE id = ?1",
                params![id, now(), interruptions],
            )?;
            event(
                &tx,
                id,
                "recovered",
                None,
                Some(&format!("interruption {interruptions}")),
            )?;
            requeued += 1;
        }
    }
    let _ = policy;
    tx.commit()?;
    Ok((requeued, dead))
}
