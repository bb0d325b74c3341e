//! Page images for the review page: a PDF page rendered by PDFium, or the image document itself
//! (decoded as OCR decodes it, so the provenance boxes of its text lines fall in place), as PNG
//! no larger than [`MAX_SIDE`] pixels. Runs where extraction runs — in the resource-limited
//! child when there is one (`Extractor::render_page`).

use std::io::Cursor;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::detect::{detect, DocumentKind};
use super::ocr::image as ocr_image;
use super::pdf;

/// Resolution of a rendered PDF page (screen reading at 100 % zoom on a HiDPI display).
pub const PAGE_DPI: f32 = 144.0;
/// Longest side of a page image, pixels.
pub const MAX_SIDE: u32 = 2000;

/// A page image.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PageImage {
    /// PNG bytes.
    #[serde(with = "hex_bytes")]
    pub png: Vec<u8>,
    /// The unit of the text lines' boxes per image pixel (PDF points for PDFs, decoded pixels for
    /// images): a box `[left, bottom, right, top]` is at x = left / this, y = height − top / this.
    pub units_per_pixel: f32,
    /// Pages in the document.
    pub pages: usize,
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(b))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let t = String::deserialize(d)?;
        hex::decode(t).map_err(serde::de::Error::custom)
    }
}

fn png(img: &image::RgbImage) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .context("encoding the page image")?;
    Ok(out)
}

/// Page `page` (1-based) of the document at `path` as a [`PageImage`], PDFs rendered with the
/// PDFium library at `pdfium`; files over `max_file_bytes` are refused.
///
/// Errors: no such page, a document kind without pages (XML, office files, text), or a file
/// that cannot be read — with the reason.
pub fn page_image(
    path: &Path,
    page: usize,
    pdfium: &Path,
    max_file_bytes: u64,
) -> Result<PageImage> {
    let bytes = super::original::read(path, max_file_bytes)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match detect(&name, &bytes)? {
        DocumentKind::Pdf => {
            let pages = pdf::page_count(pdfium, &bytes)?;
            if page == 0 || page > pages {
                bail!("no page {page}: the document has {pages}");
            }
            let mut out = None;
            pdf::render_pages(pdfium, &bytes, &[page], PAGE_DPI, |_, img, ppp| {
                let (img, f) = fit(img);
                out = Some(PageImage {
                    png: png(&img)?,
                    units_per_pixel: ppp * f,
                    pages,
                });
                Ok(())
            })?;
            out.context("the page was not rendered")
        }
        k if k.is_image() => {
            if page != 1 {
                bail!("no page {page}: an image has one");
            }
            let (img, f) = fit(ocr_image::load(&bytes)?);
            Ok(PageImage {
                png: png(&img)?,
                units_per_pixel: f,
                pages: 1,
            })
        }
        k => bail!("a {k:?} document has no page image"),
    }
}

/// `img` no larger than [`MAX_SIDE`], and the factor it was shrunk by (≥ 1).
fn fit(img: image::RgbImage) -> (image::RgbImage, f32) {
    let long = img.width().max(img.height());
    if long <= MAX_SIDE {
        return (img, 1.0);
    }
    let f = long as f32 / MAX_SIDE as f32;
    let (w, h) = (
        (img.width() as f32 / f).round().max(1.0) as u32,
        (img.height() as f32 / f).round().max(1.0) as u32,
    );
    let small = image::imageops::resize(&img, w, h, image::imageops::FilterType::Triangle);
    (small, f)
}
