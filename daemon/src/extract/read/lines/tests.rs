use super::*;
use crate::extract::money::dec;

#[test]
fn a_simple_table_with_notes_between_rows() {
    let t = "Item                                                       Quantity          Rate       Amount
Service A                                                  12              $10.00       $120.00
Description: Repair
Notes: Replaced capacitor
Service B                                                  5                $1.50         $7.50
Description: Cleaning
                                                                    Subtotal:           $127.50
                                                                       Total:           $127.50
";
    let tb = read(t).unwrap();
    assert_eq!(tb.rows.len(), 2);
    assert_eq!(tb.rows[0].description, "Service A");
    assert_eq!(
        (
            tb.rows[0].quantity,
            tb.rows[0].unit_price,
            tb.rows[0].amount
        ),
        (Some(dec(12.0)), Some(dec(10.0)), dec(120.0))
    );
    assert_eq!(
        (tb.rows[1].quantity, tb.rows[1].amount),
        (Some(dec(5.0)), dec(7.5))
    );
    assert_eq!(
        tb.amounts_for(Some(dec(127.5)), Some(dec(127.5))),
        Some(vec![dec(120.0), dec(7.5)])
    );
}

#[test]
fn net_tax_and_gross_columns() {
    let t = "                                                   Montant EUR HT      Montant TVA      Montant EUR TTC
Abonnements, forfaits et options                          24.99              5.00                29.99
Communications                                             0.00              0.00                 0.00
Total facture                                             24.99              5.00                29.99
";
    let tb = read(t).unwrap();
    assert_eq!(tb.rows.len(), 2);
    assert_eq!(tb.rows[0].description, "Abonnements, forfaits et options");
    assert_eq!(
        (tb.rows[0].amount, tb.rows[0].tax, tb.rows[0].gross),
        (dec(24.99), Some(dec(5.0)), Some(dec(29.99)))
    );
    assert_eq!(
        tb.amounts_for(Some(dec(24.99)), Some(dec(29.99))),
        Some(vec![dec(24.99), dec(0.0)])
    );
    assert_eq!(
        tb.amounts_for(None, Some(dec(29.99))),
        Some(vec![dec(29.99), dec(0.0)])
    );
}

#[test]
fn product_tables_with_tax_columns_and_german_headers() {
    let t = " Product                     Title                                                        Qty      Price           Tax(%)       Tax          Total
 Memory cards                SanDisk Ultra 16 GB MicroSDHC Class                             1       278.61       14.50%          40.39        319.00
 FSN:                        10 48 MB/s Memory Card                                                                   CST
                                                                                Total        1     278.61                       40.39        319.00
";
    let tb = read(t).unwrap();
    assert_eq!(tb.rows.len(), 1);
    assert_eq!(
        tb.rows[0].description,
        "Memory cards SanDisk Ultra 16 GB MicroSDHC Class"
    );
    assert_eq!(
        (
            tb.rows[0].quantity,
            tb.rows[0].unit_price,
            tb.rows[0].tax,
            tb.rows[0].amount
        ),
        (
            Some(dec(1.0)),
            Some(dec(278.61)),
            Some(dec(40.39)),
            dec(319.0)
        )
    );
    let t = "Pos   Bezeichnung                 Menge    Einzelpreis      Betrag
1     Beratung Projekt Nord          8,0      120,00 €      960,00 €
2     Reisekosten                    1        85,50 €        85,50 €
                                            Zwischensumme    1.045,50 €
";
    let tb = read(t).unwrap();
    assert_eq!(tb.rows.len(), 2, "{tb:?}");
    assert_eq!(tb.rows[0].description, "Beratung Projekt Nord");
    assert_eq!(
        (
            tb.rows[0].quantity,
            tb.rows[0].unit_price,
            tb.rows[0].amount
        ),
        (Some(dec(8.0)), Some(dec(120.0)), dec(960.0))
    );
}

#[test]
fn no_header_no_table() {
    assert!(read("Total 12.00\nThank you\n").is_none());
}

#[test]
fn a_reference_printed_down_its_column_is_a_column_and_a_quantity_is_not() {
    let t = "Faktura nr.   Beskrivelse\n\
             S80472135     BOMLIFT\n\
             S80472135     DIESEL\n\
             S80472135     LEVERING\n\
             Invoice Number:\n\
             1\n\
             Nike          1\n\
             Discount      1\n";
    let lines: Vec<&str> = t.lines().collect();
    assert!(repeated_in_column(&lines, 1, "S80472135"));
    assert!(
        !repeated_in_column(&lines, 2, "S80472135"),
        "one later line is no column"
    );
    assert!(!repeated_in_column(&lines, 5, "1"));
    assert!(!repeated_in_column(&lines, 1, "S8047"), "whole words only");
}

#[test]
fn a_count_of_the_items_is_no_item() {
    let t = "Artikel                      Menge      Betrag
Joghurt                          2        0,70
Sekt                             1        0,89
ANZAHL ARTIKEL                   3
Vielen Dank
";
    let tb = read(t).unwrap();
    let names: Vec<&str> = tb.rows.iter().map(|r| r.description.as_str()).collect();
    assert_eq!(names, ["Joghurt", "Sekt"]);
}
