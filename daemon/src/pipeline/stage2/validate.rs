//! Validation of a mapped action, computed — never generated:
//! - `all_required_fields_present`: every required field of the registry action has a value;
//! - `total_amount_matches`: the lines (plus the tax posted apart, when they are net) add up to
//!   the document's total within 0.01 per line, or, for actions without lines, the mapped amount
//!   is the total;
//! - `tax_calculation_correct`: subtotal + tax = total (±0.02) and each VAT breakdown entry's
//!   rate × taxable amount = its tax (±0.02 per entry), where the document states them;
//! - `warnings`: each failed check in words, plus a due date before the issue date.
//!
//! `checked` lists the checks that had something to check.

use serde_json::{json, Map, Value};

use super::input::Stage2Input;
use crate::pipeline::registry::Action;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol + 1e-9
}

/// The `validation` object of one mapping.
pub fn validate(
    input: &Stage2Input<'_>,
    action: &Action,
    fields: &Map<String, Value>,
    missing: &[String],
) -> Value {
    let x = input.extracted;
    let total = x["total"].as_f64();
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
    let amount_ok = match (fields.get("Line").and_then(Value::as_array), total) {
        (Some(_), _) if transactions => true,
        (Some(lines), Some(t)) => {
            checked.push("lines add up to the total");
            let sum: f64 = lines.iter().filter_map(|l| l["amount"].as_f64()).sum();
            let tax = if input.lines.net {
                x["tax"].as_f64().unwrap_or(0.0)
            } else {
                0.0
            };
            let ok = close(sum + tax, t, 0.01 * lines.len() as f64 + 0.01);
            if !ok {
                warnings.push(format!(
                    "{}: the lines add up to {:.2}{} but the total is {t:.2}",
                    action.name,
                    sum,
                    if tax != 0.0 {
                        format!(" + tax {tax:.2}")
                    } else {
                        String::new()
                    }
                ));
            }
            ok
        }
        (None, Some(t)) => {
            let amount = ["TotalAmt", "Amount", "PaymentAmount"]
                .iter()
                .find_map(|k| fields.get(*k).and_then(Value::as_f64));
            match amount {
                Some(a) => {
                    checked.push("amount is the total");
                    close(a, t, 0.01)
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
        x["subtotal"].as_f64(),
        x["tax"].as_f64(),
        x["total"].as_f64(),
    ) {
        checked.push("subtotal + tax = total");
        if !close(s + t, tot, 0.02) {
            ok = false;
            warnings.push(format!(
                "subtotal {s:.2} + tax {t:.2} = {:.2}, but the total is {tot:.2}",
                s + t
            ));
        }
    }
    for b in x["tax_breakdown"].as_array().into_iter().flatten() {
        if let (Some(r), Some(base), Some(tax)) = (
            b["rate"].as_f64(),
            b["taxable_amount"].as_f64(),
            b["tax_amount"].as_f64(),
        ) {
            checked.push("tax rate × taxable amount = tax");
            if !close(base * r / 100.0, tax, 0.02) {
                ok = false;
                warnings.push(format!(
                    "{r}% of {base:.2} is {:.2}, but the tax is {tax:.2}",
                    base * r / 100.0
                ));
            }
        }
    }
    ok
}
