//! The store: the only module that holds SQL. Everything the queue, the pipeline, the API and the
//! command line read or write goes through the [`Storage`] trait:
//!
//! - **queue semantics** — idempotent enqueue keyed by content SHA-256 + path with the
//!   exact-duplicate rule, leased claims with heartbeats, fencing by (owner, attempts), retries
//!   with backoff and a dead-letter status, release, start-up recovery;
//! - **results** — a terminal status and all its JSON in one statement, together with the move of
//!   the original it decides (done after the commit and confirmed by [`Storage::settle_move`], so a
//!   stop in between is finished by recovery);
//! - **reads** — documents, counts, activity, recent extractions for the duplicate rules;
//! - **control** — the persisted pause switch;
//! - **books** — the business's imported lists, exchange rates, approvals and vendor memory
//!   ([`books::Books`], a supertrait of [`Storage`]).
//!
//! Implementations: [`sqlite::SqliteStore`] (the default, one daemon's own file),
//! [`postgres::PgStore`] (one database shared by a firm's daemons) and [`failing::FailingStore`], which
//! wraps another store and injects faults (disk full, busy, lost lease) at chosen calls, so tests
//! can show that a failure at any step leaves no half-written row and no moved original.
//! [`Store`] is the shared handle everyone passes around.

pub mod batches;
pub mod books;
#[cfg(test)]
pub mod contract;
pub mod control;
pub mod document;
pub mod failing;
mod handle;
pub mod postgres;
pub mod sqlite;
mod storage;

pub use document::{
    now, now_ms, Activity, Document, Enqueued, Job, Outcome, PendingMove, Policy, RawPaths, Status,
    MAX_INTERRUPTIONS,
};
pub use handle::Store;
pub use storage::{NewFile, Storage};
