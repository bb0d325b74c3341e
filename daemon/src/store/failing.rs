//! A store that fails on purpose: it wraps another [`Storage`] and, at the calls a test chooses,
//! answers with a fault instead of passing the call on — so nothing of that call reaches the
//! database, exactly as when SQLite rolls a failed transaction back. Used to show that a failure
//! at each step (enqueue, claim, complete, fail, the original's move) leaves no half-written row
//! and no moved original. (The pattern of atuin's `failing` backend.)

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use anyhow::Result;
use serde_json::Value;

use super::batches::{ApiFile, Batch, BatchLine, Batches};
use super::books::{BookEntry, BookList, Books, ImportCounts, Memory, Posted, Rate};
use super::{
    Activity, Document, Enqueued, Job, NewFile, Outcome, PendingMove, Policy, Status, Storage,
};

/// The operations a fault can be injected at (one per [`Storage`] method).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Enqueue,
    Claim,
    Heartbeat,
    SetStatus,
    Complete,
    Fail,
    RetryOrDead,
    Release,
    Requeue,
    Recover,
    PendingMoves,
    SettleMove,
    Read,
    Pause,
}

/// What the faulty call answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `database or disk is full` (SQLITE_FULL).
    DiskFull,
    /// `database is locked` (SQLITE_BUSY after the busy timeout).
    Busy,
    /// The job's lease was taken over: fenced writes answer `false` / `None`, others fail busy.
    LostLease,
}

struct Rule {
    op: Op,
    /// Fail the `nth` call of `op` (1-based), counting from when the rule was added.
    nth: usize,
    fault: Fault,
    seen: usize,
}

/// A [`Storage`] that injects [`Fault`]s into an inner one.
pub struct FailingStore<S> {
    inner: S,
    rules: Mutex<Vec<Rule>>,
    injected: AtomicUsize,
}

fn error(fault: Fault) -> anyhow::Error {
    let (code, text) = match fault {
        Fault::DiskFull => (rusqlite::ErrorCode::DiskFull, "database or disk is full"),
        _ => (rusqlite::ErrorCode::DatabaseBusy, "database is locked"),
    };
    let e = rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error {
            code,
            extended_code: 0,
        },
        Some(text.into()),
    );
    anyhow::Error::new(e).context("injected fault")
}

impl<S: Storage> FailingStore<S> {
    /// Wrap `inner`; no fault until [`FailingStore::fail_at`].
    pub fn new(inner: S) -> FailingStore<S> {
        FailingStore {
            inner,
            rules: Mutex::new(Vec::new()),
            injected: AtomicUsize::new(0),
        }
    }

    /// Make the `nth` next call of `op` (1 = the next one) answer `fault`.
    pub fn fail_at(&self, op: Op, nth: usize, fault: Fault) {
        let mut rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        rules.push(Rule {
            op,
            nth,
            fault,
            seen: 0,
        });
    }

    /// How many faults were injected so far.
    pub fn injected(&self) -> usize {
        self.injected.load(Ordering::SeqCst)
    }

    /// The fault for this call of `op`, if a rule fires now.
    fn check(&self, op: Op) -> Option<Fault> {
        let mut rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        let mut fired = None;
        rules.retain_mut(|r| {
            if r.op != op || fired.is_some() {
                return true;
            }
            r.seen += 1;
            if r.seen == r.nth {
                fired = Some(r.fault);
                return false;
            }
            true
        });
        if fired.is_some() {
            self.injected.fetch_add(1, Ordering::SeqCst);
        }
        fired
    }

    fn plain<T>(&self, op: Op, f: impl FnOnce() -> Result<T>) -> Result<T> {
        match self.check(op) {
            Some(fault) => Err(error(fault)),
            None => f(),
        }
    }

    /// For fenced writes: a lost lease answers `lost` without touching the database.
    fn fenced<T>(&self, op: Op, lost: T, f: impl FnOnce() -> Result<T>) -> Result<T> {
        match self.check(op) {
            Some(Fault::LostLease) => Ok(lost),
            Some(fault) => Err(error(fault)),
            None => f(),
        }
    }
}

impl<S: Storage> Storage for FailingStore<S> {
    fn enqueue_batch(
        &self,
        items: &[NewFile<'_>],
        source: &str,
        priority: i64,
    ) -> Result<Vec<Enqueued>> {
        self.plain(Op::Enqueue, || {
            self.inner.enqueue_batch(items, source, priority)
        })
    }
    fn claim(&self, id: Option<i64>, owner: &str, policy: &Policy) -> Result<Option<Job>> {
        self.plain(Op::Claim, || self.inner.claim(id, owner, policy))
    }
    fn heartbeat(&self, job: &Job, policy: &Policy) -> Result<bool> {
        self.fenced(Op::Heartbeat, false, || self.inner.heartbeat(job, policy))
    }
    fn set_status(&self, job: &Job, status: Status) -> Result<bool> {
        self.fenced(Op::SetStatus, false, || self.inner.set_status(job, status))
    }
    fn complete(
        &self,
        job: &Job,
        status: Status,
        o: &Outcome,
        move_to: Option<&std::path::Path>,
    ) -> Result<bool> {
        self.fenced(Op::Complete, false, || {
            self.inner.complete(job, status, o, move_to)
        })
    }
    fn fail(
        &self,
        job: &Job,
        reason: &str,
        partial: &Outcome,
        move_to: Option<&std::path::Path>,
    ) -> Result<bool> {
        self.fenced(Op::Fail, false, || {
            self.inner.fail(job, reason, partial, move_to)
        })
    }
    fn retry_or_dead(
        &self,
        job: &Job,
        reason: &str,
        policy: &Policy,
        move_if_dead: Option<&std::path::Path>,
    ) -> Result<Option<Status>> {
        self.fenced(Op::RetryOrDead, None, || {
            self.inner.retry_or_dead(job, reason, policy, move_if_dead)
        })
    }
    fn release(&self, job: &Job) -> Result<bool> {
        self.fenced(Op::Release, false, || self.inner.release(job))
    }
    fn requeue(&self, id: i64) -> Result<bool> {
        self.plain(Op::Requeue, || self.inner.requeue(id))
    }
    fn recover_in_flight(&self, policy: &Policy, instance: &str) -> Result<(usize, usize)> {
        self.plain(Op::Recover, || {
            self.inner.recover_in_flight(policy, instance)
        })
    }
    fn pending_moves(&self) -> Result<Vec<PendingMove>> {
        self.plain(Op::PendingMoves, || self.inner.pending_moves())
    }
    fn settle_move(
        &self,
        id: i64,
        moved_to: Option<&std::path::Path>,
        note: Option<&str>,
    ) -> Result<()> {
        self.plain(Op::SettleMove, || {
            self.inner.settle_move(id, moved_to, note)
        })
    }
    fn move_blocked(&self, id: i64, error: &str, retry_at_ms: i64) -> Result<()> {
        self.plain(Op::SettleMove, || {
            self.inner.move_blocked(id, error, retry_at_ms)
        })
    }
    fn document(&self, id: i64) -> Result<Option<Document>> {
        self.plain(Op::Read, || self.inner.document(id))
    }
    fn documents(
        &self,
        status: Option<Status>,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<Document>> {
        self.plain(Op::Read, || self.inner.documents(status, limit, offset))
    }
    fn counts_by_source(&self) -> Result<Vec<(String, String, i64)>> {
        self.plain(Op::Read, || self.inner.counts_by_source())
    }
    fn activity(&self, since: &str) -> Result<Activity> {
        self.plain(Op::Read, || self.inner.activity(since))
    }
    fn recent_extracted(&self, except: i64, limit: usize) -> Result<Vec<(i64, Value)>> {
        self.plain(Op::Read, || self.inner.recent_extracted(except, limit))
    }
    fn is_paused(&self) -> Result<bool> {
        self.plain(Op::Pause, || self.inner.is_paused())
    }
    fn set_paused(&self, paused: bool) -> Result<()> {
        self.plain(Op::Pause, || self.inner.set_paused(paused))
    }
}

/// The books are passed through: no fault is injected there.
impl<S: Storage> Books for FailingStore<S> {
    fn import_books(&self, b: &str, e: &[BookEntry], source: &str) -> Result<ImportCounts> {
        self.inner.import_books(b, e, source)
    }
    fn book_entries(&self, b: &str, list: Option<BookList>) -> Result<Vec<BookEntry>> {
        self.inner.book_entries(b, list)
    }
    fn clear_books(&self, b: &str, list: Option<BookList>) -> Result<usize> {
        self.inner.clear_books(b, list)
    }
    fn book_counts(&self) -> Result<Vec<(String, String, i64)>> {
        self.inner.book_counts()
    }
    fn import_history(&self, b: &str, lines: &[Posted], source: &str) -> Result<ImportCounts> {
        self.inner.import_history(b, lines, source)
    }
    fn history_counterparties(&self, b: &str) -> Result<Vec<(String, String)>> {
        self.inner.history_counterparties(b)
    }
    fn history_of(&self, b: &str, counterparty: &str) -> Result<Vec<Posted>> {
        self.inner.history_of(b, counterparty)
    }
    fn record_approved(&self, b: &str, document: i64, lines: &[Posted]) -> Result<()> {
        self.inner.record_approved(b, document, lines)
    }
    fn clear_history(&self, b: &str) -> Result<usize> {
        self.inner.clear_history(b)
    }
    fn import_rates(&self, rates: &[Rate], source: &str) -> Result<usize> {
        self.inner.import_rates(rates, source)
    }
    fn rates_between(&self, currencies: &[&str], from: &str, to: &str) -> Result<Vec<Rate>> {
        self.inner.rates_between(currencies, from, to)
    }
    fn remember(&self, b: &str, party: &str, name: &str, decision: &Value) -> Result<i64> {
        self.inner.remember(b, party, name, decision)
    }
    fn recall(&self, b: &str, party: &str) -> Result<Option<Memory>> {
        self.inner.recall(b, party)
    }
    fn approve(&self, id: i64, approval: &Value) -> Result<bool> {
        self.inner.approve(id, approval)
    }
    fn reject(&self, id: i64, record: &Value) -> Result<bool> {
        self.inner.reject(id, record)
    }
}

/// Files and batches are passed through: no fault is injected there.
impl<S: Storage> Batches for FailingStore<S> {
    fn add_file(&self, f: &ApiFile, content: &[u8]) -> Result<()> {
        self.inner.add_file(f, content)
    }
    fn api_file(&self, id: &str) -> Result<Option<ApiFile>> {
        self.inner.api_file(id)
    }
    fn api_file_content(&self, id: &str) -> Result<Option<Vec<u8>>> {
        self.inner.api_file_content(id)
    }
    fn api_files(&self) -> Result<Vec<ApiFile>> {
        self.inner.api_files()
    }
    fn delete_api_file(&self, id: &str) -> Result<bool> {
        self.inner.delete_api_file(id)
    }
    fn create_batch(&self, b: &Batch, lines: &[BatchLine]) -> Result<()> {
        self.inner.create_batch(b, lines)
    }
    fn batch(&self, id: &str) -> Result<Option<Batch>> {
        self.inner.batch(id)
    }
    fn batches(&self, limit: usize, after: Option<&str>) -> Result<Vec<Batch>> {
        self.inner.batches(limit, after)
    }
    fn next_batch_line(&self) -> Result<Option<BatchLine>> {
        self.inner.next_batch_line()
    }
    fn finish_batch_line(&self, b: &str, line: i64, ok: bool, output: &Value) -> Result<()> {
        self.inner.finish_batch_line(b, line, ok, output)
    }
    fn cancel_batch(&self, id: &str) -> Result<Option<Batch>> {
        self.inner.cancel_batch(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::SqliteStore;

    #[test]
    fn a_rule_fires_once_at_its_call() {
        let dir = tempfile::tempdir().unwrap();
        let s = FailingStore::new(SqliteStore::open(&dir.path().join("f.sqlite3")).unwrap());
        s.fail_at(Op::Pause, 2, Fault::DiskFull);
        assert!(!s.is_paused().unwrap());
        let e = s.is_paused().unwrap_err();
        assert!(format!("{e:#}").contains("disk is full"), "{e:#}");
        assert!(!s.is_paused().unwrap());
        assert_eq!(s.injected(), 1);
    }
}
