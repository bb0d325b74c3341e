//! The business's rules file and sales tax, end to end with the real binary: a rules file decides
//! before the model and is named in the result, a broken one stops the start; sales tax collected
//! on a sale, paid as a cost or reclaimed on a purchase.

mod support;

use serde_json::Value;
use support::books::*;
use support::*;

#[test]
fn the_business_rules_file_decides_and_is_named_and_a_broken_one_stops_the_start() {
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let rules = repo_root().join("schema/profiles/taylors-store.rules.toml");
    let with_rules = profile_with_rules(dir.path(), "taylors-store.toml", &rules);
    let bill = books_dir().join("blue-ridge-power-bill.txt");
    let doc = ok_json(&env, &with_rules, &["process", bill.to_str().unwrap()]);
    let line = &primary(&doc)["field_mappings"]["Line"][0];
    assert_eq!(line["account"], "{{lookup:Account:Utilities}}");
    assert_eq!(line["account_decided_by"], "business_rule");
    assert_eq!(line["class"], "{{lookup:Class:Store}}");
    let fired: Vec<&str> = doc["result"]["rules_fired"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert!(
        fired.contains(&"Utilities from the power company"),
        "{fired:?}"
    );
    assert!(fired.contains(&"Large purchases are reviewed"), "{fired:?}");
    assert_eq!(doc["status"], "preview_required");
    assert!(doc["result"]["review_reasons"]
        .to_string()
        .contains("warning"));
    assert!(doc["result"]["warnings"]
        .to_string()
        .contains("Large purchases are reviewed"));

    // A rules file with an error: the daemon does not start, and says why.
    let broken = dir.path().join("broken.rules.toml");
    std::fs::write(&broken, "[[rule]]\nvendor = \"Staples\"\n").unwrap();
    let bad_profile = profile_with_rules(dir.path(), "bad.toml", &broken);
    let out = env
        .command(&bad_profile)
        .env(
            "ZOPILOT_LISTEN",
            format!("127.0.0.1:{}", support::daemon::free_port()),
        )
        .arg("serve")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no effect"));
}

#[test]
fn sales_tax_is_collected_on_a_sale_and_paid_as_a_cost_or_reclaimed_on_a_purchase() {
    let env = Env::new();
    import_books(&env);
    let taylors = profile("taylors-store.toml");
    let tax_of = |doc: &Value| primary(doc)["tax_treatment"].clone();
    let fired = |doc: &Value, rule: &str| {
        doc["result"]["rules_fired"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["rule"] == rule)
    };

    // A US purchase: the sales tax is part of the cost, a line of its own on the cost account,
    // and the ready-to-post bill adds up to the printed total.
    let purchase = books_dir().join("prairie-hardware-invoice.txt");
    let doc = ok_json(&env, &taylors, &["process", purchase.to_str().unwrap()]);
    assert_eq!(doc["result"]["primary_action"], "createBill");
    let t = tax_of(&doc);
    assert_eq!(
        (t["rule"].as_str(), t["recoverable"].as_bool()),
        (Some("sales_tax_paid"), Some(false)),
        "{t}"
    );
    assert_eq!(t["amount"], 18.15);
    assert!(fired(&doc, "sales tax paid"));
    let bill = primary(&doc);
    let printed: Vec<f64> = bill["field_mappings"]["Line"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["amount"].as_f64().unwrap())
        .collect();
    assert_eq!(printed, vec![178.0, 42.0], "the lines stay as printed");
    let lines = bill["payload"]["Line"].as_array().unwrap();
    let sum: f64 = lines.iter().map(|l| l["Amount"].as_f64().unwrap()).sum();
    assert!(
        (sum - 238.15).abs() < 0.005,
        "payload lines add up to {sum}"
    );
    let tax_line = lines.last().unwrap();
    assert_eq!(
        tax_line["AccountBasedExpenseLineDetail"]["AccountRef"],
        lines[0]["AccountBasedExpenseLineDetail"]["AccountRef"],
        "on the account of the largest line"
    );
    assert!(bill["payload"].get("TxnTaxDetail").is_none());

    // A sale by the business: the tax was collected, owed to the authority.
    let sale = books_dir().join("taylors-store-sales-invoice.txt");
    let doc = ok_json(&env, &taylors, &["process", sale.to_str().unwrap()]);
    assert_eq!(doc["result"]["primary_action"], "createInvoice");
    let t = tax_of(&doc);
    assert_eq!(t["rule"], "sales_tax_collected", "{t}");
    assert_eq!(t["amount"], 36.3);
    assert!(fired(&doc, "sales tax collected"));
    let chart = chart_names(&env);
    let account = t["account"]
        .as_str()
        .unwrap()
        .trim_start_matches("{{lookup:Account:")
        .trim_end_matches("}}");
    assert!(
        chart.iter().any(|a| a == account),
        "{account} is in the imported chart"
    );
    assert_eq!(primary(&doc)["payload"]["TxnTaxDetail"]["TotalTax"], 36.3);

    // A business that reclaims tax paid (its profile says so): the tax stays tax.
    let dir = tempfile::tempdir().unwrap();
    let reclaims = dir.path().join("reclaims.toml");
    let text = std::fs::read_to_string(&taylors).unwrap() + "purchase_tax_recoverable = true\n";
    std::fs::write(&reclaims, text).unwrap();
    let doc = ok_json(&env, &reclaims, &["process", purchase.to_str().unwrap()]);
    let t = tax_of(&doc);
    assert_eq!(
        (t["rule"].as_str(), t["recoverable"].as_bool()),
        (Some("sales_tax_paid"), Some(true)),
        "{t}"
    );
    let bill = primary(&doc);
    assert_eq!(bill["payload"]["Line"].as_array().unwrap().len(), 2);
    assert_eq!(bill["payload"]["TxnTaxDetail"]["TotalTax"], 18.15);
}
