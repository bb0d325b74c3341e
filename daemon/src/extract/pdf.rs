//! PDF text layer → layout text, through PDFium (`pdfium-render`, `libpdfium.so` from the PyPI
//! wheel `pypdfium2==5.15.2`).
//!
//! Lines are rebuilt from glyph boxes, the way `pdftotext -layout` does it: glyphs whose vertical
//! centres fall within half a glyph height of each other form one line; within a line glyphs are
//! placed on a character grid (column = x / median glyph width), so a label and its amount stay
//! on one line and columns stay aligned. Each line keeps its page number and bounding box.

use std::path::Path;
use std::sync::{Mutex, OnceLock};

use anyhow::{anyhow, Result};
use pdfium_render::prelude::*;
use serde::Serialize;

mod accents;

/// One rebuilt line with its provenance. Coordinates are PDF points from the page's bottom-left.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct LayoutLine {
    /// 1-based page number.
    pub page: usize,
    pub text: String,
    /// `[left, bottom, right, top]` in points.
    pub bbox: [f32; 4],
}

/// Layout text of a whole document.
#[derive(Debug, Clone, Serialize)]
pub struct PdfText {
    pub pages: usize,
    pub lines: Vec<LayoutLine>,
}

impl PdfText {
    /// Pages joined by form feeds, lines by newlines.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let mut page = 1;
        for l in &self.lines {
            while page < l.page {
                out.push('\u{c}');
                out.push('\n');
                page += 1;
            }
            out.push_str(&l.text);
            out.push('\n');
        }
        out
    }
}

static PDFIUM: OnceLock<Mutex<Pdfium>> = OnceLock::new();
static PDFIUM_INIT: Mutex<()> = Mutex::new(());

fn pdfium(library: &Path) -> Result<&'static Mutex<Pdfium>> {
    if let Some(p) = PDFIUM.get() {
        return Ok(p);
    }
    let _g = PDFIUM_INIT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = PDFIUM.get() {
        return Ok(p);
    }
    if !library.is_file() {
        // An installation problem, not the document's: retried once it is fixed.
        return Err(anyhow!(crate::failure::Transient(format!(
            "PDFium library not found at {} — run installer/setup.sh or set pdfium_library",
            library.display()
        ))));
    }
    let bindings = Pdfium::bind_to_library(library)
        .map_err(|e| anyhow!("cannot load PDFium from {}: {e}", library.display()))?;
    Ok(PDFIUM.get_or_init(|| Mutex::new(Pdfium::new(bindings))))
}

/// Load PDFium from `library` (once per process), for `zopilot doctor`.
///
/// Errors: the file is missing or is not a PDFium build.
pub fn check_library(library: &Path) -> Result<()> {
    pdfium(library).map(|_| ())
}

/// A positioned character: PDF points from the page's bottom-left.
pub(crate) struct Glyph {
    pub ch: char,
    pub left: f32,
    pub right: f32,
    pub bottom: f32,
    pub top: f32,
}

/// The glyphs of a page drawn so far, by character and position (quarter points), to read a
/// glyph painted twice at the same place once: text drawn twice over itself — "fake bold"
/// (LaTeX `pdfrender` fills then strokes the whole block), which the text layer would otherwise
/// read as "DDaattooss". Letters that really repeat ("ll") stand a glyph's width apart; a
/// ligature's ("ff") share one box but come one after the other (the caller keeps those).
#[derive(Default)]
struct Drawn(std::collections::HashSet<(char, i32, i32)>);

impl Drawn {
    /// Whether `g` repeats a glyph drawn before within a quarter point; records it otherwise.
    fn repeats(&mut self, g: &Glyph) -> bool {
        let (x, y) = (
            (g.left * 4.0).round() as i32,
            (g.bottom * 4.0).round() as i32,
        );
        let near = (-1..=1).any(|dx| (-1..=1).any(|dy| self.0.contains(&(g.ch, x + dx, y + dy))));
        if !near {
            self.0.insert((g.ch, x, y));
        }
        near
    }
}

/// `glyphs` without the underscores drawn under other letters: an underline some producers draw
/// as one '_' per letter ("N_O_K_ __4_4_._2_6_3_,_1_3" for an underlined "NOK 44.263,13"). An
/// underscore is dropped when at least half of its width lies over a letter that is not an
/// underscore, in the same cell (PDFium's loose boxes span the font's height) or as a thin
/// stroke at or below the letter's vertical middle; underscores between
/// letters ("file_name") and blank lines drawn with them ("Signature: ____") stay.
fn drop_underlines(glyphs: Vec<Glyph>) -> Vec<Glyph> {
    let under = |u: &Glyph| {
        let w = (u.right - u.left).max(0.1);
        glyphs.iter().any(|g| {
            let overlap = u.right.min(g.right) - u.left.max(g.left);
            let h = (g.top - g.bottom).max(1.0);
            // The same cell (loose boxes: the font's full height) or a thin stroke under it.
            let shared = u.top.min(g.top) - u.bottom.max(g.bottom);
            let cell = shared >= 0.5 * h.min((u.top - u.bottom).max(0.1)) && shared > 0.0;
            let thin = u.top - u.bottom <= 0.3 * h;
            let stroke = thin && u.top <= g.bottom + 0.5 * h && u.bottom >= g.bottom - 0.5 * h;
            g.ch != '_' && overlap >= 0.5 * w && (cell || stroke)
        })
    };
    let mut drop: Vec<bool> = glyphs.iter().map(|u| u.ch == '_' && under(u)).collect();
    // The underline goes on under the spaces between its letters: an underscore touching a
    // dropped one on its row is dropped too.
    let touches = |a: &Glyph, b: &Glyph| {
        ((a.left - b.right).abs() < 0.5 || (b.left - a.right).abs() < 0.5)
            && (a.bottom - b.bottom).abs() < 0.5
    };
    loop {
        let more: Vec<usize> = (0..glyphs.len())
            .filter(|&i| !drop[i] && glyphs[i].ch == '_')
            .filter(|&i| (0..glyphs.len()).any(|j| drop[j] && touches(&glyphs[i], &glyphs[j])))
            .collect();
        if more.is_empty() {
            break;
        }
        for i in more {
            drop[i] = true;
        }
    }
    glyphs
        .into_iter()
        .zip(drop)
        .filter_map(|(g, d)| (!d).then_some(g))
        .collect()
}

/// Extract the layout text of the PDF in `bytes`.
///
/// Errors (with a reason meant for people): PDFium missing, an encrypted PDF, a file that is not
/// a PDF or is damaged beyond repair, more pages than `max_pages`.
pub fn extract(library: &Path, bytes: &[u8], max_pages: usize) -> Result<PdfText> {
    let lock = pdfium(library)?;
    let pdfium = lock.lock().unwrap_or_else(|e| e.into_inner());
    let doc = pdfium
        .load_pdf_from_byte_slice(bytes, None)
        .map_err(|e| match e {
            PdfiumError::PdfiumLibraryInternalError(PdfiumInternalError::PasswordError) => {
                anyhow!("the PDF is encrypted (password protected)")
            }
            PdfiumError::PdfiumLibraryInternalError(PdfiumInternalError::FormatError) => {
                anyhow!("the file is not a readable PDF (corrupt or truncated)")
            }
            other => anyhow!("the PDF cannot be opened: {other}"),
        })?;
    let n = doc.pages().len() as usize;
    if n > max_pages {
        return Err(anyhow!(
            "the PDF has {n} pages, above the limit of {max_pages}"
        ));
    }
    let mut lines = Vec::new();
    for (i, page) in doc.pages().iter().enumerate() {
        let text = page
            .text()
            .map_err(|e| anyhow!("reading the text of page {}: {e}", i + 1))?;
        let mut glyphs = Vec::new();
        let mut drawn = Drawn::default();
        for c in text.chars().iter() {
            let Some(ch) = c.unicode_char() else { continue };
            if ch.is_control() || ch == '\u{fffe}' {
                continue;
            }
            let Ok(b) = c.loose_bounds() else { continue };
            if ch.is_whitespace() {
                continue;
            }
            let g = Glyph {
                ch,
                left: b.left().value,
                right: b.right().value,
                bottom: b.bottom().value,
                top: b.top().value,
            };
            // A ligature's letters ("ff", "tt") share one glyph's box, one after the other: both
            // are read. A glyph drawn again later over an earlier one is read once.
            let ligature = glyphs
                .last()
                .is_some_and(|p: &Glyph| p.ch == g.ch && p.left == g.left && p.bottom == g.bottom);
            if ligature || !drawn.repeats(&g) {
                glyphs.push(g);
            }
        }
        lines.extend(layout_lines(i + 1, drop_underlines(glyphs)));
    }
    Ok(PdfText { pages: n, lines })
}

/// Pages in the PDF in `bytes`.
///
/// Errors: the PDF cannot be opened.
pub fn page_count(library: &Path, bytes: &[u8]) -> Result<usize> {
    let lock = pdfium(library)?;
    let pdfium = lock.lock().unwrap_or_else(|e| e.into_inner());
    let doc = pdfium
        .load_pdf_from_byte_slice(bytes, None)
        .map_err(|e| anyhow!("the PDF cannot be opened: {e}"))?;
    Ok(doc.pages().len() as usize)
}

/// Longest side of a page rendered for OCR, in pixels (an A4 page at 300 dpi is 3508): large
/// pages are rendered at a lower resolution so that one page costs at most ≈ 64 MB.
pub const MAX_RENDER_SIDE: f32 = 4000.0;

/// Render `pages` (1-based) of the PDF in `bytes` at `dpi` (lowered so that the long side is at
/// most [`MAX_RENDER_SIDE`] pixels), one at a time: `each(page, image, points_per_pixel)` gets
/// each page before the next is rendered, so memory holds one page image.
///
/// Errors: the PDF cannot be opened, a page cannot be rendered, or `each` fails.
pub fn render_pages(
    library: &Path,
    bytes: &[u8],
    pages: &[usize],
    dpi: f32,
    mut each: impl FnMut(usize, image::RgbImage, f32) -> Result<()>,
) -> Result<()> {
    let lock = pdfium(library)?;
    let pdfium = lock.lock().unwrap_or_else(|e| e.into_inner());
    let doc = pdfium
        .load_pdf_from_byte_slice(bytes, None)
        .map_err(|e| anyhow!("the PDF cannot be opened: {e}"))?;
    for &n in pages {
        let page = doc
            .pages()
            .get((n - 1) as _)
            .map_err(|e| anyhow!("page {n}: {e}"))?;
        let long_points = page.width().value.max(page.height().value).max(1.0);
        let scale = (dpi / 72.0).min(MAX_RENDER_SIDE / long_points);
        let config = PdfRenderConfig::new().scale_page_by_factor(scale);
        let bitmap = page
            .render_with_config(&config)
            .map_err(|e| anyhow!("rendering page {n}: {e}"))?;
        let img = bitmap
            .as_image()
            .map_err(|e| anyhow!("rendering page {n}: {e}"))?
            .to_rgb8();
        drop(bitmap);
        each(n, img, 1.0 / scale)?;
    }
    Ok(())
}

/// Group glyphs into lines and lay each line out on a character grid.
pub(crate) fn layout_lines(page: usize, mut glyphs: Vec<Glyph>) -> Vec<LayoutLine> {
    if glyphs.is_empty() {
        return Vec::new();
    }
    // Top to bottom, then left to right.
    glyphs.sort_by(|a, b| {
        let (ca, cb) = ((a.top + a.bottom) / 2.0, (b.top + b.bottom) / 2.0);
        cb.total_cmp(&ca).then(a.left.total_cmp(&b.left))
    });
    let mut rows: Vec<Vec<Glyph>> = Vec::new();
    let mut row_centre = f32::NAN;
    let mut row_height = 0.0f32;
    for g in glyphs {
        let centre = (g.top + g.bottom) / 2.0;
        let h = (g.top - g.bottom).max(1.0);
        if !rows.is_empty() && (row_centre - centre).abs() <= 0.5 * row_height.max(h) {
            rows.last_mut().unwrap().push(g);
        } else {
            row_centre = centre;
            row_height = h;
            rows.push(vec![g]);
        }
    }
    layout_rows(page, rows)
}

/// `bbox` (`[left, bottom, right, top]`) grown to hold `g`.
fn grow(bbox: &mut [f32; 4], g: &Glyph) {
    *bbox = [
        bbox[0].min(g.left),
        bbox[1].min(g.bottom),
        bbox[2].max(g.right),
        bbox[3].max(g.top),
    ];
}

/// Lay each row of glyphs (top to bottom) out as one line on the page's character grid: the
/// median glyph width is a column; a word gap is one space, a wider gap moves to the glyph's
/// column. Used for rows grouped by [`layout_lines`] or by OCR's text boxes.
pub(crate) fn layout_rows(page: usize, rows: Vec<Vec<Glyph>>) -> Vec<LayoutLine> {
    let all = || rows.iter().flatten();
    let mut widths: Vec<f32> = all().map(|g| (g.right - g.left).max(0.1)).collect();
    if widths.is_empty() {
        return Vec::new();
    }
    widths.sort_by(|a, b| a.total_cmp(b));
    let cell = widths[widths.len() / 2].max(1.0);
    let page_left = all().map(|g| g.left).fold(f32::INFINITY, f32::min);
    rows.into_iter()
        .map(|mut row| {
            row.sort_by(|a, b| a.left.total_cmp(&b.left));
            let mut text = String::new();
            let mut col = 0usize;
            let mut prev_right = f32::NEG_INFINITY;
            let mut bbox = [
                f32::INFINITY,
                f32::INFINITY,
                f32::NEG_INFINITY,
                f32::NEG_INFINITY,
            ];
            let mut prev: Option<accents::Placed> = None;
            for g in &row {
                // An accent drawn over its letter is one character with it, and no word gap.
                if let Some(c) = prev.and_then(|p| accents::composed(p, (g.ch, g.left, g.right))) {
                    text.pop();
                    text.push(c);
                    prev_right = prev_right.max(g.right);
                    grow(&mut bbox, g);
                    prev = None;
                    continue;
                }
                prev = Some((g.ch, g.left, g.right));
                let target = ((g.left - page_left) / cell).round().max(0.0) as usize;
                let gap = g.left - prev_right;
                if col > 0 && gap > 0.25 * cell {
                    // A word gap is one space; a wider gap (a column break) moves to the glyph's
                    // grid column, at least two spaces, so columns stay apart and aligned.
                    let spaces = if gap < 2.0 * cell {
                        1
                    } else {
                        target.saturating_sub(col).max(2)
                    };
                    text.extend(std::iter::repeat_n(' ', spaces));
                    col += spaces;
                } else if col == 0 && target > 0 {
                    text.extend(std::iter::repeat_n(' ', target));
                    col = target;
                }
                text.push(g.ch);
                col += 1;
                prev_right = g.right;
                grow(&mut bbox, g);
            }
            LayoutLine {
                page,
                text: text.trim_end().to_string(),
                bbox,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(ch: char, left: f32, bottom: f32) -> Glyph {
        Glyph {
            ch,
            left,
            right: left + 5.0,
            bottom,
            top: bottom + 10.0,
        }
    }

    #[test]
    fn label_and_amount_share_a_line_and_columns_hold() {
        let mut glyphs = Vec::new();
        for (i, c) in "Total".chars().enumerate() {
            glyphs.push(g(c, 10.0 + 5.0 * i as f32, 100.0));
        }
        // amount far to the right, baseline 1pt lower (different font)
        for (i, c) in "95.00".chars().enumerate() {
            glyphs.push(g(c, 200.0 + 5.0 * i as f32, 99.0));
        }
        for (i, c) in "Tax".chars().enumerate() {
            glyphs.push(g(c, 10.0 + 5.0 * i as f32, 80.0));
        }
        for (i, c) in "5.00".chars().enumerate() {
            glyphs.push(g(c, 205.0 + 5.0 * i as f32, 80.0));
        }
        let lines = layout_lines(1, glyphs);
        assert_eq!(lines.len(), 2);
        assert!(
            lines[0].text.starts_with("Total") && lines[0].text.ends_with("95.00"),
            "{:?}",
            lines[0].text
        );
        assert!(lines[1].text.starts_with("Tax") && lines[1].text.ends_with("5.00"));
        // right-aligned amounts end in the same column
        assert_eq!(lines[0].text.len(), lines[1].text.len());
        assert_eq!(lines[0].page, 1);
    }

    #[test]
    fn underscores_drawn_under_letters_are_an_underline_not_text() {
        // "NOK" underlined by one '_' under each letter (from a Kemira invoice's text layer);
        // "a_b" with the underscore between letters; a blank "____" line of its own.
        let mut glyphs = Vec::new();
        for (i, c) in "NOK".chars().enumerate() {
            let x = 10.0 + 6.0 * i as f32;
            glyphs.push(g(c, x, 100.0));
            glyphs.push(Glyph {
                ch: '_',
                left: x,
                right: x + 5.0,
                bottom: 98.0,
                top: 99.0,
            });
        }
        // The same underline as PDFium's loose boxes give it: the letter's own cell.
        glyphs.push(g('X', 30.0, 100.0));
        glyphs.push(g('_', 30.0, 100.0));
        for (i, c) in "a_b".chars().enumerate() {
            glyphs.push(g(c, 100.0 + 5.0 * i as f32, 100.0));
        }
        for i in 0..4 {
            glyphs.push(g('_', 10.0 + 5.0 * i as f32, 60.0));
        }
        // "x_1" under a big title's letter (its box starts just above the line's): the
        // underscore is the text's own.
        glyphs.push(Glyph {
            ch: 'E',
            left: 155.9,
            right: 174.7,
            bottom: 35.6,
            top: 64.6,
        });
        for (ch, left, right) in [
            ('x', 150.0, 157.0),
            ('_', 157.0, 164.4),
            ('1', 164.1, 170.9),
        ] {
            glyphs.push(Glyph {
                ch,
                left,
                right,
                bottom: 20.0,
                top: 32.3,
            });
        }
        let lines = layout_lines(1, drop_underlines(glyphs));
        let texts: Vec<&str> = lines.iter().map(|l| l.text.trim()).collect();
        assert_eq!(texts.len(), 4, "{texts:?}");
        assert!(
            texts[0].starts_with("NOK X") && texts[0].ends_with("a_b"),
            "{texts:?}"
        );
        assert_eq!(texts[1], "____", "{texts:?}");
        assert_eq!(texts[3], "x_1", "{texts:?}");
    }

    #[test]
    fn a_glyph_painted_twice_is_read_once_and_real_double_letters_stay() {
        let mut d = Drawn::default();
        // "Da" drawn, then "Da" drawn again over it (later in the stream), then a real "DD".
        assert!(!d.repeats(&g('D', 266.85, 642.86)));
        assert!(!d.repeats(&g('a', 275.04, 642.86)));
        assert!(d.repeats(&g('D', 266.85, 642.86)));
        assert!(d.repeats(&g('a', 275.1, 642.9)), "a few hundredths off");
        assert!(
            !d.repeats(&g('D', 275.4, 642.86)),
            "a real DD stands a width apart"
        );
        assert!(!d.repeats(&g('D', 266.85, 600.0)), "another line");
        let mut d = Drawn::default();
        assert!(!d.repeats(&g('l', 30.0, 50.0)));
        assert!(!d.repeats(&g('l', 31.4, 50.0)), "ll in a narrow font");
    }
}
