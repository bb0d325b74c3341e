//! UN/CEFACT Cross Industry Invoice → extracted document. One reader for the three shapes in
//! use (element local names; namespaces differ between versions):
//!
//! | | CII D16B (Factur-X, ZUGFeRD 2.x, XRechnung CII) | ZUGFeRD 1.0 | Order-X |
//! |---|---|---|---|
//! | header | `ExchangedDocument` | `HeaderExchangedDocument` | `ExchangedDocument` |
//! | transaction | `SupplyChainTradeTransaction` | `SpecifiedSupplyChainTradeTransaction` | `SupplyChainTradeTransaction` |
//! | agreement / settlement | `ApplicableHeaderTrade…` | `ApplicableSupplyChainTrade…` | `ApplicableHeaderTrade…` |
//! | totals | `SpecifiedTradeSettlementHeaderMonetarySummation` | `SpecifiedTradeSettlementMonetarySummation` | as D16B |
//!
//! EN 16931 business terms: BT-1 invoice number, BT-2 issue date, BT-3 type code, BT-5
//! currency, BT-9 due date, BG-4/BG-7 seller/buyer (BT-31/BT-48 VAT ids), BT-109 total without
//! VAT, BT-110 VAT total, BT-112 total with VAT, BT-115 amount due, BG-23 VAT breakdown,
//! BG-25 lines.

use anyhow::{bail, Result};
use roxmltree::Node;
use serde_json::{json, Value};

use super::xml::{
    amount, children, clip, document_type, find, find_all, iso_date, number, opt, text,
};

const DOC: &str = "ExchangedDocument|HeaderExchangedDocument";
const TX: &str = "SupplyChainTradeTransaction|SpecifiedSupplyChainTradeTransaction";
const AGREEMENT: &str = "ApplicableHeaderTradeAgreement|ApplicableSupplyChainTradeAgreement";
const SETTLEMENT: &str = "ApplicableHeaderTradeSettlement|ApplicableSupplyChainTradeSettlement";
const SUMMATION: &str =
    "SpecifiedTradeSettlementHeaderMonetarySummation|SpecifiedTradeSettlementMonetarySummation";

fn party(p: Option<Node>) -> Value {
    let Some(p) = p else {
        return json!({"name": null, "address": null, "tax_id": null});
    };
    let address = find(p, "PostalTradeAddress").map(|a| {
        let parts: Vec<String> = [
            "LineOne",
            "LineTwo",
            "LineThree",
            "PostcodeCode",
            "CityName",
            "CountryID",
        ]
        .iter()
        .filter_map(|k| text(a, k))
        .collect();
        parts.join(", ")
    });
    // VAT id (schemeID VA) first, else the tax number (FC).
    let regs = find_all(p, "SpecifiedTaxRegistration");
    let id_with = |scheme: &str| {
        regs.iter()
            .filter_map(|r| find(*r, "ID"))
            .find(|id| id.attribute("schemeID") == Some(scheme))
            .and_then(|id| id.text())
            .map(|t| t.trim().to_string())
    };
    json!({
        "name": opt(text(p, "Name"), 80),
        "address": opt(address.filter(|a| !a.is_empty()), 160),
        "tax_id": opt(id_with("VA").or_else(|| id_with("FC")), 30),
    })
}

/// The header amount at `name` in the invoice currency (BT-110 may be given twice: in the
/// invoice currency and in the accounting currency).
fn summed(sum: Node, name: &str, currency: Option<&str>) -> Value {
    let all: Vec<Node> = children(sum, name).collect();
    let pick = all
        .iter()
        .find(|n| currency.is_some() && n.attribute("currencyID") == currency)
        .or_else(|| all.iter().find(|n| n.attribute("currencyID").is_none()))
        .or(all.first());
    pick.and_then(|n| n.text())
        .and_then(|t| number(t, 3))
        .map_or(Value::Null, crate::extract::money::to_json)
}

/// BT-13 purchase order, BT-10 buyer reference, BT-12 contract.
fn references(agreement: Option<Node>, tx: Node) -> Value {
    let mut refs = Vec::new();
    if let Some(a) = agreement {
        for (label, path) in [
            ("Order", "BuyerOrderReferencedDocument/IssuerAssignedID"),
            ("Buyer reference", "BuyerReference"),
            ("Contract", "ContractReferencedDocument/IssuerAssignedID"),
        ] {
            if let Some(v) = text(a, path) {
                refs.push(json!({"label": label, "value": clip(&v, 40)}));
            }
        }
    }
    let _ = tx;
    Value::Array(refs)
}

/// Parse a CII root element.
pub fn parse(root: Node) -> Result<Value> {
    let order = root.tag_name().name() == "SCRDMCCBDACIOMessageStructure";
    let Some(doc) = find(root, DOC) else {
        bail!("CII: no ExchangedDocument header")
    };
    let Some(tx) = find(root, TX) else {
        bail!("CII: no SupplyChainTradeTransaction")
    };
    let agreement = find(tx, AGREEMENT);
    let settlement = find(tx, SETTLEMENT);
    let currency = settlement
        .and_then(|s| text(s, "InvoiceCurrencyCode").or_else(|| text(s, "OrderCurrencyCode")));
    let cur = currency.as_deref();
    let sum = settlement.and_then(|s| find(s, SUMMATION));
    let total = |name: &str| sum.map_or(Value::Null, |s| summed(s, name, cur));

    let tax_breakdown = settlement.map(tax_breakdown).unwrap_or_default();
    let lines = line_items(tx);
    let due = settlement
        .and_then(|s| {
            text(
                s,
                "SpecifiedTradePaymentTerms/DueDateDateTime/DateTimeString",
            )
        })
        .and_then(|d| iso_date(&d));
    Ok(json!({
        "document_type": document_type(text(doc, "TypeCode").as_deref(), order),
        "invoice_number": opt(text(doc, "ID"), 40),
        "issue_date": text(doc, "IssueDateTime/DateTimeString").and_then(|d| iso_date(&d)),
        "due_date": due,
        "currency": currency,
        "from": party(agreement.and_then(|a| find(a, "SellerTradeParty"))),
        "to": party(agreement.and_then(|a| find(a, "BuyerTradeParty"))),
        "subtotal": total("TaxBasisTotalAmount"),
        "tax": total("TaxTotalAmount"),
        "total": total("GrandTotalAmount"),
        "reference_numbers": references(agreement, tx),
        "line_items": lines,
        "amount_due": total("DuePayableAmount"),
        "tax_breakdown": tax_breakdown,
        "extraction_method": "einvoice_cii",
    }))
}

/// The VAT breakdown (`ApplicableTradeTax` of the header settlement), at most 20 entries.
fn tax_breakdown(settlement: Node) -> Vec<Value> {
    find_all(settlement, "ApplicableTradeTax")
        .into_iter()
        .map(|t| {
            json!({
                "category": opt(text(t, "CategoryCode"), 10),
                "rate": text(t, "RateApplicablePercent")
                    .or_else(|| text(t, "ApplicablePercent"))
                    .and_then(|r| number(&r, 3))
                    .map_or(Value::Null, crate::extract::money::to_json),
                "taxable_amount": amount(t, "BasisAmount"),
                "tax_amount": amount(t, "CalculatedAmount"),
            })
        })
        .take(20)
        .collect()
}

/// The line items (at most 500); text-only lines are left out.
fn line_items(tx: Node) -> Vec<Value> {
    find_all(tx, "IncludedSupplyChainTradeLineItem")
        .into_iter()
        // Text-only lines (a note, no product: ZUGFeRD EXTENDED) are not line items.
        .filter(|l| find(*l, "SpecifiedTradeProduct").is_some())
        .map(|l| {
            let name = text(l, "SpecifiedTradeProduct/Name")
                .or_else(|| text(l, "SpecifiedTradeProduct/Description"))
                .unwrap_or_default();
            let agreement = find(l, "SpecifiedLineTradeAgreement|SpecifiedSupplyChainTradeAgreement");
            let delivery = find(l, "SpecifiedLineTradeDelivery|SpecifiedSupplyChainTradeDelivery");
            let settle = find(l, "SpecifiedLineTradeSettlement|SpecifiedSupplyChainTradeSettlement");
            json!({
                "description": clip(&name, 80),
                "quantity": delivery
                    .and_then(|d| text(d, "BilledQuantity").or_else(|| text(d, "RequestedQuantity")))
                    .and_then(|q| number(&q, 4))
                    .map_or(Value::Null, crate::extract::money::to_json),
                "unit_price": agreement
                    .and_then(|a| text(a, "NetPriceProductTradePrice/ChargeAmount"))
                    .and_then(|p| number(&p, 4))
                    .map_or(Value::Null, crate::extract::money::to_json),
                "amount": settle.map_or(Value::Null, |s| amount(
                    s,
                    "SpecifiedTradeSettlementLineMonetarySummation|SpecifiedTradeSettlementMonetarySummation/LineTotalAmount",
                )),
            })
        })
        .take(500)
        .collect()
}
