//! Structured decoding: JSON Schema → token masks with llguidance.
//!
//! Flow (llguidance 1.9 API): `ByteTokenizer::from_tokenizer` → `set_eos_tokens` (chat models
//! end turns with `<|im_end|>`, not only the tokenizer's EOS) → `into_tok_env(Some(logits_width))`
//! → one `ParserFactory` per model → per request `TopLevelGrammar::from_json_schema` →
//! `Matcher`. Each step: `compute_mask` → sample → `consume_token`; forced tokens
//! (`compute_ff_tokens`) skip sampling and are fed to the model in one batch.
//! See <https://github.com/guidance-ai/llguidance/blob/main/docs/json_schema.md> for the schema subset.

use anyhow::{anyhow, Result};
use llguidance::api::TopLevelGrammar;
use llguidance::toktrie::{SimpleVob, TokEnv};
use llguidance::{Matcher, ParserFactory};
use serde_json::Value;

use super::tokenizer::PromptTokenizer;

/// Compiles grammars for one tokenizer.
pub struct GrammarCompiler {
    factory: ParserFactory,
    _env: TokEnv,
}

impl GrammarCompiler {
    /// Build the token trie for `tokenizer`, with `eos` as stop tokens and masks `logits_width` wide.
    pub fn new(
        tokenizer: &PromptTokenizer,
        eos: &[u32],
        logits_width: usize,
    ) -> Result<GrammarCompiler> {
        let mut bt = toktrie_hf_tokenizers::ByteTokenizer::from_tokenizer(tokenizer.markup.clone())
            .map_err(|e| anyhow!("building the grammar token table: {e}"))?;
        bt.set_eos_tokens(eos);
        let env = bt
            .into_tok_env(Some(logits_width))
            .map_err(|e| anyhow!("building the grammar token table: {e}"))?;
        let mut factory =
            ParserFactory::new_simple(&env).map_err(|e| anyhow!("grammar factory: {e}"))?;
        factory.quiet();
        Ok(GrammarCompiler { factory, _env: env })
    }

    /// Compile `schema` into a fresh matcher.
    ///
    /// Errors: a schema outside llguidance's supported subset (the message says which keyword).
    pub fn json_schema(&self, schema: &Value) -> Result<Constraint> {
        let mut schema = schema.clone();
        if let Value::Object(o) = &mut schema {
            // Fixed whitespace: a small model must not loop on spaces or newlines between tokens.
            o.entry("x-guidance")
                .or_insert_with(|| serde_json::json!({"whitespace_flexible": false}));
        }
        let grammar = TopLevelGrammar::from_json_schema(schema);
        let parser = self.factory.create_parser(grammar).map_err(|e| {
            anyhow!("the JSON schema cannot be compiled for constrained decoding: {e}")
        })?;
        Ok(Constraint {
            matcher: Matcher::new(Ok(parser)),
        })
    }
}

/// The grammar state of one generation.
pub struct Constraint {
    matcher: Matcher,
}

impl Constraint {
    /// Tokens allowed next (EOS included once the grammar accepts).
    pub fn mask(&mut self) -> Result<SimpleVob> {
        self.matcher
            .compute_mask()
            .map_err(|e| anyhow!("grammar mask: {e}"))
    }

    /// Compute the allowed-token mask and apply it to `logits`: every token the grammar does not
    /// allow gets `-inf`.
    pub fn mask_logits(&mut self, logits: &mut Vec<f32>) -> Result<()> {
        let mask = self.mask()?;
        let mut masked = vec![f32::NEG_INFINITY; logits.len()];
        let n = logits.len();
        mask.iter_set_entries(|i| {
            if i < n {
                masked[i] = logits[i];
            }
        });
        *logits = masked;
        Ok(())
    }

    /// Advance over a sampled token.
    pub fn consume(&mut self, token: u32) -> Result<()> {
        self.matcher
            .consume_token(token)
            .map_err(|e| anyhow!("grammar rejected token {token}: {e}"))
    }

    /// Tokens the grammar forces next (already consumed on return), e.g. the next property name.
    pub fn forced_tokens(&mut self) -> Vec<u32> {
        self.matcher.consume_ff_tokens()
    }

    /// True once the grammar is complete (the closing `}` of the JSON value was produced).
    pub fn is_stopped(&self) -> bool {
        self.matcher.is_stopped()
    }

    /// The matcher's error, if it entered an error state.
    pub fn error(&self) -> Option<String> {
        self.matcher.get_error()
    }
}
