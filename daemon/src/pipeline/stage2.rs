//! Stage 2: field mapping for one chosen action, under `schema/stage2.schema.json` with
//! `field_mappings` narrowed to the action's own typed fields. Lookup references
//! (`{{lookup:Entity:Name}}`) found in the mappings are reconciled with `lookups_required`.

use anyhow::Result;
use serde_json::{json, Value};

use super::llm_json::{generate_json, JsonCall, StageMetrics};
use super::profile::BusinessProfile;
use super::prompts::Prompts;
use super::registry::{Action, Registry};
use crate::llm::EngineHandle;
use crate::schemas::{self, Kind};

/// Most tokens of document text in a Stage 2 prompt.
pub const TEXT_BUDGET: usize = 1024;
/// Cap on generated tokens: above the worst case of the largest action's schema (every string at
/// its maximum length), so a complete mapping always fits.
pub const MAX_TOKENS: usize = 3000;

/// The schema Stage 2 generates under for `action`.
pub fn generation_schema(action: &Action) -> Value {
    let mut s = schemas::schema(Kind::Stage2);
    s["properties"]["action"] = json!({"enum": [action.name]});
    s["properties"]["field_mappings"] = action.field_mappings_schema();
    // The model lists at most 4 lookups; `reconcile_lookups` adds those it forgot afterwards.
    s["properties"]["lookups_required"]["maxItems"] = json!(4);
    s
}

/// Everything Stage 2 reads for one action.
pub struct Stage2Input<'a> {
    pub file_name: &'a str,
    pub text: &'a str,
    pub extracted: &'a Value,
    pub stage1: &'a Value,
    /// The Stage 1 suggestion (action, role, confidence, reasoning).
    pub suggestion: &'a Value,
    pub profile: &'a BusinessProfile,
    pub registry: &'a Registry,
}

/// Collect every `{{lookup:Entity:Name}}` string inside `v`.
fn lookup_refs(v: &Value, out: &mut Vec<(String, String, String)>) {
    match v {
        Value::String(s) => {
            if let Some(inner) = s
                .strip_prefix("{{lookup:")
                .and_then(|r| r.strip_suffix("}}"))
            {
                // Only well-formed references (the shape `schema/stage2.schema.json` requires):
                // an alphabetic entity and a 1–80 character name without braces.
                if let Some((entity, name)) = inner.split_once(':') {
                    let entity_ok =
                        !entity.is_empty() && entity.chars().all(|c| c.is_ascii_alphabetic());
                    let name_ok =
                        (1..=80).contains(&name.chars().count()) && !name.contains(['{', '}']);
                    if entity_ok && name_ok {
                        out.push((entity.to_string(), name.to_string(), s.clone()));
                    }
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| lookup_refs(x, out)),
        Value::Object(o) => o.values().for_each(|x| lookup_refs(x, out)),
        _ => {}
    }
}

/// Add the lookups the mappings use but `lookups_required` forgot; returns how many were added.
pub fn reconcile_lookups(mapping: &mut Value) -> usize {
    let mut refs = Vec::new();
    lookup_refs(&mapping["field_mappings"], &mut refs);
    let list = mapping["lookups_required"].as_array_mut();
    let Some(list) = list else { return 0 };
    let mut added = 0;
    for (entity, name, reference) in refs {
        if !list.iter().any(|l| l["reference"] == reference.as_str()) {
            list.push(json!({"entity": entity, "name": name, "reference": reference}));
            added += 1;
        }
    }
    added
}

/// Run Stage 2 for one suggested action. The result is valid under `schema/stage2.schema.json`.
pub fn run(
    engine: &EngineHandle,
    prompts: &Prompts,
    input: &Stage2Input<'_>,
    metrics: &mut Vec<StageMetrics>,
    warnings: &mut Vec<String>,
) -> Result<Value> {
    let name = input.suggestion["action"].as_str().unwrap_or_default();
    let action = input
        .registry
        .get(name)
        .ok_or_else(|| anyhow::anyhow!("stage2: action {name:?} is not in the registry"))?;
    let system = prompts.render(
        "stage2.system",
        json!({"registry": input.registry, "profile_text": input.profile.to_prompt_text(), "action": action}),
    )?;
    let extracted_json = serde_json::to_string(input.extracted)?;
    let stage1_summary = format!(
        "{} {} from {}: {}",
        input.stage1["direction"].as_str().unwrap_or("unknown"),
        input.stage1["document_type"].as_str().unwrap_or("document"),
        input.stage1["counterparty"].as_str().unwrap_or("?"),
        input.stage1["summary"].as_str().unwrap_or("")
    );
    let user = |t: &str| {
        prompts.render(
            "stage2.user",
            json!({"file_name": input.file_name, "stage1_summary": stage1_summary, "role": input.suggestion["role"],
                   "reasoning": input.suggestion["reasoning"], "extracted_json": extracted_json, "text": t, "action": action}),
        )
    };
    let schema = generation_schema(action);
    let stage = format!("stage2:{name}");
    let mut out = generate_json(
        engine,
        JsonCall {
            stage: stage.clone(),
            system,
            user: &user,
            text: input.text,
            text_budget: TEXT_BUDGET,
            schema: &schema,
            max_tokens: MAX_TOKENS,
        },
        metrics,
        warnings,
    )?;
    reconcile_lookups(&mut out);
    schemas::validate(Kind::Stage2, &out)?;
    for w in out["validation"]["warnings"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if let Some(w) = w.as_str() {
            warnings.push(format!("{stage}: {w}"));
        }
    }
    if out["validation"]["is_valid"] == false {
        warnings.push(format!(
            "{stage}: the mapping is not valid (missing required fields)"
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_lookups_are_added_once() {
        let mut m = json!({"field_mappings": {"VendorRef": "{{lookup:Vendor:Acme}}",
            "Line": [{"account_or_item": "{{lookup:Account:Office Supplies}}"}]},
            "lookups_required": [{"entity": "Vendor", "name": "Acme", "reference": "{{lookup:Vendor:Acme}}"}]});
        assert_eq!(reconcile_lookups(&mut m), 1);
        assert_eq!(reconcile_lookups(&mut m), 0);
        // Text that only looks like a reference (a copied placeholder) is not a lookup.
        m["field_mappings"]["PrivateNote"] = json!("{{lookup:<Vendor>:<Name>}}");
        assert_eq!(reconcile_lookups(&mut m), 0);
        assert_eq!(m["lookups_required"][1]["entity"], "Account");
    }

    #[test]
    fn generation_schema_is_a_specialisation_of_the_file_schema() {
        let r = Registry::for_software("quickbooks").unwrap();
        let s = generation_schema(r.get("createBill").unwrap());
        assert_eq!(s["properties"]["lookups_required"]["maxItems"], 4);
        // Room in the file schema for the lookups reconciliation adds.
        let file = schemas::schema(Kind::Stage2);
        assert!(
            file["properties"]["lookups_required"]["maxItems"]
                .as_u64()
                .unwrap()
                >= 4 + 6 + 4
        );
        assert_eq!(
            s["properties"]["field_mappings"]["required"],
            json!(["VendorRef", "Line", "TxnDate"])
        );
        jsonschema::validator_for(&s).unwrap();
    }
}
