//! Scratch folders for benchmarks, under the system temp dir.

use std::path::PathBuf;

use anyhow::Result;

/// A fresh folder for this process's benchmark files.
pub(super) fn tempfile_dir() -> Result<PathBuf> {
    let d = std::env::temp_dir().join(format!("zopilot-bench-{}", std::process::id()));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}
