//! What a stage named in a `/prompt` request means for generation: the JSON Schema its output is
//! generated under (Stage 1: the registry's actions, one PRIMARY first; Stage 2: the schema
//! narrowed to one action's typed fields) and the safety net applied to the output. The API
//! only parses HTTP; the stages' rules live here, next to the stages.

use serde_json::{json, Value};

use super::primary;
use super::registry::{Action, Registry};
use crate::schemas::{self, Kind};

/// `context.stage` values with a structured output.
pub const STRUCTURED: &[&str] = &["action_selection", "field_mapping"];

/// A stage's `(max_tokens, temperature)` when the request leaves them out: the backend's own
/// values for its two stages (`../shared/contract/examples/stage{1,2}_request.json`: 2500 and
/// 0.1, 3000 and 0.05), else `(free_text_max_tokens, 0.0)`.
pub fn defaults(stage: &str, free_text_max_tokens: usize) -> (usize, f32) {
    match stage {
        "action_selection" => (2500, 0.1),
        "field_mapping" => (3000, 0.05),
        _ => (free_text_max_tokens, 0.0),
    }
}

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
            Some(stage1_schema(&registry()?, direction))
        }
        "field_mapping" => match context.get("action").and_then(Value::as_str) {
            Some(name) => {
                let r = registry()?;
                let a = r
                    .get(name)
                    .ok_or_else(|| format!("context.action: {name:?} is not in the registry"))?;
                Some(stage2_schema(Some(a)))
            }
            None => Some(stage2_schema(None)),
        },
        _ => None,
    })
}

/// The response's `output` for `stage`: for the structured stages the JSON object the backend
/// parses (Stage 1 after the safety net: exactly one PRIMARY; Stage 2 with `lookups_required` and
/// `validation` present), otherwise the text. Unparseable JSON stays text.
pub fn finish_output(stage: &str, output: String) -> Value {
    if !STRUCTURED.contains(&stage) {
        return Value::String(output);
    }
    match serde_json::from_str::<Value>(&output) {
        Ok(mut v) => {
            if stage == "action_selection" {
                primary::enforce_single_primary(&mut v);
            }
            if stage == "field_mapping" {
                // The backend defaults these; so do we, so the object is complete.
                if let Some(o) = v.as_object_mut() {
                    o.entry("lookups_required")
                        .or_insert_with(|| Value::Array(vec![]));
                    o.entry("validation")
                        .or_insert_with(|| Value::Object(Default::default()));
                }
            }
            v
        }
        Err(_) => Value::String(output),
    }
}

/// The Stage 1 schema for generation: the first suggested action is the PRIMARY one (from the
/// PRIMARY-capable actions), the others PREREQUISITE or FOLLOW_UP, at most six; optional
/// properties left out; with a known direction, fixed to it.
pub fn stage1_schema(registry: &Registry, direction: &str) -> Value {
    let mut s = schemas::schema(Kind::Stage1);
    if direction != "unknown" {
        s["properties"]["semantic_analysis"]["properties"]["document_direction"] =
            json!({"enum": [direction]});
    }
    let list = &mut s["properties"]["suggested_actions"];
    let mut item = list["items"].clone();
    if let Some(p) = item["properties"].as_object_mut() {
        for k in [
            "item",
            "optional",
            "requires_user_confirmation",
            "auto_execute",
        ] {
            p.remove(k);
        }
    }
    let mut first = item.clone();
    first["properties"]["action_type"] = json!({"enum": ["PRIMARY"]});
    first["properties"]["action"] = json!({"enum": registry.names_for(direction, true)});
    item["properties"]["action_type"] = json!({"enum": ["PREREQUISITE", "FOLLOW_UP"]});
    item["properties"]["action"] = json!({"enum": registry.names_for(direction, false)});
    list["prefixItems"] = json!([first]);
    list["items"] = item;
    list["minItems"] = json!(1);
    list["maxItems"] = json!(6);
    s
}

/// The Stage 2 schema for generation: `field_mappings` narrowed to `action`'s typed fields when
/// given, lines capped at 20, lookups at 8; only what the backend reads.
pub fn stage2_schema(action: Option<&Action>) -> Value {
    let mut s = schemas::schema(Kind::Stage2);
    if let Some(a) = action {
        let mut fm = a.field_mappings_schema();
        if let Some(props) = fm["properties"].as_object_mut() {
            for v in props.values_mut() {
                if v["type"] == "array" {
                    v["maxItems"] = json!(20);
                }
            }
        }
        s["properties"]["field_mappings"] = fm;
    }
    s["properties"]["lookups_required"]["maxItems"] = json!(8);
    if let Some(p) = s["properties"].as_object_mut() {
        for k in [
            "action",
            "action_type",
            "confidence",
            "field_sources",
            "resolved_lookups",
            "payload",
        ] {
            p.remove(k);
        }
    }
    if let Some(p) = s["properties"]["validation"]["properties"].as_object_mut() {
        p.remove("checked");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_schemas_compile_and_narrow() {
        let r = Registry::for_software("quickbooks").unwrap();
        let s = stage1_schema(&r, "incoming");
        jsonschema::validator_for(&s).unwrap();
        let first = &s["properties"]["suggested_actions"]["prefixItems"][0];
        assert!(first["properties"]["action"]["enum"]
            .as_array()
            .unwrap()
            .contains(&json!("createBill")));
        assert!(!first["properties"]["action"]["enum"]
            .as_array()
            .unwrap()
            .contains(&json!("createVendor")));
        let s = stage2_schema(r.get("createBill"));
        jsonschema::validator_for(&s).unwrap();
        assert_eq!(
            s["properties"]["field_mappings"]["required"],
            json!(["VendorRef", "Line", "TxnDate"])
        );
        assert!(output_schema("field_mapping", &json!({"action": "nope"})).is_err());
        assert!(output_schema("chat", &json!({})).unwrap().is_none());
    }
}
