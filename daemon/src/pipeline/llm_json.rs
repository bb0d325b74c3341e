//! One structured LLM call as the stages make it: fit the document text into the prompt budget,
//! generate greedily under a JSON Schema, parse, and record metrics.
//!
//! Budget policy (documented in README "Context length"): the document text is the only part that
//! is ever shortened. It is cut to at most `text_budget` tokens and, if the whole prompt still does
//! not fit `context_length − max_tokens`, cut further; each cut adds a warning (which routes the
//! document to review). Instructions, registry and profile are never cut.

use std::time::Instant;

use anyhow::{anyhow, bail, Result};
use serde::Serialize;
use serde_json::Value;

use crate::failure::Transient;
use crate::llm::{
    EngineError, EngineHandle, FinishReason, GenerateError, GenerationRequest, Message,
    SamplingParams,
};

/// Token counts and timings of one LLM call.
#[derive(Debug, Clone, Serialize)]
pub struct StageMetrics {
    /// `extract`, `stage1` or `stage2:<action>`.
    pub stage: String,
    pub prompt_tokens: usize,
    /// Of `prompt_tokens`, how many came from the prefix KV cache (not prefilled again).
    pub cached_tokens: usize,
    /// Generated tokens; for a judgment (`judge:*`), the option tokens scored.
    pub completion_tokens: usize,
    pub forced_tokens: usize,
    pub prefill_seconds: f64,
    pub decode_seconds: f64,
    pub prefill_tokens_per_second: f64,
    pub decode_tokens_per_second: f64,
    /// Wall time of the whole call (prompt building included).
    pub seconds: f64,
}

impl StageMetrics {
    /// The figures of completion `c` of `stage`, `seconds` of wall time.
    pub fn of(stage: &str, c: &crate::llm::Completion, seconds: f64) -> StageMetrics {
        StageMetrics {
            stage: stage.to_string(),
            prompt_tokens: c.prompt_tokens,
            cached_tokens: c.cached_tokens,
            completion_tokens: c.completion_tokens,
            forced_tokens: c.forced_tokens,
            prefill_seconds: c.prefill_seconds,
            decode_seconds: c.decode_seconds,
            prefill_tokens_per_second: c.prefill_tokens_per_second(),
            decode_tokens_per_second: c.decode_tokens_per_second(),
            seconds,
        }
    }
}

/// Inputs of one structured call.
pub struct JsonCall<'a> {
    pub stage: String,
    pub system: String,
    /// Builds the user message from (possibly shortened) document text.
    pub user: &'a dyn Fn(&str) -> Result<String>,
    pub text: &'a str,
    pub text_budget: usize,
    pub schema: &'a Value,
    pub max_tokens: usize,
}

const SHORTENED: &str = "\n[… document shortened to fit the model's context …]";

/// An engine error as the pipeline sees it: a model that cannot be loaded, a full queue or a
/// cancellation is [`Transient`] (retry later); a refused or failed generation is about this
/// document's prompt.
pub fn engine_error(stage: &str, e: EngineError) -> anyhow::Error {
    match e {
        EngineError::Generate(GenerateError::Invalid(m)) => anyhow!("{stage}: {m}"),
        EngineError::Generate(GenerateError::Runtime(e)) => anyhow!("{stage}: {e:#}"),
        other => anyhow!(Transient(format!("{stage}: {other}"))),
    }
}

/// Run `call` on `engine`; returns the parsed JSON (valid under `call.schema`).
pub fn generate_json(
    engine: &EngineHandle,
    call: JsonCall<'_>,
    metrics: &mut Vec<StageMetrics>,
    warnings: &mut Vec<String>,
) -> Result<Value> {
    let t0 = Instant::now();
    let stage = call.stage.clone();
    let ctx = engine
        .info()
        .map_err(|e| engine_error(&stage, e))?
        .context_length;
    // Small-context models: the output cap gives way to at most half the context.
    let max_tokens = call.max_tokens.min(ctx / 2);
    if max_tokens < 64 {
        bail!(
            "the model's context ({ctx} tokens) is too small for {}",
            call.stage
        );
    }
    let text = fit_text(engine, &call, ctx, max_tokens, warnings)?;
    let req = GenerationRequest {
        messages: vec![
            Message::system(call.system.clone()),
            Message::user((call.user)(&text)?),
        ],
        json_schema: Some(call.schema.clone()),
        sampling: SamplingParams::default(),
        max_tokens,
        max_input_length: None,
        stop: Vec::new(),
    };
    let c = engine
        .generate(req, None)
        .map_err(|e| engine_error(&stage, e))?;
    metrics.push(StageMetrics::of(
        &call.stage,
        &c,
        t0.elapsed().as_secs_f64(),
    ));
    // Model output may quote the document: debug level only.
    tracing::debug!(stage = %call.stage, finish = ?c.finish_reason, output = %c.text, "generated");
    if c.finish_reason == FinishReason::Length {
        bail!(
            "{}: the model did not finish its JSON within {} tokens",
            call.stage,
            max_tokens
        );
    }
    let value: Value = serde_json::from_str(c.text.trim()).map_err(|e| {
        anyhow!(
            "{}: the model's output is not JSON ({e}): {}",
            call.stage,
            c.text
        )
    })?;
    crate::schemas::validate_with(call.schema, &value)
        .map_err(|e| anyhow!("{}: {e}", call.stage))?;
    Ok(value)
}

/// The document text of `call`, shortened (with a warning) until the prompt fits
/// `context − max_tokens` and the text fits its budget. Errors: the instructions alone do not fit.
fn fit_text(
    engine: &EngineHandle,
    call: &JsonCall<'_>,
    ctx: usize,
    max_tokens: usize,
    warnings: &mut Vec<String>,
) -> Result<String> {
    let stage = call.stage.as_str();
    let limit = ctx - max_tokens;
    let count = |engine: &EngineHandle, text: &str| -> Result<usize> {
        let msgs = vec![
            Message::system(call.system.clone()),
            Message::user((call.user)(text)?),
        ];
        engine
            .count_prompt_tokens(msgs)
            .map_err(|e| engine_error(stage, e))
    };
    let overhead = count(engine, "")?;
    if overhead + 16 > limit {
        bail!(
            "the {} instructions alone ({overhead} tokens) do not fit the model's context ({ctx})",
            call.stage
        );
    }
    let allowed_text = call.text_budget.min(limit - overhead);
    let mut text: String = call.text.to_string();
    let mut total = count(engine, &text)?;
    let mut shortened = false;
    for _ in 0..6 {
        if total - overhead <= allowed_text && total <= limit {
            break;
        }
        let ratio = allowed_text as f64 / (total - overhead).max(1) as f64;
        let keep_chars = ((text.chars().count() as f64) * ratio * 0.95) as usize;
        text = text.chars().take(keep_chars).collect::<String>() + SHORTENED;
        shortened = true;
        total = count(engine, &text)?;
    }
    if total > limit {
        bail!("the {} prompt ({total} tokens) does not fit the model's context ({ctx} − {max_tokens} output tokens)", call.stage);
    }
    if shortened {
        warnings.push(format!(
            "{}: document text shortened from {} to {} characters to fit the model's context",
            call.stage,
            call.text.chars().count(),
            text.chars().count() - SHORTENED.chars().count()
        ));
    }
    Ok(text)
}
