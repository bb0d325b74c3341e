//! Candidate recall: for each labelled header field, whether the right value was among the
//! candidates the reading proposed (`result.reading.<field>.candidates`), whatever was chosen
//! in the end. A value the candidates miss cannot be chosen by the model or the arithmetic, so
//! this bounds what the reading can get right. An e-invoice (no candidates: read exactly)
//! counts by its extracted value.

use std::collections::BTreeMap;

use serde_json::Value;

use super::score::{amount_eq, text_eq};
use super::stats::pct;

/// Label field names of the shared corpus's ground truth, as the extracted document's.
const CORPUS_NAMES: &[(&str, &str)] = &[
    ("invoice_number", "invoice_number"),
    ("date", "issue_date"),
    ("date_due", "due_date"),
    ("amount", "total"),
    ("amount_untaxed", "subtotal"),
    ("partner_name", "from.name"),
];

fn same(got: &Value, want: &Value) -> bool {
    if want.is_number() {
        amount_eq(got, want)
    } else {
        got == want || text_eq(got, want)
    }
}

/// Hits and totals per field.
#[derive(Default)]
pub struct Recall {
    fields: BTreeMap<String, (usize, usize)>,
}

impl Recall {
    /// Count the labelled fields of `label` against the stored `row`.
    pub fn add(&mut self, row: &Value, label: &Value) {
        let Some(fields) = label["fields"].as_object() else {
            return;
        };
        for (name, want) in fields {
            let name = CORPUS_NAMES
                .iter()
                .find(|(c, _)| c == name)
                .map_or(name.as_str(), |(_, f)| f);
            let reading = &row["result"]["reading"];
            let hit = if reading.is_null() {
                let got = name.split('.').fold(&row["extracted"], |v, k| &v[k]);
                same(got, want)
            } else {
                reading[name]["candidates"]
                    .as_array()
                    .is_some_and(|c| c.iter().any(|c| same(&c["value"], want)))
            };
            let e = self.fields.entry(name.to_string()).or_default();
            e.0 += hit as usize;
            e.1 += 1;
        }
    }

    /// Print recall per field and over all fields.
    pub fn print(&self) {
        if self.fields.is_empty() {
            return;
        }
        let all = self
            .fields
            .values()
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        let per: Vec<String> = self
            .fields
            .iter()
            .map(|(f, t)| format!("{f} {}", pct(*t)))
            .collect();
        println!("candidate recall: {} — {}", pct(all), per.join(", "));
    }
}
