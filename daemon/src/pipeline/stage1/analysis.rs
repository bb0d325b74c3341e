//! The semantic analysis of Stage 1 and the whole output in the contract's shape, from what the
//! rules read and decided: amounts, dates, the counterparty, the special flags (inventory, fixed
//! asset, prepaid, foreign currency, payment shown), the factors behind the confidence, the data
//! that is missing and the assumptions made.

use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::super::decisions::Rule;
use super::input::Stage1Input;
use crate::extract::money::decimal;
use crate::extract::read::fold::{fold, has_words};

/// Words that mark a prepayment for a service period.
const PERIOD_WORDS: &[&str] = &[
    "annual",
    "yearly",
    "12 months",
    "subscription",
    "per year",
    "abonnement annuel",
    "annuel",
    "jahresabo",
    "jahrlich",
    "12 monate",
    "anual",
    "suscripcion anual",
    "annuale",
    "12 mesi",
];

fn flags(input: &Stage1Input<'_>, paid: bool) -> Value {
    let x = input.extracted;
    let p = input.profile;
    let lines = x["line_items"].as_array().cloned().unwrap_or_default();
    let amounts: Vec<Decimal> = if lines.is_empty() {
        decimal(&x["total"]).into_iter().collect()
    } else {
        lines.iter().filter_map(|l| decimal(&l["amount"])).collect()
    };
    let incoming = input.sides.direction == "incoming";
    let text = fold(input.text);
    let currency = x["currency"].as_str();
    json!({
        "has_inventory_items": p.has_inventory == Some(true) && lines.iter().any(|l| decimal(&l["quantity"]).is_some_and(|q| q >= Decimal::ONE)),
        "is_fixed_asset": incoming && p.fixed_asset_threshold.is_some_and(|t| amounts.iter().any(|a| *a >= t)),
        "is_prepaid": incoming && p.prepaid_threshold.is_some_and(|t| decimal(&x["total"]).is_some_and(|v| v >= t))
            && PERIOD_WORDS.iter().any(|w| has_words(&text, w)),
        "multi_currency": matches!((currency, p.currency.as_deref()), (Some(a), Some(b)) if a != b),
        "shows_payment_made": paid,
    })
}

fn missing(x: &Value, party: &Value) -> Vec<String> {
    let mut m = Vec::new();
    if x["total"].is_null() {
        m.push("total amount".to_string());
    }
    if x["issue_date"].is_null() {
        m.push("document date".to_string());
    }
    if party["name"].is_null() {
        m.push("counterparty name".to_string());
    }
    m
}

fn assumptions(input: &Stage1Input<'_>) -> Vec<String> {
    let x = input.extracted;
    let mut a = Vec::new();
    if x["currency"].is_null() {
        if let Some(c) = &input.profile.currency {
            a.push(format!(
                "currency not printed: the business's currency {c} assumed"
            ));
        }
    }
    if input.sides.confidence < 90 {
        a.push(format!(
            "direction {}: {}",
            input.sides.direction, input.sides.reason
        ));
    }
    a
}

/// The contract-shaped Stage 1 output.
pub(super) fn output(
    input: &Stage1Input<'_>,
    rule: &Rule,
    kind: &str,
    paid: bool,
    actions: Vec<Value>,
    overall: i64,
    kind_by: &str,
    party_known: bool,
) -> Value {
    let x = input.extracted;
    let party = &input.sides.counterparty;
    let currency = x["currency"]
        .as_str()
        .map(str::to_string)
        .or_else(|| input.profile.currency.clone());
    let mut factors = vec![
        format!("document kind {kind} ({kind_by})"),
        format!("{} ({})", input.sides.direction, input.sides.reason),
        format!(
            "payment: {}",
            x["payment"]["evidence"]
                .as_str()
                .unwrap_or(if paid { "paid" } else { "none shown" })
        ),
    ];
    if let Some(r) = &rule.review {
        factors.push(format!("no posting: {r}"));
    }
    json!({
        "semantic_analysis": {
            "document_type": kind,
            "transaction_category": rule.category,
            "document_direction": input.sides.direction,
            "transaction_nature": rule.nature,
            "primary_party": {"name": party["name"], "role": rule.party_role, "is_new": !party_known},
            "amounts": {"total": x["total"], "currency": currency, "tax": x["tax"], "subtotal": x["subtotal"]},
            "dates": {"document_date": x["issue_date"], "due_date": x["due_date"]},
            "special_flags": flags(input, paid),
            "line_items_count": x["line_items"].as_array().map_or(0, Vec::len),
            "confidence_factors": factors,
        },
        "suggested_actions": actions,
        "overall_confidence": overall,
        "missing_data": missing(x, party),
        "assumptions": assumptions(input),
    })
}
