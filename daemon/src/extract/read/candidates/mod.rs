//! Every candidate value the text offers for each header field, with its evidence — recall first.
//!
//! The rule reading ([`super::document`]) picks one value per field; here every value that could
//! be the field's is proposed, and the rules only rank them: each candidate carries a **prior**
//! (a log-odds score: the rule's pick, a label for the field on its line or above its column,
//! position and format add to it; a label of another field takes from it). The pipeline's
//! reading step lets the model score the top candidates and the document's arithmetic decide
//! (`pipeline::fields`).
//!
//! | field | candidates ([`Field`]) |
//! |---|---|
//! | `invoice_number` | the value after or under every number label; reference numbers; id-like tokens in the head |
//! | `issue_date`, `due_date` | every date printed |
//! | `subtotal`, `tax`, `total`, `amount_due` | every amount printed |
//! | `currency` | ISO codes and symbols printed; the rule's reading |
//! | `from.*`, `to.*` | labelled blocks, the letterhead, names with a legal form, the rule's parties; every tax id printed |

mod amounts;
mod currency;
mod dates;
mod kind;
mod numbers;
mod parties;
mod party_keys;
mod tax_lines;
#[cfg(test)]
mod tests;
mod vat_table;

use serde::Serialize;
use serde_json::Value;

use super::document::Reading;

/// The header fields that are read as a choice among candidates, in the order they are decided.
pub const FIELDS: &[&str] = &[
    "invoice_number",
    "issue_date",
    "due_date",
    "currency",
    "total",
    "subtotal",
    "tax",
    "amount_due",
    "from.name",
    "from.address",
    "from.tax_id",
    "to.name",
    "to.address",
    "to.tax_id",
];

/// The document's states read the same way: its kind and whether it was paid (`payment.paid`).
pub const STATES: &[&str] = &["document_type", "payment"];

pub use kind::{KINDS, PAID};

/// The money fields, decided together by the document's arithmetic.
pub const AMOUNTS: &[&str] = &["total", "subtotal", "tax", "amount_due"];

/// Where a candidate was found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Evidence {
    /// 0-based line of the layout text.
    pub line: usize,
    /// Char column where the value starts on its line.
    pub col: usize,
    /// The label words before the value on its line or above it in its column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// What proposed it (`label`, `label above`, `rule`, `letterhead`, `pattern` …).
    pub rule: &'static str,
}

/// One candidate value of a field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// The value in the extracted document's shape (a string, a number, an ISO date).
    pub value: Value,
    /// As printed: what the model is shown as the option.
    pub printed: String,
    /// Log-odds from the rules (label, position, format, the rule's pick); higher ranks first.
    pub prior: f64,
    pub evidence: Evidence,
}

/// The candidates of one field, best prior first, one per value.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FieldCandidates {
    pub field: &'static str,
    pub candidates: Vec<Candidate>,
}

/// Every field's candidates.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Proposals {
    pub fields: Vec<FieldCandidates>,
    /// Payment terms in days the document prints ([`super::terms::term_days`]), ascending.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub term_days: Vec<u32>,
}

impl Proposals {
    /// The candidates of `field` (empty when none).
    pub fn of(&self, field: &str) -> &[Candidate] {
        self.fields
            .iter()
            .find(|f| f.field == field)
            .map_or(&[], |f| &f.candidates)
    }
}

/// Prior added to the value the rule reading picked for a field.
pub const RULE_PICK: f64 = 3.0;

/// Whether two values are the same candidate (numbers within a cent, strings by their key).
pub fn same_value(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() < 0.005,
        _ => match (a.as_str(), b.as_str()) {
            (Some(x), Some(y)) => super::fold::key(x) == super::fold::key(y),
            _ => a == b,
        },
    }
}

/// A field's list: the rule's pick raised by [`RULE_PICK`], one candidate per value (the best
/// prior kept), best first, at most `keep`.
fn settle(
    field: &'static str,
    mut all: Vec<Candidate>,
    pick: &Value,
    keep: usize,
) -> FieldCandidates {
    if !pick.is_null() && !all.iter().any(|c| same_value(&c.value, pick)) {
        all.push(Candidate {
            printed: pick
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| pick.to_string()),
            value: pick.clone(),
            prior: 0.0,
            evidence: Evidence {
                rule: "rule",
                ..Evidence::default()
            },
        });
    }
    for c in all.iter_mut() {
        if !pick.is_null() && same_value(&c.value, pick) {
            c.prior += RULE_PICK;
        }
    }
    if field.ends_with("tax_id") {
        prefer_vat_number(&mut all, pick);
    }
    all.sort_by(|a, b| b.prior.total_cmp(&a.prior));
    let mut out: Vec<Candidate> = Vec::new();
    for c in all {
        if !out.iter().any(|o| same_value(&o.value, &c.value)) {
            out.push(c);
        }
    }
    out.truncate(keep);
    FieldCandidates {
        field,
        candidates: out,
    }
}

/// Whether `v` is written as a VAT number: a two-letter country prefix before digits
/// ("FR81423093459", "CZ45021295", "FI76543218").
fn vat_shaped(v: &Value) -> bool {
    let s: String = v
        .as_str()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let b = s.as_bytes();
    b.len() > 4 && b[0].is_ascii_uppercase() && b[1].is_ascii_uppercase() && b[2].is_ascii_digit()
}

/// The ASCII digits of a string value ("FR 81 423 093 459" → "81423093459"; a number or
/// null → ""): a tax id's digits, whatever its prefix and separators.
pub fn digits(v: &Value) -> String {
    v.as_str()
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

/// When the rule picked a party's local registration number ("SIRET 423 093 459", a Finnish
/// business id "7654321-8", a Czech IČO) and the same number is printed as a VAT number too
/// (its digits inside one with a country prefix: "FR81423093459", "FI76543218"), the VAT number
/// ranks just above it: the tax id a VAT invoice is booked under.
fn prefer_vat_number(all: &mut [Candidate], pick: &Value) {
    let own = digits(pick);
    if pick.is_null() || vat_shaped(pick) || own.len() < 7 {
        return;
    }
    let top = all
        .iter()
        .filter(|c| same_value(&c.value, pick))
        .map(|c| c.prior)
        .fold(f64::NEG_INFINITY, f64::max);
    for c in all.iter_mut() {
        if vat_shaped(&c.value) && digits(&c.value).contains(&own) {
            c.prior = c.prior.max(top + 0.5);
        }
    }
}

/// Most candidates kept per field.
pub const KEEP: usize = 8;

/// Longest line looked at for candidates (characters): a real document's line is far shorter, and
/// a hostile text's one enormous line costs nothing.
pub const MAX_LINE: usize = 2000;
/// Lines looked at: the first [`HEAD_LINES`] and the last [`TAIL_LINES`] (totals are at the end).
pub const HEAD_LINES: usize = 1500;
pub const TAIL_LINES: usize = 500;

/// `text`'s lines as the candidates see them: every line kept in place (line numbers hold), but
/// lines past [`MAX_LINE`] characters and the middle of a very long text read as empty.
fn bounded(text: &str) -> Vec<&str> {
    let all: Vec<&str> = text.lines().collect();
    let n = all.len();
    all.into_iter()
        .enumerate()
        .map(|(i, l)| {
            let kept = i < HEAD_LINES || i + TAIL_LINES >= n;
            if kept && l.len() <= MAX_LINE * 4 && l.chars().count() <= MAX_LINE {
                l
            } else {
                ""
            }
        })
        .collect()
}

/// Propose the candidates of every field of [`FIELDS`] from `text` (layout text) and the rule
/// `reading` of it (its picks are raised by [`RULE_PICK`]).
pub fn propose(text: &str, reading: &Reading) -> Proposals {
    let lines = bounded(text);
    let text = &lines.join("\n");
    let doc = &reading.doc;
    // A value the rules computed (a subtotal as total − tax) is printed nowhere: no candidate.
    let pick = |f: &str| {
        if doc["provenance"][f]["method"] == "computed" {
            return Value::Null;
        }
        f.split('.').fold(doc, |v, k| &v[k]).clone()
    };
    let table_rows = super::lines::read(text)
        .map(|t| t.rows.iter().map(|r| r.line).collect::<Vec<_>>())
        .unwrap_or_default();
    let mut fields = Vec::new();
    let mut money = amounts::propose(&lines, &table_rows);
    vat_table::propose(&lines, &mut money);
    tax_lines::propose(&lines, &mut money);
    let mut dates = dates::propose(&lines, reading.month_first, reading.order_printed);
    let mut party = parties::propose(text, &lines, doc);
    for &f in FIELDS {
        let all = match f {
            "invoice_number" => numbers::propose(&lines),
            "issue_date" | "due_date" => dates.remove(f).unwrap_or_default(),
            "currency" => currency::propose(&lines),
            f if AMOUNTS.contains(&f) => money.remove(f).unwrap_or_default(),
            f => party.remove(f).unwrap_or_default(),
        };
        fields.push(settle(f, all, &pick(f), KEEP));
    }
    // The states' priors already weigh the rule reading's evidence: no pick to raise.
    let kinds = kind::kinds(text);
    let invoice_titled = kinds
        .iter()
        .any(|c| c.evidence.rule == "title" && c.value == "invoice");
    fields.push(settle("document_type", kinds, &Value::Null, KINDS.len()));
    fields.push(settle(
        "payment",
        kind::paid(text, invoice_titled),
        &Value::Null,
        PAID.len(),
    ));
    Proposals {
        fields,
        term_days: super::terms::term_days(&lines),
    }
}
