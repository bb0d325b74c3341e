//! `zopilot serve`: recover, watch the drop folder, run the worker, serve the API — until SIGINT
//! or SIGTERM, then finish the current document and exit.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::api::{self, AppState};
use crate::config::Config;
use crate::pipeline::Pipeline;
use crate::queue::{control, Policy};
use crate::store::Store;
use crate::worker::Wake;
use crate::{queue, watch, worker};

pub fn run(cfg: Config) -> Result<ExitCode> {
    let profile = super::business_profile(&cfg)?;
    std::fs::create_dir_all(&cfg.data_dir)?;
    let _instance = lock_instance(&cfg)?;
    let store = Store::open(&cfg.database_path())?;
    let policy = Policy::from_config(&cfg);
    let (requeued, dead) = queue::recover_in_flight(&store, &policy)?;
    if requeued + dead > 0 {
        tracing::warn!(
            requeued,
            dead,
            "recovered documents interrupted by a previous stop"
        );
    }
    if control::is_paused(&store)? {
        tracing::warn!("processing is paused (zopilot resume, or POST /resume)");
    }
    if !cfg.listen.ip().is_loopback() {
        tracing::warn!(listen = %cfg.listen, "the API listens beyond this machine (listen is not a loopback address): anyone who can reach this port and has the key can use it");
    }
    let api_key = api::key_store::load_or_create(&cfg)?;
    tracing::info!(location = %api_key.location, "API key loaded");
    let pipeline = Arc::new(Pipeline::new(&cfg)?);
    let wake = Wake::default();
    let stop = Arc::new(AtomicBool::new(false));

    let timing = watch::Timing {
        stability: Duration::from_millis(cfg.stability_window_ms),
        poll_interval: Duration::from_millis(cfg.poll_interval_ms),
    };
    let sources = watch::sources::configured(&cfg);
    let mut watchers = Vec::new();
    for s in sources.iter().filter(|s| s.present) {
        let w = wake.clone();
        tracing::info!(source = s.name, folder = %s.path.display(), method = ?s.method, why = %s.why, "watching");
        watchers.push(watch::spawn(s, timing, store.clone(), move |_| w.notify())?);
    }
    for s in sources.iter().filter(|s| !s.present) {
        tracing::warn!(source = s.name, folder = %s.path.display(), "not watched: the folder does not exist");
    }
    let current: worker::Current = Default::default();
    let worker = worker::Worker {
        store: store.clone(),
        pipeline: pipeline.clone(),
        kind: cfg.pipeline,
        checksum_stage: Duration::from_millis(cfg.checksum_stage_ms),
        profile,
        policy,
        owner: worker::worker_id(),
        moves: worker::originals::Moves {
            drop_folder: cfg.move_originals.then(|| cfg.drop_folder.clone()),
            sources: sources
                .iter()
                .filter(|s| s.may_move)
                .map(|s| s.name.to_string())
                .collect(),
        },
    };
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
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
        let (store, current, stop) = (store.clone(), current.clone(), stop.clone());
        std::thread::Builder::new()
            .name("heartbeat".into())
            .spawn(move || worker::heartbeat(store, policy, current, stop))?;
    }

    let state = AppState {
        store: store.clone(),
        pipeline,
        api_key: api::auth::SharedKey::new(&api_key.key),
        config: Arc::new(cfg.clone()),
        wake: wake.clone(),
        sources: Arc::new(sources),
    };
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
    })?;
    drop(watchers);
    let grace = Duration::from_millis(cfg.shutdown_grace_ms);
    tracing::info!(
        grace_ms = cfg.shutdown_grace_ms,
        "stopping: finishing the current document"
    );
    stop.store(true, Ordering::SeqCst);
    wake.notify();
    if done_rx.recv_timeout(grace).is_err() {
        // Past the deadline: give the document back (not counted as an attempt) and exit; its
        // result, should it still arrive, is fenced off.
        let held = current.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(job) = held {
            match queue::release(&store, &job) {
                Ok(true) => tracing::warn!(id = job.doc.id, "released unfinished at shutdown"),
                Ok(false) => {}
                Err(e) => {
                    tracing::error!(error = %format!("{e:#}"), "cannot release the current document")
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
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
