//! The rule reading and the merge of a model reading into its gaps, on arbitrary text: never a
//! panic, whatever the text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for country in [None, Some("US"), Some("FR")] {
        let reading = zopilot_fuzz::extract::read::read(&text, &[], country);
        let mut rules = reading.doc;
        let model = serde_json::json!({
            "invoice_number": "X1", "issue_date": "2024-01-02", "due_date": null, "subtotal": 1.0,
            "tax": 0.2, "total": 1.2, "currency": "EUR",
            "from": {"name": "A", "address": null, "tax_id": null},
            "to": {"name": null, "address": null, "tax_id": null}, "reference_numbers": []
        });
        let _ = zopilot_fuzz::extract::reconcile::merge(&mut rules, &model, &text, reading.month_first);
    }
});
