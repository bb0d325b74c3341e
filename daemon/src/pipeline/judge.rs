//! The model's one job in the pipeline: a choice among options built from data (accounts of the
//! chart, PRIMARY candidates of the decision table, document kinds), made by scoring each option
//! as the answer ([`crate::llm::score`]) — never by generating free text. The prompt is
//! `schema/prompts/judge.*.j2`: the business, the facts the choice needs, the question, the
//! options.

use std::time::Instant;

use anyhow::{anyhow, Result};
use serde::Serialize;
use serde_json::json;

use super::llm_json::{engine_error, StageMetrics};
use super::prompts::Prompts;
use crate::llm::{EngineHandle, Message};

/// A choice and its evidence.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Choice {
    /// Index into the options.
    pub index: usize,
    pub option: String,
    /// Mean log-probability per token of each option, in order.
    pub scores: Vec<f64>,
    /// Best score minus the runner-up's (0 with one option): how clearly the model preferred it.
    pub margin: f64,
}

impl Choice {
    /// A confidence 0–100 from the margin: 50 at a tie, 90 at a margin of 1 nat per token or more.
    pub fn confidence(&self) -> i64 {
        (50.0 + 40.0 * self.margin.clamp(0.0, 1.0)).round() as i64
    }
}

/// Most characters of [`Question::context`] shown to the model (≈ 1,000 tokens of prose): a document
/// whose first lines are one enormous line costs no more than a normal one.
pub const MAX_CONTEXT_CHARS: usize = 3000;

/// `text` cut to `max` characters (on a character boundary), marked when cut.
pub fn clip(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => std::borrow::Cow::Borrowed(text),
        Some((i, _)) => std::borrow::Cow::Owned(format!("{}\n[…]", &text[..i])),
    }
}

/// What one judgment needs.
pub struct Question<'a> {
    /// For metrics: `judge:<what>`.
    pub stage: String,
    pub business: &'a str,
    /// The facts the choice rests on (document, line, counterparty).
    pub context: String,
    pub question: &'a str,
    pub options: Vec<String>,
}

/// Ask the model to choose among `q.options` (at least one).
///
/// Errors: no options; the engine fails ([`crate::failure::Transient`] when the model cannot be
/// loaded).
pub fn choose(
    engine: &EngineHandle,
    prompts: &Prompts,
    q: Question<'_>,
    metrics: &mut Vec<StageMetrics>,
) -> Result<Choice> {
    if q.options.is_empty() {
        return Err(anyhow!("{}: no options to choose from", q.stage));
    }
    if q.options.len() == 1 {
        return Ok(Choice {
            index: 0,
            option: q.options[0].clone(),
            scores: vec![0.0],
            margin: 0.0,
        });
    }
    let t0 = Instant::now();
    let system = prompts.render("judge.system", json!({"business": q.business}))?;
    let user = prompts.render(
        "judge.user",
        json!({"context": clip(&q.context, MAX_CONTEXT_CHARS), "question": q.question, "options": q.options}),
    )?;
    let scores = engine
        .score(
            vec![Message::system(system), Message::user(user)],
            q.options.clone(),
        )
        .map_err(|e| engine_error(&q.stage, e))?;
    let means: Vec<f64> = scores.options.iter().map(|s| s.mean).collect();
    let order = scores.ranking();
    let (best, second) = (order[0], order[1]);
    metrics.push(StageMetrics {
        stage: q.stage.clone(),
        prompt_tokens: scores.prompt_tokens,
        cached_tokens: scores.cached_tokens,
        completion_tokens: scores.scored_tokens,
        forced_tokens: 0,
        prefill_seconds: scores.prefill_seconds,
        // Scoring the options is this call's "decode".
        decode_seconds: scores.scoring_seconds,
        prefill_tokens_per_second: scores.prefill_tokens_per_second(),
        decode_tokens_per_second: scores.scoring_tokens_per_second(),
        seconds: t0.elapsed().as_secs_f64(),
    });
    Ok(Choice {
        index: best,
        option: q.options[best].clone(),
        margin: means[best] - means[second],
        scores: means,
    })
}
