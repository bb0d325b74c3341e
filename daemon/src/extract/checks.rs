//! Arithmetic checks on extracted fields: line items ≈ subtotal, subtotal + tax ≈ total,
//! due date ≥ issue date. Tolerance: 0.01 per line item, at least 0.02 (rounding on printed
//! invoices). A failed check is a warning carried with the result, never a silent fix. Sums are
//! decimals (`rust_decimal`, each amount from its printed form), not floats.

use rust_decimal::Decimal;
use serde_json::Value;

use super::money::decimal;

fn close(a: Decimal, b: Decimal, tol: Decimal) -> bool {
    (a - b).abs() <= tol
}

/// Warnings for the extracted document `doc` (shape of `extracted_document.schema.json`).
pub fn arithmetic_warnings(doc: &Value) -> Vec<String> {
    let mut w = Vec::new();
    let subtotal = decimal(&doc["subtotal"]);
    let tax = decimal(&doc["tax"]);
    let total = decimal(&doc["total"]);
    let lines: Vec<Decimal> = doc["line_items"]
        .as_array()
        .map(|a| a.iter().filter_map(|l| decimal(&l["amount"])).collect())
        .unwrap_or_default();
    if let (Some(s), false) = (subtotal, lines.is_empty()) {
        let sum: Decimal = lines.iter().sum();
        let tol = Decimal::new(lines.len().max(2) as i64, 2);
        if !close(sum, s, tol) {
            w.push(format!(
                "line items add up to {sum:.2}, but the subtotal is {s:.2}"
            ));
        }
    }
    if let (Some(s), Some(t), Some(tot)) = (subtotal, tax, total) {
        if !close(s + t, tot, Decimal::new(2, 2)) {
            w.push(format!(
                "subtotal {s:.2} + tax {t:.2} = {:.2}, but the total is {tot:.2}",
                s + t
            ));
        }
    }
    if let (Some(s), None, Some(tot)) = (subtotal, tax, total) {
        // A net that is not the total with no tax read: the difference is unaccounted for
        // (a tax, a charge or a discount the reading missed).
        if !close(s, tot, Decimal::new(2, 2)) {
            w.push(format!(
                "the subtotal {s:.2} is not the total {tot:.2}, and no tax is read"
            ));
        }
    }
    if total.is_none() {
        w.push("no total amount found".into());
    }
    if let (Some(issue), Some(due)) = (doc["issue_date"].as_str(), doc["due_date"].as_str()) {
        if due < issue {
            w.push(format!("due date {due} is before issue date {issue}"));
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn consistent_invoice_has_no_warnings() {
        let d = json!({"subtotal": 100.0, "tax": 8.25, "total": 108.25, "issue_date": "2024-01-01", "due_date": "2024-01-31",
            "line_items": [{"amount": 60.0}, {"amount": 40.0}]});
        assert!(arithmetic_warnings(&d).is_empty());
    }

    #[test]
    fn sums_are_decimal() {
        // 0.1 + 0.2 ≠ 0.3 in binary floating point; in decimals it is exact.
        let d = json!({"subtotal": 0.3, "tax": 0.0, "total": 0.3,
            "line_items": [{"amount": 0.1}, {"amount": 0.2}]});
        assert!(arithmetic_warnings(&d).is_empty());
        assert_eq!(decimal(&json!(1234.56)).unwrap().to_string(), "1234.56");
    }

    #[test]
    fn each_inconsistency_is_reported() {
        let d = json!({"subtotal": 100.0, "tax": 8.25, "total": 110.0, "issue_date": "2024-02-01", "due_date": "2024-01-31",
            "line_items": [{"amount": 60.0}, {"amount": 30.0}]});
        let w = arithmetic_warnings(&d);
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w[0].contains("90.00") && w[1].contains("110.00") && w[2].contains("before"));
        // A net that is not the total and no tax: one warning; a net equal to it: none.
        let d = json!({"subtotal": 12.97, "tax": null, "total": 17.33});
        assert_eq!(arithmetic_warnings(&d).len(), 1);
        let d = json!({"subtotal": 17.33, "tax": null, "total": 17.33});
        assert!(arithmetic_warnings(&d).is_empty());
    }
}
