//! [`Store`], the shared handle to the configured [`Storage`] engine that everyone passes
//! around: SQLite by default, PostgreSQL when `database_url` is set.

use std::path::Path;
use std::sync::Arc;

use anyhow::Result;

use super::{postgres, sqlite, Enqueued, Storage};

/// A shared handle to a [`Storage`] (cheap to clone).
#[derive(Clone)]
pub struct Store(Arc<dyn Storage>);

impl Store {
    /// The store `cfg` chooses: the PostgreSQL database at `database_url` when one is set
    /// ([`postgres::PgStore::connect`]), else the SQLite file in the data folder.
    ///
    /// Errors: the database cannot be opened or reached, or its migration fails.
    pub fn open_configured(cfg: &crate::config::Config) -> Result<Store> {
        match &cfg.database_url {
            Some(url) => Ok(Store::new(
                postgres::PgStore::connect(url)?
                    .for_instance(&crate::instance::instance_id(&cfg.data_dir)),
            )),
            None => Store::open(&cfg.database_path()),
        }
    }

    /// Open (creating if needed) the SQLite database at `path`; see [`sqlite::SqliteStore::open`].
    pub fn open(path: &Path) -> Result<Store> {
        Ok(Store::new(sqlite::SqliteStore::open(path)?))
    }

    /// Wrap any implementation.
    pub fn new(s: impl Storage + 'static) -> Store {
        Store(Arc::new(s))
    }

    /// Hash the file at `path` and enqueue it (see [`Storage::enqueue_batch`]).
    ///
    /// Errors: the file cannot be read, or the database write fails.
    pub fn enqueue(&self, path: &Path, source: &str, priority: i64) -> Result<Enqueued> {
        let (sha, size) = crate::content::hash_file(path)?;
        let mut r = self.enqueue_batch(&[(path, &sha, size)], source, priority)?;
        Ok(r.remove(0))
    }
}

impl std::ops::Deref for Store {
    type Target = dyn Storage;
    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}
