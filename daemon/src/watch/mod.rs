//! Watching the drop folder: file events (notify) are only a hint; a file is enqueued once its
//! size and mtime have not changed for the stability window and it opens for reading. A rescan
//! at startup and every [`RESCAN_EVERY`] is the safety net for missed events.

pub mod filter;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result};
use notify::{RecursiveMode, Watcher as _};

use crate::queue::{self, Enqueued};
use crate::store::Store;

/// How often the whole folder is rescanned besides file events.
pub const RESCAN_EVERY: Duration = Duration::from_secs(60);
const TICK: Duration = Duration::from_millis(100);

/// A running watcher; dropping it stops the thread.
pub struct FolderWatcher {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for FolderWatcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Seen {
    size: u64,
    mtime: Option<SystemTime>,
    since: Instant,
}

/// Watch `folder` recursively; call `on_enqueued` after each new document.
///
/// Errors: the folder cannot be created or watched.
pub fn spawn(
    folder: &Path,
    source: &str,
    stability: Duration,
    store: Store,
    on_enqueued: impl Fn(i64) + Send + 'static,
) -> Result<FolderWatcher> {
    std::fs::create_dir_all(folder)
        .with_context(|| format!("creating the drop folder {}", folder.display()))?;
    let folder = folder.canonicalize()?;
    let (tx, rx) = channel::<PathBuf>();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(ev) = res {
            for p in ev.paths {
                let _ = tx.send(p);
            }
        }
    })
    .context("starting the file watcher")?;
    watcher
        .watch(&folder, RecursiveMode::Recursive)
        .with_context(|| format!("watching {}", folder.display()))?;
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let source = source.to_string();
    let thread = std::thread::Builder::new()
        .name("watch".into())
        .spawn(move || {
            let _watcher = watcher; // keep the OS watch alive as long as the loop runs
            run_loop(
                &folder,
                &source,
                stability,
                &store,
                &rx,
                &stop2,
                &on_enqueued,
            );
        })?;
    Ok(FolderWatcher {
        stop,
        thread: Some(thread),
    })
}

fn run_loop(
    folder: &Path,
    source: &str,
    stability: Duration,
    store: &Store,
    rx: &Receiver<PathBuf>,
    stop: &AtomicBool,
    on_enqueued: &dyn Fn(i64),
) {
    let mut pending: HashMap<PathBuf, Seen> = HashMap::new();
    let mut last_scan: Option<Instant> = None;
    while !stop.load(Ordering::SeqCst) {
        if last_scan.is_none_or(|t| t.elapsed() >= RESCAN_EVERY) {
            scan(folder, &mut |p| note(&mut pending, p));
            last_scan = Some(Instant::now());
        }
        match rx.recv_timeout(TICK) {
            Ok(p) => {
                note(&mut pending, p);
                while let Ok(p) = rx.try_recv() {
                    note(&mut pending, p);
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        let mut ready = Vec::new();
        pending.retain(|path, seen| match stat(path) {
            None => false,
            Some((size, mtime)) => {
                if size != seen.size || mtime != seen.mtime {
                    *seen = Seen {
                        size,
                        mtime,
                        since: Instant::now(),
                    };
                    true
                } else if seen.since.elapsed() >= stability && std::fs::File::open(path).is_ok() {
                    ready.push(path.clone());
                    false
                } else {
                    true
                }
            }
        });
        for path in ready {
            match queue::enqueue(store, &path, source, 0) {
                Ok(Enqueued::New(id)) => {
                    tracing::info!(id, file = %path.display(), "enqueued");
                    on_enqueued(id);
                }
                Ok(Enqueued::Known(_)) => {}
                Err(e) => {
                    tracing::warn!(file = %path.display(), error = %format!("{e:#}"), "cannot enqueue")
                }
            }
        }
    }
}

fn stat(path: &Path) -> Option<(u64, Option<SystemTime>)> {
    let m = std::fs::metadata(path).ok()?;
    m.is_file().then(|| (m.len(), m.modified().ok()))
}

fn note(pending: &mut HashMap<PathBuf, Seen>, path: PathBuf) {
    if !filter::is_candidate(&path) || pending.contains_key(&path) {
        return;
    }
    if let Some((size, mtime)) = stat(&path) {
        pending.insert(
            path,
            Seen {
                size,
                mtime,
                since: Instant::now(),
            },
        );
    }
}

/// Every file under `folder` (recursively, skipping hidden and temporary folders).
fn scan(folder: &Path, f: &mut dyn FnMut(PathBuf)) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => {
                if !filter::is_ignored_dir(&p) {
                    scan(&p, f);
                }
            }
            Ok(t) if t.is_file() => f(p),
            _ => {}
        }
    }
}
