//! Validation of a mapped action, computed — never generated:
//! - `all_required_fields_present`: every required field of the registry action has a value;
//! - `total_amount_matches`: the lines (plus the tax posted apart, when they are net) add up to
//!   the document's total within 0.01 per line, or, for actions without lines, the mapped amount
//!   is the total;
//! - `tax_calculation_correct`: subtotal + tax = total (±0.02) and each VAT breakdown entry's
//!   rate × taxable amount = its tax (±0.02 per entry), where the document states them;
//! - `warnings`: each failed check in words, plus a due date before the issue date.
//!
//! `checked` lists the checks that had something to check. The arithmetic is in decimals
//! (`rust_decimal`, each amount taken from its printed form), so 0.1 + 0.2 is 0.3.

use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use super::input::Stage2Input;
use crate::extract::money::decimal;
use crate::pipeline::registry::Action;

fn close(a: Decimal, b: Decimal, tol: Decimal) -> bool {
    (a - b).abs() <= tol
}

/// The action's lines field (QuickBooks' `Line`, Zoho Books' `line_items`): the field whose
/// value source is `lines:*`, if it has one.
pub(super) fn lines_field(action: &Action) -> Option<&str> {
    action
        .required_fields
        .iter()
        .chain(&action.optional_fields)
        .find(|f| f.source.starts_with("lines:"))
        .map(|f| f.name.as_str())
}

/// `n` hundredths.
fn cents(n: usize) -> Decimal {
    Decimal::new(n as i64, 2)
}

/// The `validation` object of one mapping.
pub fn validate(
    input: &Stage2Input<'_>,
    action: &Action,
    fields: &Map<String, Value>,
    missing: &[String],
) -> Value {
    let x = input.extracted;
    let total = decimal(&x["total"]);
    let mut warnings: Vec<String> = missing
        .iter()
        .map(|f| format!("{}: required field {f} has no value", action.name))
        .collect();
    let mut checked = Vec::new();
    // A statement's transactions add up to no total.
    let transactions = action
        .required_fields
        .iter()
        .any(|f| f.source == "lines:transactions");
    let lines = lines_field(action)
        .and_then(|n| fields.get(n))
        .and_then(Value::as_array);
    let amount_ok = match (lines, total) {
        (Some(_), _) if transactions => true,
        (Some(lines), Some(t)) => {
            checked.push("lines add up to the total");
            let sum: Decimal = lines.iter().filter_map(|l| decimal(&l["amount"])).sum();
            let tax = if input.lines.net {
                decimal(&x["tax"]).unwrap_or_default()
            } else {
                Decimal::ZERO
            };
            let ok = close(sum + tax, t, cents(lines.len() + 1));
            if !ok {
                warnings.push(format!(
                    "{}: the lines add up to {:.2}{} but the total is {t:.2}",
                    action.name,
                    sum,
                    if !tax.is_zero() {
                        format!(" + tax {tax:.2}")
                    } else {
                        String::new()
                    }
                ));
            }
            ok
        }
        (None, Some(t)) => {
            let amount = ["TotalAmt", "Amount", "PaymentAmount", "amount"]
                .iter()
                .find_map(|k| fields.get(*k).and_then(decimal));
            match amount {
                Some(a) => {
                    checked.push("amount is the total");
                    close(a, t, cents(1))
                }
                None => true,
            }
        }
        (_, None) => {
            warnings.push(format!("{}: the document's total is unknown", action.name));
            false
        }
    };
    let tax_ok = tax_ok(x, &mut checked, &mut warnings);
    if let (Some(i), Some(d)) = (x["issue_date"].as_str(), x["due_date"].as_str()) {
        if d < i {
            warnings.push(format!("due date {d} is before the issue date {i}"));
        }
    }
    json!({
        "total_amount_matches": amount_ok,
        "all_required_fields_present": missing.is_empty(),
        "tax_calculation_correct": tax_ok,
        "warnings": warnings,
        "checked": checked,
    })
}

fn tax_ok(x: &Value, checked: &mut Vec<&'static str>, warnings: &mut Vec<String>) -> bool {
    let mut ok = true;
    if let (Some(s), Some(t), Some(tot)) = (
        decimal(&x["subtotal"]),
        decimal(&x["tax"]),
        decimal(&x["total"]),
    ) {
        checked.push("subtotal + tax = total");
        if !close(s + t, tot, cents(2)) {
            ok = false;
            warnings.push(format!(
                "subtotal {s:.2} + tax {t:.2} = {:.2}, but the total is {tot:.2}",
                s + t
            ));
        }
    }
    for b in x["tax_breakdown"].as_array().into_iter().flatten() {
        if let (Some(r), Some(base), Some(tax)) = (
            decimal(&b["rate"]),
            decimal(&b["taxable_amount"]),
            decimal(&b["tax_amount"]),
        ) {
            checked.push("tax rate × taxable amount = tax");
            let expected = base * r / Decimal::ONE_HUNDRED;
            if !close(expected, tax, cents(2)) {
                ok = false;
                warnings.push(format!(
                    "{r}% of {base:.2} is {:.2}, but the tax is {tax:.2}",
                    expected.round_dp(2)
                ));
            }
        }
    }
    ok
}
