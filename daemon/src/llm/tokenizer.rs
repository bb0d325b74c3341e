//! Prompt tokenization with a hard line between trusted template text and untrusted content.
//!
//! The chat template's own markup (`<|im_start|>`, `<|im_end|>` …) is encoded with special tokens
//! recognised; message content — document text, API prompts — is encoded with special tokens
//! treated as plain text, so a document that contains `<|im_end|>` cannot end its own turn
//! (prompt injection through the token stream). Content and markup are encoded as separate
//! pieces; the byte-level pre-tokenizers we load split at those boundaries anyway (a newline
//! or a special token always starts a new pre-token).

use std::path::Path;

use anyhow::{anyhow, Result};
use tokenizers::Tokenizer;

/// One part of a rendered prompt.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece<'a> {
    /// Template markup: special-token strings become special tokens.
    Markup(&'a str),
    /// Message content: encoded as text, special-token strings included.
    Content(&'a str),
}

/// The model's `tokenizer.json`, in two modes (special tokens parsed / as text).
pub struct PromptTokenizer {
    pub(crate) markup: Tokenizer,
    content: Tokenizer,
}

impl PromptTokenizer {
    /// Load `<dir>/tokenizer.json`.
    pub fn load(dir: &Path) -> Result<PromptTokenizer> {
        let path = dir.join("tokenizer.json");
        let markup =
            Tokenizer::from_file(&path).map_err(|e| anyhow!("loading {}: {e}", path.display()))?;
        let mut content = markup.clone();
        content.set_encode_special_tokens(true);
        Ok(PromptTokenizer { markup, content })
    }

    /// Encode the pieces in order, without adding BOS/EOS (templates add what they need).
    pub fn encode(&self, pieces: &[Piece<'_>]) -> Result<Vec<u32>> {
        let mut ids = Vec::new();
        for p in pieces {
            let (tok, text) = match p {
                Piece::Markup(t) => (&self.markup, *t),
                Piece::Content(t) => (&self.content, *t),
            };
            if text.is_empty() {
                continue;
            }
            let enc = tok
                .encode(text, false)
                .map_err(|e| anyhow!("tokenizing the prompt: {e}"))?;
            ids.extend_from_slice(enc.get_ids());
        }
        Ok(ids)
    }

    /// Decode ids to text, special tokens included as their strings unless `skip_special`.
    pub fn decode(&self, ids: &[u32], skip_special: bool) -> Result<String> {
        self.markup
            .decode(ids, skip_special)
            .map_err(|e| anyhow!("decoding tokens: {e}"))
    }

    /// The id of a token string in the vocabulary (added tokens included).
    pub fn token_id(&self, token: &str) -> Option<u32> {
        self.markup.token_to_id(token)
    }

    /// Vocabulary size including added tokens.
    pub fn vocab_size(&self) -> usize {
        self.markup.get_vocab_size(true)
    }
}
