//! Scoring one stored document against its label (`labels.json` of the corpus or of
//! `tests/evalset`): the PRIMARY action, review routing, header fields, lines and the PRIMARY
//! action's required Stage 2 fields.
//!
//! Matching: dates equal; amounts within 0.01; names and numbers equal after case, accents,
//! whitespace and punctuation are removed (`Amazon Web Services, Inc.` = `amazon web services
//! inc`); lookups `{{lookup:Entity:Name}}` by entity and name; lines by their amounts in order.

use serde::Serialize;
use serde_json::Value;

use crate::extract::read::fold::key;

/// How one document scored.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Score {
    /// `Some(right)` when the label names accepted PRIMARY actions.
    pub primary: Option<bool>,
    /// `Some(right)` when the label expects review (a non-financial document).
    pub review: Option<bool>,
    /// Header fields right / labelled, and the names of the wrong ones.
    pub fields_ok: usize,
    pub fields_total: usize,
    pub field_misses: Vec<String>,
    /// Lines right (`None` when not labelled).
    pub lines: Option<bool>,
    /// Required Stage 2 fields right / labelled, and the wrong ones.
    pub stage2_ok: usize,
    pub stage2_total: usize,
    pub stage2_misses: Vec<String>,
    /// Line accounts (purchase lines labelled with their account): right / labelled, and of
    /// those decided by the model.
    pub accounts: (usize, usize),
    pub accounts_by_model: (usize, usize),
    /// The document is right as a whole: PRIMARY, header fields and Stage 2 fields.
    pub right: bool,
}

pub(super) fn amount_eq(a: &Value, b: &Value) -> bool {
    matches!((a.as_f64(), b.as_f64()), (Some(x), Some(y)) if (x - y).abs() <= 0.011)
}

/// Review reasons about line accounts: the books' part (history, memory, approvals), not the
/// reading's (`pipeline::result`).
const ACCOUNT_REASONS: &[&str] = &[
    "a line's account was judged by the model",
    "without an account",
];

/// Whether stored `row` is classified, or in review only because of its line accounts: the
/// reading settled every field, the direction is decided and the PRIMARY action comes from the
/// decision table (the reading issue's "classified", measured apart from the books).
pub(super) fn settled_but_accounts(row: &Value) -> bool {
    if row["status"] == "classified" {
        return true;
    }
    let reasons = row["result"]["review_reasons"].as_array();
    row["status"] == "preview_required"
        && reasons.is_some_and(|r| {
            !r.is_empty()
                && r.iter().all(|x| {
                    x.as_str()
                        .is_some_and(|x| ACCOUNT_REASONS.iter().any(|a| x.contains(a)))
                })
        })
}

pub(super) fn text_eq(a: &Value, b: &Value) -> bool {
    match (a.as_str(), b.as_str()) {
        (Some(x), Some(y)) => !key(x).is_empty() && key(x) == key(y),
        _ => false,
    }
}

fn get<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(v, |v, k| &v[k])
}

/// A labelled field (evalset names: `invoice_number`, `issue_date`, `from.name` …) against the
/// extracted document.
fn field_ok(x: &Value, name: &str, want: &Value) -> bool {
    let got = get(x, name);
    if want.is_number() {
        amount_eq(got, want)
    } else {
        got == want || text_eq(got, want)
    }
}

/// A corpus ground-truth field (`fields/<stem>.json`: `[name, type, value]`).
fn corpus_field_ok(x: &Value, name: &str, kind: &str, want: &Value) -> bool {
    match name {
        "invoice_number" => text_eq(&x["invoice_number"], want),
        "date" => x["issue_date"] == *want,
        "date_due" => x["due_date"] == *want,
        "amount" => amount_eq(&x["total"], want),
        "amount_untaxed" => amount_eq(&x["subtotal"], want),
        "partner_name" => text_eq(&x["from"]["name"], want),
        "vat" | "gstin" => text_eq(&x["from"]["tax_id"], want) || text_eq(&x["to"]["tax_id"], want),
        _ if kind == "amount" => false,
        _ => {
            text_eq(&x["invoice_number"], want)
                || x["reference_numbers"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|r| text_eq(&r["value"], want))
        }
    }
}

/// Whether mapped value `got` is the expected `want` (a lookup `{"lookup": [entity, name]}`,
/// lines `{"amounts": [...]}`, a number, or a string).
fn stage2_ok(got: &Value, want: &Value) -> bool {
    if let Some(l) = want.get("lookup").and_then(Value::as_array) {
        let (entity, name) = (l[0].as_str().unwrap_or(""), &l[1]);
        let Some(s) = got
            .as_str()
            .and_then(|s| s.strip_prefix("{{lookup:"))
            .and_then(|s| s.strip_suffix("}}"))
        else {
            return false;
        };
        return s
            .split_once(':')
            .is_some_and(|(e, n)| e == entity && text_eq(&Value::from(n), name));
    }
    if let Some(amounts) = want.get("amounts").and_then(Value::as_array) {
        let got: Vec<&Value> = got
            .as_array()
            .map(|a| a.iter().map(|l| &l["amount"]).collect())
            .unwrap_or_default();
        return got.len() == amounts.len() && got.iter().zip(amounts).all(|(g, w)| amount_eq(g, w));
    }
    if want.is_number() {
        return amount_eq(got, want);
    }
    got == want || text_eq(got, want)
}

/// The PRIMARY actions a document's `label` accepts (`primary_any_of`), first the preferred.
pub fn accepted_primaries(label: &Value) -> Vec<&str> {
    label["primary_any_of"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// Score the stored document `row` against `label`; `truth` is the corpus's ground-truth file
/// when the label points to one.
pub fn score(row: &Value, label: &Value, truth: Option<&Value>) -> Score {
    let mut s = Score::default();
    let result = &row["result"];
    let primary = result["primary_action"].as_str();
    let accepted = accepted_primaries(label);
    if !accepted.is_empty() {
        s.primary = Some(primary.is_some_and(|p| accepted.contains(&p)));
    }
    if label["expect_preview"] == true {
        let status = row["status"].as_str().unwrap_or("");
        s.review = Some(status != "classified" && primary.is_none());
    }
    let x = &row["extracted"];
    if let Some(fields) = label["fields"].as_object() {
        for (name, want) in fields {
            s.fields_total += 1;
            if field_ok(x, name, want) {
                s.fields_ok += 1;
            } else {
                s.field_misses.push(name.clone());
            }
        }
    } else if let Some(t) = truth.and_then(Value::as_array) {
        for f in t {
            let (name, kind, want) = (
                f[0].as_str().unwrap_or(""),
                f[1].as_str().unwrap_or(""),
                &f[2],
            );
            if name.starts_with("line") {
                continue;
            }
            s.fields_total += 1;
            if corpus_field_ok(x, name, kind, want) {
                s.fields_ok += 1;
            } else {
                s.field_misses.push(name.to_string());
            }
        }
    }
    if let Some(lines) = label["lines"].as_array().filter(|l| !l.is_empty()) {
        let got: Vec<&Value> = x["line_items"]
            .as_array()
            .map(|a| a.iter().map(|l| &l["amount"]).collect())
            .unwrap_or_default();
        s.lines = Some(
            got.len() == lines.len()
                && got
                    .iter()
                    .zip(lines)
                    .all(|(g, w)| amount_eq(g, &w["amount"])),
        );
    }
    let mapping = result["suggested_actions"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["action_type"] == "PRIMARY"))
        .map(|a| &a["field_mappings"]);
    if let Some(expected) = label["stage2"].as_object() {
        for (field, want) in expected {
            s.stage2_total += 1;
            if mapping.is_some_and(|m| stage2_ok(&m[field], want)) {
                s.stage2_ok += 1;
            } else {
                s.stage2_misses.push(field.clone());
            }
        }
    }
    score_accounts(&mut s, mapping, label);
    s.right = s.primary.unwrap_or(true)
        && s.review.unwrap_or(true)
        && s.fields_ok == s.fields_total
        && s.stage2_ok == s.stage2_total;
    s
}

/// The PRIMARY's line accounts against the labelled ones (same number of lines only).
fn score_accounts(s: &mut Score, mapping: Option<&Value>, label: &Value) {
    let want: Vec<&str> = label["lines"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["account"].as_str())
        .collect();
    let got = mapping.and_then(|m| m["Line"].as_array());
    let (Some(got), false) = (got, want.is_empty()) else {
        return;
    };
    if got.len() != want.len() || got.iter().any(|l| l["account"].is_null()) {
        return;
    }
    for (g, w) in got.iter().zip(want) {
        let ok = stage2_ok(
            &g["account"],
            &serde_json::json!({"lookup": ["Account", w]}),
        );
        s.accounts.0 += ok as usize;
        s.accounts.1 += 1;
        if g["account_decided_by"] == "model" {
            s.accounts_by_model.0 += ok as usize;
            s.accounts_by_model.1 += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lookups_lines_and_names_match_loosely_amounts_exactly() {
        assert!(stage2_ok(
            &json!("{{lookup:Vendor:Amazon Web Services, Inc.}}"),
            &json!({"lookup": ["Vendor", "amazon web services inc"]})
        ));
        assert!(!stage2_ok(
            &json!("{{lookup:Customer:Acme}}"),
            &json!({"lookup": ["Vendor", "Acme"]})
        ));
        assert!(stage2_ok(
            &json!([{"amount": 120.0}, {"amount": 7.5}]),
            &json!({"amounts": [120.0, 7.5]})
        ));
        assert!(!stage2_ok(
            &json!([{"amount": 127.5}]),
            &json!({"amounts": [120.0, 7.5]})
        ));
        let row = json!({"status": "preview_required", "result": {"primary_action": "createBill",
            "suggested_actions": [{"action_type": "PRIMARY", "field_mappings": {"TxnDate": "2022-01-01"}}]},
            "extracted": {"total": 127.5, "from": {"name": "Sammy Maystone"}}});
        let label = json!({"primary_any_of": ["createBill"], "fields": {"total": 127.5, "from.name": "SAMMY MAYSTONE"},
            "stage2": {"TxnDate": "2022-01-01"}});
        let s = score(&row, &label, None);
        assert!(s.right && s.primary == Some(true) && s.fields_ok == 2 && s.stage2_ok == 1);
    }

    #[test]
    fn a_document_in_review_only_for_its_line_accounts_counts_as_reading_settled() {
        let row = |status: &str, reasons: Value| json!({"status": status, "result": {"review_reasons": reasons}});
        assert!(settled_but_accounts(&row("classified", json!([]))));
        let accounts = json!(["a line's account was judged by the model"]);
        assert!(settled_but_accounts(&row("preview_required", accounts)));
        let both = json!([
            "a line's account was judged by the model",
            "total not settled (joint score)"
        ]);
        assert!(!settled_but_accounts(&row("preview_required", both)));
        assert!(!settled_but_accounts(&row("preview_required", json!([]))));
        assert!(!settled_but_accounts(&row("failed", json!(null))));
    }
}
