//! `zopilot bench import`: import packaged models (time, peak memory) and compare decode speed
//! with a reference export of the same model, alternating, medians of several runs.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::scratch::tempfile_dir;
use super::stats::median;
use crate::config::Config;

/// Peak resident memory of this process since the last [`reset_peak_rss`], in MB (Linux `VmHWM`).
pub(super) fn peak_rss_mb() -> Option<f64> {
    crate::process_memory::peak_resident_bytes(None).map(|b| b as f64 / 1048576.0)
}

/// Reset the kernel's resident-memory high-water mark (`/proc/self/clear_refs`, value 5).
pub(super) fn reset_peak_rss() {
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

pub(super) fn run(
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
