//! `zopilot process FILE`: enqueue, run the pipeline once in this process, print the stored row.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::config::Config;
use crate::pipeline::Pipeline;
use crate::queue;
use crate::store::documents::Status;
use crate::store::Store;

pub fn run(cfg: &Config, file: &Path) -> Result<ExitCode> {
    let profile = super::business_profile(cfg)?;
    let path = std::fs::canonicalize(file)
        .with_context(|| format!("{} does not exist", file.display()))?;
    let store = Store::open(&cfg.database_path())?;
    // One attempt, now: a transient failure (e.g. no model) ends `dead` with the reason.
    let policy = queue::Policy {
        max_attempts: 1,
        ..queue::Policy::from_config(cfg)
    };
    let id = match queue::enqueue(&store, &path, "cli", 10)? {
        queue::Enqueued::Duplicate { id, of } => {
            eprintln!("same content as document {of}; processing it again as document {id}");
            id
        }
        e => e.id(),
    };
    queue::requeue(&store, id)?;
    let job = queue::claim(&store, id, &crate::worker::worker_id(), &policy)?
        .context("the document is being processed by a running daemon")?;
    let mut pipeline = Pipeline::new(cfg)?;
    pipeline.set_policy(policy);
    let report = pipeline.process(&store, &job, &profile)?;
    let stored = store.document(id)?.context("document row vanished")?;
    println!("{}", serde_json::to_string_pretty(&stored)?);
    eprintln!(
        "document {id}: {} in {:.1} s{}",
        report.status.as_str(),
        report.seconds,
        report.error.map(|e| format!(" — {e}")).unwrap_or_default()
    );
    Ok(if matches!(report.status, Status::Failed | Status::Dead) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
