//! The OpenAPI 3.1 document (`GET /openapi.json`, generated from the handlers with utoipa)
//! against the live daemon: it lists every route the router serves, and schemathesis (from PyPI,
//! `tests/python-deps.sh`) runs every operation with the key — examples, coverage, fuzzing and
//! stateful phases, all checks (no 5xx, statuses, content types and bodies as documented,
//! schema-invalid requests refused, schema-valid ones accepted where the state allows —
//! `tests/schemathesis.toml` — and authentication enforced): no failure.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::daemon::start_with;
use support::*;

const KEY: &str = "schemathesis-test-key-0123456789abcdef";

#[test]
fn every_route_is_documented_and_schemathesis_finds_nothing() {
    let env = Env::new();
    // A key from the environment: `POST /key/rotate` then answers 409 and the key stays valid.
    // A model call may run long here (a fuzzed prompt filling the context, then 1,024 tokens):
    // time enough that no call ends in 504.
    let d = start_with(
        &env,
        &[
            ("ZOPILOT_API_KEY", KEY),
            ("ZOPILOT_REQUEST_TIMEOUT_SECONDS", "300"),
        ],
    );
    let src = corpus("pdf/i2d_SammyMaystoneLinesTest.pdf");
    std::fs::copy(&src, env.drop_folder().join("sammy.pdf")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let get = |path: &str| -> Value {
        ureq::get(&format!("{}{path}", d.base))
            .set("Authorization", &format!("Bearer {KEY}"))
            .call()
            .unwrap()
            .into_json()
            .unwrap()
    };
    while get("/status")["done"] != 1 {
        assert!(Instant::now() < deadline, "{}", get("/status"));
        std::thread::sleep(Duration::from_millis(200));
    }

    // Every route of the router is in the document.
    let doc = get("/openapi.json");
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let router = std::fs::read_to_string(repo_root().join("daemon/src/api/mod.rs")).unwrap();
    let mut routes = 0;
    for after in router.split(".route(").skip(1) {
        let Some(rest) = after.trim_start().strip_prefix('"') else {
            continue;
        };
        let path = rest.split('"').next().unwrap();
        assert!(
            paths.contains_key(path),
            "{path} is served but not in /openapi.json"
        );
        routes += 1;
    }
    assert!(routes >= 30, "only {routes} routes found in the router");

    let st = test_python().parent().unwrap().join("schemathesis");
    let out = Command::new(&st)
        .current_dir(repo_root().join("tests"))
        .args(["--config-file", "schemathesis.toml", "run"])
        .arg(format!("{}/openapi.json", d.base))
        .args(["-H", &format!("Authorization: Bearer {KEY}")])
        .args([
            "--max-examples",
            "6",
            "--request-timeout",
            "320",
            "--seed",
            "20261201",
        ])
        .args([
            "--no-color",
            "--checks",
            "all",
            "--generation-database",
            "none",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found failures:\n{}\n{}",
        text,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("Tested: 3"),
        "every operation tested:\n{text}"
    );
}
