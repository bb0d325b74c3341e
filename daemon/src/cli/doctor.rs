//! `zopilot doctor`: is everything the daemon needs in place? One line per check —
//! `ok`, `warn` or `FAIL` — and for each problem the command or setting that fixes it.
//! Exit status 0 when nothing failed (warnings allowed), 1 otherwise.

use std::net::TcpListener;
use std::path::Path;
use std::process::ExitCode;

use crate::client::{CallError, Client};
use crate::config::{Config, ExecutionProvider, KeyStoreKind};
use crate::key_store;

pub use super::doctor_check::{Check, Level};

fn ok(name: &'static str, detail: impl Into<String>) -> Check {
    Check {
        name,
        level: Level::Ok,
        detail: detail.into(),
        fix: None,
    }
}

fn problem(
    name: &'static str,
    level: Level,
    detail: impl Into<String>,
    fix: impl Into<String>,
) -> Check {
    Check {
        name,
        level,
        detail: detail.into(),
        fix: Some(fix.into()),
    }
}

const SETUP: &str = "run installer/setup.sh (it fetches ONNX Runtime, PDFium, the OCR models and the default model)";

/// Run every check, in the order the daemon needs them.
pub fn checks(cfg: &Config) -> Vec<Check> {
    let mut out = vec![
        config_check(cfg),
        business_profile(cfg),
        data_dir(cfg),
        onnx_runtime(cfg),
    ];
    if cfg.execution_provider == ExecutionProvider::Cuda {
        out.push(cuda(cfg));
    }
    out.extend([
        pdfium(cfg),
        ocr_models(cfg),
        model(cfg),
        keyring(cfg),
        drop_folder(cfg),
    ]);
    out.extend(drive(cfg));
    out.extend(super::doctor_shared::database(cfg));
    out.extend(super::doctor_shared::engine_server(cfg));
    out.push(port(cfg));
    out
}

pub fn run(cfg: &Config) -> anyhow::Result<ExitCode> {
    let checks = checks(cfg);
    for c in &checks {
        let tag = match c.level {
            Level::Ok => "ok  ",
            Level::Warn => "warn",
            Level::Fail => "FAIL",
        };
        println!("{tag}  {:<16} {}", c.name, c.detail);
        if let Some(fix) = &c.fix {
            println!("      {:<16} fix: {fix}", "");
        }
    }
    let failed = checks.iter().filter(|c| c.level == Level::Fail).count();
    let warned = checks.iter().filter(|c| c.level == Level::Warn).count();
    println!(
        "{}",
        match (failed, warned) {
            (0, 0) => "all checks passed".to_string(),
            (0, w) => format!("ready, with {w} warning(s)"),
            (f, _) => format!("{f} problem(s) to fix before `zopilot serve`"),
        }
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn config_check(cfg: &Config) -> Check {
    if cfg.config_file.is_file() {
        ok("config", cfg.config_file.display().to_string())
    } else {
        ok(
            "config",
            format!(
                "{} (not present: defaults, environment and flags)",
                cfg.config_file.display()
            ),
        )
    }
}

fn business_profile(cfg: &Config) -> Check {
    match &cfg.business_profile {
        None => problem(
            "business profile",
            Level::Fail,
            "not configured (Stage 1 needs the business and its action registry)",
            format!(
                "set business_profile = \"/path/profile.toml\" in {} (examples: schema/profiles/)",
                cfg.config_file.display()
            ),
        ),
        Some(p) => match crate::pipeline::profile::BusinessProfile::load(p) {
            Ok(_) => ok("business profile", p.display().to_string()),
            Err(e) => problem(
                "business profile",
                Level::Fail,
                format!("{e:#}"),
                "fix the file or point business_profile at another",
            ),
        },
    }
}

fn writable_dir(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create: {e}"))?;
    let probe = dir.join(".zopilot-doctor");
    std::fs::write(&probe, b"").map_err(|e| format!("not writable: {e}"))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

fn data_dir(cfg: &Config) -> Check {
    match writable_dir(&cfg.data_dir) {
        Ok(()) => ok("data folder", cfg.data_dir.display().to_string()),
        Err(e) => problem(
            "data folder",
            Level::Fail,
            format!("{}: {e}", cfg.data_dir.display()),
            "set data_dir to a folder you can write",
        ),
    }
}

fn onnx_runtime(cfg: &Config) -> Check {
    let lib = &cfg.ort_library;
    if !lib.is_file() {
        return problem(
            "ONNX Runtime",
            Level::Fail,
            format!("{} is missing", lib.display()),
            format!("{SETUP}, or set ort_library / ORT_DYLIB_PATH"),
        );
    }
    match crate::onnx_runtime::environment(lib) {
        Ok(_) => ok("ONNX Runtime", lib.display().to_string()),
        Err(e) => problem("ONNX Runtime", Level::Fail, format!("{e:#}"), SETUP),
    }
}

fn cuda(cfg: &Config) -> Check {
    use ort::ep::ExecutionProvider as _;
    let fix = "install the CUDA build (models/README.md: onnxruntime-gpu==1.31.1 with the CUDA 13 and cuDNN 9 runtime wheels), or set execution_provider = \"cpu\"";
    if crate::onnx_runtime::environment(&cfg.ort_library).is_err() {
        return problem("CUDA", Level::Fail, "ONNX Runtime does not load", fix);
    }
    let providers = cfg
        .ort_library
        .with_file_name("libonnxruntime_providers_cuda.so");
    match ort::ep::CUDA::is_available() {
        Ok(true) if providers.is_file() || !cfg!(target_os = "linux") => {
            ok("CUDA", "the CUDA execution provider is available")
        }
        Ok(true) => problem(
            "CUDA",
            Level::Fail,
            format!("{} is missing", providers.display()),
            fix,
        ),
        Ok(false) => problem(
            "CUDA",
            Level::Fail,
            format!("{} is a CPU-only build", cfg.ort_library.display()),
            fix,
        ),
        Err(e) => problem("CUDA", Level::Fail, e.to_string(), fix),
    }
}

fn pdfium(cfg: &Config) -> Check {
    let lib = &cfg.pdfium_library;
    if !lib.is_file() {
        return problem(
            "PDFium",
            Level::Fail,
            format!("{} is missing", lib.display()),
            format!("{SETUP}, or set pdfium_library"),
        );
    }
    match crate::extract::pdf::check_library(lib) {
        Ok(()) => ok("PDFium", lib.display().to_string()),
        Err(e) => problem("PDFium", Level::Fail, format!("{e:#}"), SETUP),
    }
}

fn ocr_models(cfg: &Config) -> Check {
    use crate::extract::ocr::{CLS_MODEL, DET_MODEL, REC_MODEL};
    let dir = &cfg.ocr_models_dir;
    let missing: Vec<&str> = [DET_MODEL, CLS_MODEL, REC_MODEL]
        .into_iter()
        .filter(|f| !dir.join(f).is_file())
        .collect();
    if missing.is_empty() {
        ok("OCR models", dir.display().to_string())
    } else {
        problem(
            "OCR models",
            Level::Fail,
            format!(
                "{} lacks {} (scans and photos cannot be read)",
                dir.display(),
                missing.join(", ")
            ),
            format!("{SETUP}, or set ocr_models_dir"),
        )
    }
}

fn model(cfg: &Config) -> Check {
    let dir = &cfg.model_dir;
    let missing: Vec<&str> = ["genai_config.json", "tokenizer.json"]
        .into_iter()
        .filter(|f| !dir.join(f).is_file())
        .collect();
    let has_graph = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == "onnx"))
        })
        .unwrap_or(false);
    let fix = "run `zopilot models pull` (the default model) or `zopilot models import FILE.gguf`, or set model_dir";
    if !dir.is_dir() {
        return problem(
            "model",
            Level::Fail,
            format!("{} does not exist", dir.display()),
            fix,
        );
    }
    if !missing.is_empty() || !has_graph {
        let mut what = missing.join(", ");
        if !has_graph {
            what = if what.is_empty() {
                "an .onnx graph".into()
            } else {
                format!("{what}, an .onnx graph")
            };
        }
        return problem(
            "model",
            Level::Fail,
            format!("{} lacks {what}", dir.display()),
            fix,
        );
    }
    match crate::llm::model_config::ModelConfig::load(dir) {
        Ok(_) => ok("model", dir.display().to_string()),
        Err(e) => problem("model", Level::Fail, format!("{e:#}"), fix),
    }
}

fn keyring(cfg: &Config) -> Check {
    if std::env::var_os("ZOPILOT_API_KEY").is_some() {
        return ok("keyring", "the API key comes from ZOPILOT_API_KEY");
    }
    if cfg.key_store == KeyStoreKind::File {
        return ok(
            "keyring",
            format!(
                "not used (key_store = \"file\": {})",
                key_store::key_file(&cfg.config_file).display()
            ),
        );
    }
    match key_store::keyring_reachable(cfg) {
        Ok(()) => ok("keyring", "the OS keyring answers"),
        Err(why) => problem(
            "keyring",
            if cfg.key_store == KeyStoreKind::Keyring { Level::Fail } else { Level::Warn },
            format!("{why}; the API key falls back to a 0600 file"),
            "log in to a desktop session with a Secret Service (GNOME Keyring, KWallet), or set key_store = \"file\" on a headless machine",
        ),
    }
}

fn drop_folder(cfg: &Config) -> Check {
    let d = &cfg.drop_folder;
    if !d.exists() {
        // `serve` creates it; what matters is that it can.
        let parent = d.ancestors().skip(1).find(|a| a.is_dir());
        let creatable =
            parent.is_some_and(|p| std::fs::metadata(p).is_ok_and(|m| !m.permissions().readonly()));
        return if creatable {
            ok("drop folder", format!("{} (created at start)", d.display()))
        } else {
            problem(
                "drop folder",
                Level::Fail,
                format!("{} does not exist and cannot be created", d.display()),
                "set drop_folder to a folder you can write",
            )
        };
    }
    match writable_dir(d) {
        Ok(()) => ok("drop folder", d.display().to_string()),
        Err(e) => problem(
            "drop folder",
            Level::Fail,
            format!("{}: {e}", d.display()),
            "make it writable or set drop_folder",
        ),
    }
}

fn drive(cfg: &Config) -> Option<Check> {
    let sources = crate::watch::sources::configured(cfg);
    let drive = sources.iter().find(|s| s.name == "google_drive");
    match (cfg.watch_drive, drive, &cfg.drive_folder) {
        (false, _, _) => None,
        (true, Some(s), _) if s.present => Some(ok(
            "Google Drive",
            format!("{} ({:?})", s.path.display(), s.method),
        )),
        (true, Some(s), _) => Some(problem(
            "Google Drive",
            Level::Warn,
            format!("{} does not exist", s.path.display()),
            format!(
                "create the folder \"{}\" in Drive, or set watch_drive = false",
                cfg.drive_subfolder
            ),
        )),
        (true, None, Some(f)) => Some(problem(
            "Google Drive",
            Level::Fail,
            format!("drive_folder {} does not exist", f.display()),
            "fix drive_folder, or set watch_drive = false",
        )),
        (true, None, None) => Some(ok(
            "Google Drive",
            "no Drive for desktop folder found; not watched",
        )),
    }
}

fn port(cfg: &Config) -> Check {
    let mut c = match Client::new(cfg.listen).get("/health", None) {
        Ok(v) if v["status"] == "ok" => {
            ok("port", format!("{}: the daemon is running", cfg.listen))
        }
        Err(CallError::Unauthorized) => {
            ok("port", format!("{}: the daemon is running", cfg.listen))
        }
        Ok(_) | Err(CallError::Http(..)) => problem(
            "port",
            Level::Fail,
            format!("{} answers, but not as zopilot", cfg.listen),
            "set listen = \"127.0.0.1:<free port>\"",
        ),
        Err(CallError::Unreachable(_)) => match TcpListener::bind(cfg.listen) {
            Ok(_) => ok("port", format!("{} is free", cfg.listen)),
            Err(e) => problem(
                "port",
                Level::Fail,
                format!("cannot listen on {}: {e}", cfg.listen),
                "set listen = \"127.0.0.1:<free port>\"",
            ),
        },
    };
    if c.level == Level::Ok && !cfg.listen.ip().is_loopback() {
        c = problem(
            "port",
            Level::Warn,
            format!("{} is reachable from other machines", cfg.listen),
            "set listen = \"127.0.0.1:8765\" unless other machines must call the API",
        );
    }
    c
}
