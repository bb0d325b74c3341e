//! The process-wide ONNX Runtime environment, loaded from a shared library at run time.
//!
//! We use `ort`'s `load-dynamic` feature: nothing is linked at build time, and the library
//! (`libonnxruntime.so.1.31.1` from the PyPI `onnxruntime==1.31.1` wheel, or the CUDA build from
//! `onnxruntime-gpu==1.31.1`) is opened with `ort::init_from`, so a missing or wrong file is an
//! error message, never a panic.
//!
//! Telemetry: ONNX Runtime 1.31's POSIX builds send usage events to Microsoft and keep a device
//! id and an event cache in `~/.cache/Microsoft/DeveloperTools` unless `ORT_DISABLE_TELEMETRY=1`
//! is in the environment before the library starts (microsoft/onnxruntime#27379); the `zopilot`
//! binary sets it first thing (`cli::main`), and the environment is also built with
//! `with_telemetry(false)`.

use std::path::Path;
use std::sync::{Mutex, OnceLock};

use anyhow::{anyhow, Result};

static ENVIRONMENT: OnceLock<ort::environment::Environment> = OnceLock::new();
static INIT_LOCK: Mutex<()> = Mutex::new(());

/// Load ONNX Runtime from `library` (once per process) and return the shared environment.
///
/// Errors: the file does not exist, cannot be opened as a shared library, or is not an
/// ONNX Runtime build that offers API version 31.
pub fn environment(library: &Path) -> Result<&'static ort::environment::Environment> {
    if let Some(env) = ENVIRONMENT.get() {
        return Ok(env);
    }
    let _guard = INIT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(env) = ENVIRONMENT.get() {
        return Ok(env);
    }
    if !library.is_file() {
        return Err(anyhow!(
            "ONNX Runtime library not found at {} — run installer/setup.sh or set ort_library / ORT_DYLIB_PATH",
            library.display()
        ));
    }
    let builder = ort::init_from(library)
        .map_err(|e| anyhow!("cannot load ONNX Runtime from {}: {e}", library.display()))?;
    let env = builder
        .with_name("zopilot")
        .with_telemetry(false)
        .build()
        .map_err(|e| anyhow!("cannot create the ONNX Runtime environment: {e}"))?;
    Ok(ENVIRONMENT.get_or_init(|| env))
}
