//! The worker: one thread that claims documents under a lease and runs the pipeline on each,
//! waking on new work or every second; a heartbeat thread renews the lease of the document in
//! hand. Paused (persisted in the database) means: finish the current document, claim nothing.
//!
//! A panic anywhere in a pipeline stage is caught here and treated as a transient failure (the
//! document is retried, then dead-lettered): a bad file cannot take the daemon down.
//!
//! The worker stores each run's verdict ([`finish`]): the terminal row and the move of the
//! original it decides are one statement; the file is renamed after the commit and the move
//! confirmed ([`originals`]), so a stop in between is finished by start-up recovery; between
//! documents it tries the blocked moves again ([`originals::retry_due`]).
//!
//! When the database refuses a write (a full disk) the worker backs off — 0.5 s doubling to
//! 60 s ([`STORE_BACKOFF`]), one log line per step — and a document whose result could not be
//! stored is released at once (not counted as an attempt), to run again when space returns.

pub mod batches;
pub mod finish;
pub mod originals;

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use crate::config::PipelineKind;
use crate::failure::Backoff;
use crate::pipeline::profile::BusinessProfile;
use crate::pipeline::{checksum, Pipeline, Run, Verdict};
use crate::store::{Job, Outcome, Policy, Store};

/// First and longest wait after the database refused a write (claim, result, release).
pub const STORE_BACKOFF: (Duration, Duration) =
    (Duration::from_millis(500), Duration::from_secs(60));

/// Sleep `d`, or less when `stop` is set.
fn pause(d: Duration, stop: &AtomicBool) {
    let until = std::time::Instant::now() + d;
    while !stop.load(Ordering::SeqCst) && std::time::Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Wakes the worker when work arrives (or on resume / stop).
#[derive(Clone, Default)]
pub struct Wake {
    inner: Arc<(Mutex<bool>, Condvar)>,
}

impl Wake {
    pub fn notify(&self) {
        let (m, c) = &*self.inner;
        *m.lock().unwrap_or_else(|e| e.into_inner()) = true;
        c.notify_all();
    }

    fn wait(&self, timeout: Duration) {
        let (m, c) = &*self.inner;
        let mut flag = m.lock().unwrap_or_else(|e| e.into_inner());
        if !*flag {
            flag = c
                .wait_timeout(flag, timeout)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        *flag = false;
    }
}

/// The document the worker holds, shared with the heartbeat and with shutdown.
pub type Current = Arc<Mutex<Option<Job>>>;

/// What the worker needs.
pub struct Worker {
    pub store: Store,
    pub pipeline: Arc<Pipeline>,
    pub kind: PipelineKind,
    /// Simulated stage time of the checksum pipeline.
    pub checksum_stage: Duration,
    pub profile: BusinessProfile,
    pub policy: Policy,
    /// This process's worker id (`<instance>/<pid>-<random>`, see [`worker_id`]), the lease
    /// owner.
    pub owner: String,
    pub moves: originals::Moves,
}

pub use crate::instance::instance_id;

/// A worker id unique across restarts: `<instance>/<pid>-<random>`; a daemon recovers at
/// start-up the claims whose owner starts with its `instance` + `/`.
pub fn worker_id(instance: &str) -> String {
    format!(
        "{instance}/{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
}

impl Worker {
    /// Run until `stop` is set; the current document is finished first.
    pub fn run(&self, wake: &Wake, stop: &AtomicBool, current: &Current) {
        let mut backoff = Backoff::new(STORE_BACKOFF.0, STORE_BACKOFF.1);
        while !stop.load(Ordering::SeqCst) {
            match self.store.is_paused() {
                Ok(true) => {
                    wake.wait(Duration::from_secs(1));
                    continue;
                }
                Ok(false) => {}
                Err(e) => {
                    tracing::error!(error = %format!("{e:#}"), "cannot read the pause switch")
                }
            }
            if let Err(e) = originals::retry_due(&*self.store, &self.moves) {
                tracing::debug!(error = %format!("{e:#}"), "cannot retry the blocked moves yet");
            }
            match self.store.claim(None, &self.owner, &self.policy) {
                Ok(Some(job)) => {
                    *current.lock().unwrap_or_else(|e| e.into_inner()) = Some(job.clone());
                    let stored = self.process(&job, stop);
                    *current.lock().unwrap_or_else(|e| e.into_inner()) = None;
                    if stored {
                        backoff.reset();
                    } else {
                        let d = backoff.next();
                        tracing::warn!(
                            retry_in_ms = d.as_millis() as u64,
                            "the database refused a result; claiming again after a pause"
                        );
                        pause(d, stop);
                    }
                    // One batch request between two documents: neither starves the other.
                    self.batch_line();
                }
                Ok(None) => {
                    if !self.batch_line() {
                        wake.wait(Duration::from_secs(1))
                    }
                }
                Err(e) => {
                    let d = backoff.next();
                    tracing::error!(error = %format!("{e:#}"), retry_in_ms = d.as_millis() as u64, "queue error");
                    pause(d, stop);
                }
            }
        }
    }

    /// Run one request line of an OpenAI-compatible batch, if any (the model pipeline only);
    /// whether one ran.
    fn batch_line(&self) -> bool {
        if !matches!(self.kind, PipelineKind::Llm) {
            return false;
        }
        batches::run_one(&*self.store, self.pipeline.engine()).unwrap_or_else(|e| {
            tracing::error!(error = %format!("{e:#}"), "batch line");
            false
        })
    }

    /// Run `job` and store its verdict; `false` when the database refused the write (the
    /// document is then released, here if `finish` could not).
    fn process(&self, job: &Job, stop: &AtomicBool) -> bool {
        tracing::info!(id = job.doc.id, attempt = job.token, "processing");
        let t0 = std::time::Instant::now();
        let run = std::panic::catch_unwind(AssertUnwindSafe(|| match self.kind {
            PipelineKind::Llm => self.pipeline.run(&*self.store, job, &self.profile),
            PipelineKind::Checksum => checksum::run(job, self.checksum_stage),
        }))
        .unwrap_or_else(|panic| {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            tracing::error!(id = job.doc.id, panic = %what, "pipeline panicked");
            Run {
                verdict: Verdict::Retry(format!("internal error while processing: {what}")),
                outcome: Outcome::default(),
                seconds: t0.elapsed().as_secs_f64(),
            }
        });
        let Err(e) = finish::finish(&*self.store, job, &run, &self.policy, &self.moves) else {
            return true;
        };
        tracing::error!(id = job.doc.id, error = %format!("{e:#}"), "cannot store the result");
        // Until the release is written (`Ok(false)`: it was, or the lease is gone) the heartbeat
        // keeps the lease.
        let mut backoff = Backoff::new(STORE_BACKOFF.0, STORE_BACKOFF.1);
        while !stop.load(Ordering::SeqCst) {
            match self.store.release(job) {
                Ok(_) => break,
                Err(e) => {
                    let d = backoff.next();
                    tracing::error!(id = job.doc.id, error = %format!("{e:#}"), retry_in_ms = d.as_millis() as u64, "cannot release the document yet");
                    pause(d, stop);
                }
            }
        }
        false
    }
}

/// Renew the lease of the current document every third of the lease until `stop`.
pub fn heartbeat(store: Store, policy: Policy, current: Current, stop: Arc<AtomicBool>) {
    let every = (policy.lease / 3).max(Duration::from_millis(500));
    let mut waited = Duration::ZERO;
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(100));
        waited += Duration::from_millis(100);
        if waited < every {
            continue;
        }
        waited = Duration::ZERO;
        let job = current.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(job) = job {
            match store.heartbeat(&job, &policy) {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(id = job.doc.id, "lease lost; the result will not be stored")
                }
                Err(e) => tracing::error!(error = %format!("{e:#}"), "heartbeat failed"),
            }
        }
    }
}

#[cfg(test)]
mod tests;
