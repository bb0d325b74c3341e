//! One decoder graph in ONNX Runtime: loading a model folder and running one forward pass
//! (prefill chunk or decode step) against the KV cache.
//!
//! Inputs: `input_ids` int64 `[batch, n]`, `attention_mask` int64 `[batch, cached + n]` (all ones:
//! the graph derives positions and `seqlens_k` from it), `past_key_values.*`; batch is 1 except
//! for batched scoring. Outputs: `logits` float32 `[batch, n, vocab]`, of which we copy only the
//! rows needed to the host, and `present.*`, bound to the same preallocated tensors as
//! `past_key_values.*` so the graph writes the new positions in place ([`KvCache`]).

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use ort::memory::{AllocationDevice, Allocator, AllocatorType, MemoryInfo, MemoryType};
use ort::session::builder::GraphOptimizationLevel;
use ort::session::Session;
use ort::value::Tensor;

use super::kv_cache::{self, KvCache};
use super::model_config::ModelConfig;
use crate::config::ExecutionProvider;

/// A loaded decoder graph plus what is needed to bind its inputs and outputs.
pub struct DecoderSession {
    session: Session,
    pub(crate) config: ModelConfig,
    /// Allocates the KV cache where the execution provider reads it.
    kv_allocator: Allocator,
    /// The KV cache is in host memory (CPU execution provider).
    kv_on_host: bool,
    host_memory: MemoryInfo<'static>,
    past_key_names: Vec<String>,
    past_value_names: Vec<String>,
    present_key_names: Vec<String>,
    present_value_names: Vec<String>,
    /// Width of the logits' last axis (may exceed the tokenizer's vocabulary).
    pub(crate) logits_width: usize,
    /// The graph takes `logits_to_keep` (int64 `[1]`): how many last positions get logits
    /// (graphs made by `zopilot models import`; builder exports compute every position).
    logits_to_keep: bool,
    /// The graph keeps its KV cache in float16 (CUDA exports) rather than float32.
    pub(crate) kv_f16: bool,
}

impl DecoderSession {
    /// Load `<dir>/<genai_config.decoder.filename>` on the chosen execution provider.
    ///
    /// Errors: missing files, an ONNX Runtime that cannot build the graph, or — for `cuda` — an
    /// ONNX Runtime without a working CUDA execution provider (the message says how to get one).
    pub fn load(
        env: &ort::environment::Environment,
        dir: &Path,
        ep: ExecutionProvider,
        intra_threads: usize,
    ) -> Result<DecoderSession> {
        let config = ModelConfig::load(dir)?;
        let model_path = dir.join(&config.filename);
        if !model_path.is_file() {
            bail!("model graph not found: {}", model_path.display());
        }
        let mut builder = Session::builder(env)
            .map_err(|e| anyhow!("creating an ONNX Runtime session builder: {e}"))?
            .with_optimization_level(GraphOptimizationLevel::All)
            .map_err(|e| anyhow!("{e}"))?;
        if intra_threads > 0 {
            builder = builder
                .with_intra_threads(intra_threads)
                .map_err(|e| anyhow!("{e}"))?;
        }
        let (mut builder, kv_memory) = with_provider(builder, ep)?;
        let host_memory = MemoryInfo::new(
            AllocationDevice::CPU,
            0,
            AllocatorType::Device,
            MemoryType::Default,
        )
        .map_err(|e| anyhow!("{e}"))?;
        let session = builder
            .commit_from_file(&model_path)
            .map_err(|e| anyhow!("loading {}: {e}", model_path.display()))?;
        let logits_width = session
            .outputs()
            .iter()
            .find(|o| o.name() == config.logits_name)
            .and_then(|o| o.dtype().tensor_shape().and_then(|s| s.last().copied()))
            .filter(|&w| w > 0)
            .map(|w| w as usize)
            .unwrap_or(config.vocab_size);
        let kv_f16 = session
            .inputs()
            .iter()
            .find(|i| i.name() == config.past_key_name(0))
            .and_then(|i| i.dtype().tensor_type())
            == Some(ort::value::TensorElementType::Float16);
        let logits_to_keep = session
            .inputs()
            .iter()
            .any(|i| i.name() == zopilot_models::decoder::LOGITS_TO_KEEP);
        let kv_on_host = kv_memory.is_cpu_accessible();
        let kv_allocator = if kv_on_host {
            Allocator::default()
        } else {
            Allocator::new(&session, kv_memory)
                .map_err(|e| anyhow!("creating the KV cache allocator: {e}"))?
        };
        let n = config.num_layers;
        let s = DecoderSession {
            past_key_names: (0..n).map(|l| config.past_key_name(l)).collect(),
            past_value_names: (0..n).map(|l| config.past_value_name(l)).collect(),
            present_key_names: (0..n).map(|l| config.present_key_name(l)).collect(),
            present_value_names: (0..n).map(|l| config.present_value_name(l)).collect(),
            session,
            config,
            kv_allocator,
            kv_on_host,
            logits_to_keep,
            host_memory,
            logits_width,
            kv_f16,
        };
        s.check_io()?;
        Ok(s)
    }

    fn check_io(&self) -> Result<()> {
        let inputs: Vec<&str> = self.session.inputs().iter().map(|i| i.name()).collect();
        let outputs: Vec<&str> = self.session.outputs().iter().map(|o| o.name()).collect();
        for name in [
            &self.config.input_ids_name,
            &self.config.attention_mask_name,
        ]
        .into_iter()
        .chain(&self.past_key_names)
        .chain(&self.past_value_names)
        {
            if !inputs.contains(&name.as_str()) {
                bail!("the model graph has no input named {name:?} (genai_config.json and model.onnx disagree)");
            }
        }
        for name in std::iter::once(&self.config.logits_name)
            .chain(&self.present_key_names)
            .chain(&self.present_value_names)
        {
            if !outputs.contains(&name.as_str()) {
                bail!("the model graph has no output named {name:?} (genai_config.json and model.onnx disagree)");
            }
        }
        Ok(())
    }

    /// An empty KV cache with room for `capacity` tokens, in the memory the execution provider
    /// reads (see [`KvCache`]).
    pub fn new_cache(&self, capacity: usize) -> Result<KvCache> {
        KvCache::with_capacity(&self.kv_allocator, self.kv_geometry(), capacity)
    }

    /// A copy of `cache` with room for `capacity` tokens (at least its length).
    pub fn copy_cache(&self, cache: &KvCache, capacity: usize) -> Result<KvCache> {
        cache.broadcast(&self.kv_allocator, 1, capacity)
    }

    /// `batch` copies of the single-sequence `cache` side by side, room for `capacity` tokens
    /// each ([`KvCache::broadcast`]), for [`DecoderSession::forward_batch`].
    pub fn broadcast_cache(
        &self,
        cache: &KvCache,
        batch: usize,
        capacity: usize,
    ) -> Result<KvCache> {
        cache.broadcast(&self.kv_allocator, batch, capacity)
    }

    /// The graph computes logits for the last positions only when asked (`logits_to_keep`).
    pub fn keeps_last_logits_only(&self) -> bool {
        self.logits_to_keep
    }

    pub(crate) fn kv_geometry(&self) -> kv_cache::Geometry {
        kv_cache::Geometry::of(&self.config, self.kv_f16, self.kv_on_host)
    }

    /// Run the decoder over `tokens` (the prompt chunk or the newly sampled tokens) after the
    /// `cache.len()` tokens already cached, writing their keys and values into `cache` in place
    /// (the cache grows, by a copy, when it has no room). Returns the logits of the last
    /// position, length `logits_width`.
    pub fn forward(&mut self, tokens: &[u32], cache: &mut KvCache) -> Result<Vec<f32>> {
        let mut rows = self.run(tokens, 1, cache, 1)?;
        rows.pop().context("no logits")
    }

    /// [`DecoderSession::forward`] returning the logits of every position (`tokens.len()`
    /// rows). Used to score a continuation; [`KvCache::truncate`] rewinds the cache after.
    pub fn forward_rows(&mut self, tokens: &[u32], cache: &mut KvCache) -> Result<Vec<Vec<f32>>> {
        self.run(tokens, 1, cache, tokens.len())
    }

    /// One pass over `cache.batch()` sequences of `n` new tokens each (`tokens`, row-major
    /// `[batch, n]`) after the positions all of them share: the logits of every position,
    /// `batch × n` rows, sequence by sequence. The cache does not grow: it must have room
    /// ([`DecoderSession::broadcast_cache`]).
    ///
    /// Errors: `tokens` not a whole number of rows, no room, ONNX Runtime failures.
    pub fn forward_batch(&mut self, tokens: &[u32], cache: &mut KvCache) -> Result<Vec<Vec<f32>>> {
        let batch = cache.batch();
        if tokens.len() % batch != 0 || cache.len() + tokens.len() / batch > cache.capacity() {
            bail!("batched pass: tokens not [batch, n] or no room in the KV cache");
        }
        self.run(tokens, batch, cache, tokens.len() / batch)
    }

    /// One forward pass over `tokens` (`[batch, n]`) into `cache`: the last `keep` logits rows
    /// of each sequence.
    fn run(
        &mut self,
        tokens: &[u32],
        batch: usize,
        cache: &mut KvCache,
        keep: usize,
    ) -> Result<Vec<Vec<f32>>> {
        if tokens.is_empty() {
            bail!("forward pass over zero tokens");
        }
        let n = tokens.len() / batch;
        let total = cache.len() + n;
        if cache.geometry() != self.kv_geometry() || cache.batch() != batch {
            bail!("the KV cache was made for another model or batch");
        }
        if total > cache.capacity() {
            let grown = total
                .max(2 * cache.capacity())
                .min(self.config.context_length.max(total));
            *cache = self.copy_cache(cache, grown)?;
        }
        let ids = Tensor::<i64>::from_array((
            [batch, n],
            tokens.iter().map(|&t| t as i64).collect::<Vec<_>>(),
        ))
        .map_err(|e| anyhow!("{e}"))?;
        // All ones, every sequence as long as the others: `seqlens_k` is the same for all.
        let mask = Tensor::<i64>::from_array(([batch, total], vec![1i64; batch * total]))
            .map_err(|e| anyhow!("{e}"))?;
        let mut binding = self.session.create_binding().map_err(|e| anyhow!("{e}"))?;
        let e = |e: ort::Error| anyhow!("binding decoder inputs/outputs: {e}");
        if self.logits_to_keep {
            let keep = Tensor::<i64>::from_array(([1usize], vec![keep as i64]))
                .map_err(|e| anyhow!("{e}"))?;
            binding
                .bind_input(zopilot_models::decoder::LOGITS_TO_KEEP, &keep)
                .map_err(e)?;
        }
        binding
            .bind_input(self.config.input_ids_name.as_str(), &ids)
            .map_err(e)?;
        binding
            .bind_input(self.config.attention_mask_name.as_str(), &mask)
            .map_err(e)?;
        // The same tensor as past input and present output: GroupQueryAttention writes the new
        // positions in place (past_present_share_buffer).
        for l in 0..self.config.num_layers {
            binding
                .bind_input(self.past_key_names[l].as_str(), &cache.keys[l])
                .map_err(e)?;
            binding
                .bind_input(self.past_value_names[l].as_str(), &cache.values[l])
                .map_err(e)?;
            binding
                .bind_output(self.present_key_names[l].as_str(), &mut cache.keys[l])
                .map_err(e)?;
            binding
                .bind_output(self.present_value_names[l].as_str(), &mut cache.values[l])
                .map_err(e)?;
        }
        binding
            .bind_output_to_device(self.config.logits_name.as_str(), &self.host_memory)
            .map_err(e)?;
        let mut outputs = self
            .session
            .run_binding(&binding)
            .map_err(|e| anyhow!("decoder forward pass failed: {e}"))?;
        let logits_value = outputs
            .remove(self.config.logits_name.as_str())
            .context("the decoder returned no logits")?;
        let rows = logit_rows(&logits_value, batch, keep)?;
        drop(outputs);
        drop(binding);
        cache.advance(n);
        Ok(rows)
    }
}

/// The last `k` rows of each of the `batch` sequences of the logits output as f32: float32
/// logits (our exports), or float16 (ONNX Runtime GenAI builder CUDA exports).
fn logit_rows(logits: &ort::value::DynValue, batch: usize, k: usize) -> Result<Vec<Vec<f32>>> {
    match logits.try_extract_tensor::<f32>() {
        Ok((shape, data)) => last_rows(shape, data, batch, k, |&x| x),
        Err(_) => {
            let (shape, data) = logits
                .try_extract_tensor::<half::f16>()
                .map_err(|e| anyhow!("reading logits (neither float32 nor float16): {e}"))?;
            last_rows(shape, data, batch, k, |x| x.to_f32())
        }
    }
}

/// The last `k` rows of each of the `batch` sequences of a `[batch, rows, width]` logits tensor
/// as f32, sequence by sequence.
fn last_rows<T>(
    shape: &ort::value::Shape,
    data: &[T],
    batch: usize,
    k: usize,
    f: impl Fn(&T) -> f32,
) -> Result<Vec<Vec<f32>>> {
    let width = *shape.last().context("logits without shape")? as usize;
    if width == 0 || data.len() % (batch * width) != 0 || data.len() < batch * width * k {
        bail!("logits tensor has fewer than {batch} × {k} rows");
    }
    let per_sequence = data.len() / batch;
    Ok(data
        .chunks(per_sequence)
        .flat_map(|s| s[s.len() - width * k..].chunks(width))
        .map(|r| r.iter().map(&f).collect())
        .collect())
}

/// Put the execution provider on `builder`; the memory the KV cache lives in (device memory of
/// the EP). Errors: CUDA requested but not loadable (the message says how to get it).
fn with_provider(
    mut builder: ort::session::builder::SessionBuilder,
    ep: ExecutionProvider,
) -> Result<(ort::session::builder::SessionBuilder, MemoryInfo<'static>)> {
    let memory = match ep {
        ExecutionProvider::Cpu => MemoryInfo::new(
            AllocationDevice::CPU,
            0,
            AllocatorType::Device,
            MemoryType::Default,
        ),
        ExecutionProvider::Cuda => {
            builder = builder
                .with_execution_providers([ort::ep::CUDA::default().build().error_on_failure()])
                .map_err(|e| {
                    anyhow!(
                        "the CUDA execution provider could not be loaded: {e}. Install the CUDA build \
                         (pip wheel onnxruntime-gpu==1.31.1 with CUDA 13 and cuDNN 9 runtime wheels), point \
                         ort_library at its libonnxruntime.so.1.31.1 and make sure libonnxruntime_providers_cuda.so \
                         and the NVIDIA libraries are on the loader path — or set execution_provider = \"cpu\""
                    )
                })?;
            MemoryInfo::new(AllocationDevice::CUDA, 0, AllocatorType::Device, MemoryType::Default)
        }
    }
    .map_err(|e| anyhow!("{e}"))?;
    Ok((builder, memory))
}
