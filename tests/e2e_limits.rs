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

/// Send `head` and then `body` raw on a new connection to `base`, write nothing more, and read
/// the answer (waiting at most `wait`): its status code and JSON body.
fn raw_request(
    base: &str,
    head: &str,
    body: &[u8],
    wait: std::time::Duration,
) -> (u16, serde_json::Value) {
    use std::io::{BufRead, Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(wait)).unwrap();
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    s.flush().unwrap();
    let mut r = std::io::BufReader::new(s);
    let mut status = String::new();
    r.read_line(&mut status)
        .unwrap_or_else(|e| panic!("no answer within {wait:?}: {e}"));
    let code: u16 = status.split(' ').nth(1).unwrap().parse().unwrap();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        if line.trim().is_empty() {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap();
        }
    }
    let mut json = vec![0u8; length];
    r.read_exact(&mut json).unwrap();
    (code, serde_json::from_slice(&json).unwrap())
}

#[test]
fn a_body_announced_over_the_limit_is_refused_before_it_is_sent() {
    let env = Env::new();
    // A body timeout far longer than the wait below: only an early answer passes.
    let d = start_with(
        &env,
        &[
            ("ZOPILOT_PIPELINE", "checksum"),
            ("ZOPILOT_BODY_TIMEOUT_SECONDS", "600"),
        ],
    );
    for path in ["/prompt", "/documents?name=big.pdf"] {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: localhost\r\nX-API-Key: {}\r\n\
             Content-Type: application/json\r\nContent-Length: 100000000000\r\n\r\n",
            d.key
        );
        let (code, body) = raw_request(&d.base, &head, b"", std::time::Duration::from_secs(60));
        assert_eq!(code, 413, "{path}: {body}");
        assert_eq!(body["success"], false, "{path}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains("over the limit"),
            "{body}"
        );
    }
}

#[test]
fn a_stalled_body_is_answered_408() {
    let env = Env::new();
    let d = start_with(
        &env,
        &[
            ("ZOPILOT_PIPELINE", "checksum"),
            ("ZOPILOT_BODY_TIMEOUT_SECONDS", "2"),
        ],
    );
    let head = format!(
        "POST /prompt HTTP/1.1\r\nHost: localhost\r\nX-API-Key: {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n",
        d.key
    );
    let (code, body) = raw_request(
        &d.base,
        &head,
        b"{\"prompt\":",
        std::time::Duration::from_secs(60),
    );
    assert_eq!(code, 408, "{body}");
    assert_eq!(body["success"], false);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("body_timeout_seconds"),
        "{body}"
    );
}
