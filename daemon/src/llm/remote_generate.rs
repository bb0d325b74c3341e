//! Generation on the inference server ([`super::remote`]): OpenAI chat completions, a JSON
//! Schema constraint sent as `response_format: {type: json_schema}` (OpenAI structured outputs,
//! vLLM), or — where the server refuses that form, as llama-cpp-python's does — as its
//! `{type: json_object, schema}`; the form that worked is remembered. Both servers enforce it with
//! their own grammar engines. The answer is checked
//! here: text that does not parse as JSON valid under the schema is an error, so the caller falls
//! back to the local model, whose llguidance grammar guarantees it.

use std::time::Instant;

use serde_json::{json, Value};

use super::remote::RemoteEngine;
use super::{Completion, FinishReason, GenerationRequest};

/// `response_format` in OpenAI's structured-outputs form.
fn json_schema_form(schema: &Value) -> Value {
    json!({"type": "json_schema", "json_schema": {"name": "answer", "schema": schema, "strict": true}})
}

/// `response_format` in llama-cpp-python's form.
fn json_object_form(schema: &Value) -> Value {
    json!({"type": "json_object", "schema": schema})
}

impl RemoteEngine {
    /// POST `body` with the schema in the form this server takes: OpenAI's first; when the
    /// server refuses it, llama-cpp-python's, and the one that worked from then on.
    fn structured(&self, mut body: Value, schema: &Value) -> Result<Value, String> {
        use std::sync::atomic::Ordering::Relaxed;
        if !self.json_object_form.load(Relaxed) {
            body["response_format"] = json_schema_form(schema);
            match self.post("chat/completions", &body) {
                Ok(v) => return Ok(v),
                Err(e) if !e.contains("json_schema") => return Err(e),
                Err(_) => self.json_object_form.store(true, Relaxed),
            }
        }
        body["response_format"] = json_object_form(schema);
        self.post("chat/completions", &body)
    }

    /// Generate `req`'s answer on the server.
    ///
    /// Errors: the server fails, or its answer is not JSON valid under `req.json_schema` (a
    /// sentence; the caller falls back to the local model).
    pub fn generate(&self, req: &GenerationRequest) -> Result<Completion, String> {
        let mut body = json!({
            "model": self.model_id()?,
            "messages": req.messages,
            "max_tokens": req.max_tokens,
            "temperature": req.sampling.temperature,
            "top_p": req.sampling.top_p,
            "seed": req.sampling.seed,
        });
        if !req.stop.is_empty() {
            body["stop"] = json!(req.stop);
        }
        let t0 = Instant::now();
        let v = match &req.json_schema {
            Some(schema) => self.structured(body, schema)?,
            None => self.post("chat/completions", &body)?,
        };
        let choice = &v["choices"][0];
        let text = choice["message"]["content"]
            .as_str()
            .ok_or("the server's answer has no message content")?
            .to_string();
        let length = choice["finish_reason"].as_str() == Some("length");
        // Checked even when cut at max_tokens: a server's grammar may let a string run on
        // (llama-cpp-python's JSON grammar admits raw newlines), and the local model's output
        // under llguidance is the one to keep then.
        if let Some(schema) = &req.json_schema {
            let value: Value = serde_json::from_str(text.trim())
                .map_err(|e| format!("the server's answer is not JSON: {e}"))?;
            let valid = jsonschema::validator_for(schema)
                .map(|s| s.is_valid(&value))
                .unwrap_or(false);
            if !valid {
                return Err("the server's answer does not match the JSON Schema".into());
            }
        }
        let n = |k: &str| v["usage"][k].as_u64().unwrap_or(0) as usize;
        let finish_reason = match (length, req.json_schema.is_some()) {
            (true, _) => FinishReason::Length,
            (false, true) => FinishReason::Grammar,
            (false, false) => FinishReason::Stop,
        };
        Ok(Completion {
            text,
            prompt_tokens: n("prompt_tokens"),
            cached_tokens: 0,
            completion_tokens: n("completion_tokens"),
            forced_tokens: 0,
            prefill_seconds: 0.0,
            decode_seconds: t0.elapsed().as_secs_f64(),
            decode_steps: n("completion_tokens"),
            finish_reason,
        })
    }
}
