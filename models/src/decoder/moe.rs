//! The sparse mixture-of-experts feed-forward block of Mixtral-style `llama` GGUFs
//! (`expert_count` / `expert_used_count`; tensors `ffn_gate_inp`, `ffn_{gate,up,down}_exps`).
//!
//! Routing follows llama.cpp and transformers' `MixtralSparseMoeBlock`: softmax over all router
//! logits, keep the top `k`, renormalize their weights to sum to 1, output
//! `Σ wᵢ · down_i(silu(gate_i(x)) · up_i(x))`. ONNX Runtime's `com.microsoft.QMoE` (int4) and
//! `com.microsoft.MoE` (float) do exactly this with `normalize_routing_weights = 1` and
//! `activation_type = "swiglu"` (α = 1, β = 0, no clamp:
//! <https://github.com/microsoft/onnxruntime/blob/main/docs/ContribOperators.md#com.microsoft.QMoE>).
//!
//! Weight layout, chosen so one file runs on both execution providers:
//! - `fc1` is gate and up fused with their rows **interleaved** (`swiglu_fusion = 1`: row `2i` is
//!   gate row `i`, row `2i+1` is up row `i`), `[experts, 2·ffn, hidden]`. The CPU kernels accept
//!   only this fusion, and the CUDA kernel (CUTLASS, after TensorRT-LLM) has no separate FC3 GEMM.
//! - int4 codes are the raw `MatMulNBits` layout `[experts, N, K/2]` with scales
//!   `[experts, N, K/32]` and the attribute **`weights_prepacked = 0`**. The CUDA EP then packs
//!   them for its mixed-input GEMM at session load (ONNX Runtime 1.31's runtime prepack), instead
//!   of reading them as an SM80/SM90 pre-interleaved blob — the default `-1` lets the EP assume
//!   its own prepacked layout, which would silently mis-read raw weights.
//! - scales are in the activation type: the CUDA kernel requires them to match (`float16` for
//!   a `--target cuda` import).

use anyhow::{bail, Result};

use super::emit::{Emit, WeightFormat};
use super::Hparams;
use crate::gguf::Gguf;
use crate::onnx::Attr;
use crate::quant;

/// One expert's `[rows, cols]` weight for `kind` (`gate`, `up`, `down`): a slice of the stacked
/// `blk.L.ffn_<kind>_exps.weight`, or the per-expert `blk.L.ffn_<kind>.E.weight` of older
/// llama.cpp conversions.
fn expert(g: &mut Gguf, layer: usize, kind: &str, e: usize) -> Result<Vec<f32>> {
    let stacked = format!("blk.{layer}.ffn_{kind}_exps.weight");
    if g.has(&stacked) {
        return Ok(g.tensor_f32_slice(&stacked, e)?.data);
    }
    let single = format!("blk.{layer}.ffn_{kind}.{e}.weight");
    if g.has(&single) {
        return Ok(g.tensor_f32(&single)?.data);
    }
    bail!("expert tensor {stacked} (or {single}) is missing")
}

/// Interleave gate and up rows (`[ffn, hidden]` each) into `[2·ffn, hidden]`.
pub(crate) fn interleave_rows(gate: &[f32], up: &[f32], hidden: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(gate.len() + up.len());
    for (g, u) in gate.chunks_exact(hidden).zip(up.chunks_exact(hidden)) {
        out.extend_from_slice(g);
        out.extend_from_slice(u);
    }
    out
}

/// Emit layer `l`'s MoE block over `input` `[batch, seq, hidden]`; returns the output name.
pub(crate) fn sparse_moe(
    e: &mut Emit,
    g: &mut Gguf,
    hp: &Hparams,
    l: usize,
    input: &str,
) -> Result<String> {
    let (h, f, n_exp) = (hp.hidden, hp.ffn, hp.experts);
    // Router: float MatMul → [batch, seq, experts] → [tokens, experts].
    let router = g.tensor_f32(&format!("blk.{l}.ffn_gate_inp.weight"))?.data;
    if router.len() != n_exp * h {
        bail!(
            "blk.{l}.ffn_gate_inp.weight has {} values, expected {n_exp}×{h}",
            router.len()
        );
    }
    let logits = e.linear_float(&format!("layers.{l}.moe.gate"), input, &router, n_exp, h)?;
    let shape = e.w.i64_const(
        &format!("/layers.{l}/moe/router_shape"),
        &[2],
        &[-1, n_exp as i64],
    );
    let router_2d = format!("/layers.{l}/moe/router_probs");
    e.w.node("Reshape", "", &[&logits, &shape], &[&router_2d], &[]);

    let out = format!("/layers.{l}/moe/output_0");
    let common = |k: i64| {
        vec![
            ("k", Attr::Int(k)),
            ("normalize_routing_weights", Attr::Int(1)),
            ("activation_type", Attr::Str("swiglu")),
            ("swiglu_fusion", Attr::Int(1)),
        ]
    };
    let k = hp.experts_used as i64;
    match e.weights {
        WeightFormat::Int4 => {
            let (mut fc1_codes, mut fc1_scales) = (Vec::new(), Vec::new());
            let (mut fc2_codes, mut fc2_scales) = (Vec::new(), Vec::new());
            for x in 0..n_exp {
                let gate = expert(g, l, "gate", x)?;
                let up = expert(g, l, "up", x)?;
                let q = quant::quantize(&interleave_rows(&gate, &up, h), 2 * f, h)?;
                drop((gate, up));
                fc1_codes.extend_from_slice(&q.codes);
                fc1_scales.extend_from_slice(&q.scales);
                let q = quant::quantize(&expert(g, l, "down", x)?, h, f)?;
                fc2_codes.extend_from_slice(&q.codes);
                fc2_scales.extend_from_slice(&q.scales);
            }
            let p = format!("layers.{l}.moe.experts");
            let w1 = e.w.initializer(
                &format!("{p}.fc1.weight_Q4"),
                crate::onnx::dtype::UINT8,
                &[n_exp, 2 * f, h / 2],
                &fc1_codes,
            )?;
            let s1 = e.float(
                &format!("{p}.fc1.weight_scales"),
                &[n_exp, 2 * f, h / quant::BLOCK],
                &fc1_scales,
            )?;
            let w2 = e.w.initializer(
                &format!("{p}.fc2.weight_Q4"),
                crate::onnx::dtype::UINT8,
                &[n_exp, h, f / 2],
                &fc2_codes,
            )?;
            let s2 = e.float(
                &format!("{p}.fc2.weight_scales"),
                &[n_exp, h, f / quant::BLOCK],
                &fc2_scales,
            )?;
            let mut attrs = common(k);
            attrs.extend([
                ("expert_weight_bits", Attr::Int(4)),
                ("block_size", Attr::Int(quant::BLOCK as i64)),
                ("weights_prepacked", Attr::Int(0)),
                ("accuracy_level", Attr::Int(e.accuracy_level)),
            ]);
            e.w.node(
                "QMoE",
                "com.microsoft",
                &[input, &router_2d, &w1, &s1, "", &w2, &s2],
                &[&out],
                &attrs,
            );
        }
        WeightFormat::Float => {
            let (mut fc1, mut fc2) = (Vec::new(), Vec::new());
            for x in 0..n_exp {
                let gate = expert(g, l, "gate", x)?;
                let up = expert(g, l, "up", x)?;
                fc1.extend(interleave_rows(&gate, &up, h));
                fc2.extend(expert(g, l, "down", x)?);
            }
            let p = format!("layers.{l}.moe.experts");
            let w1 = e.float(&format!("{p}.fc1.weight"), &[n_exp, 2 * f, h], &fc1)?;
            let w2 = e.float(&format!("{p}.fc2.weight"), &[n_exp, h, f], &fc2)?;
            e.w.node(
                "MoE",
                "com.microsoft",
                &[input, &router_2d, &w1, "", &w2],
                &[&out],
                &common(k),
            );
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interleave_puts_gate_rows_even_and_up_rows_odd() {
        let gate = [1.0, 2.0, 3.0, 4.0]; // rows [1,2], [3,4]
        let up = [5.0, 6.0, 7.0, 8.0];
        assert_eq!(
            interleave_rows(&gate, &up, 2),
            vec![1.0, 2.0, 5.0, 6.0, 3.0, 4.0, 7.0, 8.0]
        );
    }
}
