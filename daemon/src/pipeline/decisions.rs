//! The Stage 1 decision table (`schema/decisions/<software>.json`): document kind × direction ×
//! payment evidence × accounting method → the PRIMARY candidates, FOLLOW_UPs and the semantic
//! analysis's category, or a review reason for documents that record nothing.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

/// `schema/decisions/quickbooks.json`.
pub const QUICKBOOKS: &str = include_str!("../../../schema/decisions/quickbooks.json");
/// `schema/decisions/zoho.json`.
pub const ZOHO: &str = include_str!("../../../schema/decisions/zoho.json");

/// One row of the table. Missing or `*` conditions match anything.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Rule {
    pub kind: String,
    #[serde(default)]
    pub direction: Option<String>,
    #[serde(default)]
    pub paid: Option<bool>,
    #[serde(default)]
    pub accounting_method: Option<String>,
    /// PRIMARY candidates (one: decided; several: the model judges among them; none: review).
    pub primary: Vec<String>,
    #[serde(default)]
    pub follow_ups: Vec<String>,
    /// FOLLOW_UPs that come with one PRIMARY candidate when it is chosen.
    #[serde(default)]
    pub follow_ups_of: BTreeMap<String, Vec<String>>,
    pub category: String,
    pub nature: String,
    pub party_role: String,
    /// Why a document of this row records nothing (it then goes to review).
    #[serde(default)]
    pub review: Option<String>,
    /// Why the row's action records this document.
    #[serde(default)]
    pub why: Option<String>,
}

/// The situation a document is in.
#[derive(Debug, Clone, PartialEq)]
pub struct Situation<'a> {
    pub kind: &'a str,
    pub direction: &'a str,
    pub paid: bool,
    pub accounting_method: Option<&'a str>,
}

/// A decision table.
#[derive(Debug, Clone, Deserialize)]
pub struct Table {
    pub software: String,
    pub rules: Vec<Rule>,
    /// A posted transaction's canonical type (`bill`, `expense` …) → the PRIMARY action it was.
    #[serde(default)]
    pub history: BTreeMap<String, String>,
}

fn matches(cond: Option<&str>, value: Option<&str>) -> bool {
    match cond {
        None | Some("*") => true,
        Some(c) => value == Some(c),
    }
}

impl Table {
    /// The table for `software` (`quickbooks`).
    pub fn for_software(software: &str) -> Result<Table> {
        match software.to_ascii_lowercase().as_str() {
            "quickbooks" | "quickbooks online" | "qbo" => Table::parse(QUICKBOOKS),
            "zoho" | "zoho books" | "zohobooks" => Table::parse(ZOHO),
            other => {
                bail!("no decision table for accounting software {other:?} (available: quickbooks, zoho)")
            }
        }
    }

    /// Parse a table file; the last rule must match everything.
    pub fn parse(text: &str) -> Result<Table> {
        let t: Table = serde_json::from_str(text).context("parsing the decision table")?;
        match t.rules.last() {
            Some(r) if r.kind == "*" && r.direction.is_none() && r.paid.is_none() => Ok(t),
            _ => bail!("the decision table must end with a rule for any document (kind \"*\")"),
        }
    }

    /// The canonical transaction type an approved `action` posts (the first `history` type
    /// mapped to it), or `None`.
    pub fn history_kind(&self, action: &str) -> Option<&str> {
        self.history
            .iter()
            .find(|(_, a)| *a == action)
            .map(|(k, _)| k.as_str())
    }

    /// The first rule that fits `s`.
    pub fn decide(&self, s: &Situation<'_>) -> &Rule {
        self.rules
            .iter()
            .find(|r| {
                matches(Some(&r.kind), Some(s.kind))
                    && matches(r.direction.as_deref(), Some(s.direction))
                    && r.paid.is_none_or(|p| p == s.paid)
                    && matches(r.accounting_method.as_deref(), s.accounting_method)
            })
            .expect("the last rule matches everything")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn primary(kind: &str, direction: &str, paid: bool, method: Option<&str>) -> Vec<String> {
        let t = Table::for_software("quickbooks").unwrap();
        t.decide(&Situation {
            kind,
            direction,
            paid,
            accounting_method: method,
        })
        .primary
        .clone()
    }

    #[test]
    fn the_table_covers_every_family() {
        assert_eq!(primary("invoice", "incoming", false, None), ["createBill"]);
        assert_eq!(
            primary("invoice", "incoming", true, Some("cash")),
            ["recordExpense"]
        );
        assert_eq!(
            primary("invoice", "incoming", true, None),
            ["recordExpense", "createBill"]
        );
        assert_eq!(
            primary("invoice", "outgoing", false, None),
            ["createInvoice"]
        );
        assert_eq!(
            primary("receipt", "incoming", true, None),
            ["recordExpense"]
        );
        assert_eq!(
            primary("receipt", "outgoing", true, None),
            ["createSalesReceipt"]
        );
        assert_eq!(
            primary("credit_note", "incoming", false, None),
            ["createVendorCredit"]
        );
        assert_eq!(
            primary("credit_note", "outgoing", false, None),
            ["createCreditMemo"]
        );
        assert_eq!(
            primary("refund_receipt", "outgoing", true, None),
            ["createRefundReceipt"]
        );
        assert_eq!(
            primary("remittance_advice", "incoming", true, None),
            ["receivePayment"]
        );
        assert_eq!(
            primary("remittance_advice", "outgoing", true, None),
            ["payBill"]
        );
        assert_eq!(
            primary("purchase_order", "outgoing", false, None),
            ["createPurchaseOrder"]
        );
        assert_eq!(
            primary("quote", "outgoing", false, None),
            ["createEstimate"]
        );
        assert_eq!(
            primary("bank_statement", "incoming", false, None),
            ["importBankTransactions"]
        );
        assert!(primary("delivery_note", "incoming", false, None).is_empty());
        assert!(primary("quote", "incoming", false, None).is_empty());
        assert!(primary("other", "incoming", false, None).is_empty());
    }

    #[test]
    fn every_action_named_is_in_the_registry() {
        let t = Table::for_software("quickbooks").unwrap();
        let r = super::super::registry::Registry::for_software("quickbooks").unwrap();
        for rule in &t.rules {
            for a in rule
                .primary
                .iter()
                .chain(&rule.follow_ups)
                .chain(rule.follow_ups_of.values().flatten())
            {
                assert!(r.get(a).is_some(), "{a} is not in the registry");
            }
        }
    }
}
