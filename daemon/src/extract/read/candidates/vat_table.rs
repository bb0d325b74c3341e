//! The sums of a VAT table: a receipt or invoice with several tax rates prints, per rate, the
//! net, the tax and the gross (German tills: `A 7 %  0,63  9,04  9,67`; in any column order,
//! under headings in any language) and often no net or tax of the whole document. Each row is
//! checked by its own arithmetic — net + tax = gross, and the tax is the rate of the net — so
//! no heading needs to be understood; the sums are proposed: Σ net as `subtotal`, Σ tax as
//! `tax`, Σ gross as `total`, rule `VAT table` (one row: its own amounts, ranked as such). The
//! joint choice's arithmetic then decides whether they are the document's (subtotal + tax =
//! total under a printed total label): a table the reading saw only part of proposes sums that
//! do not add up to the printed total, and they are not chosen together.
//!
//! On the real development half, 20 documents print such rows; the sums were the labelled
//! subtotal, tax and total on every one whose labels name them, except one receipt whose
//! second row the OCR lost.

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;
use rust_decimal::Decimal;

use super::{Candidate, Evidence};
use crate::extract::money;
use crate::extract::values::{amount_spans, Printed};

/// Priors of the sums: a net or tax of the whole document found nowhere else ranks as a
/// labelled one (+2.5); the gross sum, a total that is usually printed under its own label,
/// ranks below it (+1.0).
const NET_OR_TAX_PRIOR: f64 = 2.5;
const GROSS_PRIOR: f64 = 1.0;

/// Rows further apart than this many lines are not one table.
const GAP: usize = 3;

/// One row: (rate in %, net, tax, gross), the line, and the columns of net and tax.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    rate: Decimal,
    net: Printed<Decimal>,
    tax: Printed<Decimal>,
    gross: Printed<Decimal>,
    line: usize,
}

/// A rate printed on `line` (`7 %`, `19,00%`, `1=19,00%`): its value and byte span.
pub(super) fn rate(line: &str) -> Option<(Decimal, usize, usize)> {
    static R: OnceLock<Regex> = OnceLock::new();
    let r = R.get_or_init(|| {
        Regex::new(r"(?:^|[^\d.,])(\d{1,2}(?:[.,]\d{1,3})?)\s?%").expect("valid pattern")
    });
    let c = r.captures(line)?;
    let m = c.get(1)?;
    let v: Decimal = m.as_str().replace(',', ".").parse().ok()?;
    Some((v, m.start(), m.end()))
}

/// Whether `tax` is `rate` % of `net`, as a till rounds it (a cent, plus a tenth of a percent
/// of the net for rates printed without decimals).
fn is_rate_of(rate: Decimal, net: Decimal, tax: Decimal) -> bool {
    let want = net * rate / Decimal::ONE_HUNDRED;
    (want - tax).abs() <= Decimal::new(2, 2) + net.abs() * Decimal::new(1, 3)
}

/// The row `line` prints, if it is one: a rate and, among the amounts after it, a net, a tax
/// at that rate and their sum (the last such three, in any order).
fn row(i: usize, line: &str) -> Option<Row> {
    let (rate, _, end) = rate(line)?;
    let amounts: Vec<Printed<Decimal>> = amount_spans(line)
        .into_iter()
        .filter(|p| p.start >= end)
        .collect();
    let cent = Decimal::new(1, 2);
    for (a, net) in amounts.iter().enumerate().rev() {
        for (b, tax) in amounts.iter().enumerate() {
            for (c, gross) in amounts.iter().enumerate() {
                let distinct = a != b && b != c && a != c;
                if distinct
                    && net.value > Decimal::ZERO
                    && (net.value + tax.value - gross.value).abs() <= cent
                    && is_rate_of(rate, net.value, tax.value)
                {
                    return Some(Row {
                        rate,
                        net: net.clone(),
                        tax: tax.clone(),
                        gross: gross.clone(),
                        line: i,
                    });
                }
            }
        }
    }
    None
}

/// The rows of the first table (rows no more than [`GAP`] lines apart; a row printed again —
/// the table repeated on a card slip — counted once).
fn table(lines: &[&str]) -> Vec<Row> {
    let mut out: Vec<Row> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(r) = row(i, line) else { continue };
        if out.last().is_some_and(|l| i - l.line > GAP) {
            break;
        }
        let same = |o: &Row| o.rate == r.rate && o.net.value == r.net.value;
        if !out.iter().any(same) {
            out.push(r);
        }
    }
    out
}

/// `v` printed as the table prints its amounts (a decimal comma where its net has one).
pub(super) fn printed_like(v: Decimal, like: &str) -> String {
    let s = format!("{v:.2}");
    if like.contains(',') && !like.contains('.') {
        s.replace('.', ",")
    } else {
        s
    }
}

/// Add the sums of the document's VAT table, if it prints one, to the money candidates `out`
/// (see the module documentation). `lines`: the layout text's lines.
pub(super) fn propose(lines: &[&str], out: &mut HashMap<&'static str, Vec<Candidate>>) {
    let rows = table(lines);
    let Some(first) = rows.first() else { return };
    let sum = |f: fn(&Row) -> Decimal| rows.iter().map(f).sum::<Decimal>();
    let sums: [(&'static str, Decimal, &Printed<Decimal>, f64); 3] = [
        (
            "subtotal",
            sum(|r| r.net.value),
            &first.net,
            NET_OR_TAX_PRIOR,
        ),
        ("tax", sum(|r| r.tax.value), &first.tax, NET_OR_TAX_PRIOR),
        ("total", sum(|r| r.gross.value), &first.gross, GROSS_PRIOR),
    ];
    let line = lines[first.line];
    for (field, value, at, prior) in sums {
        out.entry(field).or_default().push(Candidate {
            value: money::to_json(value),
            printed: printed_like(value, &at.text),
            prior,
            evidence: Evidence {
                line: first.line,
                col: line[..at.start].chars().count(),
                label: None,
                rule: "VAT table",
            },
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sums(text: &str) -> Vec<(&'static str, serde_json::Value)> {
        let lines: Vec<&str> = text.lines().collect();
        let mut out = HashMap::new();
        propose(&lines, &mut out);
        let mut v: Vec<_> = out
            .into_iter()
            .map(|(f, c)| (f, c[0].value.clone()))
            .collect();
        v.sort_by_key(|x| x.0);
        v
    }

    #[test]
    fn the_rows_of_a_till_vat_table_add_up_in_any_column_order() {
        // Lidl: rate, tax, net, gross.
        let lidl =
            "Kreditkarte                     23,51\n MMST%     MWST+    Netto        Brutto\n\
            A 7 %       0,63      9,04       9,67\nB 19 %      2,21     11,63       13,84\n\
            Summe       2,84     20,67      23,51\n";
        assert_eq!(
            sums(lidl),
            vec![
                ("subtotal", json!(20.67)),
                ("tax", json!(2.84)),
                ("total", json!(23.51))
            ]
        );
        // dm: rate, gross, net, tax; Aldi: rate, net, tax, gross.
        let dm =
            "MwSt-Satz       Brutto    Netto     MwSt\n1=19,00%          0,85     0,71      0,14\n\
            2=7,00%          2,70      2,52     0,18\n";
        assert_eq!(sums(dm)[0], ("subtotal", json!(3.23)));
        let aldi =
            "  MWST      NettoMWST-BETRAG     BRUTTO\nC 7,00%     6,25         0,44     6,69\n\
            D 19,00%    6,28         1,19     7,47\n";
        assert_eq!(sums(aldi)[1], ("tax", json!(1.63)));
    }

    #[test]
    fn numbers_that_do_not_add_up_propose_nothing_and_a_row_counts_once() {
        // One row on one line (a Norwegian invoice's summary line).
        let one = "MVA grunnlag  25,00 %  5.619,22     MVA      25,00 %     1.404,81    Sum NOK  7.024,03\n";
        assert_eq!(
            sums(one),
            vec![
                ("subtotal", json!(5619.22)),
                ("tax", json!(1404.81)),
                ("total", json!(7024.03))
            ]
        );
        // A rate beside amounts that are no net, tax and gross.
        assert!(sums("Rabatt 10 %  4,00  7,00  9,00\nSkonto 2 %  1,00  3,00  5,00\n").is_empty());
        // The same row printed twice (the card slip repeats it) is one row.
        let twice = "A 7 %  0,63  9,04  9,67\nA 7 %  0,63  9,04  9,67\n";
        assert_eq!(sums(twice)[0], ("subtotal", json!(9.04)));
    }
}
