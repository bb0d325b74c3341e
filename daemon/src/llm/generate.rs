//! The generation loop: chunked prefill, then decode steps until EOS, grammar completion or
//! `max_tokens`, with grammar-forced tokens batched into a single forward pass.

use std::time::Instant;

use anyhow::anyhow;
use serde::Serialize;
use serde_json::Value;

use super::chat_template::Message;
use super::kv_cache::KvCache;
use super::sampler::{Sampler, SamplingParams};
use super::text_stream::TextStream;
use super::tokenizer::{Piece, PromptTokenizer};
use super::{Engine, GenerateError};

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

/// A finished generation with its accounting.
#[derive(Debug, Clone, Serialize)]
pub struct Completion {
    pub text: String,
    pub prompt_tokens: usize,
    /// Of `prompt_tokens`, how many came from the prefix KV cache (not prefilled again).
    pub cached_tokens: usize,
    /// Generated tokens, grammar-forced ones included.
    pub completion_tokens: usize,
    /// Of `completion_tokens`, how many the grammar forced (no sampling).
    pub forced_tokens: usize,
    pub prefill_seconds: f64,
    pub decode_seconds: f64,
    /// Number of decoder forward passes after prefill.
    pub decode_steps: usize,
    pub finish_reason: FinishReason,
}

impl Completion {
    /// Prompt tokens per second of prefill.
    pub fn prefill_tokens_per_second(&self) -> f64 {
        rate(self.prompt_tokens, self.prefill_seconds)
    }
    /// Generated tokens per second of decode.
    pub fn decode_tokens_per_second(&self) -> f64 {
        rate(self.completion_tokens, self.decode_seconds)
    }
}

fn rate(n: usize, s: f64) -> f64 {
    if s > 0.0 {
        n as f64 / s
    } else {
        0.0
    }
}

impl Engine {
    /// Tokenize `messages` through the chat template (content as text, markup as special tokens).
    pub fn encode_chat(&self, messages: &[Message]) -> Result<Vec<u32>, GenerateError> {
        self.encode_messages(messages, true)
    }

    /// The prompt of `messages` and the length of its stable prefix: the messages before the
    /// last, rendered the same way, when that is a proper prefix of the prompt (else 0). The
    /// prefix is what [`super::prefix_cache`] keeps.
    pub fn encode_with_prefix(
        &self,
        messages: &[Message],
    ) -> Result<(Vec<u32>, usize), GenerateError> {
        let prompt = self.encode_chat(messages)?;
        let prefix = match messages.len() {
            0 | 1 => 0,
            n => {
                let p = self.encode_messages(&messages[..n - 1], false)?;
                if !p.is_empty() && p.len() < prompt.len() && prompt.starts_with(&p) {
                    p.len()
                } else {
                    0
                }
            }
        };
        Ok((prompt, prefix))
    }

    fn encode_messages(
        &self,
        messages: &[Message],
        add_generation_prompt: bool,
    ) -> Result<Vec<u32>, GenerateError> {
        let mut text = String::new();
        let ranges = self
            .template
            .render_pieces(messages, add_generation_prompt, &mut text)
            .map_err(|e| GenerateError::Invalid(format!("{e:#}")))?;
        let pieces: Vec<Piece<'_>> = ranges
            .iter()
            .map(|(is_content, r)| {
                if *is_content {
                    Piece::Content(&text[r.clone()])
                } else {
                    Piece::Markup(&text[r.clone()])
                }
            })
            .collect();
        self.tokenizer
            .encode(&pieces)
            .map_err(GenerateError::Runtime)
    }

    /// Run one request to completion.
    ///
    /// Errors: [`GenerateError::Invalid`] for requests that can never succeed on this model
    /// (`max_tokens` ≥ context length, prompt over `max_input_length`, prompt + `max_tokens` over
    /// the context length, a schema llguidance cannot compile); [`GenerateError::Runtime`] for
    /// ONNX Runtime failures.
    pub fn generate(&mut self, req: &GenerationRequest) -> Result<Completion, GenerateError> {
        self.generate_cancellable(req, None)
    }

    /// [`Engine::generate`], stopped with [`GenerateError::Cancelled`] at the next forward pass
    /// once `cancel` is set.
    pub fn generate_cancellable(
        &mut self,
        req: &GenerationRequest,
        cancel: Option<&super::CancelToken>,
    ) -> Result<Completion, GenerateError> {
        self.generate_streaming(req, cancel, None)
    }

    /// [`Engine::generate_cancellable`] that hands the text to `on_text` as it is generated, in
    /// pieces that never split a UTF-8 character and never show the start of a stop sequence
    /// before it is known not to be one ([`TextStream`]). The pieces concatenated are the
    /// completion's text.
    pub fn generate_streaming(
        &mut self,
        req: &GenerationRequest,
        cancel: Option<&super::CancelToken>,
        mut on_text: Option<&mut dyn FnMut(&str)>,
    ) -> Result<Completion, GenerateError> {
        let prompt = self.checked_prompt(req)?;
        let (_, prefix) = self.encode_with_prefix(&req.messages)?;
        let constraint = match &req.json_schema {
            Some(s) => Some(
                self.grammar
                    .json_schema(s)
                    .map_err(|e| GenerateError::Invalid(format!("{e:#}")))?,
            ),
            None => None,
        };
        let t0 = Instant::now();
        let (mut cache, logits, cached_tokens) = self.prefill(&prompt, prefix, cancel)?;
        let prefill_seconds = t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        let mut stream = TextStream::new(&req.stop);
        // Only stop sequences and streaming need the text while decoding (a full decode of the
        // tokens so far per step).
        let watching = !req.stop.is_empty() || on_text.is_some();
        let mut emit = |s: &str| {
            if let Some(f) = on_text.as_mut() {
                f(s)
            }
        };
        let mut watch = |tok: &PromptTokenizer, generated: &[u32]| {
            let text = tok.decode(generated, true).unwrap_or_default();
            stream.step(&text, &mut emit)
        };
        let watch: Option<&mut dyn FnMut(&PromptTokenizer, &[u32]) -> bool> =
            if watching { Some(&mut watch) } else { None };
        let d = self.decode(req, &mut cache, logits, constraint, cancel, watch)?;
        let decode_seconds = t1.elapsed().as_secs_f64();
        let mut text = self
            .tokenizer
            .decode(&d.generated, true)
            .map_err(GenerateError::Runtime)?;
        if let Some(cut) = stream.stopped_at {
            text.truncate(cut);
        }
        stream.finish(&text, &mut emit);
        Ok(Completion {
            text,
            prompt_tokens: prompt.len(),
            cached_tokens,
            completion_tokens: d.generated.len(),
            forced_tokens: d.forced,
            prefill_seconds,
            decode_seconds,
            decode_steps: d.steps,
            finish_reason: d.finish,
        })
    }

    /// The request's prompt tokens, after the checks that make it servable on this model.
    fn checked_prompt(&self, req: &GenerationRequest) -> Result<Vec<u32>, GenerateError> {
        let ctx = self.session.config.context_length;
        req.sampling.validate().map_err(GenerateError::Invalid)?;
        if req.max_tokens == 0 {
            return Err(GenerateError::Invalid(
                "max_tokens must be at least 1".into(),
            ));
        }
        if req.max_tokens >= ctx {
            return Err(GenerateError::Invalid(format!(
                "max_tokens ({}) must be below the model's context length ({ctx})",
                req.max_tokens
            )));
        }
        let prompt = self.encode_chat(&req.messages)?;
        let limit = req.max_input_length.unwrap_or(ctx - req.max_tokens);
        if prompt.len() > limit {
            return Err(GenerateError::Invalid(format!(
                "the prompt is {} tokens, above max_input_length ({limit})",
                prompt.len()
            )));
        }
        if prompt.len() + req.max_tokens > ctx {
            return Err(GenerateError::Invalid(format!(
                "prompt ({} tokens) + max_tokens ({}) exceeds the model's context length ({ctx})",
                prompt.len(),
                req.max_tokens
            )));
        }
        Ok(prompt)
    }

    /// Run `prompt` through the decoder in chunks — its first `prefix` tokens, then the rest —
    /// taking the prefix's KV from the prefix cache when it is there (and keeping it there when
    /// it was not). The filled KV cache, the last position's logits and how many tokens came
    /// from the cache. Cached or not, the same passes run over the same chunks, so the result
    /// does not depend on the cache.
    pub(super) fn prefill(
        &mut self,
        prompt: &[u32],
        prefix: usize,
        cancel: Option<&super::CancelToken>,
    ) -> Result<(KvCache, Vec<f32>, usize), GenerateError> {
        let chunk = self.prefill_chunk.max(1);
        let stop = || cancel.is_some_and(|c| c.is_cancelled());
        let (cfg, f16) = (self.session.config.clone(), self.session.kv_f16);
        let empty = || KvCache::empty(&cfg, f16).map_err(GenerateError::Runtime);
        let (head, mut rest) = prompt.split_at(prefix.min(prompt.len().saturating_sub(1)));
        let mut cached = 0;
        let (mut cache, mut logits) = (empty()?, Vec::new());
        if !head.is_empty() {
            if self.prefixes.get(head).is_some() {
                cached = head.len();
            } else {
                logits = self.forward_chunks(head, &mut cache, cancel)?;
                let bytes = kv_bytes(&cfg, f16, head.len());
                if self.prefixes.would_keep(bytes) {
                    self.prefixes.insert(
                        head.to_vec(),
                        std::mem::replace(&mut cache, empty()?),
                        bytes,
                    );
                }
            }
            // Continue from the kept prefix without changing it (ONNX Runtime writes the
            // present KV to new tensors).
            if let Some(past) = self.prefixes.get(head) {
                let first = &rest[..rest.len().min(chunk)];
                if stop() {
                    return Err(GenerateError::Cancelled);
                }
                let (l, c) = self
                    .session
                    .forward_fork_last(first, past)
                    .map_err(GenerateError::Runtime)?;
                (cache, logits, rest) = (c, l, &rest[first.len()..]);
            }
        }
        if !rest.is_empty() {
            logits = self.forward_chunks(rest, &mut cache, cancel)?;
        }
        Ok((cache, logits, cached))
    }

    /// Run `tokens` through the decoder after `cache`, [`Engine::prefill`]'s chunk at a time,
    /// checking `cancel` before each; the last position's logits.
    fn forward_chunks(
        &mut self,
        tokens: &[u32],
        cache: &mut KvCache,
        cancel: Option<&super::CancelToken>,
    ) -> Result<Vec<f32>, GenerateError> {
        let mut logits = Vec::new();
        for c in tokens.chunks(self.prefill_chunk.max(1)) {
            if cancel.is_some_and(|c| c.is_cancelled()) {
                return Err(GenerateError::Cancelled);
            }
            logits = self
                .session
                .forward(c, cache)
                .map_err(GenerateError::Runtime)?;
        }
        Ok(logits)
    }

    /// Decode from `logits` until a stop token, grammar completion or `max_tokens`.
    fn decode(
        &mut self,
        req: &GenerationRequest,
        cache: &mut KvCache,
        mut logits: Vec<f32>,
        mut constraint: Option<super::constraint::Constraint>,
        cancel: Option<&super::CancelToken>,
        mut watch: Option<&mut dyn FnMut(&PromptTokenizer, &[u32]) -> bool>,
    ) -> Result<Decoded, GenerateError> {
        let mut sampler = Sampler::new(req.sampling.clone());
        let mut d = Decoded::default();
        let finish = loop {
            if let Some(c) = constraint.as_mut() {
                if c.is_stopped() {
                    break FinishReason::Grammar;
                }
                c.mask_logits(&mut logits).map_err(GenerateError::Runtime)?;
            }
            if let Some(t) = loop_continuation(&d.generated) {
                // Degenerate loop guard: refuse the token that would extend a cycle.
                if let Some(l) = logits.get_mut(t as usize) {
                    *l = f32::NEG_INFINITY;
                }
            }
            let Some(tok) = sampler.sample(&mut logits, &d.generated) else {
                let why = constraint
                    .as_ref()
                    .and_then(|c| c.error())
                    .unwrap_or_else(|| "no token allowed".into());
                return Err(GenerateError::Runtime(anyhow!("generation stuck: {why}")));
            };
            if self.eos.contains(&tok) {
                break FinishReason::Stop;
            }
            d.generated.push(tok);
            let mut pending = vec![tok];
            if let Some(c) = constraint.as_mut() {
                c.consume(tok).map_err(GenerateError::Runtime)?;
                if c.is_stopped() {
                    break FinishReason::Grammar;
                }
                // Tokens the grammar forces go into the next forward pass together.
                let ff = c.forced_tokens();
                let room = req.max_tokens.saturating_sub(d.generated.len());
                let ff = &ff[..ff.len().min(room)];
                d.forced += ff.len();
                d.generated.extend_from_slice(ff);
                pending.extend_from_slice(ff);
                if c.is_stopped() {
                    break FinishReason::Grammar;
                }
            }
            if watch
                .as_mut()
                .is_some_and(|w| w(&self.tokenizer, &d.generated))
            {
                break FinishReason::Stop;
            }
            if d.generated.len() >= req.max_tokens {
                break FinishReason::Length;
            }
            if cancel.is_some_and(|c| c.is_cancelled()) {
                return Err(GenerateError::Cancelled);
            }
            logits = self
                .session
                .forward(&pending, cache)
                .map_err(GenerateError::Runtime)?;
            d.steps += 1;
        };
        d.finish = finish;
        Ok(d)
    }
}

/// Bytes of the keys and values of `tokens` tokens: 2 × layers × kv heads × head size × tokens
/// × 2 (float16) or 4 (float32).
fn kv_bytes(cfg: &super::model_config::ModelConfig, f16: bool, tokens: usize) -> usize {
    2 * cfg.num_layers * cfg.num_kv_heads * cfg.head_size * tokens * if f16 { 2 } else { 4 }
}

/// What a decode produced.
#[derive(Default)]
struct Decoded {
    generated: Vec<u32>,
    forced: usize,
    steps: usize,
    finish: FinishReason,
}

/// Shortest tail a repetition must cover before the guard steps in, in tokens.
const LOOP_MIN_SPAN: usize = 12;

/// If the tail of `generated` is one cycle of 1–32 tokens repeated over at least
/// [`LOOP_MIN_SPAN`] tokens and at least three times (`s.s.s.s…`, `1.1.1.1…`, the same line item
/// again and again), the token that would continue it.
///
/// Small models under greedy decoding fall into such cycles inside free-text JSON strings; banning
/// the continuation lets the grammar close the string instead of filling it to its maximum length.
pub fn loop_continuation(generated: &[u32]) -> Option<u32> {
    for period in 1..=32 {
        let span = LOOP_MIN_SPAN.max(3 * period);
        if generated.len() < span {
            continue;
        }
        let tail = &generated[generated.len() - span..];
        if (period..span).all(|i| tail[i] == tail[i - period]) {
            return Some(generated[generated.len() - period]);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loop_guard_finds_short_cycles_only() {
        let cycle: Vec<u32> = std::iter::repeat_n([5, 6], 6).flatten().collect();
        assert_eq!(loop_continuation(&cycle), Some(5));
        let mut same = vec![1, 2, 3];
        same.extend(std::iter::repeat_n(9, 12));
        assert_eq!(loop_continuation(&same), Some(9));
        let varied: Vec<u32> = (0..40).collect();
        assert_eq!(loop_continuation(&varied), None);
        assert_eq!(loop_continuation(&[7; 11]), None);
    }
}
