//! `zopilot serve` end to end: real files into a real watched folder, the real model on ONNX
//! Runtime, results in a real SQLite file, read back over real HTTP on loopback.

mod support;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::daemon::*;
use support::*;

#[test]
fn dropped_invoices_reach_a_terminal_status_and_bad_files_fail_with_a_reason() {
    let env = Env::new();
    std::fs::create_dir_all(env.drop_folder()).unwrap();
    let d = start(&env);

    let invoices = [
        "pdf/i2d_SammyMaystoneLinesTest.pdf",
        "pdf/i2d_AmazonWebServices.pdf",
        "pdf/i2d_oyo.pdf",
    ];
    let mut originals = Vec::new();
    for rel in invoices {
        let src = corpus(rel);
        let dst = env.drop_folder().join(src.file_name().unwrap());
        std::fs::copy(&src, &dst).unwrap();
        originals.push((dst, sha256(&src)));
    }
    std::fs::write(env.drop_folder().join("empty.pdf"), b"").unwrap();
    std::fs::write(
        env.drop_folder().join("corrupt.pdf"),
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage",
    )
    .unwrap();
    std::fs::create_dir_all(env.drop_folder().join("sub")).unwrap();
    std::fs::write(env.drop_folder().join("sub/.~lock.x.pdf#"), b"lock").unwrap();

    let deadline = Instant::now() + Duration::from_secs(900);
    let docs = loop {
        let docs = d.get("/documents")["documents"].as_array().unwrap().clone();
        let done = docs
            .iter()
            .filter(|x| {
                ["classified", "preview_required", "failed"]
                    .contains(&x["status"].as_str().unwrap())
            })
            .count();
        if docs.len() == 5 && done == 5 {
            break docs;
        }
        assert!(Instant::now() < deadline, "not done in time: {docs:#?}");
        std::thread::sleep(Duration::from_secs(1));
    };
    let by_name = |n: &str| {
        docs.iter()
            .find(|x| x["file_name"] == n)
            .unwrap_or_else(|| panic!("{n} not enqueued"))
            .clone()
    };

    let empty = by_name("empty.pdf");
    assert_eq!(empty["status"], "failed");
    assert!(
        empty["error"].as_str().unwrap().contains("empty"),
        "{}",
        empty["error"]
    );
    let corrupt = by_name("corrupt.pdf");
    assert_eq!(corrupt["status"], "failed");
    assert!(
        corrupt["error"].as_str().unwrap().contains("PDF"),
        "{}",
        corrupt["error"]
    );

    for (path, sha) in &originals {
        let doc = by_name(path.file_name().unwrap().to_str().unwrap());
        assert_ne!(doc["status"], "failed", "{doc:#}");
        assert_classification(&doc);
        let one = d.get(&format!("/documents/{}", doc["id"]));
        assert_eq!(one["sha256"], sha.as_str());
        assert_eq!(&sha256(path), sha, "the original must stay untouched");
    }
    assert!(
        env.drop_folder().join("empty.pdf").is_file()
            && env.drop_folder().join("corrupt.pdf").is_file()
    );

    // The daemon is still serving after the failures.
    assert_eq!(d.get("/health")["status"], "ok");

    // What it runs and how it did, with the key (and not without).
    let info = d.get("/model-info");
    assert_eq!(info["context_length"], 8192, "{info}");
    assert!(info["size_bytes"].as_u64().unwrap() > 1_000_000, "{info}");
    assert_eq!(info["execution_provider"], "cpu");
    let text = ureq::get(&format!("{}/metrics", d.base))
        .set("Authorization", &format!("Bearer {}", d.key))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    // Parsed as Prometheus parses the text format.
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string())))
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    let value = |name: &str, labels: &[(&str, &str)]| -> Option<f64> {
        scrape
            .samples
            .iter()
            .find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .map(|s| match s.value {
                prometheus_parse::Value::Gauge(v)
                | prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Untyped(v) => v,
                _ => f64::NAN,
            })
    };
    assert_eq!(
        value(
            "zopilot_documents",
            &[("source", "drop_folder"), ("status", "failed")]
        ),
        Some(2.0),
        "{text}"
    );
    assert_eq!(value("zopilot_queue_depth", &[]), Some(0.0));
    assert_eq!(value("zopilot_paused", &[]), Some(0.0));
    let histogram = scrape
        .samples
        .iter()
        .find(|s| s.metric == "zopilot_document_seconds")
        .unwrap_or_else(|| panic!("no per-document histogram in:\n{text}"));
    match &histogram.value {
        prometheus_parse::Value::Histogram(buckets) => {
            assert!(buckets.len() >= 10, "{buckets:?}");
            let counts: Vec<f64> = buckets.iter().map(|b| b.count).collect();
            assert!(
                counts.windows(2).all(|w| w[0] <= w[1]),
                "cumulative: {counts:?}"
            );
            assert!(*counts.last().unwrap() >= 1.0);
        }
        v => panic!("zopilot_document_seconds is not a histogram: {v:?}"),
    }
    assert!(text.contains("# TYPE zopilot_api_model_call_seconds histogram"));
    assert!(matches!(
        ureq::get(&format!("{}/metrics", d.base)).call(),
        Err(ureq::Error::Status(401, _))
    ));
}

#[test]
fn prompt_api_generates_stage1_json_and_rejects_bad_requests() {
    let env = Env::new();
    let d = start(&env);

    let (code, body) = d.post(
        "/prompt",
        json!({
            "prompt": "Supplier invoice INV-7 from Acme Paper Ltd to Taylor's Store: 10 reams of paper, $45.00, tax $3.60, total $48.60, due in 30 days.",
            "context": {"stage": "action_selection", "system": "You are a bookkeeper for Taylor's Store. Choose QuickBooks actions."},
            "max_tokens": 1000, "temperature": 0
        }),
    );
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["success"], true);
    // `output` is the object the backend parses, in the contract's shape.
    let stage1 = body["output"].clone();
    assert!(stage1.is_object(), "{body}");
    assert_valid("stage1.schema.json", &stage1);
    assert_contract("prompt_response.schema.json", &body);
    assert_contract("stage1_output.schema.json", &stage1);
    let primaries = stage1["suggested_actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action_type"] == "PRIMARY")
        .count();
    assert_eq!(primaries, 1);
    assert!(body["metadata"]["prompt_tokens"].as_u64().unwrap() > 20);
    assert!(body["metadata"]["completion_tokens"].as_u64().unwrap() > 0);

    let (code, body) = d.post("/prompt", json!({"prompt": "hi", "max_tokens": 100000}));
    assert_eq!(code, 400, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("context length"),
        "{body}"
    );

    let (code, body) = d.post("/prompt", json!({"prompt": "hi", "top_p": "high"}));
    assert_eq!(code, 422);
    assert!(
        body["error"].as_str().unwrap().starts_with("top_p"),
        "{body}"
    );

    // No key, wrong key, wrong header format.
    let url = format!("{}/documents", d.base);
    for req in [
        ureq::get(&url),
        ureq::get(&url).set("X-API-Key", "wrong"),
        ureq::get(&url).set("Authorization", &d.key),
    ] {
        match req.call() {
            Err(ureq::Error::Status(401, _)) => {}
            other => panic!("expected 401, got {:?}", other.map(|r| r.status())),
        }
    }
}

#[test]
fn uploaded_files_are_processed_kept_private_and_served_back() {
    use support::daemon::start_with;
    let env = Env::new();
    let d = start_with(&env, &[("ZOPILOT_MAX_FILE_BYTES", "300000")]);
    let invoice = corpus("pdf/i2d_SammyMaystoneLinesTest.pdf");
    let bytes = std::fs::read(&invoice).unwrap();
    let post = |query: &str, body: &[u8]| -> (u16, Value) {
        match ureq::post(&format!("{}/documents{query}", d.base))
            .set("X-API-Key", &d.key)
            .send_bytes(body)
        {
            Ok(r) => (r.status(), r.into_json().unwrap()),
            Err(ureq::Error::Status(c, r)) => (c, r.into_json().unwrap()),
            Err(e) => panic!("{e}"),
        }
    };
    let (code, body) = post("?name=..%2F..%2Fsammy.pdf", &bytes);
    assert_eq!(code, 201, "{body}");
    let id = body["id"].as_i64().unwrap();
    let mut doc = Value::Null;
    for _ in 0..600 {
        doc = d.get(&format!("/documents/{id}"));
        if matches!(
            doc["status"].as_str(),
            Some("classified" | "preview_required" | "failed" | "dead")
        ) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(
        matches!(
            doc["status"].as_str(),
            Some("classified" | "preview_required")
        ),
        "{doc}"
    );
    let stored = std::path::PathBuf::from(doc["original_path"].as_str().unwrap());
    assert!(
        stored.starts_with(env.path("data").join("uploads")),
        "{}",
        stored.display()
    );
    assert_eq!(
        stored.file_name().unwrap(),
        "sammy.pdf",
        "the name's last component only"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&stored).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let back = ureq::get(&format!("{}/documents/{id}/file", d.base))
        .set("X-API-Key", &d.key)
        .call()
        .unwrap();
    assert_eq!(back.header("Content-Type"), Some("application/pdf"));
    let mut got = Vec::new();
    std::io::Read::read_to_end(&mut back.into_reader(), &mut got).unwrap();
    assert_eq!(got, bytes, "the original, byte for byte");

    assert_eq!(post("", &bytes).0, 400, "no name");
    assert_eq!(post("?name=x.pdf", b"").0, 400, "empty body");
    // Refused from its Content-Length before the body is read: the client sees the 413, or — when
    // it is still sending as the daemon answers and closes — a broken connection; never a 2xx.
    // (The early 413 itself is checked on a raw socket in e2e_limits.)
    match ureq::post(&format!("{}/documents?name=big.pdf", d.base))
        .set("X-API-Key", &d.key)
        .send_bytes(&vec![b'x'; 400_000])
    {
        Err(ureq::Error::Status(413, _)) | Err(ureq::Error::Transport(_)) => {}
        Ok(r) => panic!("an upload over the limit was accepted: {}", r.status()),
        Err(e) => panic!("{e}"),
    }
    assert!(
        !d.get("/documents")["documents"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["file_name"] == "big.pdf"),
        "nothing is stored for a refused upload"
    );
    d.stop();
}
