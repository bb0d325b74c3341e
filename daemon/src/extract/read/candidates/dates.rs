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

/// How much less the other reading of an ambiguous numeric date (03/04/2024) ranks.
pub const SWAPPED: f64 = 1.0;

/// The other reading of a numeric date printed as `text` and read as ISO `iso`, when day and
/// month could be either ("03/04/2024": April 3 or March 4).
fn swapped(text: &str, iso: &str) -> Option<String> {
    let parts: Vec<&str> = text.split(['/', '.', '-']).collect();
    if parts.len() != 3
        || parts[0].len() > 2
        || !text
            .chars()
            .all(|c| c.is_ascii_digit() || "/.-".contains(c))
    {
        return None;
    }
    let (y, m, d) = (&iso[..4], &iso[5..7], &iso[8..10]);
    let (mi, di): (u32, u32) = (m.parse().ok()?, d.parse().ok()?);
    (mi != di && di <= 12).then(|| format!("{y}-{d}-{m}"))
}

fn candidate(iso: &str, printed: &str, prior: f64, line: usize, col: usize) -> Candidate {
    Candidate {
        value: serde_json::json!(iso),
        // The option shown to the model says which reading it is.
        printed: format!("{printed} ({iso})"),
        prior,
        evidence: Evidence {
            line,
            col,
            label: None,
            rule: "date printed",
        },
    }
}

/// Candidates of both date fields, per field. `month_first` reads `03/08/2014` as March 8;
/// `order_printed`: the page's own dates proved that order, so an ambiguous date's other
/// reading is no candidate.
pub(super) fn propose(
    lines: &[&str],
    month_first: bool,
    order_printed: bool,
) -> HashMap<&'static str, Vec<Candidate>> {
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
                let other = swapped(&p.text, &p.value).filter(|_| !order_printed);
                if let Some(other) = &other {
                    // The other reading of an ambiguous numeric date, for the arithmetic (due ≥
                    // issue) and the model to weigh; the document's convention ranks first.
                    let mut c = candidate(other, &p.text, prior - SWAPPED, i, col);
                    c.evidence.rule = "other date order";
                    out.entry(field).or_default().push(c);
                }
                out.entry(field).or_default().push(Candidate {
                    value: serde_json::json!(p.value),
                    printed: if other.is_some() {
                        format!("{} ({})", p.text, p.value)
                    } else {
                        p.text.clone()
                    },
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
                            "date printed"
                        },
                    },
                });
            }
            first = false;
        }
    }
    out
}
