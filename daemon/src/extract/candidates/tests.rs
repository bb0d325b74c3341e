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
