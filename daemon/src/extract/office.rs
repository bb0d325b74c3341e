//! Office documents and plain tables as layout text: DOCX paragraphs and tables (ECMA-376
//! WordprocessingML: `w:p` paragraphs of `w:t` runs, `w:tab`/`w:br`, tables as ` | `-joined
//! cells), XLSX sheets through `calamine` (one line per row, cells joined with ` | `), CSV as is.
//!
//! Office files are ZIP archives, and a small one can inflate to gigabytes: before any parser
//! reads a member, every member is inflated through a counting cap into nothing
//! ([`check_inflation`], [`MAX_INFLATED_BYTES`]), so a bomb is refused with a sentence, its
//! bytes never held in memory.

use std::io::Read;

use anyhow::{bail, Context, Result};

/// Largest `word/document.xml` read (decompressed), in bytes.
const MAX_PART: u64 = 32 * 1024 * 1024;

/// Most bytes the members of one office file may inflate to, together: far above the text of
/// any real invoice or export, far below the extraction child's memory limit.
pub const MAX_INFLATED_BYTES: u64 = 64 * 1024 * 1024;

/// Inflate every member of the ZIP archive in `bytes` (a `what`, e.g. "XLSX workbook") into
/// nothing, counting, streaming 64 KiB at a time.
///
/// Errors: not a readable ZIP, a damaged or encrypted member, or members that together would
/// yield more than [`MAX_INFLATED_BYTES`] — refused as soon as the cap is passed.
pub fn check_inflation(bytes: &[u8], what: &str) -> Result<()> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .with_context(|| format!("the {what} is not a readable ZIP archive"))?;
    let mut left = MAX_INFLATED_BYTES;
    for i in 0..z.len() {
        let mut member = z
            .by_index(i)
            .with_context(|| format!("the {what} has a member that cannot be read"))?;
        let name = member
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| format!("number {}", i + 1));
        let n = std::io::copy(&mut (&mut member).take(left + 1), &mut std::io::sink())
            .with_context(|| format!("the {what}'s part {name} is damaged"))?;
        if n > left {
            bail!(
                "the {what} inflates to more than {} MiB (passed at its part {name}): refused \
                 before reading it (a ZIP bomb, or not an office document)",
                MAX_INFLATED_BYTES >> 20
            );
        }
        left -= n;
    }
    Ok(())
}

/// The text of a DOCX file.
///
/// Errors: not a readable ZIP, inflating past [`MAX_INFLATED_BYTES`], no `word/document.xml`, or
/// malformed XML.
pub fn docx_text(bytes: &[u8]) -> Result<String> {
    check_inflation(bytes, "DOCX document")?;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .context("the DOCX is not a readable ZIP archive")?;
    let mut xml = String::new();
    z.by_name("word/document.xml")
        .context("the DOCX has no word/document.xml")?
        .take(MAX_PART)
        .read_to_string(&mut xml)
        .context("reading word/document.xml")?;
    let doc = roxmltree::Document::parse(&xml).context("word/document.xml is not well-formed")?;
    let mut out = String::new();
    let body = doc
        .descendants()
        .find(|n| n.tag_name().name() == "body")
        .context("word/document.xml has no body")?;
    for block in body.children().filter(|n| n.is_element()) {
        match block.tag_name().name() {
            "p" => {
                out.push_str(&paragraph(block));
                out.push('\n');
            }
            "tbl" => {
                for row in block.descendants().filter(|n| n.tag_name().name() == "tr") {
                    let cells: Vec<String> = row
                        .children()
                        .filter(|c| c.tag_name().name() == "tc")
                        .map(|c| {
                            c.descendants()
                                .filter(|p| p.tag_name().name() == "p")
                                .map(paragraph)
                                .collect::<Vec<_>>()
                                .join(" ")
                        })
                        .collect();
                    out.push_str(&cells.join(" | "));
                    out.push('\n');
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

fn paragraph(p: roxmltree::Node) -> String {
    let mut s = String::new();
    for n in p.descendants() {
        match n.tag_name().name() {
            "t" => s.push_str(n.text().unwrap_or("")),
            "tab" => s.push('\t'),
            "br" | "cr" => s.push('\n'),
            _ => {}
        }
    }
    s
}

/// Most cells read from one workbook; a sheet with more is clipped, with a marker line.
const MAX_CELLS: usize = 200_000;

/// Empty columns between two cells of a row shown as separators at most (a far-away cell does
/// not turn into thousands of ` | `).
const MAX_GAP: u32 = 8;

/// The text of an XLSX workbook: per sheet a `# Sheet name` line, then its rows (cells joined
/// with ` | `).
///
/// Memory grows with the cells present, not with the sheet's declared dimensions: cells are
/// streamed (`calamine`'s cell reader), at most [`MAX_CELLS`] per workbook, so a workbook with
/// cells at A1 and XFD1048576 costs two cells.
///
/// Errors: inflating past [`MAX_INFLATED_BYTES`], the workbook cannot be opened by calamine, or
/// has no sheets.
pub fn xlsx_text(bytes: &[u8]) -> Result<String> {
    use calamine::Reader;
    check_inflation(bytes, "XLSX workbook")?;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes))
        .context("the XLSX workbook cannot be read")?;
    let mut out = String::new();
    let names = wb.sheet_names().to_vec();
    if names.is_empty() {
        bail!("the XLSX workbook has no sheets");
    }
    let mut budget = MAX_CELLS;
    for name in names {
        let Ok(mut reader) = wb.worksheet_cells_reader(&name) else {
            continue;
        };
        let mut cells = std::collections::BTreeMap::new();
        let mut clipped = false;
        while let Ok(Some(c)) = reader.next_cell() {
            if budget == 0 {
                clipped = true;
                break;
            }
            let v = calamine::Data::from(c.get_value().clone()).to_string();
            if !v.trim().is_empty() {
                budget -= 1;
                cells.insert(c.get_position(), v);
            }
        }
        out.push_str(&format!("# {name}\n"));
        let first_col = cells.keys().map(|&(_, c)| c).min().unwrap_or(0);
        let mut row: Option<u32> = None;
        let mut col = first_col;
        for ((r, c), v) in cells {
            if row != Some(r) {
                if row.is_some() {
                    out.push('\n');
                }
                row = Some(r);
                col = first_col;
            } else {
                out.push_str(" | ");
            }
            for _ in 0..(c - col).min(MAX_GAP) {
                out.push_str(" | ");
            }
            out.push_str(&v);
            col = c + 1;
        }
        if row.is_some() {
            out.push('\n');
        }
        if clipped {
            out.push_str(&format!(
                "[… more than {MAX_CELLS} cells; the rest was not read]\n"
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// A minimal DOCX: one paragraph and a 2×2 table.
    fn docx() -> Vec<u8> {
        let mut buf = std::io::Cursor::new(Vec::new());
        let mut z = zip::ZipWriter::new(&mut buf);
        let o = zip::write::SimpleFileOptions::default();
        z.start_file("[Content_Types].xml", o).unwrap();
        z.write_all(b"<Types/>").unwrap();
        z.start_file("word/document.xml", o).unwrap();
        z.write_all(br#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
<w:p><w:r><w:t>Invoice INV-7</w:t></w:r><w:r><w:tab/><w:t>Date: 2024-03-01</w:t></w:r></w:p>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Consulting</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>1,500.00</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:p><w:r><w:t>Total</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>1,695.00</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
</w:body></w:document>"#).unwrap();
        z.finish().unwrap();
        buf.into_inner()
    }

    #[test]
    fn a_member_inflating_past_the_cap_is_refused_with_a_sentence() {
        let mut buf = std::io::Cursor::new(Vec::new());
        let mut z = zip::ZipWriter::new(&mut buf);
        let o = zip::write::SimpleFileOptions::default();
        z.start_file("xl/workbook.xml", o).unwrap();
        z.write_all(b"<workbook/>").unwrap();
        z.start_file("xl/sharedStrings.xml", o).unwrap();
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..(MAX_INFLATED_BYTES >> 20) + 1 {
            z.write_all(&zeros).unwrap();
        }
        z.finish().unwrap();
        let e = xlsx_text(&buf.into_inner()).unwrap_err().to_string();
        assert!(
            e.contains("inflates to more than 64 MiB") && e.contains("xl/sharedStrings.xml"),
            "{e}"
        );
        assert!(check_inflation(&docx(), "DOCX document").is_ok());
    }

    #[test]
    fn docx_paragraphs_and_tables_become_lines() {
        let b = docx();
        assert_eq!(
            super::super::detect::detect("x.bin", &b).unwrap(),
            super::super::detect::DocumentKind::Docx
        );
        assert_eq!(
            docx_text(&b).unwrap(),
            "Invoice INV-7\tDate: 2024-03-01\nConsulting | 1,500.00\nTotal | 1,695.00\n"
        );
    }
}
