//! The PostgreSQL implementation of [`Storage`], for a firm whose desktops share one queue, one
//! set of books and one vendor memory: `database_url = "postgres://…"` (or
//! `ZOPILOT_DATABASE_URL`) chooses it; without it the daemon keeps its own SQLite file.
//!
//! The same contract as [`super::sqlite::SqliteStore`], with what several daemons on several
//! machines need (<https://www.postgresql.org/docs/15/sql-select.html#SQL-FOR-UPDATE-SHARE>):
//! - **claims** pick the best queued row with `FOR UPDATE SKIP LOCKED`, so daemons claiming at
//!   the same moment never wait on or take the same document; fencing by (owner, attempts) as in
//!   SQLite;
//! - **the exact-duplicate rule is firm-wide**: an enqueue takes a transaction-level advisory lock
//!   on each file's content hash (`pg_advisory_xact_lock`), so the same content dropped on two
//!   desktops at once is one document and one `duplicate`, never two;
//! - **recovery touches only the recovering daemon's own claims** (their owner starts with its
//!   instance prefix); another daemon's expired lease is taken over by a claim instead;
//! - **migrations** from `schema/migrations/postgres/` are applied once under an advisory lock
//!   and tracked in `schema_migrations`.
//!
//! One connection per process ([`postgres::Client`], serialised by a mutex like the SQLite
//! connection), reopened when the server dropped it. The `postgres` crate blocks on its own
//! runtime, which may not run inside tokio's: calls made from a tokio context run on a scoped
//! thread ([`PgStore::run`]). The connection is unencrypted (`NoTls`): for a database on the
//! same machine or a trusted LAN; the URL's password is never logged ([`redact`]).

mod batches;
mod books;
mod documents;
mod history;
mod queue;
mod rows;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use anyhow::{Context, Result};
use postgres::{Client, NoTls};
use serde_json::Value;

use super::{
    Activity, Document, Enqueued, Job, NewFile, Outcome, PendingMove, Policy, Status, Storage,
};

/// Migrations in order; version N is the N-th entry.
const MIGRATIONS: &[(&str, &str)] = &[(
    "0001_schema",
    include_str!("../../../../schema/migrations/postgres/0001_schema.sql"),
)];

/// Advisory lock key held while migrating (any constant shared by every daemon).
const MIGRATION_LOCK: i64 = 0x7a6f_7069_6c6f_74; // "zopilot"

/// A PostgreSQL database shared by several daemons.
pub struct PgStore {
    url: String,
    client: Mutex<Option<Client>>,
    /// The `control` key of the pause switch: `paused`, or `paused:<instance>` for a daemon
    /// ([`PgStore::for_instance`]) — pausing one desktop does not pause the firm.
    pause_key: String,
}

/// `url` with its password replaced by `***`, for logs and errors.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &userinfo[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl PgStore {
    /// Connect to the database at `url` (`postgres://user:password@host:port/dbname`, or the
    /// key=value form) and bring its schema up to date.
    ///
    /// Errors: the server cannot be reached or refuses the login, or a migration fails (then
    /// nothing of that migration is applied).
    pub fn connect(url: &str) -> Result<PgStore> {
        let s = PgStore {
            url: url.to_string(),
            client: Mutex::new(None),
            pause_key: "paused".into(),
        };
        s.run(migrate)
            .with_context(|| format!("migrating {}", redact(url)))?;
        Ok(s)
    }

    /// This store as daemon `instance` sees it: its own pause switch (`zopilot pause`, the tray's
    /// Pause pause this desktop, not every desktop of the firm).
    pub fn for_instance(mut self, instance: &str) -> PgStore {
        self.pause_key = format!("paused:{instance}");
        self
    }

    /// The URL this store connects to (tests open a second handle with it).
    #[cfg(test)]
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    fn lock(&self) -> MutexGuard<'_, Option<Client>> {
        self.client.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Run `f` on the connection (reconnecting first when the server dropped it), on a scoped
    /// thread when called from a tokio runtime (the `postgres` crate cannot block inside one).
    pub(super) fn run<T: Send>(
        &self,
        f: impl FnOnce(&mut Client) -> Result<T> + Send,
    ) -> Result<T> {
        let mut guard = self.lock();
        let slot: &mut Option<Client> = &mut guard;
        let url = &self.url;
        let work = move || -> Result<T> {
            if slot.as_ref().is_none_or(|c| c.is_closed()) {
                *slot = None;
                let c = Client::connect(url, NoTls)
                    .with_context(|| format!("connecting to {}", redact(url)))?;
                *slot = Some(c);
            }
            f(slot.as_mut().expect("connected"))
        };
        if tokio::runtime::Handle::try_current().is_ok() {
            std::thread::scope(|s| {
                s.spawn(work)
                    .join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a database call panicked")))
            })
        } else {
            work()
        }
    }
}

/// `url` with its database name replaced by `name` (`postgres://u:p@h:5432/old?x=1` →
/// `…/name?x=1`).
pub fn with_database(url: &str, name: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let (head, query) = match url[start..].find('?') {
        Some(q) => url.split_at(start + q),
        None => (url, ""),
    };
    let host_end = head[start..].find('/').map_or(head.len(), |i| start + i);
    format!("{}/{name}{query}", &head[..host_end])
}

/// Create the empty database `name` on the server of `url` (for benchmarks: each run gets a
/// clean queue) and return its URL. `name` must be a plain identifier.
///
/// Errors: the server refuses (no CREATEDB right) or `name` is not `[a-z0-9_]+`.
pub fn create_database(url: &str, name: &str) -> Result<String> {
    anyhow::ensure!(
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
        "not a plain database name: {name}"
    );
    let admin = PgStore {
        url: url.to_string(),
        client: Mutex::new(None),
        pause_key: String::new(),
    };
    admin.run(|c| Ok(c.batch_execute(&format!("CREATE DATABASE {name}"))?))?;
    Ok(with_database(url, name))
}

/// Drop the database `name` on the server of `url`, closing its remaining connections
/// (PostgreSQL ≥ 13 `WITH (FORCE)`).
///
/// Errors: the server refuses, or `name` is not `[a-z0-9_]+`.
pub fn drop_database(url: &str, name: &str) -> Result<()> {
    anyhow::ensure!(
        name.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
        "not a plain database name: {name}"
    );
    let admin = PgStore {
        url: url.to_string(),
        client: Mutex::new(None),
        pause_key: String::new(),
    };
    admin.run(|c| Ok(c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?))
}

fn migrate(c: &mut Client) -> Result<()> {
    let mut tx = c.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    // No "already exists, skipping" notices in the log at every start.
    tx.batch_execute("SET LOCAL client_min_messages = warning")?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )?;
    let current: i64 = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            &[],
        )?
        .get(0);
    for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        tx.batch_execute(sql)
            .with_context(|| format!("migration {name}"))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            &[&(i as i64 + 1), name, &super::now()],
        )?;
    }
    tx.commit()?;
    Ok(())
}

impl Storage for PgStore {
    fn enqueue_batch(
        &self,
        items: &[NewFile<'_>],
        source: &str,
        priority: i64,
    ) -> Result<Vec<Enqueued>> {
        self.run(|c| queue::enqueue_batch(c, items, source, priority))
    }

    fn claim(&self, id: Option<i64>, owner: &str, policy: &Policy) -> Result<Option<Job>> {
        self.run(|c| queue::claim(c, id, owner, policy))
    }

    fn heartbeat(&self, job: &Job, policy: &Policy) -> Result<bool> {
        self.run(|c| queue::heartbeat(c, job, policy))
    }

    fn set_status(&self, job: &Job, status: Status) -> Result<bool> {
        self.run(|c| queue::set_status(c, job, status))
    }

    fn complete(
        &self,
        job: &Job,
        status: Status,
        o: &Outcome,
        move_to: Option<&Path>,
    ) -> Result<bool> {
        self.run(|c| documents::complete(c, job, status, o, move_to))
    }

    fn fail(
        &self,
        job: &Job,
        reason: &str,
        partial: &Outcome,
        move_to: Option<&Path>,
    ) -> Result<bool> {
        self.run(|c| documents::fail(c, job, reason, partial, move_to))
    }

    fn retry_or_dead(
        &self,
        job: &Job,
        reason: &str,
        policy: &Policy,
        move_if_dead: Option<&Path>,
    ) -> Result<Option<Status>> {
        self.run(|c| queue::retry_or_dead(c, job, reason, policy, move_if_dead))
    }

    fn release(&self, job: &Job) -> Result<bool> {
        self.run(|c| queue::release(c, job))
    }

    fn requeue(&self, id: i64) -> Result<bool> {
        self.run(|c| queue::requeue(c, id))
    }

    fn recover_in_flight(&self, policy: &Policy, instance: &str) -> Result<(usize, usize)> {
        self.run(|c| queue::recover_in_flight(c, policy, instance))
    }

    fn pending_moves(&self) -> Result<Vec<PendingMove>> {
        self.run(documents::pending_moves)
    }

    fn settle_move(&self, id: i64, moved_to: Option<&Path>, note: Option<&str>) -> Result<()> {
        self.run(|c| documents::settle_move(c, id, moved_to, note))
    }

    fn move_blocked(&self, id: i64, error: &str, retry_at_ms: i64) -> Result<()> {
        self.run(|c| documents::move_blocked(c, id, error, retry_at_ms))
    }

    fn document(&self, id: i64) -> Result<Option<Document>> {
        self.run(|c| documents::document(c, id))
    }

    fn documents(
        &self,
        status: Option<Status>,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<Document>> {
        self.run(|c| documents::documents(c, status, limit, offset))
    }

    fn counts_by_source(&self) -> Result<Vec<(String, String, i64)>> {
        self.run(documents::counts_by_source)
    }

    fn activity(&self, since: &str) -> Result<Activity> {
        self.run(|c| documents::activity(c, since))
    }

    fn recent_extracted(&self, except: i64, limit: usize) -> Result<Vec<(i64, Value)>> {
        self.run(|c| documents::recent_extracted(c, except, limit))
    }

    fn is_paused(&self) -> Result<bool> {
        self.run(|c| {
            let v: Option<String> = c
                .query_opt(
                    "SELECT value FROM control WHERE key = $1",
                    &[&self.pause_key],
                )?
                .map(|r| r.get(0));
            Ok(v.as_deref() == Some("1"))
        })
    }

    fn set_paused(&self, paused: bool) -> Result<()> {
        self.run(|c| {
            c.execute(
                "INSERT INTO control (key, value) VALUES ($2, $1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&if paused { "1" } else { "0" }, &self.pause_key],
            )?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_password_and_change_their_database() {
        assert_eq!(
            redact("postgres://zop:s3cret@db.lan:5432/firm"),
            "postgres://zop:***@db.lan:5432/firm"
        );
        assert_eq!(
            redact("postgres://zop@db.lan/firm"),
            "postgres://zop@db.lan/firm"
        );
        assert_eq!(redact("host=db user=zop"), "host=db user=zop");
        assert_eq!(
            with_database("postgres://u:p@h:1/old?sslmode=disable", "new"),
            "postgres://u:p@h:1/new?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "new"), "postgres://u@h/new");
    }
}
