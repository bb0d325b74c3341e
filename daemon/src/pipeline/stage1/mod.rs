//! Stage 1: what the document is for the business and which actions record it, in the shape the
//! backend's `parseStage1Response` reads (`../shared/contract/stage1_output.schema.json`,
//! `schema/stage1.schema.json`): `semantic_analysis`, `suggested_actions` (exactly one PRIMARY,
//! PREREQUISITEs, FOLLOW_UPs), `overall_confidence`, `missing_data`, `assumptions`.
//!
//! Decided by data and code: the kind (title words), the direction and counterparty
//! ([`super::direction`]), the payment evidence, then the decision table
//! ([`super::decisions`]). An approved decision for the counterparty ([`super::memory`]) gives
//! the PRIMARY of a document of the kind approved; where the row names several candidates, the
//! counterparty's transaction history ([`super::history`]) picks the one ≥ 80 % of its
//! transactions used. The model judges only what those leave open — the kind of a document
//! without a recognisable title, and the PRIMARY action among the row's candidates — by scoring
//! the options ([`super::judge`]). Reasoning is written by code from the
//! facts that decided.

mod actions;
mod analysis;
mod input;

pub use input::{Stage1, Stage1Input};

use anyhow::Result;
use serde_json::Value;

use super::decisions::{Rule, Situation};
use super::direction::same_name;
use super::judge::{self, Question};
use super::metrics::StageMetrics;
use super::profile::BusinessProfile;
use super::prompts::Prompts;
use crate::llm::EngineHandle;

/// Kinds the model may choose among, as (label shown, kind).
const KINDS: &[(&str, &str)] = &[
    ("invoice", "invoice"),
    ("receipt for a payment", "receipt"),
    ("credit note", "credit_note"),
    ("refund receipt", "refund_receipt"),
    (
        "remittance advice (notice of a payment)",
        "remittance_advice",
    ),
    ("purchase order", "purchase_order"),
    ("quote or estimate", "quote"),
    ("delivery note", "delivery_note"),
    ("bank statement", "bank_statement"),
    ("not a financial document", "other"),
];

/// The kind and its confidence: the rules', or the model's choice when the rules found none.
fn kind(
    engine: &EngineHandle,
    prompts: &Prompts,
    input: &Stage1Input<'_>,
    metrics: &mut Vec<StageMetrics>,
) -> Result<(String, i64, String)> {
    let x = input.extracted;
    let read = x["document_type"].as_str().unwrap_or("other").to_string();
    let conf = x["provenance"]["document_type"]["confidence"]
        .as_i64()
        .unwrap_or(
            if x["extraction_method"]
                .as_str()
                .is_some_and(|m| m.starts_with("einvoice"))
            {
                100
            } else {
                0
            },
        );
    // A kind only mentioned in passing, on a document without an amount, records nothing.
    if conf < 90 && conf > 0 && x["total"].is_null() && !read.is_empty() {
        return Ok(("other".into(), 60, format!("{read} mentioned, no amount")));
    }
    if read != "other" || conf > 0 {
        return Ok((read, conf, "title".into()));
    }
    // No title and no sum of money anywhere (a letter, a notice): nothing to record, and
    // nothing for the model to guess a financial kind from.
    if x["total"].is_null() && !crate::extract::values::states_money(input.text) {
        return Ok(("other".into(), 70, "no title and no amount stated".into()));
    }
    let head: String = input.text.lines().take(40).collect::<Vec<_>>().join("\n");
    let c = judge::choose(
        engine,
        prompts,
        Question {
            stage: "judge:document_kind".into(),
            business: &input.profile.name,
            context: format!("The beginning of the document:\n<document>\n{head}\n</document>"),
            question: "What kind of document is this?",
            options: KINDS.iter().map(|(l, _)| l.to_string()).collect(),
            hints: Vec::new(),
        },
        metrics,
    )?;
    Ok((
        KINDS[c.index].1.to_string(),
        c.confidence().min(60),
        "model".into(),
    ))
}

/// Whether the document shows payment (rules; an e-invoice with nothing left to pay).
fn paid(x: &Value) -> bool {
    if let Some(p) = x["payment"]["paid"].as_bool() {
        return p;
    }
    use crate::extract::money::decimal;
    matches!((decimal(&x["amount_due"]), decimal(&x["total"])), (Some(d), Some(t)) if d.is_zero() && !t.is_zero())
}

/// The PRIMARY action decided before any model call: the one the accountant approved for this
/// counterparty (a document of the kind approved, where the document posts at all), else, where
/// the row leaves a choice, the one the counterparty's transaction history used.
fn known_primary(
    input: &Stage1Input<'_>,
    rule: &Rule,
    kind: &str,
) -> Option<(String, i64, String)> {
    if let Some(m) = input.memory.filter(|_| !rule.primary.is_empty()) {
        let same_kind = m.decision["document_type"]
            .as_str()
            .is_none_or(|k| k == kind);
        if let Some(a) = m.decision["action"]
            .as_str()
            .filter(|a| same_kind && input.registry.get(a).is_some())
        {
            let why = format!("{a} {}", super::memory::provenance(m));
            return Some((a.to_string(), 95, why));
        }
    }
    let h = input.history.filter(|_| rule.primary.len() > 1)?;
    let (a, evidence) = h.primary(&rule.primary, &input.table.history)?;
    let why = format!("{}; {a} {evidence}", rule.why.clone().unwrap_or_default());
    Some((a, 95, why))
}

/// The PRIMARY action: the row's only candidate, or the model's choice among its candidates.
fn primary(
    engine: &EngineHandle,
    prompts: &Prompts,
    input: &Stage1Input<'_>,
    rule: &Rule,
    metrics: &mut Vec<StageMetrics>,
) -> Result<Option<(String, i64, String)>> {
    match rule.primary.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some((
            one.clone(),
            95,
            rule.why.clone().unwrap_or_default(),
        ))),
        many => {
            let options: Vec<String> = many
                .iter()
                .map(|a| {
                    let d = input
                        .registry
                        .get(a)
                        .map(|x| x.description.as_str())
                        .unwrap_or("");
                    format!("{a}: {d}")
                })
                .collect();
            let x = input.extracted;
            let context = format!(
                "Document: {} from {}, total {} {}, payment shown: {}.",
                x["document_type"].as_str().unwrap_or("document"),
                input.sides.counterparty["name"].as_str().unwrap_or("?"),
                x["total"],
                x["currency"].as_str().unwrap_or(""),
                x["payment"]["evidence"].as_str().unwrap_or("none"),
            );
            let c = judge::choose(
                engine,
                prompts,
                Question {
                    stage: "judge:primary_action".into(),
                    business: &input.profile.name,
                    context,
                    question: "Which accounting action records this document in the books?",
                    options,
                    hints: Vec::new(),
                },
                metrics,
            )?;
            let why = format!(
                "{}; the model chose {} among {} (margin {:.2})",
                rule.why.clone().unwrap_or_default(),
                many[c.index],
                many.join(", "),
                c.margin
            );
            Ok(Some((many[c.index].clone(), c.confidence().min(80), why)))
        }
    }
}

/// Whether `name` is in the business's list of known `kind` (`vendor` / `customer`).
fn known(profile: &BusinessProfile, role: &str, name: Option<&str>) -> bool {
    let list = if role == "customer" {
        &profile.customers
    } else {
        &profile.vendors
    };
    name.is_some_and(|n| list.iter().any(|k| same_name(k, n)))
}

/// Run Stage 1.
pub fn run(
    engine: &EngineHandle,
    prompts: &Prompts,
    input: &Stage1Input<'_>,
    metrics: &mut Vec<StageMetrics>,
) -> Result<Stage1> {
    let x = input.extracted;
    let (kind, kind_conf, kind_by) = kind(engine, prompts, input, metrics)?;
    let paid = paid(x);
    let situation = Situation {
        kind: &kind,
        direction: input.sides.direction,
        paid,
        accounting_method: input.profile.accounting_method.as_deref(),
    };
    let rule = input.table.decide(&situation).clone();
    let chosen = match known_primary(input, &rule, &kind) {
        Some(c) => Some(c),
        None => primary(engine, prompts, input, &rule, metrics)?,
    };
    let party_name = input.sides.counterparty["name"].as_str();
    let party_known = known(input.profile, &rule.party_role, party_name);
    let actions = actions::suggest(input, &rule, chosen.as_ref(), party_known);
    let decision_conf = chosen.as_ref().map(|c| c.1).unwrap_or(0);
    let overall = kind_conf
        .min(input.sides.confidence)
        .min(if chosen.is_some() {
            decision_conf
        } else {
            kind_conf
        });
    let review = rule.review.clone();
    let output = analysis::output(
        input,
        &rule,
        &kind,
        paid,
        actions,
        overall,
        &kind_by,
        party_known,
    );
    Ok(Stage1 {
        output,
        rule,
        review,
        party_known,
    })
}
