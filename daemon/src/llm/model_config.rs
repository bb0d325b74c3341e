//! `genai_config.json`: the ONNX Runtime GenAI model description.
//!
//! Format: <https://onnxruntime.ai/docs/genai/reference/config.html>. We read the decoder's file
//! name, layer/head geometry, the input/output name patterns (`past_key_values.%d.key`, …), the
//! context length and the special token ids.

use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
struct Root {
    model: ModelSection,
    #[serde(default)]
    search: Option<SearchSection>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum TokenIds {
    One(u32),
    Many(Vec<u32>),
}

#[derive(Debug, Clone, Deserialize)]
struct ModelSection {
    #[serde(default)]
    bos_token_id: Option<u32>,
    context_length: usize,
    decoder: DecoderSection,
    eos_token_id: TokenIds,
    #[serde(default)]
    pad_token_id: Option<u32>,
    #[serde(rename = "type")]
    model_type: String,
    vocab_size: usize,
}

#[derive(Debug, Clone, Deserialize)]
struct DecoderSection {
    filename: String,
    head_size: usize,
    num_attention_heads: usize,
    num_hidden_layers: usize,
    num_key_value_heads: usize,
    #[serde(default)]
    inputs: Option<Names>,
    #[serde(default)]
    outputs: Option<Names>,
}

#[derive(Debug, Clone, Deserialize, Default)]
struct Names {
    input_ids: Option<String>,
    attention_mask: Option<String>,
    past_key_names: Option<String>,
    past_value_names: Option<String>,
    logits: Option<String>,
    present_key_names: Option<String>,
    present_value_names: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct SearchSection {
    #[serde(default)]
    max_length: Option<usize>,
}

/// The parts of `genai_config.json` the runtime needs.
#[derive(Debug, Clone)]
pub struct ModelConfig {
    /// `model.type`, e.g. `llama`, `qwen2`, `mixtral`.
    pub model_type: String,
    /// File name of the decoder graph inside the model folder.
    pub filename: String,
    /// Maximum total sequence length (prompt + generated tokens).
    pub context_length: usize,
    pub vocab_size: usize,
    pub num_layers: usize,
    pub num_attention_heads: usize,
    pub num_kv_heads: usize,
    pub head_size: usize,
    pub bos_token_id: Option<u32>,
    /// Token ids that end generation (the config's `eos_token_id`, one or several).
    pub eos_token_ids: Vec<u32>,
    pub pad_token_id: Option<u32>,
    pub input_ids_name: String,
    pub attention_mask_name: String,
    past_key_pattern: String,
    past_value_pattern: String,
    pub logits_name: String,
    present_key_pattern: String,
    present_value_pattern: String,
}

impl ModelConfig {
    /// Parse `<dir>/genai_config.json`.
    ///
    /// Errors: missing file, invalid JSON, or a missing required key (named in the message).
    pub fn load(dir: &Path) -> Result<ModelConfig> {
        let path = dir.join("genai_config.json");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("parsing {}", path.display()))
    }

    /// Parse the JSON text of a `genai_config.json`.
    pub fn parse(text: &str) -> Result<ModelConfig> {
        let root: Root = serde_json::from_str(text)?;
        let m = root.model;
        let d = m.decoder;
        let i = d.inputs.unwrap_or_default();
        let o = d.outputs.unwrap_or_default();
        let context_length = root
            .search
            .and_then(|s| s.max_length)
            .map(|ml| ml.min(m.context_length))
            .unwrap_or(m.context_length);
        Ok(ModelConfig {
            model_type: m.model_type,
            filename: d.filename,
            context_length,
            vocab_size: m.vocab_size,
            num_layers: d.num_hidden_layers,
            num_attention_heads: d.num_attention_heads,
            num_kv_heads: d.num_key_value_heads,
            head_size: d.head_size,
            bos_token_id: m.bos_token_id,
            eos_token_ids: match m.eos_token_id {
                TokenIds::One(t) => vec![t],
                TokenIds::Many(v) => v,
            },
            pad_token_id: m.pad_token_id,
            input_ids_name: i.input_ids.unwrap_or_else(|| "input_ids".into()),
            attention_mask_name: i.attention_mask.unwrap_or_else(|| "attention_mask".into()),
            past_key_pattern: i
                .past_key_names
                .unwrap_or_else(|| "past_key_values.%d.key".into()),
            past_value_pattern: i
                .past_value_names
                .unwrap_or_else(|| "past_key_values.%d.value".into()),
            logits_name: o.logits.unwrap_or_else(|| "logits".into()),
            present_key_pattern: o
                .present_key_names
                .unwrap_or_else(|| "present.%d.key".into()),
            present_value_pattern: o
                .present_value_names
                .unwrap_or_else(|| "present.%d.value".into()),
        })
    }

    /// Name of layer `layer`'s past-key input, e.g. `past_key_values.3.key`.
    pub fn past_key_name(&self, layer: usize) -> String {
        self.past_key_pattern.replace("%d", &layer.to_string())
    }
    /// Name of layer `layer`'s past-value input.
    pub fn past_value_name(&self, layer: usize) -> String {
        self.past_value_pattern.replace("%d", &layer.to_string())
    }
    /// Name of layer `layer`'s present-key output.
    pub fn present_key_name(&self, layer: usize) -> String {
        self.present_key_pattern.replace("%d", &layer.to_string())
    }
    /// Name of layer `layer`'s present-value output.
    pub fn present_value_name(&self, layer: usize) -> String {
        self.present_value_pattern.replace("%d", &layer.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_builder_config_and_expands_names() {
        let text = r#"{"model":{"bos_token_id":1,"context_length":8192,"decoder":{"filename":"model.onnx","head_size":64,
          "hidden_size":576,"num_attention_heads":9,"num_hidden_layers":30,"num_key_value_heads":3,
          "inputs":{"input_ids":"input_ids","attention_mask":"attention_mask","past_key_names":"past_key_values.%d.key","past_value_names":"past_key_values.%d.value"},
          "outputs":{"logits":"logits","present_key_names":"present.%d.key","present_value_names":"present.%d.value"}},
          "eos_token_id":[2,0],"pad_token_id":2,"type":"llama","vocab_size":49152},"search":{"max_length":4096}}"#;
        let c = ModelConfig::parse(text).unwrap();
        assert_eq!(c.context_length, 4096);
        assert_eq!(c.eos_token_ids, vec![2, 0]);
        assert_eq!(c.past_value_name(29), "past_key_values.29.value");
        assert_eq!(c.present_key_name(0), "present.0.key");
    }
}
