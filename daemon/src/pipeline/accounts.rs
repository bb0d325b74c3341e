//! The lines an action posts and the account each goes to.
//!
//! Lines are the document's item lines as read (description, quantity, rate, amount), or — when
//! no item table was read — one line for the whole document (its subtotal when tax is printed
//! apart, else its total). Whether line amounts are net (tax posted apart) or gross follows from
//! which of subtotal and total they add up to.
//!
//! Purchase lines go to an expense account of the business's chart ([`super::chart`]), decided
//! in this order:
//! 1. **fixed asset** (Stage 2.6): a line at or above the profile's `fixed_asset_threshold` that
//!    names equipment goes to the fixed-asset account;
//! 2. **keywords**: the chart's keywords found in the line's description and the counterparty's
//!    name; one account ahead of the others decides (confidence 80);
//! 3. **judgment**: otherwise the model chooses among the tied accounts (or all expense
//!    accounts when no keyword matched) by scoring them ([`super::judge`]); confidence from its
//!    margin, at most 75.
//!
//! Sales lines name an item by their description (QuickBooks sales forms post items, whose
//! income account is the item's).

use std::collections::BTreeMap;

use anyhow::Result;
use serde::Serialize;
use serde_json::Value;

use super::chart::{Account, Chart, Side};
use super::judge::{self, Question};
use super::llm_json::StageMetrics;
use super::profile::BusinessProfile;
use super::prompts::Prompts;
use crate::extract::read::fold::{fold, has_words};
use crate::llm::EngineHandle;

/// How a line's account was decided.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AccountChoice {
    pub name: String,
    /// `fixed_asset_rule`, `keywords`, `model`, `memory`.
    pub method: String,
    pub confidence: i64,
}

/// One line as an action posts it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Line {
    pub description: String,
    pub quantity: Option<f64>,
    pub rate: Option<f64>,
    pub amount: f64,
    /// Text printed under the line (notes), used to choose its account.
    #[serde(skip)]
    pub details: String,
    /// The account (purchase lines).
    pub account: Option<AccountChoice>,
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

fn close(a: f64, b: Option<f64>, n: usize) -> bool {
    b.is_some_and(|b| (a - b).abs() <= 0.01 * n as f64 + 0.01)
}

/// The lines of `extracted`, amounts as they add up, no accounts yet. A bank statement's lines
/// are its transactions, kept as read (they add up to no total).
pub fn read_lines(extracted: &Value, counterparty: &str) -> Lines {
    let (sub, tax, total) = (
        extracted["subtotal"].as_f64(),
        extracted["tax"].as_f64().filter(|t| t.abs() > 0.005),
        extracted["total"].as_f64(),
    );
    let items: Vec<Line> = extracted["line_items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| {
            Some(Line {
                description: l["description"].as_str().unwrap_or("").to_string(),
                quantity: l["quantity"].as_f64(),
                rate: l["unit_price"].as_f64(),
                amount: l["amount"].as_f64()?,
                details: l["details"].as_str().unwrap_or("").to_string(),
                account: None,
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
    let sum: f64 = items.iter().map(|l| l.amount).sum();
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
        _ => (0.0, false),
    };
    Lines {
        lines: vec![Line {
            description,
            quantity: None,
            rate: None,
            amount,
            details: String::new(),
            account: None,
        }],
        net,
        itemised: false,
    }
}

/// What deciding line accounts needs.
pub struct AccountsInput<'a> {
    pub profile: &'a BusinessProfile,
    pub chart: &'a Chart,
    pub counterparty: &'a str,
    /// The document's currency, for the judgment's context.
    pub currency: &'a str,
}

/// Words of equipment bought as a fixed asset (the fixed-asset account's keywords).
fn is_equipment(chart: &Chart, text: &str) -> bool {
    let f = fold(text);
    chart
        .role("fixed_asset_account")
        .is_some_and(|a| a.keywords.iter().any(|k| has_words(&f, k)))
}

fn keyword_choice(options: &[&Account], text: &str) -> Option<AccountChoice> {
    let ranked = Chart::ranked(options, text);
    match ranked.as_slice() {
        [(a, _)] => Some(AccountChoice {
            name: a.name.clone(),
            method: "keywords".into(),
            confidence: 80,
        }),
        [(a, n), (_, m), ..] if n > m => Some(AccountChoice {
            name: a.name.clone(),
            method: "keywords".into(),
            confidence: 80,
        }),
        _ => None,
    }
}

/// Decide the account of every purchase line of `lines` (in place).
pub fn decide(
    engine: &EngineHandle,
    prompts: &Prompts,
    input: &AccountsInput<'_>,
    lines: &mut Lines,
    metrics: &mut Vec<StageMetrics>,
) -> Result<()> {
    let options = input.chart.for_lines(Side::Expense);
    let mut decided: BTreeMap<String, AccountChoice> = BTreeMap::new();
    for line in &mut lines.lines {
        let text = format!(
            "{} {} {}",
            line.description, line.details, input.counterparty
        );
        if let Some(c) = decided.get(&line.description) {
            line.account = Some(c.clone());
            continue;
        }
        let threshold = input.profile.fixed_asset_threshold;
        let choice =
            if threshold.is_some_and(|t| line.amount >= t) && is_equipment(input.chart, &text) {
                let a = input
                    .chart
                    .role("fixed_asset_account")
                    .expect("checked by is_equipment");
                AccountChoice {
                    name: a.name.clone(),
                    method: "fixed_asset_rule".into(),
                    confidence: 85,
                }
            } else if let Some(c) = keyword_choice(&options, &text) {
                c
            } else {
                judged(engine, prompts, input, &options, line, metrics)?
            };
        decided.insert(line.description.clone(), choice.clone());
        line.account = Some(choice);
    }
    Ok(())
}

/// The model's choice among the tied accounts, or all of them.
fn judged(
    engine: &EngineHandle,
    prompts: &Prompts,
    input: &AccountsInput<'_>,
    options: &[&Account],
    line: &Line,
    metrics: &mut Vec<StageMetrics>,
) -> Result<AccountChoice> {
    let text = format!(
        "{} {} {}",
        line.description, line.details, input.counterparty
    );
    let ranked = Chart::ranked(options, &text);
    let top = ranked.first().map(|r| r.1).unwrap_or(0);
    let names: Vec<String> = if top > 0 {
        ranked
            .iter()
            .filter(|r| r.1 == top)
            .map(|r| r.0.name.clone())
            .collect()
    } else {
        options.iter().map(|a| a.name.clone()).collect()
    };
    let c = judge::choose(
        engine,
        prompts,
        Question {
            stage: "judge:line_account".into(),
            business: &input.profile.name,
            context: format!(
                "A purchase from {}: \"{}\"{}, {:.2} {}.",
                input.counterparty,
                line.description,
                if line.details.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", line.details)
                },
                line.amount,
                input.currency
            ),
            question: "Which expense account of the chart of accounts does this purchase go to?",
            options: names,
        },
        metrics,
    )?;
    Ok(AccountChoice {
        name: c.option.clone(),
        method: "model".into(),
        confidence: c.confidence().min(75),
    })
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
            ("invoice 7 — Acme", 100.0)
        );
    }

    #[test]
    fn keywords_decide_when_one_account_leads() {
        let c = Chart::for_business(&BusinessProfile::named("x")).unwrap();
        let opts = c.for_lines(Side::Expense);
        assert_eq!(
            keyword_choice(&opts, "Hotel room 2 nights").unwrap().name,
            "Travel"
        );
        assert_eq!(
            keyword_choice(&opts, "Printer toner cartridges Office Depot")
                .unwrap()
                .name,
            "Office Supplies & Software"
        );
        assert!(is_equipment(&c, "Dell server R750"));
    }
}
