//! The document's kind and payment state as candidates with evidence, like the header fields.
//!
//! Kinds (value: the kind, shown to the model as a phrase): its title +3.0, a mention in its
//! head +1.0 ([`crate::extract::read::kind`]); a till's tendered and change lines, or one of
//! them beside a time of day, +4.0 for a receipt (one of them alone +2.0) — a till receipt
//! titled "Tax invoice" is a receipt paid on the spot, and a card payment prints no change (on
//! the real development half, the 23 documents with a payment line and a time of day are all
//! till receipts); a balance due or a due date +0.5 for an invoice; no title at all +0.5 for an invoice
//! and a receipt, +1.5 for a receipt that shows payment, +1.0 more for a receipt that prints a
//! time of day (a till stamps the minute of the sale; on the real development half, 37 of 46
//! untitled receipts print one and none of the untitled invoices) — or, when no sum of money is
//! stated anywhere, +2.0 for "not a financial document".
//!
//! Payment (value: paid or not): a stamp, a payment phrase or a zero balance +2.0 for paid; an
//! open balance or a due-date phrase +2.0 for not paid; a till's lines (tendered and change,
//! or tendered beside a time of day) +3.0 for paid; nothing
//! shown +0.5 for not paid, +1.5 on a document titled an invoice.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::json;

use super::{Candidate, Evidence};
use crate::extract::read::{kind, payment};

/// The kinds offered, each with the phrase the model sees; invoices and receipts first (they
/// are offered when priors tie).
pub const KINDS: &[(&str, &str)] = &[
    ("invoice", "invoice"),
    ("receipt", "receipt"),
    ("credit_note", "credit note"),
    ("refund_receipt", "refund receipt"),
    ("remittance_advice", "remittance advice"),
    ("purchase_order", "purchase order"),
    ("quote", "quote"),
    ("delivery_note", "delivery note"),
    ("bank_statement", "bank statement"),
    ("other", "not a financial document"),
];

/// The payment states and their phrases.
pub const PAID: &[(bool, &str)] = &[(true, "paid"), (false, "not paid yet")];

fn candidate(
    value: serde_json::Value,
    printed: &str,
    prior: f64,
    rule: &'static str,
    line: usize,
) -> Candidate {
    Candidate {
        value,
        printed: printed.to_string(),
        prior,
        evidence: Evidence {
            line,
            col: 0,
            label: None,
            rule,
        },
    }
}

/// The first time of day printed in `text` ("13:59", "8:20:48PM", "7:05 p.m."), with its line:
/// not part of a longer run of digits and colons (a phone number, a ratio).
pub fn time_of_day(text: &str) -> Option<(usize, String)> {
    static R: OnceLock<Regex> = OnceLock::new();
    let re = R.get_or_init(|| {
        Regex::new(r"(?:^|[^\d:./])((?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:\s*[AaPp]\.?[Mm]\.?)?)(?:$|[^\d:])")
            .expect("valid pattern")
    });
    text.lines()
        .enumerate()
        .find_map(|(i, l)| re.captures(l).map(|c| (i, c[1].to_string())))
}

/// Candidates of `document_type` in `text`.
pub(super) fn kinds(text: &str) -> Vec<Candidate> {
    let read = kind::read(text);
    let (tendered, change) = payment::till(text);
    let till = tendered.is_some() as u8 + change.is_some() as u8;
    let pay = payment::read(text);
    let money = crate::extract::values::states_money(text);
    let clock = time_of_day(text);
    let mut all: Vec<Candidate> = KINDS
        .iter()
        .map(|(k, phrase)| {
            let mut prior = 0.0;
            let mut rule = "no evidence";
            if *k == read.kind && read.kind != "other" {
                prior += if read.confidence >= 90 { 3.0 } else { 1.0 };
                rule = if read.confidence >= 90 {
                    "title"
                } else {
                    "mention"
                };
            }
            if *k == "receipt" && till > 0 {
                prior += if till == 2 || clock.is_some() {
                    4.0
                } else {
                    2.0
                };
                rule = "till lines";
            }
            if *k == "invoice" && !pay.paid && pay.evidence.is_some() {
                prior += 0.5;
            }
            // No title: a document stating money is an invoice or a receipt before anything
            // else, a receipt when it shows payment; one stating none records nothing.
            if read.kind == "other" && !money {
                prior += if *k == "other" { 2.0 } else { 0.0 };
            } else if read.kind == "other" {
                prior += match *k {
                    "invoice" => 0.5,
                    "receipt" if pay.paid => 1.5,
                    "receipt" => 0.5,
                    _ => 0.0,
                };
                if *k == "receipt" && clock.is_some() && till == 0 {
                    prior += 1.0;
                    rule = "time of day";
                }
            }
            let line = match (rule, &clock) {
                ("time of day", Some((l, _))) => *l,
                _ => read.evidence.as_ref().map_or(0, |e| e.1),
            };
            candidate(json!(k), phrase, prior, rule, line)
        })
        .collect();
    // A title says what the document is: then only kinds the document gives evidence of are
    // options (the model, left free, calls a quote, a receipt or a remittance advice "invoice").
    if all.iter().any(|c| c.evidence.rule == "title") {
        all.retain(|c| c.evidence.rule != "no evidence");
    }
    all
}

/// Candidates of the payment state (`payment.paid`) in `text`; `invoice_titled`: a title names
/// the document an invoice. An invoice that shows no payment is most often unpaid (on the real
/// development half, 42 of the 44 titled invoices with nothing shown whose labels tell paid from
/// unpaid; the other 15 may be either): +1.5 for not paid there, +0.5 on other documents.
pub(super) fn paid(text: &str, invoice_titled: bool) -> Vec<Candidate> {
    let pay = payment::read(text);
    let (tendered, change) = payment::till(text);
    let till = tendered.is_some() && (change.is_some() || time_of_day(text).is_some());
    PAID.iter()
        .map(|(paid, phrase)| {
            let prior = match (*paid, pay.paid, pay.evidence.is_some()) {
                (true, _, _) if till => 3.0,
                (true, true, _) => 2.0,
                (false, false, true) => 2.0,
                (false, false, false) if invoice_titled => 1.5,
                (false, false, false) => 0.5,
                _ => 0.0,
            };
            candidate(json!(paid), phrase, prior, "payment evidence", 0)
        })
        .collect()
}
