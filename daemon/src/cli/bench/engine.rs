//! `zopilot bench engine`: prefill and decode speed of one model folder at several prompt
//! lengths, cold (nothing cached) and warm (all but the last `rest` tokens in the prefix KV
//! cache), medians over rounds that take the lengths in turn.
//!
//! The prompts are made of the model's own tokens for a fixed, varied invoice-like text, cut to
//! the exact length, so every run (and `models/bench/genai_compare.py`, which reads the ids from
//! `--json`) feeds the same ids. Decode is greedy for a fixed number of tokens, end-of-text
//! ignored, like onnxruntime-genai's benchmark with `min_length` = `max_length`.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{anyhow, Context, Result};
use serde::Serialize;

use super::stats::median;
use crate::config::Config;
use crate::llm::tokenizer::Piece;
use crate::llm::Engine;

/// What `bench engine` measures.
pub(super) struct Options<'a> {
    pub model: &'a Path,
    /// Prompt lengths in tokens.
    pub contexts: Vec<usize>,
    /// Tokens after the cached prefix in the warm case (at most half the prompt).
    pub rest: usize,
    /// Greedy tokens decoded per measurement.
    pub decode: usize,
    pub rounds: usize,
    pub prefill_chunk: Option<usize>,
    pub json: Option<&'a Path>,
    /// Also measure option scoring ([`super::scoring`]).
    pub scoring: bool,
}

/// One prompt length's medians.
#[derive(Debug, Serialize)]
struct Row {
    model: String,
    context: usize,
    cached_prefix: usize,
    /// Prefill of the whole prompt as one request with no cacheable prefix (passes of the
    /// engine's prefill chunk), tokens/s: the engine's prefill speed.
    prefill_tps: f64,
    /// Cold time to first token of the prompt with a cacheable prefix (the cache empty): the
    /// prefix and the rest prefilled separately, as every request with a prefix is, so that a
    /// cached prefix gives the same result; and its tokens/s.
    cold_ttft_s: f64,
    cold_prefill_tps: f64,
    /// Warm: the prefix from the cache, the rest prefilled.
    warm_ttft_s: f64,
    warm_speedup: f64,
    /// Greedy decode after the prompt, one forward pass per token, tokens/s.
    decode_tps: f64,
    /// The same with prompt lookup drafts (the engine's default under greedy decoding), the
    /// forward passes it took for `decode_tokens`, and whether its tokens equal the plain ones.
    lookup_decode_tps: f64,
    lookup_forward_passes: usize,
    lookup_same_tokens: bool,
    decode_tokens: usize,
    rounds: usize,
    prompt_ids: Vec<u32>,
}

pub(super) fn run(cfg: &Config, o: Options<'_>) -> Result<ExitCode> {
    let mut engine = Engine::load(
        &cfg.ort_library,
        o.model,
        cfg.execution_provider,
        cfg.intra_threads,
    )?;
    if let Some(n) = o.prefill_chunk {
        engine.set_prefill_chunk(n);
    }
    let longest = o.contexts.iter().copied().max().unwrap_or(0);
    if longest + o.decode > engine.context_length() {
        anyhow::bail!(
            "context {longest} + {} decoded tokens exceeds the model's context length ({})",
            o.decode,
            engine.context_length()
        );
    }
    let corpus = filler_ids(&engine, longest)?;
    let mut samples: Vec<Samples> = o.contexts.iter().map(|_| Samples::default()).collect();
    let prefixes: Vec<usize> = o.contexts.iter().map(|&n| n - o.rest.min(n / 2)).collect();
    // One untimed prefill of the longest prompt, so that ONNX Runtime's memory arena has grown
    // to its largest before the first measurement (a long-running daemon's state; in a fresh
    // process the first prefill of each length otherwise pays the arena's growth).
    engine.prefill_tokens(&corpus[..longest], 0, 1)?;
    for _ in 0..o.rounds {
        for (i, &n) in o.contexts.iter().enumerate() {
            samples[i].measure(&mut engine, &corpus[..n], prefixes[i], o.decode)?;
        }
    }
    let rows: Vec<Row> = o
        .contexts
        .iter()
        .zip(samples)
        .zip(&prefixes)
        .map(|((&n, s), &p)| s.row(engine.name(), &corpus[..n], p, &o))
        .collect();
    print_rows(&rows, &o, cfg);
    let scoring = match o.scoring {
        true => Some(super::scoring::measure(&mut engine, o.rounds)?),
        false => None,
    };
    if let Some(scoring) = &scoring {
        println!(
        "option scoring ({} options, {} prompt tokens prefilled in {:.3} s, {} option tokens): one pass per option {:.3} s ({} passes), batched {:.3} s ({} passes){}",
        scoring.options,
        scoring.prompt_tokens,
        scoring.prefill_s,
        scoring.scored_tokens,
        scoring.sequential_s,
        scoring.sequential_passes,
        scoring.batched_s,
        scoring.batched_passes,
        if scoring.same_choice { "" } else { ", DIFFERENT choice" }
    );
    }
    if let Some(path) = o.json {
        let out = serde_json::json!({"contexts": rows, "scoring": scoring});
        std::fs::write(path, serde_json::to_vec_pretty(&out)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_rows(rows: &[Row], o: &Options<'_>, cfg: &Config) {
    println!(
        "{:>8} {:>12} {:>8} {:>12} {:>12} {:>8} {:>12} {:>14}",
        "context",
        "prefill t/s",
        "cached",
        "cold TTFT s",
        "warm TTFT s",
        "warm ×",
        "decode t/s",
        "lookup t/s"
    );
    for r in rows {
        println!(
            "{:>8} {:>12.1} {:>8} {:>12.3} {:>12.3} {:>8.2} {:>12.1} {:>8.1} ({}{})",
            r.context,
            r.prefill_tps,
            r.cached_prefix,
            r.cold_ttft_s,
            r.warm_ttft_s,
            r.warm_speedup,
            r.decode_tps,
            r.lookup_decode_tps,
            r.lookup_forward_passes,
            if r.lookup_same_tokens {
                ""
            } else {
                ", DIFFERENT tokens"
            }
        );
    }
    println!(
        "{}: medians of {} rounds; prefill = the whole prompt, no prefix; cold/warm TTFT = the prompt with its first `cached` tokens as a prefix, the cache empty / holding it; decode = {} greedy tokens after the prompt (lookup: with prompt lookup drafts, forward passes in brackets); {:?} execution provider, {} intra-op threads",
        rows.first().map(|r| r.model.as_str()).unwrap_or("model"),
        o.rounds,
        o.decode,
        cfg.execution_provider,
        cfg.intra_threads
    );
}

/// One prompt length's measurements over the rounds.
#[derive(Default)]
struct Samples {
    prefill: Vec<f64>,
    cold: Vec<f64>,
    warm: Vec<f64>,
    decode: Vec<f64>,
    lookup: Vec<f64>,
    lookup_passes: usize,
    different: bool,
}

impl Samples {
    /// One round: prefill without a prefix, cold prefill (prefix cache cleared), warm prefill (prefix from the cache) and
    /// decode after it, then decode with prompt lookup after another warm prefill.
    fn measure(
        &mut self,
        engine: &mut Engine,
        prompt: &[u32],
        prefix: usize,
        n: usize,
    ) -> Result<()> {
        engine.clear_prefix_cache();
        self.prefill
            .push(timed(|| engine.prefill_tokens(prompt, 0, 0).map(|_| ()))?);
        self.cold.push(timed(|| {
            engine.prefill_tokens(prompt, prefix, 0).map(|_| ())
        })?);
        let t0 = Instant::now();
        let (mut cache, logits, hit) = engine.prefill_tokens(prompt, prefix, n)?;
        self.warm.push(t0.elapsed().as_secs_f64());
        if hit != prefix {
            anyhow::bail!(
                "the prefix was not cached (prefix_cache_mb too small for {prefix} tokens?)"
            );
        }
        let t1 = Instant::now();
        let (plain, _) = engine.decode_greedy(prompt, &mut cache, logits, n, false)?;
        self.decode.push(n as f64 / t1.elapsed().as_secs_f64());
        drop(cache);
        let (mut cache, logits, _) = engine.prefill_tokens(prompt, prefix, n)?;
        let t2 = Instant::now();
        let (drafted, passes) = engine.decode_greedy(prompt, &mut cache, logits, n, true)?;
        self.lookup.push(n as f64 / t2.elapsed().as_secs_f64());
        self.lookup_passes = passes;
        self.different |= drafted != plain;
        Ok(())
    }

    fn row(self, model: &str, prompt: &[u32], prefix: usize, o: &Options<'_>) -> Row {
        let (c, w) = (median(self.cold), median(self.warm));
        let n = prompt.len();
        Row {
            model: model.to_string(),
            context: n,
            cached_prefix: prefix,
            prefill_tps: n as f64 / median(self.prefill),
            cold_ttft_s: c,
            cold_prefill_tps: n as f64 / c,
            warm_ttft_s: w,
            warm_speedup: c / w,
            decode_tps: median(self.decode),
            lookup_decode_tps: median(self.lookup),
            lookup_forward_passes: self.lookup_passes,
            lookup_same_tokens: !self.different,
            decode_tokens: o.decode,
            rounds: o.rounds,
            prompt_ids: prompt.to_vec(),
        }
    }
}

/// Run `f`, returning its wall time in seconds.
fn timed(f: impl FnOnce() -> Result<(), crate::llm::GenerateError>) -> Result<f64> {
    let t = Instant::now();
    f().map_err(|e| anyhow!("{e}"))?;
    Ok(t.elapsed().as_secs_f64())
}

/// At least `n` token ids of a varied invoice-like text (line items with changing numbers, so
/// the prompt is not one phrase repeated).
fn filler_ids(engine: &Engine, n: usize) -> Result<Vec<u32>> {
    const ITEMS: [&str; 6] = [
        "Consulting services, March",
        "Office chairs (ergonomic)",
        "Cloud hosting - standard plan",
        "Printer toner, black",
        "Travel: train Berlin-Hamburg",
        "Annual software licence",
    ];
    let mut text = String::from(
        "INVOICE 2024-0117\nSupplier: Nordwind Trading GmbH, Hafenstrasse 12, 20457 Hamburg\n",
    );
    let mut ids = Vec::new();
    let mut i = 0usize;
    while ids.len() < n {
        for _ in 0..64 {
            i += 1;
            let qty = 1 + (i * 7) % 13;
            let price = 10.0 + ((i * 37) % 900) as f64 / 4.0;
            text.push_str(&format!(
                "{i:>3}. {} qty {qty} x {price:.2} EUR = {:.2} EUR (account {})\n",
                ITEMS[i % ITEMS.len()],
                qty as f64 * price,
                6000 + (i * 11) % 400
            ));
        }
        ids = engine.tokenizer().encode(&[Piece::Content(&text)])?;
    }
    ids.truncate(n);
    Ok(ids)
}
