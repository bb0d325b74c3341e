//! The sum of a till's tax lines: a US till prints one line per tax ("TAX 1  7.900 %  1.07",
//! "TAX 2  5.000 %  1.14", "TAX 5  2.900 %  0.12") and no tax of the whole receipt. Two or more
//! adjacent lines, each a tax label, a rate and one amount after it, propose their sum as `tax`
//! (rule `tax lines`). It is only a candidate, ranked below a labelled tax: the joint choice's
//! arithmetic decides whether it is the receipt's (subtotal + tax = total under a printed
//! total). A VAT table's rows, with a net and a gross beside the tax, are `vat_table`'s.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::vat_table::{printed_like, rate};
use super::{Candidate, Evidence};
use crate::extract::candidates::labelled_fields;
use crate::extract::money;
use crate::extract::values::amount_spans;

/// The prior of the sum: below a labelled tax (+2.5), above an unlabelled amount.
const PRIOR: f64 = 1.0;

/// The tax line `line` prints, if it is one: the amount after its rate, and its column.
fn tax_line(line: &str) -> Option<(Decimal, usize, String)> {
    let (_, start, end) = rate(line)?;
    if !labelled_fields(&line[..start]).contains(&"tax") {
        return None;
    }
    let after: Vec<_> = amount_spans(line)
        .into_iter()
        .filter(|p| p.start >= end)
        .collect();
    let [one] = &after[..] else { return None };
    Some((
        one.value,
        line[..one.start].chars().count(),
        one.text.clone(),
    ))
}

/// Add the sum of each run of two or more adjacent tax lines to the money candidates `out`
/// (see the module documentation). `lines`: the layout text's lines.
pub(super) fn propose(lines: &[&str], out: &mut HashMap<&'static str, Vec<Candidate>>) {
    let mut run: Vec<(usize, Decimal, usize, String)> = Vec::new();
    for i in 0..=lines.len() {
        let found = lines.get(i).and_then(|l| tax_line(l));
        if let Some((v, col, text)) = found {
            run.push((i, v, col, text));
            continue;
        }
        if run.len() >= 2 {
            let sum: Decimal = run.iter().map(|r| r.1).sum();
            let (line, _, col, text) = &run[0];
            out.entry("tax").or_default().push(Candidate {
                value: money::to_json(sum),
                printed: printed_like(sum, text),
                prior: PRIOR,
                evidence: Evidence {
                    line: *line,
                    col: *col,
                    label: None,
                    rule: "tax lines",
                },
            });
        }
        run.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sums(text: &str) -> Vec<serde_json::Value> {
        let lines: Vec<&str> = text.lines().collect();
        let mut out = HashMap::new();
        propose(&lines, &mut out);
        out.remove("tax")
            .unwrap_or_default()
            .into_iter()
            .map(|c| c.value)
            .collect()
    }

    #[test]
    fn adjacent_tax_lines_propose_their_sum() {
        let walmart = "                  SUBTOTAL    36.35\n         TAX 1 7.900 %         1.07\n\
                       TAX 2 5.000 %         1.14\n         TAX 5 2.900 %         0.12\n\
                       TOTAL     38.68\n";
        assert_eq!(sums(walmart), [json!(2.33)]);
        // Its rates are no amounts: the sum is among the tax's candidates, "7.900" is not.
        let p = super::super::tests::proposals(walmart);
        let tax: Vec<_> = p.of("tax").iter().map(|c| c.value.clone()).collect();
        assert!(tax.contains(&json!(2.33)), "{tax:?}");
        assert!(
            !tax.contains(&json!(7900.0)) && !tax.contains(&json!(7.9)),
            "{tax:?}"
        );
        // One tax line is a labelled tax already; a VAT table's row (net, tax, gross) and a
        // rate beside no tax label are not tax lines.
        assert!(sums("SUBTOTAL 10.00\nTAX 8.000 % 0.80\nTOTAL 10.80\n").is_empty());
        assert!(sums("MwSt 7 %  9,04  0,63  9,67\nMwSt 19 %  11,63  2,21  13,84\n").is_empty());
        assert!(sums("Rabatt 10 %  4,00\nSkonto 2 %  1,00\n").is_empty());
    }
}
