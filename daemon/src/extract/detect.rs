//! Document type by content (magic bytes), never by extension alone: an invoice saved as
//! `scan.txt` is still a PDF, and a `.pdf` that is not a PDF says so.
//!
//! Signatures: PDF `%PDF-` within the first 1024 bytes (ISO 32000-1 §7.5.2 allows leading
//! junk); PNG `89 50 4E 47 0D 0A 1A 0A`; JPEG `FF D8 FF`; TIFF `II*\0` / `MM\0*`; WebP
//! `RIFF….WEBP`; OOXML (DOCX, XLSX) a ZIP (`PK\x03\x04`) holding `word/document.xml` or
//! `xl/workbook.xml`; XML a document starting with `<` after an optional BOM and whitespace;
//! CSV and plain text are UTF-8 without NUL bytes (CSV by extension or comma-separated lines).

use anyhow::{bail, Result};
use serde::Serialize;

/// What kind of file a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocumentKind {
    Pdf,
    Png,
    Jpeg,
    Tiff,
    Webp,
    Docx,
    Xlsx,
    Xml,
    Csv,
    Text,
}

impl DocumentKind {
    /// Raster images (the OCR path).
    pub fn is_image(self) -> bool {
        matches!(
            self,
            DocumentKind::Png | DocumentKind::Jpeg | DocumentKind::Tiff | DocumentKind::Webp
        )
    }
}

/// What a ZIP archive holds, from its central directory's file names.
fn zip_kind(bytes: &[u8]) -> Option<DocumentKind> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let names: Vec<String> = (0..z.len())
        .filter_map(|i| {
            z.by_index_raw(i)
                .ok()
                .and_then(|f| f.name().ok().map(|n| n.to_string()))
        })
        .collect();
    if names.iter().any(|n| n == "word/document.xml") {
        Some(DocumentKind::Docx)
    } else if names.iter().any(|n| n == "xl/workbook.xml") {
        Some(DocumentKind::Xlsx)
    } else {
        None
    }
}

fn looks_like_csv(text: &str) -> bool {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(20)
        .collect();
    if lines.len() < 2 {
        return false;
    }
    [',', ';', '\t'].iter().any(|&sep| {
        let n = lines[0].matches(sep).count();
        n >= 1 && lines.iter().all(|l| l.matches(sep).count() == n)
    })
}

/// Decide the kind of `bytes` (named `name`).
///
/// Errors: empty files, a `.pdf` name on non-PDF content, and anything not listed above —
/// "unsupported document type: …" naming what it looks like.
pub fn detect(name: &str, bytes: &[u8]) -> Result<DocumentKind> {
    if bytes.is_empty() {
        bail!("the file is empty (0 bytes)");
    }
    let head = &bytes[..bytes.len().min(1024)];
    if head.windows(5).any(|w| w == b"%PDF-") {
        return Ok(DocumentKind::Pdf);
    }
    let lower = name.to_ascii_lowercase();
    let starts = |sig: &[u8]| bytes.starts_with(sig);
    let kind = if starts(b"\x89PNG\r\n\x1a\n") {
        Some(DocumentKind::Png)
    } else if starts(&[0xFF, 0xD8, 0xFF]) {
        Some(DocumentKind::Jpeg)
    } else if starts(b"II*\0") || starts(b"MM\0*") {
        Some(DocumentKind::Tiff)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(DocumentKind::Webp)
    } else if starts(b"PK\x03\x04") {
        match zip_kind(bytes) {
            Some(k) => Some(k),
            None => bail!("unsupported document type: a ZIP archive that is neither DOCX nor XLSX"),
        }
    } else {
        None
    };
    if let Some(k) = kind {
        return Ok(k);
    }
    if lower.ends_with(".pdf") {
        bail!("the file is named .pdf but is not a PDF (no %PDF- header)");
    }
    if bytes.contains(&0) {
        bail!("unsupported document type: binary data that is not a PDF, image, DOCX or XLSX");
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        bail!("unsupported document type: text that is not UTF-8");
    };
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with("<?xml")
        || (t.starts_with('<')
            && !t.starts_with("<!DOCTYPE html")
            && !t.to_ascii_lowercase().starts_with("<html"))
    {
        return Ok(DocumentKind::Xml);
    }
    if lower.ends_with(".csv") || looks_like_csv(text) {
        return Ok(DocumentKind::Csv);
    }
    Ok(DocumentKind::Text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_is_by_content() {
        use DocumentKind::*;
        assert_eq!(detect("a.bin", b"%PDF-1.7\n...").unwrap(), Pdf);
        assert_eq!(
            detect("scan.txt", b"%PDF-1.4").unwrap(),
            Pdf,
            "wrong extension"
        );
        assert_eq!(
            detect("x.jpg", b"\x89PNG\r\n\x1a\n....").unwrap(),
            Png,
            "wrong extension"
        );
        assert_eq!(detect("x", &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]).unwrap(), Jpeg);
        assert_eq!(detect("x", b"II*\0\x08\0\0\0").unwrap(), Tiff);
        assert_eq!(detect("x", b"RIFF\x10\0\0\0WEBPVP8 ").unwrap(), Webp);
        assert_eq!(
            detect("f.xml", b"\xef\xbb\xbf<?xml version='1.0'?><a/>").unwrap(),
            Xml
        );
        assert_eq!(
            detect("a.csv", b"date,amount\n2024-01-02,3.50\n").unwrap(),
            Csv
        );
        assert_eq!(
            detect("export", b"date;amount\n2024-01-02;3,50\n2024-01-03;4,00\n").unwrap(),
            Csv
        );
        assert_eq!(detect("note.txt", "Invoice 42 €".as_bytes()).unwrap(), Text);
        let err = |name: &str, b: &[u8]| detect(name, b).unwrap_err().to_string();
        assert!(err("x.pdf", b"").contains("empty"));
        assert!(err("x.pdf", b"hello").contains("not a PDF"));
        assert!(err("x.dat", &[0u8, 159, 146, 150]).starts_with("unsupported document type"));
        assert!(err("x.gif", b"GIF89a\x01\0\x01\0\0\0").starts_with("unsupported document type"));
        assert!(err("x.zip", b"PK\x03\x04garbage").starts_with("unsupported document type"));
    }
}
