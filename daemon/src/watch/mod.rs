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
//!
//! Symbolic links are never followed, at start or later, file or folder links: walks type
//! entries by `lstat` ([`scan`]), every event path is dropped when a component between the
//! folder and the file is a link, and originals are opened through [`crate::no_follow`]. Each
//! skipped link is logged once. When the database refuses an enqueue (a full disk), the
//! watcher waits 0.5 s, doubling to 60 s, with one log line per step ([`ENQUEUE_BACKOFF`]).

pub mod filter;
pub mod mount;
pub mod scan;
pub mod sources;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result};
use notify::RecursiveMode;

use crate::content::hash_reader;
use crate::failure::Backoff;
use crate::no_follow;
use crate::store::Enqueued;
use crate::store::Store;
use scan::{scan, Found};
use sources::{Method, Source};

/// Event coalescing window of the debouncer (well inside the p99 budget of window + 0.5 s).
pub const DEBOUNCE: Duration = Duration::from_millis(150);

/// Full rescan period of event-watched folders.
pub const RESCAN_EVERY: Duration = Duration::from_secs(60);
const TICK: Duration = Duration::from_millis(50);

/// First and longest wait after the database refused an enqueue (e.g. a full disk).
pub const ENQUEUE_BACKOFF: (Duration, Duration) =
    (Duration::from_millis(500), Duration::from_secs(60));

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
                links: HashSet::new(),
                backoff: Backoff::new(ENQUEUE_BACKOFF.0, ENQUEUE_BACKOFF.1),
                hold_until: None,
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
    let mut w = notify_debouncer_full::new_debouncer_opt::<_, notify::RecommendedWatcher, _>(
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
        notify_debouncer_full::RecommendedCache::new(),
        // A linked folder gets no OS watch (its events are dropped in `note` besides).
        notify::Config::default().with_follow_symlinks(false),
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
    /// (size, mtime, ctime) of paths already enqueued or known, so rescans skip them; a file
    /// moved away and put back has a new ctime, so it is looked at again.
    known: HashMap<PathBuf, (u64, Option<SystemTime>, i64)>,
    /// Set by the debouncer when events were lost.
    rescan_now: Arc<AtomicBool>,
    /// Symbolic links skipped and logged (each once while it exists).
    links: HashSet<PathBuf>,
    /// Waits after the database refused an enqueue.
    backoff: Backoff,
    /// No enqueue before this (backing off).
    hold_until: Option<Instant>,
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
                self.scan_into(&self.folder.clone());
                // Forget paths that are gone, so a file put back later is seen again.
                self.known.retain(|p, _| p.exists());
                self.links.retain(|p| no_follow::is_link(p));
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
            if self.hold_until.is_some_and(|t| Instant::now() < t) {
                continue;
            }
            let ready = self.ready();
            if !ready.is_empty() {
                self.enqueue(ready, on_enqueued);
            }
        }
    }

    /// Note every file under `dir`; log the links met.
    fn scan_into(&mut self, dir: &Path) {
        let mut found = Vec::new();
        scan(dir, &mut |f| found.push(f));
        for f in found {
            match f {
                Found::File(p) => self.note(p, false),
                Found::Link(p) => self.skip_link(p),
            }
        }
    }

    /// Log a skipped link once — a link that would otherwise have been read: to a folder, or
    /// with a document's name (an editor's lock link is no news).
    fn skip_link(&mut self, link: PathBuf) {
        let matters = filter::is_candidate(&link) || link.is_dir();
        if matters && self.links.insert(link.clone()) {
            let target = std::fs::read_link(&link)
                .map(|t| t.display().to_string())
                .unwrap_or_default();
            tracing::warn!(source = self.source, link = %link.display(), target = %target, "symbolic link not followed: links in watched folders are skipped");
        }
    }

    /// Consider `path`; `arrived` = it was just created or moved in.
    fn note(&mut self, path: PathBuf, arrived: bool) {
        if !path.starts_with(&self.folder) {
            return;
        }
        // Never through a link: not the file itself, not a folder on the way.
        if let Some(link) = no_follow::first_link(&self.folder, &path) {
            if path
                .strip_prefix(&self.folder)
                .is_ok_and(|r| !filter::in_ignored_dir(r))
            {
                self.skip_link(link);
            }
            return;
        }
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            return;
        };
        // A new (or moved-in) folder: files created in it before the OS watch on it was added
        // fired no event, so look inside now.
        if meta.is_dir() {
            if arrived && path != self.folder && !filter::is_ignored_dir(&path) {
                self.scan_into(&path);
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
            if self.known.get(&path) == Some(&(size, mtime, changed(&meta))) {
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
                if stable && no_follow::open(path).is_ok() {
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
            match no_follow::open(&path).and_then(hash_reader) {
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
                if self.backoff.is_backing_off() {
                    tracing::info!(source = self.source, "enqueueing works again");
                }
                self.backoff.reset();
                self.hold_until = None;
                for ((path, _, size, mtime), r) in batch.iter().zip(results) {
                    let ctime = std::fs::symlink_metadata(path).map_or(0, |m| changed(&m));
                    self.known.insert(path.clone(), (*size, *mtime, ctime));
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
                let wait = self.backoff.next();
                self.hold_until = Some(Instant::now() + wait);
                tracing::error!(error = %format!("{e:#}"), files = batch.len(), retry_in_ms = wait.as_millis() as u64, "cannot enqueue; retrying after a pause");
                for (path, ..) in batch {
                    self.note(path, false);
                }
            }
        }
    }
}

/// Size and mtime of the regular file at `path` (`lstat`: a link is no file).
/// The inode's change time (ns; 0 where there is none): renames and re-creations change it.
fn changed(m: &std::fs::Metadata) -> i64 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        m.ctime() * 1_000_000_000 + m.ctime_nsec()
    }
    #[cfg(not(unix))]
    {
        let _ = m;
        0
    }
}

fn stat(path: &Path) -> Option<(u64, Option<SystemTime>)> {
    let m = std::fs::symlink_metadata(path).ok()?;
    m.is_file().then(|| (m.len(), m.modified().ok()))
}
