//! The business's own books as the store keeps them: imported lists ([`BookEntry`]: chart of
//! accounts, vendors, customers, items), the transaction history ([`Posted`] lines), exchange
//! rates ([`Rate`]), approvals and the decisions they teach ([`Memory`]). Parsing the exports is [`crate::books`]' job; this is the
//! shape and the [`Books`] operations, implemented by the SQLite store (migration
//! `schema/migrations/0005_books.sql`).

use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One of the lists a business's books hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BookList {
    Accounts,
    Vendors,
    Customers,
    Items,
}

impl BookList {
    /// Every list, in the order they are shown.
    pub const ALL: [BookList; 4] = [
        BookList::Accounts,
        BookList::Vendors,
        BookList::Customers,
        BookList::Items,
    ];

    /// The column value (`accounts`, `vendors`, `customers`, `items`).
    pub fn as_str(self) -> &'static str {
        match self {
            BookList::Accounts => "accounts",
            BookList::Vendors => "vendors",
            BookList::Customers => "customers",
            BookList::Items => "items",
        }
    }

    /// Parse a list name; singular forms are accepted.
    ///
    /// Errors: any other word, naming the four lists.
    pub fn parse(s: &str) -> Result<BookList> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "accounts" | "account" => BookList::Accounts,
            "vendors" | "vendor" | "suppliers" | "supplier" => BookList::Vendors,
            "customers" | "customer" => BookList::Customers,
            "items" | "item" | "products" | "product" => BookList::Items,
            other => bail!("unknown list {other:?}: accounts, vendors, customers or items"),
        })
    }

    /// The accounting entity a lookup of this list resolves (`Account`, `Vendor` …).
    pub fn entity(self) -> &'static str {
        match self {
            BookList::Accounts => "Account",
            BookList::Vendors => "Vendor",
            BookList::Customers => "Customer",
            BookList::Items => "Item",
        }
    }

    /// The list a lookup entity is resolved against (`None` for entities not imported).
    pub fn of_entity(entity: &str) -> Option<BookList> {
        BookList::ALL.into_iter().find(|l| l.entity() == entity)
    }
}

/// One record of a list, as imported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BookEntry {
    pub list: BookList,
    /// The books' own id, when the export carries one.
    pub id: Option<String>,
    /// The name as the books spell it.
    pub name: String,
    /// Accounts: the canonical account type (`Expense`, `Fixed Asset` …); items: the item type.
    pub kind: Option<String>,
    /// Account number or code; an item's SKU.
    pub number: Option<String>,
    /// ISO 4217.
    pub currency: Option<String>,
    pub active: bool,
    /// The export's other columns, by header.
    pub detail: Value,
}

impl BookEntry {
    /// The row key within its list: the id when there is one, else the name folded to lower case
    /// letters and digits — so a re-import updates the row in place.
    pub fn key(&self) -> String {
        match &self.id {
            Some(id) if !id.trim().is_empty() => format!("id:{}", id.trim()),
            _ => format!(
                "name:{}",
                self.name
                    .to_lowercase()
                    .chars()
                    .filter(|c| c.is_alphanumeric())
                    .collect::<String>()
            ),
        }
    }
}

/// One posted line of the business's transaction history: read from a transaction report
/// (`zopilot books import`) or an approved document's line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Posted {
    /// The row key: a hash of the row's fields and its occurrence in the file (a re-import adds
    /// nothing), or `approval:<document id>:<line>`.
    pub key: String,
    /// The vendor or customer as the books name it.
    pub counterparty: String,
    /// The canonical transaction type (`bill`, `expense`, `check`, `credit_card_charge`,
    /// `vendor_credit`, `invoice` …; `schema/books/layouts.json` `transaction_types`).
    pub kind: String,
    /// `YYYY-MM-DD`.
    pub day: Option<String>,
    pub number: Option<String>,
    /// The account the line posted to.
    pub account: Option<String>,
    pub amount: Option<rust_decimal::Decimal>,
    /// ISO 4217.
    pub currency: Option<String>,
    /// The line's text (memo, description).
    pub memo: Option<String>,
    pub class: Option<String>,
    pub tax_code: Option<String>,
}

/// What an import changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportCounts {
    pub added: usize,
    pub updated: usize,
}

/// An exchange rate: `rate` units of `currency` per 1 `base` on `day` (the ECB convention).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rate {
    pub base: String,
    pub currency: String,
    /// `YYYY-MM-DD`.
    pub day: String,
    pub rate: rust_decimal::Decimal,
}

/// What approvals taught about one counterparty.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Memory {
    /// The counterparty as last approved.
    pub name: String,
    /// The approved decision (`action`, `accounts`, `account`, `class`, `tax_code`).
    pub decision: Value,
    /// How many approved documents taught it.
    pub approvals: i64,
}

/// The key a business's books are stored under: its name folded to lower-case words joined by
/// `-` (`Taylor's Store` → `taylors-store`).
pub fn business_key(name: &str) -> String {
    name.to_lowercase()
        .replace(['\'', '’', '.'], "")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// The operations on the books. Imports are one transaction each: a failing import changes
/// nothing.
pub trait Books: Send + Sync {
    /// Insert or update `entries` for `business` (see [`BookEntry::key`]); `source` names the
    /// export they came from.
    fn import_books(
        &self,
        business: &str,
        entries: &[BookEntry],
        source: &str,
    ) -> Result<ImportCounts>;
    /// The entries of `business`, one list or all, by list then name.
    fn book_entries(&self, business: &str, list: Option<BookList>) -> Result<Vec<BookEntry>>;
    /// Delete the entries of `business` (one list or all); how many were deleted.
    fn clear_books(&self, business: &str, list: Option<BookList>) -> Result<usize>;
    /// `(business, list, entries)` for every pair present (the transaction history as list
    /// `history`, its posted lines).
    fn book_counts(&self) -> Result<Vec<(String, String, i64)>>;
    /// Add the posted `lines` of `business` not stored yet (by [`Posted::key`]), in one
    /// transaction: `added` new lines, `updated` those already there (left as they are).
    fn import_history(
        &self,
        business: &str,
        lines: &[Posted],
        source: &str,
    ) -> Result<ImportCounts>;
    /// The counterparties of `business`'s history with the transaction types posted for them:
    /// each `(counterparty, kind)` pair once.
    fn history_counterparties(&self, business: &str) -> Result<Vec<(String, String)>>;
    /// The posted lines of `counterparty` (as the books name it) of `business`, newest first.
    fn history_of(&self, business: &str, counterparty: &str) -> Result<Vec<Posted>>;
    /// Replace the lines approved document `document` added to `business`'s history with
    /// `lines` (keyed `approval:<document>:<n>`), in one transaction.
    fn record_approved(&self, business: &str, document: i64, lines: &[Posted]) -> Result<()>;
    /// Delete the transaction history of `business`; how many lines were deleted.
    fn clear_history(&self, business: &str) -> Result<usize>;
    /// Insert or replace `rates` in one transaction; how many were written.
    fn import_rates(&self, rates: &[Rate], source: &str) -> Result<usize>;
    /// Every stored rate of `currencies` (as the currency or as the base) on a day in
    /// `from..=to` (`YYYY-MM-DD`), newest first; the caller picks the one it needs.
    fn rates_between(&self, currencies: &[&str], from: &str, to: &str) -> Result<Vec<Rate>>;
    /// Remember `decision` for `counterparty` (its key) of `business`; the number of approvals
    /// it now rests on.
    fn remember(
        &self,
        business: &str,
        counterparty: &str,
        name: &str,
        decision: &Value,
    ) -> Result<i64>;
    /// What approvals taught about `counterparty` of `business`.
    fn recall(&self, business: &str, counterparty: &str) -> Result<Option<Memory>>;
    /// Record document `id`'s approval; a finished result becomes `approved`. `false` when there
    /// is no such document.
    fn approve(&self, id: i64, approval: &Value) -> Result<bool>;
    /// Record that document `id`'s result was rejected (`record`: the reason); a finished result
    /// becomes `rejected`. `false` when there is no such document with a result.
    fn reject(&self, id: i64, record: &Value) -> Result<bool>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_lists_and_business_keys() {
        assert_eq!(business_key("Taylor's Store"), "taylors-store");
        assert_eq!(business_key("  ACME  Ltd. "), "acme-ltd");
        assert_eq!(BookList::parse("Vendor").unwrap(), BookList::Vendors);
        assert!(BookList::parse("bills").is_err());
        assert_eq!(BookList::of_entity("Item"), Some(BookList::Items));
        let mut e = BookEntry {
            list: BookList::Vendors,
            id: None,
            name: "Office Depot, Inc.".into(),
            kind: None,
            number: None,
            currency: None,
            active: true,
            detail: Value::Null,
        };
        assert_eq!(e.key(), "name:officedepotinc");
        e.id = Some(" 57 ".into());
        assert_eq!(e.key(), "id:57");
    }
}
