//! The store contract: one test suite that every [`Storage`] engine passes, run on SQLite (a
//! file in a temporary folder) and on PostgreSQL (a fresh database on a throwaway server that the
//! suite starts itself, see `tests/support/postgres.rs`). The test bodies are generic over
//! [`Engine`]; [`contract_tests!`] instantiates each for both engines (`sqlite::…`,
//! `postgres::…`).

pub mod batches;
pub mod books;
pub mod queue;
pub mod shared;

use std::path::Path;

use super::postgres::PgStore;
use super::sqlite::SqliteStore;
use super::Storage;

#[path = "../../../../tests/support/postgres.rs"]
pub mod server;

/// What the contract tests need beyond [`Storage`]: a new empty database, a second handle on the
/// same database (another daemon), and two looks under the trait (the event log, a raw update).
pub trait Engine: Storage + Sized + 'static {
    /// A new, empty database; `dir` is the test's temporary folder.
    fn fresh(dir: &Path) -> Self;
    /// Another connection to the same database, as a second daemon would open it.
    fn reopen(&self, dir: &Path) -> Self;
    /// The events of document `id`, in order.
    fn events(&self, id: i64) -> Vec<String>;
    /// Run one statement with two integer parameters written `$1`, `$2`.
    fn exec(&self, sql: &str, a: i64, b: i64);
}

impl Engine for SqliteStore {
    fn fresh(dir: &Path) -> Self {
        SqliteStore::open(&dir.join("q.sqlite3")).unwrap()
    }
    fn reopen(&self, dir: &Path) -> Self {
        SqliteStore::open(&dir.join("q.sqlite3")).unwrap()
    }
    fn events(&self, id: i64) -> Vec<String> {
        self.test_events(id)
    }
    fn exec(&self, sql: &str, a: i64, b: i64) {
        self.test_exec(&sql.replace('$', "?"), a, b)
    }
}

impl Engine for PgStore {
    fn fresh(_dir: &Path) -> Self {
        PgStore::connect(&server::fresh_database()).unwrap()
    }
    fn reopen(&self, _dir: &Path) -> Self {
        PgStore::connect(self.url()).unwrap()
    }
    fn events(&self, id: i64) -> Vec<String> {
        self.run(|c| {
            Ok(c.query(
                "SELECT event FROM events WHERE document_id = $1 ORDER BY id",
                &[&id],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
        })
        .unwrap()
    }
    fn exec(&self, sql: &str, a: i64, b: i64) {
        self.run(|c| {
            let st = c.prepare_typed(
                sql,
                &[postgres::types::Type::INT8, postgres::types::Type::INT8],
            )?;
            Ok(c.execute(&st, &[&a, &b])?)
        })
        .unwrap();
    }
}

/// A test's folder and a fresh database of engine `S`.
pub struct Fixture<S> {
    pub dir: tempfile::TempDir,
    pub store: S,
}

impl<S: Engine> Fixture<S> {
    pub fn new() -> Fixture<S> {
        let dir = tempfile::tempdir().unwrap();
        let store = S::fresh(dir.path());
        Fixture { dir, store }
    }
    /// Another handle on the same database.
    pub fn second(&self) -> S {
        self.store.reopen(self.dir.path())
    }
    /// A file `name` with `content` in the test folder.
    pub fn file(&self, name: &str, content: &str) -> std::path::PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        p
    }
}

/// `#[test]` wrappers running each named generic test body (`fn name<S: Engine>()`) of the
/// invoking module on SQLite (`sqlite::name`) and on PostgreSQL (`postgres::name`).
macro_rules! contract_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name::<crate::store::sqlite::SqliteStore>() } )*
        }
        mod postgres {
            $( #[test] fn $name() { super::$name::<crate::store::postgres::PgStore>() } )*
        }
    };
}
pub(crate) use contract_tests;
