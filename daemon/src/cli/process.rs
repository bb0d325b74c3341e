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
    let id = queue::enqueue(&store, &path, "cli", 10)?.id();
    queue::requeue(&store, id)?;
    let doc =
        queue::claim(&store, id)?.context("the document is being processed by a running daemon")?;
    let pipeline = Pipeline::new(cfg)?;
    let report = pipeline.process(&store, &doc, &profile)?;
    let stored = store.document(id)?.context("document row vanished")?;
    println!("{}", serde_json::to_string_pretty(&stored)?);
    eprintln!(
        "document {id}: {} in {:.1} s{}",
        report.status.as_str(),
        report.seconds,
        report.error.map(|e| format!(" — {e}")).unwrap_or_default()
    );
    Ok(if report.status == Status::Failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
