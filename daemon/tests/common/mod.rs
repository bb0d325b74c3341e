//! Helpers shared by the integration tests: where `../shared` and the native libraries are.
#![allow(dead_code)]

use std::path::PathBuf;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `../shared` beside the checkout (or `$ZOPILOT_SHARED`).
pub fn shared() -> PathBuf {
    std::env::var_os("ZOPILOT_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("..").join("shared"))
}

/// The oracle SmolLM2-135M-Instruct int4 export.
pub fn oracle_model() -> PathBuf {
    shared().join("reference/smollm2-135m-instruct/onnx-int4")
}

fn data_dir() -> PathBuf {
    std::env::var_os("ZOPILOT_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let base = std::env::var_os("XDG_DATA_HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    PathBuf::from(std::env::var("HOME").unwrap()).join(".local/share")
                });
            base.join("zopilot")
        })
}

/// `libonnxruntime.so.1.31.1` as installed by installer/setup.sh (or `$ORT_DYLIB_PATH`).
pub fn ort_library() -> PathBuf {
    let p = std::env::var_os("ORT_DYLIB_PATH")
        .map(PathBuf::from)
        .unwrap_or_else(|| data_dir().join("lib/libonnxruntime.so.1.31.1"));
    assert!(
        p.is_file(),
        "{} missing: run installer/setup.sh first",
        p.display()
    );
    p
}

/// `libpdfium.so` as installed by installer/setup.sh.
pub fn pdfium_library() -> PathBuf {
    let p = data_dir().join("lib/libpdfium.so");
    assert!(
        p.is_file(),
        "{} missing: run installer/setup.sh first",
        p.display()
    );
    p
}
