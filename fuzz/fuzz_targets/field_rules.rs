//! The deterministic field rules and reconciliation on arbitrary text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for month_first in [false, true] {
        let c = zopilot_fuzz::extract::candidates::find(&text, month_first);
        let mut doc = serde_json::json!({
            "invoice_number": "X1", "issue_date": null, "due_date": null, "subtotal": 1.0,
            "tax": 0.2, "total": 1.2,
            "from": {"name": "A", "address": null, "tax_id": null},
            "to": {"name": null, "address": null, "tax_id": null}, "reference_numbers": []
        });
        let _ = zopilot_fuzz::extract::reconcile::reconcile(&mut doc, &c, &text, &[], month_first);
    }
});
