//! Currency candidates: every ISO 4217 code printed (more often printed, higher: 0.5 · ln(1 +
//! count)), and the currencies of the unambiguous symbols printed (€, £, ₹ … 1.0; a bare `$` as
//! US dollars 0.0), the krone of the seller's country where `kr` stands alone (1.0), and the
//! currency of each country whose tax id or IBAN is printed (−0.5: a domestic document seldom prints its
//! own currency). The rule reading's currency (which resolves `$` by country) is raised by
//! [`super::RULE_PICK`].

use serde_json::json;

use super::{Candidate, Evidence};
use crate::extract::read::currency::{
    code_spans, krone, prints_kr, symbol_codes, tax_id_currencies,
};

fn candidate(code: &str, line: usize, col: usize, prior: f64, rule: &'static str) -> Candidate {
    Candidate {
        value: json!(code),
        printed: code.to_string(),
        prior,
        evidence: Evidence {
            line,
            col,
            label: None,
            rule,
        },
    }
}

/// Candidates of `currency` in `lines` (layout text).
pub(super) fn propose(lines: &[&str]) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    let mut counts: Vec<(String, usize, usize, usize)> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        for (col, code) in code_spans(line) {
            match counts.iter_mut().find(|c| c.0 == code) {
                Some(c) => c.1 += 1,
                None => counts.push((code, 1, i, col)),
            }
        }
    }
    for (code, n, line, col) in counts {
        out.push(candidate(
            &code,
            line,
            col,
            0.5 * (1.0 + n as f64).ln(),
            "ISO code",
        ));
    }
    let text = lines.join("\n");
    for (code, symbol) in symbol_codes(&text) {
        let prior = if symbol == "$" { 0.0 } else { 1.0 };
        out.push(candidate(code, 0, 0, prior, "symbol"));
    }
    let countries = tax_id_currencies(&text);
    if let Some(code) = krone(&countries).filter(|_| prints_kr(&text)) {
        out.push(candidate(code, 0, 0, 1.0, "symbol"));
    }
    for (code, _, line) in countries {
        if !out.iter().any(|c| c.value == code) {
            out.push(candidate(code, line, 0, -0.5, "seller's country"));
        }
    }
    out
}
