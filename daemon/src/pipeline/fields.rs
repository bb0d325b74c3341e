//! Structured fields from layout text: the LLM fills `schema/extracted_document.schema.json`
//! under constrained decoding, checked against the rule candidates ([`crate::extract::candidates`],
//! [`crate::extract::reconcile`]); then [`crate::extract::checks`] adds arithmetic warnings.

use anyhow::Result;
use serde_json::{json, Value};

use super::llm_json::{generate_json, JsonCall, StageMetrics};
use super::prompts::Prompts;
use crate::extract::{candidates, checks, reconcile, DocumentText};
use crate::llm::EngineHandle;
use crate::schemas::{self, Kind};

/// Most tokens of document text given to the extraction prompt.
pub const TEXT_BUDGET: usize = 2048;
/// Cap on generated tokens (the schema bounds every string and array, so a complete
/// document fits well below this).
pub const MAX_TOKENS: usize = 2500;

/// Line items the model may emit (the schema file allows more, for e-invoices).
pub const MAX_LINE_ITEMS: u64 = 8;

/// The schema file narrowed for generation: at most [`MAX_LINE_ITEMS`] lines, and without the
/// optional properties only e-invoices fill (`amount_due`, `tax_breakdown`,
/// `extraction_method`), so the model's output stays short and bounded.
pub fn generation_schema() -> Value {
    let mut s = schemas::schema(Kind::ExtractedDocument);
    s["properties"]["line_items"]["maxItems"] = json!(MAX_LINE_ITEMS);
    if let Some(p) = s["properties"].as_object_mut() {
        for k in [
            "amount_due",
            "tax_breakdown",
            "extraction_method",
            "provenance",
        ] {
            p.remove(k);
        }
    }
    s
}

/// Extract fields from `text` (the layout text of `file_name`). Returns the extracted document
/// (valid under the schema file) and appends arithmetic warnings to `warnings`.
pub fn extract_fields(
    engine: &EngineHandle,
    prompts: &Prompts,
    file_name: &str,
    document: &DocumentText,
    metrics: &mut Vec<StageMetrics>,
    warnings: &mut Vec<String>,
) -> Result<Value> {
    let text = document.text.as_str();
    // US documents write month first (03/08/2014); elsewhere day first.
    let month_first = text.contains('$') || text.contains("USD");
    let found = candidates::find(text, month_first);
    let hints = candidates::prompt_block(&found);
    let system = prompts.render("extract.system", json!({}))?;
    let user = |t: &str| {
        prompts.render(
            "extract.user",
            json!({"file_name": file_name, "text": t, "candidates": hints}),
        )
    };
    let schema = generation_schema();
    let doc = generate_json(
        engine,
        JsonCall {
            stage: "extract".into(),
            system,
            user: &user,
            text,
            text_budget: TEXT_BUDGET,
            schema: &schema,
            max_tokens: MAX_TOKENS,
        },
        metrics,
        warnings,
    )?;
    let mut doc = doc;
    doc["extraction_method"] = json!("llm");
    warnings.extend(
        reconcile::reconcile(&mut doc, &found, text, &document.lines, month_first)
            .into_iter()
            .map(|w| format!("extract: {w}")),
    );
    schemas::validate(Kind::ExtractedDocument, &doc)?;
    warnings.extend(
        checks::arithmetic_warnings(&doc)
            .into_iter()
            .map(|w| format!("extract: {w}")),
    );
    Ok(doc)
}
