//! The `Line` field of an action: the document's lines (description, quantity, rate, amount),
//! with the account each goes to (`lines:accounts`, purchases) or the item it sells
//! (`lines:items`, sales), and the lookups those references need.

use serde_json::{json, Value};

use super::input::{Mapped, Stage2Input};
use crate::extract::money;
use crate::pipeline::mapping::lookup_ref;

/// The `lines:<kind>` value of field `field`.
pub(super) fn value(input: &Stage2Input<'_>, kind: &str, field: &str) -> Option<Mapped> {
    let lines = &input.lines;
    if lines.lines.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    let mut lookups: Vec<Value> = Vec::new();
    let mut confidence = if lines.itemised { 85 } else { 75 };
    for (i, l) in lines.lines.iter().enumerate() {
        let mut v = json!({"description": l.description, "amount": money::to_json(money::round(l.amount, 3))});
        if let Some(q) = l.quantity {
            v["quantity"] = money::to_json(q);
        }
        if let Some(r) = l.rate {
            v["rate"] = money::to_json(r);
        }
        let path = format!("{field}[{i}]");
        match kind {
            "items" => {
                let known = input
                    .profile
                    .items
                    .iter()
                    .any(|k| super::super::direction::same_name(k, &l.description));
                v["item"] = json!(lookup_ref("Item", &l.description));
                lookups.push(json!({"entity": "Item", "field": format!("{path}.item"),
                    "lookup_value": l.description, "create_if_missing": !known}));
            }
            _ => {
                if let Some(item) = &l.item {
                    v["item"] = json!(lookup_ref("Item", item));
                    lookups.push(json!({"entity": "Item", "field": format!("{path}.item"),
                        "lookup_value": item, "create_if_missing": false}));
                }
                if let Some(a) = &l.account {
                    v["account"] = json!(lookup_ref("Account", &a.name));
                    v["account_decided_by"] = json!(a.method);
                    if let Some(e) = &a.evidence {
                        v["account_evidence"] = json!(e);
                    }
                    confidence = confidence.min(a.confidence);
                    lookups.push(
                        json!({"entity": "Account", "field": format!("{path}.account"),
                        "lookup_value": a.name, "create_if_missing": false}),
                    );
                }
            }
        }
        for (key, entity, value) in [
            ("class", "Class", &l.class),
            ("tax_code", "TaxCode", &l.tax_code),
        ] {
            if let Some(x) = value {
                v[key] = json!(lookup_ref(entity, x));
                lookups.push(json!({"entity": entity, "field": format!("{path}.{key}"),
                    "lookup_value": x, "create_if_missing": false}));
            }
        }
        out.push(v);
    }
    Some(Mapped {
        value: Value::Array(out),
        lookups,
        confidence,
    })
}
