use serde_json::json;

use super::*;
use crate::extract::read::read;

pub(super) fn proposals(text: &str) -> Proposals {
    propose(text, &read(text, &[], None))
}

fn values(p: &Proposals, field: &str) -> Vec<serde_json::Value> {
    p.of(field).iter().map(|c| c.value.clone()).collect()
}

#[test]
fn every_amount_is_a_money_candidate_ranked_by_its_label() {
    let t = "ACME Supplies Ltd\nInvoice No: INV-204\nDate: 12/03/2024\n\n\
             Widgets            2     40.00     80.00\n\
             Subtotal                            80.00\n\
             VAT 20%                             16.00\n\
             Total                               96.00\n";
    let p = proposals(t);
    for f in AMOUNTS {
        let v = values(&p, f);
        for a in [80.0, 16.0, 96.0] {
            assert!(v.contains(&json!(a)), "{f} lacks {a}: {v:?}");
        }
    }
    assert_eq!(p.of("total")[0].value, json!(96.0));
    assert_eq!(p.of("subtotal")[0].value, json!(80.0));
    assert_eq!(p.of("tax")[0].value, json!(16.0));
    assert_eq!(p.of("total")[0].evidence.label.as_deref(), Some("Total"));
}

#[test]
fn every_date_and_every_labelled_number_is_proposed() {
    let t = "Rechnung\nRechnungsnummer:\n2024-0815\nKundennummer: K-99812\nDatum: 03.04.2024\n\
             Fällig am: 17.04.2024\nLieferdatum 01.04.2024\nGesamtbetrag 119,00 EUR\n";
    let p = proposals(t);
    let numbers = values(&p, "invoice_number");
    assert!(numbers.contains(&json!("2024-0815")), "{numbers:?}");
    assert!(numbers.contains(&json!("K-99812")), "{numbers:?}");
    let issue = values(&p, "issue_date");
    for d in ["2024-04-03", "2024-04-17", "2024-04-01"] {
        assert!(issue.contains(&json!(d)), "{issue:?}");
    }
    assert_eq!(p.of("due_date")[0].value, json!("2024-04-17"));
    assert_eq!(p.of("issue_date")[0].value, json!("2024-04-03"));
    assert_eq!(p.of("currency")[0].value, json!("EUR"));
}

#[test]
fn an_ambiguous_dates_other_reading_is_proposed_until_the_page_proves_its_order() {
    let rules =
        |p: &Proposals, f: &str| -> Vec<&str> { p.of(f).iter().map(|c| c.evidence.rule).collect() };
    // Only ambiguous dates: both readings are candidates, the convention's first.
    let p = proposals("Invoice 17\nDate: 04/07/2016\nTotal 10.00 EUR\n");
    assert!(rules(&p, "issue_date").contains(&"other date order"));
    assert_eq!(p.of("issue_date")[0].value, json!("2016-07-04"));
    // "22/07/2016" can only be day first, so 04/07/2016 is July 4 and nothing else; in dollars
    // too (the page's own dates before the currency's convention).
    let p = proposals("Invoice 17\nDate: 04/07/2016\nDue: 22/07/2016\nTotal $10.00\n");
    assert!(!rules(&p, "issue_date").contains(&"other date order"));
    assert_eq!(p.of("issue_date")[0].value, json!("2016-07-04"));
    assert!(!values(&p, "issue_date").contains(&json!("2016-04-07")));
}

#[test]
fn parties_and_tax_ids_are_proposed_for_both_sides() {
    let t = "Nordlicht Software GmbH\nHafenstraße 4, 20457 Hamburg\nUSt-IdNr. DE811907980\n\n\
             Rechnung an:\nBäckerei Sonnenschein KG\nMarktplatz 1, 80331 München\n\
             Ihre USt-IdNr.: DE129273398\n\nRechnung Nr. R-2024-17\nSumme 59,50 EUR\n";
    let p = proposals(t);
    let from = values(&p, "from.name");
    let to = values(&p, "to.name");
    assert_eq!(
        p.of("from.name")[0].value,
        json!("Nordlicht Software GmbH"),
        "{from:?}"
    );
    assert_eq!(
        p.of("to.name")[0].value,
        json!("Bäckerei Sonnenschein KG"),
        "{to:?}"
    );
    assert!(from.contains(&json!("Bäckerei Sonnenschein KG")));
    for f in ["from.tax_id", "to.tax_id"] {
        let v = values(&p, f);
        assert!(
            v.contains(&json!("DE811907980")) && v.contains(&json!("DE129273398")),
            "{f}: {v:?}"
        );
    }
    assert_eq!(p.of("to.tax_id")[0].value, json!("DE129273398"));
}

#[test]
fn a_till_receipt_titled_tax_invoice_ranks_as_a_paid_receipt() {
    let t = "KEDAI RUNCIT MAJU SDN BHD\nTAX INVOICE\nMilo 1kg        1    18.90\n\
             TOTAL           18.90\nCASH            50.00\nCHANGE          31.10\n";
    let p = proposals(t);
    assert_eq!(p.of("document_type")[0].value, json!("receipt"));
    assert_eq!(p.of("payment")[0].value, json!(true));
    // The title still proposes an invoice.
    assert!(values(&p, "document_type").contains(&json!("invoice")));
    // A Latvian till: cash handed over ("Skaidra nauda") and the change ("Atlikums").
    let t = "SIA PARAUGS\nSamaksai EUR        22,94\nSkaidra nauda       50,00\n\
             Atlikums            27,06\n  2026-02-09 09:31:48\n";
    let p = proposals(t);
    assert_eq!(p.of("document_type")[0].value, json!("receipt"));
    assert_eq!(p.of("document_type")[0].evidence.rule, "till lines");
    assert_eq!(p.of("payment")[0].value, json!(true));
}

#[test]
fn a_credit_note_and_a_sales_invoice_offer_their_values_too() {
    // A supplier's credit note: its number, date, negative amounts and both parties.
    let t = "Bureau Vallée SARL\n12 rue de la Paix, 75002 Paris\nAVOIR N° AV-2024-118\n\
             Date : 05/06/2024\nClient : Atelier Lumière\n\
             Retour cartouches            -41,67\nTotal HT                     -41,67\n\
             TVA 20 %                     -8,33\nTotal TTC                    -50,00 €\n";
    let p = proposals(t);
    assert!(values(&p, "invoice_number").contains(&json!("AV-2024-118")));
    assert_eq!(p.of("issue_date")[0].value, json!("2024-06-05"));
    assert!(
        values(&p, "total").contains(&json!(-50.0)),
        "{:?}",
        values(&p, "total")
    );
    assert!(values(&p, "subtotal").contains(&json!(-41.67)));
    assert!(values(&p, "tax").contains(&json!(-8.33)));
    assert_eq!(p.of("document_type")[0].value, json!("credit_note"));
    assert!(values(&p, "from.name").contains(&json!("Bureau Vallée SARL")));
    // An invoice the business issued: the customer is a recipient candidate.
    let t =
        "Taylor's Store\n500 Main St, Springfield IL 62701\nINVOICE #1042\nDate: March 3, 2025\n\
             Due: April 2, 2025\nBill To: Greenfield Bakery LLC\n\
             Cash register repair            2     95.00    190.00\n\
             Subtotal 190.00\nSales tax 6.25% 11.88\nBalance due $201.88\n";
    let p = proposals(t);
    assert!(values(&p, "invoice_number").contains(&json!("1042")));
    assert_eq!(p.of("due_date")[0].value, json!("2025-04-02"));
    assert_eq!(p.of("to.name")[0].value, json!("Greenfield Bakery LLC"));
    assert!(values(&p, "amount_due").contains(&json!(201.88)));
    assert!(values(&p, "total").contains(&json!(201.88)));
}

#[test]
fn a_payment_reference_read_as_a_number_is_no_amount() {
    // A Norwegian KID line: the reference would parse as 1.0e22.
    let t = "Faktura 5326721\nKID-nummer                     Total netto   Totalt NOK\n\
             0010000200000532672100028        -8.349,00     -10.436,25\n";
    let p = proposals(t);
    for f in AMOUNTS {
        assert!(
            p.of(f)
                .iter()
                .all(|c| c.value.as_f64().unwrap().abs() < 1e9),
            "{f}: {:?}",
            values(&p, f)
        );
    }
    assert!(values(&p, "total").contains(&json!(-10436.25)));
}

#[test]
fn a_title_leaves_only_the_kinds_the_document_gives_evidence_of() {
    let t = "Atelier Lumière\nDEVIS N° D-2025-014\nDate : 05/06/2025\nPose luminaires   450,00\n\
             Total TTC          540,00 €\n";
    let p = proposals(t);
    assert_eq!(p.of("document_type")[0].value, json!("quote"));
    assert!(!values(&p, "document_type").contains(&json!("invoice")));
    // No title: every kind is an option for the model.
    let t = "Atelier Lumière\nPose luminaires   450,00\nTotal          540,00 €\n";
    assert!(values(&proposals(t), "document_type").contains(&json!("invoice")));
    assert!(values(&proposals(t), "document_type").contains(&json!("quote")));
}

#[test]
fn an_untitled_receipt_that_prints_the_minute_of_the_sale_ranks_as_a_receipt() {
    use super::kind::time_of_day;
    assert_eq!(
        time_of_day("DATE 7/07/14   TIME: 8:20:48PM\n").map(|t| t.1),
        Some("8:20:48PM".into())
    );
    assert_eq!(time_of_day("Tel.:05251/56677\nRef 2020.04.23\n"), None);
    assert_eq!(time_of_day("Phone 123:45:678\n"), None);
    let till =
        "Contoso\n123 Main Street\n6/10/2019 13:59\nSurface Pro 6   $1,998.00\nTotal   $2,516.28\n";
    let k = proposals(till);
    let best = &k.of("document_type")[0];
    assert_eq!(
        (best.value.as_str(), best.evidence.rule),
        (Some("receipt"), "time of day")
    );
    assert_eq!(best.evidence.line, 2);
    // The same page without the minute is a tie the rules do not break.
    let plain = till.replace(" 13:59", "");
    let k = proposals(&plain);
    assert_eq!(
        k.of("document_type")[0].prior,
        k.of("document_type")[1].prior
    );
}

#[test]
fn a_short_or_slashed_number_under_its_label_is_proposed() {
    let t = "Invoice\nINVOICE NUMBER        DATE OF ISSUE\n1                     01/04/2025\nTotal 10.00\n";
    assert!(
        values(&proposals(t), "invoice_number").contains(&json!("1")),
        "{:?}",
        proposals(t).of("invoice_number")
    );
    let t = "Faktura VAT                 Numer faktury\n                            2/11/2023\nRazem 10,00 PLN\n";
    assert!(
        values(&proposals(t), "invoice_number").contains(&json!("2/11/2023")),
        "{:?}",
        proposals(t).of("invoice_number")
    );
}

#[test]
fn whole_amounts_with_thousands_separators_are_money_candidates() {
    let t = "VINCOMMERCE\nTONG TIEN PHAI T.TOAN            75.900\nBalance Amount      ₹3,363\n";
    let v = values(&proposals(t), "total");
    assert!(
        v.contains(&json!(75900.0)) || v.contains(&json!(75900)),
        "{v:?}"
    );
    assert!(
        v.contains(&json!(3363.0)) || v.contains(&json!(3363)),
        "{v:?}"
    );
}

#[test]
fn an_item_code_on_a_priced_line_is_no_tax_id_but_an_unlabelled_registration_number_is() {
    let t = "QUICK MART\nB87530432\n2000 MAIN ST\n\
             061126943157  A   8.79 SALE\n04900006101   4.99\nTOTAL 13.78\n";
    let p = proposals(t);
    let ids = values(&p, "from.tax_id");
    assert!(ids.contains(&json!("B87530432")), "{ids:?}");
    assert!(
        !ids.contains(&json!("061126943157")) && !ids.contains(&json!("04900006101")),
        "{ids:?}"
    );
}

#[test]
fn the_amounts_before_the_last_on_a_total_row_are_column_sums() {
    let t = "Description            Net      Tax Amount   Total\n\
             Toner cartridge   ₹20,329.66    ₹3,659.34   ₹23,989.00\n\
             TOTAL:                          ₹3,659.34   ₹23,989.00\n";
    let p = proposals(t);
    let tax = p
        .of("tax")
        .iter()
        .find(|c| c.evidence.rule == "column sum")
        .map(|c| c.value.clone());
    assert_eq!(tax, Some(json!(3659.34)), "{:?}", values(&p, "tax"));
    // The row's last amount stays the total's.
    assert_eq!(p.of("total")[0].value, json!(23989.0));
}

#[test]
fn a_swedish_total_grouped_by_spaces_is_one_amount_and_ranks_first() {
    // "124 500 kr": one amount, not 124 and 500; the largest amount shown as money is the total's
    // cue, not a long plain number (an order number read as an amount).
    let t = "Tedros-IT & Associate Ab\nOrdernummer 45012377\nFaktura 12345\n\
             Belopp före moms          99 600 kr\nMoms totalt        24 900 kr\n\
             Summa att betala         124 500 kr\n";
    let p = proposals(t);
    let totals = values(&p, "total");
    assert!(totals.contains(&json!(124500.0)), "{totals:?}");
    assert!(!totals.contains(&json!(124.0)), "{totals:?}");
    assert!(!totals.contains(&json!(500.0)), "{totals:?}");
    assert_eq!(p.of("total")[0].value, json!(124500.0), "{totals:?}");
    assert_eq!(p.of("subtotal")[0].value, json!(99600.0));
    assert_eq!(p.of("tax")[0].value, json!(24900.0));
    // Without a currency after them, space-parted numbers stay apart (a quantity and a price).
    let p = proposals("Widget 12 500\nTotal 6000.00\n");
    assert!(values(&p, "total").contains(&json!(500.0)));
    assert!(!values(&p, "total").contains(&json!(12500.0)));
}

#[test]
fn an_iban_a_vat_id_or_a_street_ordinal_is_no_document_number() {
    let t = "Exact Belgium\n78th Street 12\nBTW BE0505890632\nIBAN NL98ABNA0474400964\n\
             Referentie 16117778-A\n";
    let numbers = values(&proposals(t), "invoice_number");
    for not in ["BE0505890632", "NL98ABNA0474400964", "78th"] {
        assert!(!numbers.contains(&json!(not)), "{not} in {numbers:?}");
    }
    assert!(numbers.contains(&json!("16117778-A")), "{numbers:?}");
    // A token shaped like an IBAN whose check digits fail is still offered.
    assert!(!crate::extract::values::is_iban("NL99ABNA0474400964"));
    assert!(crate::extract::values::is_iban("NL98ABNA0474400964"));
}

#[test]
fn an_invoice_showing_no_payment_leans_unpaid_more_than_an_untitled_page() {
    let prior_unpaid = |t: &str| {
        let p = proposals(t);
        let c = p
            .of("payment")
            .iter()
            .find(|c| c.value == json!(false))
            .cloned();
        c.map(|c| c.prior).unwrap()
    };
    let invoice = prior_unpaid("INVOICE\nInvoice No: 17\nDate: 02/01/2025\nTotal 50.00\n");
    let page = prior_unpaid("Acme Ltd\nDate: 02/01/2025\nTotal 50.00\n");
    assert!(invoice > page, "{invoice} vs {page}");
    let p = proposals("INVOICE\nInvoice No: 17\nDate: 02/01/2025\nTotal 50.00\n");
    assert_eq!(p.of("payment")[0].value, json!(false));
    // Payment shown still wins: a paid stamp on an invoice.
    let p = proposals("INVOICE\nInvoice No: 17\nTotal 50.00\nPAID IN FULL\n");
    assert_eq!(p.of("payment")[0].value, json!(true));
}

#[test]
fn whole_amounts_grouped_by_thousands_are_money_when_a_stray_decimal_is_printed() {
    // A receipt in dong: amounts are whole and grouped; "1,51" is a weight.
    let t = "BACH HOA XANH\nCa phe sua 1,51\nBanh mi      2   15,000\n             127,000\n";
    let p = proposals(t);
    assert_eq!(
        p.of("total")[0].value,
        json!(127000.0),
        "{:?}",
        values(&p, "total")
    );
}

#[test]
fn a_title_over_its_number_mark_names_the_document_number_not_the_company_number() {
    // A French layout: the title on one line, "N° …" under it; the company's SIRET (14 digits,
    // labelled) on the next line must not outrank it.
    let t = "Blanc-Conseil                                    FACTURE\n\
             12 rue des Lices, 49100 Angers                   N° FX-2026-0042\n\
             SIRET 81234567800019 — TVA FR32812345678         Émise le 3 août 2026\n\
             Facturé à\nAtelier Bréal\n\
             Total TTC             1 693,20 €\n";
    let p = proposals(t);
    let best = &p.of("invoice_number")[0];
    assert_eq!(
        best.value,
        json!("FX-2026-0042"),
        "{:?}",
        p.of("invoice_number")
    );
    assert_eq!(best.evidence.rule, "numbered title");
    // An address's "No. 12" under a name (no title above) is no document number of this rule.
    let t = "Kedai Runcit Ali\nNo. 12 Jalan Besar\nRECEIPT\nTotal 12.00\n";
    let p = proposals(t);
    assert!(
        p.of("invoice_number")
            .iter()
            .all(|c| c.evidence.rule != "numbered title"),
        "{:?}",
        p.of("invoice_number")
    );
}

#[test]
fn cents_printed_apart_make_one_amount_and_are_no_amount_of_their_own() {
    // A scan whose OCR lost the decimal points.
    let t = "Griffiths Music Store\nINVOICE 8\n\
             1 Bass Guitar        10    S800 00        17% $8,000 00\n\
             Subtotal $8,000 00\nTax (17%) $1,360 00\nTotal $9,360 00\n";
    let p = proposals(t);
    assert_eq!(p.of("total")[0].value, json!(9360.0), "{:?}", p.of("total"));
    assert!(values(&p, "tax").contains(&json!(1360.0)));
    assert!(values(&p, "subtotal").contains(&json!(8000.0)));
    // The "00" of the total's row is its cents; another "00" ("S800 00") is no labelled amount.
    assert!(
        p.of("total")
            .iter()
            .all(|c| c.printed != "00" || (c.evidence.line != 5 && c.prior < 0.0)),
        "{:?}",
        p.of("total")
    );
    // A negative amount with its øre apart: the point groups thousands.
    let t = "Kreditnota 5326721-2\nMaskiner        -1.448 00\nÅ betale NOK   -10.436 25\n";
    assert!(values(&proposals(t), "total").contains(&json!(-10436.25)));
}

#[test]
fn a_count_or_a_sentence_is_no_money_label() {
    let t = "Burger Seigneur\nBurger   2   400.00\nFries   1   130.00\n Total Qty:      2\n\
             SubTotal:              530.00\nService:      27.00\nTotal Invoice Value:      557\n";
    let p = proposals(t);
    assert_eq!(p.of("total")[0].value, json!(557.0), "{:?}", p.of("total"));
    let t = "DAS Company\nTotal:   632.00 EUR\n\
             Please wire the amount due to our bank account using the following reference: 000000000\n";
    let p = proposals(t);
    assert!(
        p.of("amount_due")
            .iter()
            .all(|c| c.value != json!(0.0) || c.evidence.rule != "label"),
        "{:?}",
        p.of("amount_due")
    );
    assert_eq!(p.of("total")[0].value, json!(632.0));
}

#[test]
fn a_post_office_box_is_an_address_not_a_name() {
    let t = "                                FAKTURA          Fakturanummer:      12988664\n\
             Verisure AS\n\
             Postboks 24 Skøyen                               Referanse:    (DL)\n\
             0212 Oslo                                         Duozink AS\n\
             P.O. Box 1098                                     Borgeskogen 71\n\
             Telefon: 06010                                    3160 Stokke\n\
             Vekterutrykning                          1,00          1775.00\n";
    let p = proposals(t);
    for f in ["from.name", "to.name"] {
        let names: Vec<&str> = p.of(f).iter().map(|c| c.printed.as_str()).collect();
        assert!(
            names
                .iter()
                .all(|n| !n.starts_with("Postboks") && !n.starts_with("P.O. Box")),
            "{f}: {names:?}"
        );
    }
    assert!(values(&p, "to.name").contains(&json!("Duozink AS")));
}

#[test]
fn a_number_under_a_rate_heading_is_no_tax_amount() {
    let t = "Yritys Oy                                   LASKU\n\
             Tuote                      Veroton      ALV-%      ALV e      Yhteensä\n\
             Konsultointi                200,00      24,00      48,00        248,00\n\
             Yhteensä                    200,00      24,00      48,00        248,00\n";
    let p = proposals(t);
    let tax = p.of("tax");
    assert_ne!(tax[0].value, json!(24.0), "{tax:?}");
    let rate = tax
        .iter()
        .find(|c| c.value == json!(24.0))
        .expect("still proposed");
    let amount = tax
        .iter()
        .find(|c| c.value == json!(48.0))
        .expect("proposed");
    assert!(rate.prior < amount.prior, "{tax:?}");
}

#[test]
fn the_vat_number_of_a_registration_number_ranks_above_it() {
    let t = "Gandi SAS\n63-65 boulevard Masséna, 75013 Paris\n\
             Facture n° 2022030201155\nTotal TTC 91,64 €\n\
             RCS Paris B. 423 093 459 - SIRET 423 093 459 00042 - APE 6311Z\n\
             TVA FR81423093459 - Pénalités de retard\n";
    let p = proposals(t);
    let ids = p.of("from.tax_id");
    assert_eq!(ids[0].value, json!("FR81423093459"), "{ids:?}");
}

#[test]
fn an_unlabelled_address_block_below_the_head_offers_its_name() {
    // A window envelope's block under the title, past the head's lines, with no label: its first
    // line is a recipient candidate (weak evidence: nothing says whose block it is).
    let t = "\
                                                      ISS Facility Services AS
                                                      Postboks 132 Økern
                                                      0509 Oslo
                                                      Telefon:         05155
                                                      Mail:            kundesenter@iss.no
                                                      Foretaksregisteret:  914791723MVA
                                                      FAKTURA
             (Efaktura/arkiv)                         Fakturanummer        :     9150077410
                                                      Kundenummer          :     CU00002254
             FORSVARET                                Fakturadato          :     22.02.2017
                                                      Forfallsdato         :     23.03.2017
             FORSVARETS REGNSKAPSADMINISTRASJON       Side                 :     1 av 1
             POSTBOKS 1 HÅKONSVERN
             5886 Bergen
             Regelmessig renhold januar 2017   5.619,22
             Sum NOK         7.024,03
";
    let p = proposals(t);
    let to = values(&p, "to.name");
    assert!(to.contains(&json!("FORSVARET")), "{to:?}");
    let c = p
        .of("to.name")
        .iter()
        .find(|c| c.value == json!("FORSVARET"))
        .unwrap();
    assert_eq!(c.evidence.rule, "address block");
    assert!(
        p.of("from.name")[0].value != json!("FORSVARET"),
        "an address block is no issuer before the letterhead"
    );
}
