//! Stage 2: the fields of each suggested action, filled by code from the registry's value sources
//! (`schema/actions/<software>.json`, each field's `source`), in the shape the backend reads
//! (`../shared/contract/stage2_output.schema.json`): `field_mappings`, `lookups_required`
//! (`{entity, field, lookup_value, create_if_missing}`) and a `validation` computed by code
//! ([`validate`]). When the lines are net of tax, the tax is mapped apart as
//! `TxnTaxDetail.TotalTax`. Nothing here is generated: the only judgments (each line's account) were made
//! before, among the chart's accounts ([`super::accounts`]).

mod lines;
mod sources;
pub mod validate;

use serde_json::{json, Map, Value};

use super::accounts::Lines;
use super::chart::Chart;
use super::direction::Sides;
use super::profile::BusinessProfile;
use super::registry::{Action, Registry};
pub use sources::Mapped;

/// Everything Stage 2 reads.
pub struct Stage2Input<'a> {
    pub file_name: &'a str,
    pub extracted: &'a Value,
    pub profile: &'a BusinessProfile,
    pub registry: &'a Registry,
    pub chart: &'a Chart,
    pub sides: &'a Sides,
    /// The document's lines with their accounts.
    pub lines: &'a Lines,
    /// Actions suggested for the document (a createVendor PREREQUISITE makes the vendor
    /// lookup `create_if_missing`).
    pub suggested: &'a [Value],
}

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
            Some(Mapped { value, lookups: l, confidence }) => {
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
    // Net lines: the tax is posted apart (QuickBooks: TxnTaxDetail.TotalTax).
    if input.lines.net && fields.contains_key("Line") {
        if let Some(t) = input.extracted["tax"].as_f64() {
            fields.insert("TxnTaxDetail".into(), json!({"TotalTax": t}));
        }
    }
    let validation = validate::validate(input, action, &fields, &missing);
    let mut confidence = confidences.into_iter().min().unwrap_or(0);
    if !missing.is_empty() || validation["total_amount_matches"] == false {
        confidence = confidence.min(50);
    }
    Some(json!({
        "action": name,
        "action_type": suggestion["action_type"],
        "field_mappings": fields,
        "lookups_required": lookups,
        "validation": validation,
        "confidence": confidence,
        "field_sources": sources,
    }))
}

/// `{{lookup:Entity:Name}}` with `name` trimmed to what the contract allows.
pub fn lookup_ref(entity: &str, name: &str) -> String {
    let n: String = name
        .chars()
        .filter(|c| !matches!(c, '{' | '}'))
        .take(80)
        .collect();
    format!("{{{{lookup:{entity}:{}}}}}", n.trim())
}

#[cfg(test)]
mod tests;
