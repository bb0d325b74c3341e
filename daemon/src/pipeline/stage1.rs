//! Stage 1: semantic analysis of the document and choice of accounting actions from the registry
//! (exactly one PRIMARY, plus PREREQUISITE / FOLLOW_UP), under `schema/stage1.schema.json` with the
//! `action` property narrowed to the registry's names.

use anyhow::Result;
use serde_json::{json, Value};

use super::llm_json::{generate_json, JsonCall, StageMetrics};
use super::primary::enforce_single_primary;
use super::profile::BusinessProfile;
use super::prompts::Prompts;
use super::registry::Registry;
use crate::llm::EngineHandle;
use crate::schemas::{self, Kind};

/// Most tokens of document text in the Stage 1 prompt.
pub const TEXT_BUDGET: usize = 1536;
/// Cap on generated tokens: above the schema's worst case (every string at its maximum length).
pub const MAX_TOKENS: usize = 1500;

/// The schema Stage 1 generates under: the schema file with `action` limited to `registry`'s
/// names and the safety-net-only flags (`optional`, `requires_user_confirmation`) left out.
///
/// With a known `direction` (`incoming`, `outgoing`, `internal`) the `direction` property is fixed
/// to it and `action` offers only the actions whose registry `directions` include it.
pub fn generation_schema(registry: &Registry, direction: &str) -> Value {
    let mut s = schemas::schema(Kind::Stage1);
    if direction != "unknown" {
        s["properties"]["direction"] = json!({"enum": [direction]});
    }
    let list = &mut s["properties"]["suggested_actions"];
    let mut item = list["items"].clone();
    item["properties"]["action"] = json!({"enum": registry.names_for(direction, false)});
    if let Some(props) = item["properties"].as_object_mut() {
        props.remove("optional");
        props.remove("requires_user_confirmation");
    }
    // The first suggestion is the PRIMARY action, the others PREREQUISITE or FOLLOW_UP: the
    // model commits to the transaction that records the document before anything else.
    let mut first = item.clone();
    first["properties"]["role"] = json!({"enum": ["PRIMARY"]});
    first["properties"]["action"] = json!({"enum": registry.names_for(direction, true)});
    item["properties"]["role"] = json!({"enum": ["PREREQUISITE", "FOLLOW_UP"]});
    list["prefixItems"] = json!([first]);
    list["items"] = item;
    s
}

/// Everything Stage 1 reads.
pub struct Stage1Input<'a> {
    pub file_name: &'a str,
    pub text: &'a str,
    pub extracted: &'a Value,
    pub profile: &'a BusinessProfile,
    pub registry: &'a Registry,
    /// `incoming`, `outgoing`, `internal` or `unknown` (see `direction.rs`), with the reason.
    pub direction: (&'a str, &'a str),
}

/// Run Stage 1. The result is valid under `schema/stage1.schema.json` and has exactly one PRIMARY.
pub fn run(
    engine: &EngineHandle,
    prompts: &Prompts,
    input: &Stage1Input<'_>,
    metrics: &mut Vec<StageMetrics>,
    warnings: &mut Vec<String>,
) -> Result<Value> {
    let system = prompts.render(
        "stage1.system",
        json!({"registry": input.registry, "profile_text": input.profile.to_prompt_text()}),
    )?;
    let extracted_json = serde_json::to_string(input.extracted)?;
    let extraction_warnings: Vec<&String> = warnings
        .iter()
        .filter(|w| w.starts_with("extract:"))
        .collect();
    let extraction_warnings: Vec<String> = extraction_warnings.into_iter().cloned().collect();
    let user = |t: &str| {
        prompts.render(
            "stage1.user",
            json!({"file_name": input.file_name, "extracted_json": extracted_json, "warnings": extraction_warnings,
                   "text": t, "profile": input.profile,
                   "direction": input.direction.0, "direction_reason": input.direction.1}),
        )
    };
    let schema = generation_schema(input.registry, input.direction.0);
    let mut out = generate_json(
        engine,
        JsonCall {
            stage: "stage1".into(),
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
    for note in enforce_single_primary(&mut out) {
        warnings.push(format!("stage1: {note}"));
    }
    if out["is_financial_document"] == false {
        warnings.push("stage1: the model does not consider this a financial document".into());
    }
    schemas::validate(Kind::Stage1, &out)?;
    Ok(out)
}
