//! Which export a table is and how its rows become [`BookEntry`]s, from the data file
//! `schema/books/layouts.json` (its `$comment` says how it is read).

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
}

/// The whole data file.
#[derive(Debug, Deserialize)]
pub struct Layouts {
    pub tables: Vec<Layout>,
    pub iif: BTreeMap<String, Layout>,
    inactive_columns: Vec<String>,
    inactive_values: Vec<String>,
    account_types: BTreeMap<String, String>,
}

/// The layouts (parsed once).
pub fn layouts() -> &'static Layouts {
    static L: OnceLock<Layouts> = OnceLock::new();
    L.get_or_init(|| serde_json::from_str(LAYOUTS).expect("schema/books/layouts.json parses"))
}

fn norm(h: &str) -> String {
    h.trim().trim_start_matches('\u{feff}').to_lowercase()
}

impl Layouts {
    /// The layout whose headers `header` has, first in file order.
    pub fn table_layout(&self, header: &[String]) -> Option<&Layout> {
        let have: Vec<String> = header.iter().map(|h| norm(h)).collect();
        self.tables.iter().find(|l| {
            l.matches
                .iter()
                .any(|alt| alt.iter().all(|h| have.contains(&norm(h))))
        })
    }

    /// The canonical account type of `t` as an export writes it (unknown types kept as is).
    pub fn account_type(&self, t: &str) -> String {
        self.account_types
            .get(&norm(t))
            .cloned()
            .unwrap_or_else(|| t.trim().to_string())
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
        let list = match (&layout.list, &layout.list_column) {
            (Some(l), _) => *l,
            (None, Some(col)) => {
                let v = idx(col)
                    .and_then(|i| cells.get(i))
                    .map(|v| norm(v))
                    .unwrap_or_default();
                *layout.list_values.get(&v).with_context(|| {
                    format!(
                        "row {row}: {col} {v:?} is not one of {:?}",
                        layout.list_values.keys().collect::<Vec<_>>()
                    )
                })?
            }
            (None, None) => bail!("layout {} names no list", layout.format),
        };
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
    }
}
