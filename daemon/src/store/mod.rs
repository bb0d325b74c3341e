//! The SQLite store: one database file (bundled SQLite through rusqlite), WAL journal, schema
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

pub mod documents;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use anyhow::{Context, Result};
use rusqlite::Connection;

/// Migrations in order; version N is the N-th entry.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_documents",
        include_str!("../../../schema/migrations/0001_documents.sql"),
    ),
    (
        "0002_reliability",
        include_str!("../../../schema/migrations/0002_reliability.sql"),
    ),
];

/// A shared handle to the database (one connection, serialised by a mutex).
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

impl Store {
    /// Open (creating if needed) the database at `path` and bring its schema up to date.
    ///
    /// Errors: the folder cannot be created, the file is not a SQLite database, or a migration fails
    /// (then nothing of that migration is applied).
    pub fn open(path: &Path) -> Result<Store> {
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
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Lock the connection for a sequence of statements.
    pub fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let current: usize =
        conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))? as usize;
    for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)
            .with_context(|| format!("migration {name}"))?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

/// Current time as RFC 3339 UTC with milliseconds, the format of every timestamp column.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_twice_keeps_the_schema_version() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("db.sqlite3");
        drop(Store::open(&p).unwrap());
        let s = Store::open(&p).unwrap();
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
