//! The OpenAI-compatible API against the real daemon and model, driven by the official `openai`
//! Python client unchanged (`tests/clients/openai_client.py`, installed by
//! `tests/python-deps.sh`): models, a chat completion, a `json_schema` answer that parses, a
//! stream; a 3-line batch that completes with a 3-line output file; a batch created before a
//! restart that completes after it. Plus the refusals a client meets: a malformed request (400
//! naming the field), an unknown model (404), a request without the key (401).

mod support;

use std::process::Command;

use serde_json::{json, Value};
use support::daemon::{start, Daemon};
use support::*;

/// Run the client script with `args` against `d`; its stdout (it must succeed).
fn client(d: &Daemon, args: &[&str]) -> String {
    let out = Command::new(test_python())
        .arg(repo_root().join("tests/clients/openai_client.py"))
        .args(args)
        .env("ZOPILOT_BASE_URL", &d.base)
        .env("ZOPILOT_API_KEY", &d.key)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openai_client.py {args:?}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_openai_client_chats_streams_gets_json_and_runs_a_batch() {
    let env = Env::new();
    let d = start(&env);
    let out: Value = serde_json::from_str(&client(&d, &["chat"])).unwrap();
    assert_eq!(out["model"], "onnx-int4", "the model folder's name: {out}");
    assert!(out["json_schema"]["vendor"].is_string(), "{out}");
    assert!(out["stream"]["pieces"].as_u64().unwrap() >= 2, "{out}");

    let id = client(&d, &["batch-create"]).trim().to_string();
    assert!(id.starts_with("batch_"), "{id}");
    let done: Value = serde_json::from_str(&client(&d, &["batch-wait", &id])).unwrap();
    assert_eq!(
        (done["status"].as_str(), done["lines"].as_u64()),
        (Some("completed"), Some(3))
    );

    // Refusals in OpenAI's error shape.
    let (code, body) = d.post(
        "/v1/chat/completions",
        json!({"messages": [{"role": "user", "content": "x"}], "n": 3}),
    );
    assert_eq!(
        (code, body["error"]["param"].as_str()),
        (400, Some("n")),
        "{body}"
    );
    let (code, body) = d.post(
        "/v1/chat/completions",
        json!({"model": "gpt-9", "messages": [{"role": "user", "content": "x"}]}),
    );
    assert_eq!(
        (code, body["error"]["code"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );
    let anonymous = ureq::get(&format!("{}/v1/models", d.base)).call();
    assert!(matches!(anonymous, Err(ureq::Error::Status(401, _))));
    let (code, body) = d.post("/v1/batches", json!({"input_file_id": "file-nope", "endpoint": "/v1/chat/completions", "completion_window": "24h"}));
    assert_eq!(code, 404, "{body}");
}

#[test]
fn a_batch_created_before_a_restart_completes_after_it() {
    let env = Env::new();
    let d = start(&env);
    // Paused, the worker runs nothing: the batch is still to do when the daemon stops.
    assert_eq!(d.post("/pause", json!({})).0, 200);
    let id = client(&d, &["batch-create"]).trim().to_string();
    let b = d.get(&format!("/v1/batches/{id}"));
    assert_eq!(
        (
            b["status"].as_str(),
            b["request_counts"]["completed"].as_i64()
        ),
        (Some("in_progress"), Some(0)),
        "{b}"
    );
    d.stop();

    let d = start(&env);
    assert_eq!(d.get(&format!("/v1/batches/{id}"))["status"], "in_progress");
    assert_eq!(d.post("/resume", json!({})).0, 200);
    let done: Value = serde_json::from_str(&client(&d, &["batch-wait", &id])).unwrap();
    assert_eq!(done["lines"], 3);
    let listed = d.get("/v1/batches?limit=5");
    assert_eq!(listed["data"][0]["id"], id.as_str());
}
