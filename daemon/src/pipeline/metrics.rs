//! What the pipeline's model calls share: the figures each records ([`StageMetrics`], stored
//! with the document and printed by `zopilot bench pipeline`) and how an engine error reads for
//! the document ([`engine_error`]). The model only ever scores options (`judge`,
//! `fields::choose`); it writes no value.

use anyhow::anyhow;
use serde::Serialize;

use crate::failure::Transient;
use crate::llm::{EngineError, GenerateError};

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
