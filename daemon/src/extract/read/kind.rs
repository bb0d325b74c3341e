//! What kind of document this is, from its title: the kinds' title words
//! (`document_kinds` in `schema/reading/vocabulary.json`, several languages) looked for in the
//! first lines of the first page.
//!
//! A match counts as a **title** when its column segment is short (at most six words) and starts
//! or ends with the phrase (`Amazon Web Services Invoice`), or the phrase is followed by a number marker (`No`, `n°`, `#`, `Nr`) or is
//! written in capitals. The first title from the top wins; among phrases on that line, the kind
//! that comes first in the vocabulary's `order` (credit notes before invoices). A document with no
//! title but one of the words elsewhere in its head gets that kind at lower confidence; with none,
//! `other` at confidence 0 (the pipeline then asks the model to choose among the kinds).

use super::fold::{fold, has_words};
use super::segments::segments;
use super::vocabulary::vocabulary;

/// Lines looked at for a title.
pub const HEAD_LINES: usize = 25;

/// The kind read from the text.
#[derive(Debug, Clone, PartialEq)]
pub struct KindReading {
    /// `invoice`, `receipt`, `credit_note`, `refund_receipt`, `remittance_advice`,
    /// `purchase_order`, `quote`, `delivery_note`, `bank_statement` or `other`.
    pub kind: String,
    /// 0–100: 95 a title, 70 a mention in the head, 0 nothing found.
    pub confidence: i64,
    /// The words matched and their 0-based line.
    pub evidence: Option<(String, usize)>,
}

fn is_title(segment: &str, phrase: &str) -> bool {
    let f = fold(segment);
    let words = f.split_whitespace().count();
    let trimmed = f.trim_matches(|c: char| !c.is_alphanumeric());
    let starts = trimmed.starts_with(phrase);
    let ends = trimmed.ends_with(phrase);
    let upper = segment
        .chars()
        .filter(|c| c.is_alphabetic())
        .all(|c| c.is_uppercase());
    let after = f
        .find(phrase)
        .map(|i| f[i + phrase.len()..].trim_start().to_string())
        .unwrap_or_default();
    let marker = vocabulary().title_markers.iter().any(|m| {
        after.starts_with(m.as_str())
            && after[m.len()..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphabetic())
    });
    ((starts || ends) && words <= 6) || marker || (upper && words <= 6)
}

/// The kinds whose phrases occur as whole words in `segment`: (kind, phrase), vocabulary order.
fn kinds_in(segment: &str) -> Vec<(String, String)> {
    let v = vocabulary();
    let f = fold(segment);
    let mut out = Vec::new();
    for kind in &v.document_kinds.order {
        for p in v.document_kinds.phrases(kind) {
            let p = fold(&p);
            if has_words(&f, &p) {
                out.push((kind.clone(), p));
                break;
            }
        }
    }
    out
}

/// Read the kind of the document whose layout text is `text`.
pub fn read(text: &str) -> KindReading {
    let head: Vec<&str> = text
        .lines()
        .take_while(|l| *l != "\u{c}")
        .filter(|l| !l.trim().is_empty())
        .take(HEAD_LINES)
        .collect();
    let mut mention: Option<(String, String, usize)> = None;
    for (i, line) in head.iter().enumerate() {
        // OCR spreads big title letters apart ("NOTA      DI     CREDITO"): the line's words
        // joined count as one more segment.
        let mut segs: Vec<String> = segments(line).into_iter().map(|s| s.text).collect();
        let collapsed = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if segs.len() > 1 && collapsed.split_whitespace().count() <= 8 {
            segs.insert(0, collapsed);
        }
        for seg in segs {
            for (kind, phrase) in kinds_in(&seg) {
                if is_title(&seg, &phrase) {
                    return KindReading {
                        kind,
                        confidence: 95,
                        evidence: Some((seg.clone(), i)),
                    };
                }
                if mention.is_none() {
                    mention = Some((kind, seg.clone(), i));
                }
            }
        }
    }
    match mention {
        Some((kind, words, i)) => KindReading {
            kind,
            confidence: 70,
            evidence: Some((words, i)),
        },
        None => KindReading {
            kind: "other".into(),
            confidence: 0,
            evidence: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(t: &str) -> (String, i64) {
        let r = read(t);
        (r.kind, r.confidence)
    }

    #[test]
    fn titles_in_several_languages() {
        assert_eq!(
            kind(" Sammy Maystone      INVOICE\n x@y.com\n"),
            ("invoice".into(), 95)
        );
        assert_eq!(
            kind("Facture n°562044387 du 02 Juillet 2015\n").0,
            "invoice"
        );
        assert_eq!(
            kind("    PAYMENT RECEIPT\nGuest Name: Sanjay\n").0,
            "receipt"
        );
        assert_eq!(kind("Bon de livraison\n   EXEMPLE\n").0, "delivery_note");
        assert_eq!(
            kind("GUTSCHRIFT Nr. 2024-17\nRechnung 2024-3 wird korrigiert\n").0,
            "credit_note"
        );
        assert_eq!(kind("Facture d'avoir n° A-12\n").0, "credit_note");
        assert_eq!(kind("Presupuesto 2024/88\n").0, "quote");
        assert_eq!(kind("Kontoauszug 3/2024\n").0, "bank_statement");
        assert_eq!(
            kind("Remittance Advice\nWe have paid the invoices below\n").0,
            "remittance_advice"
        );
        assert_eq!(kind("                 Retail Invoices/Bill\n").0, "invoice");
        assert_eq!(
            kind("Acme Ltd              PURCHASE            ORDER\n   Invoice No:  PO-1\n").0,
            "purchase_order"
        );
    }

    #[test]
    fn body_mentions_are_weaker_and_nothing_is_other() {
        let (k, c) = kind("ACME Ltd\nThank you for your order. Keep this for your records, the invoice follows by mail.\n");
        assert_eq!((k.as_str(), c), ("invoice", 70));
        assert_eq!(kind("Hello\nworld\n"), ("other".into(), 0));
    }
}
