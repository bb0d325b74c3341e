//! The business's chart of accounts: the accounts its lines may go to and the accounts that
//! serve a role (payment account of a card, accounts payable …). The default is the chart a
//! QuickBooks Online company starts with (`schema/charts/quickbooks.json`), filtered by the
//! business's sector; account names listed in the business profile (`chart_of_accounts`) are
//! added (typed as in the default chart when the name is there, else as expenses).

use anyhow::{Context, Result};
use serde::Deserialize;

use super::profile::BusinessProfile;
use crate::extract::read::fold::{fold, has_words};

/// `schema/charts/quickbooks.json`.
pub const QUICKBOOKS: &str = include_str!("../../../schema/charts/quickbooks.json");

/// One account.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct Account {
    pub name: String,
    /// QuickBooks account type: `Expense`, `Cost of Goods Sold`, `Income`, `Bank`, `Credit
    /// Card`, `Fixed Asset`, `Other Current Asset`, `Accounts payable` …
    #[serde(rename = "type")]
    pub account_type: String,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    /// What the account is for, in a bookkeeper's words (shown beside the name when the model
    /// chooses among accounts); `None` for accounts a business's profile adds (an imported
    /// account takes the description of the default account of the same name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub sectors: Vec<String>,
}

#[derive(Deserialize)]
struct File {
    accounts: Vec<Account>,
}

/// A chart of accounts.
#[derive(Debug, Clone)]
pub struct Chart {
    pub accounts: Vec<Account>,
}

/// Which side a document's lines are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Purchases: expense and cost-of-goods accounts (and fixed assets).
    Expense,
    /// Sales: income accounts.
    Income,
}

impl Chart {
    /// The chart for `profile`: the default chart for its sector plus the accounts it names.
    pub fn for_business(profile: &BusinessProfile) -> Result<Chart> {
        let file: File = serde_json::from_str(QUICKBOOKS).context("parsing the default chart")?;
        let sector = profile.sector.as_deref().map(fold);
        let mut accounts: Vec<Account> = file
            .accounts
            .into_iter()
            .filter(|a| {
                a.sectors.is_empty()
                    || a.sectors
                        .iter()
                        .any(|s| s == "*" || sector.as_deref() == Some(s))
            })
            .map(|mut a| {
                a.keywords = a.keywords.iter().map(|k| fold(k)).collect();
                a
            })
            .collect();
        for name in &profile.chart_of_accounts {
            if !accounts.iter().any(|a| fold(&a.name) == fold(name)) {
                accounts.push(Account {
                    name: name.clone(),
                    account_type: "Expense".into(),
                    roles: Vec::new(),
                    keywords: fold(name)
                        .split(|c: char| !c.is_alphanumeric())
                        .filter(|w| w.len() > 3)
                        .map(str::to_string)
                        .collect(),
                    sectors: Vec::new(),
                    description: None,
                });
            }
        }
        Ok(Chart { accounts })
    }

    /// The account serving `role` (e.g. `payment_account.card`, `ap_account`).
    pub fn role(&self, role: &str) -> Option<&Account> {
        self.accounts
            .iter()
            .find(|a| a.roles.iter().any(|r| r == role))
    }

    /// The accounts lines of `side` may go to.
    pub fn for_lines(&self, side: Side) -> Vec<&Account> {
        self.accounts
            .iter()
            .filter(|a| match side {
                Side::Expense => {
                    matches!(
                        a.account_type.as_str(),
                        "Expense" | "Cost of Goods Sold" | "Other Expense"
                    )
                }
                Side::Income => a.account_type == "Income",
            })
            .collect()
    }

    /// Keyword score of each of `accounts` in `text`, best first; accounts without hits are left
    /// out. A keyword found scores its number of words, so a phrase outranks a word it contains
    /// ("material de oficina" 3 for office supplies against "material" 1 for materials).
    pub fn ranked<'a>(accounts: &[&'a Account], text: &str) -> Vec<(&'a Account, usize)> {
        let f = fold(text);
        let mut hits: Vec<(&Account, usize)> = accounts
            .iter()
            .map(|a| {
                let score = a
                    .keywords
                    .iter()
                    .filter(|k| has_words(&f, k))
                    .map(|k| k.split_whitespace().count())
                    .sum();
                (*a, score)
            })
            .filter(|(_, n)| *n > 0)
            .collect();
        hits.sort_by(|a, b| b.1.cmp(&a.1));
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_account_of_the_default_chart_says_what_it_is_for() {
        let mut p = BusinessProfile::named("x");
        p.sector = Some("retail".into());
        let c = Chart::for_business(&p).unwrap();
        let lines = c.for_lines(Side::Expense);
        assert!(lines.len() > 10);
        for a in lines {
            let d = a.description.as_deref().unwrap_or("");
            assert!(d.len() > 10, "{}: no description", a.name);
        }
        // A business's own account has none (the model sees its name only).
        p.chart_of_accounts = vec!["Drone Hire".into()];
        let c = Chart::for_business(&p).unwrap();
        let own = c.accounts.iter().find(|a| a.name == "Drone Hire").unwrap();
        assert_eq!(own.description, None);
    }

    #[test]
    fn roles_sides_and_keywords() {
        let mut p = BusinessProfile::named("x");
        p.sector = Some("consulting".into());
        p.chart_of_accounts = vec!["Software Subscriptions".into(), "Travel".into()];
        let c = Chart::for_business(&p).unwrap();
        assert_eq!(c.role("payment_account.card").unwrap().name, "Credit Card");
        assert_eq!(c.role("ap_account").unwrap().name, "Accounts Payable (A/P)");
        assert!(
            c.accounts.iter().all(|a| a.name != "Inventory Asset"),
            "retail-only account"
        );
        let exp = c.for_lines(Side::Expense);
        assert!(exp.iter().any(|a| a.name == "Software Subscriptions"));
        assert_eq!(exp.iter().filter(|a| a.name == "Travel").count(), 1);
        let r = Chart::ranked(&exp, "Hotel room, 2 nights — Hôtel du Lac");
        assert_eq!(r[0].0.name, "Travel");
        let r = Chart::ranked(&exp, "Amazon Simple Storage Service");
        assert_eq!(r[0].0.name, "Office Supplies & Software");
        assert!(c
            .for_lines(Side::Income)
            .iter()
            .all(|a| a.account_type == "Income"));
    }
}
