//! A loaded model: decoder session, tokenizer, chat template and grammar compiler, with the
//! stop tokens. The generation loop is in [`super::generate`].

use std::path::Path;

use anyhow::{Context, Result};

use super::{chat_template, constraint, kv_cache, session, tokenizer, GenerateError, Message};
use crate::config::ExecutionProvider;

/// Tokens fed to the decoder per prefill pass: bounds the `[1, n, vocab]` logits tensor the graph
/// returns (n × vocab × 4 bytes; 512 × 49152 × 4 ≈ 100 MB).
pub const DEFAULT_PREFILL_CHUNK: usize = 512;

/// Tokens per prefill pass on graphs that compute the logits of the last position only
/// (`logits_to_keep`): the logits no longer grow with the chunk, and fewer, wider passes read the
/// weights fewer times.
pub const LAST_LOGITS_PREFILL_CHUNK: usize = 2048;

/// A loaded model, ready to generate.
pub struct Engine {
    pub(super) session: session::DecoderSession,
    pub(super) tokenizer: tokenizer::PromptTokenizer,
    pub(super) template: chat_template::ChatTemplate,
    pub(super) grammar: constraint::GrammarCompiler,
    pub(super) eos: Vec<u32>,
    pub(super) name: String,
    pub(super) prefill_chunk: usize,
    /// KV of recent prompts' stable prefixes ([`super::prefix_cache`]).
    pub(super) prefixes: super::prefix_cache::PrefixCache<kv_cache::KvCache>,
    /// The same prefixes on disk, when enabled ([`super::prefix_store`]).
    pub(super) store: Option<super::prefix_store::PrefixStore>,
    /// The model folder.
    dir: std::path::PathBuf,
    /// Draft tokens by prompt lookup under greedy decoding ([`super::prompt_lookup`]).
    pub(super) prompt_lookup: bool,
    /// Byte budget of one batched option-scoring pass; 0: one pass per option
    /// ([`super::score`]).
    pub(super) score_batch_bytes: usize,
}

/// Default byte budget of one batched option-scoring group (KV copies of the prompt + logits),
/// the configuration's `score_batch_mb`; 0 scores one option per pass (measured faster on CPU).
pub const DEFAULT_SCORE_BATCH_BYTES: usize = crate::config::DEFAULT_SCORE_BATCH_MB << 20;

/// Default byte budget of the prefix KV cache.
pub const DEFAULT_PREFIX_CACHE_BYTES: usize = 512 << 20;

/// End-of-turn token strings treated as stops when the vocabulary has them.
const END_OF_TURN_TOKENS: &[&str] = &[
    "<|im_end|>",
    "<|endoftext|>",
    "<|eot_id|>",
    "<|end|>",
    "</s>",
];

impl Engine {
    /// Load the model folder `dir` with ONNX Runtime from `ort_library`.
    ///
    /// Errors: library or model files missing or unusable; each message names the file.
    pub fn load(
        ort_library: &Path,
        dir: &Path,
        ep: ExecutionProvider,
        intra_threads: usize,
    ) -> Result<Engine> {
        if !dir.is_dir() {
            anyhow::bail!(
                "model folder not found: {} — run installer/setup.sh or set model_dir",
                dir.display()
            );
        }
        let env = crate::onnx_runtime::environment(ort_library)?;
        let session = session::DecoderSession::load(env, dir, ep, intra_threads)?;
        let prefill_chunk = if session.keeps_last_logits_only() {
            LAST_LOGITS_PREFILL_CHUNK
        } else {
            DEFAULT_PREFILL_CHUNK
        };
        let tokenizer = tokenizer::PromptTokenizer::load(dir)?;
        let template = chat_template::ChatTemplate::load(dir)?;
        let mut eos = session.config.eos_token_ids.clone();
        for t in END_OF_TURN_TOKENS {
            if let Some(id) = tokenizer.token_id(t) {
                if !eos.contains(&id) {
                    eos.push(id);
                }
            }
        }
        let grammar = constraint::GrammarCompiler::new(&tokenizer, &eos, session.logits_width)
            .context("preparing structured decoding")?;
        let name = dir
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "model".into());
        Ok(Engine {
            session,
            tokenizer,
            template,
            grammar,
            eos,
            name,
            prefill_chunk,
            prefixes: super::prefix_cache::PrefixCache::new(DEFAULT_PREFIX_CACHE_BYTES),
            store: None,
            dir: dir.to_path_buf(),
            prompt_lookup: false,
            score_batch_bytes: DEFAULT_SCORE_BATCH_BYTES,
        })
    }

    /// The model's name (its folder name).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Total tokens (prompt + generated) the model accepts.
    pub fn context_length(&self) -> usize {
        self.session.config.context_length
    }

    /// Count the tokens `messages` would take as a prompt.
    pub fn count_prompt_tokens(&self, messages: &[Message]) -> Result<usize, GenerateError> {
        Ok(self.encode_chat(messages)?.len())
    }

    /// Stop token ids (config EOS plus end-of-turn tokens found in the vocabulary).
    pub fn stop_tokens(&self) -> &[u32] {
        &self.eos
    }

    /// Forward pass access for tests and benchmarks that drive the loop themselves
    /// (teacher forcing): returns the last position's logits.
    pub fn forward(&mut self, tokens: &[u32], cache: &mut kv_cache::KvCache) -> Result<Vec<f32>> {
        self.session.forward(tokens, cache)
    }

    /// [`Engine::forward`] returning the logits of every position of `tokens` (one row each).
    pub fn forward_rows(
        &mut self,
        tokens: &[u32],
        cache: &mut kv_cache::KvCache,
    ) -> Result<Vec<Vec<f32>>> {
        self.session.forward_rows(tokens, cache)
    }

    /// A fresh, empty KV cache for [`Engine::forward`], with room for 256 tokens (it grows, by
    /// a copy, when a forward pass needs more).
    pub fn new_cache(&self) -> Result<kv_cache::KvCache> {
        self.session.new_cache(256)
    }

    /// Set the prefix KV cache's byte budget (0: no prefix is kept).
    pub fn set_prefix_cache_bytes(&mut self, bytes: usize) {
        self.prefixes.set_budget(bytes);
    }

    /// Bytes and prefixes the prefix KV cache holds.
    pub fn prefix_cache_usage(&self) -> (usize, usize) {
        (self.prefixes.bytes(), self.prefixes.len())
    }

    /// Keep prefixes on disk too, in `dir`, within `budget_bytes` (0: not on disk). Only for a
    /// KV cache in host memory (CPU execution provider); elsewhere this does nothing.
    ///
    /// Errors: the folder cannot be created or the model's files read.
    pub fn set_prefix_store(&mut self, dir: &Path, budget_bytes: u64) -> Result<()> {
        self.store = None;
        if budget_bytes == 0 || !self.session.kv_geometry().host {
            return Ok(());
        }
        self.store = Some(super::prefix_store::PrefixStore::open(
            dir,
            budget_bytes,
            &self.dir,
            &self.session.config.filename,
        )?);
        Ok(())
    }

    /// Bytes of the prefix files on disk (0 without a store).
    pub fn prefix_store_bytes(&self) -> u64 {
        self.store.as_ref().map_or(0, |s| s.bytes())
    }

    /// Drop every prefix cached in memory (the budget stays; files on disk stay).
    pub fn clear_prefix_cache(&mut self) {
        let budget = self.prefixes.budget();
        self.prefixes.set_budget(0);
        self.prefixes.set_budget(budget);
    }

    /// Prefill `prompt` the way a request does — its first `prefix` tokens through the prefix
    /// cache, then the rest — into a KV cache with room for `extra` more tokens: the cache, the
    /// last position's logits and the tokens taken from the prefix cache. For benchmarks that
    /// drive decode themselves with [`Engine::forward`].
    pub fn prefill_tokens(
        &mut self,
        prompt: &[u32],
        prefix: usize,
        extra: usize,
    ) -> Result<(kv_cache::KvCache, Vec<f32>, usize), GenerateError> {
        if prompt.is_empty() {
            return Err(GenerateError::Invalid("empty prompt".into()));
        }
        self.prefill(prompt, prefix, prompt.len() + extra, None)
    }

    /// The prompt tokenizer (plain text to ids: [`tokenizer::PromptTokenizer::encode`]).
    pub fn tokenizer(&self) -> &tokenizer::PromptTokenizer {
        &self.tokenizer
    }

    /// Turn prompt lookup drafts (greedy decoding only; fewer forward passes, greedy's tokens up
    /// to batched-pass rounding) on or off; off by default.
    pub fn set_prompt_lookup(&mut self, on: bool) {
        self.prompt_lookup = on;
    }

    /// Score options side by side in passes of at most `bytes` (KV copies of the prompt and
    /// logits), or one pass per option when 0 ([`super::score`]).
    pub fn set_score_batch_bytes(&mut self, bytes: usize) {
        self.score_batch_bytes = bytes;
    }

    /// Set how many prompt tokens go into one prefill pass.
    pub fn set_prefill_chunk(&mut self, n: usize) {
        self.prefill_chunk = n.max(1);
    }
}
