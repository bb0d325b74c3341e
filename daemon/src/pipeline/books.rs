//! The business's books as a document's run sees them: the lists imported with `zopilot books
//! import` (chart of accounts, vendors, customers, items), loaded once per run.
//!
//! - The profile's names are completed from them, so Stage 1's "known counterparty" and "known
//!   item" checks (the createVendor / createCustomer / createItem PREREQUISITEs) use the books;
//!   a counterparty of the transaction history (its transactions were posted) is known too.
//! - An imported chart of accounts *replaces* the default chart as the options a line's account
//!   is chosen among ([`Ledger::chart_accounts`]): each account keeps its type; keywords and
//!   roles come from the default account of the same name, else from a default account sharing a
//!   significant word of its name (`Office Expenses` learns `Office Supplies & Software`'s
//!   keywords), else from its type (the first `Fixed Asset` account serves
//!   `fixed_asset_account` …).

use anyhow::Result;

use super::chart::{Account, Chart};
use super::direction::words;
use super::profile::BusinessProfile;
use crate::extract::read::fold::fold;
use crate::store::books::{business_key, BookEntry, BookList};
use crate::store::Storage;

/// The imported lists of one business (active and inactive entries).
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    /// The business's key in the store.
    pub business: String,
    pub entries: Vec<BookEntry>,
    /// The transaction history's counterparties with the types of their transactions.
    pub counterparties: Vec<(String, String)>,
}

/// Roles an imported account of a type serves when no default account of its name does.
const ROLES_BY_TYPE: &[(&str, &[&str])] = &[
    ("Fixed Asset", &["fixed_asset_account"]),
    ("Accounts payable", &["ap_account"]),
    ("Accounts receivable", &["ar_account"]),
    (
        "Credit Card",
        &["payment_account.card", "credit_card_account"],
    ),
    (
        "Bank",
        &[
            "bank_account",
            "payment_account.check",
            "payment_account.transfer",
            "payment_account.cash",
        ],
    ),
    ("Income", &["income_account"]),
];

impl Ledger {
    /// The books of `profile`'s business.
    pub fn load(store: &dyn Storage, profile: &BusinessProfile) -> Result<Ledger> {
        let business = business_key(&profile.name);
        let entries = store.book_entries(&business, None)?;
        let counterparties = store.history_counterparties(&business)?;
        Ok(Ledger {
            business,
            entries,
            counterparties,
        })
    }

    /// The entries of `list`.
    pub fn list(&self, list: BookList) -> impl Iterator<Item = &BookEntry> {
        self.entries.iter().filter(move |e| e.list == list)
    }

    /// Whether `list` was imported.
    pub fn has(&self, list: BookList) -> bool {
        self.list(list).next().is_some()
    }

    /// Whether `account` is the payment side of a transaction (A/P, A/R, a bank or card
    /// account): by its type in the imported chart, else by its name
    /// (`settlement_accounts` of `schema/books/layouts.json`).
    pub fn is_settlement(&self, account: &str) -> bool {
        let key = words(account);
        let in_chart = self
            .list(BookList::Accounts)
            .find(|e| e.name == account || words(&e.name) == key);
        match in_chart.and_then(|e| e.kind.as_deref()) {
            Some(t) => matches!(
                t,
                "Bank" | "Credit Card" | "Accounts payable" | "Accounts receivable"
            ),
            None => crate::books::layouts::layouts()
                .settlement_accounts
                .iter()
                .any(|s| words(s) == key),
        }
    }

    /// `profile` with the books' active vendors, customers and items added to its lists.
    pub fn complete(&self, profile: &BusinessProfile) -> BusinessProfile {
        let mut p = profile.clone();
        let add = |target: &mut Vec<String>, list: BookList| {
            for e in self.list(list).filter(|e| e.active) {
                if !target.iter().any(|t| t == &e.name) {
                    target.push(e.name.clone());
                }
            }
        };
        add(&mut p.vendors, BookList::Vendors);
        add(&mut p.customers, BookList::Customers);
        add(&mut p.items, BookList::Items);
        let sales = &crate::books::layouts::layouts().sales_transaction_types;
        for (name, kind) in &self.counterparties {
            let target = if sales.contains(kind) {
                &mut p.customers
            } else {
                &mut p.vendors
            };
            if !target.contains(name) {
                target.push(name.clone());
            }
        }
        p
    }

    /// The chart for `profile` when its books hold an imported chart of accounts: the imported
    /// accounts are the options ([`Ledger::chart_accounts`]); a role none of them
    /// serves (e.g. no fixed-asset account in the books) falls back to the default chart's
    /// account for it, never as a line option. Without an imported chart: [`Chart::for_business`].
    pub fn chart(&self, profile: &BusinessProfile) -> Result<Chart> {
        let default = Chart::for_business(profile)?;
        let Some(mut accounts) = self.chart_accounts(&default.accounts) else {
            return Ok(default);
        };
        for d in &default.accounts {
            for role in &d.roles {
                if accounts.iter().any(|a| a.roles.contains(role)) {
                    continue;
                }
                let line_option = matches!(
                    d.account_type.as_str(),
                    "Expense" | "Cost of Goods Sold" | "Other Expense" | "Income"
                );
                if !line_option {
                    accounts.push(Account {
                        roles: vec![role.clone()],
                        ..d.clone()
                    });
                } else if let Some(first) = accounts
                    .iter_mut()
                    .find(|a| a.account_type == d.account_type)
                {
                    first.roles.push(role.clone());
                }
            }
        }
        Ok(Chart { accounts })
    }

    /// The imported chart of accounts in the chart's terms, or `None` when no chart was
    /// imported. `defaults` is the default chart (keywords and roles are borrowed from it).
    pub fn chart_accounts(&self, defaults: &[Account]) -> Option<Vec<Account>> {
        if !self.has(BookList::Accounts) {
            return None;
        }
        let mut out: Vec<Account> = self
            .list(BookList::Accounts)
            .filter(|e| e.active)
            .map(|e| imported_account(e, defaults))
            .collect();
        // Roles no account took by name go to an account of the type that serves them: the one
        // kin to the default chart's account of the role (sharing a word of its name), else the
        // first — never a contra account (accumulated depreciation).
        for (t, roles) in ROLES_BY_TYPE {
            for role in *roles {
                if out.iter().any(|a| a.roles.iter().any(|r| r == role)) {
                    continue;
                }
                let holder: Vec<String> = defaults
                    .iter()
                    .find(|d| d.roles.iter().any(|r| r == role))
                    .map(|d| words(&d.name))
                    .unwrap_or_default();
                let candidates: Vec<usize> = (0..out.len())
                    .filter(|&i| {
                        &out[i].account_type == t && !fold(&out[i].name).contains("accumulated")
                    })
                    .collect();
                let kin = candidates
                    .iter()
                    .copied()
                    .find(|&i| words(&out[i].name).iter().any(|w| holder.contains(w)));
                if let Some(i) = kin.or(candidates.first().copied()) {
                    out[i].roles.push(role.to_string());
                }
            }
        }
        for (role, words_in_name, t) in [
            ("prepaid_account", "prepaid", "Other Current Asset"),
            (
                "inventory_asset_account",
                "inventory",
                "Other Current Asset",
            ),
            ("sales_tax_account", "tax", "Other Current Liability"),
            ("expense_account", "uncategorized", "Expense"),
        ] {
            if out.iter().any(|a| a.roles.iter().any(|r| r == role)) {
                continue;
            }
            if let Some(a) = out
                .iter_mut()
                .find(|a| a.account_type == t && fold(&a.name).contains(words_in_name))
            {
                a.roles.push(role.to_string());
            }
        }
        Some(out)
    }
}

/// An imported account in the chart's terms: its type (expense when the export has none), the
/// roles, keywords and description of the default account of the same name, plus the keywords of
/// default accounts of its type that share a word of its name.
fn imported_account(e: &BookEntry, defaults: &[Account]) -> Account {
    let t = e.kind.clone().unwrap_or_else(|| "Expense".into());
    let same = defaults.iter().find(|d| fold(&d.name) == fold(&e.name));
    let name_words: Vec<String> = words(&e.name).into_iter().filter(|w| w.len() > 3).collect();
    let kin = defaults
        .iter()
        .filter(|d| d.account_type == t && words(&d.name).iter().any(|w| name_words.contains(w)));
    let mut keywords: Vec<String> = name_words.clone();
    for d in same.into_iter().chain(kin) {
        keywords.extend(d.keywords.iter().cloned());
    }
    keywords.sort();
    keywords.dedup();
    Account {
        name: e.name.clone(),
        account_type: t,
        roles: same.map(|d| d.roles.clone()).unwrap_or_default(),
        keywords,
        sectors: Vec::new(),
        description: same.and_then(|d| d.description.clone()),
    }
}
