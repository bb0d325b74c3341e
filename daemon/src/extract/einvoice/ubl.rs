//! OASIS UBL 2.1 `Invoice` / `CreditNote` → extracted document (EN 16931 UBL syntax binding:
//! `cbc:ID` BT-1, `cbc:IssueDate` BT-2, `cbc:DueDate` or `cac:PaymentMeans/cbc:PaymentDueDate`
//! BT-9, `cbc:DocumentCurrencyCode` BT-5, `cac:AccountingSupplierParty` / `…CustomerParty`,
//! `cac:LegalMonetaryTotal` (BT-109 `TaxExclusiveAmount`, BT-112 `TaxInclusiveAmount`, BT-115
//! `PayableAmount`), `cac:TaxTotal` (BT-110, BG-23 `TaxSubtotal`), `cac:InvoiceLine` /
//! `cac:CreditNoteLine` (BG-25)).

use anyhow::{bail, Result};
use roxmltree::Node;
use serde_json::{json, Value};

use super::xml::{
    amount, children, clip, document_type, find, find_all, iso_date, number, opt, text,
};

fn party(p: Option<Node>) -> Value {
    let Some(p) = p else {
        return json!({"name": null, "address": null, "tax_id": null});
    };
    let name = text(p, "PartyLegalEntity/RegistrationName").or_else(|| text(p, "PartyName/Name"));
    let address = find(p, "PostalAddress").map(|a| {
        let parts: Vec<String> = [
            "StreetName",
            "AdditionalStreetName",
            "AddressLine/Line",
            "PostalZone",
            "CityName",
            "Country/IdentificationCode",
        ]
        .iter()
        .filter_map(|k| text(a, k))
        .collect();
        parts.join(", ")
    });
    json!({
        "name": opt(name, 80),
        "address": opt(address.filter(|a| !a.is_empty()), 160),
        "tax_id": opt(text(p, "PartyTaxScheme/CompanyID"), 30),
    })
}

/// Parse a UBL root element.
pub fn parse(root: Node) -> Result<Value> {
    let credit = root.tag_name().name() == "CreditNote";
    let Some(number_) = text(root, "ID") else {
        bail!("UBL: no cbc:ID (invoice number)")
    };
    let currency = text(root, "DocumentCurrencyCode");
    let cur = currency.as_deref();
    let totals = find(root, "LegalMonetaryTotal");
    let total = |name: &str| totals.map_or(Value::Null, |t| amount(t, name));
    // BT-110: the TaxTotal in the document currency (a second one may carry the tax currency).
    let tax_totals: Vec<Node> = children(root, "TaxTotal").collect();
    let main_tax = tax_totals
        .iter()
        .find(|t| find(**t, "TaxAmount").and_then(|a| a.attribute("currencyID")) == cur)
        .or(tax_totals.first())
        .copied();
    let tax_breakdown: Vec<Value> = main_tax
        .map(|t| find_all(t, "TaxSubtotal"))
        .unwrap_or_default()
        .into_iter()
        .map(|s| {
            json!({
                "category": opt(text(s, "TaxCategory/ID"), 10),
                "rate": text(s, "TaxCategory/Percent")
                    .and_then(|r| number(&r, 3))
                    .map_or(Value::Null, crate::extract::money::to_json),
                "taxable_amount": amount(s, "TaxableAmount"),
                "tax_amount": amount(s, "TaxAmount"),
            })
        })
        .take(20)
        .collect();
    let lines = line_items(root);
    let type_code = text(root, "InvoiceTypeCode").or_else(|| text(root, "CreditNoteTypeCode"));
    let doc_type = if credit {
        "credit_note"
    } else {
        document_type(type_code.as_deref(), false)
    };
    let due = text(root, "DueDate")
        .or_else(|| text(root, "PaymentMeans/PaymentDueDate"))
        .and_then(|d| iso_date(&d));
    let references: Vec<Value> = [
        ("Order", text(root, "OrderReference/ID")),
        ("Buyer reference", text(root, "BuyerReference")),
        ("Contract", text(root, "ContractDocumentReference/ID")),
    ]
    .into_iter()
    .filter_map(|(l, v)| v.map(|v| json!({"label": l, "value": clip(&v, 40)})))
    .collect();
    Ok(json!({
        "document_type": doc_type,
        "invoice_number": clip(&number_, 40),
        "issue_date": text(root, "IssueDate").and_then(|d| iso_date(&d)),
        "due_date": due,
        "currency": currency,
        "from": party(find(root, "AccountingSupplierParty/Party")),
        "to": party(find(root, "AccountingCustomerParty/Party")),
        "subtotal": total("TaxExclusiveAmount"),
        "tax": main_tax.map_or(Value::Null, |t| amount(t, "TaxAmount")),
        "total": total("TaxInclusiveAmount"),
        "reference_numbers": references,
        "line_items": lines,
        "amount_due": total("PayableAmount"),
        "tax_breakdown": tax_breakdown,
        "extraction_method": "einvoice_ubl",
    }))
}

/// The invoice or credit-note lines (at most 500).
fn line_items(root: Node) -> Vec<Value> {
    children(root, "InvoiceLine|CreditNoteLine")
        .map(|l| {
            json!({
                "description": clip(&text(l, "Item/Name").or_else(|| text(l, "Item/Description")).unwrap_or_default(), 80),
                "quantity": text(l, "InvoicedQuantity|CreditedQuantity")
                    .and_then(|q| number(&q, 4))
                    .map_or(Value::Null, crate::extract::money::to_json),
                "unit_price": text(l, "Price/PriceAmount")
                    .and_then(|p| number(&p, 4))
                    .map_or(Value::Null, crate::extract::money::to_json),
                "amount": amount(l, "LineExtensionAmount"),
            })
        })
        .take(500)
        .collect()
}
