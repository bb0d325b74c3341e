//! The fields of a document: **code proposes candidates, the model chooses among them,
//! arithmetic decides.**
//!
//! 1. An e-invoice is read exactly (its XML); nothing else is needed.
//! 2. The rules read the document ([`crate::extract::read`]) and propose every candidate of
//!    every header field with its evidence ([`crate::extract::read::candidates`]); the rules'
//!    picks rank first, but they do not decide.
//! 3. The model scores each field's top candidates and "not on the document" as the answer to
//!    the field's question after the document ([`choose`]: one prefill of the document shared
//!    by all fields through the prefix KV cache). It never writes a value.
//! 4. The joint choice maximises prior × model score under the document's arithmetic and the
//!    business's identity ([`joint`], [`decide`]); a field is `settled` when the rules and the
//!    model agree or the arithmetic pins it — the review status is built on that.
//!
//! Then [`crate::extract::checks`] adds arithmetic warnings. A model that cannot run (other than
//! not loadable, which retries the document) never fails a document: the rules' ranking stands,
//! nothing is settled by the model, and a warning says why.

pub mod choose;
pub mod decide;
pub mod evidence;
pub mod identity;
pub mod joint;
pub mod known_party;
pub mod layout;
pub mod legal_name;
pub mod terms;
pub mod till;

use std::collections::HashMap;

use anyhow::Result;
use serde_json::{json, Value};

use super::metrics::StageMetrics;
use super::prompts::Prompts;
use crate::extract::read::candidates::{self, FIELDS, STATES};
use crate::extract::{checks, read, DocumentText};
use crate::failure::is_transient;
use crate::llm::EngineHandle;
use crate::schemas::{self, Kind};
pub use decide::Business;

/// Fields the model is not asked about: the parties' addresses are shown for review, not posted,
/// and cost a long option each (the rules' block reading stands).
pub const NOT_ASKED: &[&str] = &["from.address", "to.address"];

/// The fields read, and how.
#[derive(Debug, Clone)]
pub struct Fields {
    /// The extracted document (`schema/extracted_document.schema.json`).
    pub doc: Value,
    /// Per field: the decision and its candidates ([`decide::report`]); `Null` for an e-invoice.
    pub reading: Value,
}

/// Read the fields of `document` (see the module documentation). `country` is the business's
/// (a bare `$`, date order); its currency is taken, as an assumption, when the document prints
/// none. `business` is who the books belong to (exactly one party is the business when its name
/// or tax id is among the candidates). `known` finds the layout the accountant's approvals taught
/// for the document's issuer ([`layout`]; [`layout::NoMemory`] for none): what neither the rules
/// and the model nor the arithmetic settle, it settles where the issuer printed it the same way.
/// Appends warnings (prefixed `extract:`) to `warnings`.
///
/// Errors: the model cannot be loaded ([`crate::failure::Transient`]), or the result does not
/// fit the schema.
#[allow(clippy::too_many_arguments)] // the document, the business and what the run records
pub fn read_fields(
    engine: &EngineHandle,
    prompts: &Prompts,
    document: &DocumentText,
    (country, business_currency): (Option<&str>, Option<&str>),
    business: &Business<'_>,
    known: &dyn layout::Known,
    metrics: &mut Vec<StageMetrics>,
    warnings: &mut Vec<String>,
) -> Result<Fields> {
    if let Some(v) = &document.einvoice {
        warnings.extend(
            checks::arithmetic_warnings(v)
                .into_iter()
                .map(|w| format!("e-invoice: {w}")),
        );
        return Ok(Fields {
            doc: v.clone(),
            reading: Value::Null,
        });
    }
    let text = document.text.as_str();
    let reading = read::read(text, &document.lines, country);
    let mut proposals = candidates::propose(text, &reading);
    identity::propose(&mut proposals, text, business);
    let learned = layout::find(known, &proposals);
    let business = &Business {
        layout: learned.as_ref(),
        ..*business
    };
    let mut doc = reading.doc.clone();
    // A text that states no sum of money records nothing (a letter, a notice, junk): the
    // model is not asked.
    let sums = read::document::line_sums(text);
    // What the arithmetic pins on the rules' ranking alone needs no model (the parties are
    // always asked: an identity settles the sides only as the joint choice finally sets them).
    let pinned: Vec<&str> = decide::decide(&proposals, &HashMap::new(), sums, business)
        .into_iter()
        .filter(|d| d.settled && d.how == "arithmetic")
        .map(|d| d.field)
        .collect();
    let judged = if crate::extract::values::states_money(text) {
        let ask: Vec<&'static str> = FIELDS
            .iter()
            .chain(STATES)
            .copied()
            .filter(|f| !pinned.contains(f) && !NOT_ASKED.contains(f))
            .collect();
        ask_model(engine, prompts, text, &proposals, &ask, metrics, warnings)?
    } else {
        warnings.push("extract: no amount stated anywhere; not read by the model".into());
        HashMap::new()
    };
    let decisions = decide::decide(&proposals, &judged, sums, business);
    decide::apply(&mut doc, &decisions, &proposals, &document.lines, text);
    read::document::derive_decided_subtotal(&mut doc);
    doubt_computed_subtotal(&mut doc, &proposals);
    read::document::refresh_items(&mut doc, text);
    assume_currency(&mut doc, business_currency);
    if let Err(e) = schemas::validate(Kind::ExtractedDocument, &doc) {
        // A choice that breaks the schema never fails the document: the rule reading stands,
        // nothing settled.
        warnings.push(format!(
            "extract: the reading's choice does not fit the schema ({e:#}); the rule reading stands"
        ));
        doc = reading.doc.clone();
        schemas::validate(Kind::ExtractedDocument, &doc)?;
    }
    warnings.extend(
        checks::arithmetic_warnings(&doc)
            .into_iter()
            .map(|w| format!("extract: {w}")),
    );
    Ok(Fields {
        reading: decide::report(&decisions, &proposals, &judged),
        doc,
    })
}

/// Where nothing printed names the currency: the business's own (recorded as assumed).
fn assume_currency(doc: &mut Value, business_currency: Option<&str>) {
    if let (true, Some(c)) = (doc["currency"].is_null(), business_currency) {
        doc["currency"] = json!(c);
        doc["provenance"]["currency"] =
            json!({"method": "assumed", "confidence": 60, "rule": "the business's currency"});
    }
}

/// Least prior of a subtotal candidate that a computed subtotal must agree with: a net under
/// its label or in the VAT table.
const PRINTED_NET: f64 = 2.0;

/// A subtotal computed as total − tax is a guess where the page prints another net under a
/// label or in its VAT table (an OCR slip in the total: "SUMME 5.17" over a VAT table of
/// 5,11 + 0,36 = 5,47): left unsettled, the printed net named.
fn doubt_computed_subtotal(doc: &mut Value, proposals: &candidates::Proposals) {
    let p = &doc["provenance"]["subtotal"];
    if p["method"] != "computed" || p["settled"] != true {
        return;
    }
    let Some(net) = crate::extract::money::decimal(&doc["subtotal"]) else {
        return;
    };
    let printed = proposals.of("subtotal").iter().find(|c| {
        c.prior >= PRINTED_NET && crate::extract::money::decimal(&c.value).is_some_and(|v| v != net)
    });
    if let Some(c) = printed {
        let how = format!("total − tax, against the net {} printed", c.printed);
        doc["provenance"]["subtotal"]["settled"] = json!(false);
        doc["provenance"]["subtotal"]["how"] = json!(how);
    }
}

/// The model's shares of each field's options; a model that cannot load retries the document
/// (the error is returned); any other failure leaves the rules' ranking, with a warning.
fn ask_model(
    engine: &EngineHandle,
    prompts: &Prompts,
    text: &str,
    proposals: &candidates::Proposals,
    fields: &[&'static str],
    metrics: &mut Vec<StageMetrics>,
    warnings: &mut Vec<String>,
) -> Result<HashMap<&'static str, choose::Judged>> {
    let asked: Vec<(&'static str, Vec<String>)> = fields
        .iter()
        .map(|f| {
            let mut o: Vec<String> = Vec::new();
            for c in proposals.of(f).iter().take(choose::TOP) {
                if !o.contains(&c.printed) {
                    o.push(c.printed.clone());
                }
            }
            if !STATES.contains(f) {
                o.push(choose::NONE.to_string());
            }
            (*f, o)
        })
        .collect();
    match choose::ask(engine, prompts, text, &asked, metrics) {
        Ok(j) => Ok(j),
        Err(e) if is_transient(&e) => Err(e),
        Err(e) => {
            warnings.push(format!(
                "extract: the model could not score the fields ({e:#}); the rules' ranking stands"
            ));
            Ok(HashMap::new())
        }
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod trust_tests;
