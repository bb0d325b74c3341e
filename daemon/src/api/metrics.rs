//! `GET /metrics`: the Prometheus text exposition format (version 0.0.4,
//! <https://prometheus.io/docs/instrumenting/exposition_formats/>), written by the `prometheus`
//! crate. Gathered at each scrape from the store and the engine — so the figures survive a
//! restart — plus the live latency histogram of the API's model calls:
//!
//! - `zopilot_documents{source,status}`, `zopilot_queue_depth`, `zopilot_paused`;
//! - `zopilot_stage_seconds{stage}` — a histogram of each stage run's seconds over the stored
//!   documents (extraction reading, judgments, Stage 1/2 calls), with
//!   `zopilot_prompt_tokens_total{stage}`, `zopilot_completion_tokens_total{stage}` and
//!   `zopilot_tokens_per_second{stage}` (generated or scored tokens per second of that stage);
//! - `zopilot_document_seconds` — a histogram of the whole pipeline's seconds per stored
//!   document;
//! - `zopilot_api_model_call_seconds` — `/prompt` model calls (running time) since start;
//! - `zopilot_model_loaded`, `zopilot_model_load_seconds`, `zopilot_model_size_bytes`,
//!   `zopilot_process_resident_memory_bytes` (the daemon, model included).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use prometheus::{
    Encoder, Gauge, GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry,
    TextEncoder,
};

use super::limits::STAGE_BUCKETS;
use super::state::{error_response, AppState};

/// Most stored documents read per scrape (newest first).
const MAX_SCANNED: usize = 10_000;

/// One stage run as stored in a document's `metrics.stages`.
struct Run {
    seconds: f64,
    prompt_tokens: u64,
    completion_tokens: u64,
}

/// What a scrape reads from the store.
struct Snapshot {
    counts: Vec<(String, String, i64)>,
    paused: bool,
    stages: BTreeMap<String, Vec<Run>>,
    /// Each processed document's pipeline seconds.
    documents: Vec<f64>,
    /// Bytes of the model folder's files.
    model_bytes: u64,
}

fn snapshot(store: &crate::store::Store, model_dir: &std::path::Path) -> anyhow::Result<Snapshot> {
    let mut stages: BTreeMap<String, Vec<Run>> = BTreeMap::new();
    let mut documents = Vec::new();
    for d in &store.documents(None, MAX_SCANNED, 0)? {
        if let Some(s) = d.metrics.as_ref().and_then(|m| m["seconds"].as_f64()) {
            documents.push(s);
        }
        let Some(list) = d.metrics.as_ref().and_then(|m| m["stages"].as_array()) else {
            continue;
        };
        for st in list {
            stages
                .entry(st["stage"].as_str().unwrap_or("unknown").to_string())
                .or_default()
                .push(Run {
                    seconds: st["seconds"].as_f64().unwrap_or(0.0),
                    prompt_tokens: st["prompt_tokens"].as_u64().unwrap_or(0),
                    completion_tokens: st["completion_tokens"].as_u64().unwrap_or(0),
                });
        }
    }
    Ok(Snapshot {
        counts: store.counts_by_source()?,
        paused: store.is_paused()?,
        stages,
        documents,
        model_bytes: super::observe::folder_bytes(model_dir),
    })
}

fn gauge(r: &Registry, name: &str, help: &str, v: f64) -> prometheus::Result<()> {
    let g = Gauge::new(name, help)?;
    g.set(v);
    r.register(Box::new(g))
}

fn stage_families(r: &Registry, stages: &BTreeMap<String, Vec<Run>>) -> prometheus::Result<()> {
    let seconds = HistogramVec::new(
        HistogramOpts::new(
            "zopilot_stage_seconds",
            "Seconds of each stage run over the stored documents.",
        )
        .buckets(STAGE_BUCKETS.to_vec()),
        &["stage"],
    )?;
    let prompt = IntCounterVec::new(
        Opts::new("zopilot_prompt_tokens_total", "Prompt tokens per stage."),
        &["stage"],
    )?;
    let completion = IntCounterVec::new(
        Opts::new(
            "zopilot_completion_tokens_total",
            "Generated or scored tokens per stage.",
        ),
        &["stage"],
    )?;
    let speed = GaugeVec::new(
        Opts::new(
            "zopilot_tokens_per_second",
            "Generated or scored tokens per second of a stage, over the stored documents.",
        ),
        &["stage"],
    )?;
    for (stage, runs) in stages {
        let l = [stage.as_str()];
        for run in runs {
            seconds.with_label_values(&l).observe(run.seconds);
            prompt.with_label_values(&l).inc_by(run.prompt_tokens);
            completion
                .with_label_values(&l)
                .inc_by(run.completion_tokens);
        }
        let secs: f64 = runs.iter().map(|x| x.seconds).sum();
        let toks: u64 = runs.iter().map(|x| x.completion_tokens).sum();
        if secs > 0.0 {
            speed.with_label_values(&l).set(toks as f64 / secs);
        }
    }
    r.register(Box::new(seconds))?;
    r.register(Box::new(prompt))?;
    r.register(Box::new(completion))?;
    r.register(Box::new(speed))
}

fn document_histogram(r: &Registry, documents: &[f64]) -> prometheus::Result<()> {
    let per_document = prometheus::Histogram::with_opts(
        HistogramOpts::new(
            "zopilot_document_seconds",
            "Seconds of the whole pipeline per stored document (extraction to result).",
        )
        .buckets(STAGE_BUCKETS.to_vec()),
    )?;
    for s in documents {
        per_document.observe(*s);
    }
    r.register(Box::new(per_document))
}

fn registry(s: &AppState, snap: &Snapshot) -> prometheus::Result<Registry> {
    let r = Registry::new();
    let docs = GaugeVec::new(
        Opts::new("zopilot_documents", "Documents by source and status."),
        &["source", "status"],
    )?;
    for (src, st, n) in &snap.counts {
        docs.with_label_values(&[src.as_str(), st.as_str()])
            .set(*n as f64);
    }
    r.register(Box::new(docs))?;
    let queued: i64 = snap
        .counts
        .iter()
        .filter(|c| c.1 == "queued")
        .map(|c| c.2)
        .sum();
    gauge(
        &r,
        "zopilot_queue_depth",
        "Documents waiting.",
        queued as f64,
    )?;
    gauge(
        &r,
        "zopilot_paused",
        "1 when paused.",
        snap.paused as u8 as f64,
    )?;
    let loaded = s.engine.loaded_info();
    gauge(
        &r,
        "zopilot_model_loaded",
        "1 when the model is loaded.",
        loaded.is_some() as u8 as f64,
    )?;
    if let Some(i) = loaded {
        gauge(
            &r,
            "zopilot_model_load_seconds",
            "Model load time.",
            i.load_seconds,
        )?;
    }
    let size = snap.model_bytes;
    gauge(
        &r,
        "zopilot_model_size_bytes",
        "Bytes of the model folder's files.",
        size as f64,
    )?;
    if let Some(rss) = crate::process_memory::resident_bytes() {
        gauge(
            &r,
            "zopilot_process_resident_memory_bytes",
            "Resident memory of the daemon, the loaded model included.",
            rss as f64,
        )?;
    }
    r.register(Box::new(s.model_calls.latency.clone()))?;
    document_histogram(&r, &snap.documents)?;
    stage_families(&r, &snap.stages)?;
    Ok(r)
}

/// `GET /metrics` (Prometheus text format).
#[utoipa::path(get, path = "/metrics", tag = "meta", responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String), (status = "4XX", description = "Refused: see the error", body = crate::api::shapes::ApiError)))]
pub async fn metrics(State(s): State<AppState>) -> Response {
    let store = s.store.clone();
    let model_dir = s.config.model_dir.clone();
    let Ok(Ok(snap)) = tokio::task::spawn_blocking(move || snapshot(&store, &model_dir)).await
    else {
        return error_response(StatusCode::INTERNAL_SERVER_ERROR, "database error").into_response();
    };
    let encoded = registry(&s, &snap).and_then(|r| {
        let mut out = Vec::new();
        TextEncoder::new().encode(&r.gather(), &mut out)?;
        Ok(out)
    });
    match encoded {
        Ok(out) => (
            [(
                header::CONTENT_TYPE,
                TextEncoder::new().format_type().to_string(),
            )],
            out,
        )
            .into_response(),
        Err(e) => error_response(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()).into_response(),
    }
}
