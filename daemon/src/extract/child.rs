//! The extraction child's side of [`super::isolate`]: `zopilot extract-child` reads one JSON
//! [`ChildRequest`] from stdin, extracts the document in this (resource-limited) process and
//! writes one JSON [`ChildReply`] to stdout. It loads no configuration and no model, and logs
//! nothing below `error`.

use std::io::{Read, Write};
use std::process::ExitCode;

use super::isolate::{ChildReply, ChildRequest};
use super::{extract_text, Extractor, Limits};

/// Largest request read from stdin, in bytes.
const MAX_REQUEST_BYTES: u64 = 1024 * 1024;

/// Run the child: exit 0 with a reply (text or the refusal's reason), 2 on a malformed request.
/// A parser that panics is a refusal with the panic's message; one that aborts ends the process
/// (the parent names the cause).
pub fn main() -> ExitCode {
    // glibc gives each thread that allocates its own malloc arena, reserving 64 MiB of address
    // space apiece (up to 8 × cores of them); under the child's address-space limit those
    // reservations, not the memory used, decided whether OCR fit (on a 2-core AVX-512 machine a
    // scanned page needed 1.5–2 GiB of address space for ~750 MB resident). Two arenas keep the
    // limit a limit on memory. mallopt: glibc's malloc(3), "M_ARENA_MAX".
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's tuning; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
    let mut raw = Vec::new();
    if std::io::stdin()
        .take(MAX_REQUEST_BYTES)
        .read_to_end(&mut raw)
        .is_err()
    {
        return ExitCode::from(2);
    }
    let Ok(req) = serde_json::from_slice::<ChildRequest>(&raw) else {
        eprintln!("extract-child: malformed request");
        return ExitCode::from(2);
    };
    let mut x = Extractor::from_parts(
        req.pdfium_library.clone(),
        req.ort_library.clone(),
        req.ocr_models_dir.clone(),
        req.ocr_threads,
        Limits {
            max_file_bytes: req.max_file_bytes,
            max_pages: req.max_pages,
        },
    );
    x.ocr_budget = req.ocr_budget;
    std::panic::set_hook(Box::new(|_| {}));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match req.render_page {
        Some(n) => {
            super::render::page_image(&req.path, n, &x.pdfium_library, x.limits.max_file_bytes)
                .map(ChildReply::Page)
        }
        None => extract_text(&req.path, &x).map(ChildReply::Text),
    }));
    let reply = match r {
        Ok(Ok(reply)) => reply,
        Ok(Err(e)) => ChildReply::Error {
            reason: format!("{e:#}"),
            transient: crate::failure::is_transient(&e),
        },
        Err(p) => ChildReply::Error {
            reason: format!(
                "the document reader failed: {}",
                p.downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| p.downcast_ref::<&str>().copied())
                    .unwrap_or("internal error")
            ),
            transient: false,
        },
    };
    let Ok(bytes) = serde_json::to_vec(&reply) else {
        return ExitCode::from(3);
    };
    let mut out = std::io::stdout().lock();
    if out.write_all(&bytes).and_then(|_| out.flush()).is_err() {
        return ExitCode::from(3);
    }
    ExitCode::SUCCESS
}
