//! Extraction in a child process: every parser of untrusted bytes (PDF, images, OCR, office
//! formats, XML) runs in `zopilot extract-child`, the same binary, under resource limits set
//! between `fork` and `exec` — before the child reads a byte of the document:
//!
//! - `RLIMIT_AS` (address space, [`ChildLimits::memory_bytes`]): an allocation past it fails,
//!   which aborts the child, not the daemon;
//! - `RLIMIT_CPU` (CPU seconds; `SIGXCPU` at the soft limit, `SIGKILL` 5 s later);
//! - `RLIMIT_FSIZE` = 0 (the child writes no files) and `RLIMIT_CORE` = 0;
//! - a wall-clock limit enforced by the parent (the child is killed);
//! - where the kernel allows it, a new network namespace without interfaces (no network);
//! - stdout is read up to [`MAX_OUTPUT_BYTES`].
//!
//! The protocol: the parent writes one JSON [`ChildRequest`] on the child's stdin; the child
//! writes one JSON [`ChildReply`] on stdout and exits 0. Anything else — a signal, an abort, an
//! exit without a reply, a reply too large — becomes an error naming the parser and the limit
//! that stopped it ("the spreadsheet parser ran out of its 2048 MiB memory limit"). Such an
//! error is the document's own failure ([`ChildFailure`]), never a daemon restart.
//!
//! Limits are POSIX `setrlimit(2)`; on other systems the child runs without them.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use serde::{Deserialize, Serialize};

use super::document_text::DocumentText;

/// Largest reply read from the child, in bytes (the layout text of 50 dense pages is ≈ 2 MB).
pub const MAX_OUTPUT_BYTES: u64 = 64 * 1024 * 1024;

/// Limits of one extraction child.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct ChildLimits {
    /// Address-space limit in bytes (`RLIMIT_AS`).
    pub memory_bytes: u64,
    /// CPU time in seconds (`RLIMIT_CPU`).
    pub cpu_seconds: u64,
    /// Wall-clock time in seconds.
    pub wall_seconds: u64,
}

impl ChildLimits {
    /// From the configuration (`extract_memory_mb`, `extract_cpu_seconds`,
    /// `extract_timeout_seconds`).
    pub fn from_config(cfg: &crate::config::Config) -> ChildLimits {
        ChildLimits {
            memory_bytes: cfg.extract_memory_mb * 1024 * 1024,
            cpu_seconds: cfg.extract_cpu_seconds,
            wall_seconds: cfg.extract_timeout_seconds,
        }
    }
}

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

/// What one child cost: its peak resident set (bytes, from `wait4`'s `ru_maxrss`) and its wall
/// time (ms, spawn to exit).
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct ChildStats {
    pub peak_rss_bytes: u64,
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
    unix::limit(&mut cmd, limits);
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
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.take(256 * 1024).read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + Duration::from_secs(limits.wall_seconds);
    let (status, timed_out) = loop {
        if let Some(s) = reap(&mut child, stats, false)? {
            break (s, false);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let s = reap(&mut child, stats, true)?.context("the killed child did not exit")?;
            break (s, true);
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let out = out.join().unwrap_or_default();
    let err = err.join().unwrap_or_default();
    let stderr_text = String::from_utf8_lossy(&err);
    if timed_out {
        return Err(ChildFailure(format!(
            "the {parser} took longer than its {} s time limit (extract_timeout_seconds)",
            limits.wall_seconds
        ))
        .into());
    }
    if status.success() {
        return interpret(&out, &parser, limits);
    }
    Err(ChildFailure(why_it_died(&parser, status, &stderr_text, limits)).into())
}

/// The reply of a child that exited 0.
fn interpret(out: &[u8], parser: &str, limits: ChildLimits) -> Result<ChildReply> {
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
            Err(ChildFailure(memory_message(parser, limits)).into())
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

/// Whether `text` (a reason or stderr) says an allocation failed.
fn out_of_memory(text: &str) -> bool {
    [
        "memory allocation of",
        "bad_alloc",
        "out of memory",
        "Cannot allocate memory",
        "Failed to allocate memory",
    ]
    .iter()
    .any(|m| text.contains(m))
}

fn memory_message(parser: &str, limits: ChildLimits) -> String {
    format!(
        "the {parser} ran out of its {} MiB memory limit (extract_memory_mb)",
        limits.memory_bytes >> 20
    )
}

/// A sentence for how the child ended.
fn why_it_died(
    parser: &str,
    status: std::process::ExitStatus,
    stderr: &str,
    limits: ChildLimits,
) -> String {
    let memory = || memory_message(parser, limits);
    let out_of_memory = out_of_memory(stderr);
    if stderr.contains("overflowed its stack") {
        return format!("the {parser} ran out of stack space (a structure nested too deeply)");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return match sig {
                libc::SIGXCPU => format!(
                    "the {parser} used up its {} s of CPU time (extract_cpu_seconds)",
                    limits.cpu_seconds
                ),
                libc::SIGKILL if out_of_memory => memory(),
                libc::SIGKILL => format!(
                    "the {parser} was killed (CPU limit of {} s or the system's memory killer)",
                    limits.cpu_seconds
                ),
                libc::SIGABRT | libc::SIGSEGV | libc::SIGBUS if out_of_memory => memory(),
                libc::SIGABRT | libc::SIGSEGV | libc::SIGBUS => {
                    // A parser that cannot allocate often dies without saying so.
                    format!(
                        "the {parser} crashed (signal {sig}{}) — likely its {} MiB memory limit",
                        signal_name(sig),
                        limits.memory_bytes >> 20
                    )
                }
                libc::SIGXFSZ => format!("the {parser} tried to write a file and was stopped"),
                _ => format!("the {parser} crashed (signal {sig}{})", signal_name(sig)),
            };
        }
    }
    if out_of_memory {
        return memory();
    }
    let last = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    format!(
        "the {parser} stopped with exit code {}{}",
        status.code().unwrap_or(-1),
        if last.is_empty() {
            String::new()
        } else {
            format!(": {}", last.chars().take(300).collect::<String>())
        }
    )
}

fn signal_name(sig: i32) -> &'static str {
    #[cfg(unix)]
    {
        match sig {
            libc::SIGABRT => ", abort",
            libc::SIGSEGV => ", segmentation fault",
            libc::SIGBUS => ", bus error",
            libc::SIGKILL => ", killed",
            _ => "",
        }
    }
    #[cfg(not(unix))]
    {
        let _ = sig;
        ""
    }
}

/// The parser a file goes to, by its name, for messages ("the spreadsheet parser").
pub fn parser_name(path: &Path) -> String {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "pdf" => "PDF reader",
        "xlsx" | "xlsm" | "xls" | "ods" => "spreadsheet parser",
        "docx" | "odt" => "word-processor document parser",
        "png" | "jpg" | "jpeg" | "tif" | "tiff" | "webp" | "heic" => "image decoder and OCR",
        "xml" => "XML e-invoice parser",
        _ => "document reader",
    }
    .into()
}

#[cfg(unix)]
mod unix {
    use std::os::unix::process::CommandExt;
    use std::process::Command;

    use crate::extract::isolate::ChildLimits;

    /// Install the limits in the forked child before `exec`. Only async-signal-safe calls
    /// (`setrlimit`, `unshare`) run there.
    pub(super) fn limit(cmd: &mut Command, limits: ChildLimits) {
        let set = move |resource, soft: u64, hard: u64| {
            let r = libc::rlimit {
                rlim_cur: soft as libc::rlim_t,
                rlim_max: hard as libc::rlim_t,
            };
            // SAFETY: setrlimit with a valid pointer to a local struct.
            unsafe { libc::setrlimit(resource, &r) }
        };
        // SAFETY: the closure calls only async-signal-safe functions and allocates nothing.
        unsafe {
            cmd.pre_exec(move || {
                if set(libc::RLIMIT_AS, limits.memory_bytes, limits.memory_bytes) != 0
                    || set(libc::RLIMIT_CPU, limits.cpu_seconds, limits.cpu_seconds + 5) != 0
                    || set(libc::RLIMIT_FSIZE, 0, 0) != 0
                    || set(libc::RLIMIT_CORE, 0, 0) != 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                #[cfg(target_os = "linux")]
                {
                    // No network: a network namespace of its own (needs CAP_SYS_ADMIN, or an
                    // unprivileged user namespace); where neither is allowed the child keeps
                    // the host's network, and nothing it runs opens sockets.
                    if libc::unshare(libc::CLONE_NEWNET) != 0 {
                        let _ = libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNET);
                    }
                }
                Ok(())
            });
        }
    }
}
