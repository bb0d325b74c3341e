//! A vendor's layout, learned from the accountant's approvals: where each header field stood on
//! the vendor's approved documents (the rule that proposed the approved value, the label words
//! before it, the printed shape of a number or date), or that it was not there. On the vendor's
//! next document the candidate printed the same way is the approved reading again: a field the
//! rules and the model did not settle between them is settled "as on N approved documents of
//! this vendor". This is what capture tools call supplier learning; here it never writes a
//! value — it picks among the candidates the reading proposed, and the document's arithmetic
//! still has the last word on the amounts.
//!
//! Learned at approval ([`learn`], from the result's reading report and the approved values:
//! the extracted document with the accountant's `field.*` corrections); kept with the vendor's
//! memory (`vendor_memory.decision_json` → `layout`); found for a document through its issuer's
//! name candidates ([`Known`], [`find`]); applied by [`settle`] inside the field decisions.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::joint::Decision;
use crate::extract::read::candidates::{same_value, Candidate, Proposals};
use crate::extract::read::fold::key;

/// The fields a layout remembers, by where they are printed.
const PLACED: &[&str] = &[
    "invoice_number",
    "issue_date",
    "due_date",
    "subtotal",
    "tax",
    "total",
    "amount_due",
];

/// The fields a layout remembers by their value (the vendor's name, tax id and currency, the
/// business as recipient, the kind of document: the same on every document of a vendor).
const VALUED: &[&str] = &[
    "currency",
    "from.name",
    "from.tax_id",
    "to.name",
    "to.tax_id",
];

/// Marks kept per field (the newest first): a vendor with a few layouts (a receipt and an
/// invoice, a new template) keeps them all.
const KEEP: usize = 6;

/// Where an approved document printed a field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    /// The approved document had no value for the field (the accountant approved it empty).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub absent: bool,
    /// The rule that proposed the approved value (`label`, `date printed` …).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub rule: String,
    /// The label words before it, folded, digits dropped (`invoiceno`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    /// Digits as `9`, letters as `A` (`99.99.99`, `INVAA-99999`); empty for amounts.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub shape: String,
    /// For [`VALUED`] fields: the value's key (letters and digits, folded).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub value: String,
    /// The approved value was checked: settled by the reading or corrected by the accountant
    /// (not a guess approved as it stood). Only checked marks make a field [`NOT_FOUND`].
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub checked: bool,
}

impl Mark {
    /// Whether `self` and `other` say the same of where a field stands (checked or not).
    fn same_place(&self, other: &Mark) -> bool {
        Mark {
            checked: false,
            ..self.clone()
        } == Mark {
            checked: false,
            ..other.clone()
        }
    }
}

/// A vendor's layout: per field, the marks of its approved documents.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    /// How many approved documents taught it (the vendor memory's count).
    #[serde(skip)]
    pub approvals: i64,
    pub marks: BTreeMap<String, Vec<Mark>>,
}

/// What [`settle`] writes as `how`: "as on N approved document(s) of this vendor".
pub fn how(approvals: i64) -> String {
    let s = if approvals == 1 { "" } else { "s" };
    format!("{HOW_PREFIX}{approvals} approved document{s} of this vendor")
}

/// How every `how` of [`how`] begins.
const HOW_PREFIX: &str = "as on ";

/// What [`settle`] writes as `how` of a field that every approved document of the vendor printed
/// (and one at least with its value checked: [`Mark::checked`]) and this document's reading did
/// not find (left unsettled: a reading gap, not an absence).
pub const NOT_FOUND: &str = "printed on every approved document of this vendor, not found here";

/// Whether `how` says a field was settled by a vendor's layout ([`how`]).
pub fn settled_here(how: &str) -> bool {
    how.starts_with(HOW_PREFIX)
}

/// Finds the layout of a vendor by a printed name: the vendor memory of the business
/// ([`crate::pipeline::memory`]); [`NoMemory`] where there is none (benches of the reading alone).
pub trait Known {
    /// The layout learned for the vendor printed as `name`, if its memory has one.
    fn layout(&self, name: &str) -> Option<Layout>;
}

/// No vendor memory: nothing is known.
pub struct NoMemory;

impl Known for NoMemory {
    fn layout(&self, _: &str) -> Option<Layout> {
        None
    }
}

/// `printed` with digits as `9` and letters as `A` (a date's or number's printed form; a date
/// candidate's ISO reading in parentheses left out).
fn shape(printed: &str) -> String {
    let raw = printed.split(" (").next().unwrap_or(printed);
    raw.chars()
        .map(|c| match c {
            c if c.is_ascii_digit() => '9',
            c if c.is_alphabetic() => 'A',
            c => c,
        })
        .collect()
}

fn label_key(label: Option<&str>) -> String {
    key(label.unwrap_or(""))
        .chars()
        .filter(|c| !c.is_ascii_digit())
        .collect()
}

/// The mark of candidate `c` of `field`.
fn mark_of(field: &str, value: &Value, rule: &str, label: Option<&str>, printed: &str) -> Mark {
    if VALUED.contains(&field) {
        let v = value.as_str().map_or_else(|| value.to_string(), key);
        return Mark {
            value: v,
            ..Mark::default()
        };
    }
    let amount = value.is_number();
    Mark {
        rule: rule.to_string(),
        label: label_key(label),
        shape: if amount {
            String::new()
        } else {
            shape(printed)
        },
        ..Mark::default()
    }
}

/// Learn the layout of an approved document: `reading` is its result's reading report
/// ([`super::decide::report`]: per field the candidates with `value`, `printed`, `rule`,
/// `label`), `approved` the extracted document with the accountant's corrections; `previous`
/// the layout the vendor's memory held (JSON, or `Null`). Per field, the marks of the
/// candidates holding the approved value (none when the value was not among the candidates:
/// nothing to learn about where it stood), or an `absent` mark when the approved value is
/// empty; merged with `previous`, newest first, at most [`KEEP`] per field. Returns the layout
/// as JSON for the memory.
pub fn learn(reading: &Value, approved: &Value, previous: &Value) -> Value {
    let mut layout: Layout = serde_json::from_value(previous.clone()).unwrap_or_default();
    for field in PLACED.iter().chain(VALUED) {
        let Some(r) = reading.get(*field).filter(|r| r.is_object()) else {
            continue;
        };
        let want = value_at(approved, field);
        let checked = r["settled"] == true || !same_value(&r["value"], &want);
        let mut new: Vec<Mark> = Vec::new();
        if want.is_null() {
            new.push(Mark {
                absent: true,
                ..Mark::default()
            });
        } else {
            for c in r["candidates"].as_array().into_iter().flatten() {
                if !same_value(&c["value"], &want) {
                    continue;
                }
                let m = mark_of(
                    field,
                    &c["value"],
                    c["rule"].as_str().unwrap_or(""),
                    c["label"].as_str(),
                    c["printed"].as_str().unwrap_or(""),
                );
                // An amount with no label of its own says nothing about where the next one is.
                let blind = c["value"].is_number() && m.label.is_empty();
                let m = Mark { checked, ..m };
                if !blind && !new.iter().any(|n| n.same_place(&m)) {
                    new.push(m);
                }
            }
        }
        let kept = layout.marks.entry(field.to_string()).or_default();
        for m in new.into_iter().rev() {
            kept.retain(|k| !k.same_place(&m));
            kept.insert(0, m);
        }
        kept.truncate(KEEP);
    }
    json!(layout)
}

/// The value of `field` (`from.name` → `from` / `name`) in an extracted document.
fn value_at(doc: &Value, field: &str) -> Value {
    field.split('.').fold(doc, |v, k| &v[k]).clone()
}

/// Whether candidate `c` of `field` is printed as `m` says.
fn matches(field: &str, c: &Candidate, m: &Mark) -> bool {
    if m.absent {
        return false;
    }
    let mine = mark_of(
        field,
        &c.value,
        c.evidence.rule,
        c.evidence.label.as_deref(),
        &c.printed,
    );
    Mark {
        shape: runs(&mine.shape),
        ..mine
    }
    .same_place(&Mark {
        shape: runs(&m.shape),
        ..m.clone()
    })
}

/// A [`shape`] with each run of digits or of letters as one (`999/999999` and `99/99999` are
/// both `9/9`): a vendor's numbers grow a digit now and then ("132/105338", then "17/93571" on
/// the next till), their separators and the order of letters and digits stay.
fn runs(shape: &str) -> String {
    let mut out = String::new();
    for c in shape.chars() {
        if !(matches!(c, '9' | 'A') && out.ends_with(c)) {
            out.push(c);
        }
    }
    out
}

/// What the layout says of `field` among `cands`: `Some(Some(i))` — candidate `i` is printed
/// as on an approved document (each mark that finds candidates finds one value, and they all
/// find the same; a mark that finds two values says nothing); `Some(None)` — every approved
/// document had none and no candidate is under a label of its own; `None` — no opinion.
pub fn choice(layout: &Layout, field: &str, cands: &[Candidate]) -> Option<Option<usize>> {
    let marks = layout.marks.get(field).filter(|m| !m.is_empty())?;
    let mut found: Option<usize> = None;
    for m in marks {
        let hits: Vec<usize> = (0..cands.len())
            .filter(|&i| matches(field, &cands[i], m))
            .collect();
        let Some(&first) = hits.first() else { continue };
        if !hits
            .iter()
            .all(|&i| same_value(&cands[i].value, &cands[first].value))
        {
            continue;
        }
        match found {
            Some(f) if !same_value(&cands[f].value, &cands[first].value) => return None,
            Some(_) => {}
            None => found = Some(first),
        }
    }
    if found.is_some() {
        return Some(found);
    }
    // Under a label of its own: a label of another field ranks a candidate down (an issue
    // date's label before a due-date candidate), it does not make this field printed.
    let labelled = cands
        .iter()
        .any(|c| c.evidence.rule == "label" && c.prior > 0.0);
    (marks.iter().all(|m| m.absent) && !labelled).then_some(None)
}

/// The vendor whose layout the document's issuer candidates name: a printed name the memory
/// knows and whose approved documents had that name as their issuer (a customer's memory, or a
/// party printed in another role, is not the issuer's layout), when no other printed name leads
/// to a different vendor's layout.
pub fn find(known: &dyn Known, p: &Proposals) -> Option<Layout> {
    let mut found: Option<Layout> = None;
    for c in p.of("from.name") {
        let Some(l) = c.value.as_str().and_then(|n| known.layout(n)) else {
            continue;
        };
        let issuer = l.marks.get("from.name").into_iter().flatten();
        if !issuer.clone().any(|m| matches("from.name", c, m)) {
            continue;
        }
        match &found {
            None => found = Some(l),
            Some(f) if f.marks == l.marks => {}
            Some(_) => return None,
        }
    }
    found
}

/// Settle, by the vendor's `layout`, every decision of `ds` that nothing else settled: the
/// candidate printed as on the approved documents (or "not on the document" where they had
/// none) is chosen and settled; a field found on every approved document and on none of this
/// one's candidates stays empty and unsettled, [`NOT_FOUND`] (the result then asks a person).
/// Amounts chosen this way stand only when the document's subtotal + tax = total then holds
/// (within two cents), or the total stands alone (no subtotal, no tax); else the amounts keep
/// the joint choice, unsettled (a VAT table's row under the same label as last time's net is
/// not the net of a receipt with two rates).
pub fn settle(ds: &mut [Decision], p: &Proposals, layout: &Layout) {
    let before = ds.to_vec();
    let why = how(layout.approvals);
    for d in ds.iter_mut().filter(|d| !d.settled) {
        let cands = p.of(d.field);
        let Some(pick) = choice(layout, d.field, cands) else {
            continue;
        };
        d.chosen = pick;
        d.value = pick.map_or(Value::Null, |i| cands[i].value.clone());
        d.settled = true;
        d.how = why.clone();
    }
    for d in ds.iter_mut().filter(|d| !d.settled && d.value.is_null()) {
        let marks = layout.marks.get(d.field).map_or(&[][..], Vec::as_slice);
        if marks.iter().all(|m| !m.absent) && marks.iter().any(|m| m.checked) {
            d.how = NOT_FOUND.to_string();
        }
    }
    let amount = |f: &str| {
        ds.iter()
            .find(|d| d.field == f)
            .and_then(|d| d.value.as_f64())
    };
    let holds = match (amount("subtotal"), amount("tax"), amount("total")) {
        (Some(s), Some(t), Some(total)) => (s + t - total).abs() <= 0.02,
        (None, None, Some(_)) => true,
        _ => false,
    };
    if !holds {
        for (d, b) in ds.iter_mut().zip(before) {
            if ["subtotal", "tax", "total"].contains(&d.field) && d.how == why {
                *d = b;
            }
        }
    }
}

#[cfg(test)]
#[path = "layout_tests.rs"]
mod tests;
