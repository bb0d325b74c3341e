//! The duplicate rules on extracted documents built from the real corpus ground truth
//! (`../shared/corpus/fields/*.json`: invoice number, date, amount, partner name).

use serde_json::{json, Value};

use super::*;

/// An extracted document from a corpus ground-truth file, issued by `party`.
fn from_corpus(file: &str, party: &str) -> Value {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus/fields")
        .join(file);
    let rows: Vec<(String, String, Value)> =
        serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    let get = |k: &str| {
        rows.iter()
            .find(|r| r.0 == k)
            .map(|r| r.2.clone())
            .unwrap_or(Value::Null)
    };
    json!({
        "invoice_number": get("invoice_number"),
        "issue_date": get("date"),
        "total": get("amount"),
        "from": {"name": party},
    })
}

fn aws() -> Value {
    from_corpus("i2d_AmazonWebServices.json", "Amazon Web Services, Inc.")
}

#[test]
fn same_invoice_number_and_vendor_is_a_strong_duplicate() {
    let old = aws();
    let mut new = aws();
    // Reformatted number and legal form: still the same invoice.
    new["invoice_number"] = json!("4218-3017");
    new["from"]["name"] = json!("AMAZON WEB SERVICES LLC");
    let c = compare(7, &old, &new).unwrap();
    assert_eq!(
        (c.rule, c.confidence, c.document_id),
        ("invoice_number", 95, 7)
    );
    // A typo in the vendor name lowers the confidence but stays in 85–94.
    new["from"]["name"] = json!("Amazon Web Servces");
    let c = compare(7, &old, &new).unwrap();
    assert_eq!(c.rule, "invoice_number");
    assert!((85..95).contains(&c.confidence), "{}", c.confidence);
}

#[test]
fn same_number_from_another_vendor_is_not_the_invoice_number_rule() {
    let old = aws();
    let mut new = from_corpus("i2d_oyo.json", "Oravel Stays Pvt Ltd (OYO)");
    new["invoice_number"] = old["invoice_number"].clone();
    assert_eq!(compare(1, &old, &new), None);
}

#[test]
fn same_amount_close_dates_similar_names_is_a_fuzzy_duplicate() {
    let old = from_corpus("i2d_free_fiber.json", "Free Fiber SAS");
    let mut new = old.clone();
    new["invoice_number"] = json!("562044999");
    new["issue_date"] = json!("2015-07-05");
    new["from"]["name"] = json!("Free Fibre");
    let c = compare(3, &old, &new).unwrap();
    assert_eq!(c.rule, "fuzzy");
    assert!((70..=84).contains(&c.confidence), "{}", c.confidence);
    // Closer in time and name: more confident.
    new["issue_date"] = json!("2015-07-02");
    new["from"]["name"] = json!("Free Fiber");
    let closer = compare(3, &old, &new).unwrap();
    assert!(closer.confidence > c.confidence && closer.confidence <= 84);
}

#[test]
fn different_amounts_or_distant_dates_are_not_duplicates() {
    let old = from_corpus("i2d_oyo.json", "OYO Rooms");
    let mut new = old.clone();
    new["invoice_number"] = json!("IBZY9999");
    new["total"] = json!(1939.5);
    assert_eq!(compare(1, &old, &new), None);
    new["total"] = old["total"].clone();
    new["issue_date"] = json!("2018-01-20");
    assert_eq!(compare(1, &old, &new), None);
    // Every corpus invoice against every other: no false alarms.
    let all = [
        aws(),
        from_corpus("i2d_FlipkartInvoice.json", "Flipkart"),
        from_corpus("i2d_free_fiber.json", "Free"),
        from_corpus("i2d_oyo.json", "OYO Rooms"),
        from_corpus("i2d_SammyMaystoneLinesTest.json", "Sammy Maystone"),
    ];
    for (i, a) in all.iter().enumerate() {
        for (j, b) in all.iter().enumerate() {
            if i != j {
                assert_eq!(compare(i as i64, a, b), None, "{i} vs {j}");
            }
        }
    }
}

#[test]
fn a_credit_note_is_not_the_duplicate_of_the_invoice_it_cancels() {
    let invoice = aws();
    let mut credit = aws();
    credit["document_type"] = json!("credit_note");
    assert!(compare(1, &invoice, &credit).is_none());
    assert!(compare(1, &credit, &invoice).is_none());
    // Two copies of the credit note are still duplicates.
    assert!(compare(1, &credit, &credit).is_some());
}
