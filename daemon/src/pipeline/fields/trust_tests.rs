//! What settles a field, measured against the real development half: the arithmetic only at a
//! plausible tax rate under a printed total, agreement only on evidence that held, a till
//! receipt's buyer and payment, the business's own name as printed.

use std::collections::HashMap;

use serde_json::json;

use super::decide::{decide, Business};
use super::tests::{decided, model_prefers, printed_as, proposals, NOBODY};
use crate::extract::read::document::line_sums;

#[test]
fn a_sum_at_an_implausible_tax_rate_or_without_a_printed_total_pins_nothing() {
    use super::joint::{money, Money, Opt};
    let opt = |v: f64, line: usize, labelled: bool| Opt {
        cand: Some(line),
        value: json!(v),
        prior: 0.0,
        score: 0.0,
        at: Some((line, 20)),
        labelled,
    };
    let ctx = Money {
        lines: (None, None),
        amounts: Vec::new(),
    };
    let nil = [Opt {
        cand: None,
        value: serde_json::Value::Null,
        prior: 0.0,
        score: 0.0,
        at: None,
        labelled: false,
    }];
    let dues = [opt(109.97, 9, false)];
    // Net and tax both printed and adding up to the total: only the way round at a real tax
    // rate (91.64 + 20 % = 109.97) is chosen and pinned, not 18.33 net + 91.64 "tax" (500 %).
    let totals = [opt(109.97, 9, true)];
    let nets = [opt(18.33, 5, false), opt(91.64, 6, false)];
    let taxes = [opt(91.64, 6, false), opt(18.33, 5, false)];
    let (k, pins) = money([&totals, &nets, &taxes, &dues], &ctx).unwrap();
    assert_eq!(
        (nets[k[1]].value.clone(), taxes[k[2]].value.clone()),
        (json!(91.64), json!(18.33))
    );
    assert_eq!(&pins[..3], &[true, true, true]);
    // A tax above its net (500 %) is no choice at all: the two swapped.
    let got = money([&totals, &nets[..1], &taxes[..1], &dues], &ctx);
    assert!(got.is_none(), "{got:?}");
    // Two prices and their sum (7.99 + 6.99 ≈ 14.99: 87 %) pin nothing either.
    let (t, s, x) = (
        [opt(14.99, 3, true)],
        [opt(7.99, 1, false)],
        [opt(6.99, 2, false)],
    );
    let got = money([&t, &s, &x, &[opt(0.0, 8, false)]], &ctx);
    assert!(got.is_none_or(|(_, pins)| pins == [false; 4]), "{got:?}");
    // A VAT table's row (net 5.01, tax 1.05, gross 6.06: 21 %) where no total label stands over
    // the gross pins nothing; under a total label it does.
    let (s, x) = ([opt(5.01, 1, false)], [opt(1.05, 2, false)]);
    let (_, pins) = money([&[opt(6.06, 3, false)], &s, &x, &nil], &ctx).unwrap();
    assert_eq!(pins, [false; 4]);
    let (_, pins) = money([&[opt(6.06, 3, true)], &s, &x, &nil], &ctx).unwrap();
    assert_eq!(&pins[..3], &[true, true, true]);
    // Item lines that carry no tax of their own (gross = net) do not pin a total equal to their
    // sum when a tax is chosen: they are the net.
    let lines = Money {
        lines: (Some(2850.into()), Some(2850.into())),
        amounts: Vec::new(),
    };
    let got = money(
        [&[opt(2850.0, 3, true)], &nil, &[opt(256.5, 4, false)], &nil],
        &lines,
    );
    let (_, pins) = got.unwrap();
    assert!(!pins[0], "the lines are the net");
    let (_, pins) = money([&[opt(2850.0, 3, true)], &nil, &nil, &nil], &lines).unwrap();
    assert!(pins[0], "without a tax the lines' sum is the total");
}

#[test]
fn the_issuer_from_the_letterhead_is_settled_by_the_books_not_by_agreement() {
    let t = "Northwind Traders Ltd\n12 Harbour Road, Leeds LS1 4AB\nINVOICE\nInvoice No: 5\n\
             Invoice to: Greenfield Bakery LLC\nTotal 10.00\n";
    let p = proposals(t);
    let first = p.of("from.name")[0].clone();
    assert_eq!(first.value, json!("Northwind Traders Ltd"));
    assert!(matches!(first.evidence.rule, "letterhead" | "legal form"));
    let judged: HashMap<_, _> = [model_prefers(&p, "from.name", &first.printed)].into();
    let d = decide(&p, &judged, line_sums(t), &NOBODY);
    let from = decided(&d, "from.name");
    assert_eq!(from.value, json!("Northwind Traders Ltd"));
    assert!(!from.settled, "{}", from.how);
    let vendors = vec!["Northwind Traders Ltd".to_string()];
    let b = Business {
        name: "Greenfield Bakery LLC",
        tax_id: None,
        vendors: &vendors,
        customers: &[],
        layout: None,
    };
    let d = decide(&p, &judged, line_sums(t), &b);
    assert!(decided(&d, "from.name").settled);
    // A number under an order label is not settled by agreement either.
    let t = "Shop GmbH\nRECHNUNG\nBestellnr.: 125525700100010\nSumme 10,00\n";
    let p = proposals(t);
    if let Some(c) = p.of("invoice_number").first().cloned() {
        let judged: HashMap<_, _> = [model_prefers(&p, "invoice_number", &c.printed)].into();
        let d = decide(&p, &judged, line_sums(t), &NOBODY);
        let n = decided(&d, "invoice_number");
        assert!(!(n.settled && n.value == json!("125525700100010")), "{n:?}");
    }
}

#[test]
fn a_till_receipt_names_no_buyer_unless_a_recipient_label_or_the_business_stands_on_it() {
    let t = "KEDAI RUNCIT MAJU SDN BHD\nCashier: Alina\nMilo 1kg        1    18.90\n\
             TOTAL           18.90\nCASH            50.00\nCHANGE          31.10\n";
    let p = proposals(t);
    // The model names the cashier as the recipient.
    let judged: HashMap<_, _> = p
        .of("to.name")
        .first()
        .map(|c| model_prefers(&p, "to.name", &c.printed.clone()))
        .into_iter()
        .collect();
    let d = decide(&p, &judged, line_sums(t), &NOBODY);
    assert_eq!(decided(&d, "document_type").how, "a till's payment lines");
    let to = decided(&d, "to.name");
    assert_eq!(to.value, serde_json::Value::Null);
    assert!(to.settled);
    assert_eq!(to.how, "a till receipt names no buyer");
    assert!(decided(&d, "to.tax_id").settled);
    // A customer's label on the receipt: the recipient is read as on any document.
    let t = "KEDAI RUNCIT MAJU SDN BHD\nBill to: Greenfield Bakery LLC\nMilo 1kg     1    18.90\n\
             TOTAL           18.90\nCASH            50.00\nCHANGE          31.10\n";
    let p = proposals(t);
    let d = decide(&p, &HashMap::new(), line_sums(t), &NOBODY);
    assert_ne!(decided(&d, "to.name").how, "a till receipt names no buyer");
}

#[test]
fn a_card_payment_beside_a_time_of_day_is_a_till_receipt_paid_on_the_spot() {
    let t = "LIDL Paderborn\nBananen          1,19 A\nSUMME            14,08\n\
             Kreditkarte      14,08\n07.04.20  18:42   Bed.: 4711\n";
    let p = proposals(t);
    // The model reads "invoice".
    let judged: HashMap<_, _> = [model_prefers(&p, "document_type", "invoice")].into();
    let d = decide(&p, &judged, line_sums(t), &NOBODY);
    let k = decided(&d, "document_type");
    assert_eq!(k.value, json!("receipt"));
    assert!(k.settled, "{}", k.how);
    assert_eq!(decided(&d, "payment").value, json!(true));
    // The same payment line without a time of day is weaker evidence: not settled by it.
    let t = "Office Shop\nPaper            9,99\nTOTAL            9,99\nKreditkarte      9,99\n";
    let p = proposals(t);
    let judged: HashMap<_, _> = [model_prefers(&p, "document_type", "invoice")].into();
    let d = decide(&p, &judged, line_sums(t), &NOBODY);
    assert_ne!(decided(&d, "document_type").how, "a till's payment lines");
}

#[test]
fn the_business_printed_under_a_label_the_rules_do_not_know_is_the_recipient_settled_by_identity() {
    let t = "Veidekke Industri AS\nPostboks 504, 0214 Oslo\nFAKTURA\nFakturanr: 2157520\n\
             Kundens adresse   VAKTMESTERKOMPANIET AS\n                  Postboks 288 Økern\n\
             Total NOK        1 250,00\n";
    let b = Business {
        name: "Vaktmesterkompaniet AS",
        tax_id: None,
        vendors: &[],
        customers: &[],
        layout: None,
    };
    let mut p = proposals(t);
    super::identity::propose(&mut p, t, &b);
    assert!(
        p.of("to.name")
            .iter()
            .take(super::choose::TOP)
            .any(|c| c.value == json!("VAKTMESTERKOMPANIET AS")),
        "{:?}",
        p.of("to.name")
    );
    let d = decide(&p, &HashMap::new(), line_sums(t), &b);
    let to = decided(&d, "to.name");
    // Written as the business calls itself, not as the page prints it.
    assert_eq!(to.value, json!("Vaktmesterkompaniet AS"));
    assert!(to.settled, "{}", to.how);
    assert_eq!(to.how, "the business's name");
    assert_ne!(decided(&d, "from.name").value, to.value);
}

#[test]
fn the_business_misread_by_ocr_is_still_the_business_and_sits_on_one_side() {
    // The OCR read "o.o." as "0.o."; the model, asked, prefers a street as the recipient.
    let t = "OpenAI, LLC\n548 Market Street\nInvoice number 8B83747E-0006\nBill to\n\
             3Qcode Sp. z 0.o.\nul. Prosta 1\nTotal $20.00\n";
    let b = Business {
        name: "3Qcode Sp. z o.o.",
        tax_id: None,
        vendors: &[],
        customers: &[],
        layout: None,
    };
    assert!(super::joint::misread_as("3Qcode Sp. z 0.o.", b.name));
    assert!(!super::joint::misread_as("OpenAI, LLC", b.name));
    let p = proposals(t);
    let street = p
        .of("to.name")
        .iter()
        .find(|c| c.value != json!("3Qcode Sp. z 0.o."))
        .map(|c| c.printed.clone())
        .unwrap();
    let judged: HashMap<_, _> = [super::tests::model_prefers(&p, "to.name", &street)].into();
    let d = decide(&p, &judged, line_sums(t), &b);
    let to = decided(&d, "to.name");
    assert_eq!(to.value, json!("3Qcode Sp. z o.o."), "{}", to.how);
    assert!(to.settled, "{}", to.how);
    assert_ne!(decided(&d, "from.name").value, json!("3Qcode Sp. z o.o."));
}

#[test]
fn the_business_is_on_one_side_and_an_unlabelled_business_leans_to_the_recipients_side() {
    use super::joint::{parties, Opt};
    let opt = |v: &str, score: f64, labelled: bool| Opt {
        cand: Some(0),
        value: json!(v),
        prior: score,
        score,
        at: None,
        labelled,
    };
    let business = |v: &serde_json::Value| v == &json!("Acme Bakery Ltd");
    let to = [
        opt("Acme Bakery Ltd", 0.4, false),
        opt("Main Street 4", 0.6, false),
    ];
    // The business from a letterhead-like line scores a little higher as the issuer, but no
    // issuer's label stands before it: the supplier issues, the business receives.
    let from = [
        opt("Acme Bakery Ltd", 0.8, false),
        opt("Flour Mill GmbH", 0.5, false),
    ];
    assert_eq!(parties(&from, &to, &business, true), Some([1, 0]));
    // Under an issuer's label, the business issues (a sales invoice).
    let from = [
        opt("Acme Bakery Ltd", 0.8, true),
        opt("Flour Mill GmbH", 0.5, false),
    ];
    assert_eq!(parties(&from, &to, &business, true), Some([0, 1]));
    // Neither side the business costs more than any score difference here.
    let from = [opt("Flour Mill GmbH", 3.0, false)];
    assert_eq!(parties(&from, &to, &business, true), Some([0, 0]));
}

#[test]
fn the_issuers_tax_id_settles_by_agreement_only_when_no_other_partys_id_is_printed() {
    let agreed = |t: &str, business: &Business| {
        let p = proposals(t);
        let id = p.of("from.tax_id")[0].printed.clone();
        let judged: HashMap<_, _> = [model_prefers(&p, "from.tax_id", &id)].into();
        let d = decide(&p, &judged, line_sums(t), business);
        let d = decided(&d, "from.tax_id").clone();
        (id, d.settled, d.how)
    };
    let one = "Nordlys Elektro AS\nStorgata 1, 0155 Oslo\nOrg.nr.: NO 984 820 011 MVA\n\
               FAKTURA\nFakturanr: 1001\nTotal 100,00\n";
    let (id, settled, how) = agreed(one, &NOBODY);
    assert_eq!(id, "NO984820011MVA");
    assert!(settled, "{how}");
    // The buyer's number printed too, under no recipient's label: whose is whose is a guess.
    let two = format!("{one}Bergen Bygg AS\nNO 937 270 062 MVA\n");
    let (id, settled, how) = agreed(&two, &NOBODY);
    assert_eq!(id, "NO984820011MVA");
    assert!(!settled, "{how}");
    // Under the buyer's own label ("Deres org.nr", your org. number), or when the other number
    // is the business's own, it is not.
    let labelled = format!("{one}Deres organisasjonsnr\nNO 937 270 062 MVA\n");
    assert!(agreed(&labelled, &NOBODY).1);
    let ours = Business {
        name: "Bergen Bygg AS",
        tax_id: Some("NO937270062MVA"),
        ..NOBODY
    };
    assert!(agreed(&two, &ours).1);
}

#[test]
fn printed_payment_terms_settle_a_due_date_that_many_days_after_a_settled_issue_date() {
    let doc = |terms: &str| {
        format!(
            "Nordlys Elektro AS\nFAKTURA\nFakturanr: 1001\nFakturadato: 02.01.2025\n\
             Forfallsdato: 01.02.2025\n{terms}\nTotal 100,00\n"
        )
    };
    let settle = |t: &str| {
        let p = proposals(t);
        // The model agrees on the issue date and prefers another date as the due date.
        let judged: HashMap<_, _> = [
            model_prefers(
                &p,
                "issue_date",
                &printed_as(&p, "issue_date", json!("2025-01-02")),
            ),
            model_prefers(
                &p,
                "due_date",
                &printed_as(&p, "due_date", json!("2025-01-02")),
            ),
        ]
        .into();
        let d = decide(&p, &judged, line_sums(t), &NOBODY);
        assert!(decided(&d, "issue_date").settled);
        let due = decided(&d, "due_date").clone();
        assert_eq!(due.value, json!("2025-02-01"));
        (due.settled, due.how)
    };
    let (settled, how) = settle(&doc("Betalingsbetingelser: 30 dager netto"));
    assert!(settled, "{how}");
    assert_eq!(how, "the payment terms: 30 days after the issue date");
    // Terms that do not give this due date, or none: the disagreement stands.
    assert!(!settle(&doc("Betalingsbetingelser: 14 dager netto")).0);
    assert!(!settle(&doc("")).0);
}

/// The decisions of invoice `t` when the model names the due date `first` (as an ISO value),
/// the labelled 2025-01-16 second, and agrees with the rules on the issue date.
fn due_dates_judged(t: &str, first: &str) -> Vec<super::joint::Decision> {
    use super::tests::judged;
    let p = proposals(t);
    let share = |o: &str| {
        let v = p
            .of("due_date")
            .iter()
            .find(|c| c.printed == o)
            .map(|c| c.value.clone());
        match v {
            Some(v) if v == json!(first) => -0.05,
            Some(v) if v == json!("2025-01-16") => -1.0,
            _ => -4.0,
        }
    };
    let issue = p.of("issue_date")[0].printed.clone();
    let judged: HashMap<_, _> = [
        model_prefers(&p, "issue_date", &issue),
        judged(&p, "due_date", share),
    ]
    .into();
    decide(&p, &judged, line_sums(t), &NOBODY)
}

#[test]
fn a_due_date_before_the_issue_date_is_not_the_models_answer() {
    let t = "Nordlys Elektro AS\nFAKTURA\nFakturanr: 1001\nLeveringsdato: 28.12.2024\n\
             Fakturadato: 02.01.2025\nForfallsdato: 16.01.2025\nTotal 100,00\n";
    let d = due_dates_judged(t, "2024-12-28");
    assert_eq!(decided(&d, "issue_date").value, json!("2025-01-02"));
    let due = decided(&d, "due_date");
    // The model's first choice, the delivery date, falls before the issue date: its best
    // allowed option is the labelled due date, which the rules picked too.
    assert_eq!(due.value, json!("2025-01-16"));
    assert!(due.settled, "{due:?}");
    assert_eq!(due.how, "rules and model agree");
}

#[test]
fn the_issue_date_is_not_the_models_due_date_when_another_date_is_under_a_due_label() {
    let doc = |due_line: &str| {
        format!(
            "Nordlys Elektro AS\nFAKTURA\nFakturanr: 1001\nFakturadato: 02.01.2025\n\
             {due_line}Total 100,00\n"
        )
    };
    let decide_due = |t: &str| decided(&due_dates_judged(t, "2025-01-02"), "due_date").clone();
    // The model names the issue date as the due date; a due date's label stands over 16.01:
    // the model's best allowed answer is the labelled one.
    let due = decide_due(&doc("Forfallsdato: 16.01.2025\n"));
    assert_eq!(due.value, json!("2025-01-16"));
    assert!(due.settled, "{due:?}");
    // Ruled out only while another date stands under a due label: due on the issue date stays
    // an answer when nothing else is labelled as the due date.
    let out = |t: &str| {
        let p = proposals(t);
        let issue = |f: &str| match f {
            "issue_date" => json!("2025-01-02"),
            _ => serde_json::Value::Null,
        };
        let cands = p.of("due_date");
        super::evidence::ruled_out("due_date", cands, &issue, &|_| false)
            .into_iter()
            .map(|i| cands[i].value.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        out(&doc("Forfallsdato: 16.01.2025\n")),
        [json!("2025-01-02")]
    );
    assert!(out(&doc("")).is_empty());
}

#[test]
fn a_till_receipts_number_nothing_settled_is_left_out_not_guessed() {
    let t = "SATURN ELECTRO\nKasse 05251/87180  Bed. 30-32\nKabel            14,99\n\
             SUMME            14,99\nBAR              20,00\nRÜCKGELD          5,01\n";
    let p = proposals(t);
    // The model names the till's number as the receipt's.
    let judged: HashMap<_, _> = p
        .of("invoice_number")
        .iter()
        .find(|c| c.value == json!("05251/87180"))
        .map(|c| model_prefers(&p, "invoice_number", &c.printed.clone()))
        .into_iter()
        .collect();
    assert_eq!(judged.len(), 1, "the till's number is a candidate");
    let d = decide(&p, &judged, line_sums(t), &NOBODY);
    assert_eq!(decided(&d, "document_type").how, "a till's payment lines");
    let n = decided(&d, "invoice_number");
    assert_eq!(n.value, serde_json::Value::Null);
    assert!(!n.settled);
    // On an invoice the same number stays, for review.
    let t = "SATURN ELECTRO\nRECHNUNG\nKasse 05251/87180\nKabel            14,99\n\
             SUMME            14,99\n";
    let p = proposals(t);
    let d = decide(&p, &judged, line_sums(t), &NOBODY);
    let n = decided(&d, "invoice_number");
    assert_ne!(n.how, "a till receipt's number, not settled, is left out");
    assert!(!n.value.is_null(), "{n:?}");
}

#[test]
fn the_one_date_a_till_receipt_prints_is_its_date_whatever_the_model_says() {
    use super::choose::NONE;
    use super::tests::judged;
    let till = |dates: &str| {
        format!(
            "ALDI SUED\nMilch            1,09 A\nSUMME            14,16\nBAR              20,00\n\
             RÜCKGELD          5,84\n{dates}\n"
        )
    };
    let issue = |t: &str| {
        let p = proposals(t);
        // The model answers "not on the document".
        let judged: HashMap<_, _> = [judged(&p, "issue_date", |o| {
            if o == NONE {
                -0.05
            } else {
                -4.0
            }
        })]
        .into();
        decided(&decide(&p, &judged, line_sums(t), &NOBODY), "issue_date").clone()
    };
    // "16.05.20" fits both orders: the euro's convention, day first.
    let d = issue(&till("16.05.20   18:42   Filiale 4711"));
    assert_eq!(d.value, json!("2020-05-16"));
    assert!(d.settled);
    assert_eq!(d.how, "the one date a till receipt prints");
    // Printed twice, still one date.
    let d = issue(&till("06.05.20   18:42\nBeleg vom 06.05.20"));
    assert_eq!(d.value, json!("2020-05-06"));
    assert!(d.settled);
    // Two dates: which one is the sale's, nothing here says.
    let d = issue(&till("16.05.20   18:42\nRückgabe bis 30.06.20"));
    assert_ne!(d.how, "the one date a till receipt prints");
}
