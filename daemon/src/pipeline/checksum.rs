//! The `checksum` pipeline (`pipeline = "checksum"`): no model, no extraction — the result is
//! the file's SHA-256 and size, checked against the queued row. It exercises everything around
//! the model (watching, queueing, leases, fencing, recovery) at thousands of documents a minute,
//! for the soak test and the queue benchmarks.

use std::path::Path;
use std::time::Instant;

use anyhow::Result;
use serde_json::json;

use crate::queue::{hash_file, Job};
use crate::store::documents::{Outcome, Status};
use crate::store::Store;

use super::RunReport;

/// Process `job`: hash the original again, wait `stage` (standing in for model time), and store
/// `{sha256, size_bytes, matches_queued_content}`.
pub fn process(store: &Store, job: &Job, stage: std::time::Duration) -> Result<RunReport> {
    let t0 = Instant::now();
    std::thread::sleep(stage);
    let path = Path::new(&job.doc.original_path);
    let (status, outcome, error) = match hash_file(path) {
        Ok((sha, size)) => {
            let outcome = Outcome {
                result: Some(json!({
                    "sha256": sha,
                    "size_bytes": size,
                    "matches_queued_content": sha == job.doc.sha256,
                })),
                ..Default::default()
            };
            store.complete(job, Status::Classified, &outcome)?;
            (Status::Classified, outcome, None)
        }
        Err(e) => {
            let reason = format!("{e:#}");
            store.fail(job, &reason, &Outcome::default())?;
            (Status::Failed, Outcome::default(), Some(reason))
        }
    };
    Ok(RunReport {
        status,
        outcome,
        error,
        seconds: t0.elapsed().as_secs_f64(),
    })
}
