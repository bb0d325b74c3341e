//! The worker: one thread that claims queued documents and runs the pipeline on each, waking on
//! new work or every second.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use crate::pipeline::profile::BusinessProfile;
use crate::pipeline::Pipeline;
use crate::queue;
use crate::store::Store;

/// Wakes the worker when work arrives.
#[derive(Clone, Default)]
pub struct Wake {
    inner: Arc<(Mutex<bool>, Condvar)>,
}

impl Wake {
    pub fn notify(&self) {
        let (m, c) = &*self.inner;
        *m.lock().unwrap_or_else(|e| e.into_inner()) = true;
        c.notify_all();
    }

    fn wait(&self, timeout: Duration) {
        let (m, c) = &*self.inner;
        let mut flag = m.lock().unwrap_or_else(|e| e.into_inner());
        if !*flag {
            flag = c
                .wait_timeout(flag, timeout)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        *flag = false;
    }
}

/// Run until `stop` is set; the current document is finished first.
pub fn run(
    store: Store,
    pipeline: Arc<Pipeline>,
    profile: BusinessProfile,
    wake: Wake,
    stop: Arc<AtomicBool>,
) {
    while !stop.load(Ordering::SeqCst) {
        match queue::claim_next(&store) {
            Ok(Some(doc)) => {
                tracing::info!(id = doc.id, file = %doc.file_name, "processing");
                if let Err(e) = pipeline.process(&store, &doc, &profile) {
                    tracing::error!(id = doc.id, error = %format!("{e:#}"), "cannot store the result");
                }
            }
            Ok(None) => wake.wait(Duration::from_secs(1)),
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "queue error");
                wake.wait(Duration::from_secs(1));
            }
        }
    }
}
