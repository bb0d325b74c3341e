//! The fields of a document: rules first ([`crate::extract::read`]); the model reads only when
//! the rules leave a gap, under `schema/extracted_document.schema.json` with constrained decoding,
//! and its values are merged in only where printed ([`crate::extract::reconcile`]); then
//! [`crate::extract::checks`] adds arithmetic warnings.

use anyhow::Result;
use serde_json::{json, Value};

use super::llm_json::{generate_json, JsonCall, StageMetrics};
use super::prompts::Prompts;
use crate::extract::{candidates, checks, read, reconcile, DocumentText};
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
            "payment",
            "ship_to",
        ] {
            p.remove(k);
        }
    }
    if let Some(p) = s["$defs"]["party"]["properties"].as_object_mut() {
        p.remove("email");
    }
    if let Some(p) = s["properties"]["line_items"]["items"]["properties"].as_object_mut() {
        p.remove("details");
    }
    s
}

/// Read the fields of `document`: exactly from its e-invoice when it has one; else by rules
/// ([`crate::extract::read`]) and, when the rules leave the total, the issuer or the date empty,
/// by the model as well, merged so that the rules win and the model only fills printed values
/// ([`crate::extract::reconcile`]). `country` is the business's (a bare `$`, date order); its
/// currency is taken, as an assumption, when the document prints none.
/// Appends extraction and arithmetic warnings (prefixed `extract:`) to `warnings`.
///
/// Errors: the model is needed and fails ([`crate::failure::Transient`] when it cannot be
/// loaded), or the result does not fit the schema.
pub fn read_fields(
    engine: &EngineHandle,
    prompts: &Prompts,
    file_name: &str,
    document: &DocumentText,
    (country, business_currency): (Option<&str>, Option<&str>),
    metrics: &mut Vec<StageMetrics>,
    warnings: &mut Vec<String>,
) -> Result<Value> {
    if let Some(v) = &document.einvoice {
        warnings.extend(
            checks::arithmetic_warnings(v)
                .into_iter()
                .map(|w| format!("e-invoice: {w}")),
        );
        return Ok(v.clone());
    }
    let text = document.text.as_str();
    let reading = read::read(text, &document.lines, country);
    let gaps = reading.gaps();
    let mut doc = reading.doc.clone();
    // A text that states no sum of money has no total for the model to find, and nothing to
    // post: it goes to review without a model reading (a letter, a notice, junk).
    let money = crate::extract::values::states_money(text);
    if !gaps.is_empty() && !money {
        warnings.push("extract: no amount stated anywhere; not read by the model".into());
    }
    if !gaps.is_empty() && money {
        let model = model_reading(
            engine, prompts, file_name, &reading, text, metrics, warnings,
        )?;
        warnings.extend(
            reconcile::merge(&mut doc, &model, text, reading.month_first)
                .into_iter()
                .map(|w| format!("extract: {w}")),
        );
    }
    if doc["currency"].is_null() {
        if let Some(c) = business_currency {
            // Nothing printed names the currency: the business's own (recorded as assumed).
            doc["currency"] = json!(c);
            doc["provenance"]["currency"] =
                json!({"method": "assumed", "confidence": 60, "rule": "the business's currency"});
        }
    }
    schemas::validate(Kind::ExtractedDocument, &doc)?;
    warnings.extend(
        checks::arithmetic_warnings(&doc)
            .into_iter()
            .map(|w| format!("extract: {w}")),
    );
    Ok(doc)
}

/// The model's reading of `text` under the extraction schema, with the rule candidates as hints.
fn model_reading(
    engine: &EngineHandle,
    prompts: &Prompts,
    file_name: &str,
    reading: &read::Reading,
    text: &str,
    metrics: &mut Vec<StageMetrics>,
    warnings: &mut Vec<String>,
) -> Result<Value> {
    let hints = candidates::prompt_block(&reading.candidates);
    let system = prompts.render("extract.system", json!({}))?;
    let user = |t: &str| {
        prompts.render(
            "extract.user",
            json!({"file_name": file_name, "text": t, "candidates": hints}),
        )
    };
    let schema = generation_schema();
    generate_json(
        engine,
        JsonCall {
            stage: "extract".into(),
            system,
            user: &user,
            // A token is at least one character: clip before tokenizing, so an enormous
            // text costs no more than the budget.
            text: &super::judge::clip(text, TEXT_BUDGET * 8),
            text_budget: TEXT_BUDGET,
            schema: &schema,
            max_tokens: MAX_TOKENS,
        },
        metrics,
        warnings,
    )
}
