//! Sentences for how an extraction child ended: every resource stop is named — memory, CPU time,
//! wall time — whatever the parser or the allocator called the problem (a Rust `TryReserveError`,
//! an abort "memory allocation of N bytes failed", a C++ `bad_alloc`, ONNX Runtime's arena), and
//! where the child said how far it got, the page it stopped at.

use std::path::Path;

use super::limits::ChildLimits;
use super::progress::Progress;

/// Words by which allocators and parsers say an allocation failed.
const OUT_OF_MEMORY: &[&str] = &[
    "memory allocation of",
    "bad_alloc",
    "out of memory",
    "Out of memory",
    "Cannot allocate memory",
    "Failed to allocate memory",
    "failed to allocate",
    "TryReserveError",
    "AllocError",
    "capacity overflow",
    "InsufficientMemory",
    "Memory limit exceeded",
];

/// Whether `text` (a reason or stderr) says an allocation failed.
pub(super) fn out_of_memory(text: &str) -> bool {
    OUT_OF_MEMORY.iter().any(|m| text.contains(m))
}

/// What the child's limits were, for one sentence.
pub(super) struct Stop<'a> {
    pub parser: &'a str,
    pub limits: ChildLimits,
    pub progress: Progress,
    /// CPU time the child used, in ms (`wait4`'s rusage).
    pub cpu_ms: u64,
}

impl Stop<'_> {
    /// " at page 3 of 12" when the child said which page it was on.
    fn at(&self) -> String {
        match self.progress.page {
            Some((p, of)) => format!(" at page {p} of {of}"),
            None => String::new(),
        }
    }

    /// CPU seconds the child was allowed, and how they add up.
    fn cpu(&self) -> String {
        let n = self.progress.ocr_pages;
        let limit = self.limits.cpu_for(n);
        if n == 0 || self.limits.ocr_seconds_per_page == 0 {
            return format!("{limit} s of CPU time (extract_cpu_seconds)");
        }
        format!(
            "{limit} s of CPU time ({} s + {} s for each of {n} page(s) read by OCR: \
             extract_cpu_seconds, extract_ocr_seconds_per_page)",
            self.limits.cpu_seconds, self.limits.ocr_seconds_per_page
        )
    }

    /// The memory limit stopped it.
    pub fn memory(&self) -> String {
        format!(
            "the {} ran out of its {} MiB memory limit (extract_memory_mb){}",
            self.parser,
            self.limits.memory_bytes >> 20,
            self.at()
        )
    }

    /// The CPU-time limit stopped it.
    pub fn cpu_time(&self) -> String {
        format!(
            "the {} used up its {}{}",
            self.parser,
            self.cpu(),
            self.at()
        )
    }

    /// The wall-clock limit stopped it.
    pub fn wall_time(&self) -> String {
        let n = self.progress.ocr_pages;
        let limit = self.limits.wall_for(n);
        let how = if n == 0 || self.limits.ocr_seconds_per_page == 0 {
            "extract_timeout_seconds".to_string()
        } else {
            format!(
                "{} s + {} s for each of {n} page(s) read by OCR: extract_timeout_seconds, \
                 extract_ocr_seconds_per_page",
                self.limits.wall_seconds, self.limits.ocr_seconds_per_page
            )
        };
        format!(
            "the {} took longer than its {limit} s time limit ({how}){}",
            self.parser,
            self.at()
        )
    }

    /// Whether the CPU time it used reached its limit.
    fn cpu_used_up(&self) -> bool {
        self.cpu_ms / 1000 >= self.limits.cpu_for(self.progress.ocr_pages)
    }

    /// A sentence for a child that ended with `status` and wrote `stderr` (no reply).
    pub fn died(&self, status: std::process::ExitStatus, stderr: &str) -> String {
        let parser = self.parser;
        let oom = out_of_memory(stderr);
        if stderr.contains("overflowed its stack") {
            return format!("the {parser} ran out of stack space (a structure nested too deeply)");
        }
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            if let Some(sig) = status.signal() {
                return match sig {
                    libc::SIGXCPU => self.cpu_time(),
                    _ if oom => self.memory(),
                    libc::SIGKILL if self.cpu_used_up() => self.cpu_time(),
                    libc::SIGKILL => format!(
                        "the {parser} was killed (the system's memory killer, or another process){}",
                        self.at()
                    ),
                    libc::SIGABRT | libc::SIGSEGV | libc::SIGBUS => {
                        // A parser that cannot allocate often dies without saying so.
                        format!(
                            "the {parser} crashed (signal {sig}{}){} — likely its {} MiB memory \
                             limit (extract_memory_mb)",
                            signal_name(sig),
                            self.at(),
                            self.limits.memory_bytes >> 20
                        )
                    }
                    libc::SIGXFSZ => format!("the {parser} tried to write a file and was stopped"),
                    _ => format!("the {parser} crashed (signal {sig}{})", signal_name(sig)),
                };
            }
        }
        if oom {
            return self.memory();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn stop(progress: Progress) -> Stop<'static> {
        Stop {
            parser: "PDF reader",
            limits: ChildLimits {
                memory_bytes: 2048 << 20,
                cpu_seconds: 300,
                wall_seconds: 600,
                ocr_seconds_per_page: 15,
            },
            progress,
            cpu_ms: 0,
        }
    }

    #[test]
    fn allocator_words_all_mean_the_memory_limit() {
        for said in [
            "rendering page 1: TryReserveError { kind: AllocError { layout: Layout { size: 48000000, align: 1 } } }",
            "memory allocation of 48000000 bytes failed",
            "std::bad_alloc",
            "Memory limit exceeded",
        ] {
            assert!(out_of_memory(said), "{said}");
        }
        assert!(!out_of_memory("the PDF is encrypted (password protected)"));
    }

    #[test]
    fn cpu_and_wall_reasons_name_the_budget_and_the_page() {
        let s = stop(Progress {
            ocr_pages: 46,
            page: Some((44, 46)),
        });
        let cpu = s.cpu_time();
        assert!(
            cpu.contains("990 s of CPU time (300 s + 15 s for each of 46 page(s)"),
            "{cpu}"
        );
        assert!(cpu.ends_with("at page 44 of 46"), "{cpu}");
        assert!(
            s.wall_time().contains("1290 s time limit"),
            "{}",
            s.wall_time()
        );
        let m = stop(Progress::default()).memory();
        assert_eq!(
            m,
            "the PDF reader ran out of its 2048 MiB memory limit (extract_memory_mb)"
        );
    }
}
