//! Choosing among options by likelihood (`Engine::score_options`) on the oracle SmolLM2 export in
//! a real ONNX Runtime session: one pass per option and options side by side in the batch
//! dimension give the same scores up to float rounding, and the accounting adds up.

#[path = "../../tests/support/mod.rs"]
mod support;

use zopilot::llm::Engine;

fn engine() -> Engine {
    support::oracle_engine()
}

#[test]
fn batched_option_scoring_gives_the_sequential_scores() {
    let mut e = engine();
    support::scoring::assert_batched_scoring_agrees(&mut e, 0.1);
}

#[test]
fn scoring_reports_its_prompt_cache_and_passes() {
    let mut e = engine();
    let (messages, options) = support::scoring::judgment();
    let first = e.score_options(&messages, &options, None).unwrap();
    assert_eq!(first.options.len(), options.len());
    assert_eq!(
        first.cached_tokens, 0,
        "nothing cached before the first call"
    );
    assert!(first.prompt_tokens > 50);
    assert!(first
        .options
        .iter()
        .all(|o| o.logprob < 0.0 && o.tokens >= 2));
    let tokens: usize = first.options.iter().map(|o| o.tokens).sum();
    assert_eq!(first.scored_tokens, tokens);
    // The same judgment again: the system prompt's KV comes from the prefix cache, same scores.
    let again = e.score_options(&messages, &options, None).unwrap();
    assert!(again.cached_tokens > 20, "{again:?}");
    assert!(again.cached_tokens < again.prompt_tokens);
    for (a, b) in first.options.iter().zip(&again.options) {
        assert!((a.logprob - b.logprob).abs() < 1e-4, "{a:?} vs {b:?}");
    }
    // Empty options are refused, not scored.
    let bad = vec!["6800 Office supplies".to_string(), "  ".to_string()];
    assert!(e.score_options(&messages, &bad, None).is_err());
}
