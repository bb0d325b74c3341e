//! The model's part in reading: for each field, the top candidates plus "not on the document"
//! are the options, scored by their log-probability as the answer to the field's question
//! after the document ([`crate::llm::score`], the judge's option scoring). The system message
//! and the document are the same for every question of a document, so the document is prefilled
//! once and every later question takes it from the prefix KV cache; each question then costs
//! its own few tokens and its options'. The model never writes a value: it only ranks what the
//! text offers.

use std::collections::HashMap;
use std::time::Instant;

use anyhow::Result;
use serde_json::json;

use super::super::judge::clip;
use super::super::metrics::{engine_error, StageMetrics};
use super::super::prompts::Prompts;
use crate::llm::{EngineHandle, Message};

/// The option that says the field is not stated.
pub const NONE: &str = "not on the document";

/// Candidates of a field offered to the model (the best priors; "not on the document" besides).
pub const TOP: usize = 4;

/// Most characters of the document shown: its head and its tail (totals are at the end).
pub const DOCUMENT_CHARS: usize = 4500;

/// What the model makes of one field's options: a log-probability share per option
/// (log-softmax over the options of [`SHARPNESS`] × the option's total log-probability: the
/// model's probability of answering exactly that, renormalised over the options offered).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Judged {
    pub options: Vec<String>,
    pub logp: Vec<f64>,
    /// Per option: (Σ log-probability, tokens scored, log-probability of its first token).
    pub raw: Vec<(f64, usize, f64)>,
}

impl Judged {
    /// The option the model prefers.
    pub fn best(&self) -> usize {
        let mut best = 0;
        for (i, v) in self.logp.iter().enumerate() {
            if *v > self.logp[best] {
                best = i;
            }
        }
        best
    }

    /// The model's log share of option `printed` (−∞ when it was not offered).
    pub fn of(&self, printed: &str) -> f64 {
        self.options
            .iter()
            .position(|o| o == printed)
            .map_or(f64::NEG_INFINITY, |i| self.logp[i])
    }
}

/// How strongly a difference in log-probability separates options (1: the model's own
/// probabilities). The total, not the mean per token: the options are copied from the document,
/// so once an option's first tokens are chosen the rest are nearly certain, and the total is the
/// model's probability of that answer; on the real development set it chose right more often
/// than the mean per token (prior + model: 242 vs 237 of 281 fields whose right value was
/// offered, Qwen2.5-Coder-0.5B).
pub const SHARPNESS: f64 = 1.0;

/// `text` as the model sees it: runs of spaces shortened to three (columns stay apart), and
/// when longer than [`DOCUMENT_CHARS`], its first two thirds and its last third of that.
pub fn document_view(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut spaces = 0;
    for c in text.chars() {
        if c == ' ' {
            spaces += 1;
            if spaces > 3 {
                continue;
            }
        } else {
            spaces = 0;
        }
        out.push(c);
    }
    let n = out.chars().count();
    if n <= DOCUMENT_CHARS {
        return out;
    }
    let head: String = clip(&out, DOCUMENT_CHARS * 2 / 3).into_owned();
    let tail: String = out.chars().skip(n - DOCUMENT_CHARS / 3).collect();
    format!("{head}\n{tail}")
}

fn log_softmax(xs: &[f64]) -> Vec<f64> {
    let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = xs.iter().map(|x| (x - max).exp()).sum();
    xs.iter().map(|x| x - max - sum.ln()).collect()
}

/// Ask the model every question of `asked` (field, options) about `text`; one scoring call per
/// field, the document prefilled once.
///
/// Errors: the engine fails ([`crate::failure::Transient`] when the model cannot be loaded).
pub fn ask(
    engine: &EngineHandle,
    prompts: &Prompts,
    text: &str,
    asked: &[(&'static str, Vec<String>)],
    metrics: &mut Vec<StageMetrics>,
) -> Result<HashMap<&'static str, Judged>> {
    let system = prompts.render("read.system", json!({}))?;
    let document = prompts.render("read.document", json!({"text": document_view(text)}))?;
    let mut out = HashMap::new();
    for (field, options) in asked {
        if options.len() < 2 {
            continue;
        }
        let t0 = Instant::now();
        let question =
            prompts.render("read.question", json!({"field": field, "options": options}))?;
        let messages = vec![
            Message::system(system.clone()),
            Message::user(document.clone()),
            Message::user(question),
        ];
        let stage = format!("read:{field}");
        let scores = engine
            .score(messages, options.clone())
            .map_err(|e| engine_error(&stage, e))?;
        let totals: Vec<f64> = scores
            .options
            .iter()
            .map(|s| SHARPNESS * s.logprob)
            .collect();
        metrics.push(StageMetrics {
            stage,
            prompt_tokens: scores.prompt_tokens,
            cached_tokens: scores.cached_tokens,
            completion_tokens: scores.scored_tokens,
            forced_tokens: 0,
            prefill_seconds: scores.prefill_seconds,
            decode_seconds: scores.scoring_seconds,
            prefill_tokens_per_second: scores.prefill_tokens_per_second(),
            decode_tokens_per_second: scores.scoring_tokens_per_second(),
            seconds: t0.elapsed().as_secs_f64(),
        });
        out.insert(
            *field,
            Judged {
                options: options.clone(),
                logp: log_softmax(&totals),
                raw: scores
                    .options
                    .iter()
                    .map(|o| (o.logprob, o.tokens, o.first_logprob))
                    .collect(),
            },
        );
    }
    Ok(out)
}
