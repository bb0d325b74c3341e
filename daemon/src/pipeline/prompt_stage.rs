//! What a stage named in a `/prompt` request means for generation: the JSON Schema its output is
//! generated under (Stage 1: the registry's actions, one PRIMARY first; Stage 2: the schema
//! narrowed to one action's typed fields) and the safety net applied to the output. The API
//! only parses HTTP; the stages' rules live here, next to the stages.

use serde_json::Value;

use super::registry::Registry;
use super::{primary, stage1, stage2};
use crate::schemas;

/// `context.stage` values with a structured output.
pub const STRUCTURED: &[&str] = &["action_selection", "field_mapping"];

/// The schema a request for `stage` with `context` generates under; `None` for free text.
///
/// Errors (a sentence naming the field): an unknown `accounting_software` or `action`.
pub fn output_schema(stage: &str, context: &Value) -> Result<Option<Value>, String> {
    let software = context
        .get("accounting_software")
        .or_else(|| context.get("software"))
        .and_then(Value::as_str)
        .unwrap_or("quickbooks");
    let registry = || {
        Registry::for_software(software).map_err(|e| format!("context.accounting_software: {e}"))
    };
    Ok(match stage {
        "action_selection" => {
            let direction = context
                .get("direction")
                .and_then(Value::as_str)
                .filter(|d| ["incoming", "outgoing", "internal"].contains(d))
                .unwrap_or("unknown");
            Some(stage1::generation_schema(&registry()?, direction))
        }
        "field_mapping" => match context.get("action").and_then(Value::as_str) {
            Some(name) => {
                let r = registry()?;
                let a = r
                    .get(name)
                    .ok_or_else(|| format!("context.action: {name:?} is not in the registry"))?;
                Some(stage2::generation_schema(a))
            }
            None => Some(schemas::schema(schemas::Kind::Stage2)),
        },
        _ => None,
    })
}

/// The output of `stage` after the safety net (Stage 1: exactly one PRIMARY).
pub fn finish_output(stage: &str, output: String) -> String {
    if stage != "action_selection" {
        return output;
    }
    match serde_json::from_str::<Value>(&output) {
        Ok(mut v) => {
            primary::enforce_single_primary(&mut v);
            v.to_string()
        }
        Err(_) => output,
    }
}
