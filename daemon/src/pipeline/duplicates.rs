//! Stage 0, the duplicate rules that need extracted fields (the exact-content rule runs at
//! enqueue, in [`crate::store`]):
//!
//! | rule | condition | confidence |
//! |---|---|---|
//! | `invoice_number` | same invoice number (letters and digits, case-folded) and the same issuing party | 85–95 (95 when the party names are equal after normalization) |
//! | `fuzzy` | same total (±0.01), issue dates at most 7 days apart, similar party names | 70–84 (higher for closer dates and names) |
//!
//! A credit note is never the duplicate of an invoice, nor the other way round: it cancels one,
//! so the same party, total and day are what it should show.
//!
//! A match becomes a warning on the document ("possible duplicate of document N …") and a
//! `duplicate_candidates` entry in its result; the document is still processed, for a person
//! to decide.

use crate::extract::money::{cents, decimal};
use anyhow::Result;
use serde::Serialize;
use serde_json::Value;

use crate::store::Storage;

/// Documents looked back at (newest first).
const LOOK_BACK: usize = 5_000;
/// Largest issue-date gap for the fuzzy rule, in days.
const MAX_DAYS: i64 = 7;
/// Smallest party-name similarity for the fuzzy rule.
const MIN_NAME_SIMILARITY: f64 = 0.6;

/// An earlier document this one may duplicate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub document_id: i64,
    /// `invoice_number` or `fuzzy`.
    pub rule: &'static str,
    /// 70–95.
    pub confidence: i64,
    pub reason: String,
}

impl Candidate {
    /// The warning that travels with the result.
    pub fn warning(&self) -> String {
        format!(
            "possible duplicate of document {} ({}, confidence {}): {}",
            self.document_id, self.rule, self.confidence, self.reason
        )
    }
}

/// Letters and digits only, upper-cased: `inv-2024/0042` and `INV 2024 0042` compare equal.
fn norm_number(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Lower-cased words without punctuation or legal-form noise (`ltd`, `gmbh`, `inc` …).
fn name_words(s: &str) -> Vec<String> {
    const NOISE: &[&str] = &[
        "ltd", "limited", "inc", "llc", "gmbh", "ag", "co", "corp", "company", "pvt", "private",
        "plc", "sa", "sarl", "bv", "the",
    ];
    s.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| !w.is_empty() && !NOISE.contains(&w.as_str()))
        .collect()
}

/// Party-name similarity in [0, 1]: normalized Levenshtein over the joined significant words.
pub fn name_similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (name_words(a).join(" "), name_words(b).join(" "));
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    strsim::normalized_levenshtein(&a, &b)
}

fn party(doc: &Value) -> Option<&str> {
    doc["from"]["name"]
        .as_str()
        .filter(|s| !s.trim().is_empty())
}

fn date(doc: &Value) -> Option<chrono::NaiveDate> {
    doc["issue_date"]
        .as_str()
        .and_then(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
}

/// Whether `new` may duplicate `old` (both extracted documents), by the rules above.
pub fn compare(old_id: i64, old: &Value, new: &Value) -> Option<Candidate> {
    let credit = |d: &Value| d["document_type"] == "credit_note";
    if credit(old) != credit(new) {
        return None;
    }
    let names = match (party(old), party(new)) {
        (Some(a), Some(b)) => Some((a, b, name_similarity(a, b))),
        _ => None,
    };
    let (n_old, n_new) = (
        old["invoice_number"]
            .as_str()
            .map(norm_number)
            .unwrap_or_default(),
        new["invoice_number"]
            .as_str()
            .map(norm_number)
            .unwrap_or_default(),
    );
    if !n_new.is_empty() && n_old == n_new {
        if let Some((a, b, sim)) = names {
            if sim >= 0.8 {
                let confidence = if sim >= 0.999 {
                    95
                } else {
                    85 + ((sim - 0.8) / 0.2 * 9.0).round() as i64
                };
                return Some(Candidate {
                    document_id: old_id,
                    rule: "invoice_number",
                    confidence,
                    reason: format!("same invoice number {n_new} from {b:?} (earlier: {a:?})"),
                });
            }
        }
    }
    let (t_old, t_new) = (decimal(&old["total"])?, decimal(&new["total"])?);
    if (t_old - t_new).abs() > cents(1) {
        return None;
    }
    let days = (date(new)? - date(old)?).num_days().abs();
    let (a, b, sim) = names?;
    if days > MAX_DAYS || sim < MIN_NAME_SIMILARITY {
        return None;
    }
    let closeness = 0.5 * (1.0 - days as f64 / MAX_DAYS as f64)
        + 0.5 * (sim - MIN_NAME_SIMILARITY) / (1.0 - MIN_NAME_SIMILARITY);
    Some(Candidate {
        document_id: old_id,
        rule: "fuzzy",
        confidence: 70 + (closeness * 14.0).round() as i64,
        reason: format!(
            "same total {t_new:.2}, issued {days} day(s) apart, parties {b:?} / {a:?} ({:.0} % similar)",
            sim * 100.0
        ),
    })
}

/// Earlier documents (with extracted fields) that document `id` may duplicate, best first.
pub fn find(store: &dyn Storage, id: i64, extracted: &Value) -> Result<Vec<Candidate>> {
    let mut out: Vec<Candidate> = store
        .recent_extracted(id, LOOK_BACK)?
        .iter()
        .filter_map(|(oid, old)| compare(*oid, old, extracted))
        .collect();
    out.sort_by(|a, b| {
        b.confidence
            .cmp(&a.confidence)
            .then(b.document_id.cmp(&a.document_id))
    });
    out.truncate(5);
    Ok(out)
}

#[cfg(test)]
mod tests;
