//! The running daemon, assembled: the instance lock, the store with start-up recovery (in-flight
//! documents, interrupted moves of originals), the engine thread, the folder watchers, the
//! worker and its heartbeat, and the HTTP API — until SIGINT or SIGTERM, then the current
//! document gets `shutdown_grace_ms` to finish before it is released unfinished.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::api::{self, AppState};
use crate::config::Config;
use crate::llm::{handle::DEFAULT_QUEUE, EngineHandle};
use crate::pipeline::{self, profile::BusinessProfile, Pipeline};
use crate::store::{Policy, Store};
use crate::watch::{self, sources::Source};
use crate::worker::{self, originals::Moves, Wake};

/// Run the daemon for `profile` until a stop signal.
///
/// Errors: another daemon holds the data folder, the database cannot be opened, the API key
/// cannot be read or created, the address cannot be bound.
pub fn run(cfg: Config, profile: BusinessProfile) -> Result<()> {
    std::fs::create_dir_all(&cfg.data_dir)?;
    tighten(&cfg)?;
    let _instance = lock_instance(&cfg)?;
    let store = Store::open_configured(&cfg)?;
    let instance = worker::instance_id(&cfg.data_dir);
    if let Some(url) = &cfg.database_url {
        tracing::info!(database = %crate::store::postgres::redact(url), %instance, "shared PostgreSQL store");
    }
    let policy = Policy::from_config(&cfg);
    std::fs::create_dir_all(&cfg.drop_folder)
        .with_context(|| format!("creating the drop folder {}", cfg.drop_folder.display()))?;
    let sources = watch::sources::configured(&cfg);
    let moves = moves_for(&cfg, &sources);
    recover(&store, &policy, &moves, &instance)?;
    check_listen(&cfg)?;
    let api_key = crate::key_store::load_or_create(&cfg)?;
    if !cfg.listen.ip().is_loopback() {
        check_remote_key(&cfg, &api_key)?;
        tracing::warn!(listen = %cfg.listen, "the API listens beyond this machine (allow_remote = true): anyone who can reach this port and has the key can use it");
    }
    tracing::info!(location = %api_key.location, "API key loaded");
    let engine = EngineHandle::spawn(pipeline::model_settings(&cfg), DEFAULT_QUEUE);
    probe_engine_server(&engine);
    let pipeline = Arc::new(Pipeline::new(&cfg, engine.clone())?);
    let wake = Wake::default();
    let watchers = start_watchers(&sources, &cfg, &store, &wake)?;
    let worker = worker::Worker {
        store: store.clone(),
        pipeline,
        kind: cfg.pipeline,
        checksum_stage: Duration::from_millis(cfg.checksum_stage_ms),
        profile,
        policy,
        owner: worker::worker_id(&instance),
        moves,
    };
    let running = start_worker(worker, &wake)?;
    let state = AppState {
        store: store.clone(),
        engine,
        api_key: api::state::SharedKey::new(&api_key.key),
        config: Arc::new(cfg.clone()),
        wake: wake.clone(),
        sources: Arc::new(sources),
        model_calls: Arc::new(api::limits::ModelCalls::from_config(&cfg)),
        sessions: Arc::default(),
        instance: instance.as_str().into(),
    };
    serve(&cfg, state)?;
    drop(watchers);
    running.stop(&store, Duration::from_millis(cfg.shutdown_grace_ms));
    Ok(())
}

/// Probe the inference server once, in the background, and log what it supports.
fn probe_engine_server(engine: &EngineHandle) {
    let Some(url) = engine.remote().map(|r| r.url().to_string()) else {
        return;
    };
    let engine = engine.clone();
    std::thread::spawn(move || match engine.remote().map(|r| r.probe()) {
        Some(Ok(p)) if p.prompt_logprobs => {
            tracing::info!(server = %url, model = %p.model, "inference server: option scoring goes to it")
        }
        Some(Ok(p)) => {
            tracing::warn!(server = %url, model = %p.model, "the inference server returns no prompt log-probabilities: option scoring runs on the local model")
        }
        Some(Err(e)) => {
            tracing::warn!(server = %url, error = %e, "the inference server does not answer yet: the local model answers until it does")
        }
        None => {}
    });
}

/// Make every private path private (data folder, database, logs, uploads, config folder, API
/// key file), logging each mode changed.
///
/// Errors: a mode cannot be changed.
fn tighten(cfg: &Config) -> Result<()> {
    let mut changed = crate::private_file::tighten_data_dir(&cfg.data_dir)
        .with_context(|| format!("making {} private", cfg.data_dir.display()))?;
    changed.extend(
        crate::private_file::tighten_config_dir(&cfg.config_file).with_context(|| {
            format!("making the folder of {} private", cfg.config_file.display())
        })?,
    );
    for t in changed {
        tracing::warn!(path = %t.path.display(), from = %format!("{:o}", t.from), to = %format!("{:o}", t.to), "made private (its mode let other users read it)");
    }
    Ok(())
}

/// A non-loopback `listen` needs `allow_remote = true`.
///
/// Errors: `listen` is not a loopback address and `allow_remote` is off.
pub fn check_listen(cfg: &Config) -> Result<()> {
    if !cfg.listen.ip().is_loopback() && !cfg.allow_remote {
        anyhow::bail!(
            "listen = {} is not a loopback address: the API would be reachable from other machines; \
             set allow_remote = true (config.toml or ZOPILOT_ALLOW_REMOTE=true) to allow it",
            cfg.listen
        );
    }
    Ok(())
}

/// Serving beyond this machine needs a key from the keyring or an explicit source
/// (`ZOPILOT_API_KEY`, `key_store = "file"`), not the automatic fallback file.
fn check_remote_key(cfg: &Config, key: &crate::key_store::ApiKey) -> Result<()> {
    use crate::config::KeyStoreKind;
    use crate::key_store::KeyLocation;
    if matches!(key.location, KeyLocation::File { .. }) && cfg.key_store == KeyStoreKind::Auto {
        anyhow::bail!(
            "allow_remote is on but the OS keyring did not answer and the API key fell back to a \
             file: keep it in the keyring, or choose a source explicitly (ZOPILOT_API_KEY or \
             key_store = \"file\")"
        );
    }
    Ok(())
}

fn moves_for(cfg: &Config, sources: &[Source]) -> Moves {
    Moves {
        // Canonical, as the watcher records paths: moves follow no link.
        drop_folder: cfg.move_originals.then(|| {
            cfg.drop_folder
                .canonicalize()
                .unwrap_or_else(|_| cfg.drop_folder.clone())
        }),
        sources: sources
            .iter()
            .filter(|s| s.may_move)
            .map(|s| s.name.to_string())
            .collect(),
    }
}

/// Start-up recovery: interrupted documents back to the queue, interrupted moves finished.
fn recover(store: &Store, policy: &Policy, moves: &Moves, instance: &str) -> Result<()> {
    let (requeued, dead) = store.recover_in_flight(policy, instance)?;
    if requeued + dead > 0 {
        tracing::warn!(
            requeued,
            dead,
            "recovered documents interrupted by a previous stop"
        );
    }
    let settled = worker::originals::recover(&**store, moves)?;
    if settled > 0 {
        tracing::warn!(
            settled,
            "finished moves of originals interrupted by a previous stop"
        );
    }
    if store.is_paused()? {
        tracing::warn!("processing is paused (zopilot resume, or POST /resume)");
    }
    Ok(())
}

fn start_watchers(
    sources: &[Source],
    cfg: &Config,
    store: &Store,
    wake: &Wake,
) -> Result<Vec<watch::FolderWatcher>> {
    let timing = watch::Timing {
        stability: Duration::from_millis(cfg.stability_window_ms),
        poll_interval: Duration::from_millis(cfg.poll_interval_ms),
    };
    let mut watchers = Vec::new();
    for s in sources.iter().filter(|s| s.present) {
        let w = wake.clone();
        tracing::info!(source = s.name, folder = %s.path.display(), method = ?s.method, why = %s.why, "watching");
        watchers.push(watch::spawn(s, timing, store.clone(), move |_| w.notify())?);
    }
    for s in sources.iter().filter(|s| !s.present) {
        tracing::warn!(source = s.name, folder = %s.path.display(), "not watched: the folder does not exist");
    }
    Ok(watchers)
}

/// The worker and heartbeat threads, and what stopping them needs.
struct Running {
    stop: Arc<AtomicBool>,
    wake: Wake,
    current: worker::Current,
    done: Receiver<()>,
}

fn start_worker(worker: worker::Worker, wake: &Wake) -> Result<Running> {
    let stop = Arc::new(AtomicBool::new(false));
    let current: worker::Current = Default::default();
    let (done_tx, done) = std::sync::mpsc::channel::<()>();
    let (store, policy) = (worker.store.clone(), worker.policy);
    {
        let (wake, stop, current) = (wake.clone(), stop.clone(), current.clone());
        std::thread::Builder::new()
            .name("worker".into())
            .spawn(move || {
                worker.run(&wake, &stop, &current);
                let _ = done_tx.send(());
            })?;
    }
    {
        let (current, stop) = (current.clone(), stop.clone());
        std::thread::Builder::new()
            .name("heartbeat".into())
            .spawn(move || worker::heartbeat(store, policy, current, stop))?;
    }
    Ok(Running {
        stop,
        wake: wake.clone(),
        current,
        done,
    })
}

impl Running {
    /// Let the current document finish within `grace`; past it, give the document back (not
    /// counted as an attempt). Its result, should it still arrive, is fenced off.
    fn stop(self, store: &Store, grace: Duration) {
        tracing::info!(
            grace_ms = grace.as_millis() as u64,
            "stopping: finishing the current document"
        );
        self.stop.store(true, Ordering::SeqCst);
        self.wake.notify();
        if self.done.recv_timeout(grace).is_ok() {
            return;
        }
        let held = self
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(job) = held {
            match store.release(&job) {
                Ok(true) => tracing::warn!(id = job.doc.id, "released unfinished at shutdown"),
                Ok(false) => {}
                Err(e) => {
                    tracing::error!(error = %format!("{e:#}"), "cannot release the current document")
                }
            }
        }
    }
}

/// Serve the API on `cfg.listen` until SIGINT or SIGTERM.
fn serve(cfg: &Config, state: AppState) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(cfg.listen)
            .await
            .with_context(|| format!("cannot listen on {}", cfg.listen))?;
        tracing::info!(listen = %cfg.listen, drop_folder = %cfg.drop_folder.display(), "serving");
        axum::serve(listener, api::router(state))
            .with_graceful_shutdown(shutdown_signal())
            .await
            .context("HTTP server")
    })
}

/// One daemon per data folder: an exclusive lock on `<data_dir>/daemon.lock`, held for the
/// process's life (released by the OS even on SIGKILL). Holding it is what makes start-up
/// recovery of in-flight rows safe.
fn lock_instance(cfg: &Config) -> Result<std::fs::File> {
    let path = cfg.data_dir.join("daemon.lock");
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another zopilot daemon is already running on {} (lock {})",
            cfg.data_dir.display(),
            path.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("locking {}", path.display()))
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
