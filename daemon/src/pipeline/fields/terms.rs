//! The document's payment terms settle its due date: when the issue date is settled and the
//! chosen due date falls exactly a printed term after it ("Net 30", "14 Tage":
//! [`crate::extract::read::terms`]), the document's own arithmetic pins the due date, whatever
//! the model said. Nothing is chosen here: a due date the terms do not give stays as it was.

use super::joint::Decision;

/// Settle the due date in `ds` by the printed `term_days` (see the module doc).
pub fn settle_due_date(ds: &mut [Decision], term_days: &[u32]) {
    let date = |ds: &[Decision], f: &str| {
        ds.iter()
            .find(|d| d.field == f)
            .filter(|d| f == "due_date" || d.settled)
            .and_then(|d| d.value.as_str())
            .and_then(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
    };
    let (Some(issue), Some(due)) = (date(ds, "issue_date"), date(ds, "due_date")) else {
        return;
    };
    let days = (due - issue).num_days();
    if !term_days.iter().any(|&t| i64::from(t) == days) {
        return;
    }
    if let Some(d) = ds.iter_mut().find(|d| d.field == "due_date" && !d.settled) {
        d.settled = true;
        d.how = format!("the payment terms: {days} days after the issue date");
    }
}
