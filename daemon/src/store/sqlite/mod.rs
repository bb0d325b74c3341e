//! The SQLite implementation of [`Storage`]: one database file (bundled SQLite through rusqlite), WAL journal, schema
//! migrations from `schema/migrations/*.sql` tracked in `PRAGMA user_version`.
//!
//! Durability settings (<https://www.sqlite.org/pragma.html>, <https://www.sqlite.org/wal.html>):
//! - `journal_mode=WAL`: readers (the API, `zopilot status`) never block the worker and vice versa.
//! - `synchronous=FULL`: a commit that returned is on disk even after a power cut, not only after
//!   a process crash (`NORMAL` would survive `kill -9` but could roll back the last commits on
//!   power loss — a completed result would then be redone). With WAL it costs one fsync of the
//!   WAL per commit: ~3,500 single-file enqueues/s here, and the watcher commits bursts in one
//!   transaction (~28,000/s), negligible next to a document's seconds of model time.
//! - `wal_autocheckpoint=1000` (pages, SQLite's default, set explicitly): checkpoints run in the
//!   committing connection every ~4 MB of WAL, passive, so they never wait for readers; and
//!   `journal_size_limit=64 MiB` truncates the WAL back after a checkpoint, so a burst of
//!   thousands of documents does not leave a large WAL file behind.

mod batches;
mod books;
mod documents;
mod history;
mod queue;
mod rows;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use anyhow::{Context, Result};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

use super::{
    Activity, Document, Enqueued, Job, NewFile, Outcome, PendingMove, Policy, Status, Storage,
};

/// Migrations in order; version N is the N-th entry.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_documents",
        include_str!("../../../../schema/migrations/0001_documents.sql"),
    ),
    (
        "0002_reliability",
        include_str!("../../../../schema/migrations/0002_reliability.sql"),
    ),
    (
        "0003_pending_moves",
        include_str!("../../../../schema/migrations/0003_pending_moves.sql"),
    ),
    (
        "0004_interruptions",
        include_str!("../../../../schema/migrations/0004_interruptions.sql"),
    ),
    (
        "0005_books",
        include_str!("../../../../schema/migrations/0005_books.sql"),
    ),
    (
        "0006_batches",
        include_str!("../../../../schema/migrations/0006_batches.sql"),
    ),
    (
        "0007_review",
        include_str!("../../../../schema/migrations/0007_review.sql"),
    ),
    (
        "0008_raw_paths",
        include_str!("../../../../schema/migrations/0008_raw_paths.sql"),
    ),
    (
        "0009_move_retries",
        include_str!("../../../../schema/migrations/0009_move_retries.sql"),
    ),
    (
        "0010_history",
        include_str!("../../../../schema/migrations/0010_history.sql"),
    ),
];

/// The database: one connection, serialised by a mutex.
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

impl SqliteStore {
    /// Open (creating if needed) the database at `path` and bring its schema up to date.
    ///
    /// Errors: the folder cannot be created, the file is not a SQLite database, or a migration fails
    /// (then nothing of that migration is applied).
    pub fn open(path: &Path) -> Result<SqliteStore> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let mut conn =
            Connection::open(path).with_context(|| format!("opening {}", path.display()))?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "wal_autocheckpoint", 1000)?;
        conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&mut conn).with_context(|| format!("migrating {}", path.display()))?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
        })
    }

    /// Lock the connection for a sequence of statements.
    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The events of document `id`, in order (tests).
    #[cfg(test)]
    pub(crate) fn test_events(&self, id: i64) -> Vec<String> {
        let c = self.lock();
        let mut st = c
            .prepare("SELECT event FROM events WHERE document_id = ?1 ORDER BY id")
            .unwrap();
        st.query_map([id], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    /// Run one statement with two integer parameters (tests).
    #[cfg(test)]
    pub(crate) fn test_exec(&self, sql: &str, a: i64, b: i64) {
        self.lock().execute(sql, params![a, b]).unwrap();
    }
}

impl Storage for SqliteStore {
    fn enqueue_batch(
        &self,
        items: &[NewFile<'_>],
        source: &str,
        priority: i64,
    ) -> Result<Vec<Enqueued>> {
        let mut c = self.lock();
        // IMMEDIATE: the enqueue reads before it writes, and a deferred transaction that must
        // upgrade while another connection writes fails at once with "database is locked"
        // instead of waiting out the busy timeout.
        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut out = Vec::with_capacity(items.len());
        for &(path, sha, size) in items {
            out.push(queue::enqueue_in(&tx, path, sha, size, source, priority)?);
        }
        tx.commit()?;
        Ok(out)
    }

    fn claim(&self, id: Option<i64>, owner: &str, policy: &Policy) -> Result<Option<Job>> {
        queue::claim(&mut self.lock(), id, owner, policy)
    }

    fn heartbeat(&self, job: &Job, policy: &Policy) -> Result<bool> {
        queue::heartbeat(&self.lock(), job, policy)
    }

    fn set_status(&self, job: &Job, status: Status) -> Result<bool> {
        queue::set_status(&self.lock(), job, status)
    }

    fn complete(
        &self,
        job: &Job,
        status: Status,
        o: &Outcome,
        move_to: Option<&Path>,
    ) -> Result<bool> {
        documents::complete(&mut self.lock(), job, status, o, move_to)
    }

    fn fail(
        &self,
        job: &Job,
        reason: &str,
        partial: &Outcome,
        move_to: Option<&Path>,
    ) -> Result<bool> {
        documents::fail(&mut self.lock(), job, reason, partial, move_to)
    }

    fn retry_or_dead(
        &self,
        job: &Job,
        reason: &str,
        policy: &Policy,
        move_if_dead: Option<&Path>,
    ) -> Result<Option<Status>> {
        queue::retry_or_dead(&mut self.lock(), job, reason, policy, move_if_dead)
    }

    fn release(&self, job: &Job) -> Result<bool> {
        queue::release(&mut self.lock(), job)
    }

    fn requeue(&self, id: i64) -> Result<bool> {
        queue::requeue(&mut self.lock(), id)
    }

    fn recover_in_flight(&self, policy: &Policy, _instance: &str) -> Result<(usize, usize)> {
        queue::recover_in_flight(&mut self.lock(), policy)
    }

    fn pending_moves(&self) -> Result<Vec<PendingMove>> {
        documents::pending_moves(&self.lock())
    }

    fn settle_move(&self, id: i64, moved_to: Option<&Path>, note: Option<&str>) -> Result<()> {
        documents::settle_move(&mut self.lock(), id, moved_to, note)
    }

    fn move_blocked(&self, id: i64, error: &str, retry_at_ms: i64) -> Result<()> {
        documents::move_blocked(&mut self.lock(), id, error, retry_at_ms)
    }

    fn document(&self, id: i64) -> Result<Option<Document>> {
        documents::document(&self.lock(), id)
    }

    fn documents(
        &self,
        status: Option<Status>,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<Document>> {
        documents::documents(&self.lock(), status, limit, offset)
    }

    fn counts_by_source(&self) -> Result<Vec<(String, String, i64)>> {
        documents::counts_by_source(&self.lock())
    }

    fn activity(&self, since: &str) -> Result<Activity> {
        documents::activity(&self.lock(), since)
    }

    fn recent_extracted(&self, except: i64, limit: usize) -> Result<Vec<(i64, Value)>> {
        documents::recent_extracted(&self.lock(), except, limit)
    }

    fn is_paused(&self) -> Result<bool> {
        let v: Option<String> = self
            .lock()
            .query_row("SELECT value FROM control WHERE key = 'paused'", [], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(v.as_deref() == Some("1"))
    }

    fn set_paused(&self, paused: bool) -> Result<()> {
        self.lock().execute(
            "INSERT INTO control (key, value) VALUES ('paused', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![if paused { "1" } else { "0" }],
        )?;
        Ok(())
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let current: usize =
        conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))? as usize;
    for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)
            .with_context(|| format!("migration {name}"))?;
        if sql.contains("writable_schema") {
            // The table definitions were edited in place: every connection must reload them.
            let v: i64 = tx.pragma_query_value(None, "schema_version", |r| r.get(0))?;
            tx.pragma_update(None, "schema_version", v + 1)?;
        }
        if *name == "0007_review" {
            let sql: String = tx.query_row(
                "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'documents'",
                [],
                |r| r.get(0),
            )?;
            anyhow::ensure!(
                sql.contains("'approved', 'rejected'"),
                "migration {name}: the documents table's status check was not widened"
            );
        }
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_twice_keeps_the_schema_version() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("db.sqlite3");
        drop(SqliteStore::open(&p).unwrap());
        let s = SqliteStore::open(&p).unwrap();
        let v: i64 = s
            .lock()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v as usize, MIGRATIONS.len());
        let mode: String = s
            .lock()
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }
}
