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
pub mod xml;

use crate::extract::money;
use anyhow::{Context, Result};
use roxmltree::Document;
use serde_json::Value;

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
    crate::schemas::validate(crate::schemas::Kind::ExtractedDocument, &v)
        .context("the e-invoice does not fit the extracted-document schema")?;
    Ok(Some(v))
}

/// A readable rendering of an extracted e-invoice, for the Stage 1/2 prompts when there is no
/// layout text (a standalone XML file).
pub fn render_text(v: &Value) -> String {
    let mut out = String::new();
    let s = |x: &Value| x.as_str().map(str::to_string).unwrap_or_default();
    let n = |x: &Value| {
        money::decimal(x)
            .map(|v| format!("{:.2}", money::round(v, 2)))
            .unwrap_or_default()
    };
    let plain = |x: &Value| money::decimal(x).map(|v| v.normalize().to_string());
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
            plain(&l["quantity"]).unwrap_or_default(),
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
            plain(&t["rate"]).unwrap_or_default(),
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
