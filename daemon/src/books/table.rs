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

/// The rows of CSV `text`, row `i` of the result starting on line `i + 1` of the file (blank
/// lines are kept as empty rows, so row numbers in errors are the file's).
///
/// Errors: a row the CSV reader rejects (with its row number), or too many rows.
pub fn csv_rows(text: &str) -> Result<Vec<Vec<String>>> {
    let body = text.trim_start_matches('\u{feff}');
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(text))
        .from_reader(body.as_bytes());
    let mut rows: Vec<Vec<String>> = Vec::new();
    // The reader skips blank lines and reports where it began looking for a record: the
    // record's line is counted from its first byte on.
    let (mut at, mut line) = (0usize, 1usize);
    for rec in r.records() {
        let rec = rec.with_context(|| format!("row {}: not a CSV row", rows.len() + 1))?;
        if rows.len() >= MAX_ROWS {
            bail!("more than {MAX_ROWS} rows: not a list export");
        }
        let from = rec.position().map(|p| p.byte() as usize).unwrap_or(at);
        let rest = &body.as_bytes()[from.min(body.len())..];
        let start = from
            + rest
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count();
        line += body.as_bytes()[at.min(start)..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        at = start;
        while rows.len() + 1 < line {
            rows.push(Vec::new());
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
    Ok(range.rows().map(|r| r.iter().map(cell).collect()).collect())
}

/// A cell as text; a date cell as `YYYY-MM-DD` (Excel keeps dates as day numbers).
fn cell(c: &calamine::Data) -> String {
    match c {
        calamine::Data::DateTime(d) if d.is_datetime() => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{day:02}")
        }
        other => other.to_string(),
    }
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
        let r = csv_rows("Title\n\nA,B\n\"x\ny\",1\nz,2\n").unwrap();
        assert_eq!(
            (r[2][0].as_str(), r[5][0].as_str()),
            ("A", "z"),
            "rows are file lines"
        );
        assert!(xlsx_rows(b"PK\x03\x04 truncated").is_err());
    }
}
