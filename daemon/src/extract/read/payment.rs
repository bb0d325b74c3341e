//! Whether the document shows that it was paid, and how (`paid` and `payment_methods` in
//! `schema/reading/vocabulary.json`):
//!
//! - **paid**: a stamp (`PAID`, `Payé`, `Bezahlt` …) alone in its column segment, a payment
//!   phrase (`Paid by Visa`, `Payment method: Cash`, `Mode de règlement`, `Zahlungsart` …), or a
//!   balance label followed by a zero amount (`Balance due $0.00`, `Reste à payer 0,00`);
//! - **unpaid** wins over weak evidence: a balance label with an amount above zero, or a due-date
//!   / "please pay" phrase, and no stamp;
//! - **method**: card, cash, check or transfer, from the words on the payment lines (or anywhere
//!   when none); `None` when no method word is printed.

use serde::Serialize;

use super::fold::{fold, has_words};
use super::segments::segments;
use super::vocabulary::vocabulary;
use crate::extract::candidates::amounts_in;

/// What the document says about payment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Payment {
    pub paid: bool,
    /// `card`, `cash`, `check` or `transfer`.
    pub method: Option<String>,
    /// The words that decided, for review.
    pub evidence: Option<String>,
}

fn method_in(folded: &str) -> Option<String> {
    for (m, words) in &vocabulary().payment_methods {
        if words.iter().any(|w| has_words(folded, w)) {
            return Some(m.clone());
        }
    }
    None
}

/// Whether a folded line talks about payment (a method word there is the payment's method; "Check
/// the statement" elsewhere is not): a payment word, or a short line such as "VISA ****1234".
fn payment_cue(f: &str) -> bool {
    const CUES: &[&str] = &[
        "pay",
        "paid",
        "paie",
        "regl",
        "zahl",
        "pag",
        "mode",
        "method",
        "tender",
        "card",
        "carte",
        "karte",
        "tarjeta",
        "prelev",
        "virement",
        "lastschrift",
        "uberweis",
        "transfer",
    ];
    CUES.iter().any(|c| f.contains(c)) || f.split_whitespace().count() <= 4
}

/// A balance label on `line` followed by an amount: `Some(amount)`.
fn balance(line: &str) -> Option<rust_decimal::Decimal> {
    let f = fold(line);
    let v = vocabulary();
    let label = v.paid.amount_zero.iter().find(|l| has_words(&f, l))?;
    let at = f.find(label.as_str())? + label.len();
    // The amount after the label (same char positions: folding keeps one char per char).
    let rest: String = line.chars().skip(f[..at].chars().count()).collect();
    amounts_in(&rest).last().copied()
}

/// A till's payment lines in `text`: (a tendered line, a change line) — a word of
/// `point_of_sale` opening a column segment of a line that also states an amount ("CASH
/// TENDERED   50.00", "Change   4.35", "Rückgeld  0,50").
pub fn till(text: &str) -> (Option<String>, Option<String>) {
    let v = vocabulary();
    let opens = |seg: &str, words: &[String]| {
        let f = fold(seg);
        words.iter().any(|w| {
            f.starts_with(w.as_str())
                && f[w.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| !c.is_alphanumeric())
        })
    };
    let (mut tendered, mut change) = (None, None);
    for line in text.lines() {
        if amounts_in(line).is_empty() {
            continue;
        }
        for seg in segments(line) {
            let t = seg.text.trim_start_matches(|c: char| !c.is_alphanumeric());
            if tendered.is_none() && opens(t, &v.point_of_sale.tendered) {
                tendered = Some(line.trim().to_string());
            }
            if change.is_none() && opens(t, &v.point_of_sale.change) {
                change = Some(line.trim().to_string());
            }
        }
    }
    (tendered, change)
}

/// Read the payment evidence of `text`.
pub fn read(text: &str) -> Payment {
    let v = vocabulary();
    let mut stamp = None;
    let mut phrase = None;
    let mut zero_balance = None;
    let mut open_balance = None;
    let mut unpaid = None;
    let mut method_line = None;
    for line in text.lines() {
        let f = fold(line);
        if f.trim().is_empty() {
            continue;
        }
        for seg in segments(line) {
            let s = fold(&seg.text);
            let s = s.trim_matches(|c: char| !c.is_alphanumeric());
            if stamp.is_none() && v.paid.stamps.iter().any(|p| s == p) {
                stamp = Some(seg.text.clone());
            }
        }
        if phrase.is_none() {
            if let Some(p) = v.paid.phrases.iter().find(|p| has_words(&f, p)) {
                phrase = Some(line.trim().to_string());
                if method_in(&f).is_some() {
                    method_line = Some(f.clone());
                }
                let _ = p;
            }
        }
        match balance(line) {
            Some(a) if a.is_zero() => zero_balance = zero_balance.or(Some(line.trim().to_string())),
            Some(_) => open_balance = open_balance.or(Some(line.trim().to_string())),
            None => {}
        }
        if unpaid.is_none() && v.unpaid.iter().any(|p| has_words(&f, p)) {
            unpaid = Some(line.trim().to_string());
        }
    }
    let method = method_line.as_deref().and_then(method_in).or_else(|| {
        text.lines()
            .map(fold)
            .filter(|f| payment_cue(f))
            .find_map(|f| method_in(&f))
    });
    let (paid, evidence) = if let (Some(t), Some(c)) = till(text) {
        (true, Some(format!("{t} / {c}")))
    } else if let Some(s) = stamp {
        (true, Some(s))
    } else if open_balance.is_some() {
        (false, open_balance)
    } else if let Some(z) = zero_balance {
        (true, Some(z))
    } else if let Some(p) = phrase.filter(|_| unpaid.is_none()) {
        (true, Some(p))
    } else {
        (false, unpaid)
    };
    Payment {
        paid,
        method,
        evidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_phrases_and_balances() {
        let p = read("Receipt\nTotal 12.00\nPaid by VISA ****1234\n");
        assert!(p.paid);
        assert_eq!(p.method.as_deref(), Some("card"));
        let p = read("INVOICE\nBalance Due:     $127.50\nDue Date: Jan 31, 2022\n");
        assert!(!p.paid);
        let p = read("Invoice 7\nTotal 50.00\n      PAID\n");
        assert!(p.paid);
        let p =
            read("Facture 9\nTotal TTC 20,00\nReste à payer 0,00 €\nMode de règlement : espèces\n");
        assert!(p.paid);
        assert_eq!(p.method.as_deref(), Some("cash"));
        let p = read("Rechnung 4\nZahlbar bis 30.04.2024 per Überweisung\n");
        assert!(!p.paid);
        assert_eq!(p.method.as_deref(), Some("transfer"));
        let oyo = "Booking ID  Payment Mode\nIBZY2087    Cash at Hotel\nPayment received by OYO   Paid through Cash At Hotel (Rs 1939)   Rs 1939\n Balance ( if any )     Rs 0\n";
        let p = read(oyo);
        assert!(p.paid, "{p:?}");
        assert_eq!(p.method.as_deref(), Some("cash"));
    }

    #[test]
    fn a_bank_card_line_is_money_tendered() {
        // A Latvian till paid by card: no change line, the card line states the amount.
        let rimi = "KOPĀ:      11,23 EUR\nBankas karte                      11,23\n\
                    LAIKS  2026-09-05 13:58:38\n";
        let (tendered, change) = till(rimi);
        assert_eq!(
            tendered.as_deref(),
            Some("Bankas karte                      11,23")
        );
        assert_eq!(change, None);
        // The card named without an amount on its line is no tendered line.
        assert_eq!(till("Maksājumu karte\nKOPĀ: 11,23\n").0, None);
    }
}
