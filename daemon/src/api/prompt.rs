//! `POST /prompt`: a drop-in for the existing backend's LLM call.
//!
//! Request: `{prompt, context: {stage, …}, max_tokens, temperature, top_p, top_k,
//! repetition_penalty, max_input_length}` (only `prompt` is required). `context.stage` picks the
//! output grammar: `action_selection` → Stage 1 schema (actions of `context.accounting_software`,
//! default QuickBooks; exactly one PRIMARY enforced), `field_mapping` → Stage 2 schema (narrowed to
//! `context.action` when given), anything else → free text. An optional `context.system` (or
//! top-level `system`) becomes the system message.
//!
//! Response: `{success, output, metadata: {processing_time_seconds, model, generated_at,
//! prompt_tokens, completion_tokens, finish_reason}}`; `output` is the JSON object for the
//! structured stages (the backend's contract), text otherwise. Errors: 422 for a malformed field, 400 for a
//! request the model cannot serve (e.g. `max_tokens` ≥ context length), 503 when no model loads.

use std::time::Instant;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::state::{error_response, AppState};
use crate::llm::{EngineError, GenerateError, GenerationRequest, Message, SamplingParams};
use crate::pipeline::prompt_stage;

/// Default `max_tokens` when the request has none.
pub const DEFAULT_MAX_TOKENS: usize = 512;

#[derive(Debug)]
struct Bad(StatusCode, String);

fn field_f32(body: &Value, name: &str, default: f32) -> Result<f32, Bad> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => v
            .as_f64()
            .map(crate::llm::sampler::param_f32)
            .ok_or_else(|| {
                Bad(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("{name}: must be a number"),
                )
            }),
    }
}

fn field_usize(body: &Value, name: &str) -> Result<Option<usize>, Bad> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => crate::llm::openai::json_u64(v)
            .map(|x| Some(x as usize))
            .ok_or_else(|| {
                Bad(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("{name}: must be a non-negative integer"),
                )
            }),
    }
}

/// Turn the JSON body into a generation request and the stage name.
fn parse(body: &Value) -> Result<(GenerationRequest, String), Bad> {
    let unprocessable = |m: &str| Bad(StatusCode::UNPROCESSABLE_ENTITY, m.to_string());
    if !body.is_object() {
        return Err(unprocessable("the request body must be a JSON object"));
    }
    let prompt = match body.get("prompt") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(Value::String(_)) => return Err(unprocessable("prompt: must not be empty")),
        Some(_) => return Err(unprocessable("prompt: must be a string")),
        None => return Err(unprocessable("prompt: required")),
    };
    let context = match body.get("context") {
        None | Some(Value::Null) => json!({}),
        Some(v @ Value::Object(_)) => v.clone(),
        Some(_) => return Err(unprocessable("context: must be an object")),
    };
    let stage = match context.get("stage") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(unprocessable("context.stage: must be a string")),
    };
    let (default_max_tokens, default_temperature) =
        prompt_stage::defaults(&stage, DEFAULT_MAX_TOKENS);
    let sampling = SamplingParams {
        temperature: field_f32(body, "temperature", default_temperature)?,
        top_p: field_f32(body, "top_p", 1.0)?,
        top_k: field_usize(body, "top_k")?.unwrap_or(0),
        repetition_penalty: field_f32(body, "repetition_penalty", 1.0)?,
        seed: field_usize(body, "seed")?.unwrap_or(0) as u64,
    };
    sampling
        .validate()
        .map_err(|m| Bad(StatusCode::UNPROCESSABLE_ENTITY, m))?;
    let max_tokens = field_usize(body, "max_tokens")?.unwrap_or(default_max_tokens);
    if max_tokens == 0 {
        return Err(unprocessable("max_tokens: must be at least 1"));
    }
    let max_input_length = field_usize(body, "max_input_length")?;
    if max_input_length == Some(0) {
        return Err(unprocessable("max_input_length: must be at least 1"));
    }
    let schema = prompt_stage::output_schema(&stage, &context).map_err(|m| unprocessable(&m))?;
    let system = context
        .get("system")
        .or_else(|| body.get("system"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let mut messages = Vec::new();
    if let Some(s) = system {
        messages.push(Message::system(s));
    }
    messages.push(Message::user(prompt));
    Ok((
        GenerationRequest {
            messages,
            json_schema: schema,
            sampling,
            max_tokens,
            max_input_length,
            stop: Vec::new(),
        },
        stage,
    ))
}

/// The handler.
#[utoipa::path(post, path = "/prompt", tag = "backend", request_body = crate::api::shapes::PromptRequest, responses((status = 200, description = "success, output, metadata", body = Object), (status = "4XX", description = "Refused: see the error", body = crate::api::shapes::ApiError), (status = 503, description = "No model", body = crate::api::shapes::ApiError), (status = 504, description = "Timed out, generation stopped", body = crate::api::shapes::ApiError)))]
pub async fn prompt(
    State(s): State<AppState>,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let t0 = Instant::now();
    let Json(body) = match body {
        Ok(b) => b,
        Err(e) => return super::state::json_rejection(e).into_response(),
    };
    let (req, stage) = match parse(&body) {
        Ok(x) => x,
        Err(Bad(code, msg)) => return error_response(code, &msg).into_response(),
    };
    let run = match super::model_call::call_model(&s, req, None, None).await {
        Ok(run) => run,
        Err(refused) => return refused,
    };
    let (model, completion) = match run {
        Ok(Ok(x)) => x,
        Ok(Err(EngineError::Generate(GenerateError::Invalid(m)))) => {
            return error_response(StatusCode::BAD_REQUEST, &m).into_response()
        }
        Ok(Err(e @ (EngineError::Unavailable(_) | EngineError::Busy(_)))) => {
            return error_response(StatusCode::SERVICE_UNAVAILABLE, &format!("{e}")).into_response()
        }
        Ok(Err(e)) => {
            return error_response(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e}"))
                .into_response()
        }
        Err(e) => {
            return error_response(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string())
                .into_response()
        }
    };
    let output = completion.text.clone();
    let structured = prompt_stage::STRUCTURED.contains(&stage.as_str());
    if structured && completion.finish_reason == crate::llm::FinishReason::Length {
        return Json(json!({
            "success": false,
            "error": format!("max_tokens ({}) was reached before the JSON was complete; raise max_tokens", completion.completion_tokens),
            "output": output,
            "metadata": {"processing_time_seconds": t0.elapsed().as_secs_f64(), "model": model, "generated_at": crate::store::now(),
                "prompt_tokens": completion.prompt_tokens, "cached_tokens": completion.cached_tokens, "completion_tokens": completion.completion_tokens, "finish_reason": completion.finish_reason}
        }))
        .into_response();
    }
    let output = prompt_stage::finish_output(&stage, output);
    Json(json!({
        "success": true,
        "output": output,
        "metadata": {
            "processing_time_seconds": t0.elapsed().as_secs_f64(),
            "model": model,
            "generated_at": crate::store::now(),
            "prompt_tokens": completion.prompt_tokens,
            "cached_tokens": completion.cached_tokens,
            "completion_tokens": completion.completion_tokens,
            "finish_reason": completion.finish_reason,
        }
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(body: Value) -> String {
        match parse(&body) {
            Err(Bad(_, m)) => m,
            Ok(_) => panic!("accepted {body}"),
        }
    }

    #[test]
    fn malformed_fields_are_named() {
        assert!(err(json!({})).starts_with("prompt"));
        assert!(err(json!({"prompt": 3})).starts_with("prompt"));
        assert!(err(json!({"prompt": "x", "max_tokens": "many"})).starts_with("max_tokens"));
        assert!(err(json!({"prompt": "x", "temperature": 5})).contains("temperature"));
        assert!(err(
            json!({"prompt": "x", "context": {"stage": "field_mapping", "action": "nope"}})
        )
        .contains("context.action"));
    }

    #[test]
    fn stages_have_the_backends_defaults() {
        let (req, _) =
            parse(&json!({"prompt": "x", "context": {"stage": "action_selection"}})).unwrap();
        assert_eq!((req.max_tokens, req.sampling.temperature), (2500, 0.1));
        let (req, _) =
            parse(&json!({"prompt": "x", "context": {"stage": "field_mapping"}, "temperature": 0}))
                .unwrap();
        assert_eq!((req.max_tokens, req.sampling.temperature), (3000, 0.0));
        let (req, _) = parse(&json!({"prompt": "x"})).unwrap();
        assert_eq!(req.max_tokens, DEFAULT_MAX_TOKENS);
    }

    #[test]
    fn stages_pick_their_schema() {
        let (r, _) = parse(&json!({"prompt": "x", "context": {"stage": "action_selection"}}))
            .ok()
            .unwrap();
        let s = r.json_schema.unwrap();
        assert!(
            s["properties"]["suggested_actions"]["items"]["properties"]["action"]["enum"]
                .as_array()
                .unwrap()
                .len()
                >= 25
        );
        let (r, _) = parse(&json!({"prompt": "x", "context": {"stage": "other"}}))
            .ok()
            .unwrap();
        assert!(r.json_schema.is_none());
    }
}
