//! An export as rows of text cells: CSV (comma, semicolon or tab, sniffed from the first lines;
//! RFC 4180 quoting through the `csv` crate) or the first sheet of an XLSX workbook (`calamine`).

use anyhow::{bail, Context, Result};

/// At most this many rows are read from one export (a books list is thousands of rows at most).
pub const MAX_ROWS: usize = 200_000;

/// The delimiter used most in the first lines (comma on a tie; report title rows have none).
fn delimiter(text: &str) -> u8 {
    let head: Vec<&str> = text.lines().take(20).collect();
    let mut best = (b',', 0);
    for d in [b',', b';', b'\t'] {
        let n: usize = head.iter().map(|l| l.matches(d as char).count()).sum();
        if n > best.1 {
            best = (d, n);
        }
    }
    best.0
}

/// The rows of CSV `text`.
///
/// Errors: a row the CSV reader rejects (with its row number), or too many rows.
pub fn csv_rows(text: &str) -> Result<Vec<Vec<String>>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(text))
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let mut rows = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.with_context(|| format!("row {}: not a CSV row", i + 1))?;
        if rows.len() >= MAX_ROWS {
            bail!("more than {MAX_ROWS} rows: not a list export");
        }
        rows.push(rec.iter().map(str::to_string).collect());
    }
    Ok(rows)
}

/// The rows of the first sheet of XLSX `bytes`.
///
/// Errors: not a readable workbook (truncated, corrupt), no sheet, or too many rows.
pub fn xlsx_rows(bytes: &[u8]) -> Result<Vec<Vec<String>>> {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| anyhow::anyhow!("not a readable XLSX workbook: {e}"))?;
    let Some(name) = wb.sheet_names().first().cloned() else {
        bail!("the workbook has no sheet");
    };
    let range = wb
        .worksheet_range(&name)
        .map_err(|e| anyhow::anyhow!("sheet {name:?} cannot be read: {e}"))?;
    if range.height() > MAX_ROWS {
        bail!("more than {MAX_ROWS} rows: not a list export");
    }
    Ok(range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_and_quotes() {
        let r = csv_rows("\u{feff}Vendor;Email\n\"Acme; Inc.\";a@b.c\n").unwrap();
        assert_eq!(r[1], vec!["Acme; Inc.", "a@b.c"]);
        let r = csv_rows("Name,Type\n\"Meals, travel\",Expense\n").unwrap();
        assert_eq!(r[1][0], "Meals, travel");
        assert!(xlsx_rows(b"PK\x03\x04 truncated").is_err());
    }
}
