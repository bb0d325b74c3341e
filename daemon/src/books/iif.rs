//! QuickBooks Desktop IIF: tab-separated; a header line `!ACCNT\tNAME\tACCNTTYPE…` names the
//! columns of the `ACCNT` lines after it (likewise `!VEND`, `!CUST`, `!INVITEM`: lists).
//! Transactions are blocks: a `TRNS` line (the payment side: A/P, the bank, the card), its
//! `SPL` lines (the posted lines: the accounts the money went to), then `ENDTRNS`, under the
//! `!TRNS` / `!SPL` / `!ENDTRNS` header lines. A `SPL` line without a name, date, type or number
//! takes its transaction's.
//! Format: Intuit, "IIF Overview: import kit, sample files, and headers".

use std::collections::HashMap;

use anyhow::{bail, Result};

use super::history::{key_of, Row};
use super::layouts::layouts;
use crate::store::books::{BookEntry, Posted};

/// Whether `text` looks like IIF (its first non-blank line is a `!` header).
pub fn is_iif(text: &str) -> bool {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| l.trim_start_matches('\u{feff}').starts_with('!'))
}

/// What an IIF file holds.
#[derive(Debug, Default)]
pub struct Iif {
    pub entries: Vec<BookEntry>,
    pub history: Vec<Posted>,
}

/// An open transaction: the row of its `TRNS` line, that line's columns and cells, its `SPL`
/// lines read so far.
struct Open {
    row: usize,
    cols: Vec<String>,
    cells: Vec<String>,
    lines: Vec<Posted>,
}

/// The reading of one file: the header lines seen and the transaction open.
#[derive(Default)]
struct Reader {
    headers: HashMap<String, Vec<String>>,
    open: Option<Open>,
    seen: HashMap<String, usize>,
    out: Iif,
}

impl Reader {
    /// `cells` of a `SPL` line, blanks filled from its `TRNS` line's same columns.
    fn filled(open: &Open, cols: &[String], cells: &[String]) -> Vec<String> {
        cols.iter()
            .enumerate()
            .map(|(i, c)| {
                let own = cells.get(i).map(|v| v.trim()).unwrap_or("");
                if !own.is_empty() || !["NAME", "DATE", "TRNSTYPE", "DOCNUM"].contains(&c.as_str())
                {
                    return own.to_string();
                }
                open.cols
                    .iter()
                    .position(|x| x == c)
                    .and_then(|j| open.cells.get(j))
                    .cloned()
                    .unwrap_or_default()
            })
            .collect()
    }

    /// A `TRNS`, `SPL` or `ENDTRNS` line (file row `row`).
    fn transaction_line(&mut self, kind: &str, cells: &[String], row: usize) -> Result<()> {
        let cols = self.headers.get(kind).cloned();
        match kind {
            "TRNS" => {
                if let Some(o) = &self.open {
                    bail!(
                        "row {row}: a TRNS line before the ENDTRNS of the transaction at row {}",
                        o.row
                    );
                }
                let Some(cols) = cols else {
                    bail!("row {row}: a TRNS line before its !TRNS header line");
                };
                // Its own date, account and amount must read, like its SPL lines'.
                let layout = &layouts().iif_transactions;
                Row {
                    layout,
                    header: &cols,
                    cells,
                    row,
                }
                .posted(None)?;
                self.open = Some(Open {
                    row,
                    cols,
                    cells: cells.to_vec(),
                    lines: Vec::new(),
                });
            }
            "SPL" => {
                let Some(open) = self.open.as_mut() else {
                    bail!("row {row}: a SPL line outside a transaction (no TRNS line before it)");
                };
                let Some(cols) = cols else {
                    bail!("row {row}: a SPL line before its !SPL header line");
                };
                let merged = Reader::filled(open, &cols, cells);
                let r = Row {
                    layout: &layouts().iif_transactions,
                    header: &cols,
                    cells: &merged,
                    row,
                };
                if let Some(p) = r.posted(None)? {
                    open.lines.push(p);
                }
            }
            _ => {
                let Some(open) = self.open.take() else {
                    bail!("row {row}: ENDTRNS without a TRNS line before it");
                };
                if open.lines.is_empty() {
                    bail!("row {}: a transaction without SPL lines", open.row);
                }
                for mut p in open.lines {
                    p.key = key_of(&p, &mut self.seen);
                    self.out.history.push(p);
                }
            }
        }
        Ok(())
    }

    /// A list line (`ACCNT`, `VEND` …) of kind `kind`.
    fn list_line(&mut self, kind: &str, cells: &[String], row: usize) -> Result<()> {
        let l = layouts();
        let Some(layout) = l.iif.get(kind) else {
            return Ok(());
        };
        let Some(cols) = self.headers.get(kind) else {
            bail!("row {row}: a {kind} line before its !{kind} header line");
        };
        if let Some(e) = l.entry(layout, cols, cells, row)? {
            self.out.entries.push(e);
        }
        Ok(())
    }
}

/// The list entries and posted lines of IIF `text`.
///
/// Errors: a list line before its header line, a line without a name, a bad transaction line
/// (no date, amount or account; a date or amount that is none; `SPL` outside a transaction, a
/// `TRNS` before the last one's `ENDTRNS`, a transaction never ended) — with its row (line)
/// number — or neither a list block nor a transaction.
pub fn read(text: &str) -> Result<Iif> {
    let l = layouts();
    let mut r = Reader::default();
    for (i, line) in text.lines().enumerate() {
        let row = i + 1;
        let cells: Vec<String> = line
            .trim_start_matches('\u{feff}')
            .split('\t')
            .map(|c| c.trim().trim_matches('"').to_string())
            .collect();
        let Some(first) = cells.first().filter(|c| !c.is_empty()) else {
            continue;
        };
        if let Some(kind) = first.strip_prefix('!') {
            r.headers.insert(kind.to_uppercase(), cells[1..].to_vec());
            continue;
        }
        let kind = first.to_uppercase();
        if matches!(kind.as_str(), "TRNS" | "SPL" | "ENDTRNS") {
            r.transaction_line(&kind, &cells[1..], row)?;
        } else {
            r.list_line(&kind, &cells[1..], row)?;
        }
    }
    if let Some(o) = &r.open {
        bail!("row {}: the transaction has no ENDTRNS line", o.row);
    }
    let lists = r.headers.keys().any(|k| l.iif.contains_key(k));
    if !lists && !r.headers.contains_key("TRNS") {
        bail!("no list or transaction in this IIF file (expected !ACCNT, !VEND, !CUST, !INVITEM or !TRNS blocks)");
    }
    Ok(r.out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::books::BookList;

    #[test]
    fn blocks_become_entries() {
        let t =
            "!ACCNT\tNAME\tREFNUM\tACCNTTYPE\tACCNUM\tHIDDEN\nACCNT\tTravel\t12\tEXP\t6400\tN\n\
                 ACCNT\tOld Bank\t13\tBANK\t\tY\n!VEND\tNAME\tREFNUM\nVEND\tAcme Supply\t40\n";
        let e = read(t).unwrap().entries;
        assert_eq!(e.len(), 3);
        assert_eq!(
            (e[0].kind.as_deref(), e[0].number.as_deref()),
            (Some("Expense"), Some("6400"))
        );
        assert!(!e[1].active, "HIDDEN Y is inactive");
        assert_eq!(
            (e[2].list, e[2].id.as_deref()),
            (BookList::Vendors, Some("40"))
        );
        assert!(read("!ACCNT\tNAME\tACCNTTYPE\nACCNT\t\tEXP\n")
            .unwrap_err()
            .to_string()
            .starts_with("row 2:"));
        assert!(read("VEND\tx\n").is_err());
    }

    const TRNS: &str = "!TRNS\tTRNSID\tTRNSTYPE\tDATE\tACCNT\tNAME\tCLASS\tAMOUNT\tDOCNUM\tMEMO\n\
        !SPL\tSPLID\tTRNSTYPE\tDATE\tACCNT\tNAME\tCLASS\tAMOUNT\tDOCNUM\tMEMO\n!ENDTRNS\n\
        TRNS\t\tBILL\t01/05/2024\tAccounts Payable\tAcme Supply\t\t-150.00\t1001\t\n\
        SPL\t\tBILL\t01/05/2024\tOffice Supplies\t\tStore\t120.00\t1001\tToner\n\
        SPL\t\t\t\tPostage\t\t\t30.00\t\tStamps\nENDTRNS\n";

    #[test]
    fn transactions_become_their_split_lines() {
        let h = read(TRNS).unwrap().history;
        assert_eq!(h.len(), 2, "the TRNS line is the payment side");
        assert_eq!(
            h[1].counterparty, "Acme Supply",
            "a SPL takes its TRNS's name"
        );
        assert_eq!(
            (h[1].kind.as_str(), h[1].day.as_deref()),
            ("bill", Some("2024-01-05"))
        );
        assert_eq!(h[0].class.as_deref(), Some("Store"));
        assert_eq!(h[1].amount.map(|a| a.to_string()).as_deref(), Some("30.00"));
        assert_eq!(
            read(&TRNS.replace("01/05/2024", "1/5/24")).unwrap().history[0]
                .day
                .as_deref(),
            Some("2024-01-05")
        );
        let err = |t: &str| read(t).unwrap_err().to_string();
        assert!(err(TRNS.strip_suffix("ENDTRNS\n").unwrap()).starts_with("row 4:"));
        assert!(err(&TRNS.replace("30.00", "thirty")).starts_with("row 6:"));
        assert!(err(&TRNS.replacen("TRNS\t\tBILL", "XTRNS\t\tBILL", 1)).starts_with("row 5:"));
    }
}
