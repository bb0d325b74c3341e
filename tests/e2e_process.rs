//! `zopilot process` on a real invoice: the main job, once, from the command line.

mod support;

use support::*;

#[test]
fn process_classifies_a_real_invoice_for_taylors_store() {
    let env = Env::new();
    let invoice = corpus("pdf/i2d_SammyMaystoneLinesTest.pdf");
    let before = sha256(&invoice);
    let out = env
        .command(&profile("taylors-store.toml"))
        .args(["process", invoice.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}\n{stderr}", out.status);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let status = doc["status"].as_str().unwrap();
    assert!(
        status == "classified" || status == "preview_required",
        "{status}"
    );
    assert_classification(&doc);
    assert_eq!(doc["business"]["name"], "Taylor's Store");
    // The README's sample, as an accountant checks it.
    let x = &doc["extracted"];
    assert_eq!(
        x["from"]["name"], "Sammy Maystone",
        "the printed name, never the e-mail line"
    );
    assert_eq!(x["currency"], "USD");
    assert_eq!(doc["result"]["primary_action"], "createBill");
    assert_eq!(doc["result"]["direction"], "incoming");
    let bill = doc["result"]["suggested_actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["action_type"] == "PRIMARY")
        .unwrap();
    let f = &bill["field_mappings"];
    assert_eq!(f["VendorRef"], "{{lookup:Vendor:Sammy Maystone}}");
    assert_eq!(f["DocNumber"], "invoice_number_1");
    assert_eq!(f["TotalAmt"], 127.5);
    assert_eq!(f["CurrencyRef"], "USD");
    let amounts: Vec<f64> = f["Line"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["amount"].as_f64().unwrap())
        .collect();
    assert_eq!(amounts, [120.0, 7.5]);
    for l in f["Line"].as_array().unwrap() {
        let account = l["account"].as_str().unwrap();
        assert!(
            account.starts_with("{{lookup:Account:") && account.len() > 20,
            "{account}"
        );
    }
    let v = &bill["validation"];
    assert_eq!(v["total_amount_matches"], true);
    assert_eq!(v["all_required_fields_present"], true);
    let lookups = bill["lookups_required"].as_array().unwrap();
    assert!(lookups
        .iter()
        .any(|l| l["entity"] == "Vendor" && l["lookup_value"] == "Sammy Maystone"));
    // The vendor is new to the books: created first.
    assert!(doc["result"]["suggested_actions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["action"] == "createVendor" && a["action_type"] == "PREREQUISITE"));
    assert_eq!(sha256(&invoice), before, "the original must not change");

    // The same row is readable afterwards.
    let id = doc["id"].as_i64().unwrap();
    let shown = env
        .command(&profile("taylors-store.toml"))
        .args(["show", &id.to_string()])
        .output()
        .unwrap();
    assert!(shown.status.success());
    let again: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(again["stage1"], doc["stage1"]);
}

#[test]
fn stored_outputs_hold_no_placeholders_on_several_corpus_documents() {
    let env = Env::new();
    for f in [
        "pdf/i2d_AmazonWebServices.pdf",
        "pdf/i2d_free_fiber.pdf",
        "pdf/i2d_oyo.pdf",
        "img/i2d_FlipkartInvoice_scan.png",
    ] {
        let doc = process_ok(&env, &corpus(f));
        assert_classification(&doc);
    }
}

#[test]
fn process_reports_a_missing_model_and_keeps_the_file() {
    let env = Env::new();
    // Rules read the total and the date but no issuer: the model is needed, and missing.
    let file = env.path("note.txt");
    std::fs::write(&file, "Total: $10.00\nDate: 2024-01-05\n").unwrap();
    let out = env
        .command(&profile("taylors-store.toml"))
        .env("ZOPILOT_MODEL_DIR", env.path("no-such-model"))
        .args(["process", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // No model is a transient problem (install one and `zopilot retry`); `process` makes one
    // attempt, so the document is dead-lettered with the reason.
    assert_eq!(doc["status"], "dead");
    assert!(
        doc["error"]
            .as_str()
            .unwrap()
            .contains("model not available"),
        "{}",
        doc["error"]
    );
    assert!(file.is_file());
}

#[test]
fn a_factur_x_xml_is_read_exactly_and_classified() {
    let env = Env::new();
    let doc = process_ok(&env, &corpus("xml/factur-x-en16931.xml"));
    let x = &doc["extracted"];
    assert_eq!(x["extraction_method"], "einvoice_cii");
    assert_eq!(
        (x["invoice_number"].as_str(), x["total"].as_f64()),
        (Some("F20260023"), Some(104.9))
    );
    assert_valid("extracted_document.schema.json", x);
    assert_classification(&doc);
}

#[test]
fn the_xml_attached_to_a_factur_x_pdf_beats_the_text_layer() {
    let env = Env::new();
    let xml = std::fs::read(corpus("xml/ubl-21-en16931.xml")).unwrap();
    let pdf = env.path("invoice-with-xml.pdf");
    std::fs::write(&pdf, pdf_with_attachment("factur-x.xml", &xml)).unwrap();
    let doc = process_ok(&env, &pdf);
    let x = &doc["extracted"];
    assert_eq!(x["extraction_method"], "einvoice_ubl");
    assert_eq!(
        (x["subtotal"].as_f64(), x["total"].as_f64()),
        (Some(273.0), Some(308.03))
    );
    assert_classification(&doc);
}
