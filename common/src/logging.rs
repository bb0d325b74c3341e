//! Logs: `tracing` to stderr, and for `serve` also to daily files in `<data_dir>/logs`
//! (`zopilot.YYYY-MM-DD.log`, the newest `log_retention` kept; `tracing-appender`).
//!
//! The filter is `ZOPILOT_LOG` when set, else the config's `log_filter` (`RUST_LOG` syntax,
//! <https://docs.rs/tracing-subscriber/latest/tracing_subscriber/filter/struct.EnvFilter.html>).
//! What is logged at info and above never holds a secret or a document's text: ids, file paths,
//! statuses, timings and error reasons only.

use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter};

use crate::config::{Config, DEFAULT_LOG_FILTER};

/// File name prefix and suffix of the rolling log files.
pub const LOG_PREFIX: &str = "zopilot";
pub const LOG_SUFFIX: &str = "log";

/// Keeps the background log writer alive; dropping it flushes the file.
pub struct LogGuard(#[allow(dead_code)] Option<WorkerGuard>);

fn filter(cfg: Option<&Config>) -> EnvFilter {
    EnvFilter::try_from_env("ZOPILOT_LOG")
        .ok()
        .or_else(|| cfg.and_then(|c| EnvFilter::try_new(&c.log_filter).ok()))
        .unwrap_or_else(|| EnvFilter::new(DEFAULT_LOG_FILTER))
}

/// Install the global subscriber: stderr always, plus the rolling files in `logs_dir` when
/// given. A logs folder that cannot be created is reported on stderr; logging goes on there.
pub fn init(cfg: Option<&Config>, to_files: Option<&Path>) -> LogGuard {
    let stderr = fmt::layer().with_writer(std::io::stderr);
    let (file_layer, guard, file_error) = match to_files.map(|dir| appender(dir, cfg)) {
        Some(Ok(appender)) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let layer = fmt::layer().with_ansi(false).with_writer(writer);
            (Some(layer), Some(guard), None)
        }
        Some(Err(e)) => (None, None, Some(e)),
        None => (None, None, None),
    };
    let _ = tracing_subscriber::registry()
        .with(filter(cfg))
        .with(stderr)
        .with(file_layer)
        .try_init();
    if let Some(e) = file_error {
        tracing::warn!(error = %e, "logging to stderr only");
    }
    LogGuard(guard)
}

fn appender(dir: &Path, cfg: Option<&Config>) -> Result<RollingFileAppender, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(LOG_PREFIX)
        .filename_suffix(LOG_SUFFIX)
        .max_log_files(cfg.map(|c| c.log_retention).unwrap_or(14))
        .build(dir)
        .map_err(|e| format!("cannot log to {}: {e}", dir.display()))
}

/// The log files in `dir`, oldest first (names sort by date).
pub fn log_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(LOG_PREFIX) && n.ends_with(LOG_SUFFIX))
        })
        .collect();
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn old_daily_files_beyond_the_retention_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        for day in 1..=20 {
            std::fs::write(
                dir.path().join(format!("zopilot.2020-01-{day:02}.log")),
                "old\n",
            )
            .unwrap();
        }
        std::fs::write(dir.path().join("notes.txt"), "not a log").unwrap();
        let cfg = Config::load(
            Some(&dir.path().join("none.toml")),
            crate::config::Settings {
                log_retention: Some(3),
                ..Default::default()
            },
        )
        .unwrap();
        let mut appender = appender(dir.path(), Some(&cfg)).unwrap();
        appender.write_all(b"today\n").unwrap();
        appender.flush().unwrap();
        let files = log_files(dir.path());
        assert_eq!(files.len(), 3, "{files:?}");
        // Today's file is kept, with the newest old ones.
        let today = chrono::Utc::now()
            .format("zopilot.%Y-%m-%d.log")
            .to_string();
        assert!(files.iter().any(|f| f.ends_with(&today)), "{files:?}");
        assert!(dir.path().join("notes.txt").exists());
    }
}
