//! A generation request end to end: the prompt (chat template, checks), chunked prefill through
//! the prefix cache, then the decode loop ([`super::decode`]) and the completion's accounting.

use std::time::Instant;

use serde::Serialize;

use super::chat_template::Message;
use super::kv_cache::KvCache;
pub use super::request::{FinishReason, GenerationRequest};
use super::text_stream::TextStream;
use super::tokenizer::{Piece, PromptTokenizer};
use super::{Engine, GenerateError};

/// Generated tokens the KV cache is first sized for: a request allowing more (`max_tokens` up to
/// the context) does not reserve memory for answers it may never write; the cache grows, by a
/// copy, if the answer runs past this.
pub const INITIAL_DECODE_ROOM: usize = 1024;

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

/// `n` per `s` seconds (0 when no time was measured).
pub(super) fn rate(n: usize, s: f64) -> f64 {
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
        // Room for the answer up to INITIAL_DECODE_ROOM tokens; a longer one grows the cache.
        let capacity = prompt.len() + req.max_tokens.min(INITIAL_DECODE_ROOM);
        let (mut cache, logits, cached_tokens) = self.prefill(&prompt, prefix, capacity, cancel)?;
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
        let watch: super::decode::Watch<'_> = if watching { Some(&mut watch) } else { None };
        let opts = super::decode::DecodeOptions {
            prompt_lookup: self.prompt_lookup,
            ignore_eos: false,
        };
        let d = self.decode(
            req, &prompt, &mut cache, logits, constraint, cancel, watch, opts,
        )?;
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
    /// into a KV cache with room for `capacity` tokens, taking the prefix's KV from the prefix
    /// cache in memory or, failing that, on disk when it is there (keeping a copy in memory when
    /// it was not; one on disk once it is used again). The filled KV cache, the last position's logits and how many tokens
    /// came from the cache. Cached or not, the same passes run over the same chunks, so the
    /// result does not depend on the cache.
    pub(super) fn prefill(
        &mut self,
        prompt: &[u32],
        prefix: usize,
        capacity: usize,
        cancel: Option<&super::CancelToken>,
    ) -> Result<(KvCache, Vec<f32>, usize), GenerateError> {
        let rt = GenerateError::Runtime;
        let capacity = capacity.max(prompt.len());
        let (head, rest) = prompt.split_at(prefix.min(prompt.len().saturating_sub(1)));
        let bytes = self.session.kv_geometry().bytes(head.len());
        let from_disk = if head.is_empty() || self.prefixes.get(head).is_some() {
            None
        } else {
            self.load_prefix(head)
        };
        let mut cached = 0;
        let mut cache = if let Some(kept) = from_disk {
            cached = head.len();
            let cache = self.session.copy_cache(&kept, capacity).map_err(rt)?;
            if self.prefixes.would_keep(bytes) {
                self.prefixes.insert(head.to_vec(), kept, bytes);
            }
            cache
        } else if let Some(kept) = self.prefixes.get(head).filter(|_| !head.is_empty()) {
            cached = head.len();
            // Used a second time: worth keeping across restarts too.
            if let Some(store) = &self.store {
                if let Err(e) = store.save(head, kept) {
                    tracing::warn!("prefix KV not written to disk: {e:#}");
                }
            }
            self.session.copy_cache(kept, capacity).map_err(rt)?
        } else {
            let mut cache = self.session.new_cache(capacity).map_err(rt)?;
            if !head.is_empty() {
                self.forward_chunks(head, &mut cache, cancel)?;
                let in_memory = self.prefixes.would_keep(bytes);
                if in_memory || self.store.is_some() {
                    let kept = self.session.copy_cache(&cache, head.len()).map_err(rt)?;
                    if in_memory {
                        self.prefixes.insert(head.to_vec(), kept, bytes);
                    } else if let Some(store) = &self.store {
                        // No room in memory to see it again: the disk is its only cache.
                        if let Err(e) = store.save(head, &kept) {
                            tracing::warn!("prefix KV not written to disk: {e:#}");
                        }
                    }
                }
            }
            cache
        };
        let logits = self.forward_chunks(rest, &mut cache, cancel)?;
        Ok((cache, logits, cached))
    }

    /// The KV of `head` from the prefix store on disk, if it is there and reads back.
    fn load_prefix(&mut self, head: &[u32]) -> Option<KvCache> {
        let store = self.store.as_ref()?;
        if head.len() < super::prefix_store::MIN_TOKENS {
            return None;
        }
        let mut kept = self.session.new_cache(head.len()).ok()?;
        match store.load(head, &mut kept) {
            Ok(true) => Some(kept),
            Ok(false) => None,
            Err(e) => {
                tracing::warn!("prefix KV not read from disk: {e:#}");
                None
            }
        }
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
}
