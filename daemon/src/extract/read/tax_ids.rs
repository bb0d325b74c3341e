//! Tax identification numbers printed after their label — "VAT No: GB 123 4567 89",
//! "CIF B12345678", "ABN 51 824 753 556", "NIP:        774-00-01-454", "Customer VAT: …" — in
//! any format, beside the formats [`crate::extract::values::tax_ids_in`] recognises without a
//! label (EU VAT numbers with their country prefix, Indian GSTINs). The labels are
//! `tax_id_labels` in `schema/reading/vocabulary.json`.
//!
//! The number is the run of tokens after the label (and an optional "No." / "Nr." / "#" / ":"),
//! separated by single spaces, each with a digit — the first may also be a two- or
//! three-letter country prefix ("DE 123 456 789", "CHE-123.456.789") — or, when the label ends
//! its column segment, the next segment of the line. It is kept as printed without its spaces,
//! and only when it has 5 to 20 digits and letters with at least 5 digits and is neither an
//! amount nor a date ("VAT 20 %  84.00" states a tax, not an id).

use super::fold::fold;
use super::names::label_at;
use super::segments::{at_column, segments};
use super::vocabulary::vocabulary;

/// A tax id read after its label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledTaxId {
    /// As printed, spaces removed ("GB123456789", "774-00-01-454").
    pub id: String,
    /// A recipient label or word precedes the tax label in its segment ("Customer VAT No: …",
    /// "Your VAT number: …", "Ihre USt-IdNr.: …"): the id is the recipient's wherever it is
    /// printed.
    pub recipient: bool,
    /// Char column of the number's segment.
    pub col: usize,
}

/// Words that may sit between a label and its number.
const NUMBER_WORDS: [&str; 8] = ["no", "nr", "n°", "number", "num", "nummer", "numero", "id"];

/// The labelled tax ids on one layout `line`, left to right.
pub fn labelled(line: &str) -> Vec<LabelledTaxId> {
    let segs = segments(line);
    let mut out = Vec::new();
    for (s, seg) in segs.iter().enumerate() {
        let Some((at, len)) = label_in(&seg.text) else {
            continue;
        };
        let after: String = seg.text.chars().skip(at + len).collect();
        let mut value = number_after(&after).map(|id| (id, seg.col));
        if value.is_none()
            && after
                .trim_matches(|c: char| c == ':' || c == '#')
                .trim()
                .is_empty()
        {
            value = segs
                .get(s + 1)
                .and_then(|next| number_after(&next.text).map(|id| (id, next.col)));
        }
        if let Some((id, col)) = value {
            let before: String = seg.text.chars().take(at).collect();
            out.push(LabelledTaxId {
                id,
                recipient: recipient_before(&before),
                col,
            });
        }
    }
    out
}

/// Whether the words before a tax label (`before`, on its segment) make the id the recipient's:
/// a billing label ("Bill to … VAT") or a recipient word right before it ("Customer VAT",
/// "Your VAT number", "Deres organisasjonsnr"; "Gracias por su visita. CIF …" is the
/// issuer's).
fn recipient_before(before: &str) -> bool {
    let f = fold(before);
    let last = f
        .split_whitespace()
        .last()
        .unwrap_or("")
        .trim_end_matches("'s")
        .trim_matches(|c: char| !c.is_alphanumeric());
    label_at(before).is_some_and(|(kind, _)| kind == "billing")
        || vocabulary()
            .tax_id_labels
            .recipient_words
            .iter()
            .any(|w| w == last)
}

/// The labelled tax ids of line `i` of `lines`: those after their label on the line
/// ([`labelled`]) and those printed under a label that ends its segment on the line above, in
/// the same column ("Deres organisasjonsnr" over "NO942110464MVA"), when the number's segment
/// holds nothing else and the label is not a short one ("VAT", "TIN") over a number of no tax
/// id's format.
pub fn labelled_at(lines: &[&str], i: usize) -> Vec<LabelledTaxId> {
    let mut out = labelled(lines[i]);
    let Some(above) = i.checked_sub(1).map(|k| lines[k]) else {
        return out;
    };
    for seg in segments(above) {
        let Some((at, len)) = label_in(&seg.text) else {
            continue;
        };
        let after: String = seg.text.chars().skip(at + len).collect();
        let ends = after
            .split(|c: char| c.is_whitespace() || ":#.".contains(c))
            .all(|w| w.is_empty() || NUMBER_WORDS.contains(&fold(w).as_str()));
        if !ends {
            continue;
        }
        let Some(below) = at_column(lines[i], seg.col, 3) else {
            continue;
        };
        let Some(id) = number_after(&below.text) else {
            continue;
        };
        // A short label over a number of no tax id's format is too loose a pair ("TIN:" over
        // a bus ticket's number in a grid of fields).
        let known = !crate::extract::values::tax_ids_in(&below.text).is_empty();
        if len < 6 && !known {
            continue;
        }
        let alone = fold(&id).len() + 2 >= fold(&below.text.replace(' ', "")).len();
        if alone && !out.iter().any(|t| t.id == id) {
            let before: String = seg.text.chars().take(at).collect();
            out.push(LabelledTaxId {
                id,
                recipient: recipient_before(&before),
                col: below.col,
            });
        }
    }
    out
}

/// The first tax label in `text` as (char offset, char length): the longest label that starts
/// there, on word boundaries. Folding must keep one char per char (it does but for `ß`, which
/// no label has); a text where it does not is skipped.
fn label_in(text: &str) -> Option<(usize, usize)> {
    let f = fold(text);
    let chars: Vec<char> = f.chars().collect();
    if chars.len() != text.chars().count() {
        return None;
    }
    let boundary = |i: usize| i >= chars.len() || !chars[i].is_alphanumeric();
    for start in 0..chars.len() {
        if start > 0 && chars[start - 1].is_alphanumeric() {
            continue;
        }
        let best = label_chars()
            .iter()
            .filter(|l| chars[start..].starts_with(l) && boundary(start + l.len()))
            .map(|l| l.len())
            .max();
        if let Some(len) = best {
            return Some((start, len));
        }
    }
    None
}

/// The tax labels as chars, made once (matched at every start position of every segment).
fn label_chars() -> &'static [Vec<char>] {
    static L: std::sync::OnceLock<Vec<Vec<char>>> = std::sync::OnceLock::new();
    L.get_or_init(|| {
        vocabulary()
            .tax_id_labels
            .labels
            .iter()
            .map(|l| l.chars().collect())
            .collect()
    })
}

/// The tax number at the start of `text` (after separators and a "No." word), if any.
fn number_after(text: &str) -> Option<String> {
    let sep = |c: char| c == ':' || c == '#' || c == '.' || c.is_whitespace();
    let mut rest = text.trim_start_matches(sep);
    loop {
        let word: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '°')
            .collect();
        if word.is_empty() || !NUMBER_WORDS.contains(&fold(&word).as_str()) {
            break;
        }
        rest = rest[word.len()..].trim_start_matches(sep);
    }
    // Tokens up to the first wide gap.
    let run = rest.split("  ").next().unwrap_or("");
    let mut id = String::new();
    let mut stop = "";
    for (i, token) in run.split(' ').enumerate() {
        let token = token.trim_end_matches([',', ';', ')']);
        let shape = !token.is_empty()
            && token
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric())
            && token
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || ".-/".contains(c));
        let digit = token.chars().any(|c| c.is_ascii_digit());
        let prefix = i == 0 && (2..=3).contains(&token.len()) && !digit;
        if !shape || !(digit || prefix) {
            stop = token;
            break;
        }
        id.push_str(token);
    }
    let id = id.trim_end_matches(['.', '-', '/']).to_string();
    let id = norwegian_vat(&id, stop).unwrap_or(id);
    let digits = id.chars().filter(char::is_ascii_digit).count();
    let plausible = (6..=20).contains(&id.chars().filter(|c| c.is_alphanumeric()).count())
        && digits >= 5
        && !crate::extract::values::states_money(&id)
        && crate::extract::values::dates_in(&id, false).is_empty()
        && crate::extract::values::dates_in(&id, true).is_empty();
    plausible.then_some(id)
}

/// A Norwegian organisation number followed by "MVA" (registered for VAT: "Foretaksregisteret
/// NO 984 820 011 MVA") is the VAT number `NO984820011MVA`, as e-invoices carry it; the nine
/// digits pass the register's modulus-11 check (weights 3 2 7 6 5 4 3 2; Brønnøysund
/// Register Centre).
fn norwegian_vat(id: &str, next: &str) -> Option<String> {
    if next.trim_end_matches('.') != "MVA" {
        return None;
    }
    let digits = id.strip_prefix("NO").unwrap_or(id);
    crate::extract::values::norwegian_organisation_number(digits).then(|| format!("NO{digits}MVA"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(line: &str) -> Vec<String> {
        labelled(line).into_iter().map(|t| t.id).collect()
    }

    #[test]
    fn tax_numbers_after_their_labels_in_any_format() {
        assert_eq!(
            ids("Panadería García S.L. - CIF B12345678 - Registro"),
            ["B12345678"]
        );
        assert_eq!(ids("ABN 51 824 753 556"), ["51824753556"]);
        // Norwegian: the organisation number with "MVA" after it is the VAT number.
        assert_eq!(
            ids("Foretaksregisteret: NO 984 820 011 MVA  IBAN: NO68 9750"),
            ["NO984820011MVA"]
        );
        assert_eq!(ids("Org. no.: 980 797 309 MVA"), ["NO980797309MVA"]);
        // A failed check digit, or no "MVA": kept as printed.
        assert_eq!(ids("Org. no.: 980 797 308 MVA"), ["980797308"]);
        assert_eq!(ids("Org.nr. 984 820 011"), ["984820011"]);
        assert_eq!(ids("NIP:               774-00-01-454"), ["774-00-01-454"]);
        assert_eq!(ids(" VAT/TIN: 29670869006"), ["29670869006"]);
        assert_eq!(ids("VAT Reg. No.: GB 123 4567 89"), ["GB123456789"]);
        assert_eq!(ids("UID: CHE-123.456.789 MWST"), ["CHE-123.456.789"]);
        assert_eq!(ids("GST/HST No. 123456789 RT0001"), ["123456789RT0001"]);
        assert_eq!(
            ids("Studio Rossi S.r.l. - P.IVA IT01234567890"),
            ["IT01234567890"]
        );
        assert_eq!(ids("Steuernummer 143/123/45678"), ["143/123/45678"]);
    }

    #[test]
    fn tax_amounts_rates_and_words_after_a_label_are_not_ids() {
        for no in [
            "VAT 20%                        $84.00",
            "Total VAT                    1,584.32",
            "VAT                          12345.67",
            "TVA 20% payée sur les encaissements      5.00",
            "Tin of paint 5 litres",
            "GST (10%)  12.50",
            "CIF Hamburg 2024",
            "VAT invoice date 12.03.2025",
        ] {
            assert!(ids(no).is_empty(), "{no}: {:?}", ids(no));
        }
    }

    #[test]
    fn a_recipient_label_before_the_tax_label_makes_it_the_recipients() {
        let t = labelled("Customer VAT No: DE811234567");
        assert_eq!(t.len(), 1);
        assert!(t[0].recipient);
        assert!(!labelled("VAT No: DE811234567")[0].recipient);
        assert!(labelled("Your VAT number: GB123456789")[0].recipient);
        assert!(labelled("Ihre USt-IdNr.: DE811234567")[0].recipient);
        assert!(!labelled("Unsere USt-IdNr.: DE811234567")[0].recipient);
        assert!(!labelled("Gracias por su visita. CIF: B12345678")[0].recipient);
        assert!(labelled("Client's VAT: FR40123456789")[0].recipient);
    }

    #[test]
    fn a_number_under_its_label_is_labelled_by_it() {
        let lines = [
            "        Vår kontaktperson        Deres organisasjonsnr",
            "        Agnieszka Kajka          NO942110464MVA",
        ];
        let t = labelled_at(&lines, 1);
        assert_eq!(t.len(), 1, "{t:?}");
        assert_eq!(t[0].id, "NO942110464MVA");
        assert!(t[0].recipient);
        let ours = ["Org.nr.:", "NO 984 820 011 MVA"];
        let t = labelled_at(&ours, 1);
        assert_eq!(
            (t[0].id.as_str(), t[0].recipient),
            ("NO984820011MVA", false)
        );
        // A label with its own number, or a number with more text in its segment, is no pair.
        assert!(labelled_at(&["VAT: GB123456789", "Order 12345678"], 1).is_empty());
        assert!(labelled_at(&["VAT No", "12345678 units shipped"], 1).is_empty());
        assert!(labelled_at(
            &[
                " Customer Name :     TIN:",
                " Samira              TU9Q70909045"
            ],
            1
        )
        .is_empty());
        assert_eq!(
            labelled_at(&["  VAT", "  DE811234567"], 1)[0].id,
            "DE811234567"
        );
    }
}
