//! `zopilot process FILE`: enqueue, run the pipeline once in this process, store the verdict
//! through the worker's own [`crate::worker::finish`], print the stored row.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::config::Config;
use crate::llm::EngineHandle;
use crate::pipeline::{self, Pipeline};
use crate::store::{Enqueued, Policy, Status, Store};
use crate::worker::{finish, originals::Moves};

pub fn run(cfg: &Config, file: &Path) -> Result<ExitCode> {
    let profile = crate::pipeline::profile::BusinessProfile::from_config(cfg)?;
    let path = std::fs::canonicalize(file)
        .with_context(|| format!("{} does not exist", file.display()))?;
    let store = Store::open_configured(cfg)?;
    // One attempt, now: a transient failure (e.g. no model) ends `dead` with the reason.
    let policy = Policy {
        max_attempts: 1,
        ..Policy::from_config(cfg)
    };
    let id = match store.enqueue(&path, "cli", 10)? {
        Enqueued::Duplicate { id, of } => {
            eprintln!("same content as document {of}; processing it again as document {id}");
            id
        }
        e => e.id(),
    };
    store.requeue(id)?;
    let job = store
        .claim(
            Some(id),
            &crate::worker::worker_id(&crate::worker::instance_id(&cfg.data_dir)),
            &policy,
        )?
        .context("the document is being processed by a running daemon")?;
    let engine = EngineHandle::spawn(pipeline::model_settings(cfg), 1);
    let pipeline = Pipeline::new(cfg, engine)?;
    let run = pipeline.run(&*store, &job, &profile);
    let done = finish::finish(&*store, &job, &run, &policy, &Moves::default())?;
    let stored = store.document(id)?.context("document row vanished")?;
    println!("{}", serde_json::to_string_pretty(&stored)?);
    eprintln!(
        "document {id}: {} in {:.1} s{}",
        done.status.as_str(),
        run.seconds,
        done.error.map(|e| format!(" — {e}")).unwrap_or_default()
    );
    Ok(if matches!(done.status, Status::Failed | Status::Dead) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
