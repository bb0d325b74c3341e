//! Party sections of key–value pages: the pages e-invoice viewers print (the KoSIT XRechnung
//! visualisation: "Informationen zum Verkäufer" over "Firmenname: …", "Informationen zum Käufer"
//! over "Name: …"; "Seller information" over "Company name: …"). The section heading ends with a
//! party label (`issuer_labels`, `recipient_labels`); the party's name is the value of the first
//! name key ([`NAME_KEYS`]) in the few lines below it, on the key's line. A party label alone
//! over its keys (the Polish KSeF visualisation: "Sprzedawca" over "NIP: …" and "Nazwa: …") is
//! read the same way in its column.

use std::sync::OnceLock;

use regex::Regex;

use super::super::fold::fold;
use super::super::names::{clean_name, label_at, name_like, re};
use super::super::segments::segments;
use super::block::{block, Party};

/// Keys whose value is a party's name (folded, without the colon).
const NAME_KEYS: &[&str] = &[
    "name",
    "firmenname",
    "firma",
    "company name",
    "company",
    "business name",
    "legal name",
    "trading name",
    "raison sociale",
    "denomination",
    "nom",
    "nombre",
    "razon social",
    "ragione sociale",
    "denominazione",
    "bedrijfsnaam",
    "naam",
    "nazwa",
    "nazev",
];

/// How many lines below the heading its name key may stand.
const REACH: usize = 3;

/// The party label of a section heading: "Informationen zum Verkäufer", "Details of the seller",
/// "Seller information" → "issuer"; "Informationen zum Käufer" → "billing". A heading is the label
/// with a section word before or after it and nothing else but a colon.
fn heading_label(segment: &str) -> Option<&'static str> {
    static BEFORE: OnceLock<Regex> = OnceLock::new();
    static AFTER: OnceLock<Regex> = OnceLock::new();
    let before = re(
        &BEFORE,
        r"^(?:informationen|angaben|daten|details|information|informations|donnees|datos|dati|dane|gegevens|tiedot|uppgifter)(?: (?:zum|zur|des|der|uber den|uber die|about the|of the|on the|du|de la|del|de|sul|dello|della|van de|van het))? (.+?):?$",
    );
    let after = re(
        &AFTER,
        r"^(.+?) (?:information|informationen|details|data|angaben|daten):?$",
    );
    let f = fold(segment.trim());
    let label = before
        .captures(&f)
        .or_else(|| after.captures(&f))?
        .get(1)?
        .as_str()
        .to_string();
    let (kind, n) = label_at(&label)?;
    (n == label.chars().count() && kind != "shipping").then_some(kind)
}

/// The value of a name key ("Firmenname:  Acme GmbH") on `line`, in the segment at `col` (±2)
/// when given: (column, name).
fn name_on(line: &str, col: Option<usize>) -> Option<(usize, String)> {
    let segs = segments(line);
    for (k, seg) in segs.iter().enumerate() {
        if col.is_some_and(|c| seg.col.abs_diff(c) > 2) {
            continue;
        }
        let f = fold(&seg.text);
        let keyed = NAME_KEYS.iter().any(|key| {
            f.strip_prefix(*key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        });
        if !keyed {
            continue;
        }
        let at = seg.text.find(':').map_or(0, |i| i + 1);
        let rest = seg.text[at..].trim();
        let (col, value) = if rest.is_empty() {
            let next = segs.get(k + 1)?;
            (next.col, next.text.clone())
        } else {
            (seg.col + seg.text[..at].chars().count(), rest.to_string())
        };
        let name = clean_name(&value);
        return name_like(&name).then_some((col, name));
    }
    None
}

/// The party whose name key stands in the [`REACH`] lines below line `i`, in column `col` when
/// given, with its address block.
fn keyed(lines: &[&str], i: usize, col: Option<usize>) -> Option<Party> {
    for (j, line) in lines.iter().enumerate().skip(i + 1).take(REACH) {
        if let Some((at, name)) = name_on(line, col) {
            let mut p = block(lines, j, at, false, Some(name));
            p.line = Some(j);
            return Some(p);
        }
    }
    None
}

/// The party a section heading on line `i`, segment `segment`, opens: (kind — "issuer" or
/// "billing" —, the party with its name, line and address block).
pub(super) fn party(lines: &[&str], i: usize, segment: &str) -> Option<(&'static str, Party)> {
    let kind = heading_label(segment)?;
    let mut p = keyed(lines, i, None)?;
    p.rule = Some(format!("section: {}", segment.trim()));
    Some((kind, p))
}

/// The party a label alone at (`i`, `col`) opens on a key–value page ("Sprzedawca" over "NIP: …"
/// and "Nazwa: ABC Developex S.A." in its column), when a name key follows in that column; the
/// caller names the rule.
pub(super) fn below_label(lines: &[&str], i: usize, col: usize) -> Option<Party> {
    keyed(lines, i, Some(col))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "Daten der E-Rechnung
 Informationen zum Käufer
 Name:          Untertänigster Leistungsempfänger     Ländercode:    DE (Deutschland)
 Adresszeile 1:  Party Street 1                       Telefon:       +491234567890
 Informationen zum Verkäufer
 Firmenname:    Hochwürdiger Leistungserbringer       Ländercode:    DE (Deutschland)
 Adresszeile 1:  Fun Street 1                         Telefon:       +4917012345678";

    #[test]
    fn a_viewer_page_names_seller_and_buyer_under_their_section_headings() {
        let lines: Vec<&str> = PAGE.lines().collect();
        let (k, buyer) = party(&lines, 1, lines[1]).unwrap();
        assert_eq!(k, "billing");
        assert_eq!(
            buyer.name.as_deref(),
            Some("Untertänigster Leistungsempfänger")
        );
        assert_eq!(buyer.line, Some(2));
        let (k, seller) = party(&lines, 4, lines[4]).unwrap();
        assert_eq!(k, "issuer");
        assert_eq!(
            seller.name.as_deref(),
            Some("Hochwürdiger Leistungserbringer")
        );
    }

    #[test]
    fn a_heading_needs_its_label_last_and_a_name_key_below() {
        assert_eq!(heading_label("Seller information"), Some("issuer"));
        assert_eq!(heading_label("Details of the seller"), Some("issuer"));
        assert_eq!(
            heading_label("Informationen zum Verkäufer und Preise"),
            None
        );
        let lines = [
            "Informationen zum Verkäufer",
            "Ländercode: DE",
            "PLZ: 12345",
        ];
        assert!(party(&lines, 0, lines[0]).is_none());
    }

    #[test]
    fn a_label_alone_over_a_name_key_in_its_column() {
        let t = "Sprzedawca                                                         Nabywca
NIP: 9999999999                                                    NIP: 1111111111
Nazwa: ABC Developex S.A.                                          Nazwa: F.H.U. Jan Kowalski
Adres                                                              Adres";
        let lines: Vec<&str> = t.lines().collect();
        let seller = below_label(&lines, 0, 0).unwrap();
        assert_eq!(seller.name.as_deref(), Some("ABC Developex S.A."));
        let buyer = below_label(&lines, 0, 67).unwrap();
        assert_eq!(buyer.name.as_deref(), Some("F.H.U. Jan Kowalski"));
        assert!(below_label(&lines, 0, 30).is_none());
    }
}
