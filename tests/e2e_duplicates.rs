//! Stage 0 duplicate rules on real corpus e-invoices (fields read exactly, so the rules are
//! exercised deterministically), through `zopilot process` into one database:
//! - the same Factur-X invoice in two profiles (different files, same number and seller) →
//!   `invoice_number` rule, confidence 85–95;
//! - a copy under a new name with only the invoice number changed (same total, date and
//!   seller) → `fuzzy` rule, confidence 70–84;
//!
//! The exact-content rule is covered by e2e_watch.

mod support;

use serde_json::Value;
use support::*;

fn candidates(doc: &Value) -> Vec<Value> {
    doc["result"]["duplicate_candidates"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn same_invoice_in_two_files_and_an_edited_copy_are_flagged() {
    let env = Env::new();
    let first = process_ok(&env, &corpus("xml/factur-x-basic.xml"));
    assert!(candidates(&first).is_empty(), "{}", first["result"]);

    // The same invoice as the EN 16931 profile: another file, same number and seller.
    let second = process_ok(&env, &corpus("xml/factur-x-en16931.xml"));
    let c = candidates(&second);
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(
        (c[0]["document_id"].clone(), c[0]["rule"].as_str()),
        (first["id"].clone(), Some("invoice_number"))
    );
    let conf = c[0]["confidence"].as_i64().unwrap();
    assert!((85..=95).contains(&conf), "{conf}");
    assert!(second["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w.as_str().unwrap().contains("possible duplicate")));
    assert_eq!(
        second["status"], "preview_required",
        "a possible duplicate goes to review"
    );

    // A copy under a new name with another invoice number: same total, date, seller.
    let xml = std::fs::read_to_string(corpus("xml/factur-x-basic.xml")).unwrap();
    let edited = xml.replacen(
        "<ram:ID>F20260023</ram:ID>",
        "<ram:ID>F20260099</ram:ID>",
        1,
    );
    assert_ne!(edited, xml);
    let copy = env.path("copy of invoice (resent).xml");
    std::fs::write(&copy, edited).unwrap();
    let third = process_ok(&env, &copy);
    let c = candidates(&third);
    assert!(!c.is_empty(), "{}", third["result"]);
    assert!(c.iter().all(|x| x["rule"] == "fuzzy"), "{c:?}");
    assert!(
        c.iter()
            .all(|x| (70..=84).contains(&x["confidence"].as_i64().unwrap())),
        "{c:?}"
    );
    assert_eq!(third["status"], "preview_required");
}
