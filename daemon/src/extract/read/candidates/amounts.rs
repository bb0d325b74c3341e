//! Money candidates: every amount printed is a candidate of `total`, `subtotal`, `tax` and
//! `amount_due` (whole amounts with thousands separators too: "₹3,363", "75.900"); its label
//! decides its rank, not whether it is proposed.
//!
//! A label is what its words name: a count ("Total Qty: 2") names no money field, and a long
//! sentence only by its last words. An amount whose cents stand apart ("$9,360 00", an OCR that
//! lost the point) is proposed whole.
//!
//! Priors (log-odds, added): the field's label before the amount on its line +2.5, or above it
//! in its column +1.5; a label of another money field −[`OTHER_LABEL`]; the largest amount of
//! the document (among those shown as money, when any is) +0.7 as the total; the last third of
//! the document +0.3; a row of the item table −1.0; no decimals, no currency beside it and no
//! thousands separators −1.0 (a quantity, a year, a postcode); a negative total −2.0; under a
//! rate's column heading ("ALV-%") −[`RATE`]. An amount before the last on a total's row
//! ("TOTAL: ₹3,659.34 ₹23,989.00", the item table's column sums) is the sum of its column — a
//! subtotal or tax as likely as not —: +0.5 as those instead of the other label's penalty (on
//! the real development half, 11 of 22 such amounts were the labelled tax or subtotal); the
//! arithmetic decides which.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::{Candidate, Evidence, AMOUNTS};
use crate::extract::candidates::{below, labelled_fields};
use crate::extract::money;
use crate::extract::read::fold::{fold, has_words, words};
use crate::extract::read::segments::segments;
use crate::extract::read::vocabulary::vocabulary;
use crate::extract::values::{
    amount_spans, cents_apart, cents_apart_spans, grouped_integer_spans, with_cents, Printed,
};

/// The label words before byte offset `start` of `line`: its column segment there (with the one
/// before when that segment is only a currency sign or code).
pub(super) fn label_before(line: &str, start: usize) -> String {
    let head = &line[..start];
    let segs = segments(head);
    let mut parts: Vec<&str> = Vec::new();
    for s in segs.iter().rev() {
        parts.insert(0, s.text.as_str());
        let letters = s.text.chars().filter(|c| c.is_alphabetic()).count();
        if letters > 3 {
            break;
        }
    }
    parts.join(" ")
}

/// The text above char columns `[col, end)` of line `i`, in the nearest of the two lines above
/// that has text there.
pub(super) fn label_above(lines: &[&str], i: usize, col: usize, end: usize) -> Option<String> {
    (1..=2)
        .filter_map(|k| i.checked_sub(k))
        .find_map(|j| below(lines[j], col, end))
}

/// Words (two letters or more) in a label beyond which it is a sentence ("Please wire the amount due to our bank
/// account using the following reference: 000000000"), whose last [`SENTENCE_TAIL`] words label
/// the value after it.
pub const SENTENCE_WORDS: usize = 8;
pub const SENTENCE_TAIL: usize = 6;

/// Whether `label` counts things, not money ("Total Qty:", "No. of Items", "Gesamtmenge";
/// `count_labels` in the vocabulary).
fn counts(label: &str) -> bool {
    let f = words(label);
    vocabulary().count_labels.iter().any(|w| has_words(&f, w))
}

/// The money fields a label names: total, subtotal, tax, and amount_due for a balance label;
/// none for a count ([`counts`]); of a sentence, what its last words name.
fn money_fields(label: &str) -> Vec<&'static str> {
    // Words of two letters or more, by where they start ("3", ",", "$" are no words).
    let words: Vec<usize> = label
        .split_whitespace()
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 2)
        .map(|w| w.as_ptr() as usize - label.as_ptr() as usize)
        .collect();
    let label = if words.len() > SENTENCE_WORDS {
        &label[words[words.len() - SENTENCE_TAIL]..]
    } else {
        label
    };
    if counts(label) || crate::extract::candidates::in_words(label) {
        return Vec::new();
    }
    let mut out: Vec<&'static str> = labelled_fields(label)
        .into_iter()
        .filter(|f| AMOUNTS.contains(f))
        .collect();
    let f = fold(label);
    if vocabulary()
        .paid
        .amount_zero
        .iter()
        .any(|b| has_words(&f, b))
    {
        out.push("amount_due");
    }
    out
}

/// What ranks an amount: the labels around it and where and how it is printed.
struct Place<'a> {
    on_line: &'a [&'static str],
    above: &'a [&'static str],
    largest: bool,
    late: bool,
    in_table: bool,
    /// No decimals and no currency beside it.
    plain: bool,
    negative: bool,
    /// Before the last amount on a line labelled as the total: a column's sum.
    column_sum: bool,
    /// Under a rate's column heading ("ALV-%", "Mva. %", "Tax rate"): a percentage, not money.
    rate: bool,
}

impl Place<'_> {
    /// The amount's prior as `field` (see the module documentation).
    fn prior(&self, field: &str) -> f64 {
        let mut prior = 0.0;
        if self.on_line.contains(&field) {
            prior += 2.5;
        } else if self.column_sum && matches!(field, "subtotal" | "tax") {
            prior += 0.5;
        } else if self.above.contains(&field) {
            prior += 1.5;
        } else if !self.on_line.is_empty() || !self.above.is_empty() {
            prior -= OTHER_LABEL;
        }
        if field == "total" && self.largest {
            prior += 0.7;
        }
        if self.late {
            prior += 0.3;
        }
        if self.in_table {
            prior -= 1.0;
        }
        if self.plain {
            prior -= 1.0;
        }
        if field == "total" && self.negative {
            prior -= 2.0;
        }
        if self.rate {
            prior -= RATE;
        }
        prior
    }
}

/// Penalty of an amount under another money field's label: below the unlabelled amounts with
/// cents, above the item table's and the bare numbers, so a summary amount whose label was read
/// as another field's ("TOTAL PARCIAL" as a total) stays among every money field's candidates.
pub const OTHER_LABEL: f64 = 0.8;

/// Penalty of a number under a rate's column heading: a percentage ("24,00" under "ALV-%"),
/// never the tax amount beside it.
pub const RATE: f64 = 2.5;

/// Whether a column heading names a rate: a "%" among at most four words without digits
/// ("ALV-%", "Mva. %", "VAT %"), or a rate's word alone (`rate_headings` in the vocabulary:
/// "Tax rate", "Sats", "Taux", "Steuersatz"; a bare "Rate" is a unit price's column on many
/// invoices).
fn rate_heading(heading: &str) -> bool {
    let h = heading.trim();
    let short = h.split_whitespace().count() <= 4 && !h.chars().any(|c| c.is_ascii_digit());
    short && (h.contains('%') || vocabulary().rate_headings.contains(&words(h)))
}

/// Whether the amount `p` on `line` has no cents, no currency beside it and no thousands
/// separators (a quantity, a year, a postcode more likely than money).
fn plain(line: &str, p: &Printed<Decimal>) -> bool {
    let cents = with_cents(&p.text);
    let head: Vec<char> = line[..p.start].chars().collect();
    let before: String = head[head.len().saturating_sub(4)..].iter().collect();
    let after: String = line[p.end..].chars().take(4).collect();
    let around = format!("{before}{after}");
    let currency = around.contains(['$', '€', '£', '₹', '¥', '₩', '₫', 'đ'])
        || ["EUR", "USD", "kr", "NOK", "SEK", "DKK", "CHF"]
            .iter()
            .any(|c| around.contains(c));
    !cents && !currency && !thousands(&p.text)
}

/// Whether `printed` groups its digits by thousands ("127,000", "1.250.000", "124 500").
fn thousands(printed: &str) -> bool {
    // "9,360 00": the whole part's grouping (its cents stand apart).
    let t = if cents_apart(printed) {
        printed.rsplit_once(' ').map_or(printed, |(w, _)| w)
    } else {
        printed
    };
    let t = t.trim_start_matches('-');
    let groups: Vec<&str> = t.split(['.', ',', '\'', ' ', '\u{a0}']).collect();
    groups.len() >= 2
        && (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit()))
}

/// Every amount printed on `lines`: (line, amount), left to right. A number before a "%" is a
/// rate, and an account or payment reference read as a number is no amount (`amount_spans` leaves out numbers of a billion and
/// more); whole amounts with thousands separators ("₹3,363", "75.900", "124 500 kr" — its
/// pieces are not proposed apart) are in: recall first.
fn printed(lines: &[&str]) -> Vec<(usize, Printed<Decimal>)> {
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let apart = cents_apart_spans(line);
        // "-10.436 25" is one amount: neither "-10.436" before its cents nor the "00" of
        // "$9,360 00" is an amount of its own.
        let part = |p: &Printed<Decimal>| {
            apart.iter().any(|a| {
                (a.start == p.start && p.end < a.end)
                    || (p.value.is_zero() && a.start < p.start && p.end == a.end)
            })
        };
        // A number before a "%" ("TAX 1  7.900 %") is a rate, never an amount.
        let rate = |p: &Printed<Decimal>| line[p.end..].trim_start().starts_with('%');
        for p in amount_spans(line)
            .into_iter()
            .chain(grouped_integer_spans(line))
            .filter(|p| !part(p) && !rate(p))
            .chain(apart.iter().cloned())
        {
            found.push((i, p));
        }
    }
    found
}

/// The largest amount shown as money (cents, a currency beside it or thousands separators:
/// "127,000" on a receipt in dong), when any is: a long plain number ("34278587", an invoice
/// number read as an amount) is not the total's cue. Else the largest amount.
fn largest_shown_as_money(lines: &[&str], found: &[(usize, Printed<Decimal>)]) -> Decimal {
    let money_like: Vec<Decimal> = found
        .iter()
        .filter(|(i, p)| !plain(lines[*i], p))
        .map(|(_, p)| p.value.abs())
        .collect();
    if money_like.is_empty() {
        found.iter().map(|(_, p)| p.value.abs()).max()
    } else {
        money_like.into_iter().max()
    }
    .unwrap_or(Decimal::ZERO)
}

/// Candidates of every money field, per field.
pub(super) fn propose(
    lines: &[&str],
    table_rows: &[usize],
) -> HashMap<&'static str, Vec<Candidate>> {
    let found = printed(lines);
    let largest = largest_shown_as_money(lines, &found);
    let n = lines.len().max(1);
    // Where the last amount of each line starts.
    let mut last: HashMap<usize, usize> = HashMap::new();
    for (i, p) in &found {
        let at = last.entry(*i).or_default();
        *at = (*at).max(p.start);
    }
    let mut out: HashMap<&'static str, Vec<Candidate>> = HashMap::new();
    for (i, p) in found {
        let line = lines[i];
        let col = line[..p.start].chars().count();
        let end = col + p.text.chars().count();
        let before = label_before(line, p.start);
        let on_line = money_fields(&before);
        let above_text = if on_line.is_empty() {
            label_above(lines, i, col, end)
        } else {
            None
        };
        let above = above_text.as_deref().map(money_fields).unwrap_or_default();
        let at = Place {
            on_line: &on_line,
            above: &above,
            largest: p.value.abs() == largest,
            late: i * 3 >= n * 2,
            in_table: table_rows.contains(&i),
            plain: plain(line, &p),
            negative: p.value.is_sign_negative(),
            rate: label_above(lines, i, col, end).is_some_and(|h| rate_heading(&h)),
            column_sum: on_line.contains(&"total")
                && !on_line.iter().any(|f| matches!(*f, "subtotal" | "tax"))
                && last.get(&i).is_some_and(|&l| p.start < l),
        };
        for &field in AMOUNTS {
            let prior = at.prior(field);
            let label = if on_line.is_empty() {
                above_text.clone().filter(|_| !above.is_empty())
            } else {
                Some(before.clone())
            };
            out.entry(field).or_default().push(Candidate {
                value: money::to_json(p.value),
                printed: p.text.clone(),
                prior,
                evidence: Evidence {
                    line: i,
                    col,
                    rule: if at.column_sum && matches!(field, "subtotal" | "tax") {
                        "column sum"
                    } else if !on_line.is_empty() {
                        "label"
                    } else if !above.is_empty() {
                        "label above"
                    } else {
                        "amount printed"
                    },
                    label: label.filter(|l| !l.is_empty()),
                },
            });
        }
    }
    out
}
