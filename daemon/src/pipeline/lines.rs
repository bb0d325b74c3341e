//! The lines an action posts: the document's item lines as read (description, quantity, rate,
//! amount), or — when no item table was read — one line for the whole document (its subtotal
//! when tax is printed apart, else its total). Whether line amounts are net (tax posted apart)
//! or gross follows from which of subtotal and total they add up to. Accounts, classes, tax codes
//! and items are decided later ([`super::presets`], [`super::accounts`]).

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

use crate::extract::money::{self, cents, decimal};

/// How a line's account was decided.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AccountChoice {
    pub name: String,
    /// `business_rule`, `memory`, `fixed_asset_rule`, `prepaid_rule`, `inventory_item`,
    /// `history`, `keywords`, `model`.
    pub method: String,
    pub confidence: i64,
    /// What decided it, in words ("from 14 of 15 posted lines of this vendor").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

/// One line as an action posts it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Line {
    pub description: String,
    #[serde(serialize_with = "money::serialize_opt")]
    pub quantity: Option<Decimal>,
    #[serde(serialize_with = "money::serialize_opt")]
    pub rate: Option<Decimal>,
    #[serde(serialize_with = "money::serialize")]
    pub amount: Decimal,
    /// Text printed under the line (notes), used to choose its account.
    #[serde(skip)]
    pub details: String,
    /// The account (purchase lines).
    pub account: Option<AccountChoice>,
    /// The class (QuickBooks class tracking), from the business's rules or memory.
    pub class: Option<String>,
    /// The tax code, from the business's rules or memory.
    pub tax_code: Option<String>,
    /// The inventory item a purchase line buys (an item line, not an expense line).
    pub item: Option<String>,
}

impl Line {
    /// A line with only its text and amount (no quantity, rate, account, class, tax code or
    /// item yet).
    pub fn new(
        description: impl Into<String>,
        details: impl Into<String>,
        amount: Decimal,
    ) -> Line {
        Line {
            description: description.into(),
            quantity: None,
            rate: None,
            amount,
            details: details.into(),
            account: None,
            class: None,
            tax_code: None,
            item: None,
        }
    }
}

/// The lines of a document.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Lines {
    pub lines: Vec<Line>,
    /// Line amounts exclude the tax (it is posted apart).
    pub net: bool,
    /// The lines were read from an item table (not one line for the document).
    pub itemised: bool,
}

/// `a` within 0.01 per line + 0.01 of `b`.
fn close(a: Decimal, b: Option<Decimal>, n: usize) -> bool {
    b.is_some_and(|b| (a - b).abs() <= cents(n as i64 + 1))
}

/// The lines of `extracted`, amounts as they add up, no accounts yet. A bank statement's lines
/// are its transactions, kept as read (they add up to no total).
pub fn read_lines(extracted: &Value, counterparty: &str) -> Lines {
    let (sub, tax, total) = (
        decimal(&extracted["subtotal"]),
        decimal(&extracted["tax"]).filter(|t| !t.is_zero()),
        decimal(&extracted["total"]),
    );
    let items: Vec<Line> = extracted["line_items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| {
            Some(Line {
                description: l["description"].as_str().unwrap_or("").to_string(),
                quantity: decimal(&l["quantity"]),
                rate: decimal(&l["unit_price"]),
                amount: decimal(&l["amount"])?,
                details: l["details"].as_str().unwrap_or("").to_string(),
                account: None,
                class: None,
                tax_code: None,
                item: None,
            })
        })
        .collect();
    if extracted["document_type"] == "bank_statement" && !items.is_empty() {
        return Lines {
            lines: items,
            net: false,
            itemised: true,
        };
    }
    let sum: Decimal = items.iter().map(|l| l.amount).sum();
    if !items.is_empty() && (close(sum, total, items.len()) || close(sum, sub, items.len())) {
        let net = tax.is_some() && close(sum, sub, items.len()) && !close(sum, total, items.len());
        return Lines {
            lines: items,
            net,
            itemised: true,
        };
    }
    let kind = extracted["document_type"]
        .as_str()
        .unwrap_or("document")
        .replace('_', " ");
    let number = extracted["invoice_number"].as_str().unwrap_or("");
    let description = format!("{kind} {number} — {counterparty}")
        .replace("  ", " ")
        .trim()
        .to_string();
    let (amount, net) = match (sub, tax, total) {
        (Some(s), Some(_), _) => (s, true),
        (_, _, Some(t)) => (t, false),
        (Some(s), None, None) => (s, false),
        _ => (Decimal::ZERO, false),
    };
    Lines {
        lines: vec![Line {
            description,
            quantity: None,
            rate: None,
            amount,
            details: String::new(),
            account: None,
            class: None,
            tax_code: None,
            item: None,
        }],
        net,
        itemised: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lines_add_up_net_or_gross_or_become_one_line() {
        let x = json!({"document_type": "invoice", "invoice_number": "7", "subtotal": 100.0, "tax": 20.0, "total": 120.0,
            "line_items": [{"description": "A", "quantity": 1, "unit_price": 60, "amount": 60.0},
                           {"description": "B", "quantity": null, "unit_price": null, "amount": 40.0}]});
        let l = read_lines(&x, "Acme");
        assert!(l.itemised && l.net);
        assert_eq!(l.lines.len(), 2);
        let mut y = x.clone();
        y["line_items"] = json!([{"description": "A", "amount": 120.0}]);
        let l = read_lines(&y, "Acme");
        assert!(l.itemised && !l.net);
        y["line_items"] = json!([{"description": "A", "amount": 7.0}]);
        let l = read_lines(&y, "Acme");
        assert!(!l.itemised && l.net);
        assert_eq!(
            (l.lines[0].description.as_str(), l.lines[0].amount),
            ("invoice 7 — Acme", Decimal::ONE_HUNDRED)
        );
    }
}
