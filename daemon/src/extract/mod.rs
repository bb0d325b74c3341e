//! Extraction: a document file → layout text ([`pdf`], plain text) → structured fields
//! ([`fields`], under `schema/extracted_document.schema.json`) → arithmetic checks ([`checks`]).
//!
//! Invariant: extraction only reads the original file; it never writes, moves or locks it.

pub mod checks;
pub mod fields;
pub mod pdf;

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Serialize;

/// What kind of file a document is, decided by content (magic bytes) with the extension only
/// as a hint for plain text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DocumentKind {
    Pdf,
    Text,
}

/// The text of a document, as the stages see it.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentText {
    pub kind: DocumentKind,
    pub pages: usize,
    /// Layout text: lines in reading order, columns kept with spaces, pages split by form feeds.
    pub text: String,
    /// Per-line provenance (PDF only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<pdf::LayoutLine>,
}

/// Limits applied before any parser sees a file.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_file_bytes: u64,
    pub max_pages: usize,
}

/// Decide the kind of `bytes` (named `name`).
///
/// Errors: empty files and content that is neither PDF nor UTF-8 text.
pub fn detect(name: &str, bytes: &[u8]) -> Result<DocumentKind> {
    if bytes.is_empty() {
        bail!("the file is empty (0 bytes)");
    }
    // PDF 1.7 (ISO 32000-1 §7.5.2): the header may follow up to 1024 bytes of junk.
    let head = &bytes[..bytes.len().min(1024)];
    if head.windows(5).any(|w| w == b"%PDF-") {
        return Ok(DocumentKind::Pdf);
    }
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".pdf") {
        bail!("the file is named .pdf but is not a PDF (no %PDF- header)");
    }
    if std::str::from_utf8(bytes).is_ok() && !bytes.contains(&0) {
        return Ok(DocumentKind::Text);
    }
    bail!("unsupported document type: neither a PDF nor UTF-8 text")
}

/// Read and extract the text of the file at `path`.
///
/// Errors carry a reason meant for people ("the file is empty (0 bytes)", "the PDF is
/// encrypted (password protected)", …).
pub fn extract_text(path: &Path, pdfium_library: &Path, limits: &Limits) -> Result<DocumentText> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.len() > limits.max_file_bytes {
        bail!(
            "the file is {} bytes, above the limit of {} bytes (max_file_bytes)",
            meta.len(),
            limits.max_file_bytes
        );
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match detect(&name, &bytes)? {
        DocumentKind::Pdf => {
            let t = pdf::extract(pdfium_library, &bytes, limits.max_pages)?;
            let text = t.text();
            if text.trim().is_empty() {
                bail!("the PDF has no text layer (scanned image); OCR is not available yet");
            }
            Ok(DocumentText {
                kind: DocumentKind::Pdf,
                pages: t.pages,
                text,
                lines: t.lines,
            })
        }
        DocumentKind::Text => {
            let text = String::from_utf8(bytes).expect("checked by detect");
            if text.trim().is_empty() {
                bail!("the text file contains only whitespace");
            }
            Ok(DocumentText {
                kind: DocumentKind::Text,
                pages: 1,
                text,
                lines: Vec::new(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_is_by_content() {
        assert_eq!(
            detect("a.bin", b"%PDF-1.7\n...").unwrap(),
            DocumentKind::Pdf
        );
        assert_eq!(detect("scan.txt", b"%PDF-1.4").unwrap(), DocumentKind::Pdf);
        assert_eq!(
            detect("note.txt", "Invoice 42 €".as_bytes()).unwrap(),
            DocumentKind::Text
        );
        assert!(detect("x.pdf", b"")
            .unwrap_err()
            .to_string()
            .contains("empty"));
        assert!(detect("x.pdf", b"hello")
            .unwrap_err()
            .to_string()
            .contains("not a PDF"));
        assert!(detect("x.dat", &[0u8, 159, 146, 150])
            .unwrap_err()
            .to_string()
            .contains("unsupported"));
    }
}
