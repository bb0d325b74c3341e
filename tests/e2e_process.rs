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
    assert_eq!(
        doc["result"]["primary_action"],
        doc["stage1"]["suggested_actions"][0]["action"]
    );
    // Metrics per stage are recorded.
    let stages = doc["metrics"]["stages"].as_array().unwrap();
    assert!(stages
        .iter()
        .any(|s| s["stage"] == "stage1" && s["prompt_tokens"].as_u64().unwrap() > 100));
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
fn process_reports_a_missing_model_and_keeps_the_file() {
    let env = Env::new();
    let file = env.path("note.txt");
    std::fs::write(&file, "Invoice 7\nTotal: $10.00\n").unwrap();
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
