//! The one distinction every layer makes about an error: [`Transient`] (worth retrying — the
//! model or OCR could not be loaded, the runtime failed, a stage panicked) versus everything
//! else, a problem with the document itself that retrying cannot fix. And for failures outside
//! any document: a full disk ([`is_disk_full`]) and the [`Backoff`] of whatever retries them.

/// A failure worth retrying.
#[derive(Debug)]
pub struct Transient(pub String);

impl std::fmt::Display for Transient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Transient {}

/// True when `e` (or anything in its chain) is [`Transient`].
pub fn is_transient(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<Transient>().is_some())
}

/// `anyhow` error carrying a [`Transient`] with `message`.
pub fn transient(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Transient(message.into()))
}

/// Exponential back-off for retrying what failed for reasons outside the document (a full disk,
/// a blocked move): [`Backoff::next`] gives `first`, then twice the last, up to `max`;
/// [`Backoff::reset`] after a success.
#[derive(Debug, Clone)]
pub struct Backoff {
    first: std::time::Duration,
    max: std::time::Duration,
    last: Option<std::time::Duration>,
}

impl Backoff {
    /// A back-off from `first` doubling to `max`.
    pub fn new(first: std::time::Duration, max: std::time::Duration) -> Backoff {
        Backoff {
            first,
            max,
            last: None,
        }
    }

    /// The next delay.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> std::time::Duration {
        let d = match self.last {
            None => self.first,
            Some(l) => (l * 2).min(self.max),
        };
        self.last = Some(d);
        d
    }

    /// Start again from `first` (after a success).
    pub fn reset(&mut self) {
        self.last = None;
    }

    /// Whether a delay was given since the last reset.
    pub fn is_backing_off(&self) -> bool {
        self.last.is_some()
    }
}

/// True when `e` (or anything in its chain) says the disk is full: `ENOSPC`/`EDQUOT` from the
/// OS, or SQLite's `SQLITE_FULL` ("database or disk is full").
pub fn is_disk_full(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            return io.kind() == std::io::ErrorKind::StorageFull
                || io.kind() == std::io::ErrorKind::QuotaExceeded;
        }
        matches!(
            c.downcast_ref::<rusqlite::Error>(),
            Some(rusqlite::Error::SqliteFailure(f, _)) if f.code == rusqlite::ErrorCode::DiskFull
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn back_off_doubles_to_its_cap_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(500), Duration::from_secs(60));
        let steps: Vec<u64> = (0..10).map(|_| b.next().as_millis() as u64).collect();
        assert_eq!(
            steps,
            [500, 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]
        );
        b.reset();
        assert!(!b.is_backing_off());
        assert_eq!(b.next(), Duration::from_millis(500));
    }

    #[test]
    fn a_full_disk_is_recognised_from_the_os_and_from_sqlite() {
        let os = anyhow::Error::new(std::io::Error::from_raw_os_error(28)).context("writing");
        assert!(is_disk_full(&os));
        let sqlite = anyhow::Error::new(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(13),
            Some("database or disk is full".into()),
        ));
        assert!(is_disk_full(&sqlite));
        assert!(!is_disk_full(&anyhow::anyhow!("no such file")));
    }
}
