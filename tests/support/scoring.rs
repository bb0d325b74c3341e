//! Option scoring checked both ways on a loaded model: options side by side in the batch
//! dimension give the sequential scores (up to float rounding) and the same ranking.

use zopilot::llm::{Engine, Message};

/// A judgment like the pipeline's: a line of an invoice and accounts of a chart.
pub fn judgment() -> (Vec<Message>, Vec<String>) {
    let messages = vec![
        Message::system(
            "You are the bookkeeper of Taylor's Store. You answer with exactly one of the options \
             you are given, written exactly as listed, and nothing else.",
        ),
        Message::user(
            "Invoice line: 2 boxes of A4 printer paper, 500 sheets each, 19.80 EUR.\n\nWhich \
             account does this line belong to?\nOptions:\n- 6800 Office supplies\n- 4400 Fuel\n\
             - 6310 Rent\n- 6855 Bank fees and charges\n- 5400 Goods for resale\nAnswer with one option.",
        ),
    ];
    let options = [
        "6800 Office supplies",
        "4400 Fuel",
        "6310 Rent",
        "6855 Bank fees and charges",
        "5400 Goods for resale",
    ]
    .map(String::from)
    .to_vec();
    (messages, options)
}

/// Score [`judgment`] one option per pass, then batched all in one group and with a budget below
/// one sequence (one option at a time, token by token), and assert the same ranking and mean log-probabilities within `tolerance` nats per token (a
/// position computed in a multi-token pass and in a single step differ by the rounding of
/// int8-quantized activations).
pub fn assert_batched_scoring_agrees(e: &mut Engine, tolerance: f64) {
    let (messages, options) = judgment();
    e.set_score_batch_bytes(0);
    let seq = e.score_options(&messages, &options, None).unwrap();
    assert_eq!(seq.passes, options.len(), "one pass per option");
    e.set_score_batch_bytes(1 << 30);
    let one = e.score_options(&messages, &options, None).unwrap();
    let longest = seq.options.iter().map(|o| o.tokens).max().unwrap();
    assert_eq!(
        one.passes,
        longest - 1,
        "every option in one group, a pass per token"
    );
    e.set_score_batch_bytes(1);
    let singles = e.score_options(&messages, &options, None).unwrap();
    let tokens: usize = seq.options.iter().map(|o| o.tokens - 1).sum();
    assert_eq!(
        singles.passes, tokens,
        "a budget below one sequence: one option at a time"
    );
    for run in [&one, &singles] {
        assert_eq!(run.scored_tokens, seq.scored_tokens);
        for (i, (a, b)) in seq.options.iter().zip(&run.options).enumerate() {
            assert_eq!(a.tokens, b.tokens);
            assert!(
                (a.mean - b.mean).abs() <= tolerance,
                "option {i} ({}): sequential {} vs batched {} per token",
                options[i],
                a.mean,
                b.mean
            );
        }
        assert_eq!(seq.ranking()[0], run.ranking()[0], "the same choice");
    }
    e.set_score_batch_bytes(0);
}
