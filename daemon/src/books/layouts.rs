//! Which export a table is and how its rows become [`BookEntry`]s (lists) or posted lines
//! ([`super::history`]), from the data file `schema/books/layouts.json` (its `$comment` says how
//! it is read).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::store::books::{BookEntry, BookList};

/// `schema/books/layouts.json`.
const LAYOUTS: &str = include_str!("../../../schema/books/layouts.json");

/// One export layout.
#[derive(Debug, Deserialize)]
pub struct Layout {
    /// `software.export` (e.g. `quickbooks_online.account_list`; empty for IIF blocks).
    #[serde(default)]
    pub format: String,
    /// Alternatives: all headers of one must be present.
    #[serde(default, rename = "match")]
    pub matches: Vec<Vec<String>>,
    /// The list every row goes to…
    #[serde(default)]
    pub list: Option<BookList>,
    /// …or the column that names it per row, with its values.
    #[serde(default)]
    pub list_column: Option<String>,
    #[serde(default)]
    pub list_values: BTreeMap<String, BookList>,
    /// Field → headers it may come from.
    pub columns: BTreeMap<String, Vec<String>>,
    /// A transaction report: its rows are posted lines, not list entries.
    #[serde(default)]
    pub history: bool,
    /// What a report's section header row names (`account`, `counterparty`).
    #[serde(default)]
    pub section: Option<String>,
    /// The transaction type of every row (an export of one type: Zoho's bills).
    #[serde(default)]
    pub transaction_type: Option<String>,
    /// Fields every data row must have.
    #[serde(default)]
    pub required: Vec<String>,
    /// Header → values of the rows left out (void, draft).
    #[serde(default)]
    pub skip: BTreeMap<String, Vec<String>>,
    /// Values that name no single account (`-Split-`).
    #[serde(default)]
    pub no_account: Vec<String>,
    /// Date formats (chrono) tried after `YYYY-MM-DD`.
    #[serde(default)]
    pub date_formats: Vec<String>,
}

/// The whole data file.
#[derive(Debug, Deserialize)]
pub struct Layouts {
    pub tables: Vec<Layout>,
    /// Headers a list layout never takes (a transaction report's).
    list_refuses: Vec<String>,
    pub iif: BTreeMap<String, Layout>,
    /// The columns of IIF `!TRNS` / `!SPL` blocks.
    pub iif_transactions: Layout,
    inactive_columns: Vec<String>,
    inactive_values: Vec<String>,
    /// Transaction types as exports write them → the canonical type.
    transaction_types: BTreeMap<String, String>,
    /// Canonical transaction types of sales (their counterparties are customers).
    pub sales_transaction_types: Vec<String>,
    /// Names of payment-side accounts (A/P, bank, card) when the chart does not give a type.
    pub settlement_accounts: Vec<String>,
    account_types: BTreeMap<String, String>,
}

/// The list row `cells` (file row `row`) under `header` goes to: the layout's, or the one its
/// list column names.
///
/// Errors: a list column value the layout does not know, with the row number.
fn list_of(layout: &Layout, header: &[String], cells: &[String], row: usize) -> Result<BookList> {
    match (&layout.list, &layout.list_column) {
        (Some(l), _) => Ok(*l),
        (None, Some(col)) => {
            let v = header
                .iter()
                .position(|x| norm(x) == norm(col))
                .and_then(|i| cells.get(i))
                .map(|v| norm(v))
                .unwrap_or_default();
            layout.list_values.get(&v).copied().with_context(|| {
                format!(
                    "row {row}: {col} {v:?} is not one of {:?}",
                    layout.list_values.keys().collect::<Vec<_>>()
                )
            })
        }
        (None, None) => bail!("layout {} names no list", layout.format),
    }
}

/// The layouts (parsed once).
pub fn layouts() -> &'static Layouts {
    static L: OnceLock<Layouts> = OnceLock::new();
    L.get_or_init(|| serde_json::from_str(LAYOUTS).expect("schema/books/layouts.json parses"))
}

/// A header or cell folded for comparison: trimmed, without a byte-order mark, lower case.
pub fn norm(h: &str) -> String {
    h.trim().trim_start_matches('\u{feff}').to_lowercase()
}

impl Layouts {
    /// The layout `header` is: of those whose `match` headers it has (and, for a list, none of
    /// the headers lists refuse), the one that maps most of its headers; the first on a tie.
    pub fn table_layout(&self, header: &[String]) -> Option<&Layout> {
        let have: Vec<String> = header.iter().map(|h| norm(h)).collect();
        let mut best: Option<(&Layout, usize)> = None;
        for l in &self.tables {
            let matched = l
                .matches
                .iter()
                .any(|alt| alt.iter().all(|h| have.contains(&norm(h))));
            let refused = !l.history && self.list_refuses.iter().any(|r| have.contains(r));
            if !matched || refused {
                continue;
            }
            let known: Vec<String> = l
                .columns
                .values()
                .flatten()
                .chain(&l.list_column)
                .map(|h| norm(h))
                .collect();
            let mapped = have.iter().filter(|h| known.contains(h)).count();
            if best.is_none_or(|(_, n)| mapped > n) {
                best = Some((l, mapped));
            }
        }
        best.map(|(l, _)| l)
    }

    /// The canonical account type of `t` as an export writes it (unknown types kept as is).
    pub fn account_type(&self, t: &str) -> String {
        self.account_types
            .get(&norm(t))
            .cloned()
            .unwrap_or_else(|| t.trim().to_string())
    }

    /// Whether `t` is an account type some export writes.
    pub fn is_account_type(&self, t: &str) -> bool {
        self.account_types.contains_key(&norm(t))
    }

    /// The canonical transaction type of `t` as an export writes it (`Credit Card Expense` →
    /// `credit_card_charge`); another type folded to lower-case words joined by `_`.
    pub fn transaction_type(&self, t: &str) -> String {
        self.transaction_types
            .get(&norm(t))
            .cloned()
            .unwrap_or_else(|| {
                norm(t)
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .collect::<Vec<_>>()
                    .join("_")
            })
    }

    /// The entry of data row `cells` (file row `row`, 1-based) under `header` read by `layout`;
    /// `None` for a blank row or a report's total line.
    ///
    /// Errors: a row without a name, or naming an unknown list — with its row number.
    pub fn entry(
        &self,
        layout: &Layout,
        header: &[String],
        cells: &[String],
        row: usize,
    ) -> Result<Option<BookEntry>> {
        if cells.iter().all(|c| c.trim().is_empty()) {
            return Ok(None);
        }
        let idx = |h: &str| header.iter().position(|x| norm(x) == norm(h));
        let get = |field: &str| -> Option<String> {
            layout.columns.get(field)?.iter().find_map(|h| {
                let v = cells.get(idx(h)?)?.trim();
                (!v.is_empty()).then(|| v.to_string())
            })
        };
        let Some(name) = get("name") else {
            if cells.iter().any(|c| norm(c).starts_with("total")) {
                return Ok(None);
            }
            bail!("row {row}: no name (column {:?})", layout.columns["name"]);
        };
        // A report's total line ("TOTAL", "Total Expenses") names no record.
        if norm(&name) == "total" || (norm(&name).starts_with("total ") && get("kind").is_none()) {
            return Ok(None);
        }
        let list = list_of(layout, header, cells, row)?;
        let inactive_col = header.iter().enumerate().any(|(i, h)| {
            self.inactive_columns.contains(&norm(h))
                && cells
                    .get(i)
                    .is_some_and(|v| matches!(norm(v).as_str(), "y" | "yes" | "true" | "1"))
        });
        let active = !inactive_col
            && !get("active").is_some_and(|v| self.inactive_values.contains(&norm(&v)));
        let used: Vec<String> = layout.columns.values().flatten().map(|h| norm(h)).collect();
        let detail: Map<String, Value> = header
            .iter()
            .zip(cells)
            .filter(|(h, v)| {
                !used.contains(&norm(h)) && !v.trim().is_empty() && !h.trim().is_empty()
            })
            .map(|(h, v)| (h.trim().to_string(), Value::String(v.trim().to_string())))
            .collect();
        if let Some(k) =
            get("kind").filter(|k| list == BookList::Accounts && !self.is_account_type(k))
        {
            bail!("row {row}: {k:?} is not a type of account (is this a chart of accounts?)");
        }
        let kind = get("kind").map(|k| {
            if list == BookList::Accounts {
                self.account_type(&k)
            } else {
                k
            }
        });
        Ok(Some(BookEntry {
            list,
            id: get("id"),
            name,
            kind,
            number: get("number"),
            currency: get("currency").map(|c| c.to_uppercase()),
            active,
            detail: Value::Object(detail),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn headers_pick_the_layout_and_rows_become_entries() {
        let l = layouts();
        let h = s(&["Account", "Type", "Detail Type", "Description", "Balance"]);
        let lay = l.table_layout(&h).unwrap();
        assert_eq!(lay.format, "quickbooks_online.account_list");
        let e = l
            .entry(
                lay,
                &h,
                &s(&["Office Supplies", "Expenses", "Supplies", "", "0.00"]),
                5,
            )
            .unwrap()
            .unwrap();
        assert_eq!(
            (e.list, e.kind.as_deref()),
            (BookList::Accounts, Some("Expense"))
        );
        assert_eq!(e.detail["Detail Type"], "Supplies");
        let h = s(&["Contact ID", "Display Name", "Contact Type", "Status"]);
        let lay = l.table_layout(&h).unwrap();
        let e = l
            .entry(lay, &h, &s(&["77", "Acme GmbH", "vendor", "Inactive"]), 2)
            .unwrap()
            .unwrap();
        assert_eq!(
            (e.list, e.id.as_deref(), e.active),
            (BookList::Vendors, Some("77"), false)
        );
        let err = l
            .entry(lay, &h, &s(&["78", "X", "employee", ""]), 9)
            .unwrap_err();
        assert!(err.to_string().starts_with("row 9:"), "{err}");
        assert!(l.table_layout(&s(&["Date", "Amount"])).is_none());
        // A transaction export is never taken for an account list.
        let h = s(&[
            "date",
            "type",
            "counterparty",
            "number",
            "account",
            "amount",
            "currency",
            "memo",
        ]);
        assert_eq!(
            l.table_layout(&h).unwrap().format,
            "zopilot.history_template"
        );
        assert!(l
            .table_layout(&s(&["Date", "Type", "Account", "Amount"]))
            .is_none());
        let h = s(&["Account", "Type"]);
        let lay = l.table_layout(&h).unwrap();
        let err = l.entry(lay, &h, &s(&["Office", "Bill"]), 4).unwrap_err();
        assert!(err.to_string().starts_with("row 4:"), "{err}");
        assert_eq!(
            l.transaction_type("Credit Card Expense"),
            "credit_card_charge"
        );
        assert_eq!(
            l.transaction_type("Inventory Qty Adjust"),
            "inventory_qty_adjust"
        );
    }
}
