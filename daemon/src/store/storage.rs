//! [`Storage`]: every operation on the documents database (see [`crate::store`] for the
//! contract), implemented by each engine.

use std::path::Path;

use anyhow::Result;
use serde_json::Value;

use super::{
    batches, books, Activity, Document, Enqueued, Job, Outcome, PendingMove, Policy, Status,
};

/// A file to enqueue: its absolute path, content SHA-256 (hex) and size in bytes.
pub type NewFile<'a> = (&'a Path, &'a str, u64);

/// Every operation on the documents database. Writes that act for a claimed [`Job`] are fenced:
/// they change nothing and answer `false` / `None` once the job's lease was lost.
pub trait Storage: books::Books + batches::Batches + Send + Sync {
    /// Enqueue already-hashed files in one transaction (one fsync for a burst). The same content
    /// at the same path is enqueued once; content already known under another path (and not
    /// failed) becomes a `duplicate` row linking the first.
    fn enqueue_batch(
        &self,
        items: &[NewFile<'_>],
        source: &str,
        priority: i64,
    ) -> Result<Vec<Enqueued>>;
    /// Claim for `owner`: document `id` if it is queued (its retry time ignored), or with no `id`
    /// the best queued document whose retry time has come (priority, then age), or an in-flight
    /// one whose lease expired. `attempts + 1` becomes the fencing token.
    fn claim(&self, id: Option<i64>, owner: &str, policy: &Policy) -> Result<Option<Job>>;
    /// Renew `job`'s lease; `false` when it was lost.
    fn heartbeat(&self, job: &Job, policy: &Policy) -> Result<bool>;
    /// Move `job`'s document to another in-flight status; `false` when the lease was lost.
    fn set_status(&self, job: &Job, status: Status) -> Result<bool>;
    /// Finish `job` with a terminal `status` and its results, in one statement with its
    /// `completed` event, recording `move_to` as the original's pending move.
    fn complete(
        &self,
        job: &Job,
        status: Status,
        o: &Outcome,
        move_to: Option<&Path>,
    ) -> Result<bool>;
    /// Finish `job` as `failed` (a problem with the document itself) with the reason and what
    /// stages produced, recording `move_to` as the original's pending move.
    fn fail(
        &self,
        job: &Job,
        reason: &str,
        partial: &Outcome,
        move_to: Option<&Path>,
    ) -> Result<bool>;
    /// After a transient failure: queue `job` again after a backoff, or dead-letter it when its
    /// attempts are used up (then recording `move_if_dead`). The new status, or `None` when the
    /// lease was lost.
    fn retry_or_dead(
        &self,
        job: &Job,
        reason: &str,
        policy: &Policy,
        move_if_dead: Option<&Path>,
    ) -> Result<Option<Status>>;
    /// Give `job` back unfinished (shutdown past its grace period): queued again at once, the
    /// interrupted claim not counted as an attempt.
    fn release(&self, job: &Job) -> Result<bool>;
    /// Queue a finished document again (`zopilot retry`): attempts reset, history kept. `false`
    /// when there is no such document or it is in flight.
    fn requeue(&self, id: i64) -> Result<bool>;
    /// At start-up, with the instance lock held: the in-flight rows of a process that is gone go
    /// back to `queued`, or `dead` when they were interrupted too often. SQLite (one daemon per
    /// file) recovers every in-flight row; PostgreSQL only those claimed by a worker of
    /// `instance` (see [`crate::worker::instance_id`]) — other daemons' rows come back when their
    /// leases expire. (requeued, dead-lettered).
    fn recover_in_flight(&self, policy: &Policy, instance: &str) -> Result<(usize, usize)>;
    /// Moves decided with a final status and not yet confirmed (blocked ones included, with
    /// when their next try is due).
    fn pending_moves(&self) -> Result<Vec<PendingMove>>;
    /// Confirm document `id`'s pending move: `Some(path)` where the original is now, `None` when
    /// it stayed where it was; `note` is recorded in the event log.
    fn settle_move(&self, id: i64, moved_to: Option<&Path>, note: Option<&str>) -> Result<()>;
    /// Document `id`'s pending move failed with `error` (a sentence); it stays pending, the next
    /// try due at `retry_at_ms` (unix ms). Shown on the document (`move_error`) and in the status.
    fn move_blocked(&self, id: i64, error: &str, retry_at_ms: i64) -> Result<()>;
    /// One document by id.
    fn document(&self, id: i64) -> Result<Option<Document>>;
    /// Documents, newest first, optionally with one status.
    fn documents(
        &self,
        status: Option<Status>,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<Document>>;
    /// `(source, status, count)` for every pair present.
    fn counts_by_source(&self) -> Result<Vec<(String, String, i64)>>;
    /// See [`Activity`]; `since` is an RFC 3339 UTC timestamp in the stored format.
    fn activity(&self, since: &str) -> Result<Activity>;
    /// The extracted fields of up to `limit` other documents, newest first (duplicate rules).
    fn recent_extracted(&self, except: i64, limit: usize) -> Result<Vec<(i64, Value)>>;
    /// Whether processing is paused (persisted).
    fn is_paused(&self) -> Result<bool>;
    /// Pause or resume processing.
    fn set_paused(&self, paused: bool) -> Result<()>;
}
