//! Document-number candidates: the value after or under **every** number label (not only the
//! first, as the rule reading takes), the value on the line below a label that stands alone
//! (key–value pages printed by e-invoice viewers), reference numbers, and id-like tokens in the
//! document's head.
//!
//! Priors (log-odds): a number after the document's title in its segment ("Kreditnota
//! 5326721-2") 2.0; a number label 2.5, less 0.2 per rank of its pattern (the specific
//! "Invoice No" before the bare "No:"); the line below a lone label 1.5; a booking reference 0.0,
//! other reference numbers −1.0; a number label in the item table's header row −1.0 (a column of
//! each line's reference: a credit note's credited invoices); a credited invoice's number
//! ("Kreditert faktura", "Original invoice No.") −1.0 at most, under whatever label; the number under the document's title ("FACTURE" over "N° 42") 2.0;
//! an unlabelled id-like token in the first [`HEAD`] lines −1.5.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::json;

use super::{Candidate, Evidence};
use crate::extract::candidates::{after_label, below, id_token, number_labels, CREDITED_INVOICE};
use crate::extract::read::lines::{is_header, repeated_in_column};
use crate::extract::read::names::{is_title, numbered_title};
use crate::extract::read::segments::segments;
use crate::extract::values::{amounts_in, dates_in, is_iban, tax_ids_in};

/// Prior of a number under a number label in the item table's header row.
pub const TABLE_COLUMN: f64 = -1.0;

/// Lines looked at for unlabelled id-like tokens.
pub const HEAD: usize = 15;

fn candidate(
    value: String,
    line: usize,
    col: usize,
    prior: f64,
    label: Option<String>,
    rule: &'static str,
) -> Candidate {
    Candidate {
        value: json!(value),
        printed: value,
        prior,
        evidence: Evidence {
            line,
            col,
            label,
            rule,
        },
    }
}

/// An id-like token: letters and digits with `-/_.`, at least one digit and one letter or
/// separator, 4–24 characters; not a date, an amount, a phone number or a bare postcode; not
/// another number of the document whose shape says what it is — a VAT id or GSTIN
/// ([`tax_ids_in`]), an IBAN ([`is_iban`]), a street's ordinal ("78th").
fn id_like(token: &str) -> bool {
    static R: OnceLock<Regex> = OnceLock::new();
    let r = R.get_or_init(|| {
        Regex::new(r"^[A-Za-z0-9][A-Za-z0-9_\-/.]{2,22}[A-Za-z0-9]$").expect("valid pattern")
    });
    let digits = token.chars().filter(char::is_ascii_digit).count();
    let other = token
        .chars()
        .any(|c| c.is_ascii_alphabetic() || "-/_".contains(c));
    r.is_match(token)
        && digits >= 2
        && other
        && dates_in(token, false).is_empty()
        && amounts_in(token).is_empty()
        && !token.contains("www")
        && !token.contains("http")
        && tax_ids_in(token)
            .first()
            .is_none_or(|t| t.len() < token.len())
        && !is_iban(token)
        && !ordinal(token)
}

/// "78th", "2nd", "101st": a street's or a floor's number.
fn ordinal(token: &str) -> bool {
    let t = token.to_ascii_lowercase();
    ["st", "nd", "rd", "th"].iter().any(|s| {
        t.strip_suffix(s)
            .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
    })
}

/// Whether the number label at chars `col..col_end` of line `i` is a column of the item table:
/// on its header row, or its value printed again down its column.
fn is_column(lines: &[&str], i: usize, col: usize, col_end: usize) -> bool {
    is_header(lines[i])
        || lines
            .get(i + 1)
            .and_then(|n| below(n, col, col_end))
            .is_some_and(|v| {
                under_label(&v).is_some_and(|(v, _)| repeated_in_column(lines, i + 1, &v))
            })
}

/// Candidates of `invoice_number`.
pub(super) fn propose(lines: &[&str]) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        for (rank, (a, b)) in number_labels(line) {
            let label = line[a..b].trim().to_string();
            let col = line[..a].chars().count();
            let col_end = line[..b].chars().count();
            // A number label in the item table's header ("Faktura nr." over each line's
            // credited invoice) labels each line's reference, not the document's number; so does
            // a label whose value is printed again below it in its column.
            let column = is_column(lines, i, col, col_end);
            let prior = if column {
                TABLE_COLUMN
            } else {
                2.5 - 0.2 * rank as f64
            };
            let after = after_label(&line[b..]);
            if let Some(v) = id_token(after).or_else(|| short_number(after)) {
                let at = line[b..]
                    .find(&v)
                    .map_or(col_end, |k| line[..b + k].chars().count());
                let rule = if column { "table column" } else { "label" };
                out.push(candidate(v, i, at, prior, Some(label.clone()), rule));
            } else if let Some((v, less)) = lines
                .get(i + 1)
                .and_then(|n| below(n, col, col_end))
                .as_deref()
                .and_then(under_label)
            {
                out.push(candidate(
                    v,
                    i + 1,
                    col,
                    prior - 0.5 - less,
                    Some(label.clone()),
                    if column {
                        "table column"
                    } else {
                        "label above"
                    },
                ));
            } else if line[b..].trim().is_empty() {
                // A label alone at the end of its line: the value is the next line's first.
                if let Some((v, less)) = lines.get(i + 1).and_then(|n| under_label(n.trim_start()))
                {
                    out.push(candidate(
                        v,
                        i + 1,
                        0,
                        1.5 - 0.2 * rank as f64 - less,
                        Some(label),
                        "line below",
                    ));
                }
            }
        }
        for r in crate::extract::candidates::find_references(lines, i) {
            let prior = if r.0 == "Booking" { 0.0 } else { -1.0 };
            out.push(candidate(
                r.1,
                i,
                0,
                prior,
                Some(r.0.to_string()),
                "reference",
            ));
        }
        if i < HEAD {
            out.extend(in_the_head(lines, i));
        }
    }
    below_credited(&mut out);
    out
}

/// A credit note's credited invoice is no candidate for its own number, whatever label also
/// stands over it: every candidate of that value at [`TABLE_COLUMN`] at most.
fn below_credited(out: &mut [Candidate]) {
    let credited: Vec<String> = out
        .iter()
        .filter(|c| c.evidence.rule == "reference")
        .filter(|c| c.evidence.label.as_deref() == Some(CREDITED_INVOICE))
        .map(|c| c.printed.clone())
        .collect();
    for c in out.iter_mut().filter(|c| credited.contains(&c.printed)) {
        c.prior = c.prior.min(TABLE_COLUMN);
    }
}

/// Candidates of line `i` of the head: a number beside or under the document's title, and
/// unlabelled id-like tokens.
fn in_the_head(lines: &[&str], i: usize) -> Vec<Candidate> {
    let line = lines[i];
    let mut out = Vec::new();
    let segs = segments(line);
    for (k, seg) in segs.iter().enumerate() {
        // "Rechnung 2024-001" in one segment, or "Kreditnota      5326721-2" across a gap.
        let beside = segs
            .get(k + 1)
            .filter(|_| is_title(&seg.text))
            .and_then(|n| id_token(&n.text).map(|v| (v, n.col)));
        let found = titled_number(&seg.text).map(|v| (v, seg.col)).or(beside);
        if let Some((v, col)) = found {
            let label = Some(seg.text.clone());
            out.push(candidate(v, i, col, 2.0, label, "numbered title"));
        }
    }
    if let Some(c) = i
        .checked_sub(1)
        .and_then(|a| title_over_number(lines[a], line, i))
    {
        out.push(c);
    }
    for (col, token) in tokens(line) {
        if id_like(&token) {
            out.push(candidate(token, i, col, -1.5, None, "id-like token"));
        }
    }
    out
}

/// The number after a document's title in the same segment ("Kreditnota 5326721-2", "Rechnung
/// 2024-001", "INVOICE 7"): the first token holding a digit after the title's words.
fn titled_number(segment: &str) -> Option<String> {
    if !numbered_title(segment) {
        return None;
    }
    segment
        .split_whitespace()
        .skip(1)
        .map(|t| t.trim_matches(|c: char| ":#.,()".contains(c)))
        .find(|t| t.chars().any(|c| c.is_ascii_digit()))
        .filter(|t| dates_in(t, false).is_empty() && dates_in(t, true).is_empty())
        .and_then(|t| id_token(t).or_else(|| short_number(t)))
}

/// A document's title over its number mark ("FACTURE" over "N° FX-2026-0042", "INVOICE" over
/// "No. 1042"): a segment of `line` opening with a bare number mark and the number, under a
/// segment of `above` (sharing a column with it) that is the title alone. The same evidence as
/// a numbered title on one line (prior 2.0); a bare "No. 12" elsewhere is an address's as
/// often as a document's and gets nothing here.
fn title_over_number(above: &str, line: &str, i: usize) -> Option<Candidate> {
    static MARK: OnceLock<Regex> = OnceLock::new();
    let mark = crate::extract::read::names::re(&MARK, r"^(?i:n[°º]|no\.?|nr\.?|#)\s*");
    let titles = segments(above);
    segments(line).into_iter().find_map(|seg| {
        let m = mark.find(&seg.text)?;
        let rest = &seg.text[m.end()..];
        let v = id_token(rest).or_else(|| short_number(rest))?;
        let title = titles
            .iter()
            .find(|t| t.col < seg.end() && seg.col < t.end() && is_title(&t.text))?;
        let label = format!("{} {}", title.text.trim(), m.as_str().trim());
        Some(candidate(
            v,
            i,
            seg.col + m.as_str().chars().count(),
            2.0,
            Some(label),
            "numbered title",
        ))
    })
}

/// The number under a number label (in its column, or alone on the next line), and how much
/// less likely it is than one after the label: an id token (0), a short number ("INVOICE
/// NUMBER" over "1": 0), or digits joined by slashes that also read as a date ("Numer faktury"
/// over "2/11/2023", the Polish numbering: 1.0 — a date under a number label is still a
/// number, but the issue date may share the column).
fn under_label(s: &str) -> Option<(String, f64)> {
    static SLASHED: OnceLock<Regex> = OnceLock::new();
    if let Some(v) = id_token(s).or_else(|| short_number(s)) {
        return Some((v, 0.0));
    }
    let t = s.split_whitespace().next()?;
    let r =
        SLASHED.get_or_init(|| Regex::new(r"^\d{1,6}(?:/\d{1,6}){1,3}$").expect("valid pattern"));
    r.is_match(t).then(|| (t.to_string(), 1.0))
}

/// A short document number right after a label ("Invoice No: 14", "N° 1"): one to three
/// digits, alone in its column.
fn short_number(s: &str) -> Option<String> {
    let t = s.trim_start_matches([' ', ':', '#', '.']);
    let n: String = t.chars().take_while(char::is_ascii_digit).collect();
    let rest = &t[n.len()..];
    (!n.is_empty()
        && n.len() <= 3
        && (rest.is_empty()
            || rest.starts_with("  ")
            || rest.starts_with(' ')
                && !rest.trim_start().starts_with(|c: char| c.is_ascii_digit())))
    .then_some(n)
}

/// The whitespace-separated tokens of `line` with their char columns, `:;,()` trimmed.
fn tokens(line: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut col = 0;
    for part in line.split(' ') {
        let t = part.trim_matches(|c: char| ":;,()[]#".contains(c) || c.is_whitespace());
        if !t.is_empty() {
            out.push((col, t.to_string()));
        }
        col += part.chars().count() + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::extract::read::candidates::tests::proposals;
    use crate::extract::read::read;

    #[test]
    fn a_number_column_of_the_item_table_is_not_the_documents_number() {
        // A Norwegian credit note: each line names the invoice it credits under "Faktura nr.".
        let t = "                                   Kreditnota          5326721-2\n\
                 Fakturadato 09-09-2016\n\
                 \n\
                 Faktura nr.     Maskin nr./Varenummer        Beskrivelse           Mva sats % Total eks. mva.\n\
                 S80472135       383128            BOMLIFT DIESEL                   25            -1.448,00\n\
                 S80472135       10684             DIESEL AVGIFTSFRI                25              -231,00\n\
                 S80472135       10002             RENGJØRING                       25              -170,00\n\
                 \n\
                 Sum eks. mva.                                                                   -1.849,00\n";
        let p = proposals(t);
        let best = &p.of("invoice_number")[0];
        assert_eq!(
            best.value,
            json!("5326721-2"),
            "{:?}",
            p.of("invoice_number")
        );
        let column = p
            .of("invoice_number")
            .iter()
            .find(|c| c.value == json!("S80472135"))
            .expect("the credited invoice stays a candidate");
        assert_eq!(column.evidence.rule, "table column");
    }

    #[test]
    fn a_credited_invoice_is_a_reference_not_the_credit_notes_number() {
        let t = "                                   Kreditnota          5337130-6\n\
                 Fakturadato 09-09-2016                      Kreditert faktura\n\
                 \x20                                           S80497838\n\
                 Faktura nr.       Beskrivelse                     Beløp\n\
                 S80497838         CONTAINER SAG                   -4 431,00\n";
        let p = proposals(t);
        assert_eq!(
            p.of("invoice_number")[0].value,
            json!("5337130-6"),
            "{:?}",
            p.of("invoice_number")
        );
        let r = read(t, &[], None);
        assert!(
            r.doc["reference_numbers"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x["value"] == "S80497838")),
            "{}",
            r.doc["reference_numbers"]
        );
    }
}
