//! Structured e-invoices, read exactly instead of through the model:
//! - UN/CEFACT Cross Industry Invoice ([`cii`]): Factur-X / ZUGFeRD 2.x (D16B), ZUGFeRD 1.0
//!   (`CrossIndustryDocument`), Order-X (`SCRDMCCBDACIOMessageStructure`, a purchase order);
//! - OASIS UBL 2.1 ([`ubl`]): `Invoice` and `CreditNote` (EN 16931, Peppol BIS, XRechnung UBL);
//! - embedded in a PDF ([`embedded`]): the attached `factur-x.xml`, `zugferd-invoice.xml`,
//!   `ZUGFeRD-invoice.xml` or `xrechnung.xml` (PDF/A-3 associated file).
//!
//! The result follows `schema/extracted_document.schema.json`, with `amount_due`,
//! `tax_breakdown` and `extraction_method` filled. Strings are trimmed to the schema's lengths.

pub mod cii;
pub mod embedded;
pub mod ubl;

use anyhow::{Context, Result};
use roxmltree::{Document, Node};
use serde_json::{json, Value};

/// Parse `xml` as an e-invoice. `Ok(None)` when it is well-formed XML of another kind.
///
/// Errors: malformed XML, or an e-invoice without the fields every profile must carry.
pub fn parse(xml: &[u8]) -> Result<Option<Value>> {
    let text = std::str::from_utf8(xml).context("the XML is not UTF-8")?;
    let text = text.trim_start_matches('\u{feff}');
    let doc = Document::parse_with_options(
        text,
        roxmltree::ParsingOptions {
            allow_dtd: false,
            ..Default::default()
        },
    )
    .context("the XML is not well-formed")?;
    let root = doc.root_element();
    let v = match root.tag_name().name() {
        "CrossIndustryInvoice" | "CrossIndustryDocument" | "SCRDMCCBDACIOMessageStructure" => {
            cii::parse(root)?
        }
        "Invoice" | "CreditNote"
            if root.tag_name().namespace().is_some_and(|n| {
                n.starts_with("urn:oasis:names:specification:ubl:schema:xsd:")
            }) =>
        {
            ubl::parse(root)?
        }
        _ => return Ok(None),
    };
    crate::pipeline::schemas::validate(crate::pipeline::schemas::Kind::ExtractedDocument, &v)
        .context("the e-invoice does not fit the extracted-document schema")?;
    Ok(Some(v))
}

/// Child elements of `n` whose local name is one of `names` (`"A|B"`).
pub(crate) fn children<'a, 'i>(
    n: Node<'a, 'i>,
    names: &'a str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    n.children()
        .filter(move |c| c.is_element() && names.split('|').any(|x| x == c.tag_name().name()))
}

/// The first element reached by `path` (`"A|B/C/D"`: local names, alternatives with `|`).
pub(crate) fn find<'a, 'i>(n: Node<'a, 'i>, path: &'a str) -> Option<Node<'a, 'i>> {
    let mut cur = n;
    for step in path.split('/') {
        cur = children(cur, step).next()?;
    }
    Some(cur)
}

/// Trimmed text at `path`, `None` when absent or empty.
pub(crate) fn text(n: Node, path: &str) -> Option<String> {
    let t = find(n, path)?.text()?.trim().to_string();
    (!t.is_empty()).then_some(t)
}

/// Every element reached by `path` (all matches at the last step).
pub(crate) fn find_all<'a, 'i>(n: Node<'a, 'i>, path: &'a str) -> Vec<Node<'a, 'i>> {
    let (parent, last) = match path.rsplit_once('/') {
        Some((p, l)) => (find(n, p), l),
        None => (Some(n), path),
    };
    parent
        .map(|p| children(p, last).collect())
        .unwrap_or_default()
}

/// A decimal amount rounded to the schema's precision (`places`).
pub(crate) fn number(s: &str, places: i32) -> Option<f64> {
    let v: f64 = s.trim().parse().ok()?;
    let f = 10f64.powi(places);
    Some((v * f).round() / f)
}

/// JSON number or null.
pub(crate) fn amount(n: Node, path: &str) -> Value {
    text(n, path)
        .and_then(|s| number(&s, 3))
        .map_or(Value::Null, |v| json!(v))
}

/// At most `max` characters.
pub(crate) fn clip(s: &str, max: usize) -> String {
    s.chars()
        .filter(|c| !c.is_control() && *c != '\\')
        .take(max)
        .collect()
}

/// Optional string clipped to `max`.
pub(crate) fn opt(s: Option<String>, max: usize) -> Value {
    s.map_or(Value::Null, |s| json!(clip(&s, max)))
}

/// `20260131` (UN/CEFACT format 102), `202003311232` (203: with hours and minutes) or
/// `2026-01-31` → `2026-01-31`.
pub(crate) fn iso_date(s: &str) -> Option<String> {
    let d: String = s.chars().filter(char::is_ascii_digit).collect();
    (d.len() >= 8 && d.len() <= 14).then(|| format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..8]))
}

/// UNTDID 1001 document type code → the schema's `document_type`.
pub(crate) fn document_type(code: Option<&str>, order: bool) -> &'static str {
    if order {
        return "purchase_order";
    }
    match code.unwrap_or("380") {
        "381" | "261" | "262" | "296" | "308" | "396" | "420" | "458" | "532" => "credit_note",
        _ => "invoice",
    }
}

/// A readable rendering of an extracted e-invoice, for the Stage 1/2 prompts when there is no
/// layout text (a standalone XML file).
pub fn render_text(v: &Value) -> String {
    let mut out = String::new();
    let s = |x: &Value| x.as_str().map(str::to_string).unwrap_or_default();
    let n = |x: &Value| x.as_f64().map(|v| format!("{v:.2}")).unwrap_or_default();
    let kind = s(&v["document_type"]).replace('_', " ").to_uppercase();
    out.push_str(&format!("{kind} {}\n", s(&v["invoice_number"])));
    out.push_str(&format!("Issue date: {}\n", s(&v["issue_date"])));
    if !v["due_date"].is_null() {
        out.push_str(&format!("Due date: {}\n", s(&v["due_date"])));
    }
    for (label, p) in [("From (seller)", &v["from"]), ("To (buyer)", &v["to"])] {
        out.push_str(&format!("{label}: {}\n", s(&p["name"])));
        if !p["address"].is_null() {
            out.push_str(&format!("  {}\n", s(&p["address"])));
        }
        if !p["tax_id"].is_null() {
            out.push_str(&format!("  VAT id: {}\n", s(&p["tax_id"])));
        }
    }
    out.push_str("\nDescription | Quantity | Unit price | Amount\n");
    for l in v["line_items"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "{} | {} | {} | {}\n",
            s(&l["description"]),
            l["quantity"]
                .as_f64()
                .map(|q| q.to_string())
                .unwrap_or_default(),
            n(&l["unit_price"]),
            n(&l["amount"])
        ));
    }
    let cur = s(&v["currency"]);
    out.push_str(&format!("\nSubtotal: {} {cur}\n", n(&v["subtotal"])));
    for t in v["tax_breakdown"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "Tax {} {}%: {} on {}\n",
            s(&t["category"]),
            t["rate"]
                .as_f64()
                .map(|r| r.to_string())
                .unwrap_or_default(),
            n(&t["tax_amount"]),
            n(&t["taxable_amount"])
        ));
    }
    out.push_str(&format!(
        "Tax: {} {cur}\nTotal: {} {cur}\n",
        n(&v["tax"]),
        n(&v["total"])
    ));
    if !v["amount_due"].is_null() {
        out.push_str(&format!("Amount due: {} {cur}\n", n(&v["amount_due"])));
    }
    out
}

#[cfg(test)]
mod tests;
