//! Limits on the API's model calls (`/prompt`): at most `api_concurrency` run at once, at most
//! `api_queue` more wait for a turn — beyond that 429 with `Retry-After` (seconds, from the
//! recent average call time) — and each call, waiting included, gets `request_timeout_seconds`
//! (default 60): then 504 and the generation is cancelled at its next forward pass, so the engine
//! is free again.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use tokio::sync::{Semaphore, SemaphorePermit};

/// The API's error shape (`{success: false, error}`), with `status`.
fn refusal(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(serde_json::json!({"success": false, "error": message})),
    )
        .into_response()
}

/// Histogram buckets of a stage run or a model call, seconds.
pub const STAGE_BUCKETS: &[f64] = &[
    0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0,
];

/// The limits and their state (one per daemon).
pub struct ModelCalls {
    permits: Semaphore,
    concurrency: usize,
    waiting: AtomicUsize,
    queue: usize,
    /// Per call, waiting included.
    pub timeout: Duration,
    /// Exponential moving average of a call's running time, milliseconds.
    average_ms: AtomicU64,
    /// Running time of each call since start (`zopilot_api_model_call_seconds` on `/metrics`).
    pub latency: prometheus::Histogram,
}

impl ModelCalls {
    /// `concurrency` calls at once (at least 1), `queue` waiting, `timeout` each.
    pub fn new(concurrency: usize, queue: usize, timeout: Duration) -> ModelCalls {
        ModelCalls {
            permits: Semaphore::new(concurrency.max(1)),
            concurrency: concurrency.max(1),
            waiting: AtomicUsize::new(0),
            queue,
            timeout,
            average_ms: AtomicU64::new(2_000),
            latency: prometheus::Histogram::with_opts(
                prometheus::HistogramOpts::new(
                    "zopilot_api_model_call_seconds",
                    "Running time of the API's model calls (/prompt) since the daemon started.",
                )
                .buckets(STAGE_BUCKETS.to_vec()),
            )
            .expect("a valid histogram"),
        }
    }

    /// From the configuration (`api_concurrency`, `api_queue`, `request_timeout_seconds`).
    pub fn from_config(cfg: &crate::config::Config) -> ModelCalls {
        ModelCalls::new(
            cfg.api_concurrency,
            cfg.api_queue,
            Duration::from_secs(cfg.request_timeout_seconds),
        )
    }

    /// A turn to call the model: at once, after waiting in the queue, or — when the queue is
    /// full — the 429 response to send.
    pub async fn acquire(&self) -> Result<SemaphorePermit<'_>, Response> {
        if let Ok(p) = self.permits.try_acquire() {
            return Ok(p);
        }
        let before = self.waiting.fetch_add(1, Ordering::SeqCst);
        if before >= self.queue {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(self.too_many());
        }
        let p = self.permits.acquire().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        p.map_err(|_| refusal(StatusCode::SERVICE_UNAVAILABLE, "shutting down"))
    }

    /// Record a finished call's running time.
    pub fn record(&self, took: Duration) {
        self.latency.observe(took.as_secs_f64());
        let ms = took.as_millis() as u64;
        let old = self.average_ms.load(Ordering::Relaxed);
        self.average_ms.store((old * 3 + ms) / 4, Ordering::Relaxed);
    }

    fn too_many(&self) -> Response {
        let avg = self.average_ms.load(Ordering::Relaxed);
        let turns = (self.queue as u64 + 1).div_ceil(self.concurrency as u64);
        let secs = (avg * turns).div_ceil(1000).max(1);
        let mut r = refusal(
            StatusCode::TOO_MANY_REQUESTS,
            &format!(
                "{} model calls are running and {} waiting (api_concurrency, api_queue); retry in about {secs} s",
                self.concurrency, self.queue
            ),
        );
        r.headers_mut().insert(
            header::RETRY_AFTER,
            secs.to_string().parse().expect("digits"),
        );
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_runs_one_waits_the_third_is_told_when_to_come_back() {
        let calls = std::sync::Arc::new(ModelCalls::new(1, 1, Duration::from_secs(60)));
        let first = calls.acquire().await.unwrap();
        let c2 = calls.clone();
        let waiter = tokio::spawn(async move { c2.acquire().await.map(|_| ()).is_ok() });
        while calls.waiting.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        let third = calls.acquire().await.unwrap_err();
        assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(third.headers().get(header::RETRY_AFTER).is_some());
        drop(first);
        assert!(waiter.await.unwrap(), "the waiting call gets its turn");
    }
}
