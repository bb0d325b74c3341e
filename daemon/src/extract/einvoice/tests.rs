//! The XML fixtures of `../shared/corpus/xml/` (from PyPI `factur-x==7.8`) parse to the totals,
//! parties and lines they state; a Factur-X XML attached to a PDF is found and read.

use serde_json::Value;

use super::*;

fn fixture(name: &str) -> Value {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus/xml")
        .join(name);
    parse(&std::fs::read(&p).unwrap())
        .unwrap()
        .unwrap_or_else(|| panic!("{name}: not an e-invoice"))
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

#[test]
fn factur_x_profiles_parse_to_exact_totals() {
    for name in [
        "factur-x-minimum.xml",
        "factur-x-basicwl.xml",
        "factur-x-basic.xml",
        "factur-x-en16931.xml",
        "factur-x-extended.xml",
    ] {
        let v = fixture(name);
        assert_eq!(v["extraction_method"], "einvoice_cii", "{name}");
        assert_eq!(v["document_type"], "invoice", "{name}");
        assert_eq!(v["currency"], "EUR", "{name}");
        assert_eq!(
            (f(&v["subtotal"]), f(&v["tax"]), f(&v["total"])),
            (100.0, 4.9, 104.9),
            "{name}"
        );
        assert_eq!(f(&v["amount_due"]), 104.9, "{name}");
        assert!(
            v["invoice_number"].as_str().is_some_and(|s| !s.is_empty()),
            "{name}"
        );
        assert!(
            v["issue_date"].as_str().is_some_and(|d| d.len() == 10),
            "{name}"
        );
        assert!(v["from"]["name"].as_str().is_some(), "{name}");
    }
    let v = fixture("factur-x-en16931.xml");
    assert_eq!(v["invoice_number"], "F20260023");
    assert_eq!(v["issue_date"], "2026-01-31");
    // BG-23: the VAT breakdown adds up to the VAT total and the taxable basis to BT-109.
    let tb = v["tax_breakdown"].as_array().unwrap();
    assert!(!tb.is_empty());
    let tax: f64 = tb.iter().map(|t| f(&t["tax_amount"])).sum();
    let basis: f64 = tb.iter().map(|t| f(&t["taxable_amount"])).sum();
    assert!(
        (tax - 4.9).abs() < 0.005 && (basis - 100.0).abs() < 0.005,
        "{tb:?}"
    );
    // Lines (BG-25) are read; the seller's VAT id (BT-31) too.
    assert!(!v["line_items"].as_array().unwrap().is_empty());
    assert!(
        v["from"]["tax_id"]
            .as_str()
            .is_some_and(|t| t.starts_with("FR")),
        "{}",
        v["from"]
    );
}

#[test]
fn zugferd_1_and_order_x_parse() {
    for (name, sub, tax, total) in [
        ("zugferd-basic.xml", 198.0, 37.62, 235.62),
        ("zugferd-comfort.xml", 473.0, 56.87, 529.87),
        ("zugferd-extended.xml", 1056.05, 200.65, 1256.7),
    ] {
        let v = fixture(name);
        assert_eq!(
            (f(&v["subtotal"]), f(&v["tax"]), f(&v["total"])),
            (sub, tax, total),
            "{name}"
        );
        let lines = v["line_items"].as_array().unwrap();
        assert!(!lines.is_empty(), "{name}");
        assert!(
            lines
                .iter()
                .all(|l| l["description"].as_str().is_some_and(|d| !d.is_empty())),
            "{name}"
        );
    }
    for name in ["order-x-basic.xml", "order-x-comfort.xml"] {
        let v = fixture(name);
        assert_eq!(v["document_type"], "purchase_order", "{name}");
        assert_eq!(
            v["issue_date"], "2020-03-31",
            "{name}: format 203 (with time)"
        );
        assert_eq!(
            (f(&v["subtotal"]), f(&v["tax"]), f(&v["total"])),
            (300.0, 60.0, 360.0),
            "{name}"
        );
    }
}

#[test]
fn ubl_invoices_parse_to_exact_totals() {
    for name in ["ubl-21-en16931.xml", "ubl-21-extended-ctc-fr.xml"] {
        let v = fixture(name);
        assert_eq!(v["extraction_method"], "einvoice_ubl");
        assert_eq!(v["issue_date"], "2026-06-17");
        assert_eq!(
            (f(&v["subtotal"]), f(&v["total"]), f(&v["amount_due"])),
            (273.0, 308.03, 208.03),
            "{name}"
        );
        assert!((f(&v["tax"]) - 35.03).abs() < 1e-9, "{name}: {}", v["tax"]);
        let lines = v["line_items"].as_array().unwrap();
        let sum: f64 = lines.iter().map(|l| f(&l["amount"])).sum();
        assert!((sum - 273.0).abs() < 0.005, "{name}: lines sum {sum}");
        assert!(v["to"]["name"].as_str().is_some());
    }
}

#[test]
fn other_xml_is_not_an_einvoice_and_broken_xml_is_an_error() {
    assert_eq!(
        parse(b"<?xml version='1.0'?><note><to>Ann</to></note>").unwrap(),
        None
    );
    assert!(parse(b"<rsm:CrossIndustryInvoice><unclosed>").is_err());
    // No DTD (billion laughs and external entities are refused).
    assert!(parse(b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aa'>]><x>&a;</x>").is_err());
}
