//! Ready-to-post output: a mapped action as the request body the accounting API expects —
//! QuickBooks Online Accounting API v3 entity JSON (<https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/bill>
//! and siblings) — with the ids Stage 2.5 resolved. Nothing is sent anywhere.
//!
//! - `{{lookup:Entity:Name}}` → a reference `{"value": id, "name": Name}` (`{"name": Name}`
//!   while unresolved: the PREREQUISITE that creates it comes first);
//! - `Line` entries → `Amount`, `Description`, `DetailType` and the detail object:
//!   `AccountBasedExpenseLineDetail` (purchase line to an account), `ItemBasedExpenseLineDetail`
//!   (purchase of an inventory item), `SalesItemLineDetail` (sales line), with `ClassRef` and
//!   `TaxCodeRef` where set;
//! - `CurrencyRef` as `{"value": "EUR"}`; everything else as mapped.
//!
//! Zoho Books API v3 (<https://www.zoho.com/books/api/v3/bills/#create-a-bill> and siblings):
//! a reference is the record's id string (`vendor_id`, `account_id`, `item_id`), left as the
//! `{{lookup:…}}` placeholder while unresolved; `line_items` as `{description, quantity, rate,
//! account_id | item_id}`.

use serde_json::{json, Map, Value};

use super::mapping::lookup_parts;

/// A reference for `s` from the mapping's resolved lookups.
fn reference(s: &str, resolved: &[Value]) -> Value {
    let Some((entity, name)) = lookup_parts(s) else {
        return json!(s);
    };
    let id = resolved
        .iter()
        .find(|r| r["entity"] == entity && r["lookup_value"] == name && r["id"].is_string())
        .map(|r| (r["id"].clone(), r["name"].clone()));
    match id {
        Some((id, n)) => json!({"value": id, "name": n}),
        None => json!({"name": name}),
    }
}

fn line(l: &Value, resolved: &[Value], sales: bool) -> Value {
    let r = |k: &str| l[k].as_str().map(|s| reference(s, resolved));
    let mut detail = Map::new();
    let kind = if sales {
        "SalesItemLineDetail"
    } else if l["item"].is_string() {
        "ItemBasedExpenseLineDetail"
    } else {
        "AccountBasedExpenseLineDetail"
    };
    if let Some(i) = r("item") {
        detail.insert("ItemRef".into(), i);
        // Amounts pass through as the mapping wrote them (decimals as JSON numbers).
        if l["quantity"].is_number() {
            detail.insert("Qty".into(), l["quantity"].clone());
        }
        if l["rate"].is_number() {
            detail.insert("UnitPrice".into(), l["rate"].clone());
        }
    } else if let Some(a) = r("account") {
        detail.insert("AccountRef".into(), a);
    }
    if let Some(c) = r("class") {
        detail.insert("ClassRef".into(), c);
    }
    if let Some(t) = r("tax_code") {
        detail.insert("TaxCodeRef".into(), t);
    }
    json!({"Amount": l["amount"], "Description": l["description"], "DetailType": kind, kind: detail})
}

/// The QuickBooks Online request body of `mapping` (a Stage 2 mapping with
/// `resolved_lookups`); `sales` when its lines are sales lines (items sold).
pub fn quickbooks(mapping: &Value, sales: bool) -> Value {
    let resolved = mapping["resolved_lookups"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut out = Map::new();
    for (k, v) in mapping["field_mappings"].as_object().into_iter().flatten() {
        let value = match (k.as_str(), v) {
            ("Line", Value::Array(lines)) => {
                Value::Array(lines.iter().map(|l| line(l, &resolved, sales)).collect())
            }
            ("CurrencyRef", Value::String(c)) => json!({"value": c}),
            (_, Value::String(s)) if lookup_parts(s).is_some() => reference(s, &resolved),
            _ => v.clone(),
        };
        out.insert(k.clone(), value);
    }
    // Tax that is part of the cost (Stage 2.6 sales_tax_paid, not recoverable): a line of its
    // own on the cost account, so the body adds up to the printed total; no tax detail.
    if let Some(t) = unrecoverable(mapping) {
        out.remove("TxnTaxDetail");
        let detail = json!({"AccountRef": reference(t.1, &resolved)});
        if let Some(Value::Array(lines)) = out.get_mut("Line") {
            lines.push(json!({"Amount": t.0, "Description": TAX_LINE,
                "DetailType": "AccountBasedExpenseLineDetail", "AccountBasedExpenseLineDetail": detail}));
        }
    }
    Value::Object(out)
}

/// The description of the line that carries tax paid as a cost.
pub const TAX_LINE: &str = "Sales tax paid (not recoverable)";

/// `(amount, account placeholder)` of a mapping's tax when it is part of the cost.
fn unrecoverable(mapping: &Value) -> Option<(&Value, &str)> {
    let t = &mapping["tax_treatment"];
    (t["recoverable"] == false).then_some(())?;
    Some((&t["amount"], t["account"].as_str()?))
}

/// The id of `s` (a `{{lookup:…}}`) from the resolved lookups, else `s` as it is.
fn id_or_placeholder(s: &str, resolved: &[Value]) -> Value {
    match reference(s, resolved).get("value") {
        Some(id) => id.clone(),
        None => json!(s),
    }
}

/// The Zoho Books request body of `mapping`.
pub fn zoho(mapping: &Value) -> Value {
    let resolved = mapping["resolved_lookups"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut out = Map::new();
    for (k, v) in mapping["field_mappings"].as_object().into_iter().flatten() {
        let value = match v {
            Value::Array(lines) if lines.iter().all(Value::is_object) => Value::Array(
                lines
                    .iter()
                    .map(|l| {
                        let mut z = json!({
                            "description": l["description"],
                            "quantity": if l["quantity"].is_number() { l["quantity"].clone() } else { json!(1) },
                            "rate": if l["rate"].is_number() { &l["rate"] } else { &l["amount"] },
                        });
                        for (from, to) in [
                            ("account", "account_id"),
                            ("item", "item_id"),
                            ("tax_code", "tax_id"),
                        ] {
                            if let Some(r) = l[from].as_str() {
                                z[to] = id_or_placeholder(r, &resolved);
                            }
                        }
                        z
                    })
                    .collect(),
            ),
            Value::String(s) if lookup_parts(s).is_some() => id_or_placeholder(s, &resolved),
            _ => v.clone(),
        };
        out.insert(k.clone(), value);
    }
    if let Some((amount, account)) = unrecoverable(mapping) {
        if let Some(Value::Array(lines)) = out.get_mut("line_items") {
            lines.push(
                json!({"description": TAX_LINE, "quantity": 1.0, "rate": amount,
                "account_id": id_or_placeholder(account, &resolved)}),
            );
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_resolve_and_lines_get_their_detail() {
        let m = json!({"field_mappings": {
            "VendorRef": "{{lookup:Vendor:Staples}}", "TxnDate": "2024-03-01", "CurrencyRef": "USD",
            "Line": [{"description": "Toner", "amount": 80.0, "account": "{{lookup:Account:Office Supplies}}", "class": "{{lookup:Class:Store}}"}]},
            "resolved_lookups": [{"entity": "Vendor", "lookup_value": "Staples", "id": "57", "name": "Staples Inc", "match": "normalized"}]});
        let p = quickbooks(&m, false);
        assert_eq!(
            p["VendorRef"],
            json!({"value": "57", "name": "Staples Inc"})
        );
        assert_eq!(p["CurrencyRef"], json!({"value": "USD"}));
        let l = &p["Line"][0];
        assert_eq!(l["DetailType"], "AccountBasedExpenseLineDetail");
        assert_eq!(
            l["AccountBasedExpenseLineDetail"]["AccountRef"],
            json!({"name": "Office Supplies"})
        );
        assert_eq!(
            l["AccountBasedExpenseLineDetail"]["ClassRef"],
            json!({"name": "Store"})
        );
    }

    #[test]
    fn zoho_bodies_carry_ids() {
        let m = json!({"field_mappings": {
            "vendor_id": "{{lookup:Contact:Staples}}", "date": "2024-03-01",
            "line_items": [{"description": "Toner", "amount": 80.0, "quantity": 2.0, "rate": 40.0,
                "account": "{{lookup:Account:Office Supplies}}"}]},
            "resolved_lookups": [{"entity": "Contact", "lookup_value": "Staples", "id": "4600001",
                "name": "Staples", "match": "exact"}]});
        let p = zoho(&m);
        assert_eq!(p["vendor_id"], "4600001");
        assert_eq!(p["line_items"][0]["rate"], 40.0);
        assert_eq!(
            p["line_items"][0]["account_id"], "{{lookup:Account:Office Supplies}}",
            "unresolved stays a placeholder"
        );
    }

    #[test]
    fn tax_paid_as_a_cost_is_a_line_of_its_own_and_reclaimed_tax_stays_tax() {
        let mut m = json!({"field_mappings": {"VendorRef": "{{lookup:Vendor:Staples}}",
            "Line": [{"description": "Toner", "amount": 80.0, "account": "{{lookup:Account:Office Supplies}}"}],
            "TxnTaxDetail": {"TotalTax": 6.6}},
            "tax_treatment": {"rule": "sales_tax_paid", "recoverable": false, "amount": 6.6,
                "account": "{{lookup:Account:Office Supplies}}", "why": "in US"},
            "resolved_lookups": [{"entity": "Account", "lookup_value": "Office Supplies", "id": "7", "name": "Office Supplies", "match": "exact"}]});
        let p = quickbooks(&m, false);
        assert!(p.get("TxnTaxDetail").is_none());
        let lines = p["Line"].as_array().unwrap();
        assert_eq!(lines.len(), 2);
        let total: f64 = lines.iter().map(|l| l["Amount"].as_f64().unwrap()).sum();
        assert!(
            (total - 86.6).abs() < 1e-9,
            "the body adds up to the printed total"
        );
        assert_eq!(
            lines[1]["AccountBasedExpenseLineDetail"]["AccountRef"]["value"],
            "7"
        );
        m["tax_treatment"]["recoverable"] = json!(true);
        let p = quickbooks(&m, false);
        assert_eq!(p["TxnTaxDetail"]["TotalTax"], 6.6);
        assert_eq!(p["Line"].as_array().unwrap().len(), 1);
        let mut z = json!({"field_mappings": {"line_items": [{"description": "Toner", "amount": 80.0}]},
            "tax_treatment": m["tax_treatment"].clone()});
        z["tax_treatment"]["recoverable"] = json!(false);
        assert_eq!(zoho(&z)["line_items"][1]["rate"], 6.6);
    }
}
