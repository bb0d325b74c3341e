//! Weight and activation formats of the emitted graph, and the node patterns that depend on them:
//! float initializers, linear layers (`MatMulNBits` int4 or plain `MatMul`) and the embedding
//! (`GatherBlockQuantized` or `Gather`).

use anyhow::Result;

use crate::onnx::{dtype, Attr, GraphWriter};
use crate::quant;

/// How linear-layer and expert weights are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WeightFormat {
    /// Symmetric int4, blocks of 32 along K (`MatMulNBits`, `GatherBlockQuantized`, `QMoE`).
    Int4,
    /// Unquantized, in the activation type (`MatMul`, `Gather`, `MoE`): for checking an import
    /// against float reference logits, or for small models where memory is no concern.
    Float,
}

/// Element type of activations, float initializers and the KV cache.
///
/// `F32` is what the CPU execution provider runs fastest; `F16` is what the CUDA kernels of
/// `GroupQueryAttention` and `QMoE` are built for (ONNX Runtime's CUDA contrib kernels take
/// float16/bfloat16). Logits are always returned as float32.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Activations {
    F32,
    F16,
}

impl Activations {
    /// The ONNX `TensorProto.DataType` code.
    pub fn onnx_type(self) -> i32 {
        match self {
            Activations::F32 => dtype::FLOAT,
            Activations::F16 => dtype::FLOAT16,
        }
    }

    /// The name used in `genai_config.json` / `zopilot-model.json`.
    pub fn name(self) -> &'static str {
        match self {
            Activations::F32 => "float32",
            Activations::F16 => "float16",
        }
    }
}

/// Emits initializers and nodes in the chosen formats.
pub(crate) struct Emit<'a> {
    pub w: &'a mut GraphWriter,
    pub accuracy_level: i64,
    pub weights: WeightFormat,
    pub io: Activations,
}

/// Row-major `[n, k]` → `[k, n]`.
pub(crate) fn transpose(w: &[f32], n: usize, k: usize) -> Vec<f32> {
    let mut t = vec![0f32; w.len()];
    for r in 0..n {
        for c in 0..k {
            t[c * n + r] = w[r * k + c];
        }
    }
    t
}

impl Emit<'_> {
    /// A float initializer in the activation type.
    pub fn float(&mut self, name: &str, dims: &[usize], data: &[f32]) -> Result<String> {
        match self.io {
            Activations::F32 => self.w.f32(name, dims, data),
            Activations::F16 => self.w.f16(name, dims, data),
        }
    }

    /// Quantize `weight` `[n, k]` to int4 and store `<name>.weight_Q4` `uint8 [n, k/32, 16]` and
    /// `<name>.weight_scales` `[n, k/32]` (activation type).
    pub fn int4(
        &mut self,
        name: &str,
        weight: &[f32],
        n: usize,
        k: usize,
    ) -> Result<(String, String)> {
        let q = quant::quantize(weight, n, k)?;
        let codes = self.w.initializer(
            &format!("{name}.weight_Q4"),
            dtype::UINT8,
            &[n, k / quant::BLOCK, quant::BLOCK / 2],
            &q.codes,
        )?;
        let scales = self.float(
            &format!("{name}.weight_scales"),
            &[n, k / quant::BLOCK],
            &q.scales,
        )?;
        Ok((codes, scales))
    }

    /// `MatMulNBits` over int4 codes already stored (`codes`, `scales` of a `[n, k]` weight).
    pub fn matmul_nbits(
        &mut self,
        input: &str,
        codes: &str,
        scales: &str,
        out: &str,
        n: usize,
        k: usize,
    ) {
        self.w.node(
            "MatMulNBits",
            "com.microsoft",
            &[input, codes, scales],
            &[out],
            &[
                ("K", Attr::Int(k as i64)),
                ("N", Attr::Int(n as i64)),
                ("bits", Attr::Int(4)),
                ("block_size", Attr::Int(quant::BLOCK as i64)),
                ("accuracy_level", Attr::Int(self.accuracy_level)),
            ],
        );
    }

    /// A linear layer `input · weightᵀ` with weight `[n, k]` (row-major, out × in), in the
    /// weight format; returns the output name `/<name>/output_0`.
    pub fn linear(
        &mut self,
        name: &str,
        input: &str,
        weight: &[f32],
        n: usize,
        k: usize,
    ) -> Result<String> {
        let out = format!("/{name}/output_0");
        self.linear_to(name, input, weight, n, k, &out)?;
        Ok(out)
    }

    /// [`Emit::linear`] writing to the value `out`.
    pub fn linear_to(
        &mut self,
        name: &str,
        input: &str,
        weight: &[f32],
        n: usize,
        k: usize,
        out: &str,
    ) -> Result<()> {
        match self.weights {
            WeightFormat::Int4 => {
                let (codes, scales) = self.int4(name, weight, n, k)?;
                self.matmul_nbits(input, &codes, &scales, out, n, k);
                Ok(())
            }
            WeightFormat::Float => self.matmul_float(name, input, weight, n, k, out),
        }
    }

    /// A float `MatMul` over the transposed weight `<name>.weight` `[k, n]`, into `out`.
    fn matmul_float(
        &mut self,
        name: &str,
        input: &str,
        weight: &[f32],
        n: usize,
        k: usize,
        out: &str,
    ) -> Result<()> {
        let wt = self.float(&format!("{name}.weight"), &[k, n], &transpose(weight, n, k))?;
        self.w.node("MatMul", "", &[input, &wt], &[out], &[]);
        Ok(())
    }

    /// A linear layer that stays in float whatever the weight format (the MoE router: small,
    /// and its top-k decisions are sensitive to rounding).
    pub fn linear_float(
        &mut self,
        name: &str,
        input: &str,
        weight: &[f32],
        n: usize,
        k: usize,
    ) -> Result<String> {
        let out = format!("/{name}/output_0");
        self.matmul_float(name, input, weight, n, k, &out)?;
        Ok(out)
    }

    /// Token embedding `table [vocab, hidden]` looked up by `input_ids` into `output`, and the LM
    /// head. When `tied`, the LM head reuses the table (int4: the same codes; float: a transposed
    /// copy); otherwise `lm_head` holds `output.weight`. Returns a closure-free description of
    /// the LM head for [`Emit::lm_head`].
    pub fn embedding(
        &mut self,
        table: &[f32],
        vocab: usize,
        hidden: usize,
        tied: bool,
        output: &str,
    ) -> Result<LmHead> {
        match self.weights {
            WeightFormat::Int4 => {
                let name = if tied { "lm_head" } else { "embed_tokens" };
                let (codes, scales) = self.int4(name, table, vocab, hidden)?;
                let shape = self.w.i64_const(
                    "/model/constants/embed_shape",
                    &[2],
                    &[vocab as i64, (hidden / 2) as i64],
                );
                self.w
                    .node("Reshape", "", &[&codes, &shape], &["/embed/codes"], &[]);
                self.w.node(
                    "GatherBlockQuantized",
                    "com.microsoft",
                    &["/embed/codes", "input_ids", &scales],
                    &[output],
                    &[
                        ("bits", Attr::Int(4)),
                        ("block_size", Attr::Int(quant::BLOCK as i64)),
                        ("gather_axis", Attr::Int(0)),
                        ("quantize_axis", Attr::Int(1)),
                    ],
                );
                Ok(if tied {
                    LmHead::Int4 { codes, scales }
                } else {
                    LmHead::Separate
                })
            }
            WeightFormat::Float => {
                let t = self.float("embed_tokens.weight", &[vocab, hidden], table)?;
                self.w.node(
                    "Gather",
                    "",
                    &[&t, "input_ids"],
                    &[output],
                    &[("axis", Attr::Int(0))],
                );
                if tied {
                    let lm = self.float(
                        "lm_head.weight",
                        &[hidden, vocab],
                        &transpose(table, vocab, hidden),
                    )?;
                    Ok(LmHead::Float { weight: lm })
                } else {
                    Ok(LmHead::Separate)
                }
            }
        }
    }

    /// `hidden[:, -logits_to_keep:, :]` ahead of the LM head; the sliced tensor's name.
    fn keep_last_positions(&mut self, hidden: &str) -> String {
        self.w.i64_const(LOGITS_TO_KEEP, &[1], &[1 << 40]);
        let end = self.w.i64_const("/lm_head/keep/end", &[1], &[i64::MAX]);
        let axis = self.w.i64_const("/lm_head/keep/axis", &[1], &[1]);
        self.w
            .node("Neg", "", &[LOGITS_TO_KEEP], &["/lm_head/keep/start"], &[]);
        self.w.node(
            "Slice",
            "",
            &[hidden, "/lm_head/keep/start", &end, &axis],
            &["/lm_head/keep/output_0"],
            &[],
        );
        "/lm_head/keep/output_0".to_string()
    }

    /// The LM head over the last [`LOGITS_TO_KEEP`] positions of the final hidden states,
    /// producing float32 `logits`.
    pub fn lm_head(
        &mut self,
        head: LmHead,
        input: &str,
        separate: Option<&[f32]>,
        vocab: usize,
        hidden: usize,
    ) -> Result<()> {
        let kept = self.keep_last_positions(input);
        let input = kept.as_str();
        let out = match self.io {
            Activations::F32 => "logits".to_string(),
            Activations::F16 => "/lm_head/output_0".to_string(),
        };
        match head {
            LmHead::Int4 { codes, scales } => {
                self.matmul_nbits(input, &codes, &scales, &out, vocab, hidden)
            }
            LmHead::Float { weight } => {
                self.w.node("MatMul", "", &[input, &weight], &[&out], &[]);
            }
            LmHead::Separate => {
                let w = separate.expect("LM head weight");
                self.linear_to("lm_head", input, w, vocab, hidden, &out)?;
            }
        }
        if self.io == Activations::F16 {
            self.w.node(
                "Cast",
                "",
                &[&out],
                &["logits"],
                &[("to", Attr::Int(dtype::FLOAT as i64))],
            );
        }
        Ok(())
    }
}

/// The optional input naming how many of the last positions get logits: `int64 [1]`, default
/// (its initializer) 2⁴⁰, i.e. every position, so a runtime that does not know it (ONNX Runtime
/// GenAI) gets the usual `[batch, sequence_length, vocab]`. Zopilot's prefill feeds 1, so the LM
/// head — `vocab × hidden` per position, 151,936 × 1,536 for Qwen2.5-1.5B — runs once per chunk.
/// (An initializer that is also a graph input is an overridable default: ONNX IR ≥ 4,
/// <https://onnx.ai/onnx/repo-docs/IR.html#graphs>.)
pub const LOGITS_TO_KEEP: &str = "logits_to_keep";

/// Where the LM head's weights live.
pub(crate) enum LmHead {
    /// Tied, int4: the embedding's codes and scales.
    Int4 { codes: String, scales: String },
    /// Tied, float: a transposed `[hidden, vocab]` copy of the table.
    Float { weight: String },
    /// `output.weight` of its own.
    Separate,
}
