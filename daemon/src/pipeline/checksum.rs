//! The `checksum` pipeline (`pipeline = "checksum"`): no model, no extraction — the result is
//! the file's SHA-256 and size, checked against the queued row. It exercises everything around
//! the model (watching, queueing, leases, fencing, recovery, moves) at thousands of documents a
//! minute, for the soak test and the queue benchmarks.

use std::time::Instant;

use anyhow::Context;
use serde_json::json;

use super::{Run, Verdict};
use crate::content::hash_reader;
use crate::no_follow;
use crate::store::{Job, Outcome, Status};

/// Run `job`: wait `stage` (standing in for model time), hash the original again and report
/// `{sha256, size_bytes, matches_queued_content}` as a `classified` outcome.
pub fn run(job: &Job, stage: std::time::Duration) -> Run {
    let t0 = Instant::now();
    std::thread::sleep(stage);
    let path = job.doc.original();
    let hashed = no_follow::open(&path)
        .and_then(hash_reader)
        .with_context(|| format!("cannot read {}", path.display()));
    let (verdict, outcome) = match hashed {
        Ok((sha, size)) => (
            Verdict::Done(Status::Classified),
            Outcome {
                result: Some(json!({
                    "sha256": sha,
                    "size_bytes": size,
                    "matches_queued_content": sha == job.doc.sha256,
                })),
                ..Default::default()
            },
        ),
        Err(e) => (Verdict::Failed(format!("{e:#}")), Outcome::default()),
    };
    Run {
        verdict,
        outcome,
        seconds: t0.elapsed().as_secs_f64(),
    }
}
