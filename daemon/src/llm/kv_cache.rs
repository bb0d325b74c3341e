//! The KV cache: one preallocated key and one value tensor per layer, sized once to the request's
//! token budget and written in place by the decoder.
//!
//! Layout: the ONNX Runtime GenAI decoder's `past_present_share_buffer` mode
//! (<https://onnxruntime.ai/docs/genai/reference/config.html>, `search.past_present_share_buffer`):
//! each tensor is `[batch, kv_heads, capacity, head_size]` (batch 1 but for batched scoring),
//! float32 (CPU exports) or float16 (CUDA exports), and the same tensor is bound as the graph's `past_key_values.N.*` input and
//! its `present.N.*` output. `GroupQueryAttention` sees the two share memory and writes only the
//! new positions (after `seqlens_k`, derived by the graph from the attention mask) instead of
//! copying the whole past into a new present tensor on every step, so a decode step's cost does
//! not grow with copying (ONNX Runtime contrib op `com.microsoft.GroupQueryAttention`:
//! <https://github.com/microsoft/onnxruntime/blob/main/docs/ContribOperators.md>).
//!
//! Positions `len..capacity` hold stale or zero values that attention never reads, so rewinding a
//! cache ([`KvCache::truncate`]) is free: it is how several continuations are scored from one
//! prefilled prompt.

use anyhow::{anyhow, bail, Result};
use ort::memory::Allocator;
use ort::value::{DynTensor, TensorElementType};

use super::model_config::ModelConfig;

/// Per-layer key and value buffers of `batch` sequences of the same length (one sequence except
/// when several continuations of one prompt are scored in one pass, [`KvCache::broadcast`]).
pub struct KvCache {
    pub(crate) keys: Vec<DynTensor>,
    pub(crate) values: Vec<DynTensor>,
    geometry: Geometry,
    batch: usize,
    capacity: usize,
    len: usize,
}

/// What one cached token occupies: heads × head size elements of `element_bytes` per layer and
/// per key/value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Geometry {
    pub layers: usize,
    pub kv_heads: usize,
    pub head_size: usize,
    pub f16: bool,
    /// The buffers live in host memory (CPU execution provider): copies are plain memcpys.
    pub host: bool,
}

impl Geometry {
    /// The geometry of `cfg`'s KV cache, float16 when `f16`.
    pub(crate) fn of(cfg: &ModelConfig, f16: bool, host: bool) -> Geometry {
        Geometry {
            layers: cfg.num_layers,
            kv_heads: cfg.num_kv_heads,
            head_size: cfg.head_size,
            f16,
            host,
        }
    }

    fn element_bytes(&self) -> usize {
        if self.f16 {
            2
        } else {
            4
        }
    }

    /// Bytes of the keys and values of `tokens` tokens over all layers.
    pub(crate) fn bytes(&self, tokens: usize) -> usize {
        2 * self.layers * self.kv_heads * self.head_size * tokens * self.element_bytes()
    }
}

impl KvCache {
    /// An empty cache with room for `capacity` tokens, allocated with `allocator` (host memory
    /// for the CPU execution provider, device memory for CUDA).
    ///
    /// Errors: the allocation fails (out of memory).
    pub(crate) fn with_capacity(
        allocator: &Allocator,
        geometry: Geometry,
        capacity: usize,
    ) -> Result<KvCache> {
        KvCache::with_batch(allocator, geometry, 1, capacity)
    }

    /// [`KvCache::with_capacity`] for `batch` sequences: tensors `[batch, kv_heads, capacity,
    /// head_size]`.
    pub(crate) fn with_batch(
        allocator: &Allocator,
        geometry: Geometry,
        batch: usize,
        capacity: usize,
    ) -> Result<KvCache> {
        let (batch, capacity) = (batch.max(1), capacity.max(1));
        let ty = if geometry.f16 {
            TensorElementType::Float16
        } else {
            TensorElementType::Float32
        };
        let shape = [batch, geometry.kv_heads, capacity, geometry.head_size];
        let alloc = || {
            DynTensor::new(allocator, ty, shape).map_err(|e| {
                anyhow!(
                    "allocating the KV cache ({} MB for {batch} × {capacity} tokens): {e}",
                    (batch * geometry.bytes(capacity)) >> 20
                )
            })
        };
        let mut keys = Vec::with_capacity(geometry.layers);
        let mut values = Vec::with_capacity(geometry.layers);
        for _ in 0..geometry.layers {
            keys.push(alloc()?);
            values.push(alloc()?);
        }
        Ok(KvCache {
            keys,
            values,
            geometry,
            batch,
            capacity,
            len: 0,
        })
    }

    /// Sequences side by side (the batch dimension).
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// Number of tokens whose keys and values are cached.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True before the first forward pass.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Tokens the buffers have room for.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub(crate) fn geometry(&self) -> Geometry {
        self.geometry
    }

    /// Forget every position from `len` on (a no-op when `len >= self.len()`).
    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    /// Record that a forward pass wrote `new_tokens` more positions.
    pub(crate) fn advance(&mut self, new_tokens: usize) {
        debug_assert!(self.len + new_tokens <= self.capacity);
        self.len += new_tokens;
    }

    /// A cache of `batch` sequences, each a copy of this one's positions (a single sequence),
    /// with room for `capacity` tokens (at least `self.len()`): the prompt shared by several
    /// continuations scored in one batched pass.
    ///
    /// Errors: allocation or device copy failures; a cache that already has a batch.
    pub(crate) fn broadcast(
        &self,
        allocator: &Allocator,
        batch: usize,
        capacity: usize,
    ) -> Result<KvCache> {
        let mut out = KvCache::with_batch(allocator, self.geometry, batch, capacity.max(self.len))?;
        out.copy_from(self)?;
        Ok(out)
    }

    /// Replace this cache's positions, in every sequence of its batch, with those of `src` (a
    /// single sequence, `src.len() <= self.capacity()`).
    fn copy_from(&mut self, src: &KvCache) -> Result<()> {
        if src.geometry != self.geometry || src.len > self.capacity || src.batch != 1 {
            bail!("KV cache copy between different geometries or into too small a cache");
        }
        let g = self.geometry;
        let row = g.head_size * g.element_bytes();
        for (dst, s) in self
            .keys
            .iter_mut()
            .zip(&src.keys)
            .chain(self.values.iter_mut().zip(&src.values))
        {
            for b in 0..self.batch {
                for h in 0..g.kv_heads {
                    let from = h * src.capacity * row;
                    let to = (b * g.kv_heads + h) * self.capacity * row;
                    copy_bytes(s, from, dst, to, src.len * row, g.host)?;
                }
            }
        }
        self.len = src.len;
        Ok(())
    }

    /// The cached positions as bytes, layer by layer (keys of every layer, then values), each
    /// `[kv_heads, len, head_size]` — the order [`KvCache::load_bytes`] reads. Host caches only.
    ///
    /// Errors: a cache in device memory.
    pub(crate) fn to_bytes(&self) -> Result<Vec<u8>> {
        let g = self.geometry;
        if !g.host || self.batch != 1 {
            bail!("only a single-sequence KV cache in host memory can be written out");
        }
        let row = g.head_size * g.element_bytes();
        let mut out = Vec::with_capacity(g.bytes(self.len));
        for t in self.keys.iter().chain(&self.values) {
            let base = t.data_ptr().cast::<u8>();
            for h in 0..g.kv_heads {
                // SAFETY: host tensor of kv_heads × capacity × row bytes; len ≤ capacity.
                let s = unsafe {
                    std::slice::from_raw_parts(base.add(h * self.capacity * row), self.len * row)
                };
                out.extend_from_slice(s);
            }
        }
        Ok(out)
    }

    /// Fill an empty host cache with `len` positions from `bytes` ([`KvCache::to_bytes`]'s order).
    ///
    /// Errors: a device cache, too little room, or `bytes` of the wrong length.
    pub(crate) fn load_bytes(&mut self, bytes: &[u8], len: usize) -> Result<()> {
        let g = self.geometry;
        if !g.host || self.batch != 1 || len > self.capacity || bytes.len() != g.bytes(len) {
            bail!("KV cache bytes do not fit this cache");
        }
        let row = g.head_size * g.element_bytes();
        let mut at = 0;
        let cap = self.capacity;
        for t in self.keys.iter_mut().chain(self.values.iter_mut()) {
            let base = t.data_ptr_mut().cast::<u8>();
            for h in 0..g.kv_heads {
                let n = len * row;
                // SAFETY: host tensor of kv_heads × capacity × row bytes; len ≤ capacity.
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        bytes[at..at + n].as_ptr(),
                        base.add(h * cap * row),
                        n,
                    )
                };
                at += n;
            }
        }
        self.len = len;
        Ok(())
    }
}

/// Copy `n` bytes from `src` at byte offset `from` to `dst` at `to`: a memcpy for host memory;
/// for device memory ONNX Runtime's own copy between two views (one small identity run per
/// call, used only when a cached prefix is stored or restored).
fn copy_bytes(
    src: &DynTensor,
    from: usize,
    dst: &mut DynTensor,
    to: usize,
    n: usize,
    host: bool,
) -> Result<()> {
    if n == 0 {
        return Ok(());
    }
    let s = src.data_ptr().cast::<u8>();
    let d = dst.data_ptr_mut().cast::<u8>();
    if host {
        // SAFETY: both are host tensors at least `from + n` / `to + n` bytes long (checked by
        // the caller's geometry), and two distinct allocations.
        unsafe { std::ptr::copy_nonoverlapping(s.add(from), d.add(to), n) };
        return Ok(());
    }
    let info = src.memory_info().clone();
    let shape = ort::value::Shape::new([n as i64]);
    // SAFETY: offsets within the device allocations, as above; the views do not outlive them.
    unsafe {
        let sv = ort::value::TensorRefMut::<u8>::from_raw(
            info.clone(),
            s.add(from).cast_mut().cast(),
            shape.clone(),
        )
        .map_err(|e| anyhow!("{e}"))?;
        let dv = ort::value::TensorRefMut::<u8>::from_raw(info, d.add(to).cast(), shape)
            .map_err(|e| anyhow!("{e}"))?;
        sv.copy_into(dv)
            .map_err(|e| anyhow!("copying the KV cache on the device: {e}"))?;
    }
    Ok(())
}
