//! Date candidates: every date printed is a candidate of `issue_date` and `due_date`.
//!
//! Priors (log-odds, added): the field's label before the date on its line +2.5, or above it in
//! its column +1.5; the other date field's label −1.5; the first date of the document +0.5 as
//! the issue date; a date in the second half of the document −0.3.

use std::collections::HashMap;

use super::amounts::{label_above, label_before};
use super::{Candidate, Evidence};
use crate::extract::candidates::labelled_fields;
use crate::extract::values::date_spans;

const DATES: &[&str] = &["issue_date", "due_date"];

/// The date fields a label names; a due label is never also the issue date's ("Due date:"
/// matches the bare "date:" label too).
fn date_fields(label: &str) -> Vec<&'static str> {
    let f: Vec<&'static str> = labelled_fields(label)
        .into_iter()
        .filter(|f| DATES.contains(f))
        .collect();
    if f.contains(&"due_date") {
        vec!["due_date"]
    } else {
        f
    }
}

/// Candidates of both date fields, per field. `month_first` reads `03/08/2014` as March 8.
pub(super) fn propose(lines: &[&str], month_first: bool) -> HashMap<&'static str, Vec<Candidate>> {
    let mut out: HashMap<&'static str, Vec<Candidate>> = HashMap::new();
    let n = lines.len().max(1);
    let mut first = true;
    for (i, line) in lines.iter().enumerate() {
        for p in date_spans(line, month_first) {
            let col = line[..p.start].chars().count();
            let end = col + p.text.chars().count();
            let before = label_before(line, p.start);
            let on_line = date_fields(&before);
            let above_text = if on_line.is_empty() {
                label_above(lines, i, col, end)
            } else {
                None
            };
            let above = above_text.as_deref().map(date_fields).unwrap_or_default();
            for &field in DATES {
                let mut prior = 0.0;
                if on_line.contains(&field) {
                    prior += 2.5;
                } else if above.contains(&field) {
                    prior += 1.5;
                } else if !on_line.is_empty() || !above.is_empty() {
                    prior -= 1.5;
                }
                if first && field == "issue_date" {
                    prior += 0.5;
                }
                if i * 2 > n {
                    prior -= 0.3;
                }
                let label = if on_line.is_empty() {
                    above_text.clone().filter(|_| !above.is_empty())
                } else {
                    Some(before.clone())
                };
                out.entry(field).or_default().push(Candidate {
                    value: serde_json::json!(p.value),
                    printed: p.text.clone(),
                    prior,
                    evidence: Evidence {
                        line: i,
                        col,
                        label: label.filter(|l| !l.is_empty()),
                        rule: if !on_line.is_empty() {
                            "label"
                        } else if !above.is_empty() {
                            "label above"
                        } else {
                            "date"
                        },
                    },
                });
            }
            first = false;
        }
    }
    out
}
