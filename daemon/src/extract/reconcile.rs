//! Merging a model's reading into the rule reading ([`super::read`]), field by field. The rules
//! come first; the model only fills what they left empty, and only with what the document prints:
//!
//! | rule value | model value | kept | method | confidence |
//! |---|---|---|---|---|
//! | present | equal | the rule's | `llm+rule` | 95 |
//! | present | other or none | the rule's | `rule` | as read |
//! | none | printed in the text | the model's (names in their printed form) | `llm` | 75 |
//! | none | not printed | none — a warning says so | — | — |
//!
//! Line items: the rule table's rows when there is one, else the model's rows whose amounts are
//! printed. Reference numbers: the union of both, printed ones only. The currency is never taken
//! from the model (a code it writes need not be printed; the business's currency is the better
//! assumption). Then the arithmetic checks
//! ([`super::checks`]) apply to whatever was kept.

use serde_json::{json, Value};

use super::read::fold::fold_char;

/// Letters and digits, lower-cased, without diacritics, one char per char of `s` kept.
fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .map(fold_char)
        .collect()
}
use rust_decimal::Decimal;

use super::money::decimal;
use super::values::{amounts_in, dates_in};

/// What the text contains, for support checks.
struct Printed {
    norm_text: String,
    amounts: Vec<Decimal>,
    dates: Vec<String>,
}

impl Printed {
    fn new(text: &str, month_first: bool) -> Printed {
        let mut amounts = Vec::new();
        let mut dates = Vec::new();
        for l in text.lines() {
            amounts.extend(amounts_in(l));
            dates.extend(dates_in(l, month_first));
            // Day-first and month-first readings both count as printed.
            dates.extend(dates_in(l, !month_first));
        }
        Printed {
            norm_text: norm(text),
            amounts,
            dates,
        }
    }

    fn supports(&self, field: &str, v: &Value) -> bool {
        match (field, v) {
            (_, Value::Null) => false,
            ("issue_date" | "due_date", Value::String(d)) => self.dates.contains(d),
            (_, Value::Number(_)) => decimal(v).is_some_and(|x| {
                self.amounts
                    .iter()
                    .any(|a| (*a - x).abs() < Decimal::new(5, 3))
            }),
            (_, Value::String(s)) => {
                let n = norm(s);
                !n.is_empty() && self.norm_text.contains(&n)
            }
            _ => false,
        }
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(_), Value::Number(_)) => match (decimal(a), decimal(b)) {
            (Some(x), Some(y)) => (x - y).abs() < Decimal::new(5, 3),
            _ => false,
        },
        (Value::String(x), Value::String(y)) => norm(x) == norm(y),
        _ => false,
    }
}

/// Header fields merged one by one (dotted paths into the document).
const FIELDS: &[&str] = &[
    "invoice_number",
    "issue_date",
    "due_date",
    "subtotal",
    "tax",
    "total",
    "from.name",
    "from.address",
    "from.tax_id",
    "to.name",
    "to.address",
    "to.tax_id",
];

fn get<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(v, |v, k| &v[k])
}

fn set(v: &mut Value, path: &str, x: Value) {
    let mut cur = v;
    for k in path.split('.') {
        cur = &mut cur[k];
    }
    *cur = x;
}

/// Merge `model` (a model's extracted document) into `rules` in place; returns warnings for model
/// values that were not printed and so were not taken.
pub fn merge(rules: &mut Value, model: &Value, text: &str, month_first: bool) -> Vec<String> {
    let printed = Printed::new(text, month_first);
    let mut warnings = Vec::new();
    for &field in FIELDS {
        let (r, m) = (get(rules, field).clone(), get(model, field).clone());
        if m.is_null() {
            continue;
        }
        if !r.is_null() {
            if same(&r, &m) {
                rules["provenance"][field]["method"] = json!("llm+rule");
                rules["provenance"][field]["confidence"] = json!(95);
            }
            continue;
        }
        let kind = field.rsplit('.').next().unwrap_or(field);
        if !printed.supports(kind, &m) {
            warnings.push(format!(
                "{field}: the model read {m}, which is not printed in the document; left empty"
            ));
            continue;
        }
        let value = match (&m, kind) {
            (Value::String(s), "name") => json!(snap(text, s)
                .map(|n| super::einvoice::xml::clip(&n, 80))
                .unwrap_or_else(|| s.clone())),
            _ => m,
        };
        set(rules, field, value);
        rules["provenance"][field] = json!({"method": "llm", "confidence": 75});
    }
    merge_lists(rules, model, &printed);
    rules["extraction_method"] = json!("rules+llm");
    warnings
}

fn merge_lists(rules: &mut Value, model: &Value, printed: &Printed) {
    let mut refs: Vec<Value> = rules["reference_numbers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for r in model["reference_numbers"].as_array().into_iter().flatten() {
        if refs.len() < 6
            && printed.supports("reference", &r["value"])
            && !refs.iter().any(|x| same(&x["value"], &r["value"]))
        {
            refs.push(r.clone());
        }
    }
    rules["reference_numbers"] = Value::Array(refs);
    let have_lines = rules["line_items"]
        .as_array()
        .is_some_and(|a| !a.is_empty());
    if !have_lines {
        let lines: Vec<Value> = model["line_items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|l| printed.supports("amount", &l["amount"]))
            .cloned()
            .collect();
        if !lines.is_empty() {
            rules["line_items"] = Value::Array(lines);
            rules["provenance"]["line_items"] = json!({"method": "llm", "confidence": 70});
        }
    }
}

/// The exact printed form of `value` in `text`: the span whose letters and digits equal the
/// value's, extended by a legal-form suffix printed right after it (`, Inc.`, ` Ltd.`, ` GmbH` …).
pub fn snap(text: &str, value: &str) -> Option<String> {
    let want = norm(value);
    if want.is_empty() {
        return None;
    }
    // Normalized text with each normalized char's byte offset in the original.
    let mut normed = String::new();
    let mut at = Vec::new();
    for (i, ch) in text.char_indices() {
        if ch.is_alphanumeric() {
            for l in ch.to_lowercase() {
                normed.push(fold_char(l));
                at.push((i, i + ch.len_utf8()));
            }
        }
    }
    let start = normed.find(&want)?;
    let nchars = normed[..start].chars().count();
    let wchars = want.chars().count();
    let (a, b) = (at[nchars].0, at[nchars + wchars - 1].1);
    let mut out = text[a..b].to_string();
    static SUFFIX: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let suffix = SUFFIX.get_or_init(|| {
        regex::Regex::new(r"^,?\s?(?:Inc\.?|Ltd\.?|LLC|L\.L\.C\.|GmbH|AG|SAS|SARL|S\.A\.|S\.p\.A\.|B\.V\.|Pvt\.?\s?Ltd\.?|Private Limited|Limited|Corp\.?|Co\.)")
            .expect("valid")
    });
    if let Some(m) = suffix.find(&text[b..]) {
        if !norm(value).ends_with(&norm(m.as_str())) {
            out.push_str(m.as_str());
        }
    } else if text[b..].starts_with('.') {
        // The abbreviation's period ("Inc." read as "Inc").
        let last = out.split_whitespace().last().unwrap_or("").to_lowercase();
        if ["inc", "ltd", "co", "corp", "llc"].contains(&last.as_str()) {
            out.push('.');
        }
    }
    (!out.contains('\n')).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapping_restores_the_printed_name_and_its_legal_form() {
        let text = "All AWS Services are sold by Amazon Web Services, Inc. and its affiliates";
        assert_eq!(
            snap(text, "amazon web services inc").as_deref(),
            Some("Amazon Web Services, Inc.")
        );
        assert_eq!(
            snap(text, "Amazon Web Services").as_deref(),
            Some("Amazon Web Services, Inc.")
        );
        assert_eq!(snap(text, "Google"), None);
    }

    #[test]
    fn rules_win_gaps_take_only_printed_model_values() {
        let text =
            "Facture n°562044387 du 02 Juillet 2015\nAcme SARL\nTotal facture 24.99 5.00 29.99\n";
        let mut rules = json!({
            "invoice_number": "562044387", "issue_date": "2015-07-02", "due_date": null,
            "subtotal": null, "tax": null, "total": 29.99, "currency": "EUR",
            "from": {"name": null, "address": null, "tax_id": null},
            "to": {"name": null, "address": null, "tax_id": null},
            "reference_numbers": [], "line_items": [], "provenance": {"total": {"method": "rule", "confidence": 85}},
        });
        let model = json!({
            "invoice_number": "562044", "issue_date": null, "due_date": "2015-08-01",
            "subtotal": 24.99, "tax": 5.0, "total": 29.99,
            "from": {"name": "ACME sarl", "address": null, "tax_id": "FR00000000000"},
            "to": {"name": null, "address": null, "tax_id": null},
            "reference_numbers": [{"label": "x", "value": "NOT-PRINTED-1"}],
            "line_items": [{"description": "Abonnement", "quantity": 1, "unit_price": 24.99, "amount": 24.99}],
        });
        let w = merge(&mut rules, &model, text, false);
        assert_eq!(
            rules["invoice_number"], "562044387",
            "the rule's value stays"
        );
        assert_eq!(rules["provenance"]["total"]["method"], "llm+rule");
        assert_eq!(rules["subtotal"], 24.99);
        assert_eq!(rules["from"]["name"], "Acme SARL", "in its printed form");
        assert_eq!(rules["due_date"], Value::Null, "not printed");
        assert_eq!(rules["from"]["tax_id"], Value::Null, "not printed");
        assert_eq!(rules["reference_numbers"], json!([]));
        assert_eq!(rules["line_items"].as_array().unwrap().len(), 1);
        assert_eq!(w.len(), 2, "{w:?}");
    }
}
