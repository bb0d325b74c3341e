//! Queue semantics on PostgreSQL, the contract of [`crate::store`] for several daemons at once:
//!
//! - **Enqueue**: a transaction-level advisory lock on each file's content hash serialises every
//!   daemon's enqueue of the same content, so the exact-duplicate rule holds firm-wide; the
//!   `(sha256, original_path_raw)` unique index keeps one row per drop.
//! - **Claim**: `UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING`: the
//!   best queued document whose retry time has come (priority, then age), or an in-flight one
//!   whose lease expired, skipping rows another daemon is claiming at that moment.
//! - **Fencing** by (owner, attempts) as in SQLite ([`super::rows::FENCE`]).
//! - **Recovery** at start-up touches only the claims of the recovering daemon (owner prefix);
//!   other daemons' documents come back through their leases.
//!
//! Every state change appends to `events` in the same transaction.

use std::path::Path;

use anyhow::{Context, Result};
use postgres::{Client, Transaction};

use super::rows::{event, from_row, path_columns, COLUMNS, FENCE};
use crate::store::document::{interrupted, now, now_ms, Enqueued, Job, Policy, Status};
use crate::store::storage::NewFile;

pub(super) fn enqueue_batch(
    c: &mut Client,
    items: &[NewFile<'_>],
    source: &str,
    priority: i64,
) -> Result<Vec<Enqueued>> {
    let mut tx = c.transaction()?;
    // Locks in one order (sorted hashes) so two daemons' bursts never deadlock.
    let mut shas: Vec<&str> = items.iter().map(|i| i.1).collect();
    shas.sort_unstable();
    shas.dedup();
    for sha in shas {
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            &[&sha],
        )?;
    }
    let mut out = Vec::with_capacity(items.len());
    for &(path, sha, size) in items {
        out.push(enqueue_in(&mut tx, path, sha, size, source, priority)?);
    }
    tx.commit()?;
    Ok(out)
}

fn enqueue_in(
    tx: &mut Transaction<'_>,
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
        .query_opt(
            "SELECT id FROM documents WHERE sha256 = $1 AND status NOT IN ('failed', 'dead', 'duplicate')
             ORDER BY id LIMIT 1",
            &[&sha],
        )?
        .map(|r| r.get(0));
    let (status, finished) = match first {
        Some(_) => ("duplicate", Some(ts.clone())),
        None => ("queued", None),
    };
    let id: i64 = tx
        .query_one(
            "INSERT INTO documents (original_path, file_name, sha256, size_bytes, source, status, priority,
                 created_at, updated_at, finished_at, duplicate_of, original_path_raw)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, $11) RETURNING id",
            &[&path_s, &name, &sha, &(size as i64), &source, &status, &priority, &ts, &finished, &first, &raw],
        )?
        .get(0);
    match first {
        Some(of) => {
            let w = serde_json::to_string(&[format!(
                "exact duplicate of document {of} (same SHA-256)"
            )])?;
            tx.execute(
                "UPDATE documents SET warnings_json = $2 WHERE id = $1",
                &[&id, &w],
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

/// The document this drop already is, if any (the same rule as SQLite's): the row whose original
/// is still at `path` with the same SHA-256, or — when nothing is at `path` any more — the latest
/// row for that path and content (hashed by one daemon just before another moved it away).
fn known(
    tx: &mut Transaction<'_>,
    path: &Path,
    sha: &str,
    raw: Option<&[u8]>,
) -> Result<Option<i64>> {
    if let Some(r) = tx.query_opt(
        "SELECT id FROM documents WHERE sha256 = $1 AND original_path_raw = $2 AND moved_to_raw IS NULL",
        &[&sha, &raw],
    )? {
        return Ok(Some(r.get(0)));
    }
    if std::fs::symlink_metadata(path).is_err() {
        if let Some(r) = tx.query_opt(
            "SELECT id FROM documents WHERE sha256 = $1 AND original_path_raw = $2
             ORDER BY id DESC LIMIT 1",
            &[&sha, &raw],
        )? {
            return Ok(Some(r.get(0)));
        }
    }
    Ok(None)
}

pub(super) fn claim(
    c: &mut Client,
    id: Option<i64>,
    owner: &str,
    policy: &Policy,
) -> Result<Option<Job>> {
    let ts = now();
    let now = now_ms();
    let lease = policy.lease.as_millis() as i64;
    let mut tx = c.transaction()?;
    let row = tx
        .query_opt(
            &format!(
                "UPDATE documents SET status = 'extracting', attempts = attempts + 1, started_at = $1,
                    updated_at = $1, lease_owner = $2, lease_expires_ms = $3::BIGINT + $4::BIGINT, heartbeat_ms = $3, error = NULL
                 WHERE id = (
                    SELECT id FROM documents
                    WHERE ($5::BIGINT IS NULL AND ((status = 'queued' AND next_attempt_ms <= $3)
                                           OR (status IN ('extracting', 'classifying', 'mapping')
                                               AND lease_expires_ms < $3)))
                       OR (id = $5 AND status = 'queued')
                    ORDER BY priority DESC, id LIMIT 1
                    FOR UPDATE SKIP LOCKED)
                 RETURNING {COLUMNS}"
            ),
            &[&ts, &owner, &now, &lease, &id],
        )
        .context("claiming a document")?;
    let doc = row.as_ref().map(from_row).transpose()?;
    if let Some(d) = &doc {
        let detail = format!("attempt {}", d.attempts);
        event(&mut tx, d.id, "claimed", Some(owner), Some(&detail))?;
    }
    tx.commit()?;
    Ok(doc.map(|doc| Job {
        token: doc.attempts,
        owner: owner.to_string(),
        doc,
    }))
}

pub(super) fn heartbeat(c: &mut Client, job: &Job, policy: &Policy) -> Result<bool> {
    let n = c.execute(
        &format!("UPDATE documents SET lease_expires_ms = $4::BIGINT + $5::BIGINT, heartbeat_ms = $4 WHERE {FENCE}"),
        &[&job.doc.id, &job.owner, &job.token, &now_ms(), &(policy.lease.as_millis() as i64)],
    )?;
    Ok(n == 1)
}

pub(super) fn set_status(c: &mut Client, job: &Job, status: Status) -> Result<bool> {
    let n = c.execute(
        &format!("UPDATE documents SET status = $4, updated_at = $5 WHERE {FENCE}"),
        &[
            &job.doc.id,
            &job.owner,
            &job.token,
            &status.as_str(),
            &now(),
        ],
    )?;
    Ok(n == 1)
}

pub(super) fn retry_or_dead(
    c: &mut Client,
    job: &Job,
    reason: &str,
    policy: &Policy,
    move_if_dead: Option<&Path>,
) -> Result<Option<Status>> {
    let (move_text, move_raw) = path_columns(move_if_dead);
    let mut tx = c.transaction()?;
    let dead = policy.is_last_attempt(job);
    let n = if dead {
        let why = format!("gave up after {} attempts: {reason}", job.token);
        tx.execute(
            &format!(
                "UPDATE documents SET status = 'dead', error = $4, updated_at = $5, finished_at = $5,
                    lease_owner = NULL, lease_expires_ms = NULL, move_pending = $6, move_pending_raw = $7,
                    finished_by = $2, move_next_ms = $8
                 WHERE {FENCE}"
            ),
            &[&job.doc.id, &job.owner, &job.token, &why, &now(), &move_text, &move_raw, &super::documents::own_move_until()],
        )?
    } else {
        let at = now_ms() + policy.backoff(job.token).as_millis() as i64;
        tx.execute(
            &format!(
                "UPDATE documents SET status = 'queued', error = $4, updated_at = $5, next_attempt_ms = $6,
                    lease_owner = NULL, lease_expires_ms = NULL WHERE {FENCE}"
            ),
            &[&job.doc.id, &job.owner, &job.token, &reason, &now(), &at],
        )?
    };
    if n == 0 {
        return Ok(None);
    }
    let what = if dead { "dead" } else { "retry" };
    event(&mut tx, job.doc.id, what, Some(&job.owner), Some(reason))?;
    tx.commit()?;
    Ok(Some(if dead { Status::Dead } else { Status::Queued }))
}

pub(super) fn release(c: &mut Client, job: &Job) -> Result<bool> {
    let mut tx = c.transaction()?;
    let n = tx.execute(
        &format!(
            "UPDATE documents SET status = 'queued', attempts = attempts - 1, updated_at = $4,
                lease_owner = NULL, lease_expires_ms = NULL, next_attempt_ms = 0 WHERE {FENCE}"
        ),
        &[&job.doc.id, &job.owner, &job.token, &now()],
    )?;
    if n == 1 {
        event(&mut tx, job.doc.id, "released", Some(&job.owner), None)?;
    }
    tx.commit()?;
    Ok(n == 1)
}

pub(super) fn requeue(c: &mut Client, id: i64) -> Result<bool> {
    let mut tx = c.transaction()?;
    let n = tx.execute(
        "UPDATE documents SET status = 'queued', attempts = 0, interruptions = 0, next_attempt_ms = 0, updated_at = $2,
            error = NULL, finished_at = NULL, lease_owner = NULL, lease_expires_ms = NULL
         WHERE id = $1 AND status NOT IN ('extracting', 'classifying', 'mapping')",
        &[&id, &now()],
    )?;
    if n == 1 {
        event(&mut tx, id, "requeued", None, None)?;
    }
    tx.commit()?;
    Ok(n == 1)
}

/// Back to `queued` (or `dead` after [`crate::store::MAX_INTERRUPTIONS`]) the in-flight rows claimed by a
/// worker of `instance` (`lease_owner` starts with `instance` + `/`): the documents this daemon
/// was processing when it stopped. Rows locked by a running claim are skipped.
pub(super) fn recover_in_flight(
    c: &mut Client,
    _policy: &Policy,
    instance: &str,
) -> Result<(usize, usize)> {
    let mut tx = c.transaction()?;
    let prefix = format!(
        "{}/%",
        instance
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let rows = tx.query(
        "SELECT id, attempts, interruptions FROM documents
         WHERE status IN ('extracting', 'classifying', 'mapping') AND lease_owner LIKE $1
         FOR UPDATE SKIP LOCKED",
        &[&prefix],
    )?;
    let (mut requeued, mut dead) = (0, 0);
    for r in rows {
        let (id, attempts, interruptions): (i64, i64, i64) = (r.get(0), r.get(1), r.get(2));
        // This claim was ended by the stop, not by the document: it is an interruption.
        let (interruptions, dead_reason) = interrupted(attempts, interruptions);
        if let Some(reason) = dead_reason {
            tx.execute(
                "UPDATE documents SET status = 'dead', error = $2, updated_at = $3, finished_at = $3,
                    interruptions = $4, lease_owner = NULL, lease_expires_ms = NULL WHERE id = $1",
                &[&id, &reason, &now(), &interruptions],
            )?;
            event(&mut tx, id, "dead", None, Some(&reason))?;
            dead += 1;
        } else {
            tx.execute(
                "UPDATE documents SET status = 'queued', updated_at = $2, next_attempt_ms = 0,
                    interruptions = $3, lease_owner = NULL, lease_expires_ms = NULL WHERE id = $1",
                &[&id, &now(), &interruptions],
            )?;
            let detail = format!("interruption {interruptions}");
            event(&mut tx, id, "recovered", None, Some(&detail))?;
            requeued += 1;
        }
    }
    tx.commit()?;
    Ok((requeued, dead))
}
