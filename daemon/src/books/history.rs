//! Transaction reports as posted lines ([`Posted`]): the rows of a `history` layout of
//! `schema/books/layouts.json` — QuickBooks Online's Transaction Detail by Account and
//! Transaction List by Vendor (section header rows name the account or the vendor of the rows
//! below them, `Total for …` rows end a section), Zoho Books' bills and expenses exports, the
//! plain template — and the `!SPL` lines of QuickBooks IIF transactions ([`super::iif`]).
//!
//! Each line is keyed by a hash of its fields and its occurrence in the file, so importing the
//! same export twice, or an overlapping one, adds nothing the second time.

use std::collections::HashMap;

use anyhow::{bail, Result};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use super::layouts::{layouts, norm, Layout};
use crate::store::books::Posted;

/// `s` as a day `YYYY-MM-DD`: ISO first, then `formats`.
pub fn day(s: &str, formats: &[String]) -> Option<String> {
    let s = s.trim();
    let s = s.split_once(' ').map(|(d, _)| d).unwrap_or(s);
    std::iter::once("%Y-%m-%d")
        .chain(formats.iter().map(String::as_str))
        .find_map(|f| chrono::NaiveDate::parse_from_str(s, f).ok())
        .map(|d| d.format("%Y-%m-%d").to_string())
}

/// An amount as exports print it: `1,234.56`, `-120.00`, `(120.00)`, `$1,234.56`, `1.234,56`.
pub fn amount(s: &str) -> Option<Decimal> {
    let t = s.trim();
    let negative = t.starts_with('(') && t.ends_with(')') || t.starts_with('-') || t.ends_with('-');
    if t.chars().any(|c| c.is_alphabetic() && !c.is_uppercase()) {
        return None;
    }
    let kept: String = t
        .chars()
        .filter(|c| c.is_ascii_digit() || matches!(c, '.' | ','))
        .collect();
    if !kept.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let (dot, comma) = (kept.rfind('.'), kept.rfind(','));
    let decimal_comma = match (dot, comma) {
        (Some(d), Some(c)) => c > d,
        (None, Some(c)) => kept.matches(',').count() == 1 && kept.len() - c - 1 <= 2,
        _ => false,
    };
    let plain: String = if decimal_comma {
        kept.replace('.', "").replace(',', ".")
    } else if kept.matches('.').count() > 1 {
        kept.replace(['.', ','], "")
    } else {
        kept.replace(',', "")
    };
    let v: Decimal = plain.parse().ok()?;
    Some(if negative { -v } else { v })
}

/// The key of a line: its fields hashed, with its occurrence among identical lines of the file.
pub fn key_of(p: &Posted, seen: &mut HashMap<String, usize>) -> String {
    let fields = [
        p.counterparty.as_str(),
        p.kind.as_str(),
        p.day.as_deref().unwrap_or(""),
        p.number.as_deref().unwrap_or(""),
        p.account.as_deref().unwrap_or(""),
        &p.amount
            .map(|a| a.normalize().to_string())
            .unwrap_or_default(),
        p.memo.as_deref().unwrap_or(""),
        p.class.as_deref().unwrap_or(""),
        p.tax_code.as_deref().unwrap_or(""),
    ];
    let base = hex::encode(Sha256::digest(fields.join("\u{1f}").as_bytes()));
    let n = seen.entry(base.clone()).or_insert(0);
    *n += 1;
    format!("{}:{n}", &base[..32])
}

/// A data row's values by field, read through `layout`'s columns.
pub struct Row<'a> {
    pub layout: &'a Layout,
    pub header: &'a [String],
    pub cells: &'a [String],
    /// File row number (1-based).
    pub row: usize,
}

impl Row<'_> {
    /// The first non-empty value of `field`'s columns.
    pub fn get(&self, field: &str) -> Option<String> {
        self.layout.columns.get(field)?.iter().find_map(|h| {
            let i = self.header.iter().position(|x| norm(x) == norm(h))?;
            let v = self.cells.get(i)?.trim();
            (!v.is_empty()).then(|| v.to_string())
        })
    }

    /// Whether a `skip` column holds one of its values.
    fn skipped(&self) -> bool {
        self.layout.skip.iter().any(|(col, values)| {
            self.header
                .iter()
                .position(|h| norm(h) == norm(col))
                .and_then(|i| self.cells.get(i))
                .is_some_and(|v| values.iter().any(|x| norm(x) == norm(v)))
        })
    }

    /// The posted line, `None` for a row left out (skipped, or naming no counterparty); the
    /// section header above it gives its `section` field.
    ///
    /// Errors: a required field missing, a bad date or amount — with the row number.
    pub fn posted(&self, section: Option<&str>) -> Result<Option<Posted>> {
        if self.skipped() {
            return Ok(None);
        }
        let from_section = |field: &str| {
            (self.layout.section.as_deref() == Some(field))
                .then(|| section.map(str::to_string))
                .flatten()
        };
        let get = |field: &str| match field {
            "type" => self.layout.transaction_type.clone().or(self.get("type")),
            "counterparty" | "account" => self.get(field).or_else(|| from_section(field)),
            _ => self.get(field),
        };
        let row = self.row;
        for f in &self.layout.required {
            if get(f).is_none() {
                bail!(
                    "row {row}: no {f} (column {:?})",
                    self.layout.columns.get(f).cloned().unwrap_or_default()
                );
            }
        }
        let date = get("date");
        let day = match &date {
            Some(d) => Some(day(d, &self.layout.date_formats).ok_or_else(|| {
                anyhow::anyhow!(
                    "row {row}: the date {d:?} is not a date (YYYY-MM-DD or {})",
                    self.layout.date_formats.join(", ")
                )
            })?),
            None => None,
        };
        let amount =
            match get("amount") {
                Some(a) => Some(amount(&a).ok_or_else(|| {
                    anyhow::anyhow!("row {row}: the amount {a:?} is not a number")
                })?),
                None => None,
            };
        let Some(counterparty) = get("counterparty") else {
            return Ok(None);
        };
        let account =
            get("account").filter(|a| !self.layout.no_account.iter().any(|x| norm(x) == norm(a)));
        let l = layouts();
        Ok(Some(Posted {
            key: String::new(),
            counterparty,
            kind: l.transaction_type(&get("type").unwrap_or_default()),
            day,
            number: get("number"),
            account,
            amount,
            currency: get("currency").map(|c| c.to_uppercase()),
            memo: get("memo"),
            class: get("class"),
            tax_code: get("tax_code"),
        }))
    }
}

/// Whether `cells` is a report's section row: only its first cell holds text.
fn section_row(cells: &[String]) -> Option<&str> {
    let first = cells.first().map(|c| c.trim()).filter(|c| !c.is_empty())?;
    cells[1..]
        .iter()
        .all(|c| c.trim().is_empty())
        .then_some(first)
}

/// The posted lines of table `rows` whose header row, read by the history `layout`, is row
/// index `at`.
///
/// Errors: a bad data row, with its row number.
pub fn lines(layout: &Layout, rows: &[Vec<String>], at: usize) -> Result<Vec<Posted>> {
    let header = &rows[at];
    let mut sections: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut seen = HashMap::new();
    for (i, cells) in rows.iter().enumerate().skip(at + 1) {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let first = norm(cells.first().map(String::as_str).unwrap_or(""));
        // `Total for Office Supplies` ends its section; `TOTAL` ends the report.
        if first == "total" || first.starts_with("total ") {
            sections.pop();
            continue;
        }
        if layout.section.is_some() {
            if let Some(name) = section_row(cells) {
                sections.push(name.to_string());
                continue;
            }
        }
        let r = Row {
            layout,
            header,
            cells,
            row: i + 1,
        };
        if let Some(mut p) = r.posted(sections.last().map(String::as_str))? {
            p.key = key_of(&p, &mut seen);
            out.push(p);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(csv: &str) -> Vec<Vec<String>> {
        super::super::table::csv_rows(csv).unwrap()
    }

    #[test]
    fn amounts_and_days_as_exports_print_them() {
        let a = |s: &str| amount(s).map(|d| d.to_string());
        assert_eq!(a("1,234.56").as_deref(), Some("1234.56"));
        assert_eq!(a("$1,234.56").as_deref(), Some("1234.56"));
        assert_eq!(a("(120.00)").as_deref(), Some("-120.00"));
        assert_eq!(a("-7.5").as_deref(), Some("-7.5"));
        assert_eq!(a("1.234,56").as_deref(), Some("1234.56"));
        assert_eq!(a("12,5").as_deref(), Some("12.5"));
        assert_eq!(a("abc"), None);
        let us = vec!["%m/%d/%Y".to_string()];
        assert_eq!(day("01/05/2024", &us).as_deref(), Some("2024-01-05"));
        assert_eq!(day("2024-01-05", &us).as_deref(), Some("2024-01-05"));
        assert_eq!(day("5 Jan", &us), None);
    }

    #[test]
    fn report_sections_name_the_account_and_totals_end_them() {
        let l = layouts();
        let csv = "Taylor's Store\nTransaction Detail by Account\n\n\
            ,Date,Transaction Type,Num,Name,Memo/Description,Split,Amount,Balance\n\
            Office Supplies,,,,,,,,\n\
            ,01/05/2024,Bill,1001,Staples,Toner,Accounts Payable (A/P),120.00,120.00\n\
            ,01/05/2024,Bill,1001,Staples,Toner,Accounts Payable (A/P),120.00,240.00\n\
            ,01/09/2024,Transfer,,,Move,Checking,5.00,245.00\n\
            Total for Office Supplies,,,,,,,$245.00,\n\
            TOTAL,,,,,,,$245.00,\n";
        let r = rows(csv);
        let lay = l.table_layout(&r[3]).unwrap();
        assert_eq!(
            lay.format,
            "quickbooks_online.transaction_detail_by_account"
        );
        let p = lines(lay, &r, 3).unwrap();
        assert_eq!(p.len(), 2, "the transfer names no counterparty");
        assert_eq!(p[0].account.as_deref(), Some("Office Supplies"));
        assert_eq!(
            (p[0].kind.as_str(), p[0].day.as_deref()),
            ("bill", Some("2024-01-05"))
        );
        assert_ne!(p[0].key, p[1].key, "identical lines are two lines");
        assert_eq!(lines(lay, &r, 3).unwrap(), p, "the same keys on a re-read");
        let bad = csv.replace("01/09/2024", "13/45/2024");
        let err = lines(lay, &rows(&bad), 3).unwrap_err();
        assert!(err.to_string().starts_with("row 8:"), "{err}");
    }
}
