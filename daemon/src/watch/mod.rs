//! Watching a source folder (drop folder or Google Drive) and enqueueing the documents that
//! appear in it, recursively.
//!
//! Events (`notify` through `notify-debouncer-full`, which coalesces an event burst per file
//! over [`DEBOUNCE`] and stitches renames: inotify create / modify / close-write / moved-to,
//! FSEvents, ReadDirectoryChangesW) or, on network and FUSE mounts or by configuration, polling only
//! ([`sources`], [`mount`]) — plus a full rescan at start (reconciling the folder with the
//! database: anything not yet known is enqueued) and every [`RESCAN_EVERY`] in case events were
//! lost (queue overflow, sleep/resume).
//!
//! A file is **ready** once its size and mtime have not changed for the stability window (timed
//! from the last change we saw, or from its mtime when older), it still passes the name filter
//! ([`filter`]), and it can be opened for reading. Ready files are hashed and enqueued in one
//! transaction per batch; a per-path `(size, mtime)` memory keeps rescans from re-hashing
//! unchanged files.

pub mod filter;
pub mod mount;
pub mod sources;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result};
use notify::RecursiveMode;

use crate::content::hash_file;
use crate::store::Enqueued;
use crate::store::Store;
use sources::{Method, Source};

/// Event coalescing window of the debouncer (well inside the p99 budget of window + 0.5 s).
pub const DEBOUNCE: Duration = Duration::from_millis(150);

/// Full rescan period of event-watched folders.
pub const RESCAN_EVERY: Duration = Duration::from_secs(60);
const TICK: Duration = Duration::from_millis(50);

/// Timing of a watcher.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// How long size and mtime must stay unchanged.
    pub stability: Duration,
    /// Scan period of polled folders.
    pub poll_interval: Duration,
}

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
    /// When we first saw this (size, mtime).
    since: Instant,
    /// Observed unchanged at least once after `since`.
    confirmed: bool,
}

/// Watch `source` (creating it when it is the drop folder), calling `on_enqueued(id)` for each
/// new queued document.
///
/// Errors: the folder cannot be created or watched.
pub fn spawn(
    source: &Source,
    timing: Timing,
    store: Store,
    on_enqueued: impl Fn(i64) + Send + 'static,
) -> Result<FolderWatcher> {
    if source.name == "drop_folder" {
        std::fs::create_dir_all(&source.path)
            .with_context(|| format!("creating the drop folder {}", source.path.display()))?;
    }
    let folder = source.path.canonicalize()?;
    let (tx, rx) = channel::<(PathBuf, bool)>();
    // The debouncer asks for a full rescan when the OS dropped events (queue overflow).
    let rescan_now = Arc::new(AtomicBool::new(false));
    let rescan_flag = rescan_now.clone();
    let watcher = match source.method {
        Method::Events => Some(os_watch(&folder, tx, rescan_flag)?),
        Method::Polling => {
            drop(tx);
            None
        }
    };
    let rescan = match source.method {
        Method::Events => RESCAN_EVERY,
        Method::Polling => timing.poll_interval,
    };
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let name = source.name;
    let thread = std::thread::Builder::new()
        .name(format!("watch-{name}"))
        .spawn(move || {
            let _watcher = watcher; // keep the OS watch alive as long as the loop runs
            let mut w = Loop {
                folder,
                source: name,
                timing,
                rescan,
                store,
                pending: HashMap::new(),
                known: HashMap::new(),
                rescan_now,
            };
            w.run(&rx, &stop2, &on_enqueued);
        })?;
    Ok(FolderWatcher {
        stop,
        thread: Some(thread),
    })
}

/// OS events for `folder` (recursive), debounced: each changed path goes to `tx` with whether a
/// file arrived (created or renamed in); lost events set `rescan`.
fn os_watch(
    folder: &Path,
    tx: std::sync::mpsc::Sender<(PathBuf, bool)>,
    rescan: Arc<AtomicBool>,
) -> Result<
    notify_debouncer_full::Debouncer<
        notify::RecommendedWatcher,
        notify_debouncer_full::RecommendedCache,
    >,
> {
    let mut w = notify_debouncer_full::new_debouncer(
        DEBOUNCE,
        None,
        move |res: notify_debouncer_full::DebounceEventResult| {
            use notify::event::{AccessKind, AccessMode, EventKind, ModifyKind};
            let Ok(events) = res else {
                rescan.store(true, Ordering::SeqCst);
                return;
            };
            for ev in events {
                if ev.need_rescan() {
                    rescan.store(true, Ordering::SeqCst);
                }
                // Opening or reading (ours included: hashing, listing a folder) is no news;
                // close-after-write is.
                let arrived = match ev.kind {
                    EventKind::Access(AccessKind::Close(AccessMode::Write)) => false,
                    EventKind::Access(_) => continue,
                    EventKind::Create(_) | EventKind::Modify(ModifyKind::Name(_)) => true,
                    _ => false,
                };
                for p in &ev.paths {
                    let _ = tx.send((p.clone(), arrived));
                }
            }
        },
    )
    .context("starting the file watcher")?;
    w.watch(folder, RecursiveMode::Recursive)
        .with_context(|| format!("watching {}", folder.display()))?;
    Ok(w)
}

struct Loop {
    folder: PathBuf,
    source: &'static str,
    timing: Timing,
    rescan: Duration,
    store: Store,
    /// Candidates waiting to become stable.
    pending: HashMap<PathBuf, Seen>,
    /// (size, mtime) of paths already enqueued or known, so rescans skip them.
    known: HashMap<PathBuf, (u64, Option<SystemTime>)>,
    /// Set by the debouncer when events were lost.
    rescan_now: Arc<AtomicBool>,
}

impl Loop {
    fn run(
        &mut self,
        rx: &Receiver<(PathBuf, bool)>,
        stop: &AtomicBool,
        on_enqueued: &dyn Fn(i64),
    ) {
        let mut last_scan: Option<Instant> = None;
        while !stop.load(Ordering::SeqCst) {
            if last_scan.is_none_or(|t| t.elapsed() >= self.rescan)
                || self.rescan_now.swap(false, Ordering::SeqCst)
            {
                let mut found = Vec::new();
                scan(&self.folder, &mut |p| found.push(p));
                for p in found {
                    self.note(p, false);
                }
                // Forget paths that are gone, so a file put back later is seen again.
                self.known.retain(|p, _| p.exists());
                last_scan = Some(Instant::now());
            }
            match rx.recv_timeout(TICK) {
                Ok((p, arrived)) => {
                    self.note(p, arrived);
                    while let Ok((p, arrived)) = rx.try_recv() {
                        self.note(p, arrived);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => std::thread::sleep(TICK),
            }
            let ready = self.ready();
            if !ready.is_empty() {
                self.enqueue(ready, on_enqueued);
            }
        }
    }

    /// Consider `path`; `arrived` = it was just created or moved in.
    fn note(&mut self, path: PathBuf, arrived: bool) {
        // A new (or moved-in) folder: files created in it before the OS watch on it was added
        // fired no event, so look inside now.
        if path.is_dir() {
            if arrived
                && path != self.folder
                && path.starts_with(&self.folder)
                && !filter::is_ignored_dir(&path)
            {
                let mut found = Vec::new();
                scan(&path, &mut |p| found.push(p));
                for p in found {
                    self.note(p, false);
                }
            }
            return;
        }
        if !filter::is_candidate(&path) || self.pending.contains_key(&path) {
            return;
        }
        if path
            .strip_prefix(&self.folder)
            .map_or(true, filter::in_ignored_dir)
        {
            return;
        }
        if let Some((size, mtime)) = stat(&path) {
            if self.known.get(&path) == Some(&(size, mtime)) {
                return;
            }
            self.pending.insert(
                path,
                Seen {
                    size,
                    mtime,
                    since: Instant::now(),
                    confirmed: false,
                },
            );
        }
    }

    /// Pending files that have become stable and readable (removed from `pending`).
    fn ready(&mut self) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
        let window = self.timing.stability;
        let mut ready = Vec::new();
        self.pending.retain(|path, seen| match stat(path) {
            None => false,
            Some((size, mtime)) if size != seen.size || mtime != seen.mtime => {
                *seen = Seen {
                    size,
                    mtime,
                    since: Instant::now(),
                    confirmed: false,
                };
                true
            }
            Some((size, mtime)) => {
                let mtime_age = mtime
                    .and_then(|m| SystemTime::now().duration_since(m).ok())
                    .unwrap_or_default();
                let stable =
                    seen.confirmed && (seen.since.elapsed() >= window || mtime_age >= window);
                seen.confirmed = true;
                if stable && std::fs::File::open(path).is_ok() {
                    ready.push((path.clone(), size, mtime));
                    false
                } else {
                    true
                }
            }
        });
        ready
    }

    fn enqueue(
        &mut self,
        ready: Vec<(PathBuf, u64, Option<SystemTime>)>,
        on_enqueued: &dyn Fn(i64),
    ) {
        let mut batch = Vec::with_capacity(ready.len());
        for (path, size, mtime) in ready {
            match hash_file(&path) {
                // Changed while hashing: look again next tick.
                Ok((_, n)) if n != size => self.note(path, false),
                Ok((sha, n)) => batch.push((path, sha, n, mtime)),
                Err(e) => {
                    tracing::warn!(file = %path.display(), error = %format!("{e:#}"), "cannot read a new file")
                }
            }
        }
        let items: Vec<(&Path, &str, u64)> = batch
            .iter()
            .map(|(p, s, n, _)| (p.as_path(), s.as_str(), *n))
            .collect();
        match self.store.enqueue_batch(&items, self.source, 0) {
            Ok(results) => {
                for ((path, _, size, mtime), r) in batch.iter().zip(results) {
                    self.known.insert(path.clone(), (*size, *mtime));
                    match r {
                        Enqueued::New(id) => {
                            tracing::info!(id, source = self.source, file = %path.display(), "enqueued");
                            on_enqueued(id);
                        }
                        Enqueued::Duplicate { id, of } => {
                            tracing::info!(id, of, file = %path.display(), "exact duplicate, not processed")
                        }
                        Enqueued::Known(_) => {}
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "cannot enqueue; retrying");
                for (path, ..) in batch {
                    self.note(path, false);
                }
            }
        }
    }
}

fn stat(path: &Path) -> Option<(u64, Option<SystemTime>)> {
    let m = std::fs::metadata(path).ok()?;
    m.is_file().then(|| (m.len(), m.modified().ok()))
}

fn scan(folder: &Path, f: &mut dyn FnMut(PathBuf)) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() && !filter::is_ignored_dir(&p) => scan(&p, f),
            Ok(t) if t.is_file() => f(p),
            _ => {}
        }
    }
}
