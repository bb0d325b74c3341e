use super::*;
use crate::extract::money::dec;

#[test]
fn amounts_in_every_convention() {
    for (s, v) in [
        ("1,234.56", dec(1234.56)),
        ("1.234,56", dec(1234.56)),
        ("1 234,56", dec(1234.56)),
        ("1'234.56", dec(1234.56)),
        ("29,99", dec(29.99)),
        ("319.00", dec(319.0)),
        ("Rs 1939", dec(1939.0)),
        ("$4.11", dec(4.11)),
        ("-40.00", dec(-40.0)),
        ("3.441.812", dec(3441812.0)),
    ] {
        assert_eq!(parse_amount(s), Some(v), "{s}");
    }
    assert_eq!(
        amounts_in("Total facture      24.99     5.00      29.99"),
        vec![dec(24.99), dec(5.0), dec(29.99)]
    );
    assert_eq!(amounts_in("Grand Total Rs 1939"), vec![dec(1939.0)]);
    assert_eq!(
        amounts_in("Somme à payer          29.99 € TTC"),
        vec![dec(29.99)]
    );
}

#[test]
fn dates_in_the_documents_conventions() {
    assert_eq!(dates_in("Invoice Date: 20-10-2015", false), ["2015-10-20"]);
    assert_eq!(dates_in("Date: 31/12/2017", false), ["2017-12-31"]);
    assert_eq!(
        dates_in("Invoice Date: August 3, 2014", true),
        ["2014-08-03"]
    );
    assert_eq!(
        dates_in("Facture n°562044387 du 02 Juillet 2015", false),
        ["2015-07-02"]
    );
    assert_eq!(dates_in("03/08/2014", true), ["2014-03-08"]);
    assert_eq!(dates_in("03/08/2014", false), ["2014-08-03"]);
    assert_eq!(dates_in("Rechnungsdatum 01.02.2024", false), ["2024-02-01"]);
    assert_eq!(dates_in("2022-01-01", false), ["2022-01-01"]);
    assert!(dates_in("31/02/2024", false).is_empty());
}

#[test]
fn tax_ids() {
    assert_eq!(
        tax_ids_in("N° de TVA intra communautaire: FR 604 219 388 61"),
        ["FR60421938861"]
    );
    assert_eq!(tax_ids_in("GSTIN 06AABCO6063D1ZQ"), ["06AABCO6063D1ZQ"]);
    assert_eq!(tax_ids_in("USt-IdNr.: DE123456789"), ["DE123456789"]);
    assert!(tax_ids_in("FR76 ***************************").is_empty());
    // An IBAN's first groups are no Belgian VAT number.
    assert!(tax_ids_in("BIC: KREDBEBB - IBAN: BE 41 7360 0661 9710").is_empty());
    // A Belgian VAT number printed with its dots is one; the IBAN beside it is none.
    assert_eq!(
        tax_ids_in("BTW BE 0465.015.822  IBAN BE90 2900 5080 0032"),
        ["BE0465015822"]
    );
}

#[test]
fn labelled_fields_on_the_line_and_below() {
    let text = "\
                                                 Invoice No : # BLR_WFLD20151000982590
 Order ID: OD304175096047380001            Billing Address
 Invoice Date: 20-10-2015
Numéro de ligne     Id.client             Adresse
FO10479674          10577874              35 RUE du logiciel libre
 Total facture                                             24.99              5.00                29.99
";
    let c = find(text, false);
    assert_eq!(c.invoice_number.unwrap().value, "BLR_WFLD20151000982590");
    assert_eq!(c.issue_date.unwrap().value, "2015-10-20");
    assert_eq!(
        c.total.as_ref().unwrap().value,
        29.99,
        "the last amount of a total row"
    );
    let refs: Vec<&Value> = c
        .reference_numbers
        .iter()
        .map(|r| &r.value["value"])
        .collect();
    assert!(refs.contains(&&json!("OD304175096047380001")), "{refs:?}");
    assert!(
        refs.contains(&&json!("10577874")),
        "value under its column label: {refs:?}"
    );
    // A specific label beats a bare "Total" row printed earlier.
    let c = find(
        "   Total     1     278.61      40.39     319.00\n   Grand Total            319.50\n",
        false,
    );
    assert_eq!(c.total.unwrap().value, 319.5);
}

#[test]
fn written_dates_and_hash_numbers() {
    assert_eq!(
        dates_in("Invoice Date:        August 3 , 2014", true),
        ["2014-08-03"]
    );
    let c = find(
        " INVOICE\n smaystone4@fake.com\n     # invoice_number_1\n",
        true,
    );
    assert_eq!(c.invoice_number.unwrap().value, "invoice_number_1");
}

#[test]
fn a_subtotal_row_is_neither_the_total_nor_the_tax_and_a_tax_is_money() {
    // Swiss: "Total exkl. MWST" is the subtotal, "Total CHF" the total.
    let c = find(
        "UID: CHE-123.456.789 MWST
Total exkl. MWST         990.00
MWST 8.1%                 80.19
Total CHF              1'070.19
",
        false,
    );
    let v = |x: &Option<Candidate>| x.as_ref().map(|c| c.value.clone());
    assert_eq!(v(&c.subtotal), Some(json!(990.0)));
    assert_eq!(v(&c.tax), Some(json!(80.19)));
    assert_eq!(v(&c.total), Some(json!(1070.19)));
    // A UK bill: the VAT registration number is not the tax; "before VAT" is the subtotal.
    let c = find(
        "VAT Reg No: GB 123 4567 89
Total charges before VAT       £226.35
VAT at 20%                      £45.27
Total amount due               £271.62
",
        false,
    );
    assert_eq!(v(&c.subtotal), Some(json!(226.35)));
    assert_eq!(v(&c.tax), Some(json!(45.27)));
    assert_eq!(v(&c.total), Some(json!(271.62)));
    // Canada's HST.
    assert_eq!(
        v(&find("HST 13%     $107.12\n", false).tax),
        Some(json!(107.12))
    );
}

#[test]
fn header_labels_of_more_languages_and_document_styles() {
    let c = find(
        "Factuurnummer:     2025-0311\nFactuurdatum:      11-03-2025\nVervaldatum:       10-04-2025\nSubtotaal          € 411,00\nTotaal             € 497,31\n",
        false,
    );
    assert_eq!(c.invoice_number.unwrap().value, "2025-0311");
    assert_eq!(c.issue_date.unwrap().value, "2025-03-11");
    assert_eq!(c.due_date.unwrap().value, "2025-04-10");
    assert_eq!(c.subtotal.unwrap().value, 411.0);
    assert_eq!(c.total.unwrap().value, 497.31);
    // Portuguese: a series and its number; "Total ilíquido" is the subtotal.
    let c = find(
        "Fatura n.º FT 2025/118\nData de emissão: 05/02/2025\nTotal ilíquido   190,00 €\nTotal a pagar    233,70 €\n",
        false,
    );
    assert_eq!(c.invoice_number.unwrap().value, "FT 2025/118");
    assert_eq!(c.issue_date.unwrap().value, "2025-02-05");
    assert_eq!(c.subtotal.unwrap().value, 190.0);
    assert_eq!(c.total.unwrap().value, 233.7);
    // A simplified invoice's number; a receipt's "Date paid".
    let c = find("FACTURA SIMPLIFICADA N.º T-2025-004512\n", false);
    assert_eq!(c.invoice_number.unwrap().value, "T-2025-004512");
    let c = find("Receipt #2841-7731\nDate paid March 3, 2025\n", true);
    assert_eq!(c.issue_date.unwrap().value, "2025-03-03");
    // An invoice's own date beats a payment date printed above it.
    let c = find(
        "Payment date: 10/04/2025\nInvoice date: 11/03/2025\n",
        false,
    );
    assert_eq!(c.issue_date.unwrap().value, "2025-03-11");
    // An account number in digit groups, whole; a number and a date after it stay apart.
    let c = find(
        "Account number:   8812 3344 5566\nInvoice No: 12345 01/02/2025\n",
        false,
    );
    assert_eq!(c.reference_numbers[0].value["value"], "8812 3344 5566");
    assert_eq!(c.invoice_number.unwrap().value, "12345");
    // A Baltic till's document number.
    let c = find("Dok. Nr.: 162/165393 Kase 0003\n", true);
    assert_eq!(c.invoice_number.unwrap().value, "162/165393");
    // Total labels of German and Baltic tills and Central European invoices; "Zwischensumme"
    // is no "Summe".
    for (text, total) in [
        ("Zwischensumme   18,00\nSUMME EUR       19,99\n", 19.99),
        ("Samaksai EUR                22,94\n", 22.94),
        ("Kokku tasuda   7,10\n", 7.1),
        ("Celkem k úhradě   1 210,00 Kč\n", 1210.0),
        (
            "Avgiftsfritt:  MVA      25,00 %     1.404,81    Sum NOK         7.024,03\n",
            7024.03,
        ),
    ] {
        let c = find(text, true);
        assert_eq!(c.total.map(|t| t.value), Some(json!(total)), "{text}");
    }
}

#[test]
fn a_number_after_a_label_in_brackets_is_read() {
    // Bilingual labels close with a bracket before the colon.
    let text =
        "Daňový doklad č. (Invoice No): 2406000590  Datum splatnosti (payment date): 3.10.2006\n\
                Odběratel           45021295\n";
    let c = find(text, false);
    assert_eq!(
        c.invoice_number.map(|n| n.value),
        Some(serde_json::json!("2406000590"))
    );
    assert_eq!(after_label("): 17"), "17");
    assert_eq!(after_label(" No.: A-1"), "No.: A-1");
}

#[test]
fn a_spanish_summary_block_names_its_subtotal_tax_and_balance() {
    // Tecnativa's Odoo layout: "TOTAL PARCIAL" is the net, "TOTAL IMPUESTOS" the tax; neither
    // is the total.
    let text = "\
Por favor usa la siguiente referencia para su pago:       TOTAL PARCIAL      1419.00
                                                        TOTAL IMPUESTOS       302.00
                                                     Saldo adeudado          1721.00
";
    let c = find(text, false);
    assert_eq!(c.subtotal.unwrap().value, json!(1419.0));
    assert_eq!(c.tax.unwrap().value, json!(302.0));
    assert!(
        c.total.as_ref().is_none_or(|t| t.value == json!(1721.0)),
        "{:?}",
        c.total
    );
    assert_eq!(
        super::labelled_fields("TOTAL IMPUESTOS       302.00"),
        ["tax"],
        "a total of the taxes is the tax"
    );
}

#[test]
fn a_label_that_opens_its_column_reads_the_value_under_itself() {
    // "Reference:" opens the third column; the due date under the second is not its value.
    let text = "\
Invoice Date:                    Due Date:                        Reference:
03/20/2023                       04/04/2023                       CUSTREF123
";
    let c = find(text, true);
    assert_ne!(
        c.invoice_number.as_ref().map(|n| n.value.clone()),
        Some(json!("04/04/2023"))
    );
    let c = find("                INVOICE: NO. 001\n", false);
    assert_eq!(c.invoice_number.unwrap().value, "001");
}

#[test]
fn czech_and_polish_date_labels() {
    let text = "\
Bankovní účet           45-1234567890/6210       Datum vystavení                  10. 02. 2015
IBAN             CZ6508000000192000145399        Datum splatnosti                 24. 02. 2015
";
    let c = find(text, false);
    assert_eq!(c.issue_date.unwrap().value, "2015-02-10");
    assert_eq!(c.due_date.unwrap().value, "2015-02-24");
    let c = find(
        "Data wystawienia: 30.11.2023\nTermin płatności: 14.12.2023\n",
        false,
    );
    assert_eq!(c.issue_date.unwrap().value, "2023-11-30");
    assert_eq!(c.due_date.unwrap().value, "2023-12-14");
}

#[test]
fn an_amount_in_words_labels_no_figure() {
    let text = "\
Invoice Value (In words) :Five  SGST @ 0.0% INR 0.0
Total Invoice Value :                 550.0
";
    let c = find(text, false);
    assert_eq!(c.total.unwrap().value, json!(550.0));
}
