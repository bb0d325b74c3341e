//! Extraction: a document file → type by content ([`detect`]) → layout text (PDF text layer
//! [`pdf`], office formats [`office`], plain text) or, for e-invoices ([`einvoice`]: standalone
//! CII/UBL XML, or the XML attached to a Factur-X/ZUGFeRD PDF), exact fields; the rule
//! [`read`]ing with every field's candidates ([`read::candidates`]; header labels in
//! [`candidates`]) and arithmetic [`checks`]. Extraction knows no model and no prompts: the
//! model's choice among the candidates is a pipeline stage (`pipeline::fields`).
//!
//! Invariant: extraction only reads the original file; it never writes, moves or locks it.

pub mod candidates;
pub mod checks;
pub mod child;
pub mod detect;
pub mod document_text;
pub mod einvoice;
pub mod isolate;
pub mod money;
pub mod ocr;
pub mod office;
pub mod original;
pub mod pdf;
pub mod read;
pub mod render;
pub mod values;

pub use detect::{detect, DocumentKind};
pub use document_text::DocumentText;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context, Result};

/// Limits applied before any parser sees a file.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_file_bytes: u64,
    pub max_pages: usize,
}

/// A page whose text layer has fewer non-blank characters than this is also read by OCR.
pub const SPARSE_PAGE_CHARS: usize = 80;

/// Resolution scanned PDF pages are rendered at for OCR.
pub const OCR_DPI: f32 = 200.0;

/// Everything extraction needs: the PDFium library, the OCR models (loaded on first use), the
/// limits.
pub struct Extractor {
    pub pdfium_library: PathBuf,
    pub ort_library: PathBuf,
    pub ocr_models_dir: PathBuf,
    pub ocr_threads: usize,
    pub limits: Limits,
    /// Where set, [`Extractor::extract`] runs in a resource-limited child process (this binary,
    /// `extract-child`) under these limits; see [`isolate`].
    pub child: Option<(PathBuf, isolate::ChildLimits)>,
    /// What the last child process cost (peak RSS, CPU and wall time).
    pub last_child: Mutex<Option<isolate::ChildStats>>,
    /// In the extraction child: the CPU time OCR pages add, told to the parent as progress
    /// ([`isolate::progress`]); `None` in-process.
    pub ocr_budget: Option<isolate::progress::OcrBudget>,
    ocr: Mutex<Option<Arc<ocr::Ocr>>>,
}

/// The binary that serves as the extraction child, registered once by the command line
/// ([`use_child_process`]); unset (library tests) extraction runs in-process.
static CHILD_EXE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Make every [`Extractor::new`] run extraction in `exe extract-child`.
pub fn use_child_process(exe: PathBuf) {
    let _ = CHILD_EXE.set(exe);
}

impl Extractor {
    /// From the configuration; nothing is loaded yet. Extraction runs in a child process when
    /// the binary registered one ([`use_child_process`]).
    pub fn new(cfg: &crate::config::Config) -> Extractor {
        let mut x = Extractor::from_parts(
            cfg.pdfium_library.clone(),
            cfg.ort_library.clone(),
            cfg.ocr_models_dir.clone(),
            cfg.intra_threads,
            Limits {
                max_file_bytes: cfg.max_file_bytes,
                max_pages: cfg.max_pages,
            },
        );
        x.child = CHILD_EXE
            .get()
            .map(|exe| (exe.clone(), isolate::ChildLimits::from_config(cfg)));
        x
    }

    /// An in-process extractor from its parts.
    pub fn from_parts(
        pdfium_library: PathBuf,
        ort_library: PathBuf,
        ocr_models_dir: PathBuf,
        ocr_threads: usize,
        limits: Limits,
    ) -> Extractor {
        Extractor {
            pdfium_library,
            ort_library,
            ocr_models_dir,
            ocr_threads,
            limits,
            child: None,
            last_child: Mutex::new(None),
            ocr_budget: None,
            ocr: Mutex::new(None),
        }
    }

    /// The OCR models, loaded on first use. A missing model is a [`crate::failure::Transient`]
    /// problem (install it and the document is retried), not a problem with the document.
    pub fn ocr(&self) -> Result<Arc<ocr::Ocr>> {
        let mut slot = self.ocr.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(o) = slot.as_ref() {
            return Ok(o.clone());
        }
        let o = ocr::Ocr::load(&self.ocr_models_dir, &self.ort_library, self.ocr_threads).map_err(
            |e| {
                anyhow::anyhow!(crate::failure::Transient(format!(
                    "OCR not available: {e:#}"
                )))
            },
        )?;
        let o = Arc::new(o);
        *slot = Some(o.clone());
        Ok(o)
    }

    /// Read and extract the text of the file at `path` (see [`extract_text`]), in the child
    /// process when one is set.
    ///
    /// Errors: as [`extract_text`], or an [`isolate::ChildFailure`] when the child crashed or a
    /// limit stopped it.
    pub fn extract(&self, path: &Path) -> Result<DocumentText> {
        let Some((exe, limits)) = &self.child else {
            return extract_text(path, self);
        };
        let req = self.child_request(path);
        let (r, stats) = isolate::extract_in_child(exe, &req, *limits);
        *self.last_child.lock().unwrap_or_else(|e| e.into_inner()) = Some(stats);
        r
    }

    /// Page `page` (1-based) of the document at `path` as an image for the review page (see
    /// [`render::page_image`]), in the child process when one is set.
    ///
    /// Errors: as [`render::page_image`], or what stopped the child.
    pub fn render_page(&self, path: &Path, page: usize) -> Result<render::PageImage> {
        let Some((exe, limits)) = &self.child else {
            return render::page_image(
                path,
                page,
                &self.pdfium_library,
                self.limits.max_file_bytes,
            );
        };
        let mut req = self.child_request(path);
        req.render_page = Some(page);
        isolate::render_in_child(exe, &req, *limits)
    }

    fn child_request(&self, path: &Path) -> isolate::ChildRequest {
        let budget = self
            .child
            .as_ref()
            .map(|(_, l)| isolate::progress::OcrBudget {
                cpu_seconds: l.cpu_seconds,
                per_page: l.ocr_seconds_per_page,
            });
        isolate::ChildRequest {
            path: path.to_path_buf(),
            pdfium_library: self.pdfium_library.clone(),
            ort_library: self.ort_library.clone(),
            ocr_models_dir: self.ocr_models_dir.clone(),
            ocr_threads: self.ocr_threads,
            max_file_bytes: self.limits.max_file_bytes,
            max_pages: self.limits.max_pages,
            render_page: None,
            ocr_budget: budget,
        }
    }

    /// Tell the parent (in the child) that `pages` pages will be read by OCR: their CPU time is
    /// added to the limit.
    fn admit_ocr_pages(&self, pages: usize) {
        if let Some(b) = &self.ocr_budget {
            b.admit(pages);
        }
    }

    /// Tell the parent (in the child) that page `page` of `of` is next.
    fn at_page(&self, page: usize, of: usize) {
        if let Some(b) = &self.ocr_budget {
            b.page(page, of);
        }
    }

    /// OCR `img` into layout lines of `page`; `unit` converts pixels to the line boxes' unit
    /// (points for rendered PDF pages).
    fn ocr_lines(
        &self,
        page: usize,
        img: &::image::RgbImage,
        unit: f32,
    ) -> Result<Vec<pdf::LayoutLine>> {
        // A photographed page may lie on its side and is seldom straight: boxes are
        // axis-aligned, so it is turned upright and straightened first.
        let page_read = self.ocr()?.read_page(img.clone())?;
        if page_read.degrees != 0 {
            tracing::debug!(
                page,
                degrees = page_read.degrees,
                "page turned upright for OCR"
            );
        }
        let boxes = page_read.boxes;
        let h = page_read.image.height() as f32;
        // Each recognised box becomes evenly spaced glyphs, so the PDF line builder lays OCR
        // text out exactly like a text layer (word gaps, aligned columns); rows are made of
        // whole boxes ([`ocr::rows`]), so two stacked boxes never interleave their letters.
        let glyphs_of = |b: &ocr::TextBox| {
            let chars: Vec<char> = b.text.chars().collect();
            let cw = (b.bbox[2] - b.bbox[0]) / chars.len().max(1) as f32;
            chars
                .into_iter()
                .enumerate()
                .filter(|(_, ch)| !ch.is_whitespace())
                .map(|(i, ch)| {
                    let left = b.bbox[0] + i as f32 * cw;
                    pdf::Glyph {
                        ch,
                        left: left * unit,
                        right: (left + cw) * unit,
                        bottom: (h - b.bbox[3]) * unit,
                        top: (h - b.bbox[1]) * unit,
                    }
                })
                .collect::<Vec<_>>()
        };
        let rows = ocr::rows::rows(&boxes)
            .into_iter()
            .map(|row| row.iter().flat_map(|&i| glyphs_of(&boxes[i])).collect())
            .collect();
        Ok(pdf::layout_rows(page, rows))
    }
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

/// Read and extract the text of the file at `path`: PDF text layer, OCR of pages without one
/// and of images, e-invoice XML, office formats, text.
///
/// Errors carry a reason meant for people ("the file is empty (0 bytes)", "the PDF is
/// encrypted (password protected)", "unsupported document type: …", …).
pub fn extract_text(path: &Path, x: &Extractor) -> Result<DocumentText> {
    let bytes = original::read(path, x.limits.max_file_bytes)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let kind = detect(&name, &bytes)?;
    match kind {
        DocumentKind::Pdf => extract_pdf(&bytes, x),
        k if k.is_image() => {
            x.admit_ocr_pages(1);
            x.at_page(1, 1);
            let img = ocr::image::load(&bytes)?;
            let lines = x.ocr_lines(1, &img, 1.0)?;
            let t = pdf::PdfText { pages: 1, lines };
            let text = t.text();
            if text.trim().is_empty() {
                bail!("no text found in the image");
            }
            // Line boxes of images are in pixels from the bottom-left.
            Ok(DocumentText {
                kind,
                pages: 1,
                text,
                lines: t.lines,
                einvoice: None,
            })
        }
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

/// A PDF: an attached e-invoice (exact fields), the text layer in layout lines, and OCR of the
/// pages whose text layer is too sparse (whichever reading has more text is kept).
fn extract_pdf(bytes: &[u8], x: &Extractor) -> Result<DocumentText> {
    // An attached e-invoice is exact; a damaged attachment falls back to the text layer.
    let einvoice = match einvoice::embedded::invoice_xml(bytes) {
        Ok(Some((file, xml))) => match einvoice::parse(&xml) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(attachment = %file, error = %format!("{e:#}"), "unreadable e-invoice attachment");
                None
            }
        },
        _ => None,
    };
    let mut t = pdf::extract(&x.pdfium_library, bytes, x.limits.max_pages)?;
    // Pages without a usable text layer (scans, or a scan under a stamped title):
    // render and OCR them, and keep whichever reading has more text.
    let chars_on = |lines: &[pdf::LayoutLine], p: usize| -> usize {
        lines
            .iter()
            .filter(|l| l.page == p)
            .map(|l| l.text.chars().filter(|c| !c.is_whitespace()).count())
            .sum()
    };
    let bare: Vec<usize> = (1..=t.pages)
        .filter(|&p| chars_on(&t.lines, p) < SPARSE_PAGE_CHARS)
        .collect();
    if !bare.is_empty() && einvoice.is_none() {
        x.admit_ocr_pages(bare.len());
        // Page by page, so that a limit that stops the child names the page.
        for &p in &bare {
            x.at_page(p, t.pages);
            pdf::render_pages(
                &x.pdfium_library,
                bytes,
                &[p],
                OCR_DPI,
                |page, img, unit| {
                    let ocr = x.ocr_lines(page, &img, unit)?;
                    if chars_on(&ocr, page) > chars_on(&t.lines, page) {
                        t.lines.retain(|l| l.page != page);
                        t.lines.extend(ocr);
                    }
                    Ok(())
                },
            )?;
        }
        t.lines.sort_by_key(|l| l.page);
    }
    let mut text = t.text();
    if text.trim().is_empty() {
        match &einvoice {
            Some(v) => text = einvoice::render_text(v),
            None => bail!("no text found in the PDF, not even by OCR"),
        }
    }
    Ok(DocumentText {
        kind: DocumentKind::Pdf,
        pages: t.pages,
        text,
        lines: t.lines,
        einvoice,
    })
}
