//! The preallocated KV cache and the prefix KV kept on disk, on the oracle SmolLM2 export in a
//! real ONNX Runtime session: a cache that grows or is rewound gives the same logits as a fresh
//! one; prefixes written by one engine are read by the next ("a restart"), give the same tokens as
//! no cache at all, and a damaged file is removed and recomputed; the files stay within budget.

#[path = "../../tests/support/mod.rs"]
mod support;

use zopilot::llm::{Completion, Engine, GenerationRequest, Message, SamplingParams};

fn engine() -> Engine {
    support::oracle_engine()
}

fn prompt_ids(e: &Engine, n: usize) -> Vec<u32> {
    let text = "Invoice 4711 from Nordwind GmbH: 3 chairs at 120.00 EUR, VAT 19 %. ".repeat(40);
    let ids = e
        .tokenizer()
        .encode(&[zopilot::llm::tokenizer::Piece::Content(&text)])
        .unwrap();
    assert!(ids.len() >= n);
    ids[..n].to_vec()
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn a_cache_that_grows_or_is_rewound_gives_the_same_logits() {
    let mut e = engine();
    let ids = prompt_ids(&e, 400);
    // Chunks of 100 into a cache made for 256 tokens: it grows (by a copy) on the way.
    let mut grown = e.new_cache().unwrap();
    let mut last = Vec::new();
    for c in ids.chunks(100) {
        last = e.forward(c, &mut grown).unwrap();
    }
    assert_eq!(grown.len(), 400);
    assert!(grown.capacity() >= 400);
    // The same prompt prefilled as a request does, into a cache sized once.
    let (mut sized, l2, _) = e.prefill_tokens(&ids, 0, 16).unwrap();
    assert_eq!(sized.capacity(), 416);
    assert!(
        max_diff(&last, &l2) < 1e-3,
        "grown vs sized: {}",
        max_diff(&last, &l2)
    );
    // Two continuations from one prompt: the second after rewinding over the first.
    let (a, b) = ([ids[5], ids[6], ids[7]], [ids[9], ids[10]]);
    let rows_a = e.forward_rows(&a, &mut sized).unwrap();
    sized.truncate(400);
    let rows_b = e.forward_rows(&b, &mut sized).unwrap();
    assert_eq!((rows_a.len(), rows_b.len(), sized.len()), (3, 2, 402));
    let (mut fresh, _, _) = e.prefill_tokens(&ids, 0, 16).unwrap();
    let want_b = e.forward_rows(&b, &mut fresh).unwrap();
    for (g, w) in rows_b.iter().zip(&want_b) {
        assert!(
            max_diff(g, w) < 1e-3,
            "rewound continuation differs: {}",
            max_diff(g, w)
        );
    }
    // A continuation's rows are the step-by-step logits.
    let (mut stepwise, _, _) = e.prefill_tokens(&ids, 0, 16).unwrap();
    let step = e.forward(&a[..1], &mut stepwise).unwrap();
    assert_eq!(
        zopilot::llm::sampler::argmax(&step),
        zopilot::llm::sampler::argmax(&rows_a[0])
    );
}

fn ask(system: &str, q: &str) -> GenerationRequest {
    GenerationRequest {
        messages: vec![Message::system(system), Message::user(q)],
        json_schema: None,
        sampling: SamplingParams::default(),
        max_tokens: 20,
        max_input_length: None,
        stop: Vec::new(),
    }
}

#[test]
fn prefixes_on_disk_survive_a_restart_and_a_damaged_file_is_recomputed() {
    let system = "You are a bookkeeping assistant for a small shop. Answer in one short sentence. "
        .repeat(10);
    let qs = [
        "What is an invoice?",
        "What is a receipt?",
        "What is a credit note?",
    ];
    let mut plain = engine();
    plain.set_prefix_cache_bytes(0);
    let expected: Vec<Completion> = qs
        .iter()
        .map(|q| plain.generate(&ask(&system, q)).unwrap())
        .collect();

    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("prefix-cache");
    let files = || -> Vec<std::path::PathBuf> {
        std::fs::read_dir(&store)
            .map(|rd| rd.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    };
    let mut first = engine();
    first.set_prefix_store(&store, 1 << 30).unwrap();
    let c0 = first.generate(&ask(&system, qs[0])).unwrap();
    assert_eq!(
        (c0.cached_tokens, c0.text.as_str()),
        (0, expected[0].text.as_str())
    );
    assert!(files().is_empty(), "a prefix seen once stays in memory");
    let c1 = first.generate(&ask(&system, qs[1])).unwrap();
    assert!(c1.cached_tokens > 100);
    let written = files();
    assert_eq!(written.len(), 1, "used again: written to disk");
    let file = written[0].clone();
    let full = std::fs::metadata(&file).unwrap().len();
    assert_eq!(first.prefix_store_bytes(), full);
    drop(first);

    // A new engine (a restart) reads the prefix from disk.
    let mut second = engine();
    second.set_prefix_store(&store, 1 << 30).unwrap();
    let c2 = second.generate(&ask(&system, qs[2])).unwrap();
    assert!(
        c2.cached_tokens > 100,
        "prefix from disk: {} tokens",
        c2.cached_tokens
    );
    assert_eq!(
        c2.text, expected[2].text,
        "disk-cached and uncached outputs differ"
    );
    drop(second);

    // A damaged file (cut short) is removed and the prefix computed again; written again on
    // its next use.
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    let mut third = engine();
    third.set_prefix_store(&store, 1 << 30).unwrap();
    let c3 = third.generate(&ask(&system, qs[0])).unwrap();
    assert_eq!(
        (c3.cached_tokens, c3.text.as_str()),
        (0, expected[0].text.as_str())
    );
    assert!(!file.exists(), "the damaged file is gone");
    third.generate(&ask(&system, qs[1])).unwrap();
    assert_eq!(
        std::fs::metadata(&file).unwrap().len(),
        full,
        "rewritten whole"
    );

    // A budget that holds one file: a second prefix evicts the first.
    let mut small = engine();
    small.set_prefix_store(&store, full + full / 2).unwrap();
    let other = format!("{system} Prefer plain words.");
    small.generate(&ask(&other, qs[0])).unwrap();
    small.generate(&ask(&other, qs[1])).unwrap();
    assert!(small.prefix_store_bytes() <= full + full / 2);
    assert_eq!(files().len(), 1);
    assert!(!file.exists(), "the least recently used file went first");
}

/// The first position where `a` and `b` differ, if any.
fn divergence(a: &[u32], b: &[u32]) -> Option<usize> {
    a.iter().zip(b).position(|(x, y)| x != y)
}

#[test]
fn prompt_lookup_gives_the_greedy_tokens_in_fewer_passes() {
    let mut e = engine();
    // Invoice lines that repeat with small changes: the continuation copies from the prompt.
    let prompt = prompt_ids(&e, 300);
    let (mut c, l, _) = e.prefill_tokens(&prompt, 0, 48).unwrap();
    let (plain, plain_passes) = e.decode_greedy(&prompt, &mut c, l, 48, false).unwrap();
    let (mut c, l, _) = e.prefill_tokens(&prompt, 0, 48).unwrap();
    let (drafted, passes) = e.decode_greedy(&prompt, &mut c, l, 48, true).unwrap();
    assert_eq!(plain_passes, 47, "one pass per token after the first");
    assert!(
        passes < 40,
        "prompt lookup took {passes} passes for 48 tokens"
    );
    if let Some(k) = divergence(&plain, &drafted) {
        // Allowed only at a close call: a batched pass and single steps round differently
        // (int8-quantized activations; measured up to ~0.6 logit on the oracle).
        let (mut c, mut l, _) = e.prefill_tokens(&prompt, 0, 48).unwrap();
        for &t in &plain[..k] {
            l = e.forward(&[t], &mut c).unwrap();
        }
        let mut top: Vec<f32> = l.clone();
        top.sort_by(|a, b| b.total_cmp(a));
        assert!(
            top[0] - top[1] < 1.0,
            "lookup changed token {k} at a margin of {}",
            top[0] - top[1]
        );
    }
    // Under a JSON Schema (grammar-forced tokens inside verified drafts) and through generate.
    let req = |lookup: bool, e: &mut Engine| {
        e.set_prompt_lookup(lookup);
        let mut r = ask(
            "Copy the invoice fields exactly as written.",
            "Invoice INV-2024-0042 from Nordwind Trading GmbH, total 1,695.00 EUR. Give vendor, number and total as JSON.",
        );
        r.max_tokens = 100;
        r.json_schema = Some(serde_json::json!({
            "type": "object",
            "properties": {"vendor": {"type": "string"}, "number": {"type": "string"}, "total": {"type": "string"}},
            "required": ["vendor", "number", "total"], "additionalProperties": false
        }));
        e.generate(&r).unwrap()
    };
    let off = req(false, &mut e);
    let on = req(true, &mut e);
    // The grammar holds through drafts (forced tokens inside a verified draft included).
    for c in [&on, &off] {
        if c.finish_reason != zopilot::llm::FinishReason::Length {
            serde_json::from_str::<serde_json::Value>(&c.text).expect("valid JSON");
        }
    }
    assert!(
        on.decode_steps < on.completion_tokens,
        "drafts saved passes"
    );
}
