//! GGUF v2/v3 reading through candle-core's `gguf_file` (spec:
//! <https://github.com/ggml-org/ggml/blob/master/docs/gguf.md>): metadata as typed values, tensors
//! dequantized to f32 (every type candle supports: F32, F16, BF16, Q4_0 … Q8_0, Q2_K … Q6_K).

use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use candle_core::quantized::gguf_file::{Content, Value};
use candle_core::Device;

/// An open GGUF file.
pub struct Gguf {
    path: PathBuf,
    content: Content,
    reader: BufReader<File>,
}

/// A dequantized tensor: row-major f32 data with GGUF's dims reversed to the usual
/// `[rows, cols]` order (GGUF lists the fastest-varying dimension first).
pub struct F32Tensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

impl Gguf {
    /// Open and parse the header, metadata and tensor directory.
    ///
    /// Errors: not a GGUF file, an unsupported version, or a truncated header.
    pub fn open(path: &Path) -> Result<Gguf> {
        let f = File::open(path).with_context(|| format!("opening {}", path.display()))?;
        let mut reader = BufReader::new(f);
        let content = Content::read(&mut reader)
            .map_err(|e| anyhow!("{} is not a readable GGUF file: {e}", path.display()))?;
        Ok(Gguf {
            path: path.to_path_buf(),
            content,
            reader,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// All metadata keys.
    pub fn metadata(&self) -> &HashMap<String, Value> {
        &self.content.metadata
    }

    /// A string metadata value.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.content
            .metadata
            .get(key)
            .and_then(|v| v.to_string().ok())
            .map(String::as_str)
    }

    /// An integer metadata value (any integer width).
    pub fn int(&self, key: &str) -> Option<i64> {
        match self.content.metadata.get(key)? {
            Value::U8(v) => Some(*v as i64),
            Value::I8(v) => Some(*v as i64),
            Value::U16(v) => Some(*v as i64),
            Value::I16(v) => Some(*v as i64),
            Value::U32(v) => Some(*v as i64),
            Value::I32(v) => Some(*v as i64),
            Value::U64(v) => Some(*v as i64),
            Value::I64(v) => Some(*v),
            _ => None,
        }
    }

    /// A float metadata value.
    pub fn float(&self, key: &str) -> Option<f64> {
        match self.content.metadata.get(key)? {
            Value::F32(v) => Some(*v as f64),
            Value::F64(v) => Some(*v),
            _ => self.int(key).map(|i| i as f64),
        }
    }

    /// A bool metadata value.
    pub fn bool(&self, key: &str) -> Option<bool> {
        match self.content.metadata.get(key)? {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// A string array (e.g. `tokenizer.ggml.tokens`).
    pub fn str_array(&self, key: &str) -> Option<Vec<String>> {
        match self.content.metadata.get(key)? {
            Value::Array(a) => a.iter().map(|v| v.to_string().ok().cloned()).collect(),
            _ => None,
        }
    }

    /// A numeric array as f64 (e.g. `tokenizer.ggml.scores`).
    pub fn num_array(&self, key: &str) -> Option<Vec<f64>> {
        match self.content.metadata.get(key)? {
            Value::Array(a) => a
                .iter()
                .map(|v| match v {
                    Value::F32(x) => Some(*x as f64),
                    Value::F64(x) => Some(*x),
                    Value::I32(x) => Some(*x as f64),
                    Value::U32(x) => Some(*x as f64),
                    Value::I64(x) => Some(*x as f64),
                    Value::U8(x) => Some(*x as f64),
                    Value::I8(x) => Some(*x as f64),
                    _ => None,
                })
                .collect(),
            _ => None,
        }
    }

    /// Required string metadata.
    pub fn req_str(&self, key: &str) -> Result<&str> {
        self.str(key)
            .with_context(|| format!("GGUF metadata {key} is missing"))
    }

    /// Required integer metadata.
    pub fn req_int(&self, key: &str) -> Result<i64> {
        self.int(key)
            .with_context(|| format!("GGUF metadata {key} is missing"))
    }

    /// Tensor names with their GGML type names.
    pub fn tensors(&self) -> Vec<(String, String, Vec<usize>)> {
        let mut v: Vec<_> = self
            .content
            .tensor_infos
            .iter()
            .map(|(n, i)| {
                (
                    n.clone(),
                    format!("{:?}", i.ggml_dtype),
                    i.shape.dims().to_vec(),
                )
            })
            .collect();
        v.sort();
        v
    }

    /// True when the file has tensor `name`.
    pub fn has(&self, name: &str) -> bool {
        self.content.tensor_infos.contains_key(name)
    }

    /// Read and dequantize tensor `name` to f32.
    ///
    /// Errors: no such tensor, or a GGML type candle cannot dequantize (the message names it).
    pub fn tensor_f32(&mut self, name: &str) -> Result<F32Tensor> {
        let info = self
            .content
            .tensor_infos
            .get(name)
            .with_context(|| format!("GGUF tensor {name} is missing"))?;
        let dtype = format!("{:?}", info.ggml_dtype);
        let q = self
            .content
            .tensor(&mut self.reader, name, &Device::Cpu)
            .map_err(|e| anyhow!("reading tensor {name} ({dtype}): {e}"))?;
        let t = q
            .dequantize(&Device::Cpu)
            .map_err(|e| anyhow!("tensor {name}: GGML type {dtype} cannot be dequantized: {e}"))?;
        let shape = t.dims().to_vec();
        let data = t
            .flatten_all()
            .and_then(|t| t.to_dtype(candle_core::DType::F32))
            .and_then(|t| t.to_vec1::<f32>())
            .map_err(|e| anyhow!("tensor {name}: {e}"))?;
        if data.len() != shape.iter().product::<usize>() {
            bail!("tensor {name}: size mismatch");
        }
        Ok(F32Tensor { shape, data })
    }

    /// Slice `index` of a tensor along its outermost row-major axis (the last GGUF `ne`),
    /// dequantized to f32 — one expert of a stacked `ffn_*_exps` tensor `[experts, rows, cols]`
    /// without dequantizing the others. Quantization blocks run along `ne[0]`, so each slice is a
    /// whole number of blocks and a contiguous byte range of the file.
    ///
    /// Errors: a missing tensor, an index out of range, or an unreadable range.
    pub fn tensor_f32_slice(&mut self, name: &str, index: usize) -> Result<F32Tensor> {
        use std::io::{Read, Seek, SeekFrom};
        let info = self
            .content
            .tensor_infos
            .get(name)
            .with_context(|| format!("GGUF tensor {name} is missing"))?;
        let dims = info.shape.dims().to_vec();
        let Some((&outer, inner)) = dims.split_first() else {
            bail!("tensor {name} is a scalar");
        };
        if index >= outer {
            bail!("tensor {name}: slice {index} out of range (outer dimension {outer})");
        }
        let dtype = info.ggml_dtype;
        let elems: usize = inner.iter().product();
        if !elems.is_multiple_of(dtype.block_size()) {
            bail!("tensor {name}: a slice of {elems} values is not a whole number of {dtype:?} blocks");
        }
        let bytes = elems / dtype.block_size() * dtype.type_size();
        let start = self.content.tensor_data_offset + info.offset + (index * bytes) as u64;
        let mut raw = vec![0u8; bytes];
        self.reader.seek(SeekFrom::Start(start))?;
        self.reader
            .read_exact(&mut raw)
            .with_context(|| format!("reading slice {index} of {name}"))?;
        let q = candle_core::quantized::ggml_file::qtensor_from_ggml(
            dtype,
            &raw,
            inner.to_vec(),
            &Device::Cpu,
        )
        .map_err(|e| anyhow!("tensor {name} ({dtype:?}): {e}"))?;
        let data = q
            .dequantize(&Device::Cpu)
            .and_then(|t| t.flatten_all())
            .and_then(|t| t.to_dtype(candle_core::DType::F32))
            .and_then(|t| t.to_vec1::<f32>())
            .map_err(|e| {
                anyhow!("tensor {name}: GGML type {dtype:?} cannot be dequantized: {e}")
            })?;
        Ok(F32Tensor {
            shape: inner.to_vec(),
            data,
        })
    }
}
