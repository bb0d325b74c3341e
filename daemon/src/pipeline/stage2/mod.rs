//! Stage 2: the fields of each suggested action, filled by code from the registry's value sources
//! (`schema/actions/<software>.json`, each field's `source`), in the shape the backend reads
//! (`../shared/contract/stage2_output.schema.json`): `field_mappings`, `lookups_required`
//! (`{entity, field, lookup_value, create_if_missing}`) and a `validation` computed by code
//! ([`validate`]). When the lines are net of tax, the tax is mapped apart as
//! `TxnTaxDetail.TotalTax`. Nothing here is generated: the only judgments (each line's account) were made
//! before, among the chart's accounts ([`super::accounts`]).

mod input;
mod lines;
mod sources;
pub mod validate;

use serde_json::{json, Map, Value};

pub use super::mapping::{lines_of, lookup_parts, lookup_ref};
use super::registry::Action;
use super::sales_tax;
pub use input::{Mapped, Stage2Input};

/// Map `suggestion` (one of Stage 1's suggested actions). `None` when the action is not in the
/// registry.
pub fn map(input: &Stage2Input<'_>, suggestion: &Value) -> Option<Value> {
    let name = suggestion["action"].as_str()?;
    let action: &Action = input.registry.get(name)?;
    let mut fields = Map::new();
    let mut lookups: Vec<Value> = Vec::new();
    let mut sources = Map::new();
    let mut confidences: Vec<i64> = Vec::new();
    let mut missing: Vec<String> = Vec::new();
    for (f, required) in action
        .required_fields
        .iter()
        .map(|f| (f, true))
        .chain(action.optional_fields.iter().map(|f| (f, false)))
    {
        match sources::value(input, suggestion, f) {
            Some(Mapped {
                value,
                lookups: l,
                confidence,
            }) => {
                fields.insert(f.name.clone(), value);
                lookups.extend(l);
                sources.insert(f.name.clone(), json!(f.source));
                if required {
                    confidences.push(confidence);
                }
            }
            None if required => missing.push(f.name.clone()),
            None => {}
        }
    }
    // Net lines: the tax is posted apart (QuickBooks: TxnTaxDetail.TotalTax), where Stage 2.6's
    // sales-tax rule says (collected, reclaimed, or part of the cost).
    let mut treatment = None;
    if input.lines.net && validate::lines_field(action).is_some() {
        if let Some(t) = crate::extract::money::decimal(&input.extracted["tax"]) {
            if fields.contains_key("Line") {
                let total = crate::extract::money::to_json(t);
                fields.insert("TxnTaxDetail".into(), json!({ "TotalTax": total }));
            }
            treatment = sales_tax::treat(
                input.profile,
                input.chart,
                input.sides.direction,
                t,
                input.lines,
            );
        }
    }
    if let Some(t) = &treatment {
        lookups.push(
            json!({"entity": "Account", "field": "tax_treatment.account",
            "lookup_value": lookup_parts(&lookup_ref("Account", &t.account)).map_or("", |p| p.1),
            "create_if_missing": false}),
        );
    }
    let validation = validate::validate(input, action, &fields, &missing);
    let mut confidence = confidences.into_iter().min().unwrap_or(0);
    if !missing.is_empty() || validation["total_amount_matches"] == false {
        confidence = confidence.min(50);
    }
    let mut out = json!({
        "action": name,
        "action_type": suggestion["action_type"],
        "field_mappings": fields,
        "lookups_required": lookups,
        "validation": validation,
        "confidence": confidence,
        "field_sources": sources,
    });
    if let Some(t) = treatment {
        out["tax_treatment"] = json!({"rule": t.rule, "recoverable": t.recoverable, "amount": crate::extract::money::to_json(t.amount),
            "account": lookup_ref("Account", &t.account), "why": t.why});
    }
    Some(out)
}

#[cfg(test)]
mod tests;
