use std::collections::HashMap;

use serde_json::json;

use super::choose::{Judged, NONE};
use super::decide::{decide, Business};
use super::joint::Decision;
use crate::extract::read::candidates::{propose, Proposals};
use crate::extract::read::{document::line_sums, read};

pub(super) const NOBODY: Business<'static> = Business {
    name: "",
    tax_id: None,
    vendors: &[],
    customers: &[],
    layout: None,
};

pub(super) fn proposals(text: &str) -> Proposals {
    propose(text, &read(text, &[], None))
}

pub(super) fn decided<'a>(d: &'a [Decision], field: &str) -> &'a Decision {
    d.iter().find(|x| x.field == field).unwrap()
}

/// How the candidate of `field` with `value` is printed (the option the model is shown).
pub(super) fn printed_as(p: &Proposals, field: &str, value: serde_json::Value) -> String {
    p.of(field)
        .iter()
        .find(|c| c.value == value)
        .map(|c| c.printed.clone())
        .unwrap_or_else(|| panic!("{value} is a candidate of {field}"))
}

/// The model's shares as a field's scoring would give them for its top four candidates and
/// "not on the document": `logp` of each option as printed.
pub(super) fn judged(
    p: &Proposals,
    field: &'static str,
    logp: impl Fn(&str) -> f64,
) -> (&'static str, Judged) {
    let mut options: Vec<String> = p
        .of(field)
        .iter()
        .take(4)
        .map(|c| c.printed.clone())
        .collect();
    options.push(NONE.into());
    let logp = options.iter().map(|o| logp(o)).collect();
    let raw = options.iter().map(|_| (0.0, 1, 0.0)).collect();
    (field, Judged { options, logp, raw })
}

/// The model's shares as a field's scoring would give them: `best` (as printed) far ahead.
pub(super) fn model_prefers(
    p: &Proposals,
    field: &'static str,
    best: &str,
) -> (&'static str, Judged) {
    judged(p, field, |o| if o == best { -0.05 } else { -4.0 })
}

#[test]
fn the_arithmetic_overrules_a_first_total_label_that_is_the_net() {
    let t = "INVOICE\nInvoice No: 77\nDate: 02/01/2025\nTotal            100.00\n\
             VAT 20%           20.00\nTotal incl. VAT  120.00\n";
    let p = proposals(t);
    let d = decide(&p, &HashMap::new(), line_sums(t), &NOBODY);
    assert_eq!(decided(&d, "total").value, json!(120.0));
    assert_eq!(decided(&d, "subtotal").value, json!(100.0));
    assert_eq!(decided(&d, "tax").value, json!(20.0));
    assert!(decided(&d, "total").settled);
    assert_eq!(decided(&d, "total").how, "arithmetic");
}

#[test]
fn a_confident_model_overrules_the_rules_pick_but_the_field_is_not_settled() {
    // The first number label is the customer's; the document's own number is further down.
    let t = "Supplier Co Ltd\nNo: CUST-0042\nInvoice Number: INV-9981\nDate: 02/01/2025\n\
             Total 50.00\n";
    let p = proposals(t);
    let first = p.of("invoice_number")[0].printed.clone();
    let other = if first == "INV-9981" {
        "CUST-0042"
    } else {
        "INV-9981"
    };
    let judged: HashMap<_, _> = [model_prefers(&p, "invoice_number", other)].into();
    let d = decide(&p, &judged, line_sums(t), &NOBODY);
    let n = decided(&d, "invoice_number");
    assert_eq!(n.value, json!(other), "{:?}", p.of("invoice_number"));
    assert!(!n.settled, "rules and model disagree: a person looks");
    // Where they agree, the field is settled.
    let judged: HashMap<_, _> = [model_prefers(&p, "invoice_number", &first)].into();
    let d = decide(&p, &judged, line_sums(t), &NOBODY);
    assert!(decided(&d, "invoice_number").settled);
    assert_eq!(decided(&d, "invoice_number").how, "rules and model agree");
}

#[test]
fn issuer_and_recipient_differ_and_exactly_one_is_the_business() {
    let t =
        "Bill to: Greenfield Bakery LLC\nGreenfield Bakery LLC\nMain St 1, Springfield IL 62701\n\
             Invoice 5\nTotal 10.00\n";
    let p = proposals(t);
    let business = Business {
        name: "Greenfield Bakery LLC",
        tax_id: None,
        vendors: &[],
        customers: &[],
        layout: None,
    };
    let d = decide(&p, &HashMap::new(), line_sums(t), &business);
    let (from, to) = (decided(&d, "from.name"), decided(&d, "to.name"));
    assert_ne!(from.value, to.value);
    assert_eq!(to.value, json!("Greenfield Bakery LLC"));
}

#[test]
fn a_due_date_never_comes_before_the_issue_date() {
    let t = "Invoice 9\nDue date: 01/02/2025\nInvoice date: 15/02/2025\nTotal 10.00\n";
    let p = proposals(t);
    // The model insists the due date is the earlier one and the issue date the later: the
    // pair must still be ordered.
    let judged: HashMap<_, _> = [
        model_prefers(&p, "issue_date", "01/02/2025"),
        model_prefers(&p, "due_date", "15/02/2025"),
    ]
    .into();
    let d = decide(&p, &judged, line_sums(t), &NOBODY);
    let (i, due) = (decided(&d, "issue_date"), decided(&d, "due_date"));
    if let (Some(i), Some(due)) = (i.value.as_str(), due.value.as_str()) {
        assert!(due >= i, "{i} → {due}");
    }
}

#[test]
fn the_business_and_a_counterparty_of_the_books_are_settled_by_who_they_are_on_their_side() {
    let t = "Northwind Traders Ltd\n12 Harbour Road, Leeds LS1 4AB\n\nInvoice to: Greenfield Bakery LLC\n\
             Invoice 5\nTotal 10.00\n";
    let p = proposals(t);
    // The model not asked: the rules alone settle nothing.
    let judged = HashMap::new();
    let unknown = decide(&p, &judged, line_sums(t), &NOBODY);
    assert!(!decided(&unknown, "from.name").settled);
    assert!(!decided(&unknown, "to.name").settled);
    let vendors = vec!["NORTHWIND TRADERS LTD.".to_string()];
    let business = Business {
        name: "Greenfield Bakery LLC",
        tax_id: None,
        vendors: &vendors,
        customers: &[],
        layout: None,
    };
    let known = decide(&p, &judged, line_sums(t), &business);
    let (from, to) = (decided(&known, "from.name"), decided(&known, "to.name"));
    assert_eq!(from.value, json!("Northwind Traders Ltd"));
    assert!(from.settled, "{}", from.how);
    assert_eq!(from.how, "a vendor of the books");
    assert_eq!(to.value, json!("Greenfield Bakery LLC"));
    assert!(to.settled, "{}", to.how);
    assert_eq!(to.how, "the business's name");
    // Only an equal name settles: a vendor whose name merely contains the printed one does not.
    let longer = vec!["Northwind Traders Ltd Holdings".to_string()];
    let d = decide(
        &p,
        &judged,
        line_sums(t),
        &Business {
            vendors: &longer,
            ..business
        },
    );
    assert!(!decided(&d, "from.name").settled);
}

#[test]
fn sides_that_may_be_swapped_settle_nothing() {
    use serde_json::Value;
    let vendors = vec!["Veidekke Industri AS".to_string()];
    let b = Business {
        name: "Vaktmesterkompaniet AS",
        tax_id: None,
        vendors: &vendors,
        customers: &[],
        layout: None,
    };
    let (us, vendor) = (
        json!("VAKTMESTERKOMPANIET AS"),
        json!("Veidekke Industri AS"),
    );
    // The business read as the issuer and its vendor as the recipient: nothing is settled.
    assert_eq!(b.identity(&us, &vendor), [None, None]);
    // The right way round both are.
    assert_eq!(
        b.identity(&vendor, &us),
        [Some("a vendor of the books"), Some("the business's name")]
    );
    // The business issuing to a customer of its books is a sale, settled; to nobody known, not.
    let customers = vec!["Eidsvoll Kommune".to_string()];
    let seller = Business {
        customers: &customers,
        layout: None,
        ..b
    };
    assert_eq!(
        seller.identity(&us, &json!("EIDSVOLL KOMMUNE")),
        [Some("the business's name"), Some("a customer of the books")]
    );
    assert_eq!(b.identity(&us, &json!("Someone Else AS")), [None, None]);
    assert_eq!(
        b.identity(&Value::Null, &us),
        [None, Some("the business's name")]
    );
}

#[test]
fn a_kind_its_title_alone_proposes_is_settled_and_an_untitled_one_is_not() {
    let t = "QUOTATION\nQuote No: Q-12\nDate: 02/01/2025\nTotal 50.00\n";
    let p = proposals(t);
    assert_eq!(
        p.of("document_type").len(),
        1,
        "{:?}",
        p.of("document_type")
    );
    let d = decide(&p, &HashMap::new(), line_sums(t), &NOBODY);
    let k = decided(&d, "document_type");
    assert_eq!(k.value, json!("quote"));
    assert!(k.settled);
    assert_eq!(k.how, "the title alone");
    // No title: the rules' guess between an invoice and a receipt settles nothing.
    let t = "Corner Shop\nDate: 02/01/2025\nTotal 50.00\n";
    let p = proposals(t);
    let d = decide(&p, &HashMap::new(), line_sums(t), &NOBODY);
    assert!(!decided(&d, "document_type").settled);
}

#[test]
fn the_amount_due_of_a_settled_payment_state_is_settled_by_arithmetic() {
    use super::joint::Decision;
    let d = |field: &'static str, value: serde_json::Value, settled: bool| Decision {
        field,
        chosen: None,
        value,
        settled,
        how: String::new(),
    };
    let mut ds = vec![
        d("total", json!(120.0), true),
        d("amount_due", json!(0.0), false),
        d("payment", json!(true), true),
    ];
    super::decide::settle_amount_due(&mut ds);
    assert!(ds[1].settled);
    assert_eq!(ds[1].how, "paid in full: nothing due");
    // Paid, with a printed number (the cash handed over) chosen as due: nothing is due.
    ds[1] = d("amount_due", json!(50.0), false);
    super::decide::settle_amount_due(&mut ds);
    assert_eq!((ds[1].value.clone(), ds[1].settled), (json!(0.0), true));
    // Unpaid: only the total itself is due.
    ds[1] = d("amount_due", json!(0.0), false);
    ds[2] = d("payment", json!(false), true);
    super::decide::settle_amount_due(&mut ds);
    assert!(!ds[1].settled);
    ds[1] = d("amount_due", json!(120.0), false);
    super::decide::settle_amount_due(&mut ds);
    assert_eq!(ds[1].how, "nothing paid: the total is due");
    // A payment state in doubt settles nothing.
    ds[1] = d("amount_due", json!(120.0), false);
    ds[2] = d("payment", json!(false), false);
    super::decide::settle_amount_due(&mut ds);
    assert!(!ds[1].settled);
    // A till's "to pay" line pinned as due, the till's tendered lines proving it paid: 0 due.
    let pinned = |how: &str| Decision {
        how: how.into(),
        ..d("amount_due", json!(120.0), true)
    };
    ds[1] = pinned("arithmetic");
    ds[2] = Decision {
        how: super::till::TILL.into(),
        ..d("payment", json!(true), true)
    };
    super::decide::settle_amount_due(&mut ds);
    assert_eq!(
        (&ds[1].value, ds[1].how.as_str()),
        (&json!(0.0), "paid in full: nothing due")
    );
}

#[test]
fn the_model_choosing_the_business_for_both_sides_is_read_among_the_options_identity_allows() {
    let t = "Brightside Consulting Ltd\n12 High Street\nINVOICE\nInvoice No: INV-2024-3001\n\
             Date: 02/01/2025\nBill To:\nCarter & Webb LLP\n1 Mill Lane\nTotal 120.00\n";
    let b = Business {
        name: "Brightside Consulting Ltd",
        tax_id: None,
        vendors: &[],
        customers: &[],
        layout: None,
    };
    let p = proposals(t);
    assert_eq!(p.of("to.name")[0].value, json!("Carter & Webb LLP"));
    // The model, asked who receives the document, names the business (the issuer) first and
    // the customer second.
    let judged: HashMap<_, _> = [
        model_prefers(&p, "from.name", "Brightside Consulting Ltd"),
        judged(&p, "to.name", |o| match o {
            "Brightside Consulting Ltd" => -0.3,
            "Carter & Webb LLP" => -1.5,
            _ => -6.0,
        }),
    ]
    .into();
    let d = decide(&p, &judged, line_sums(t), &b);
    let to = decided(&d, "to.name");
    assert_eq!(to.value, json!("Carter & Webb LLP"));
    assert!(to.settled, "{}", to.how);
    assert_eq!(to.how, "rules and model agree");
}

#[test]
fn agreement_on_an_unlabelled_amount_settles_nothing() {
    // No label anywhere: the total is a bare amount the rules rank first.
    let t = "Corner Shop\n2 Coffee      7.00\n          7.00\n";
    let p = proposals(t);
    let first = p.of("total")[0].printed.clone();
    assert_eq!(p.of("total")[0].evidence.rule, "amount printed");
    let judged: HashMap<_, _> = [model_prefers(&p, "total", &first)].into();
    let d = decide(&p, &judged, (None, None), &NOBODY);
    let total = decided(&d, "total");
    assert!(!total.settled);
    assert_eq!(total.how, "rules and model agree on weak evidence");
}

#[test]
fn a_till_receipt_titled_tax_invoice_is_settled_by_its_till_lines_over_the_model() {
    let t = "KEDAI RUNCIT MAJU SDN BHD\nTAX INVOICE\nMilo 1kg        1    18.90\n\
             TOTAL           18.90\nCASH            50.00\nCHANGE          31.10\n";
    let p = proposals(t);
    // The model reads the title.
    let judged: HashMap<_, _> = [model_prefers(&p, "document_type", "invoice")].into();
    let d = decide(&p, &judged, line_sums(t), &NOBODY);
    let k = decided(&d, "document_type");
    assert_eq!(k.value, json!("receipt"));
    assert!(k.settled);
    assert_eq!(k.how, "a till's payment lines");
    assert!(decided(&d, "payment").settled);
    // The model agreeing on the kind: the till's lines still settle the payment.
    let judged: HashMap<_, _> = [
        model_prefers(&p, "document_type", "receipt"),
        model_prefers(&p, "payment", "not paid yet"),
    ]
    .into();
    let d = decide(&p, &judged, line_sums(t), &NOBODY);
    assert!(decided(&d, "document_type").settled);
    let paid = decided(&d, "payment");
    assert_eq!(
        (paid.value.clone(), paid.settled),
        (json!(true), true),
        "{paid:?}"
    );
}

#[test]
fn a_zero_tax_pins_nothing_an_amount_printed_twice_adds_up_with_it() {
    use super::joint::{money, Money, Opt};
    // The net 1,760.00 is printed twice (lines 3 and 5) and a "0.00" line sits between: subtotal +
    // 0 = "total" is a tautology, not the document's arithmetic.
    let opt = |v: f64, score: f64, line: usize| Opt {
        cand: Some(line),
        value: json!(v),
        prior: score,
        score,
        at: Some((line, 20)),
        labelled: true,
    };
    let totals = [opt(1760.0, 5.5, 5), opt(1848.0, 2.5, 8)];
    let subtotals = [opt(1760.0, 0.0, 3)];
    let taxes = [opt(0.0, 0.0, 4), opt(44.0, 0.0, 6)];
    let dues = [opt(1760.0, 0.0, 3)];
    let ctx = Money {
        lines: (None, None),
        amounts: Vec::new(),
    };
    let (k, pins) = money([&totals, &subtotals, &taxes, &dues], &ctx).unwrap();
    assert_eq!(k[2], 0, "the zero tax is still the best choice here");
    assert_eq!(pins, [false; 4], "but it pins nothing");
    // Nor does a subtotal of 0 under a "tax" equal to the total.
    let subtotals = [opt(0.0, 0.0, 4)];
    let taxes = [opt(1760.0, 0.0, 3)];
    let totals = [opt(1760.0, 5.5, 5)];
    let got = money([&totals, &subtotals, &taxes, &dues], &ctx);
    assert!(got.is_none_or(|(_, pins)| pins == [false; 4]), "{got:?}");
    let subtotals = [opt(1760.0, 0.0, 3)];
    let taxes = [opt(0.0, 0.0, 4), opt(44.0, 0.0, 6)];
    // A real tax that adds up pins all three (and the net is no amount due of it).
    let totals = [opt(1804.0, 0.0, 8)];
    let dues = [opt(1760.0, 0.0, 3), opt(1804.0, 0.0, 8)];
    let (_, pins) = money([&totals, &subtotals, &taxes, &dues], &ctx).unwrap();
    assert_eq!(&pins[..3], &[true, true, true]);
}

#[test]
fn a_tax_above_its_subtotal_is_the_two_swapped() {
    // The model prefers the net as the tax: subtotal and tax swapped add up just the same.
    let t = "FACTURE\nMontant HT          1 241,03\nTVA                   238,82\n\
             Total TTC           1 479,85\n";
    let p = proposals(t);
    let m: HashMap<_, _> = [
        model_prefers(&p, "tax", "1 241,03"),
        model_prefers(&p, "subtotal", "238,82"),
    ]
    .into_iter()
    .collect();
    let d = decide(&p, &m, line_sums(t), &NOBODY);
    assert_eq!(decided(&d, "tax").value, json!(238.82), "{d:?}");
    assert_eq!(decided(&d, "subtotal").value, json!(1241.03), "{d:?}");
    // Nor is a tax over half the total with no subtotal chosen (the net is total − tax).
    let m: HashMap<_, _> = [
        model_prefers(&p, "tax", "1 241,03"),
        judged(&p, "subtotal", |o| if o == NONE { -0.01 } else { -6.0 }),
    ]
    .into_iter()
    .collect();
    let d = decide(&p, &m, line_sums(t), &NOBODY);
    assert_ne!(decided(&d, "tax").value, json!(1241.03), "{d:?}");
}

#[test]
fn the_documents_number_read_as_an_amount_is_no_total_whatever_the_model_says() {
    // An invoice number printed under its label, a plain long number on its own line; the model
    // prefers it as the total.
    let t = "Contoso\nInvoice Number        Date\n34278587              02/01/2025\n\
             Service fee 1                 56,651.49\n";
    let p = proposals(t);
    assert!(
        p.of("total").iter().any(|c| c.value == json!(34278587.0)),
        "the number is an amount candidate"
    );
    let judged: HashMap<_, _> = [model_prefers(&p, "total", "34278587")].into();
    let d = decide(&p, &judged, (None, None), &NOBODY);
    assert_eq!(decided(&d, "invoice_number").value, json!("34278587"));
    assert_eq!(decided(&d, "total").value, json!(56651.49));
    assert!(!decided(&d, "total").settled);
}

#[test]
fn the_net_of_a_taxed_total_is_not_the_amount_due() {
    let t = "FAKTURA 9067031258\nFakturadato 02.06.2016\n\
             Netto ekskl. MVA                     NOK   48.343,26\n\
             MVA 25,000 % 48.343,26                     12.085,82\n\
             Totalpris inkl. MVA                  NOK   60.429,08\n";
    let p = proposals(t);
    let net = printed_as(&p, "amount_due", json!(48343.26));
    let judged: HashMap<_, _> = [model_prefers(&p, "amount_due", &net)].into();
    let d = decide(&p, &judged, line_sums(t), &NOBODY);
    assert_eq!(decided(&d, "subtotal").value, json!(48343.26));
    assert_eq!(decided(&d, "total").value, json!(60429.08));
    assert_ne!(decided(&d, "amount_due").value, json!(48343.26));
    // Nor is a line's amount, unless the total less it is printed as paid.
    let lines = "Rør 110 mm          2 stk     16.590,00   33.180,00\n";
    let t2 = t.replacen("Netto", &format!("{lines}Netto"), 1);
    let owed = |t: &str| {
        let p = proposals(t);
        let line = printed_as(&p, "amount_due", json!(33180.0));
        let judged: HashMap<_, _> = [model_prefers(&p, "amount_due", &line)].into();
        let d = decide(&p, &judged, line_sums(t), &NOBODY);
        decided(&d, "amount_due").value.clone()
    };
    assert_ne!(owed(&t2), json!(33180.0));
    let paid = format!("{t2}Innbetalt                            NOK   27.249,08\n");
    assert_eq!(owed(&paid), json!(33180.0));
}

#[test]
fn a_subtotal_computed_against_the_printed_net_is_not_settled() {
    // The OCR read the total with a slip; the VAT table prints net 5,11 + tax 0,36 = 5,47.
    let t = "                           real GmbH\n          STEINOFENBROETCHEN     0,29 E\n\
             \x20         SUMME         EUR      5.17\n          Bar           EUR      5,47\n\
             \x20     Mehrwertst. ohne MwSt   mit MwSt\n  E 7,0%      0,36     5,11      5,47\n\
             \x20 29.02.20 14:52 8665105 0263\n";
    let p = proposals(t);
    let computed = |net: f64| {
        let mut doc = json!({"subtotal": net, "total": 5.17, "tax": 0.36, "provenance": {
            "subtotal": {"method": "computed", "rule": "total − tax", "settled": true}}});
        super::doubt_computed_subtotal(&mut doc, &p);
        doc["provenance"]["subtotal"].clone()
    };
    let doubted = computed(4.81);
    assert_eq!(doubted["settled"], json!(false), "{doubted}");
    assert!(
        doubted["how"].as_str().unwrap().contains("5,11"),
        "{doubted}"
    );
    // The same net as printed stays settled.
    assert_eq!(computed(5.11)["settled"], json!(true));
}
