//! Extraction: a document file → type by content ([`detect`]) → layout text (PDF text layer
//! [`pdf`], office formats [`office`], plain text) or, for e-invoices ([`einvoice`]: standalone
//! CII/UBL XML, or the XML attached to a Factur-X/ZUGFeRD PDF), exact fields → structured fields
//! ([`fields`], under `schema/extracted_document.schema.json`) → arithmetic checks ([`checks`]).
//!
//! Invariant: extraction only reads the original file; it never writes, moves or locks it.

pub mod checks;
pub mod detect;
pub mod einvoice;
pub mod fields;
pub mod office;
pub mod pdf;

pub use detect::{detect, DocumentKind};

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Serialize;
use serde_json::Value;

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
    /// Fields read exactly from an e-invoice (standalone XML or attached to the PDF); when
    /// present the model does not extract fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub einvoice: Option<Value>,
}

/// Limits applied before any parser sees a file.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_file_bytes: u64,
    pub max_pages: usize,
}

fn plain(kind: DocumentKind, text: String) -> Result<DocumentText> {
    if text.trim().is_empty() {
        bail!(
            "the {} contains no text",
            match kind {
                DocumentKind::Docx => "DOCX document",
                DocumentKind::Xlsx => "XLSX workbook",
                DocumentKind::Csv => "CSV file",
                DocumentKind::Xml => "XML file",
                _ => "text file",
            }
        );
    }
    Ok(DocumentText {
        kind,
        pages: 1,
        text,
        lines: Vec::new(),
        einvoice: None,
    })
}

/// Read and extract the text of the file at `path`.
///
/// Errors carry a reason meant for people ("the file is empty (0 bytes)", "the PDF is
/// encrypted (password protected)", "unsupported document type: …", …).
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
    let kind = detect(&name, &bytes)?;
    match kind {
        DocumentKind::Pdf => {
            // An attached e-invoice is exact; a damaged attachment falls back to the text layer.
            let einvoice = match einvoice::embedded::invoice_xml(&bytes) {
                Ok(Some((file, xml))) => match einvoice::parse(&xml) {
                    Ok(v) => v,
                    Err(e) => {
                        tracing::warn!(attachment = %file, error = %format!("{e:#}"), "unreadable e-invoice attachment");
                        None
                    }
                },
                _ => None,
            };
            let t = pdf::extract(pdfium_library, &bytes, limits.max_pages)?;
            let mut text = t.text();
            if text.trim().is_empty() {
                match &einvoice {
                    Some(v) => text = einvoice::render_text(v),
                    None => {
                        bail!("the PDF has no text layer (scanned image); OCR is not available yet")
                    }
                }
            }
            Ok(DocumentText {
                kind,
                pages: t.pages,
                text,
                lines: t.lines,
                einvoice,
            })
        }
        k if k.is_image() => bail!("the document is an image ({k:?}); OCR is not available yet"),
        DocumentKind::Xml => {
            let v = einvoice::parse(&bytes)?;
            match v {
                Some(v) => Ok(DocumentText {
                    kind,
                    pages: 1,
                    text: einvoice::render_text(&v),
                    lines: Vec::new(),
                    einvoice: Some(v),
                }),
                None => plain(kind, String::from_utf8_lossy(&bytes).into_owned()),
            }
        }
        DocumentKind::Docx => plain(kind, office::docx_text(&bytes)?),
        DocumentKind::Xlsx => plain(kind, office::xlsx_text(&bytes)?),
        _ => plain(
            kind,
            String::from_utf8(bytes).context("the text is not UTF-8")?,
        ),
    }
}
