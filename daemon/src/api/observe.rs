//! `GET /model-info` and `GET /metrics`: what the daemon runs and how it is doing, read from the
//! engine handle, the model folder and the store. Neither loads the model.
//!
//! `/metrics` is the Prometheus text exposition format (version 0.0.4,
//! <https://prometheus.io/docs/instrumenting/exposition_formats/>): documents by status and
//! source, queue depth, pause, model state, the daemon's resident memory, and per stage the
//! seconds, prompt and generated tokens summed over the stored documents.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::state::{error_response, AppState};

/// Most stored documents read per scrape for the per-stage sums (newest first).
const MAX_SCANNED: usize = 10_000;

/// `GET /model-info` → `{name, model_type, context_length, execution_provider, size_bytes,
/// loaded, load_seconds}` from the configured model folder (`genai_config.json`) and the engine;
/// `load_seconds` is null until the model was loaded by a request.
pub async fn model_info(State(s): State<AppState>) -> Response {
    let dir = s.config.model_dir.clone();
    let loaded = s.engine.loaded_info();
    let facts = tokio::task::spawn_blocking(move || {
        let real = dir.canonicalize().unwrap_or(dir.clone());
        let cfg: Option<Value> = std::fs::read_to_string(real.join("genai_config.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok());
        let size: u64 = std::fs::read_dir(&real)
            .map(|d| {
                d.flatten()
                    .filter_map(|e| e.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0);
        (real, cfg, size)
    })
    .await;
    let Ok((real, cfg, size)) = facts else {
        return error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            "reading the model folder",
        )
        .into_response();
    };
    let Some(cfg) = cfg else {
        return error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "no model installed (genai_config.json not found); run `zopilot models pull`",
        )
        .into_response();
    };
    Json(json!({
        "name": real.file_name().map(|n| n.to_string_lossy().into_owned()),
        "model_type": cfg["model"]["type"],
        "context_length": cfg["model"]["context_length"],
        "execution_provider": s.config.execution_provider,
        "size_bytes": size,
        "loaded": loaded.is_some(),
        "load_seconds": loaded.map(|i| i.load_seconds),
    }))
    .into_response()
}

/// Per-stage sums over stored documents' `metrics.stages`.
#[derive(Default)]
struct StageSums {
    count: u64,
    seconds: f64,
    prompt_tokens: u64,
    completion_tokens: u64,
}

type Counts = Vec<(String, String, i64)>;

/// Counts by source and status, the pause switch, and per-stage sums over stored documents.
fn read(
    store: &crate::store::Store,
) -> anyhow::Result<(Counts, bool, BTreeMap<String, StageSums>)> {
    let counts = store.counts_by_source()?;
    let paused = store.is_paused()?;
    let mut stages: BTreeMap<String, StageSums> = BTreeMap::new();
    for d in &store.documents(None, MAX_SCANNED, 0)? {
        let Some(list) = d.metrics.as_ref().and_then(|m| m["stages"].as_array()) else {
            continue;
        };
        for st in list {
            let e = stages
                .entry(st["stage"].as_str().unwrap_or("unknown").to_string())
                .or_default();
            e.count += 1;
            e.seconds += st["seconds"].as_f64().unwrap_or(0.0);
            e.prompt_tokens += st["prompt_tokens"].as_u64().unwrap_or(0);
            e.completion_tokens += st["completion_tokens"].as_u64().unwrap_or(0);
        }
    }
    Ok((counts, paused, stages))
}

/// One metric family: HELP, TYPE and its samples (`labels` already in braces, or empty).
fn family(out: &mut String, name: &str, kind: &str, help: &str, rows: Vec<(String, f64)>) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    for (labels, v) in rows {
        let _ = writeln!(out, "{name}{labels} {v}");
    }
}

/// The per-stage counters over stored documents.
fn stage_families(out: &mut String, stages: &BTreeMap<String, StageSums>) {
    let per = |f: &dyn Fn(&StageSums) -> f64| -> Vec<(String, f64)> {
        stages
            .iter()
            .map(|(k, v)| (format!("{{stage=\"{k}\"}}"), f(v)))
            .collect()
    };
    let families: [(&str, &str, Vec<(String, f64)>); 4] = [
        (
            "zopilot_stage_seconds_sum",
            "Seconds per stage over stored documents.",
            per(&|v| v.seconds),
        ),
        (
            "zopilot_stage_seconds_count",
            "Stage runs over stored documents.",
            per(&|v| v.count as f64),
        ),
        (
            "zopilot_prompt_tokens_total",
            "Prompt tokens per stage.",
            per(&|v| v.prompt_tokens as f64),
        ),
        (
            "zopilot_completion_tokens_total",
            "Generated or scored tokens per stage.",
            per(&|v| v.completion_tokens as f64),
        ),
    ];
    for (name, help, rows) in families {
        family(out, name, "counter", help, rows);
    }
}

/// `GET /metrics` (Prometheus text format).
pub async fn metrics(State(s): State<AppState>) -> Response {
    let store = s.store.clone();
    let Ok(Ok((counts, paused, stages))) = tokio::task::spawn_blocking(move || read(&store)).await
    else {
        return error_response(StatusCode::INTERNAL_SERVER_ERROR, "database error").into_response();
    };
    let one = |v: f64| vec![(String::new(), v)];
    let mut out = String::new();
    let queued: i64 = counts.iter().filter(|c| c.1 == "queued").map(|c| c.2).sum();
    let by_status = counts
        .iter()
        .map(|(src, st, n)| (format!("{{source=\"{src}\",status=\"{st}\"}}"), *n as f64))
        .collect();
    family(
        &mut out,
        "zopilot_documents",
        "gauge",
        "Documents by source and status.",
        by_status,
    );
    family(
        &mut out,
        "zopilot_queue_depth",
        "gauge",
        "Documents waiting.",
        one(queued as f64),
    );
    family(
        &mut out,
        "zopilot_paused",
        "gauge",
        "1 when paused.",
        one(paused as u8 as f64),
    );
    let loaded = s.engine.loaded_info();
    let is_loaded = loaded.is_some() as u8 as f64;
    family(
        &mut out,
        "zopilot_model_loaded",
        "gauge",
        "1 when the model is loaded.",
        one(is_loaded),
    );
    if let Some(i) = loaded {
        family(
            &mut out,
            "zopilot_model_load_seconds",
            "gauge",
            "Model load time.",
            one(i.load_seconds),
        );
    }
    if let Some(rss) = crate::process_memory::resident_bytes() {
        let help = "Resident memory of the daemon.";
        family(
            &mut out,
            "zopilot_process_resident_memory_bytes",
            "gauge",
            help,
            one(rss as f64),
        );
    }
    stage_families(&mut out, &stages);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}
