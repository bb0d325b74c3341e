//! The rule reading of a whole document, in the shape of
//! `schema/extracted_document.schema.json`, with per-field provenance:
//!
//! | field | from |
//! |---|---|
//! | `document_type` | [`super::kind`] (title words) |
//! | `invoice_number`, `issue_date`, `due_date`, `subtotal`, `tax`, `total` | labels ([`crate::extract::candidates`]); a receipt without a number takes its booking reference |
//! | `amount_due` | a balance label, else the total when the document is not paid |
//! | `currency` | [`super::currency`] (codes, symbols; `$` by country) |
//! | `from`, `to` | [`super::parties`] (issuer, recipient), tax ids by the block they are printed in |
//! | `line_items` | [`super::lines`] (the item table), amounts from the column that adds up |
//! | `payment` | [`super::payment`] |
//!
//! Computed, never guessed: `subtotal = total − tax` when both are printed and no subtotal is.

use crate::extract::money::{self, decimal};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use super::{currency, kind, lines, parties, payment, provenance::entry};
use crate::extract::candidates::{self, Candidate, Candidates};
use crate::extract::pdf::LayoutLine;
use crate::extract::values::{printed_order, tax_ids_in};

/// What the rules read.
#[derive(Debug, Clone)]
pub struct Reading {
    /// The extracted document (schema shape), `extraction_method: "rules"`.
    pub doc: Value,
    /// The header candidates (also given to the model when it reads what rules could not).
    pub candidates: Candidates,
    /// Whether dates were read month first (US documents).
    pub month_first: bool,
    /// Whether the page's own dates proved that order ([`printed_order`]): the other reading
    /// of an ambiguous date is then no candidate.
    pub order_printed: bool,
}

impl Reading {
    /// Fields the rules could not read that a model reading could fill: `total` (not for a
    /// statement or a delivery note, which have none), `from.name`, `issue_date`. A delivery
    /// note records nothing: nothing is worth a model reading there.
    pub fn gaps(&self) -> Vec<&'static str> {
        let d = &self.doc;
        let kind = d["document_type"].as_str().unwrap_or("");
        let mut g = Vec::new();
        if kind == "delivery_note" {
            return g;
        }
        if d["total"].is_null() && kind != "bank_statement" {
            g.push("total");
        }
        if d["from"]["name"].is_null() {
            g.push("from.name");
        }
        if d["issue_date"].is_null() {
            g.push("issue_date");
        }
        g
    }
}

/// How `text` reads its numeric dates: (month first — 03/08/2014 as March 8 —, whether its own
/// dates proved it). The order its own dates prove ([`printed_order`]), else a US document's —
/// in dollars or naming USD, or the business in the US.
pub fn month_first(text: &str, country: Option<&str>) -> (bool, bool) {
    match printed_order(text) {
        Some(mf) => (mf, true),
        None => (
            text.contains('$') && !text.contains('€')
                || text.contains("USD")
                || country == Some("US"),
            false,
        ),
    }
}

/// The provenance entry of the document kind read from its title.
fn kind_provenance(k: &kind::KindReading, layout: &[LayoutLine], text: &str) -> Value {
    entry(
        "rule",
        k.confidence,
        k.evidence.as_ref().map(|e| e.0.as_str()),
        k.evidence.as_ref().map(|e| e.1),
        layout,
        text,
    )
}

/// `from`, `to`, `ship_to` and the names' provenance.
fn put_parties(
    p: &parties::Parties,
    d: &mut Map<String, Value>,
    prov: &mut Map<String, Value>,
    layout: &[LayoutLine],
    text: &str,
) {
    d.insert("from".into(), party_json(&p.issuer));
    d.insert("to".into(), party_json(&p.recipient));
    d.insert(
        "ship_to".into(),
        p.ship_to.as_ref().map(party_json).unwrap_or(Value::Null),
    );
    for (key, party) in [("from", &p.issuer), ("to", &p.recipient)] {
        if party.name.is_some() {
            let e = entry(
                "rule",
                party.confidence,
                party.rule.as_deref(),
                party.line,
                layout,
                text,
            );
            prov.insert(format!("{key}.name"), e);
        }
    }
}

/// Whether number `x` of `text` is under the item table's header or printed down its column
/// ("Faktura nr." over each line's credited invoice on a credit note): each line's reference,
/// not the document's number; or is among `references` as the credited invoice.
fn not_the_documents_number(text: &str, x: &Candidate, references: &[Candidate]) -> bool {
    let all: Vec<&str> = text.lines().collect();
    let header = |i: usize| all.get(i).is_some_and(|l| lines::is_header(l));
    let printed = x.value.as_str().unwrap_or_default();
    let credited = references
        .iter()
        .any(|r| r.value["label"] == candidates::CREDITED_INVOICE && r.value["value"] == x.value);
    credited
        || header(x.line)
        || x.line > 0 && header(x.line - 1)
        || lines::repeated_in_column(&all, x.line, printed)
}

/// Read `text` (layout text; `lines` its layout lines for provenance) by rules alone.
/// `country` (ISO 3166-1 alpha-2, the business's) resolves a bare `$` and date order.
pub fn read(text: &str, layout: &[LayoutLine], country: Option<&str>) -> Reading {
    let (mf, order_printed) = month_first(text, country);
    let mut c = candidates::find(text, mf);
    if c.invoice_number
        .as_ref()
        .is_some_and(|x| not_the_documents_number(text, x, &c.reference_numbers))
    {
        c.invoice_number = None;
    }
    let mut prov = Map::new();
    let mut put = |field: &str, cand: &Option<Candidate>, doc: &mut Map<String, Value>| {
        if let Some(x) = cand {
            doc.insert(field.into(), x.value.clone());
            prov.insert(
                field.into(),
                entry("rule", 85, Some(x.rule), Some(x.line), layout, text),
            );
        } else {
            doc.insert(field.into(), Value::Null);
        }
    };
    let mut d = Map::new();
    put("invoice_number", &c.invoice_number, &mut d);
    put("issue_date", &c.issue_date, &mut d);
    put("due_date", &c.due_date, &mut d);
    put("subtotal", &c.subtotal, &mut d);
    put("tax", &c.tax, &mut d);
    put("total", &c.total, &mut d);
    let k = kind::read(text);
    d.insert("document_type".into(), json!(k.kind));
    prov.insert("document_type".into(), kind_provenance(&k, layout, text));
    let cur = currency::read(text, country);
    if cur.is_some() {
        prov.insert(
            "currency".into(),
            json!({"method": "rule", "confidence": 90, "rule": "currency code or symbol"}),
        );
    }
    d.insert("currency".into(), json!(cur));
    let p = parties::read(text, &k.kind);
    put_parties(&p, &mut d, &mut prov, layout, text);
    assign_tax_ids(text, &p, &mut d);
    d.insert("reference_numbers".into(), references(&c));
    let pay = payment::read(text);
    let mut doc = Value::Object(d);
    booking_number(&mut doc, &c, &mut prov, layout, text);
    let table = lines::read(text);
    if let Some(t) = &table {
        totals_from_table(&mut doc, t, &mut prov);
    }
    derive_subtotal(&mut doc, &mut prov);
    doc["line_items"] = line_items(table.as_ref(), &doc);
    if doc["line_items"].as_array().is_some_and(|a| !a.is_empty()) {
        prov.insert(
            "line_items".into(),
            json!({"method": "rule", "confidence": 85, "rule": "item table"}),
        );
    }
    doc["amount_due"] = if pay.paid {
        json!(0.0)
    } else {
        doc["total"].clone()
    };
    doc["payment"] = serde_json::to_value(&pay).unwrap_or(Value::Null);
    doc["extraction_method"] = json!("rules");
    doc["provenance"] = Value::Object(prov);
    Reading {
        doc,
        candidates: c,
        month_first: mf,
        order_printed,
    }
}

/// The reference numbers read (`reference_numbers`: an array of their values).
fn references(c: &Candidates) -> Value {
    Value::Array(
        c.reference_numbers
            .iter()
            .map(|r| r.value.clone())
            .collect(),
    )
}

fn party_json(p: &parties::Party) -> Value {
    json!({
        "name": p.name.as_deref().map(|n| crate::extract::einvoice::xml::clip(n, 80)),
        "address": p.address.as_deref().map(|a| crate::extract::einvoice::xml::clip(a, 160)),
        "tax_id": null,
        "email": p.email,
    })
}

/// Tax ids printed within the recipient's block (its lines and its column), or after a
/// recipient label ("Customer VAT No"), belong to it; the first other one is the issuer's.
/// Labelled ids ([`super::tax_ids`]) first, then the formats recognised without a label; an id
/// is assigned once.
fn assign_tax_ids(text: &str, p: &parties::Parties, d: &mut Map<String, Value>) {
    let span = |q: &parties::Party| q.line.map(|a| (a, q.last_line.unwrap_or(a) + 1));
    let recipient = span(&p.recipient);
    let key = |id: &str| {
        id.chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
    };
    // Whether the segment at char column `col` lies in the recipient's column (unknown: yes).
    let in_column = |line: &str, col: Option<usize>| match (col, p.recipient.col) {
        (Some(c), Some(r)) => super::segments::at_column(line, r, 3).is_some_and(|s| s.col == c),
        _ => true,
    };
    let mut seen: Vec<String> = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let labelled = super::tax_ids::labelled_at(&lines, i)
            .into_iter()
            .map(|t| (t.id, t.recipient, Some(t.col)));
        let unlabelled = tax_ids_in(line).into_iter().map(|id| {
            let col = super::segments::segments(line)
                .into_iter()
                .find(|s| key(&s.text).contains(&key(&id)))
                .map(|s| s.col);
            (id, false, col)
        });
        for (id, for_recipient, col) in labelled.chain(unlabelled) {
            // "USt-IdNr. DE123456789" is read both ways; "DE 123…" and "DE123…" are one id.
            let k = key(&id);
            if seen
                .iter()
                .any(|s| s.ends_with(&k) || k.ends_with(s.as_str()))
            {
                continue;
            }
            seen.push(k);
            let in_recipient = for_recipient
                || recipient.is_some_and(|(a, b)| i >= a && i <= b) && in_column(line, col);
            let slot = if in_recipient { "to" } else { "from" };
            if d[slot]["tax_id"].is_null() {
                d.get_mut(slot).expect("party")["tax_id"] = json!(id);
            }
        }
    }
}

/// A receipt without an invoice number is identified by its booking reference.
fn booking_number(
    doc: &mut Value,
    c: &Candidates,
    prov: &mut Map<String, Value>,
    layout: &[LayoutLine],
    text: &str,
) {
    if !doc["invoice_number"].is_null() {
        return;
    }
    if let Some(b) = c
        .reference_numbers
        .iter()
        .find(|r| r.value["label"] == "Booking")
    {
        doc["invoice_number"] = b.value["value"].clone();
        prov.insert(
            "invoice_number".into(),
            entry(
                "rule",
                70,
                Some("booking reference as document number"),
                Some(b.line),
                layout,
                text,
            ),
        );
    }
}

/// After the reading is decided (the model's and the arithmetic's field choice): `subtotal = total − tax`
/// when both hold a value and the subtotal none (the choice found no subtotal printed), settled
/// when both are.
pub fn derive_decided_subtotal(doc: &mut Value) {
    if !doc["subtotal"].is_null() {
        return;
    }
    let settled = ["total", "tax"]
        .iter()
        .all(|f| doc["provenance"][*f]["settled"] == true);
    let mut prov = doc["provenance"].as_object().cloned().unwrap_or_default();
    derive_subtotal(doc, &mut prov);
    if let Some(e) = prov.get_mut("subtotal") {
        e["settled"] = json!(settled);
        e["how"] = json!("total − tax");
    }
    doc["provenance"] = Value::Object(prov);
}

/// `subtotal = total − tax` when the total and the tax are printed and the subtotal is not.
fn derive_subtotal(doc: &mut Value, prov: &mut Map<String, Value>) {
    if let (Value::Null, Some(t), Some(x)) = (
        &doc["subtotal"],
        decimal(&doc["total"]),
        decimal(&doc["tax"]),
    ) {
        doc["subtotal"] = money::to_json(t - x);
        prov.insert(
            "subtotal".into(),
            json!({"method": "computed", "confidence": 80, "rule": "total − tax"}),
        );
    }
}

/// A table with net, tax and gross columns whose gross adds up to the total explains the
/// subtotal (Σ net) and the tax (total − subtotal) when they are not printed as such.
fn totals_from_table(doc: &mut Value, t: &lines::Table, prov: &mut Map<String, Value>) {
    let (Some(total), Some((net, _, gross))) = (decimal(&doc["total"]), t.sums()) else {
        return;
    };
    if !doc["subtotal"].is_null() || (gross - total).abs() > t.tolerance() || net == gross {
        return;
    }
    doc["subtotal"] = money::to_json(net);
    prov.insert(
        "subtotal".into(),
        json!({"method": "computed", "confidence": 80, "rule": "Σ net column of the item table"}),
    );
    if doc["tax"].is_null() {
        doc["tax"] = money::to_json(total - net);
        prov.insert(
            "tax".into(),
            json!({"method": "computed", "confidence": 80, "rule": "total − Σ net column"}),
        );
    }
}

/// (Σ net, Σ gross) of the item table of `text`: the rows' amounts, and their gross amounts
/// where the table has a gross column (else the same sum); `(None, None)` without a table.
pub fn line_sums(text: &str) -> (Option<Decimal>, Option<Decimal>) {
    let Some(t) = lines::read(text) else {
        return (None, None);
    };
    let net: Decimal = t.rows.iter().map(|r| r.amount).sum();
    let gross: Decimal = t.rows.iter().map(|r| r.gross.unwrap_or(r.amount)).sum();
    (Some(net), Some(gross))
}

/// `doc`'s line items read again from `text` for its (decided) subtotal and total: the column
/// that adds up to them.
pub fn refresh_items(doc: &mut Value, text: &str) {
    let table = lines::read(text);
    doc["line_items"] = line_items(table.as_ref(), doc);
}

/// The item table's rows, with the amounts of the column that adds up to the totals (else the
/// first amount column, flagged by the arithmetic checks).
fn line_items(table: Option<&lines::Table>, doc: &Value) -> Value {
    let Some(t) = table else {
        return json!([]);
    };
    let amounts = t
        .amounts_for(decimal(&doc["subtotal"]), decimal(&doc["total"]))
        .unwrap_or_else(|| t.rows.iter().map(|r| r.amount).collect());
    let rows: Vec<Value> = t
        .rows
        .iter()
        .zip(amounts)
        .filter(|(_, a)| !a.is_zero())
        .take(500)
        .map(|(r, a)| {
            json!({
                "description": crate::extract::einvoice::xml::clip(&r.description, 80),
                "quantity": money::opt_to_json(r.quantity),
                "unit_price": money::opt_to_json(r.unit_price),
                "amount": money::to_json(a),
                "details": (!r.details.is_empty())
                    .then(|| crate::extract::einvoice::xml::clip(&r.details.join("; "), 160)),
            })
        })
        .collect();
    Value::Array(rows)
}

#[cfg(test)]
mod tests {
    use super::read;

    #[test]
    fn tax_ids_go_to_the_party_whose_block_and_column_print_them() {
        // Flipkart's layout: the seller's VAT/TIN in the left column, beside the buyer's block.
        let t = "Sold By : WS Retail Services Pvt. Ltd.,
 Order ID: OD304175096047380001            Billing Address
                                           Anushrut Singh
 Invoice Date: 20-10-2015                  3/64, Vishwas Khand,Gomti Nagar
 VAT/TIN: 29670869006                      Lucknow 226010 Uttar Pradesh
";
        let d = read(t, &[], None).doc;
        assert_eq!(d["from"]["tax_id"], "29670869006");
        assert!(d["to"]["tax_id"].is_null());
        // The buyer's NIP inside its block is the buyer's; a customer label makes one the
        // customer's wherever it is; CIF without a country prefix is read by its label.
        let t = "Sprzedawca: Polski Koncern Naftowy ORLEN S.A.
NIP:               774-00-01-454
Nabywca:           GŁÓWNY URZĄD STATYSTYCZNY
NIP:               5261040828
";
        let d = read(t, &[], None).doc;
        assert_eq!(d["from"]["tax_id"], "774-00-01-454");
        assert_eq!(d["to"]["tax_id"], "5261040828");
        let t = "Harinas del Norte S.A.\nPolígono Sur 14\n\nCustomer VAT No: ESB87654321\nHarinas del Norte S.A. - CIF A12345678\n";
        let d = read(t, &[], None).doc;
        assert_eq!(d["from"]["tax_id"], "A12345678");
        assert_eq!(d["to"]["tax_id"], "ESB87654321");
    }

    #[test]
    fn a_subtotal_the_choice_left_empty_is_total_minus_tax_settled_when_both_are() {
        use super::derive_decided_subtotal;
        use serde_json::json;
        let mut d = json!({
            "total": 29.99, "tax": 5.0, "subtotal": null,
            "provenance": {"total": {"settled": true}, "tax": {"settled": true}},
        });
        derive_decided_subtotal(&mut d);
        assert_eq!(d["subtotal"], json!(24.99));
        assert_eq!(d["provenance"]["subtotal"]["settled"], true);
        assert_eq!(d["provenance"]["subtotal"]["method"], "computed");
        // The tax not settled: computed, not settled; a subtotal read is never replaced.
        d["subtotal"] = json!(null);
        d["provenance"]["tax"]["settled"] = json!(false);
        derive_decided_subtotal(&mut d);
        assert_eq!(d["provenance"]["subtotal"]["settled"], false);
        d["subtotal"] = json!(20.0);
        derive_decided_subtotal(&mut d);
        assert_eq!(d["subtotal"], json!(20.0));
    }
}
