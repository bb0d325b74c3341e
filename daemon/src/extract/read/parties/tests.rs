use super::*;

const SAMMY: &str =
    " Sammy Maystone                                                            INVOICE
 smaystone4@fake.com
                                                                           # invoice_number_1
                                                                       Date:         Jan 1, 2022
 Bill To:                Ship To:
                                                              Payment Terms:         Net 30 days
 Taylor Riddel           Taylor's Store
 triddel9@fake.com       triddel9@fake.com                         Due Date:        Jan 31, 2022
";

const AWS: &str = "                                                       Amazon Web Services Invoice
                                                       Email or talk to us about your AWS account or bill, visit aws.amazon.com/contact-us/
Account number:
Bill to Address:
                                                       TOTAL AMOUNT DUE ON August 3 , 2014                                     $4.11
ATTN: iViveLabs Limited
93B Sai Yu Chung
Yuen Long, N.T., 0000, HK
* May include estimated US sales tax, VAT, GST and CT                                            Service Provider:
** This is not a VAT invoice                                                                     (Not to be used for payment remittance)
*** Check the GST statement attached at the end of this Invoice                                  Amazon Web Services, Inc.
                                                                                                 410 Terry Ave North
";

#[test]
fn letterhead_issuer_and_bill_to_recipient_never_an_email() {
    let p = read(SAMMY, "invoice");
    assert_eq!(p.issuer.name.as_deref(), Some("Sammy Maystone"));
    assert_eq!(p.issuer.email.as_deref(), Some("smaystone4@fake.com"));
    assert_eq!(p.recipient.name.as_deref(), Some("Taylor Riddel"));
    assert_eq!(p.recipient.email.as_deref(), Some("triddel9@fake.com"));
    assert_eq!(
        p.ship_to.as_ref().and_then(|s| s.name.as_deref()),
        Some("Taylor's Store")
    );
}

#[test]
fn a_seller_label_beats_the_letterhead_and_a_label_below_a_label_is_skipped() {
    let p = read(AWS, "invoice");
    assert_eq!(p.issuer.name.as_deref(), Some("Amazon Web Services, Inc."));
    assert_eq!(p.recipient.name.as_deref(), Some("iViveLabs Limited"));
    assert!(p.recipient.address.unwrap().contains("93B Sai Yu Chung"));
}

#[test]
fn labels_in_other_languages_and_legal_names() {
    let t = "MÜLLER BAU GmbH
Hauptstraße 5, 80331 München
                                   RECHNUNG Nr. 2024-118
Rechnungsempfänger:
Atelier Dupont SARL
12 rue de la Paix
75002 Paris
";
    let p = read(t, "invoice");
    assert_eq!(p.issuer.name.as_deref(), Some("MÜLLER BAU GmbH"));
    assert_eq!(p.recipient.name.as_deref(), Some("Atelier Dupont SARL"));
    assert_eq!(
        p.recipient.address.as_deref(),
        Some("12 rue de la Paix, 75002 Paris")
    );
    let t = "Free Service Abonné
75371 Paris Cedex 08
Facture n°562044387 du 02 Juillet 2015
Nom de l’abonné
de Lattre Alexis
 Free SAS au capital de 3.441.812 Euros − B 421 938 861 RCS Paris
";
    let p = read(t, "invoice");
    assert_eq!(p.issuer.name.as_deref(), Some("Free SAS"));
    assert_eq!(p.recipient.name.as_deref(), Some("de Lattre Alexis"));
}

#[test]
fn an_unlabelled_address_window_is_the_recipient() {
    let t = "Panadería García S.L.
Calle Mayor 3
28013 Madrid
                                  Hotel Sol y Mar
                                  Avenida del Puerto 14
                                  03001 Alicante
FACTURA 2024/0045
";
    let p = read(t, "invoice");
    assert_eq!(p.issuer.name.as_deref(), Some("Panadería García S.L."));
    assert_eq!(p.recipient.name.as_deref(), Some("Hotel Sol y Mar"));
}

#[test]
fn labels_need_their_colon_when_they_are_plain_words() {
    assert!(label_at("To: Acme").is_some());
    assert!(label_at("Total due").is_none());
    assert!(label_at("Client number 12").is_none());
    assert_eq!(label_at("Bill To:").map(|x| x.0), Some("billing"));
    assert_eq!(label_at("Sold By : WS Retail").map(|x| x.0), Some("issuer"));
    assert!(!name_like("triddel9@fake.com"));
    assert!(!name_like("Tel: +33 1 23 45 67 89"));
    assert!(name_like("Taylor's Store"));
    assert_eq!(
        clean_name("Amazon Web Services Invoice"),
        "Amazon Web Services"
    );
}

#[test]
fn a_seller_label_on_the_same_line() {
    let p = read(
        " Sold By : WS Retail Services Pvt. Ltd.,\nWarehouse Address: NO. 42/1\n",
        "invoice",
    );
    assert_eq!(
        p.issuer.name.as_deref(),
        Some("WS Retail Services Pvt. Ltd.")
    );
}

#[test]
fn a_purchase_orders_vendor_label_names_its_recipient_and_a_payee_the_issuer() {
    let t = "Taylor's Store                        PURCHASE ORDER
1200 Market Street
Springfield, IL 62701
Vendor:
Blue Ridge Electric Co.
44 Power Ave
";
    let p = read(t, "purchase_order");
    assert_eq!(p.issuer.name.as_deref(), Some("Taylor's Store"));
    assert_eq!(p.recipient.name.as_deref(), Some("Blue Ridge Electric Co."));
    let t = "                                                       ALEXINUX
                                                       de Lattre Alexis
                                                       27 rue Henri Rolland
                                                       69100 Villeurbanne
          Facture n° 2022089083
   Désignation              Nombre     P.U. HT     Montant HT
   Virement   BRED BANQUE POPULAIRE – Titulaire du compte : NETPRESSE
";
    let p = read(t, "invoice");
    assert_eq!(p.issuer.name.as_deref(), Some("NETPRESSE"));
    assert_eq!(p.recipient.name.as_deref(), Some("ALEXINUX"));
    let p = read("Harinas del Norte S.A.\nPolígono Sur 14\n50014 Zaragoza\nRecibo\nHarinas del Norte S.A. - CIF B12345678\n", "receipt");
    assert_eq!(p.issuer.name.as_deref(), Some("Harinas del Norte S.A."));
    assert_eq!(clean_name("Studio Rossi S.r.I."), "Studio Rossi S.r.l.");
}

#[test]
fn a_letterheads_address_is_the_lines_below_it_up_to_the_item_table() {
    let t = "                                   INVOICE
Blue Ridge Electric Co.
44 Power Ave                                                            Number:           INV-2025-2876
Asheville, NC 28801                                                     Date of issue:       02/08/2025
                                                                        Payment due:         03/10/2025
Bill To:
Taylor's Store
1200 Market Street
Springfield, IL 62701
Item                                              Quantity                  Rate                  Total
Repair of cash register                           1                      $238.95                $238.95
";
    let p = read(t, "invoice");
    assert_eq!(p.issuer.name.as_deref(), Some("Blue Ridge Electric Co."));
    assert_eq!(
        p.issuer.address.as_deref(),
        Some("44 Power Ave, Asheville, NC 28801")
    );
    // The recipient's block ends at the table's header, not inside the first item.
    assert_eq!(
        p.recipient.address.as_deref(),
        Some("1200 Market Street, Springfield, IL 62701")
    );
    // A delivery note's two-column header (no amount column) ends it too.
    let t = "Cliente:\nStudio Rossi S.r.l.\nVia Roma 21\n20121 Milano\nDescrizione                                 Quantità\nConsulenza legale                                  1\n";
    assert_eq!(
        read(t, "delivery_note").recipient.address.as_deref(),
        Some("Via Roma 21, 20121 Milano")
    );
}

#[test]
fn another_columns_text_is_a_gap_in_the_block_and_address_labels_are_read_through() {
    // AWS: "for details" on the left between two lines of the provider's address.
    let t =
        "*** Check the GST statement attached                                  Service Provider:
                                                                      Amazon Web Services, Inc.
                                                                      410 Terry Ave North
for details
                                                                      Seattle, WA 98109-5210, US
";
    let p = read(t, "invoice");
    assert_eq!(
        p.issuer.address.as_deref(),
        Some("410 Terry Ave North, Seattle, WA 98109-5210, US")
    );
    // Free: the label inside the subscriber's block is not part of the address.
    let t = "Adresse email de contact                  Nom de l’abonné
alexis@via.ecp.fr                         de Lattre Alexis
Numéro de ligne     Id.client             Adresse de l’installation
FO10479674          10577874              35 RUE du logiciel libre
                                          69100 VILLEURBANNE
Facture n°562044387 du 02 Juillet 2015
";
    let p = read(t, "invoice");
    assert_eq!(p.recipient.name.as_deref(), Some("de Lattre Alexis"));
    assert_eq!(
        p.recipient.address.as_deref(),
        Some("35 RUE du logiciel libre, 69100 VILLEURBANNE")
    );
    // Flipkart: "Warehouse Address: …" below the seller's label is its address.
    let p = read(
        " Sold By : WS Retail Services Pvt. Ltd.,\nWarehouse Address: NO. 42/1 & 43, Bangalore, Karnataka, India - 560067\n",
        "invoice",
    );
    assert_eq!(
        p.issuer.address.as_deref(),
        Some("NO. 42/1 & 43, Bangalore, Karnataka, India - 560067")
    );
}

#[test]
fn a_name_across_the_gap_after_its_label_and_a_sender_line_above_the_window() {
    let t = "Faktura nr: F 1234K20/1234/12
Sprzedawca: Polski Koncern Naftowy ORLEN S.A.
NIP:               774-00-01-454
Adres:             Chemików 7 09-411 Płock
Nabywca:           GŁÓWNY URZĄD STATYSTYCZNY
NIP:               5261040828
Adres:             Aleja Niepodległości 208 00-925 Warszawa
";
    let p = read(t, "invoice");
    assert_eq!(
        p.issuer.name.as_deref(),
        Some("Polski Koncern Naftowy ORLEN S.A.")
    );
    assert_eq!(p.issuer.address.as_deref(), Some("Chemików 7 09-411 Płock"));
    assert_eq!(
        p.recipient.name.as_deref(),
        Some("GŁÓWNY URZĄD STATYSTYCZNY")
    );
    assert_eq!(
        p.recipient.address.as_deref(),
        Some("Aleja Niepodległości 208 00-925 Warszawa")
    );
    let t = "  QualityHosting AG - Uferweg 40-42 - D-63571 Gelnhausen
  iViveLabs Ltd.
  93B Sai Yu Chung
  Yuen Long, N.T.
  Hong Kong
Rechnung                                                               Seite 1
";
    let p = read(t, "invoice");
    assert_eq!(p.issuer.name.as_deref(), Some("QualityHosting AG"));
    assert_eq!(
        p.issuer.address.as_deref(),
        Some("Uferweg 40-42, D-63571 Gelnhausen")
    );
    assert_eq!(p.recipient.name.as_deref(), Some("iViveLabs Ltd."));
    assert_eq!(
        p.recipient.address.as_deref(),
        Some("93B Sai Yu Chung, Yuen Long, N.T., Hong Kong")
    );
}

#[test]
fn a_receipt_from_a_company_and_a_numbered_title_are_not_names() {
    let t = "Receipt from Notion Labs, Inc.
Receipt #2841-7731
Date paid March 3, 2025

Notion Labs, Inc.                         Bill to
2300 Harrison Street                      Koala Cafe Pty Ltd
San Francisco, CA 94110                   accounts@koalacafe.com.au
United States
";
    let p = read(t, "receipt");
    assert_eq!(p.issuer.name.as_deref(), Some("Notion Labs, Inc."));
    // Its address is below its name printed again, not the receipt's details.
    assert_eq!(
        p.issuer.address.as_deref(),
        Some("2300 Harrison Street, San Francisco, CA 94110, United States")
    );
    assert_eq!(p.recipient.name.as_deref(), Some("Koala Cafe Pty Ltd"));
    assert!(!name_like("FACTURA SIMPLIFICADA N.º T-2025-004512"));
    assert_eq!(clean_name("Ticket de caisse"), "Ticket de caisse");
    // "An:" (German), "Aan:" (Dutch) label the recipient.
    let p = read(
        "Holzhandel Brunner GmbH\n\nAn:\nSchreinerei Maier\nLindenallee 7\n84028 Landshut\n",
        "credit_note",
    );
    assert_eq!(p.recipient.name.as_deref(), Some("Schreinerei Maier"));
}

#[test]
fn a_title_with_more_words_a_page_marker_or_a_copy_marker_is_no_letterhead() {
    use crate::extract::read::names::is_furniture;
    for s in [
        "TAX INVOICE (Original for the Recipient)",
        "Ricevuta d'acquisto",
        "Seite 1 von 1",
        "Page 2 of 3",
        "Original for Recipient",
    ] {
        assert!(is_furniture(s), "{s}");
    }
    for s in [
        "Bill's Garage",
        "Rechnungshof Consulting",
        "Invoice Services Ltd",
        "Kemira Oyj",
    ] {
        assert!(!is_furniture(s), "{s}");
    }
    let t = "          Ricevuta d'acquisto\n          Pagato\nVenduto da Rossi Forniture\n\
             Totale 11,96\n";
    assert_ne!(
        read(t, "receipt").issuer.name.as_deref(),
        Some("Ricevuta d'acquisto")
    );
}

#[test]
fn names_offered_by_bank_details_legal_forms_and_a_two_line_letterhead() {
    let offered = |t: &str, rule: &str| -> Vec<String> {
        names_offered(t, "invoice")
            .into_iter()
            .filter(|n| n.rule == rule)
            .map(|n| n.name)
            .collect()
    };
    // The account holder under the bank details names the issuer, spelled as the bank knows it.
    let t = "Grifichs Music Seore\nS7 Beach Rd.\n              Invoice\nBank Delails\nAccount Name Griffiths Music Store\nAccount 123456789\n";
    assert_eq!(offered(t, "payee"), ["Griffiths Music Store"]);
    assert_eq!(
        offered(
            "Bank: HDFC\nA/C NAME : GLOBAL CREATIVE ENGINEERING\n",
            "payee"
        ),
        ["GLOBAL CREATIVE ENGINEERING"]
    );
    // Finnish, Czech and Norwegian legal forms, whole.
    let t = "Wulff Oy Ab            Alv rek. Moms.Reg  Puhelin\nKemira Oyj, Porkkalankatu 3\nELKOV Elektro s.r.o.   IČ 12345678\nCZ.NIC, z.s.p.o.   T +420 222 745 111\nOdběratel: iSolar PV s.r.o.\n";
    let legal = offered(t, "legal form");
    // A camel-case first word is part of the name ("iSolar", not "PV s.r.o.").
    assert!(!legal.iter().any(|n| n == "PV s.r.o."), "{legal:?}");
    for name in [
        "Wulff Oy Ab",
        "Kemira Oyj",
        "ELKOV Elektro s.r.o.",
        "CZ.NIC, z.s.p.o.",
        "iSolar PV s.r.o.",
    ] {
        assert!(legal.iter().any(|n| n == name), "{name} not in {legal:?}");
    }
    // A letterhead over two lines, its legal form on the second.
    let t = "                            Rightchoice Packaging\n                            Company\n                            No 16&17,G1,Venkateswara Flats,\n";
    assert_eq!(offered(t, "letterhead"), ["Rightchoice Packaging Company"]);
    // A company name over an address block's first two lines, its legal form on the second:
    // both lines as one name, beside the second line's own; a legal form on the first line
    // already names the company whole.
    let t = "MedlaMarkt\n              MEDIA MARKT\n      TV-Hifi-Elektro GmbH Paderborn\n              Pohlweg 110\n            33100 PADERBORN\n";
    assert_eq!(
        offered(t, super::LEGAL_NAME_OVER_TWO_LINES),
        ["MEDIA MARKT TV-Hifi-Elektro GmbH Paderborn"]
    );
    assert_eq!(offered(t, "legal form"), ["TV-Hifi-Elektro GmbH"]);
    let t = "Acme Trading GmbH\nWerk Nord GmbH\nHauptstr. 5\n10115 Berlin\n";
    assert!(offered(t, super::LEGAL_NAME_OVER_TWO_LINES).is_empty());
    // A web address over a till receipt's block is not its name: the line under it is.
    let t = "             thomasLche\n        scannen und Feedback geben.\n       www.albers-feinkost.de  Honestly\n             Feinkost Albers\n            Bahnhofstr. 17\n            33098 Paderborn\n          Tel. 05251 / 180420\n";
    assert_eq!(offered(t, "address block"), ["Feinkost Albers"]);
    let t = t.replace("www.albers-feinkost.de", "wwnw.aibers-feinkost.do");
    assert_eq!(offered(&t, "address block"), ["Feinkost Albers"]);
    // A viewer's notice is no letterhead.
    let t = "Bereiche ohne Inhalte werden nicht dargestellt!\nDaten der E-Rechnung\n";
    assert!(!offered(t, "letterhead").iter().any(|n| n.ends_with('!')));
}
