//! QuickBooks Desktop IIF lists: tab-separated; a header line `!ACCNT\tNAME\tACCNTTYPE…` names
//! the columns of the `ACCNT` lines after it (likewise `!VEND`, `!CUST`, `!INVITEM`). Blocks of
//! other types (transactions: `!TRNS`, `!SPL`, `!ENDTRNS`) are not lists and are skipped.
//! Format: Intuit, "IIF Overview: import kit, sample files, and headers".

use anyhow::{bail, Result};

use super::layouts::layouts;
use crate::store::books::BookEntry;

/// Whether `text` looks like IIF (its first non-blank line is a `!` header).
pub fn is_iif(text: &str) -> bool {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| l.trim_start_matches('\u{feff}').starts_with('!'))
}

/// The list entries of IIF `text`.
///
/// Errors: a list line before its header line, a line without a name — with its row (line)
/// number —
/// or no list block at all.
pub fn entries(text: &str) -> Result<Vec<BookEntry>> {
    let l = layouts();
    let mut header: Option<(String, Vec<String>)> = None;
    let mut out = Vec::new();
    let mut lists_seen = false;
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
            header = Some((kind.to_uppercase(), cells[1..].to_vec()));
            lists_seen |= l.iif.contains_key(&kind.to_uppercase());
            continue;
        }
        let Some(layout) = l.iif.get(&first.to_uppercase()) else {
            continue;
        };
        let Some((_, cols)) = header.as_ref().filter(|(k, _)| k == &first.to_uppercase()) else {
            bail!("row {row}: a {first} line before its !{first} header line");
        };
        if let Some(e) = l.entry(layout, cols, &cells[1..], row)? {
            out.push(e);
        }
    }
    if !lists_seen {
        bail!("no list in this IIF file (expected !ACCNT, !VEND, !CUST or !INVITEM blocks)");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::books::BookList;

    #[test]
    fn blocks_become_entries() {
        let t =
            "!ACCNT\tNAME\tREFNUM\tACCNTTYPE\tACCNUM\tHIDDEN\nACCNT\tTravel\t12\tEXP\t6400\tN\n\
                 ACCNT\tOld Bank\t13\tBANK\t\tY\n!VEND\tNAME\tREFNUM\nVEND\tAcme Supply\t40\n\
                 !TRNS\tTRNSTYPE\nTRNS\tBILL\n";
        let e = entries(t).unwrap();
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
        assert!(entries("!ACCNT\tNAME\tACCNTTYPE\nACCNT\t\tEXP\n")
            .unwrap_err()
            .to_string()
            .starts_with("row 2:"));
        assert!(entries("VEND\tx\n").is_err());
    }
}
