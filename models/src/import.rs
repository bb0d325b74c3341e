//! GGUF → ONNX Runtime GenAI folder: `model.onnx` + `model.onnx.data`, `genai_config.json`,
//! `tokenizer.json`, `tokenizer_config.json` (with the chat template) and `zopilot-model.json`
//! (what was imported from where, for `zopilot models info`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use serde_json::json;

use crate::decoder::{self, GraphOptions, Hparams};
use crate::gguf::Gguf;
use crate::tokenizer;

/// Identifies the importer in `zopilot-model.json` (a new version re-imports on `pull`); the
/// graph revision moves when the emitted graph changes (2: the `logits_to_keep` input).
pub const IMPORTER: &str = concat!("zopilot-models ", env!("CARGO_PKG_VERSION"), " graph 2");

/// What an import produced.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportReport {
    pub dir: PathBuf,
    pub hparams: Hparams,
    pub seconds: f64,
    pub bytes: u64,
}

/// Import `gguf` into the (new or emptied) folder `out`.
///
/// Errors: unreadable GGUF, unsupported architecture / tokenizer / tensor type (each named), or
/// I/O. On error the partially written folder is removed.
pub fn import(
    gguf: &Path,
    out: &Path,
    opts: &GraphOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportReport> {
    let t0 = Instant::now();
    let mut g = Gguf::open(gguf)?;
    let hp = Hparams::read(&g)?;
    let tok = tokenizer::tokenizer_json(&g)?;
    let tok_cfg = tokenizer::tokenizer_config(&g)?;
    let tmp = out.with_extension("partial");
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)?;
    }
    std::fs::create_dir_all(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let result = (|| -> Result<()> {
        decoder::write(&mut g, &hp, &tmp, opts, progress)?;
        std::fs::write(tmp.join("tokenizer.json"), serde_json::to_vec(&tok)?)?;
        std::fs::write(
            tmp.join("tokenizer_config.json"),
            serde_json::to_vec_pretty(&tok_cfg)?,
        )?;
        std::fs::write(
            tmp.join("genai_config.json"),
            serde_json::to_vec_pretty(&genai_config(&g, &hp))?,
        )?;
        std::fs::write(
            tmp.join("zopilot-model.json"),
            serde_json::to_vec_pretty(&json!({
                "source_gguf": gguf.file_name().map(|n| n.to_string_lossy().into_owned()),
                "general.name": g.str("general.name"),
                "general.file_type": g.int("general.file_type"),
                "hparams": hp,
                "quantization": {"weights": "int4 symmetric, block 32 (MatMulNBits)", "accuracy_level": opts.accuracy_level},
                "importer": IMPORTER,
                "source_sha256": crate::fetch::sha256_file(gguf)?,
            }))?,
        )?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if out.exists() {
        std::fs::remove_dir_all(out).with_context(|| format!("replacing {}", out.display()))?;
    }
    std::fs::rename(&tmp, out)?;
    let bytes = std::fs::read_dir(out)?
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum();
    Ok(ImportReport {
        dir: out.to_path_buf(),
        hparams: hp,
        seconds: t0.elapsed().as_secs_f64(),
        bytes,
    })
}

/// `genai_config.json` in the ONNX Runtime GenAI format.
fn genai_config(g: &Gguf, hp: &Hparams) -> serde_json::Value {
    let eos = g.int("tokenizer.ggml.eos_token_id");
    json!({
        "model": {
            "bos_token_id": g.int("tokenizer.ggml.bos_token_id"),
            "context_length": hp.context,
            "decoder": {
                "session_options": {"log_id": "onnxruntime-genai", "provider_options": []},
                "filename": "model.onnx",
                "head_size": hp.head_dim,
                "hidden_size": hp.hidden,
                "inputs": {"input_ids": "input_ids", "attention_mask": "attention_mask",
                           "past_key_names": "past_key_values.%d.key", "past_value_names": "past_key_values.%d.value"},
                "outputs": {"logits": "logits", "present_key_names": "present.%d.key", "present_value_names": "present.%d.value"},
                "num_attention_heads": hp.heads,
                "num_hidden_layers": hp.layers,
                "num_key_value_heads": hp.kv_heads
            },
            "eos_token_id": eos,
            "pad_token_id": g.int("tokenizer.ggml.padding_token_id").or(eos),
            "type": hp.arch,
            "vocab_size": hp.vocab
        },
        "search": {"do_sample": false, "max_length": hp.context, "num_beams": 1, "past_present_share_buffer": true,
                   "repetition_penalty": 1.0, "temperature": 1.0, "top_k": 50, "top_p": 1.0}
    })
}
