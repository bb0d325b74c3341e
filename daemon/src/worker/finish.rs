//! Storing a run's verdict for a claimed document, and moving its original when configured —
//! the same steps for the daemon's worker and for `zopilot process`.
//!
//! Order, so that no failure leaves a half-written row or a moved original without its row:
//! 1. the terminal write (or the retry) with the planned destination of the original, one
//!    statement — if it fails or the lease was lost, nothing was written and nothing moves;
//! 2. the rename, after the commit;
//! 3. the confirmation ([`crate::store::Storage::settle_move`]). A stop between 1 and 3 leaves the
//!    move pending, and [`super::originals::recover`] finishes it at the next start.
//!
//! A terminal write that fails (a full disk) wrote nothing: the document is released at once —
//! queued again, the claim not counted as an attempt — instead of staying in flight until its
//! lease expires; it runs again when the write can succeed (the worker backs off meanwhile).

use std::path::PathBuf;

use anyhow::Result;

use super::originals::Moves;
use crate::pipeline::{Run, Verdict};
use crate::store::{Job, Policy, Status, Storage};

/// What became of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Finished {
    /// The stored status (`queued` again for a retry, or when the lease was lost).
    pub status: Status,
    /// The failure's reason, for `failed`, `dead` and retries.
    pub error: Option<String>,
    /// The lease was lost before the verdict could be stored: nothing was written or moved.
    pub lost: bool,
}

/// Store `run`'s verdict for `job` under `policy`, then move the original as `moves` says.
///
/// Errors: the database write failed (then nothing was written and nothing moved, and the
/// document was released when the database allowed that).
pub fn finish(
    store: &dyn Storage,
    job: &Job,
    run: &Run,
    policy: &Policy,
    moves: &Moves,
) -> Result<Finished> {
    let (plan, stored, error) = match write(store, job, run, policy, moves) {
        Ok(w) => w,
        Err(e) => {
            match store.release(job) {
                Ok(true) => tracing::warn!(
                    id = job.doc.id,
                    error = %format!("{e:#}"),
                    "the result could not be stored; the document is queued again, not counted as an attempt"
                ),
                Ok(false) => {}
                Err(r) => tracing::error!(
                    id = job.doc.id,
                    error = %format!("{r:#}"),
                    "the result could not be stored, nor the document released"
                ),
            }
            return Err(e);
        }
    };
    let Some(status) = stored else {
        tracing::warn!(
            id = job.doc.id,
            "the lease was lost (another worker took the document over); nothing stored"
        );
        return Ok(Finished {
            status: Status::Queued,
            error: Some("the lease was lost; nothing stored".into()),
            lost: true,
        });
    };
    log_stored(job, run, status, &error);
    if let Some(to) = plan {
        moves.perform(store, job.doc.id, &job.doc.original(), &to, 0);
    }
    Ok(Finished {
        status,
        error,
        lost: false,
    })
}

/// The verdict's write: the planned move, the stored status (`None`: the lease was lost) and
/// the failure's reason.
type Written = (Option<PathBuf>, Option<Status>, Option<String>);

fn write(
    store: &dyn Storage,
    job: &Job,
    run: &Run,
    policy: &Policy,
    moves: &Moves,
) -> Result<Written> {
    Ok(match &run.verdict {
        Verdict::Done(status) => {
            let plan = moves.plan(job, *status);
            let ok = store.complete(job, *status, &run.outcome, plan.as_deref())?;
            (plan, ok.then_some(*status), None)
        }
        Verdict::Failed(reason) => {
            let plan = moves.plan(job, Status::Failed);
            let ok = store.fail(job, reason, &run.outcome, plan.as_deref())?;
            (plan, ok.then_some(Status::Failed), Some(reason.clone()))
        }
        Verdict::Retry(reason) => {
            let plan = if policy.is_last_attempt(job) {
                moves.plan(job, Status::Dead)
            } else {
                None
            };
            let status = store.retry_or_dead(job, reason, policy, plan.as_deref())?;
            let plan = plan.filter(|_| status == Some(Status::Dead));
            (plan, status, Some(reason.clone()))
        }
    })
}

fn log_stored(job: &Job, run: &Run, status: Status, error: &Option<String>) {
    match (&run.verdict, status) {
        (Verdict::Done(_), _) => {
            tracing::info!(
                id = job.doc.id,
                status = status.as_str(),
                seconds = run.seconds,
                "document done"
            )
        }
        (_, Status::Failed) => tracing::warn!(id = job.doc.id, reason = ?error, "document failed"),
        _ => {
            tracing::warn!(id = job.doc.id, status = status.as_str(), reason = ?error, "document will be retried or was dead-lettered")
        }
    }
}
