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
use crate::store::Store;
use crate::worker::Wake;
use crate::{queue, watch, worker};

pub fn run(cfg: Config) -> Result<ExitCode> {
    let profile = super::business_profile(&cfg)?;
    let store = Store::open(&cfg.database_path())?;
    let recovered = queue::recover_in_flight(&store)?;
    if recovered > 0 {
        tracing::warn!(
            recovered,
            "re-queued documents interrupted by a previous stop"
        );
    }
    if !cfg.listen.ip().is_loopback() {
        tracing::warn!(listen = %cfg.listen, "the API listens beyond this machine");
    }
    let api_key = api::auth::load_or_create(&cfg.config_file)?;
    let pipeline = Arc::new(Pipeline::new(&cfg)?);
    let wake = Wake::default();
    let stop = Arc::new(AtomicBool::new(false));

    let w = wake.clone();
    let _watcher = watch::spawn(
        &cfg.drop_folder,
        "drop_folder",
        Duration::from_millis(cfg.stability_window_ms),
        store.clone(),
        move |_| w.notify(),
    )?;
    let worker = {
        let (store, pipeline, wake, stop) =
            (store.clone(), pipeline.clone(), wake.clone(), stop.clone());
        std::thread::Builder::new()
            .name("worker".into())
            .spawn(move || worker::run(store, pipeline, profile, wake, stop))?
    };

    let state = AppState {
        store,
        pipeline,
        api_key: api_key.into(),
        health_public: cfg.health_public,
        model_dir: cfg.model_dir.to_string_lossy().into(),
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
    tracing::info!("stopping: finishing the current document");
    stop.store(true, Ordering::SeqCst);
    wake.notify();
    let _ = worker.join();
    Ok(ExitCode::SUCCESS)
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
