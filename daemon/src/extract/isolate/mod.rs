//! Extraction in a child process: every parser of untrusted bytes (PDF, images, OCR, office
//! formats, XML) runs in `zopilot extract-child`, the same binary, under resource limits set
//! between `fork` and `exec` — before the child reads a byte of the document:
//!
//! - `RLIMIT_AS` (address space, [`ChildLimits::memory_bytes`]): an allocation past it fails,
//!   which aborts the child, not the daemon;
//! - `RLIMIT_CPU` (CPU seconds; `SIGXCPU` at the soft limit): [`ChildLimits::cpu_seconds`], and
//!   [`ChildLimits::ocr_seconds_per_page`] more for each page the child reads by OCR — the
//!   child raises its own soft limit once it knows ([`progress`]), up to a hard limit that
//!   covers every page `max_pages` admits;
//! - `RLIMIT_FSIZE` = 0 (the child writes no files) and `RLIMIT_CORE` = 0;
//! - a wall-clock limit enforced by the parent (the child is killed), scaled the same way;
//! - on Linux the child dies with the daemon (`PR_SET_PDEATHSIG`), so a killed daemon leaves no
//!   orphan running beside the next start's child for the same document;
//! - where the kernel allows it, a new network namespace without interfaces (no network);
//! - stdout is read up to [`MAX_OUTPUT_BYTES`].
//!
//! The protocol: the parent writes one JSON [`ChildRequest`] on the child's stdin; the child
//! writes one JSON [`ChildReply`] on stdout and exits 0. Anything else — a signal, an abort, an
//! exit without a reply, a reply too large — becomes an error naming the parser, the limit
//! that stopped it and the page it was on ("the PDF reader ran out of its 2048 MiB memory limit
//! (extract_memory_mb) at page 3 of 12"; [`reasons`]). Such an error is the document's own
//! failure ([`ChildFailure`]), never a daemon restart.
//!
//! Limits are POSIX `setrlimit(2)`; on other systems the child runs without them.

mod limits;
pub mod progress;
mod reasons;
#[cfg(unix)]
mod unix;

use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use serde::{Deserialize, Serialize};

use super::document_text::DocumentText;
pub use limits::ChildLimits;
use progress::{OcrBudget, Progress};
pub use reasons::parser_name;
use reasons::{out_of_memory, Stop};

/// Largest reply read from the child, in bytes (the layout text of 50 dense pages is ≈ 2 MB).
pub const MAX_OUTPUT_BYTES: u64 = 64 * 1024 * 1024;

/// What the child is asked to do: extract `path` with these libraries and limits.
#[derive(Debug, Serialize, Deserialize)]
pub struct ChildRequest {
    /// The document, as the OS spells it (hex of its raw bytes in the JSON: any file name).
    #[serde(with = "crate::os_path::hex")]
    pub path: PathBuf,
    pub pdfium_library: PathBuf,
    pub ort_library: PathBuf,
    pub ocr_models_dir: PathBuf,
    pub ocr_threads: usize,
    pub max_file_bytes: u64,
    pub max_pages: usize,
    /// Render this page (1-based) as an image instead of extracting the text.
    #[serde(default)]
    pub render_page: Option<usize>,
    /// The CPU time OCR pages add (the child raises its own limit by it).
    #[serde(default)]
    pub ocr_budget: Option<OcrBudget>,
}

/// The child's answer.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChildReply {
    /// The extracted text.
    Text(DocumentText),
    /// The page image asked for.
    Page(super::render::PageImage),
    /// Extraction refused the document with a reason for people; `transient` when retrying
    /// may help (a missing OCR model).
    Error { reason: String, transient: bool },
}

/// The child died or was stopped by a limit: the document's own failure, not to be retried.
#[derive(Debug)]
pub struct ChildFailure(pub String);

impl std::fmt::Display for ChildFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ChildFailure {}

/// What one child cost: its peak resident set (bytes, from `wait4`'s `ru_maxrss`), its CPU time
/// (ms, user + system) and its wall time (ms, spawn to exit).
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct ChildStats {
    pub peak_rss_bytes: u64,
    pub cpu_ms: u64,
    pub wall_ms: u64,
}

/// Run the extraction child `exe extract-child` for `req` under `limits`; also returns what it
/// cost.
///
/// Errors: the child's own refusal (its reason, as [`crate::failure::Transient`] when it said
/// so), or a [`ChildFailure`] naming what stopped it; a child that cannot start is transient.
pub fn extract_in_child(
    exe: &Path,
    req: &ChildRequest,
    limits: ChildLimits,
) -> (Result<DocumentText>, ChildStats) {
    let t0 = Instant::now();
    let mut stats = ChildStats::default();
    let r = run_child(exe, req, limits, &mut stats).and_then(|reply| match reply {
        ChildReply::Text(t) => Ok(t),
        _ => Err(anyhow!(
            "the extraction process answered with something else than text"
        )),
    });
    stats.wall_ms = t0.elapsed().as_millis() as u64;
    (r, stats)
}

/// Run `exe extract-child` to render `req.render_page` (see [`super::render`]) under `limits`.
///
/// Errors: as [`extract_in_child`].
pub fn render_in_child(
    exe: &Path,
    req: &ChildRequest,
    limits: ChildLimits,
) -> Result<super::render::PageImage> {
    match run_child(exe, req, limits, &mut ChildStats::default())? {
        ChildReply::Page(p) => Ok(p),
        _ => Err(anyhow!(
            "the extraction process answered with something else than a page"
        )),
    }
}

// long: one child's life in order — spawn under limits, request, read replies, wait, judge.
fn run_child(
    exe: &Path,
    req: &ChildRequest,
    limits: ChildLimits,
    stats: &mut ChildStats,
) -> Result<ChildReply> {
    let parser = parser_name(&req.path);
    let mut cmd = Command::new(exe);
    cmd.arg("extract-child")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("ZOPILOT_LOG", "error");
    #[cfg(unix)]
    unix::limit(&mut cmd, limits, limits.cpu_for(req.max_pages as u64) + 5);
    let mut child = cmd.spawn().map_err(|e| {
        anyhow!(crate::failure::Transient(format!(
            "cannot start the extraction process {}: {e}",
            exe.display()
        )))
    })?;
    let request = serde_json::to_vec(req)?;
    let mut stdin = child.stdin.take().context("child stdin")?;
    // The request is small; a child that died before reading it shows in its exit status.
    let _ = stdin.write_all(&request);
    drop(stdin);
    let stdout = child.stdout.take().context("child stdout")?;
    let stderr = child.stderr.take().context("child stderr")?;
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.take(MAX_OUTPUT_BYTES + 1).read_to_end(&mut buf);
        buf
    });
    let progress = Arc::new(Mutex::new(Progress::default()));
    let err = {
        let progress = progress.clone();
        std::thread::spawn(move || read_stderr(stderr, &progress))
    };
    let heard = || *progress.lock().unwrap_or_else(|e| e.into_inner());
    let t0 = Instant::now();
    let (status, timed_out) = loop {
        if let Some(s) = reap(&mut child, stats, false)? {
            break (s, false);
        }
        let allowed = Duration::from_secs(limits.wall_for(heard().ocr_pages));
        if t0.elapsed() >= allowed {
            let _ = child.kill();
            let s = reap(&mut child, stats, true)?.context("the killed child did not exit")?;
            break (s, true);
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let out = out.join().unwrap_or_default();
    let err = err.join().unwrap_or_default();
    let stop = Stop {
        parser: &parser,
        limits,
        progress: heard(),
        cpu_ms: stats.cpu_ms,
    };
    if timed_out {
        return Err(ChildFailure(stop.wall_time()).into());
    }
    if status.success() {
        return interpret(&out, &stop);
    }
    Err(ChildFailure(stop.died(status, &String::from_utf8_lossy(&err))).into())
}

/// The child's stderr: progress lines go to `progress`; up to 256 KiB of the rest is kept for
/// the reason.
fn read_stderr(stderr: impl Read, progress: &Mutex<Progress>) -> Vec<u8> {
    let mut r = std::io::BufReader::new(stderr.take(16 << 20));
    let (mut kept, mut line) = (Vec::new(), Vec::new());
    loop {
        line.clear();
        match r.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&line);
        let mut p = progress.lock().unwrap_or_else(|e| e.into_inner());
        if !p.read_line(&text) && kept.len() < 256 * 1024 {
            kept.extend_from_slice(&line);
        }
    }
    kept
}

/// The reply of a child that exited 0.
fn interpret(out: &[u8], stop: &Stop) -> Result<ChildReply> {
    let parser = stop.parser;
    if out.len() as u64 > MAX_OUTPUT_BYTES {
        return Err(ChildFailure(format!(
            "the {parser} produced more than {} MiB of text",
            MAX_OUTPUT_BYTES >> 20
        ))
        .into());
    }
    match serde_json::from_slice::<ChildReply>(out) {
        Ok(r @ (ChildReply::Text(_) | ChildReply::Page(_))) => Ok(r),
        // A parser that reports a failed allocation (ONNX Runtime's arena, a C++ bad_alloc)
        // was stopped by the memory limit, whatever it called the problem.
        Ok(ChildReply::Error { reason, .. }) if out_of_memory(&reason) => {
            Err(ChildFailure(stop.memory()).into())
        }
        Ok(ChildReply::Error {
            reason,
            transient: true,
        }) => Err(anyhow!(crate::failure::Transient(reason))),
        Ok(ChildReply::Error { reason, .. }) => Err(anyhow!(reason)),
        Err(e) => Err(ChildFailure(format!("the {parser} gave an unreadable answer: {e}")).into()),
    }
}

/// Reap `child` if it has exited (or wait for it when `block`), recording its peak RSS.
#[cfg(unix)]
fn reap(
    child: &mut std::process::Child,
    stats: &mut ChildStats,
    block: bool,
) -> Result<Option<std::process::ExitStatus>> {
    use std::os::unix::process::ExitStatusExt;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: zeroed rusage is a valid value; wait4 writes into both locals.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let flags = if block { 0 } else { libc::WNOHANG };
    // SAFETY: pid is our own unreaped child; pointers are to locals.
    let r = unsafe { libc::wait4(pid, &mut status, flags, &mut usage) };
    if r == 0 {
        return Ok(None);
    }
    if r < 0 {
        let e = std::io::Error::last_os_error();
        if e.kind() == std::io::ErrorKind::Interrupted {
            return Ok(None);
        }
        return Err(e).context("waiting for the extraction process");
    }
    // ru_maxrss is in kilobytes on Linux, bytes on macOS.
    let unit = if cfg!(target_os = "macos") { 1 } else { 1024 };
    stats.peak_rss_bytes = usage.ru_maxrss.max(0) as u64 * unit;
    let ms = |t: libc::timeval| t.tv_sec.max(0) as u64 * 1000 + t.tv_usec.max(0) as u64 / 1000;
    stats.cpu_ms = ms(usage.ru_utime) + ms(usage.ru_stime);
    Ok(Some(std::process::ExitStatus::from_raw(status)))
}

#[cfg(not(unix))]
fn reap(
    child: &mut std::process::Child,
    _stats: &mut ChildStats,
    block: bool,
) -> Result<Option<std::process::ExitStatus>> {
    if block {
        return Ok(Some(child.wait()?));
    }
    Ok(child.try_wait()?)
}
