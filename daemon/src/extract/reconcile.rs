//! Reconciling the model's fields with the deterministic candidates and the text itself, and
//! recording per-field confidence and provenance.
//!
//! Per header field (`invoice_number`, `issue_date`, `due_date`, `subtotal`, `tax`, `total`):
//!
//! | model value | rule candidate | kept | method | confidence |
//! |---|---|---|---|---|
//! | equals the candidate | yes | it | `llm+rule` | 95 |
//! | differs or is null | yes | the candidate | `rule` | 85 (80 when the model's value is also printed) |
//! | printed in the text | no | it | `llm` | 75 |
//! | not printed anywhere | no | null | — | — (a warning says so) |
//!
//! A document with no invoice number but a booking reference (hotel and travel receipts) takes
//! the booking reference as its number (confidence 70).
//!
//! Tax ids and reference numbers found by rules complete what the model left out; values the
//! model wrote that appear nowhere in the text are dropped. Then the arithmetic checks
//! ([`super::checks`]) and due date ≥ issue date.

use serde_json::{json, Map, Value};

use super::candidates::{amounts_in, dates_in, Candidate, Candidates};
use super::pdf::LayoutLine;

/// Latin letters without their diacritics (OCR often adds or drops accents: "Àmazon").
fn fold(c: char) -> char {
    const FROM: &str = "àáâãäåçèéêëìíîïñòóôõöùúûüýÿ";
    const TO: &str = "aaaaaaceeeeiiiinooooouuuuyy";
    FROM.chars()
        .position(|f| f == c)
        .and_then(|i| TO.chars().nth(i))
        .unwrap_or(c)
}

/// Letters and digits, lower-cased, without diacritics: the form values are compared in.
fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .map(fold)
        .collect()
}

/// What the text contains, for support checks.
struct Printed {
    norm_text: String,
    amounts: Vec<f64>,
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
            (_, Value::Number(n)) => {
                let x = n.as_f64().unwrap_or(f64::NAN);
                self.amounts.iter().any(|a| (a - x).abs() < 0.005)
            }
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
        (Value::Number(x), Value::Number(y)) => {
            (x.as_f64().unwrap_or(f64::NAN) - y.as_f64().unwrap_or(f64::NAN)).abs() < 0.005
        }
        (Value::String(x), Value::String(y)) => norm(x) == norm(y),
        _ => false,
    }
}

/// Where text line `i` (of the layout text, pages split by a form-feed line) came from.
fn locate(lines: &[LayoutLine], text: &str, i: usize) -> Value {
    let mut k = 0usize;
    for (j, l) in text.lines().enumerate() {
        if l == "\u{c}" {
            continue;
        }
        if j == i {
            return lines
                .get(k)
                .map(|l| json!({"page": l.page, "bbox": l.bbox}))
                .unwrap_or(Value::Null);
        }
        k += 1;
    }
    Value::Null
}

fn entry(
    method: &str,
    confidence: i64,
    c: Option<&Candidate>,
    lines: &[LayoutLine],
    text: &str,
) -> Value {
    let mut e = json!({"method": method, "confidence": confidence});
    if let Some(c) = c {
        e["rule"] = json!(c.rule);
        e["text_line"] = json!(c.line + 1);
        let at = locate(lines, text, c.line);
        if !at.is_null() {
            e["page"] = at["page"].clone();
            e["bbox"] = at["bbox"].clone();
        }
    }
    e
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
                normed.push(l);
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

/// Reconcile `doc` (the model's extracted document) in place; returns warnings.
pub fn reconcile(
    doc: &mut Value,
    c: &Candidates,
    text: &str,
    lines: &[LayoutLine],
    month_first: bool,
) -> Vec<String> {
    let printed = Printed::new(text, month_first);
    let mut warnings = Vec::new();
    let mut prov = Map::new();
    let fields: [(&str, &Option<Candidate>); 6] = [
        ("invoice_number", &c.invoice_number),
        ("issue_date", &c.issue_date),
        ("due_date", &c.due_date),
        ("subtotal", &c.subtotal),
        ("tax", &c.tax),
        ("total", &c.total),
    ];
    for (field, cand) in fields {
        let model = doc[field].clone();
        match cand {
            Some(cand) if same(&model, &cand.value) => {
                prov.insert(field.into(), entry("llm+rule", 95, Some(cand), lines, text));
            }
            Some(cand) => {
                let also = printed.supports(field, &model);
                doc[field] = cand.value.clone();
                let mut e = entry("rule", if also { 80 } else { 85 }, Some(cand), lines, text);
                if !model.is_null() {
                    e["model_value"] = model;
                }
                prov.insert(field.into(), e);
            }
            None if model.is_null() => {}
            None if printed.supports(field, &model) => {
                prov.insert(field.into(), entry("llm", 75, None, lines, text));
            }
            None => {
                warnings.push(format!(
                    "{field}: the model read {model}, which is not printed in the document; left empty"
                ));
                doc[field] = Value::Null;
            }
        }
    }
    // A receipt without an invoice number is identified by its booking reference.
    if doc["invoice_number"].is_null() {
        if let Some(b) = c
            .reference_numbers
            .iter()
            .find(|r| r.value["label"] == "Booking")
        {
            doc["invoice_number"] = b.value["value"].clone();
            let mut e = entry("rule", 70, Some(b), lines, text);
            e["rule"] = json!("booking reference as document number");
            prov.insert("invoice_number".into(), e);
        }
    }
    // Amounts that disagree: subtotal + tax = total, when the derived value is printed.
    if let (Some(t), Some(x)) = (doc["total"].as_f64(), doc["tax"].as_f64()) {
        let sub = doc["subtotal"].as_f64();
        let derived = ((t - x) * 1000.0).round() / 1000.0;
        if sub.is_none_or(|s| (s + x - t).abs() > 0.01)
            && printed.supports("subtotal", &json!(derived))
        {
            doc["subtotal"] = json!(derived);
            prov.insert(
                "subtotal".into(),
                json!({"method": "arithmetic", "confidence": 80}),
            );
        }
    }
    // The issuer's name: the seller label's, else the model's in its printed form.
    match &c.issuer {
        Some(i) if !same(&doc["from"]["name"], &i.value) => {
            let model = doc["from"]["name"].clone();
            doc["from"]["name"] = i.value.clone();
            let mut e = entry("rule", 80, Some(i), lines, text);
            if !model.is_null() {
                e["model_value"] = model;
            }
            prov.insert("from.name".into(), e);
        }
        Some(i) => {
            prov.insert(
                "from.name".into(),
                entry("llm+rule", 95, Some(i), lines, text),
            );
        }
        None => {
            for party in ["from", "to"] {
                if let Some(n) = doc[party]["name"].as_str().and_then(|n| snap(text, n)) {
                    doc[party]["name"] = json!(super::einvoice::xml::clip(&n, 80));
                }
            }
        }
    }
    // Tax ids: keep printed ones; fill the issuer's from the rules.
    for party in ["from", "to"] {
        let v = doc[party]["tax_id"].clone();
        if !v.is_null() && !printed.supports("tax_id", &v) {
            doc[party]["tax_id"] = Value::Null;
        }
    }
    let taken: Vec<Value> = ["from", "to"]
        .iter()
        .map(|p| doc[*p]["tax_id"].clone())
        .collect();
    if doc["from"]["tax_id"].is_null() {
        if let Some(t) = c
            .tax_ids
            .iter()
            .find(|t| !taken.iter().any(|x| same(x, &t.value)))
        {
            doc["from"]["tax_id"] = t.value.clone();
            prov.insert(
                "from.tax_id".into(),
                entry("rule", 80, Some(t), lines, text),
            );
        }
    }
    // Reference numbers: the model's printed ones plus the rules'.
    let mut refs: Vec<Value> = doc["reference_numbers"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|r| printed.supports("reference", &r["value"]))
        .collect();
    for r in &c.reference_numbers {
        if refs.len() < 6 && !refs.iter().any(|x| same(&x["value"], &r.value["value"])) {
            refs.push(r.value.clone());
        }
    }
    doc["reference_numbers"] = Value::Array(refs);
    if let (Some(i), Some(d)) = (doc["issue_date"].as_str(), doc["due_date"].as_str()) {
        if d < i {
            warnings.push(format!("due date {d} is before the issue date {i}"));
        }
    }
    doc["provenance"] = Value::Object(prov);
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::candidates::find;

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
    fn rules_win_over_unprinted_model_values_and_arithmetic_fills_the_subtotal() {
        let text = "Facture n°562044387 du 02 Juillet 2015\n\
                    Total facture        24.99     5.00     29.99\n\
                    TVA 20%                        5.00\n";
        let mut doc = json!({
            "invoice_number": "562044", "issue_date": "2015-07-02", "due_date": null,
            "subtotal": 29.99, "tax": 5.0, "total": 29.99,
            "from": {"name": null, "address": null, "tax_id": "FR00000000000"},
            "to": {"name": null, "address": null, "tax_id": null},
            "reference_numbers": [{"label": "x", "value": "NOT-PRINTED-1"}],
        });
        let c = find(text, false);
        let w = reconcile(&mut doc, &c, text, &[], false);
        assert_eq!(doc["invoice_number"], "562044387");
        assert_eq!(doc["provenance"]["invoice_number"]["method"], "rule");
        assert_eq!(doc["provenance"]["invoice_number"]["model_value"], "562044");
        assert_eq!(doc["issue_date"], "2015-07-02");
        assert_eq!(doc["provenance"]["issue_date"]["confidence"], 95);
        assert_eq!(doc["subtotal"], 24.99, "total − tax, printed in the text");
        assert_eq!(
            doc["from"]["tax_id"],
            Value::Null,
            "an unprinted tax id is dropped"
        );
        assert_eq!(doc["reference_numbers"], json!([]));
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn an_unprinted_amount_without_a_rule_is_left_empty_with_a_warning() {
        let text = "Receipt\nThank you\n";
        let mut doc = json!({"invoice_number": null, "issue_date": null, "due_date": null,
            "subtotal": null, "tax": null, "total": 99.5,
            "from": {"name": null, "address": null, "tax_id": null},
            "to": {"name": null, "address": null, "tax_id": null}, "reference_numbers": []});
        let w = reconcile(&mut doc, &find(text, false), text, &[], false);
        assert_eq!(doc["total"], Value::Null);
        assert!(w[0].contains("not printed"), "{w:?}");
    }
}
