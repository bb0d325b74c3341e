//! `zopilot bench hostile`: each hostile file of [`super::hostile`] through the extraction child
//! — outcome, the child's peak RSS (`wait4`) and wall time — and this process's peak RSS, which
//! must not move; then the per-document overhead of the child process (spawn, limits, IPC) on a
//! normal document, as medians of in-process and child extraction.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;

use super::import::peak_rss_mb;
use super::scratch::tempfile_dir;
use crate::config::Config;
use crate::extract::Extractor;

pub fn run(
    cfg: &Config,
    sample: Option<&Path>,
    runs: usize,
    keep: Option<&Path>,
) -> Result<ExitCode> {
    let dir = match keep {
        Some(d) => d.to_path_buf(),
        None => tempfile_dir()?.join("hostile"),
    };
    let t0 = Instant::now();
    let files = super::hostile::write_all(&dir)?;
    println!(
        "hostile files written to {} in {:.1} s; extraction limits: {} MiB, {} s CPU, {} s wall \
         (+{} s per page read by OCR)",
        dir.display(),
        t0.elapsed().as_secs_f64(),
        cfg.extract_memory_mb,
        cfg.extract_cpu_seconds,
        cfg.extract_timeout_seconds,
        cfg.extract_ocr_seconds_per_page
    );
    let x = Extractor::new(cfg);
    if x.child.is_none() {
        anyhow::bail!("extraction is not isolated in this process (run the zopilot binary)");
    }
    let before = peak_rss_mb().unwrap_or(0.0);
    println!(
        "{:<22} {:>9} {:>13} {:>9}  outcome",
        "file", "size KB", "child peak MB", "wall ms"
    );
    for f in &files {
        let size = std::fs::symlink_metadata(f)?.len();
        let r = x.extract(f);
        let stats = x.last_child.lock().unwrap().unwrap_or_default();
        let outcome = match r {
            Ok(t) => format!("read: {} chars, {} page(s)", t.text.len(), t.pages),
            Err(e) => format!("refused: {e:#}"),
        };
        println!(
            "{:<22} {:>9} {:>13.0} {:>9}  {}",
            f.file_name().unwrap().to_string_lossy(),
            size / 1024,
            stats.peak_rss_bytes as f64 / 1048576.0,
            stats.wall_ms,
            outcome.chars().take(160).collect::<String>()
        );
    }
    let after = peak_rss_mb().unwrap_or(0.0);
    println!("this process: peak RSS {before:.0} MB before, {after:.0} MB after the hostile files");
    if let Some(sample) = sample {
        overhead(cfg, sample, runs.max(1))?;
    }
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(ExitCode::SUCCESS)
}

/// Median wall time of extracting `sample` in-process and in the child.
fn overhead(cfg: &Config, sample: &Path, runs: usize) -> Result<()> {
    let child = Extractor::new(cfg);
    let mut inproc = Extractor::new(cfg);
    inproc.child = None;
    let (mut a, mut b) = (Vec::new(), Vec::new());
    // Alternate, after one warm-up each (PDFium loaded, files cached).
    inproc.extract(sample)?;
    child.extract(sample)?;
    for _ in 0..runs {
        let t = Instant::now();
        inproc.extract(sample)?;
        a.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        child.extract(sample)?;
        b.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let (ma, mb) = (super::stats::median(a), super::stats::median(b));
    println!(
        "child-process overhead on {}: in-process {ma:.1} ms, child {mb:.1} ms (+{:.1} ms per document), medians of {runs}",
        sample.display(),
        mb - ma
    );
    Ok(())
}
