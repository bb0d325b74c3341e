//! One field's value from its registry source (see the registry's `value_sources`), with the
//! lookups it needs and how sure it is.

use crate::extract::money;
use chrono::Datelike;
use serde_json::{json, Value};

use super::input::{Mapped, Stage2Input};
use crate::pipeline::mapping::lookup_ref;
use crate::pipeline::registry::Field;

fn plain(value: Value, confidence: i64) -> Option<Mapped> {
    (!value.is_null()).then_some(Mapped {
        value,
        lookups: Vec::new(),
        confidence,
    })
}

/// Confidence of extracted field `path` (its provenance; e-invoices are exact).
fn field_confidence(x: &Value, path: &str) -> i64 {
    if x["extraction_method"]
        .as_str()
        .is_some_and(|m| m.starts_with("einvoice"))
    {
        return 100;
    }
    x["provenance"][path]["confidence"].as_i64().unwrap_or(70)
}

/// The value of a `doc.<field>` source.
fn doc(input: &Stage2Input<'_>, field: &str) -> Option<Mapped> {
    let x = input.extracted;
    match field {
        "currency" => match x["currency"].as_str() {
            Some(c) => plain(json!(c), field_confidence(x, "currency")),
            None => plain(json!(input.profile.currency.clone()), 60),
        },
        "referenced_document" => {
            let r = x["reference_numbers"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|r| {
                    r["label"]
                        .as_str()
                        .is_some_and(|l| l.to_lowercase().contains("invoice"))
                })
                .map(|r| r["value"].clone())
                .unwrap_or(Value::Null);
            plain(r, 70)
        }
        f => plain(x[f].clone(), field_confidence(x, f)),
    }
}

/// The counterparty's `field`, with the confidence of its name.
fn party(input: &Stage2Input<'_>, field: &str) -> Option<Mapped> {
    let p = &input.sides.counterparty;
    let conf = input
        .sides
        .confidence
        .min(if input.sides.direction == "outgoing" {
            field_confidence(input.extracted, "to.name")
        } else {
            field_confidence(input.extracted, "from.name")
        });
    plain(p[field].clone(), conf)
}

/// Whether the suggested actions create a record of `entity` first.
fn created_first(input: &Stage2Input<'_>, entity: &str) -> bool {
    let creator = match entity {
        "Vendor" => "createVendor",
        "Customer" => "createCustomer",
        "Contact" => "createContact",
        "Item" => "createItem",
        _ => return false,
    };
    input.suggested.iter().any(|s| s["action"] == creator)
}

fn lookup(input: &Stage2Input<'_>, entity: &str, name: &str, field: &str, conf: i64) -> Mapped {
    Mapped {
        value: json!(lookup_ref(entity, name)),
        lookups: vec![
            json!({"entity": entity, "field": field, "lookup_value": name,
            "create_if_missing": created_first(input, entity)}),
        ],
        confidence: conf,
    }
}

/// The first line, or the line of the item a createItem PREREQUISITE is for.
fn line_of<'a>(
    input: &'a Stage2Input<'_>,
    suggestion: &Value,
) -> Option<&'a crate::pipeline::accounts::Line> {
    let lines = &input.lines.lines;
    match suggestion["item"].as_str() {
        Some(item) => lines.iter().find(|l| l.description == item),
        None => lines.first(),
    }
}

/// The value of `field` for `suggestion`, `None` when its source has nothing.
pub fn value(input: &Stage2Input<'_>, suggestion: &Value, field: &Field) -> Option<Mapped> {
    let src = field.source.as_str();
    if let Some(f) = src.strip_prefix("doc.") {
        return doc(input, f);
    }
    if let Some(f) = src.strip_prefix("party.") {
        return party(input, f);
    }
    if let Some(rest) = src.strip_prefix("lookup:") {
        let (entity, by) = rest.split_once(':')?;
        let m = value(
            input,
            suggestion,
            &Field {
                source: by.to_string(),
                ..field.clone()
            },
        )?;
        let name = m.value.as_str()?.trim().to_string();
        return (!name.is_empty()).then(|| lookup(input, entity, &name, &field.name, m.confidence));
    }
    if let Some(kind) = src.strip_prefix("lines:") {
        return super::lines::value(input, kind, &field.name);
    }
    if let Some(f) = src.strip_prefix("line.") {
        let l = line_of(input, suggestion)?;
        let v = match f {
            "description" => json!(l.description),
            "unit_price" => money::to_json(l.rate.unwrap_or(l.amount)),
            "quantity" => money::to_json(l.quantity.unwrap_or(rust_decimal::Decimal::ONE)),
            _ => Value::Null,
        };
        return plain(v, 80);
    }
    if let Some(role) = src.strip_prefix("role:") {
        return role_value(input, role, &field.name);
    }
    if let Some(c) = src.strip_prefix("computed:") {
        return computed(input, suggestion, c);
    }
    if let Some(c) = src.strip_prefix("const:") {
        return plain(json!(c), 100);
    }
    None
}

/// The payment method read on the document (`card`, `cash`, `check`, `transfer`), if any.
fn method<'a>(input: &Stage2Input<'a>) -> Option<&'a str> {
    input.extracted["payment"]["method"].as_str()
}

fn role_value(input: &Stage2Input<'_>, role: &str, field: &str) -> Option<Mapped> {
    let role = match role {
        "payment_account" => format!("payment_account.{}", method(input).unwrap_or("transfer")),
        r => r.to_string(),
    };
    let account = input.chart.role(&role)?;
    Some(lookup(
        input,
        "Account",
        &account.name,
        field,
        if method(input).is_some() { 85 } else { 70 },
    ))
}

fn computed(input: &Stage2Input<'_>, suggestion: &Value, name: &str) -> Option<Mapped> {
    let x = input.extracted;
    let conf = if method(input).is_some() { 85 } else { 70 };
    match name {
        "payment_type" => plain(
            json!(match method(input) {
                Some("card") => "CreditCard",
                Some("check") => "Check",
                _ => "Cash",
            }),
            conf,
        ),
        "pay_type" => plain(
            json!(if method(input) == Some("card") {
                "CreditCard"
            } else {
                "Check"
            }),
            conf,
        ),
        "payment_method" => {
            let m = match method(input)? {
                "card" => "Credit Card",
                "cash" => "Cash",
                "check" => "Check",
                _ => "Bank Transfer",
            };
            Some(lookup(input, "PaymentMethod", m, "PaymentMethodRef", conf))
        }
        "note" => plain(
            json!(format!(
                "{} {} from {}; read from {}",
                x["document_type"]
                    .as_str()
                    .unwrap_or("document")
                    .replace('_', " "),
                x["invoice_number"].as_str().unwrap_or(""),
                input.sides.counterparty["name"].as_str().unwrap_or("?"),
                input.file_name
            )),
            90,
        ),
        "item_type" => plain(
            json!(if input.profile.has_inventory == Some(true) {
                "NonInventory"
            } else {
                "Service"
            }),
            80,
        ),
        "file_name" => plain(json!(input.file_name), 100),
        "period_start" | "period_end" => {
            let d =
                chrono::NaiveDate::parse_from_str(x["issue_date"].as_str()?, "%Y-%m-%d").ok()?;
            let first = d.with_day(1)?;
            let v = if name == "period_start" {
                first
            } else {
                let next = first.checked_add_months(chrono::Months::new(1))?;
                next.pred_opt()?
            };
            plain(json!(v.format("%Y-%m-%d").to_string()), 90)
        }
        "given_name" | "family_name" => {
            let n = input.sides.counterparty["name"].as_str()?;
            let (g, f) = n.rsplit_once(' ').unwrap_or((n, ""));
            plain(json!(if name == "given_name" { g } else { f }), 60)
        }
        _ => {
            let _ = suggestion;
            None
        }
    }
}
