//! `zopilot bench pipeline --corpus DIR`: run every document of `DIR/labels.json` through the
//! whole pipeline (a scratch database per document, the configured model) and print per stage
//! prompt tokens, generated tokens, prefill and decode tokens/s and seconds, plus the share of
//! PRIMARY actions accepted by the labels.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde_json::Value;

use super::scratch::tempfile_dir;
use crate::config::Config;
use crate::llm::EngineHandle;
use crate::pipeline::{self, profile::BusinessProfile, Pipeline};
use crate::store::{Policy, Status, Store};
use crate::worker::{finish, originals::Moves};

fn profile_from_label(b: &Value) -> BusinessProfile {
    let mut p = BusinessProfile::named(b["name"].as_str().unwrap_or("Business"));
    p.country = b["country"].as_str().map(str::to_string);
    p.currency = b["currency"].as_str().map(str::to_string);
    p
}

pub(super) fn run(
    cfg: &Config,
    corpus: &Path,
    only: Option<&str>,
    json_out: Option<&Path>,
) -> Result<ExitCode> {
    let labels: Value = serde_json::from_str(
        &std::fs::read_to_string(corpus.join("labels.json"))
            .with_context(|| format!("reading {}/labels.json", corpus.display()))?,
    )?;
    let scratch = tempfile_dir()?;
    let owner = crate::worker::worker_id();
    let policy = Policy::from_config(cfg);
    let engine = EngineHandle::spawn(pipeline::model_settings(cfg), 1);
    let pipeline = Pipeline::new(cfg, engine.clone())?;
    let t_load = std::time::Instant::now();
    let model = engine.info().map_err(|e| anyhow::anyhow!("{e}"))?.name;
    println!(
        "model: {model} ({}) on {:?}, loaded in {:.2} s",
        cfg.model_dir.display(),
        cfg.execution_provider,
        t_load.elapsed().as_secs_f64()
    );
    println!(
        "{:<42} {:<18} {:>7} {:>6} {:>6} {:>9} {:>9} {:>7}",
        "document / stage",
        "status|primary",
        "prompt",
        "gen",
        "forced",
        "prefill/s",
        "decode/s",
        "sec"
    );
    let (mut hits, mut labelled, mut previews_ok, mut previews) = (0, 0, 0, 0);
    let mut totals = [0f64; 5]; // prompt tokens, prefill s, gen tokens, decode s, wall s
    let mut rows = Vec::new();
    for (i, d) in labels["documents"]
        .as_array()
        .context("labels.json: no documents")?
        .iter()
        .enumerate()
    {
        let rel = d["file"].as_str().unwrap_or_default();
        if only.is_some_and(|o| !rel.contains(o)) {
            continue;
        }
        let src = corpus.join(rel);
        // A copy per label: the same file may be labelled for two businesses.
        let copy = scratch.join(format!(
            "{i:02}_{}",
            src.file_name().unwrap().to_string_lossy()
        ));
        std::fs::copy(&src, &copy).with_context(|| format!("copying {}", src.display()))?;
        // A database per document: the corpus labels some files twice (two businesses), which
        // one database would rightly treat as duplicates.
        let store = Store::open(&scratch.join(format!("{i:02}.sqlite3")))?;
        let id = store.enqueue(&copy, "bench", 0)?.id();
        let doc = store.claim(Some(id), &owner, &policy)?.context("claim")?;
        let profile = profile_from_label(&d["business"]);
        let run = pipeline.run(&*store, &doc, &profile);
        let report = finish::finish(&*store, &doc, &run, &policy, &Moves::default())?;
        let row = store.document(id)?.context("row")?;
        let primary = row
            .result
            .as_ref()
            .and_then(|r| r["primary_action"].as_str().map(str::to_string));
        let accepted: Vec<&str> = d["primary_any_of"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let verdict = if !accepted.is_empty() {
            labelled += 1;
            let ok = primary.as_deref().is_some_and(|p| accepted.contains(&p));
            hits += ok as usize;
            if ok {
                "ok"
            } else {
                "MISS"
            }
        } else if d["expect_preview"] == true {
            previews += 1;
            let ok = report.status == Status::PreviewRequired || report.status == Status::Failed;
            previews_ok += ok as usize;
            if ok {
                "ok(review)"
            } else {
                "MISS(review)"
            }
        } else {
            "-"
        };
        println!(
            "{:<42} {:<18} {:>52}",
            format!("{rel} [{}]", profile.name)
                .chars()
                .take(42)
                .collect::<String>(),
            format!("{} {}", report.status.as_str(), verdict),
            format!("{:.1} s", run.seconds)
        );
        if let Some(e) = &report.error {
            println!("    error: {}", e.chars().take(150).collect::<String>());
        }
        println!(
            "    primary: {}  (accepted: {})",
            primary.as_deref().unwrap_or("-"),
            if accepted.is_empty() {
                "none".into()
            } else {
                accepted.join(", ")
            }
        );
        for s in row
            .metrics
            .as_ref()
            .and_then(|m| m["stages"].as_array().cloned())
            .unwrap_or_default()
        {
            let f = |k: &str| s[k].as_f64().unwrap_or(0.0);
            println!(
                "    {:<38} {:<18} {:>7} {:>6} {:>6} {:>9.1} {:>9.1} {:>7.2}",
                s["stage"].as_str().unwrap_or(""),
                "",
                f("prompt_tokens"),
                f("completion_tokens"),
                f("forced_tokens"),
                f("prefill_tokens_per_second"),
                f("decode_tokens_per_second"),
                f("seconds")
            );
            totals[0] += f("prompt_tokens");
            totals[1] += f("prefill_seconds");
            totals[2] += f("completion_tokens");
            totals[3] += f("decode_seconds");
        }
        totals[4] += run.seconds;
        rows.push(serde_json::to_value(&row)?);
        let _ = std::fs::remove_file(&copy);
    }
    println!();
    println!(
        "prefill: {:.0} tokens in {:.1} s = {:.1} tokens/s; decode: {:.0} tokens in {:.1} s = {:.1} tokens/s; wall {:.1} s",
        totals[0], totals[1], totals[0] / totals[1].max(1e-9), totals[2], totals[3], totals[2] / totals[3].max(1e-9), totals[4]
    );
    if labelled > 0 {
        println!(
            "PRIMARY action in primary_any_of: {hits}/{labelled} = {:.1} %",
            100.0 * hits as f64 / labelled as f64
        );
    }
    if previews > 0 {
        println!("documents expected to need review that did: {previews_ok}/{previews}");
    }
    if let Some(p) = json_out {
        std::fs::write(p, serde_json::to_string_pretty(&rows)?)?;
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(ExitCode::SUCCESS)
}
