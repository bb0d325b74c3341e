use serde_json::json;

use super::*;
use crate::pipeline::accounts::{read_lines, AccountChoice};
use crate::pipeline::chart::Chart;
use crate::pipeline::direction;
use crate::pipeline::profile::BusinessProfile;
use crate::pipeline::registry::Registry;

fn sammy() -> Value {
    json!({"document_type": "invoice", "invoice_number": "invoice_number_1", "issue_date": "2022-01-01",
        "due_date": "2022-01-31", "currency": "USD", "subtotal": 127.5, "tax": null, "total": 127.5,
        "from": {"name": "Sammy Maystone", "address": null, "tax_id": null, "email": "smaystone4@fake.com"},
        "to": {"name": "Taylor Riddel", "address": null, "tax_id": null},
        "ship_to": {"name": "Taylor's Store", "address": null, "tax_id": null},
        "reference_numbers": [], "payment": {"paid": false, "method": null},
        "line_items": [{"description": "Service A", "quantity": 12.0, "unit_price": 10.0, "amount": 120.0},
                       {"description": "Service B", "quantity": 5.0, "unit_price": 1.5, "amount": 7.5}],
        "provenance": {}})
}

fn mapped(x: &Value, action: &str, suggested: &[Value]) -> Value {
    let profile = BusinessProfile::named("Taylor's Store");
    let registry = Registry::for_software("quickbooks").unwrap();
    let chart = Chart::for_business(&profile).unwrap();
    let sides = direction::decide(&profile, x, "");
    let mut lines = read_lines(x, "Sammy Maystone");
    for l in &mut lines.lines {
        l.account = Some(AccountChoice {
            name: "Repairs & Maintenance".into(),
            method: "keywords".into(),
            confidence: 80,
            evidence: None,
        });
    }
    let input = Stage2Input {
        file_name: "invoice.pdf",
        extracted: x,
        profile: &profile,
        registry: &registry,
        chart: &chart,
        sides: &sides,
        lines: &lines,
        suggested,
    };
    map(&input, &json!({"action": action, "action_type": "PRIMARY"})).unwrap()
}

#[test]
fn a_bill_is_filled_from_the_document_with_printed_names_in_its_lookups() {
    let suggested = vec![json!({"action": "createVendor", "action_type": "PREREQUISITE"})];
    let m = mapped(&sammy(), "createBill", &suggested);
    let f = &m["field_mappings"];
    assert_eq!(f["VendorRef"], "{{lookup:Vendor:Sammy Maystone}}");
    assert_eq!(f["DocNumber"], "invoice_number_1");
    assert_eq!(f["TxnDate"], "2022-01-01");
    assert_eq!(f["TotalAmt"], 127.5);
    assert_eq!(f["CurrencyRef"], "USD");
    let amounts: Vec<f64> = f["Line"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["amount"].as_f64().unwrap())
        .collect();
    assert_eq!(amounts, [120.0, 7.5]);
    assert_eq!(
        f["Line"][0]["account"],
        "{{lookup:Account:Repairs & Maintenance}}"
    );
    let vendor = m["lookups_required"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["entity"] == "Vendor")
        .unwrap();
    assert_eq!(vendor["lookup_value"], "Sammy Maystone");
    assert_eq!(
        vendor["create_if_missing"], true,
        "a createVendor PREREQUISITE comes first"
    );
    let v = &m["validation"];
    assert_eq!(
        (
            v["total_amount_matches"].as_bool(),
            v["all_required_fields_present"].as_bool()
        ),
        (Some(true), Some(true))
    );
    crate::schemas::validate(crate::schemas::Kind::Stage2, &m).unwrap();
    let action = Registry::for_software("quickbooks").unwrap();
    crate::schemas::validate_with(
        &action.get("createBill").unwrap().field_mappings_schema(),
        f,
    )
    .unwrap();
}

#[test]
fn validation_is_computed_from_the_values() {
    let mut x = sammy();
    x["total"] = json!(130.0);
    let m = mapped(&x, "createBill", &[]);
    assert_eq!(m["validation"]["total_amount_matches"], false);
    assert!(m["confidence"].as_i64().unwrap() <= 50);
    let mut x = sammy();
    x["issue_date"] = Value::Null;
    let m = mapped(&x, "createBill", &[]);
    assert_eq!(m["validation"]["all_required_fields_present"], false);
    assert!(m["field_mappings"].get("TxnDate").is_none());
    let w = m["validation"]["warnings"].as_array().unwrap();
    assert!(
        w.iter().any(|w| w.as_str().unwrap().contains("TxnDate")),
        "{w:?}"
    );
}

#[test]
fn every_required_field_of_every_action_has_a_value_source() {
    let r = Registry::for_software("quickbooks").unwrap();
    for a in &r.actions {
        for f in &a.required_fields {
            assert!(
                f.source != "none" && !f.source.is_empty(),
                "{}.{} has no source",
                a.name,
                f.name
            );
        }
    }
}
