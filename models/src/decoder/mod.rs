//! The decoder graph for `llama`-family GGUFs (`llama`: SmolLM2, Llama 2/3, Mistral, and Mixtral
//! with `expert_count` — see [`moe`]; `qwen2`: QKV bias) in the ONNX Runtime GenAI layout — the same inputs, outputs and operators as the builder's
//! int4 export (see `../shared/reference/README.md`):
//!
//! embedding (`GatherBlockQuantized` on the int4 LM head when tied, else on its own int4 table) →
//! per layer [`SimplifiedLayerNormalization` | `SkipSimplifiedLayerNormalization`] → fused QKV
//! `MatMulNBits` (+ bias `Add` for qwen2) → `GroupQueryAttention` (rotary, rotate-half layout,
//! cos/sin caches) → o_proj `MatMulNBits` → `SkipSimplifiedLayerNormalization` → gate/up
//! `MatMulNBits`, SiLU as `Sigmoid`·`Mul`, down `MatMulNBits` → final norm → LM head `MatMulNBits`.
//!
//! llama.cpp stores llama Q/K rows permuted for its interleaved RoPE (`convert_hf_to_gguf.py`
//! `LlamaModel.permute`); we undo that so the graph uses the rotate-half convention (qwen2 GGUFs
//! are not permuted).

mod emit;
mod moe;

use anyhow::{bail, Result};

use emit::Emit;
pub use emit::{Activations, WeightFormat, LOGITS_TO_KEEP};

use crate::gguf::Gguf;
use crate::onnx::{dtype, Attr, Dim, GraphWriter};

/// Hyper-parameters read from GGUF metadata.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Hparams {
    pub arch: String,
    pub layers: usize,
    pub hidden: usize,
    pub ffn: usize,
    pub heads: usize,
    pub kv_heads: usize,
    pub head_dim: usize,
    pub vocab: usize,
    pub context: usize,
    pub rms_eps: f32,
    pub rope_theta: f32,
    /// Linear RoPE scaling factor (1 = none).
    pub rope_scale: f32,
    pub tied_embeddings: bool,
    /// Experts per MoE layer (0 = dense feed-forward).
    pub experts: usize,
    /// Experts routed per token (top-k).
    pub experts_used: usize,
}

impl Hparams {
    /// Read and check the hyper-parameters.
    ///
    /// Errors: an architecture we do not import (named), or missing keys.
    pub fn read(g: &Gguf) -> Result<Hparams> {
        let arch = g.req_str("general.architecture")?.to_string();
        if !matches!(arch.as_str(), "llama" | "qwen2") {
            bail!("unsupported model architecture {arch:?} (supported: llama, qwen2)");
        }
        let k = |s: &str| format!("{arch}.{s}");
        let experts = g.int(&k("expert_count")).unwrap_or(0).max(0) as usize;
        let experts_used = g.int(&k("expert_used_count")).unwrap_or(0).max(0) as usize;
        if experts > 0 {
            if arch != "llama" {
                bail!("mixture-of-experts {arch} GGUFs are not supported (supported: Mixtral-style llama)");
            }
            if experts_used == 0 || experts_used > experts {
                bail!("{arch}.expert_used_count = {experts_used} is invalid for {experts} experts");
            }
            // llama.cpp: 1 = softmax, 2 = sigmoid; only softmax routing matches QMoE.
            if let Some(f) = g.int(&k("expert_gating_func")) {
                if f != 1 {
                    bail!("expert gating function {f} is not supported (only softmax routing)");
                }
            }
        }
        let hidden = g.req_int(&k("embedding_length"))? as usize;
        let heads = g.req_int(&k("attention.head_count"))? as usize;
        let vocab = g
            .str_array("tokenizer.ggml.tokens")
            .map(|t| t.len())
            .unwrap_or(0);
        let scaling = g.str(&k("rope.scaling.type")).unwrap_or("none");
        let rope_scale = match scaling {
            "none" => 1.0,
            "linear" => g.float(&k("rope.scaling.factor")).unwrap_or(1.0) as f32,
            other => bail!("unsupported RoPE scaling {other:?}"),
        };
        Ok(Hparams {
            layers: g.req_int(&k("block_count"))? as usize,
            hidden,
            ffn: g.req_int(&k("feed_forward_length"))? as usize,
            heads,
            kv_heads: g.int(&k("attention.head_count_kv")).unwrap_or(heads as i64) as usize,
            head_dim: g
                .int(&k("attention.key_length"))
                .map(|v| v as usize)
                .unwrap_or(hidden / heads),
            vocab,
            context: g.req_int(&k("context_length"))? as usize,
            rms_eps: g
                .float(&k("attention.layer_norm_rms_epsilon"))
                .unwrap_or(1e-5) as f32,
            rope_theta: g.float(&k("rope.freq_base")).unwrap_or(10000.0) as f32,
            rope_scale,
            tied_embeddings: !g.has("output.weight"),
            experts,
            experts_used,
            arch,
        })
    }
}

/// Undo llama.cpp's Q/K row permutation for `heads` heads of `head_dim` rows, `k` columns.
fn unpermute(w: &[f32], heads: usize, head_dim: usize, k: usize) -> Vec<f32> {
    let mut out = vec![0f32; w.len()];
    let half = head_dim / 2;
    for h in 0..heads {
        for i in 0..half {
            for j in 0..2 {
                let src = h * head_dim + 2 * i + j;
                let dst = h * head_dim + j * half + i;
                out[dst * k..(dst + 1) * k].copy_from_slice(&w[src * k..(src + 1) * k]);
            }
        }
    }
    out
}

/// Options of the graph.
#[derive(Debug, Clone)]
pub struct GraphOptions {
    /// `MatMulNBits` / `QMoE` accuracy level (0 = unset, 1 = fp32, 2 = fp16, 3 = bf16, 4 = int8
    /// activations).
    pub accuracy_level: i64,
    /// int4 (default) or unquantized weights.
    pub weights: WeightFormat,
    /// Activation / KV-cache type: float32 for the CPU EP, float16 for CUDA.
    pub activations: Activations,
}

impl Default for GraphOptions {
    fn default() -> Self {
        GraphOptions {
            accuracy_level: 4,
            weights: WeightFormat::Int4,
            activations: Activations::F32,
        }
    }
}

/// Write the decoder graph of `g` to `model.onnx` + `model.onnx.data` in `dir`, calling
/// `progress(done, total)` per layer.
pub fn write(
    g: &mut Gguf,
    hp: &Hparams,
    dir: &std::path::Path,
    opts: &GraphOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<()> {
    let mut w = GraphWriter::new(&dir.join("model.onnx.data"))?;
    let (h, hd) = (hp.hidden, hp.head_dim);
    let act = opts.activations.onnx_type();
    w.input(
        "input_ids",
        dtype::INT64,
        &[Dim::Named("batch_size"), Dim::Named("sequence_length")],
    );
    w.input(
        "attention_mask",
        dtype::INT64,
        &[
            Dim::Named("batch_size"),
            Dim::Named("total_sequence_length"),
        ],
    );
    let kv_dims = |len: &'static str| {
        [
            Dim::Named("batch_size"),
            Dim::Fixed(hp.kv_heads as i64),
            Dim::Named(len),
            Dim::Fixed(hd as i64),
        ]
    };
    for kind in ["key", "value"] {
        for l in 0..hp.layers {
            w.input(
                &format!("past_key_values.{l}.{kind}"),
                act,
                &kv_dims("past_sequence_length"),
            );
        }
    }
    w.input(LOGITS_TO_KEEP, dtype::INT64, &[Dim::Fixed(1)]);
    w.output(
        "logits",
        dtype::FLOAT,
        &[
            Dim::Named("batch_size"),
            Dim::Named("kept_sequence_length"),
            Dim::Fixed(hp.vocab as i64),
        ],
    );
    for kind in ["key", "value"] {
        for l in 0..hp.layers {
            w.output(
                &format!("present.{l}.{kind}"),
                act,
                &kv_dims("total_sequence_length"),
            );
        }
    }

    // seqlens_k = ReduceSum(attention_mask) − 1 (int32); total_sequence_length = shape[1] (int32).
    let one = w.i64_const("/model/constants/one_1d", &[1], &[1]);
    let one_s = w.i64_const("/model/constants/one", &[], &[1]);
    w.node(
        "ReduceSum",
        "",
        &["attention_mask", &one],
        &["/mask/sum"],
        &[("keepdims", Attr::Int(0))],
    );
    w.node("Sub", "", &["/mask/sum", &one], &["/mask/sub"], &[]);
    w.node(
        "Cast",
        "",
        &["/mask/sub"],
        &["/mask/seqlens_k"],
        &[("to", Attr::Int(dtype::INT32 as i64))],
    );
    w.node("Shape", "", &["attention_mask"], &["/mask/shape"], &[]);
    w.node(
        "Gather",
        "",
        &["/mask/shape", &one_s],
        &["/mask/total"],
        &[("axis", Attr::Int(0))],
    );
    w.node(
        "Cast",
        "",
        &["/mask/total"],
        &["/mask/total_i32"],
        &[("to", Attr::Int(dtype::INT32 as i64))],
    );

    let mut e = Emit {
        w: &mut w,
        accuracy_level: opts.accuracy_level,
        weights: opts.weights,
        io: opts.activations,
    };

    // Rotary caches: [context, head_dim/2], inv_freq_i = θ^(−2i/d), positions divided by the linear scale.
    let half = hd / 2;
    let mut cos = Vec::with_capacity(hp.context * half);
    let mut sin = Vec::with_capacity(hp.context * half);
    for p in 0..hp.context {
        for i in 0..half {
            let inv = (hp.rope_theta as f64).powf(-(2.0 * i as f64) / hd as f64);
            let a = (p as f64 / hp.rope_scale as f64) * inv;
            cos.push(a.cos() as f32);
            sin.push(a.sin() as f32);
        }
    }
    e.float("cos_cache", &[hp.context, half], &cos)?;
    e.float("sin_cache", &[hp.context, half], &sin)?;
    drop((cos, sin));

    // Embedding (and, when tied, the LM head's weights).
    let embd = g.tensor_f32("token_embd.weight")?;
    let lm_head = e.embedding(
        &embd.data,
        hp.vocab,
        h,
        hp.tied_embeddings,
        "/embed/output_0",
    )?;
    drop(embd);

    let eps = Attr::Float(hp.rms_eps);
    let norm_w = |g: &mut Gguf, e: &mut Emit, gguf: &str, name: &str| -> Result<String> {
        let t = g.tensor_f32(gguf)?;
        e.float(name, &[t.data.len()], &t.data)
    };
    let w0 = norm_w(
        g,
        &mut e,
        "blk.0.attn_norm.weight",
        "layers.0.input_layernorm.weight",
    )?;
    e.w.node(
        "SimplifiedLayerNormalization",
        "",
        &["/embed/output_0", &w0],
        &["/layers.0/input_layernorm/output_0"],
        &[
            ("epsilon", eps_of(&eps)),
            ("axis", Attr::Int(-1)),
            ("stash_type", Attr::Int(1)),
        ],
    );
    let mut normed = "/layers.0/input_layernorm/output_0".to_string();
    let mut residual = "/embed/output_0".to_string();
    let (nq, nkv) = (hp.heads * hd, hp.kv_heads * hd);
    for l in 0..hp.layers {
        let p = |s: &str| format!("blk.{l}.{s}");
        // Fused QKV.
        let mut q = g.tensor_f32(&p("attn_q.weight"))?.data;
        let mut k = g.tensor_f32(&p("attn_k.weight"))?.data;
        let v = g.tensor_f32(&p("attn_v.weight"))?.data;
        if hp.arch == "llama" {
            q = unpermute(&q, hp.heads, hd, h);
            k = unpermute(&k, hp.kv_heads, hd, h);
        }
        let mut qkv = q;
        qkv.extend_from_slice(&k);
        qkv.extend_from_slice(&v);
        let mut qkv_out = e.linear(
            &format!("layers.{l}.attn.qkv_proj"),
            &normed,
            &qkv,
            nq + 2 * nkv,
            h,
        )?;
        drop(qkv);
        if g.has(&p("attn_q.bias")) {
            let mut b = g.tensor_f32(&p("attn_q.bias"))?.data;
            b.extend(g.tensor_f32(&p("attn_k.bias"))?.data);
            b.extend(g.tensor_f32(&p("attn_v.bias"))?.data);
            let bias = e.float(&format!("layers.{l}.attn.qkv_proj.bias"), &[b.len()], &b)?;
            let out = format!("/layers.{l}/attn/qkv_proj/Add/output_0");
            e.w.node("Add", "", &[&qkv_out, &bias], &[&out], &[]);
            qkv_out = out;
        }
        let attn = format!("/layers.{l}/attn/GroupQueryAttention/output_0");
        e.w.node(
            "GroupQueryAttention",
            "com.microsoft",
            &[
                &qkv_out,
                "",
                "",
                &format!("past_key_values.{l}.key"),
                &format!("past_key_values.{l}.value"),
                "/mask/seqlens_k",
                "/mask/total_i32",
                "cos_cache",
                "sin_cache",
            ],
            &[
                &attn,
                &format!("present.{l}.key"),
                &format!("present.{l}.value"),
            ],
            &[
                ("num_heads", Attr::Int(hp.heads as i64)),
                ("kv_num_heads", Attr::Int(hp.kv_heads as i64)),
                ("scale", Attr::Float(1.0 / (hd as f32).sqrt())),
                ("local_window_size", Attr::Int(-1)),
                ("do_rotary", Attr::Int(1)),
                ("rotary_interleaved", Attr::Int(0)),
            ],
        );
        let o = g.tensor_f32(&p("attn_output.weight"))?.data;
        let o_out = e.linear(&format!("layers.{l}.attn.o_proj"), &attn, &o, h, nq)?;
        let ffn_norm = norm_w(
            g,
            &mut e,
            &p("ffn_norm.weight"),
            &format!("layers.{l}.post_attention_layernorm.weight"),
        )?;
        let (n2, r2) = (
            format!("/layers.{l}/post_attention_layernorm/output_0"),
            format!("/layers.{l}/post_attention_layernorm/output_3"),
        );
        e.w.node(
            "SkipSimplifiedLayerNormalization",
            "com.microsoft",
            &[&residual, &o_out, &ffn_norm],
            &[&n2, "", "", &r2],
            &[("epsilon", eps_of(&eps))],
        );
        let ffn_out = if hp.experts > 0 {
            moe::sparse_moe(&mut e, g, hp, l, &n2)?
        } else {
            dense_ffn(&mut e, g, hp, l, &n2)?
        };
        // Next layer's input norm, or the final norm.
        let last = l + 1 == hp.layers;
        let (gguf_norm, name) = if last {
            (
                "output_norm.weight".to_string(),
                "final_norm.weight".to_string(),
            )
        } else {
            (
                format!("blk.{}.attn_norm.weight", l + 1),
                format!("layers.{}.input_layernorm.weight", l + 1),
            )
        };
        let nw = norm_w(g, &mut e, &gguf_norm, &name)?;
        let (n3, r3) = (
            format!("/layers.{}/input_layernorm/output_0", l + 1),
            format!("/layers.{}/input_layernorm/output_3", l + 1),
        );
        let outputs: Vec<&str> = if last {
            vec![&n3]
        } else {
            vec![&n3, "", "", &r3]
        };
        e.w.node(
            "SkipSimplifiedLayerNormalization",
            "com.microsoft",
            &[&r2, &ffn_out, &nw],
            &outputs,
            &[("epsilon", eps_of(&eps))],
        );
        normed = n3;
        residual = r3;
        progress(l + 1, hp.layers);
    }
    let separate = if hp.tied_embeddings {
        None
    } else {
        Some(g.tensor_f32("output.weight")?.data)
    };
    e.lm_head(lm_head, &normed, separate.as_deref(), hp.vocab, h)?;
    w.finish(&dir.join("model.onnx"), "zopilot-models")
}

/// The dense SwiGLU feed-forward block: gate/up linear, SiLU as `Sigmoid`·`Mul`, down linear.
fn dense_ffn(e: &mut Emit, g: &mut Gguf, hp: &Hparams, l: usize, input: &str) -> Result<String> {
    let (h, f) = (hp.hidden, hp.ffn);
    let gate = g.tensor_f32(&format!("blk.{l}.ffn_gate.weight"))?.data;
    let gate_out = e.linear(&format!("layers.{l}.mlp.gate_proj"), input, &gate, f, h)?;
    drop(gate);
    let up = g.tensor_f32(&format!("blk.{l}.ffn_up.weight"))?.data;
    let up_out = e.linear(&format!("layers.{l}.mlp.up_proj"), input, &up, f, h)?;
    drop(up);
    let (sig, act, prod) = (
        format!("/layers.{l}/mlp/act/Sigmoid"),
        format!("/layers.{l}/mlp/act/Mul"),
        format!("/layers.{l}/mlp/Mul"),
    );
    e.w.node("Sigmoid", "", &[&gate_out], &[&sig], &[]);
    e.w.node("Mul", "", &[&gate_out, &sig], &[&act], &[]);
    e.w.node("Mul", "", &[&act, &up_out], &[&prod], &[]);
    let down = g.tensor_f32(&format!("blk.{l}.ffn_down.weight"))?.data;
    e.linear(&format!("layers.{l}.mlp.down_proj"), &prod, &down, h, f)
}

fn eps_of(a: &Attr) -> Attr {
    match a {
        Attr::Float(f) => Attr::Float(*f),
        _ => unreachable!(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpermute_inverts_llama_cpp_permute() {
        // HF rows 0..8 for one head of dim 8, K = 1: permute as convert_hf_to_gguf does.
        let hf: Vec<f32> = (0..8).map(|x| x as f32).collect();
        // reshape(1, 2, 4).swapaxes(1, 2): gguf[2i + j] = hf[j*4 + i]
        let mut gguf = vec![0f32; 8];
        for i in 0..4 {
            for j in 0..2 {
                gguf[2 * i + j] = hf[j * 4 + i];
            }
        }
        assert_eq!(unpermute(&gguf, 1, 8, 1), hf);
    }
}
