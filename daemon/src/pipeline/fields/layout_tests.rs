//! Tests of [`super`]: a vendor's layout learned from approvals and applied to its next
//! documents.

use super::*;
use crate::pipeline::fields::tests::proposals;

/// A reading report of `text` as [`super::super::decide::report`] writes it (candidates
/// only).
fn report(text: &str) -> Value {
    let p = proposals(text);
    let mut out = serde_json::Map::new();
    for f in PLACED.iter().chain(VALUED) {
        let cands: Vec<Value> = p
            .of(f)
            .iter()
            .map(|c| {
                json!({"value": c.value, "printed": c.printed,
                "rule": c.evidence.rule, "label": c.evidence.label})
            })
            .collect();
        out.insert(f.to_string(), json!({"candidates": cands}));
    }
    Value::Object(out)
}

const FIRST: &str = "ACME TOOLS LTD\nRef 4471   Order 99812\nBeleg-Nr. R-20931\n\
    14.03.24 10:22\nWerkzeug            12,00\nZange                7,99\n\
    TOTAL EUR           19,99\n";
const NEXT: &str = "ACME TOOLS LTD\nRef 5120   Order 10233\nBeleg-Nr. R-21877\n\
    02.04.24 16:05\nSchrauben            4,49\nDuebel               3,00\n\
    TOTAL EUR            7,49\n";

#[test]
fn the_next_document_of_a_vendor_is_read_where_the_approved_one_was() {
    let approved = json!({"invoice_number": "R-20931", "issue_date": "2024-03-14",
        "due_date": null, "total": 19.99, "currency": "EUR",
        "from": {"name": "ACME TOOLS LTD"}, "to": {"name": null}});
    let mut layout: Layout =
        serde_json::from_value(learn(&report(FIRST), &approved, &Value::Null)).unwrap();
    layout.approvals = 1;
    let p = proposals(NEXT);
    let at = |f: &str| choice(&layout, f, p.of(f));
    let value = |f: &str| at(f).flatten().map(|i| p.of(f)[i].value.clone());
    assert_eq!(value("invoice_number"), Some(json!("R-21877")));
    assert_eq!(value("issue_date"), Some(json!("2024-04-02")));
    assert_eq!(value("total"), Some(json!(7.49)));
    assert_eq!(value("from.name"), Some(json!("ACME TOOLS LTD")));
    // Approved empty, and nothing under a label of its own: "not on the document".
    assert_eq!(at("due_date"), Some(None));
    assert_eq!(at("to.name"), Some(None));
    // Learning the same document again changes nothing; a second layout is kept beside it.
    let again = learn(&report(FIRST), &approved, &json!(layout));
    assert_eq!(
        serde_json::from_value::<Layout>(again).unwrap().marks,
        layout.marks
    );
}

#[test]
fn a_vendors_number_that_grew_a_digit_is_still_printed_as_approved() {
    let approved = json!({"invoice_number": "R-20931", "from": {"name": "ACME TOOLS LTD"}});
    let layout: Layout =
        serde_json::from_value(learn(&report(FIRST), &approved, &Value::Null)).unwrap();
    let number = |text: &str| {
        let p = proposals(text);
        choice(&layout, "invoice_number", p.of("invoice_number"))
            .flatten()
            .map(|i| p.of("invoice_number")[i].value.clone())
    };
    let next = NEXT.replace("R-21877", "R-121877");
    assert_eq!(number(&next), Some(json!("R-121877")));
    // Another order of letters and digits under the same label is not the approved shape.
    assert_eq!(number(&NEXT.replace("R-21877", "21877-R")), None);
}

#[test]
fn a_field_every_approved_document_printed_is_not_found_rather_than_absent() {
    let first = "ACME TOOLS LTD\nUSt-IdNr. DE123456789\n14.03.24 10:22\nTOTAL EUR 19,99\n";
    let approved = json!({"total": 19.99, "from": {"name": "ACME TOOLS LTD",
        "tax_id": "DE123456789"}, "to": {"name": null}});
    let mut layout: Layout =
        serde_json::from_value(learn(&report(first), &approved, &Value::Null)).unwrap();
    layout.approvals = 1;
    // The next receipt's tax-id line is garbled: no candidate.
    let p = proposals("ACME TOOLS LTD\nUSt-IdNr. Pv0ot 0os ooo\n02.04.24 16:05\nTOTAL EUR 7,49\n");
    let mut ds = undecided(&["from.tax_id", "to.name"], "rules over model");
    let fresh = ds.clone();
    settle(&mut ds, &p, &layout);
    assert_eq!(ds[0].how, NOT_FOUND);
    assert!(!ds[0].settled && ds[0].value.is_null());
    // Approved empty: absent here too, settled.
    assert!(ds[1].settled && ds[1].value.is_null(), "{:?}", ds[1]);
    // The same tax id approved as the reading had guessed it (unsettled, not corrected): no
    // one checked it, so its absence now proves nothing.
    let mut guessed = report(first);
    guessed["from.tax_id"]["value"] = json!("DE123456789");
    guessed["from.tax_id"]["settled"] = json!(false);
    let mut layout: Layout =
        serde_json::from_value(learn(&guessed, &approved, &Value::Null)).unwrap();
    layout.approvals = 1;
    let mut ds = fresh;
    settle(&mut ds, &p, &layout);
    assert_eq!(ds[0].how, "rules over model");
}

/// Decisions of `fields` that chose nothing and settled nothing, `how` as given.
fn undecided(fields: &[&'static str], how: &str) -> Vec<Decision> {
    fields
        .iter()
        .map(|f| Decision {
            field: f,
            chosen: None,
            value: Value::Null,
            settled: false,
            how: how.into(),
        })
        .collect()
}

/// A memory that knows one layout under every name.
struct Everyone(Layout);

impl Known for Everyone {
    fn layout(&self, _: &str) -> Option<Layout> {
        Some(self.0.clone())
    }
}

#[test]
fn a_layout_is_found_only_through_the_name_its_documents_were_issued_under() {
    let approved = json!({"from": {"name": "ACME TOOLS LTD"}});
    let layout: Layout =
        serde_json::from_value(learn(&report(FIRST), &approved, &Value::Null)).unwrap();
    let known = Everyone(layout.clone());
    assert_eq!(
        find(&known, &proposals(NEXT)).map(|l| l.marks),
        Some(layout.marks)
    );
    // Another issuer, whose printed names the memory also answers for: not this layout.
    let other = "BOLT SUPPLY GMBH\nBeleg-Nr. R-30001\n03.04.24 11:00\nTOTAL EUR  5,00\n";
    assert_eq!(find(&known, &proposals(other)), None);
}

#[test]
fn a_layout_does_not_pick_between_two_values_printed_alike_nor_break_the_sums() {
    let approved = json!({"total": 19.99, "subtotal": 16.80, "tax": 3.19});
    let first = "Subtotal 16,80\nVAT 3,19\nTotal 19,99\n";
    let mut layout: Layout =
        serde_json::from_value(learn(&report(first), &approved, &Value::Null)).unwrap();
    layout.approvals = 2;
    // Totals under the same label twice with two values: no opinion.
    let p = proposals("Subtotal 10,00\nVAT 2,00\nTotal 12,00\nTotal 15,00\n");
    assert_eq!(choice(&layout, "total", p.of("total")), None);
    // Amounts that no longer add up keep the joint choice, unsettled.
    let p = proposals("Subtotal 10,00\nVAT 2,00\nTotal 13,00\n");
    let mut ds = undecided(&["subtotal", "tax", "total"], "joint score");
    settle(&mut ds, &p, &layout);
    assert!(ds.iter().all(|d| !d.settled && d.value.is_null()), "{ds:?}");
    // A net printed as last time with no tax to check it against: not settled either.
    let p = proposals("Subtotal 10,00\nTotal 12,00\n");
    settle(&mut ds, &p, &layout);
    assert!(ds.iter().all(|d| !d.settled), "{ds:?}");
    let p = proposals("Subtotal 10,00\nVAT 2,00\nTotal 12,00\n");
    settle(&mut ds, &p, &layout);
    assert!(ds.iter().all(|d| d.settled && d.how == how(2)), "{ds:?}");
    assert_eq!(ds[2].value, json!(12.0));
}
