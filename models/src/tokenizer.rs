//! `tokenizer.json` (Hugging Face tokenizers format) synthesized from GGUF `tokenizer.ggml.*`
//! metadata, so that the daemon tokenizes exactly as llama.cpp does for the same file.
//!
//! Supported:
//! - `tokenizer.ggml.model = "gpt2"`: byte-level BPE; vocabulary from `tokens`, merges from
//!   `merges`, pre-tokenizer from `tokenizer.ggml.pre` as llama.cpp's `llama-vocab.cpp` defines it.
//! - `tokenizer.ggml.model = "llama"`: SentencePiece BPE (Llama 1/2, Mistral, Mixtral) — see
//!   [`spm_json`].
//!
//! Token types (`tokenizer.ggml.token_type`, llama.cpp `llama_token_type`):
//! CONTROL (3) tokens become special added tokens (matched only when special tokens are parsed),
//! USER_DEFINED (4) tokens become non-special added tokens (always matched, as llama.cpp does).

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::gguf::Gguf;

const TOKEN_TYPE_NORMAL: i64 = 1;
const TOKEN_TYPE_CONTROL: i64 = 3;
const TOKEN_TYPE_USER_DEFINED: i64 = 4;

/// The pre-tokenizer for a `tokenizer.ggml.pre` value.
///
/// Errors: a pre-tokenizer type we do not know, named in the message.
pub fn pre_tokenizer(pre: &str) -> Result<Value> {
    let split = |re: &str| json!({"type": "Split", "pattern": {"Regex": re}, "behavior": "Isolated", "invert": false});
    let byte_level = |use_regex: bool| json!({"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": use_regex});
    Ok(match pre {
        // llama.cpp LLAMA_VOCAB_PRE_TYPE_GPT2 and friends: the GPT-2 regex.
        "gpt2" | "default" | "gpt-2" | "phi-2" | "jina-es" | "jina-de" | "roberta-bpe" => {
            byte_level(true)
        }
        // SmolLM: every numeric character isolated, then the GPT-2 regex.
        "smollm" => json!({"type": "Sequence", "pretokenizers": [
            split(r"\p{N}"),
            byte_level(true)
        ]}),
        "qwen2" | "deepseek-r1-qwen" => json!({"type": "Sequence", "pretokenizers": [
            split(r"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"),
            byte_level(false)
        ]}),
        "llama3" | "llama-bpe" | "llama-v3" | "falcon3" | "pixtral" => {
            json!({"type": "Sequence", "pretokenizers": [
                split(r"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"),
                byte_level(false)
            ]})
        }
        other => bail!("unsupported GGUF pre-tokenizer type {other:?} (tokenizer.ggml.pre)"),
    })
}

/// Build `tokenizer.json` for the GGUF `g`.
///
/// Errors: missing tokenizer metadata or an unsupported `tokenizer.ggml.model` / `pre`.
pub fn tokenizer_json(g: &Gguf) -> Result<Value> {
    let model = g.req_str("tokenizer.ggml.model")?;
    let tokens = g
        .str_array("tokenizer.ggml.tokens")
        .context("GGUF metadata tokenizer.ggml.tokens is missing")?;
    let types: Vec<i64> = g
        .num_array("tokenizer.ggml.token_type")
        .map(|v| v.into_iter().map(|x| x as i64).collect())
        .unwrap_or_else(|| vec![TOKEN_TYPE_NORMAL; tokens.len()]);
    match model {
        "gpt2" => {}
        "llama" => {
            let scores: Vec<f32> = g
                .num_array("tokenizer.ggml.scores")
                .context("GGUF metadata tokenizer.ggml.scores is missing (needed for a SentencePiece vocabulary)")?
                .into_iter()
                .map(|x| x as f32)
                .collect();
            let unk = g.int("tokenizer.ggml.unknown_token_id").map(|i| i as usize);
            let add_space_prefix = g.bool("tokenizer.ggml.add_space_prefix").unwrap_or(true);
            return spm_json(&tokens, &scores, &types, unk, add_space_prefix);
        }
        other => bail!("unsupported GGUF tokenizer model {other:?} (supported: gpt2, llama)"),
    }
    let merges = g
        .str_array("tokenizer.ggml.merges")
        .context("GGUF metadata tokenizer.ggml.merges is missing")?;
    let pre = g.str("tokenizer.ggml.pre").unwrap_or("default");
    let mut vocab = serde_json::Map::with_capacity(tokens.len());
    for (i, t) in tokens.iter().enumerate() {
        vocab.insert(t.clone(), json!(i));
    }
    let merges: Vec<Value> = merges
        .iter()
        .map(|m| {
            let (a, b) = m
                .split_once(' ')
                .with_context(|| format!("malformed merge {m:?}"))?;
            Ok(json!([a, b]))
        })
        .collect::<Result<_>>()?;
    let added = added_tokens(&tokens, &types);
    Ok(json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added,
        "normalizer": null,
        "pre_tokenizer": pre_tokenizer(pre)?,
        "post_processor": null,
        "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
        "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
                  "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                  "vocab": vocab, "merges": merges}
    }))
}

/// CONTROL tokens as special added tokens, USER_DEFINED ones as non-special added tokens.
fn added_tokens(tokens: &[String], types: &[i64]) -> Vec<Value> {
    tokens
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            matches!(
                types.get(*i),
                Some(&TOKEN_TYPE_CONTROL) | Some(&TOKEN_TYPE_USER_DEFINED)
            )
        })
        .map(|(i, t)| {
            json!({"id": i, "content": t, "single_word": false, "lstrip": false, "rstrip": false,
                   "normalized": false, "special": types[i] == TOKEN_TYPE_CONTROL})
        })
        .collect()
}

/// `tokenizer.json` for a SentencePiece BPE vocabulary (`tokenizer.ggml.model = "llama"`).
///
/// llama.cpp's SPM tokenizer (`llm_tokenizer_spm` in `llama-vocab.cpp`) replaces spaces with
/// `▁` (U+2581), prefixes the text with one when `add_space_prefix` (also after each special
/// token), starts from single characters and repeatedly merges the adjacent pair whose
/// concatenation is a vocabulary piece of the **highest score**; pieces left unknown fall back to
/// their UTF-8 bytes as `<0xXX>` tokens, else to `<unk>`.
///
/// The Hugging Face equivalent is a BPE model whose merges are every (left, right) split of a
/// NORMAL piece into two pieces, ranked by the merged piece's score (descending), with
/// `byte_fallback`; normalizer `Prepend("▁")` + `Replace(" ", "▁")`; decoder `▁` → space,
/// byte fallback, fuse, strip the one leading space. (transformers' `LlamaConverter` does the
/// same.) Ties between pieces of equal score go to the lower token ids.
///
/// Errors: `scores` / `types` of a different length than `tokens`.
pub fn spm_json(
    tokens: &[String],
    scores: &[f32],
    types: &[i64],
    unk: Option<usize>,
    add_space_prefix: bool,
) -> Result<Value> {
    if scores.len() != tokens.len() || types.len() != tokens.len() {
        bail!(
            "SentencePiece vocabulary: {} tokens but {} scores and {} token types",
            tokens.len(),
            scores.len(),
            types.len()
        );
    }
    let ids: std::collections::HashMap<&str, usize> = tokens
        .iter()
        .enumerate()
        .map(|(i, t)| (t.as_str(), i))
        .collect();
    let mut vocab = serde_json::Map::with_capacity(tokens.len());
    for (i, t) in tokens.iter().enumerate() {
        vocab.insert(t.clone(), json!(i));
    }
    // (merged score, left id, right id)
    let mut merges: Vec<(f32, usize, usize)> = Vec::new();
    for (i, piece) in tokens.iter().enumerate() {
        if types[i] != TOKEN_TYPE_NORMAL && types[i] != TOKEN_TYPE_USER_DEFINED {
            continue;
        }
        for (cut, _) in piece.char_indices().skip(1) {
            let (l, r) = piece.split_at(cut);
            if let (Some(&li), Some(&ri)) = (ids.get(l), ids.get(r)) {
                merges.push((scores[i], li, ri));
            }
        }
    }
    merges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let merges: Vec<Value> = merges
        .iter()
        .map(|&(_, l, r)| json!([tokens[l], tokens[r]]))
        .collect();
    let mut normalizers = Vec::new();
    if add_space_prefix {
        normalizers.push(json!({"type": "Prepend", "prepend": "\u{2581}"}));
    }
    normalizers.push(json!({"type": "Replace", "pattern": {"String": " "}, "content": "\u{2581}"}));
    let mut decoders = vec![
        json!({"type": "Replace", "pattern": {"String": "\u{2581}"}, "content": " "}),
        json!({"type": "ByteFallback"}),
        json!({"type": "Fuse"}),
    ];
    if add_space_prefix {
        decoders.push(json!({"type": "Strip", "content": " ", "start": 1, "stop": 0}));
    }
    Ok(json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added_tokens(tokens, types),
        "normalizer": {"type": "Sequence", "normalizers": normalizers},
        "pre_tokenizer": null,
        "post_processor": null,
        "decoder": {"type": "Sequence", "decoders": decoders},
        "model": {"type": "BPE", "dropout": null, "unk_token": unk.and_then(|u| tokens.get(u)),
                  "continuing_subword_prefix": null, "end_of_word_suffix": null, "fuse_unk": true,
                  "byte_fallback": true, "ignore_merges": false, "vocab": vocab, "merges": merges}
    }))
}

/// Build `tokenizer_config.json`: special token strings and the chat template from
/// `tokenizer.chat_template`.
pub fn tokenizer_config(g: &Gguf) -> Result<Value> {
    let tokens = g
        .str_array("tokenizer.ggml.tokens")
        .context("GGUF metadata tokenizer.ggml.tokens is missing")?;
    let name = |key: &str| g.int(key).and_then(|i| tokens.get(i as usize)).cloned();
    Ok(json!({
        "bos_token": name("tokenizer.ggml.bos_token_id"),
        "eos_token": name("tokenizer.ggml.eos_token_id"),
        "pad_token": name("tokenizer.ggml.padding_token_id"),
        "unk_token": name("tokenizer.ggml.unknown_token_id"),
        "add_bos_token": g.bool("tokenizer.ggml.add_bos_token").unwrap_or(false),
        "add_eos_token": g.bool("tokenizer.ggml.add_eos_token").unwrap_or(false),
        "chat_template": g.str("tokenizer.chat_template"),
        "model_max_length": g.int(&format!("{}.context_length", g.str("general.architecture").unwrap_or("llama"))),
        "tokenizer_class": "PreTrainedTokenizerFast"
    }))
}
