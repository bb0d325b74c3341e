//! `zopilot bench pipeline --corpus DIR`: run every document of `DIR/labels.json` through the
//! whole pipeline (a scratch database, the configured model) and print per stage prompt tokens,
//! generated tokens, prefill and decode tokens/s and seconds, plus the share of PRIMARY actions
//! accepted by the labels.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;
use serde_json::Value;

use crate::config::Config;
use crate::pipeline::profile::BusinessProfile;
use crate::pipeline::Pipeline;
use crate::queue;
use crate::store::documents::Status;
use crate::store::Store;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// The whole pipeline over a labelled corpus.
    Pipeline {
        /// Folder with labels.json (e.g. ../shared/corpus).
        #[arg(long)]
        corpus: PathBuf,
        /// Only documents whose file path contains this string.
        #[arg(long)]
        only: Option<String>,
        /// Also write every stored row to this JSON file.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Import packaged models (time, peak memory) and compare decode speed with a reference export.
    Import {
        /// Packaged model aliases (default: all of `zopilot models list`).
        aliases: Vec<String>,
        /// `ALIAS=DIR`: a builder-made export of that packaged model to compare decode speed with,
        /// e.g. `smollm2-135m-instruct=../shared/reference/smollm2-135m-instruct/onnx-int4`.
        #[arg(long)]
        reference: Option<String>,
        /// Tokens to decode per measurement.
        #[arg(long, default_value_t = 64)]
        tokens: usize,
    },
    /// Field accuracy of extraction against `fields/*.json` (header fields: dates equal, amounts
    /// within 0.01, strings equal after whitespace and case normalization), per document and
    /// per folder, with seconds per page of the text path and of the OCR path.
    Extract {
        /// The corpus folder (`pdf/`, `img/`, `scanpdf/`, `fields/`).
        #[arg(long)]
        corpus: PathBuf,
        /// Only documents whose name contains this.
        #[arg(long)]
        only: Option<String>,
    },
    /// Enqueue throughput (docs/s, one transaction per file and batched as the watcher does)
    /// and watcher readiness latency after the last write (p50/p99) with the configured
    /// stability window.
    Queue {
        /// Files for the throughput measurement.
        #[arg(long, default_value_t = 2000)]
        files: usize,
        /// Files written into a watched folder for the latency measurement.
        #[arg(long, default_value_t = 60)]
        watched: usize,
    },
}

pub fn run(cfg: &Config, cmd: BenchCommand) -> Result<ExitCode> {
    match cmd {
        BenchCommand::Pipeline { corpus, only, json } => {
            pipeline(cfg, &corpus, only.as_deref(), json.as_deref())
        }
        BenchCommand::Import {
            aliases,
            reference,
            tokens,
        } => import(cfg, aliases, reference.as_deref(), tokens),
        BenchCommand::Queue { files, watched } => super::bench_queue::run(cfg, files, watched),
        BenchCommand::Extract { corpus, only } => {
            super::bench_extract::run(cfg, &corpus, only.as_deref())
        }
    }
}

fn profile_from_label(b: &Value) -> BusinessProfile {
    let mut p = BusinessProfile::named(b["name"].as_str().unwrap_or("Business"));
    p.country = b["country"].as_str().map(str::to_string);
    p.currency = b["currency"].as_str().map(str::to_string);
    p
}

fn pipeline(
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
    let policy = queue::Policy::from_config(cfg);
    let pipeline = Pipeline::new(cfg)?;
    let t_load = std::time::Instant::now();
    let model = pipeline.with_engine(|e| e.name().to_string())?;
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
        let id = queue::enqueue(&store, &copy, "bench", 0)?.id();
        let doc = queue::claim(&store, id, &owner, &policy)?.context("claim")?;
        let profile = profile_from_label(&d["business"]);
        let report = pipeline.process(&store, &doc, &profile)?;
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
            format!("{:.1} s", report.seconds)
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
        totals[4] += report.seconds;
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

pub(super) fn tempfile_dir() -> Result<PathBuf> {
    let d = std::env::temp_dir().join(format!("zopilot-bench-{}", std::process::id()));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}

/// Peak resident memory of this process since the last [`reset_peak_rss`], in MB (Linux `VmHWM`).
fn peak_rss_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Reset the kernel's resident-memory high-water mark (`/proc/self/clear_refs`, value 5).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Greedy decode speed of the model folder `dir`: prefill a fixed prompt, then `n` single-token
/// steps through the KV cache. Returns (prefill tokens, prefill s, decode tokens/s).
/// A loaded model and a fixed chat prompt, for decode-speed measurements.
struct DecodeProbe {
    engine: crate::llm::Engine,
    prompt: Vec<u32>,
}

impl DecodeProbe {
    fn load(cfg: &Config, dir: &Path) -> Result<DecodeProbe> {
        let engine = crate::llm::Engine::load(
            &cfg.ort_library,
            dir,
            cfg.execution_provider,
            cfg.intra_threads,
        )?;
        let msgs = [
            crate::llm::Message::system("You extract invoice fields as JSON."),
            crate::llm::Message::user("INVOICE #123 from ABC Consulting, dated 2024-03-15. Consulting services: $1,500.00. Tax: $195.00. Total due: $1,695.00."),
        ];
        let prompt = engine
            .encode_chat(&msgs)
            .map_err(|x| anyhow::anyhow!("{x}"))?;
        Ok(DecodeProbe { engine, prompt })
    }

    /// Prefill the prompt, then greedy-decode `n` tokens: (prompt tokens, prefill s, decode tok/s).
    fn run(&mut self, n: usize) -> Result<(usize, f64, f64)> {
        let e = &mut self.engine;
        let mut cache = e.new_cache()?;
        let t0 = std::time::Instant::now();
        let mut logits = e.forward(&self.prompt, &mut cache)?;
        let prefill = t0.elapsed().as_secs_f64();
        let t1 = std::time::Instant::now();
        for _ in 0..n {
            let t = crate::llm::sampler::argmax(&logits).context("no token")?;
            logits = e.forward(&[t], &mut cache)?;
        }
        Ok((
            self.prompt.len(),
            prefill,
            n as f64 / t1.elapsed().as_secs_f64(),
        ))
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Median decode tok/s of each probe over `rounds` rounds after one warm-up, the probes taking
/// turns within each round so that load on a shared machine hits them alike.
fn decode_medians(probes: &mut [DecodeProbe], tokens: usize, rounds: usize) -> Result<Vec<f64>> {
    let mut samples = vec![Vec::new(); probes.len()];
    for p in probes.iter_mut() {
        p.run(tokens.min(8))?;
    }
    for _ in 0..rounds {
        for (p, s) in probes.iter_mut().zip(&mut samples) {
            s.push(p.run(tokens)?.2);
        }
    }
    Ok(samples.into_iter().map(median).collect())
}

/// Decode measurements per model in `bench import`.
const ROUNDS: usize = 7;

fn import(
    cfg: &Config,
    aliases: Vec<String>,
    reference: Option<&str>,
    tokens: usize,
) -> Result<ExitCode> {
    let aliases: Vec<String> = if aliases.is_empty() {
        zopilot_models::catalog::CATALOG
            .iter()
            .map(|p| p.alias.to_string())
            .collect()
    } else {
        aliases
    };
    let scratch = tempfile_dir()?;
    println!(
        "{:<30} {:>9} {:>12} {:>10} {:>14}",
        "model", "import s", "peak MB", "size MB", "decode tok/s"
    );
    for alias in &aliases {
        let gguf = zopilot_models::fetch::fetch_alias(alias, &mut |l| eprintln!("{l}"))?;
        let out = scratch.join(alias);
        reset_peak_rss();
        let before = peak_rss_mb().unwrap_or(0.0);
        let r = zopilot_models::import::import(
            &gguf,
            &out,
            &crate::cli::models::graph_options(
                crate::cli::models::Target::for_provider(cfg.execution_provider),
                crate::cli::models::Weights::Int4,
                4,
            ),
            &mut |_, _| {},
        )?;
        let peak = peak_rss_mb().unwrap_or(0.0);
        // With a reference export of the same model, both decode in alternation.
        let same_model = reference
            .and_then(|r| r.split_once('='))
            .filter(|(a, _)| a == alias)
            .map(|(_, dir)| Path::new(dir));
        let mut probes = vec![DecodeProbe::load(cfg, &out)?];
        if let Some(r) = same_model {
            probes.push(DecodeProbe::load(cfg, r)?);
        }
        let tps = decode_medians(&mut probes, tokens, ROUNDS)?;
        println!(
            "{:<30} {:>9.2} {:>12.0} {:>10.1} {:>14.1}   (RSS before import {:.0} MB)",
            alias,
            r.seconds,
            peak,
            r.bytes as f64 / 1e6,
            tps[0],
            before
        );
        if let (Some(r), Some(t)) = (same_model, tps.get(1)) {
            println!(
                "{:<30} {:>9} {:>12} {:>10} {:>14.1}   ({}; imported/reference {:.2})",
                "  reference export",
                "-",
                "-",
                "-",
                t,
                r.display(),
                tps[0] / t
            );
        }
        drop(probes);
        std::fs::remove_dir_all(&out)?;
    }
    println!("decode tok/s: median of {ROUNDS} runs of {tokens} greedy tokens after the same chat prompt");
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(ExitCode::SUCCESS)
}
