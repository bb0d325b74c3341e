//! The KV cache: one `past_key_values.N.key/value` ORT value per layer, kept on the execution
//! provider's device between steps.
//!
//! Shapes follow the ONNX Runtime GenAI decoder convention: `[batch=1, kv_heads, cached_len, head_size]`,
//! float32 (CPU exports) or float16 (CUDA exports), as the graph's `past_key_values.*` inputs declare. After each forward pass the graph's `present.N.*` outputs (length `cached_len + new`)
//! replace the entries here without passing through host memory: on the CUDA execution provider
//! they are bound to device memory through an `IoBinding` (see `session.rs`).

use anyhow::{anyhow, Result};
use ort::value::{DynValue, Tensor};

use super::model_config::ModelConfig;

/// Per-layer key and value tensors of one sequence.
pub struct KvCache {
    pub(crate) keys: Vec<DynValue>,
    pub(crate) values: Vec<DynValue>,
    len: usize,
}

impl KvCache {
    /// An empty cache: every layer holds a zero-length `[1, kv_heads, 0, head_size]` tensor of
    /// float16 when `f16`, else float32.
    pub fn empty(cfg: &ModelConfig, f16: bool) -> Result<KvCache> {
        let mut keys = Vec::with_capacity(cfg.num_layers);
        let mut values = Vec::with_capacity(cfg.num_layers);
        let shape = [1usize, cfg.num_kv_heads, 0, cfg.head_size];
        let empty = || -> Result<DynValue> {
            let v = if f16 {
                Tensor::<half::f16>::from_array((shape, Vec::new())).map(|t| t.into_dyn())
            } else {
                Tensor::<f32>::from_array((shape, Vec::new())).map(|t| t.into_dyn())
            };
            v.map_err(|e| anyhow!("allocating the empty KV cache: {e}"))
        };
        for _ in 0..cfg.num_layers {
            keys.push(empty()?);
            values.push(empty()?);
        }
        Ok(KvCache {
            keys,
            values,
            len: 0,
        })
    }

    /// A cache made of per-layer tensors holding `len` tokens (a forward pass's outputs).
    pub(crate) fn from_parts(keys: Vec<DynValue>, values: Vec<DynValue>, len: usize) -> KvCache {
        KvCache { keys, values, len }
    }

    /// Number of tokens whose keys and values are cached.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True before the first forward pass.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Replace every layer with the `present.*` outputs of a forward pass over `new_tokens` tokens.
    pub(crate) fn advance(
        &mut self,
        keys: Vec<DynValue>,
        values: Vec<DynValue>,
        new_tokens: usize,
    ) {
        debug_assert_eq!(keys.len(), self.keys.len());
        self.keys = keys;
        self.values = values;
        self.len += new_tokens;
    }
}
