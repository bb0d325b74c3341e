//! Party candidates: names for `from.name` and `to.name` from every labelled block, a party's
//! name key ([`super::party_keys`]), the letterhead, the payee, every name with a legal form and
//! the name-like segments of the head;
//! every tax id printed for `from.tax_id` and `to.tax_id`; the rule reading's addresses.
//!
//! Priors (log-odds): a name under the party's own label 2.0, the letterhead or payee as the
//! issuer 1.0, a legal-form name 0.3 (−1.0 when printed over two lines, an address block's first
//! line joined with the second: for the books to find, not for the model), the first line of an
//! unlabelled address block 0.3 as the recipient and −0.5 as the issuer (a window envelope's
//! block), a head segment −0.5 and two head segments one above the other −0.8 (each 1.5 less as
//! the recipient: a head names the issuer), a name offered for the other side −1.5; a tax id
//! 0.0, +2.0 for the recipient after a recipient's label ("Customer VAT No") and −2.0 for the
//! issuer; an unlabelled registration-like number in the head −1.5 for the issuer, −2.5 for the
//! recipient.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::{Candidate, Evidence};
use crate::extract::read::names::{
    address_label, clean_name, is_furniture, is_label, is_title, label_at, name_like,
};
use crate::extract::read::parties::{names_offered, LEGAL_NAME_OVER_TWO_LINES};
use crate::extract::read::segments::segments;
use crate::extract::read::tax_ids;
use crate::extract::values::tax_ids_in;

/// Lines of the head whose name-like segments are proposed.
const HEAD: usize = 8;

fn candidate(value: String, line: usize, col: usize, prior: f64, rule: &'static str) -> Candidate {
    Candidate {
        value: json!(value),
        printed: value,
        prior,
        evidence: Evidence {
            line,
            col,
            label: None,
            rule,
        },
    }
}

/// Name-like segments of the head (−0.5), and each joined with the name-like segment right
/// below it in its column (−0.8: a shop's name printed over two lines, "DELPHIN" / "APOTHEKE").
fn head_names(lines: &[&str]) -> Vec<(usize, String, usize, f64)> {
    let mut out = Vec::new();
    let mut above: Vec<(usize, String, usize)> = Vec::new();
    for (i, line) in lines.iter().enumerate().take(HEAD) {
        let mut here = Vec::new();
        for seg in segments(line) {
            let name = clean_name(&seg.text);
            // A header field's or an address's label ("Invoice Number", "Adresse") names nobody.
            let label = !crate::extract::candidates::labelled_fields(&name).is_empty()
                || address_label(&name).is_some()
                || label_at(&name).is_some();
            if name_like(&name)
                && !is_title(&name)
                && !is_furniture(&name)
                && !is_label(&name)
                && !label
                && name.split_whitespace().count() <= 8
            {
                out.push((i, name.clone(), seg.col, -0.5));
                for (j, a, col) in &above {
                    if j + 1 == i && col.abs_diff(seg.col) <= 4 {
                        out.push((*j, format!("{a} {name}"), *col, -0.8));
                    }
                }
                here.push((i, name, seg.col));
            }
        }
        if !line.trim().is_empty() {
            above = here;
        }
    }
    out
}

/// Unlabelled registration-like numbers in the head: a token of 8 to 20 letters and digits
/// (with `-./` inside) holding at least 7 digits that is neither a date nor an amount — a Spanish
/// NIF "B87530432", a number whose label the layout lost. A token followed on its line by an
/// amount with cents is an item's code (an article number, a UPC on a till receipt), not a
/// registration number: left out (on the real development half, 0 of 20 such tokens were a
/// labelled tax id).
fn head_ids(lines: &[&str]) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate().take(HEAD * 2) {
        let mut col = 0;
        let mut end = 0;
        for part in line.split(' ') {
            end += part.len() + 1;
            let rest = line.get(end.min(line.len())..).unwrap_or("");
            let priced = || {
                crate::extract::values::amount_spans(rest)
                    .iter()
                    .any(|a| crate::extract::values::with_cents(&a.text))
            };
            let t = part.trim_matches(|c: char| ":;,()".contains(c));
            let digits = t.chars().filter(char::is_ascii_digit).count();
            let ok = (8..=20).contains(&t.len())
                && digits >= 7
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-./".contains(c))
                && crate::extract::values::dates_in(t, false).is_empty()
                && !t.contains(',')
                && !priced();
            if ok {
                out.push((i, col, t.to_string()));
            }
            col += part.chars().count() + 1;
        }
    }
    out
}

/// Candidates of the party fields (`from.name`, `to.name`, `from.tax_id`, `to.tax_id`; the
/// addresses come from the rule reading in `doc` only).
pub(super) fn propose(
    text: &str,
    lines: &[&str],
    doc: &Value,
) -> HashMap<&'static str, Vec<Candidate>> {
    let mut out: HashMap<&'static str, Vec<Candidate>> = HashMap::new();
    let kind = doc["document_type"].as_str().unwrap_or("invoice");
    for n in names_offered(text, kind) {
        let (from, to) = match (n.role, n.rule) {
            ("issuer", "label") => (2.0, -1.5),
            ("issuer", _) => (1.0, -1.5),
            ("recipient", _) => (-1.5, 2.0),
            (_, "address block") => (-0.5, 0.3),
            (_, LEGAL_NAME_OVER_TWO_LINES) => (-1.0, -1.0),
            _ => (0.3, 0.3),
        };
        out.entry("from.name").or_default().push(candidate(
            n.name.clone(),
            n.line,
            0,
            from,
            n.rule,
        ));
        out.entry("to.name")
            .or_default()
            .push(candidate(n.name, n.line, 0, to, n.rule));
    }
    for (side, i, col, name) in super::party_keys::propose(lines) {
        let other = if side == "to.name" {
            "from.name"
        } else {
            "to.name"
        };
        let keyed = |prior| candidate(name.clone(), i, col, prior, "label");
        out.entry(side).or_default().push(keyed(2.0));
        out.entry(other).or_default().push(keyed(-1.5));
    }
    for (i, name, col, prior) in head_names(lines) {
        out.entry("from.name")
            .or_default()
            .push(candidate(name.clone(), i, col, prior, "head"));
        out.entry("to.name")
            .or_default()
            .push(candidate(name, i, col, prior - 1.5, "head"));
    }
    for (i, col, id) in head_ids(lines) {
        let head = |prior| candidate(id.clone(), i, col, prior, "id in the head");
        out.entry("from.tax_id").or_default().push(head(-1.5));
        out.entry("to.tax_id").or_default().push(head(-2.5));
    }
    for (i, line) in lines.iter().enumerate() {
        let labelled: Vec<(String, bool, usize)> = tax_ids::labelled_at(lines, i)
            .into_iter()
            .map(|t| (t.id, t.recipient, t.col))
            .collect();
        // An id read after its label is not proposed again as a bare one (which would lose a
        // recipient's label: "Customer VAT: DE…").
        let key = super::super::fold::key;
        let plain: Vec<(String, bool, usize)> = tax_ids_in(line)
            .into_iter()
            .filter(|id| !labelled.iter().any(|(l, _, _)| key(l) == key(id)))
            .map(|id| (id, false, 0))
            .collect();
        for (id, recipient, col) in labelled.into_iter().chain(plain) {
            let (from, to) = if recipient { (-2.0, 2.0) } else { (0.0, 0.0) };
            out.entry("from.tax_id").or_default().push(candidate(
                id.clone(),
                i,
                col,
                from,
                "tax id",
            ));
            out.entry("to.tax_id")
                .or_default()
                .push(candidate(id, i, col, to, "tax id"));
        }
    }
    out
}
