//! One request to the model and why its generation ended — the vocabulary shared by the request
//! path ([`super::generate`]) and the decode loop ([`super::decode`]).

use serde::Serialize;
use serde_json::Value;

use super::chat_template::Message;
use super::sampler::SamplingParams;

/// One request to the model.
#[derive(Debug, Clone)]
pub struct GenerationRequest {
    /// Chat messages, rendered with the model's chat template and a generation prompt.
    pub messages: Vec<Message>,
    /// When set, the output is constrained to JSON valid under this JSON Schema.
    pub json_schema: Option<Value>,
    pub sampling: SamplingParams,
    /// Cap on generated tokens (the stop token not counted).
    pub max_tokens: usize,
    /// Refuse prompts longer than this many tokens (`None`: the model's context length minus
    /// `max_tokens`). Never truncated silently: an over-long prompt is an error.
    pub max_input_length: Option<usize>,
    /// Stop sequences (OpenAI `stop`): generation ends before the first of them appears; the
    /// text returned excludes it.
    pub stop: Vec<String>,
}

/// Why generation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    /// A stop token (EOS / end of turn) was sampled.
    #[default]
    Stop,
    /// The grammar was complete: the JSON value is closed.
    Grammar,
    /// `max_tokens` was reached first.
    Length,
}
