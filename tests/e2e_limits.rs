//! The API's limits on model calls, against the real daemon and model: with one call running and
//! one waiting, a third is refused with 429 and Retry-After; a call that outlives
//! `request_timeout_seconds` is answered 504, its generation stopped, and the engine serves the
//! next call.

mod support;

use serde_json::json;
use support::daemon::start_with;
use support::*;

fn stage1_request() -> serde_json::Value {
    json!({
        "prompt": "Supplier invoice INV-7 from Acme Paper Ltd to Taylor's Store: 10 reams of paper, $45.00, tax $3.60, total $48.60, due in 30 days.",
        "context": {"stage": "action_selection", "accounting_software": "quickbooks"},
        "max_tokens": 600, "temperature": 0
    })
}

#[test]
fn a_full_queue_answers_429_with_retry_after() {
    let env = Env::new();
    let d = start_with(
        &env,
        &[("ZOPILOT_API_CONCURRENCY", "1"), ("ZOPILOT_API_QUEUE", "1")],
    );
    // Load the model first, so the three calls below overlap in generation.
    assert_eq!(
        d.post("/prompt", json!({"prompt": "hi", "max_tokens": 2}))
            .0,
        200
    );
    let (base, key) = (d.base.clone(), d.key.clone());
    let calls: Vec<_> = (0..3)
        .map(|_| {
            let (base, key) = (base.clone(), key.clone());
            std::thread::spawn(move || {
                match ureq::post(&format!("{base}/prompt"))
                    .set("X-API-Key", &key)
                    .send_json(stage1_request())
                {
                    Ok(r) => (r.status(), None),
                    Err(ureq::Error::Status(code, r)) => {
                        (code, r.header("Retry-After").map(str::to_string))
                    }
                    Err(e) => panic!("{e}"),
                }
            })
        })
        .collect();
    let mut answers: Vec<(u16, Option<String>)> =
        calls.into_iter().map(|c| c.join().unwrap()).collect();
    answers.sort();
    assert_eq!(
        answers.iter().map(|a| a.0).collect::<Vec<_>>(),
        [200, 200, 429],
        "{answers:?}"
    );
    let retry: u64 = answers[2].1.as_deref().unwrap().parse().unwrap();
    assert!(retry >= 1);
    d.stop();
}

#[test]
fn a_call_past_the_timeout_is_504_and_the_engine_is_free_again() {
    let env = Env::new();
    let d = start_with(&env, &[("ZOPILOT_REQUEST_TIMEOUT_SECONDS", "1")]);
    // A long free-text generation: far more than a second of decoding on any machine here.
    let (code, body) = d.post(
        "/prompt",
        json!({"prompt": "Write the numbers from 1 to 5000, one per line.", "max_tokens": 6000,
               "temperature": 0, "max_input_length": 8000}),
    );
    assert_eq!(code, 504, "{body}");
    assert!(body["error"]
        .as_str()
        .unwrap()
        .contains("request_timeout_seconds"));
    // The cancelled generation stops at its next forward pass; a short call is served.
    let mut served = false;
    for _ in 0..20 {
        let (code, _) = d.post("/prompt", json!({"prompt": "hi", "max_tokens": 2}));
        if code == 200 {
            served = true;
            break;
        }
        assert_eq!(code, 504);
    }
    assert!(served, "the engine never became free again");
    d.stop();
}
