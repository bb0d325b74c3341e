//! Reading the business's books from the files accountants already have: the accounting
//! software's list exports (chart of accounts, vendors, customers, items), its transaction
//! reports (the history: what was posted, to which account, for whom) and exchange-rate files.
//! Knows no model, no document and no SQL: it turns a file into
//! [`BookEntry`](crate::store::books::BookEntry)s, [`Posted`] lines and
//! [`Rate`](crate::store::books::Rate)s that the store keeps.
//!
//! Formats (`schema/books/layouts.json` maps each export's headers):
//! - QuickBooks Online: Account List, Vendor Contact List, Customer Contact List (report exports,
//!   title rows above the header are skipped), Products and Services; Transaction Detail by
//!   Account and Transaction List by Vendor ([`history`]) — CSV or XLSX;
//! - QuickBooks Desktop IIF lists and transactions ([`iif`]);
//! - Zoho Books: Chart of Accounts, Contacts (customers and vendors in one file), Items; bills
//!   and expenses — CSV or XLSX;
//! - the plain templates `List,Id,Name,Type,Number,Currency,Active` and `date, type,
//!   counterparty, number, account, amount, currency, memo, class, tax code` (README, "The
//!   business's books").
//!
//! A header row no layout really takes (a transaction export is never read as a list) is
//! refused, naming the layouts known.

pub mod history;
pub mod iif;
pub mod layouts;
pub mod rates;
pub mod table;

use anyhow::{bail, Context, Result};

use crate::store::books::{BookEntry, Posted};
use layouts::layouts;

/// A file's entries or posted lines and the export format they were read as.
#[derive(Debug)]
pub struct Export {
    /// `quickbooks_online.account_list`, `quickbooks.iif`, `zoho_books.bills`, …
    pub format: String,
    pub entries: Vec<BookEntry>,
    /// The transaction history's lines (a transaction report, IIF transactions).
    pub history: Vec<Posted>,
}

/// At most this many bytes are read from one export.
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// How far down a table its header row may be (report exports start with title rows).
const HEADER_SEARCH_ROWS: usize = 15;

/// Read the export at `path`: IIF, XLSX (by content) or CSV.
///
/// Errors (nothing is half-read: one bad row fails the file): unreadable or too large, not UTF-8
/// text (CSV/IIF), no known header row (naming the formats), a row the layout rejects (with its
/// row number), or no entry at all.
pub fn read_export(path: &std::path::Path) -> Result<Export> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .len();
    if size > MAX_BYTES {
        bail!(
            "{} is {size} bytes, over the {MAX_BYTES}-byte limit for a list export",
            path.display()
        );
    }
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    read_bytes(&name, &bytes).with_context(|| name.clone())
}

/// [`read_export`] on bytes already read (`name` for the extension only).
pub fn read_bytes(name: &str, bytes: &[u8]) -> Result<Export> {
    let is_zip = bytes.starts_with(b"PK\x03\x04");
    if is_zip || name.to_lowercase().ends_with(".xlsx") {
        return table_export(table::xlsx_rows(bytes)?);
    }
    let text = std::str::from_utf8(bytes)
        .context("not UTF-8 text (export the list as CSV UTF-8, XLSX or IIF)")?;
    if iif::is_iif(text) {
        let iif = iif::read(text)?;
        return nonempty(Export {
            format: "quickbooks.iif".into(),
            entries: iif.entries,
            history: iif.history,
        });
    }
    table_export(table::csv_rows(text)?)
}

fn nonempty(e: Export) -> Result<Export> {
    if e.entries.is_empty() && e.history.is_empty() {
        bail!("no entry under the header ({})", e.format);
    }
    Ok(e)
}

fn table_export(rows: Vec<Vec<String>>) -> Result<Export> {
    let l = layouts();
    let Some((at, layout)) = rows
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .enumerate()
        .find_map(|(i, r)| l.table_layout(r).map(|lay| (i, lay)))
    else {
        let known: Vec<&str> = l.tables.iter().map(|t| t.format.as_str()).collect();
        bail!(
            "no known header row in the first {HEADER_SEARCH_ROWS} rows; expected one of these exports: {}",
            known.join(", ")
        );
    };
    if layout.history {
        return nonempty(Export {
            format: layout.format.clone(),
            entries: Vec::new(),
            history: history::lines(layout, &rows, at)?,
        });
    }
    let header = &rows[at];
    let mut entries = Vec::new();
    for (i, r) in rows.iter().enumerate().skip(at + 1) {
        if let Some(e) = l.entry(layout, header, r, i + 1)? {
            entries.push(e);
        }
    }
    nonempty(Export {
        format: layout.format.clone(),
        entries,
        history: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::books::BookList;

    #[test]
    fn report_title_rows_are_skipped_and_bad_headers_named() {
        let csv = "Taylor's Store\nAccount List\n\nAccount,Type,Detail Type\nTravel,Expenses,Travel\nTOTAL,,\n";
        let e = read_bytes("accounts.csv", csv.as_bytes()).unwrap();
        assert_eq!(e.format, "quickbooks_online.account_list");
        assert_eq!(e.entries.len(), 1);
        assert_eq!(e.entries[0].list, BookList::Accounts);
        let err = read_bytes("x.csv", b"Date,Amount\n2024-01-01,3\n").unwrap_err();
        assert!(err.to_string().contains("no known header row"), "{err}");
        let err = read_bytes("x.csv", b"List,Name\nvendor,Acme\nbill,Nope\n").unwrap_err();
        assert!(err.to_string().starts_with("row 3:"), "{err}");
        // The transaction export: posted lines, never an account list.
        let csv = "date,type,counterparty,number,account,amount,currency,memo\n\
                   2024-01-05,Bill,Staples,1001,Office Supplies,120.00,USD,Toner\n";
        let e = read_bytes("history.csv", csv.as_bytes()).unwrap();
        assert_eq!(
            (e.format.as_str(), e.entries.len(), e.history.len()),
            ("zopilot.history_template", 0, 1)
        );
        let err = read_bytes(
            "x.csv",
            b"Date,Type,Account,Amount\n2024-01-05,Bill,Office,3\n",
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("quickbooks_online.account_list"),
            "{err}"
        );
    }
}
