//! Shared set-up for the end-to-end tests: the real `zopilot` binary, the libraries installed by
//! installer/setup.sh, the oracle model and corpus from `../shared`, and a private config/data dir.
#![allow(dead_code)]

pub mod books;
pub mod daemon;
pub mod desktop;
pub mod postgres;
pub mod scoring;

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn shared() -> PathBuf {
    std::env::var_os("ZOPILOT_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared"))
}

pub fn corpus(rel: &str) -> PathBuf {
    shared().join("corpus").join(rel)
}

/// The oracle SmolLM2-135M-Instruct int4 export.
pub fn oracle_model() -> PathBuf {
    shared().join("reference/smollm2-135m-instruct/onnx-int4")
}

/// The oracle model loaded on the CPU with 2 intra-op threads.
pub fn oracle_engine() -> zopilot::llm::Engine {
    zopilot::llm::Engine::load(
        &ort_library(),
        &oracle_model(),
        zopilot::config::ExecutionProvider::Cpu,
        2,
    )
    .unwrap()
}

/// `libonnxruntime.so.1.31.1` as installed by installer/setup.sh, or `ZOPILOT_ORT_LIBRARY`
/// (e.g. the CUDA build, for running the reference tests on a GPU).
pub fn ort_library() -> PathBuf {
    match std::env::var_os("ZOPILOT_ORT_LIBRARY") {
        Some(p) => PathBuf::from(p),
        None => installed_lib("libonnxruntime.so.1.31.1"),
    }
}

/// The execution provider the reference tests run on: `ZOPILOT_EXECUTION_PROVIDER=cuda` on a
/// GPU machine, else the CPU.
#[allow(dead_code)]
pub fn execution_provider() -> zopilot::config::ExecutionProvider {
    match std::env::var("ZOPILOT_EXECUTION_PROVIDER").as_deref() {
        Ok("cuda") => zopilot::config::ExecutionProvider::Cuda,
        _ => zopilot::config::ExecutionProvider::Cpu,
    }
}

fn installed_lib(name: &str) -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".local/share"));
    let p = base.join("zopilot/lib").join(name);
    assert!(
        p.is_file(),
        "{} missing: run installer/setup.sh first",
        p.display()
    );
    p
}

/// The OCR models installed by installer/setup.sh (`<data dir>/ocr`).
pub fn ocr_models() -> PathBuf {
    installed_lib("libonnxruntime.so.1.31.1")
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("ocr")
}

/// A private environment for one daemon or CLI run.
pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
    pub fn drop_folder(&self) -> PathBuf {
        self.path("drop")
    }

    /// `zopilot` with every path pointing into this environment.
    pub fn command(&self, profile: &Path) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_zopilot"));
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.path("home"))
            .env("ZOPILOT_CONFIG", self.path("config/config.toml"))
            .env("ZOPILOT_DATA_DIR", self.path("data"))
            .env("ZOPILOT_DROP_FOLDER", self.drop_folder())
            .env(
                "ZOPILOT_MODEL_DIR",
                shared().join("reference/smollm2-135m-instruct/onnx-int4"),
            )
            .env(
                "ZOPILOT_ORT_LIBRARY",
                installed_lib("libonnxruntime.so.1.31.1"),
            )
            .env("ZOPILOT_PDFIUM_LIBRARY", installed_lib("libpdfium.so"))
            .env("ZOPILOT_OCR_MODELS_DIR", ocr_models())
            .env("ZOPILOT_BUSINESS_PROFILE", profile)
            .env("ZOPILOT_INTRA_THREADS", "2")
            .env("ZOPILOT_LOG", "info,ort=warn");
        c
    }
}

/// The Python of the test venv (`ZOPILOT_TEST_PYTHON`, else `tests/python-deps.sh`'s venv in
/// `ZOPILOT_TEST_VENV` or `~/.cache/zopilot/test-venv`), which holds the `openai` client and
/// selenium.
pub fn test_python() -> PathBuf {
    let p = std::env::var_os("ZOPILOT_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("ZOPILOT_TEST_VENV")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                        .join(".cache/zopilot/test-venv")
                })
                .join("bin/python")
        });
    assert!(
        p.exists(),
        "{} is missing: run tests/python-deps.sh (the openai client and selenium from PyPI)",
        p.display()
    );
    p
}

pub fn profile(name: &str) -> PathBuf {
    repo_root().join("schema/profiles").join(name)
}

/// Validate `v` against a schema file in `schema/`.
pub fn assert_valid(schema_file: &str, v: &serde_json::Value) {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("schema").join(schema_file)).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(v)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{schema_file}: {errors:?}\n{v:#}");
}

/// Stage 1 valid with exactly one PRIMARY; every Stage 2 mapping valid.
pub fn assert_classification(doc: &serde_json::Value) {
    let s1 = &doc["stage1"];
    assert_valid("stage1.schema.json", s1);
    assert_contract("stage1_output.schema.json", s1);
    let primaries = s1["suggested_actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action_type"] == "PRIMARY")
        .count();
    assert_eq!(primaries, 1, "{s1:#}");
    let s2 = doc["stage2"].as_array().expect("stage2 array");
    assert!(!s2.is_empty(), "the PRIMARY action is always mapped");
    for m in s2 {
        assert_valid("stage2.schema.json", m);
        assert_contract("stage2_output.schema.json", m);
    }
    assert_valid("extracted_document.schema.json", &doc["extracted"]);
    assert_no_placeholders(doc);
}

/// Validate against the backend's contract (`../shared/contract/<name>`).
pub fn assert_contract(name: &str, v: &serde_json::Value) {
    let path = repo_root().join("../shared/contract").join(name);
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(v)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:?}\n{v:#}");
}

/// Fail on placeholder text anywhere in a stored document's outputs: the literal `"string"`,
/// a field's type name as its value, `lookup:lookup`, an empty lookup name, a lookup whose name
/// is its entity.
pub fn assert_no_placeholders(doc: &serde_json::Value) {
    const TYPE_NAMES: &[&str] = &[
        "string", "number", "integer", "boolean", "date", "currency", "lines", "null", "Name",
        "name",
    ];
    fn walk(path: &str, v: &serde_json::Value, bad: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) => {
                if TYPE_NAMES.contains(&s.as_str())
                    || s.contains("lookup:lookup")
                    || s.starts_with("ref:")
                {
                    bad.push(format!("{path} = {s:?}"));
                }
                if let Some(inner) = s
                    .strip_prefix("{{lookup:")
                    .and_then(|r| r.strip_suffix("}}"))
                {
                    match inner.split_once(':') {
                        Some((entity, name)) if !name.trim().is_empty() && name != entity => {}
                        _ => bad.push(format!("{path} = {s:?}")),
                    }
                }
            }
            serde_json::Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, x)| walk(&format!("{path}[{i}]"), x, bad)),
            serde_json::Value::Object(o) => o
                .iter()
                .for_each(|(k, x)| walk(&format!("{path}.{k}"), x, bad)),
            _ => {}
        }
    }
    let mut bad = Vec::new();
    for k in ["extracted", "stage1", "stage2", "result"] {
        walk(k, &doc[k], &mut bad);
    }
    assert!(
        bad.is_empty(),
        "placeholder text in the stored outputs: {bad:?}"
    );
}

pub fn sha256(p: &Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(std::fs::read(p).unwrap()))
}

/// A JSON array of token ids (as in `generation.json`).
pub fn ids(v: &serde_json::Value) -> Vec<u32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as u32)
        .collect()
}

/// A one-page PDF with `xml` attached as `name` the way Factur-X does it: a file spec in the
/// `/Names /EmbeddedFiles` tree (one level of `Kids`) and in the catalog's `/AF` array.
pub fn pdf_with_attachment(name: &str, xml: &[u8]) -> Vec<u8> {
    use lopdf::{dictionary, Object, Stream, StringFormat};
    let s = |t: &str| Object::String(t.as_bytes().to_vec(), StringFormat::Literal);
    let mut doc = lopdf::Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! {"Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1},
        ),
    );
    let mut stream = Stream::new(
        dictionary! {"Type" => "EmbeddedFile", "Subtype" => "text/xml"},
        xml.to_vec(),
    );
    stream.compress().unwrap();
    let file_id = doc.add_object(stream);
    let spec_id = doc.add_object(dictionary! {
        "Type" => "Filespec", "F" => s(name), "UF" => s(name), "AFRelationship" => "Data",
        "EF" => dictionary! {"F" => file_id},
    });
    let leaf = doc.add_object(dictionary! {
        "Names" => vec![s(name), spec_id.into()], "Limits" => vec![s(name), s(name)],
    });
    let catalog = doc.add_object(dictionary! {
        "Type" => "Catalog", "Pages" => pages_id,
        "Names" => dictionary! {"EmbeddedFiles" => dictionary! {"Kids" => vec![leaf.into()]}},
        "AF" => vec![spec_id.into()],
    });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

/// `zopilot process FILE` for Taylor's Store in `env`; asserts success and returns the stored
/// document.
pub fn process_ok(env: &Env, file: &Path) -> serde_json::Value {
    let out = env
        .command(&profile("taylors-store.toml"))
        .args(["process", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "exit {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// xorshift64*: a seeded pseudo-random generator, so that a failing randomized test replays.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}
