//! The OpenAI chat-completions format of a request and its answer
//! (<https://platform.openai.com/docs/api-reference/chat/create>), for the OpenAI-compatible API
//! and the batch runner: a request body → a [`GenerationRequest`], a [`Completion`] → the
//! `chat.completion` object or `chat.completion.chunk` events.
//!
//! Supported: `messages` (`system`/`developer`, `user`, `assistant`; content as a string or text
//! parts), `max_completion_tokens` / `max_tokens`, `temperature` (0–2, default 1), `top_p`,
//! `seed`, `stop` (a string or up to 4), `n` = 1, `response_format` `text` / `json_object` /
//! `json_schema` (enforced by the same constrained decoder as `/prompt`), `stream` with
//! `stream_options.include_usage`. Refused with a message naming the field: tools and function
//! calls, images or audio in content, `n` > 1, `logprobs`.

use serde_json::{json, Value};

use super::{Completion, FinishReason, GenerationRequest, Message, SamplingParams};

/// `max_completion_tokens` when a request sets none.
pub const DEFAULT_MAX_TOKENS: usize = 1024;

/// A chat-completions request, parsed.
#[derive(Debug, Clone)]
pub struct ChatRequest {
    pub generation: GenerationRequest,
    /// The `model` the request named (`None`: any).
    pub model: Option<String>,
    /// Answer as server-sent events.
    pub stream: bool,
    /// Streaming: end with a usage chunk (`stream_options.include_usage`).
    pub include_usage: bool,
}

/// Why a request was refused: the message and the field (OpenAI `param`).
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    pub message: String,
    pub param: Option<String>,
}

/// A JSON integer as JSON Schema counts integers: `3` and `3.0` alike (not `3.5`).
pub fn json_i64(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| {
        v.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e18)
            .map(|f| f as i64)
    })
}

/// [`json_i64`] for a non-negative integer.
pub fn json_u64(v: &Value) -> Option<u64> {
    json_i64(v)
        .and_then(|i| u64::try_from(i).ok())
        .or_else(|| v.as_u64())
}

fn invalid(param: &str, message: impl Into<String>) -> Invalid {
    Invalid {
        message: message.into(),
        param: Some(param.to_string()),
    }
}

fn number(body: &Value, name: &str, default: f64, lo: f64, hi: f64) -> Result<f64, Invalid> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => match v.as_f64() {
            Some(x) if (lo..=hi).contains(&x) => Ok(x),
            _ => Err(invalid(
                name,
                format!("{name} must be a number from {lo} to {hi}"),
            )),
        },
    }
}

fn content(m: &Value, i: usize) -> Result<String, Invalid> {
    let param = format!("messages[{i}].content");
    match &m["content"] {
        Value::String(s) => Ok(s.clone()),
        Value::Null => Ok(String::new()),
        Value::Array(parts) => parts
            .iter()
            .map(|p| match (p["type"].as_str(), p["text"].as_str()) {
                (Some("text"), Some(t)) => Ok(t.to_string()),
                _ => Err(invalid(&param, "only text content parts are supported")),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|v| v.join("\n")),
        _ => Err(invalid(
            &param,
            "content must be a string or an array of text parts",
        )),
    }
}

fn messages(body: &Value) -> Result<Vec<Message>, Invalid> {
    let list = match body.get("messages") {
        Some(Value::Array(a)) if !a.is_empty() => a,
        Some(Value::Array(_)) => return Err(invalid("messages", "messages must not be empty")),
        _ => {
            return Err(invalid(
                "messages",
                "messages is required: an array of messages",
            ))
        }
    };
    let mut out = Vec::with_capacity(list.len());
    for (i, m) in list.iter().enumerate() {
        let text = content(m, i)?;
        let role = match m["role"].as_str() {
            Some("system" | "developer") => "system",
            Some("user") => "user",
            Some("assistant") if m.get("tool_calls").is_none() => "assistant",
            Some(r @ ("tool" | "function" | "assistant")) => {
                return Err(invalid(
                    &format!("messages[{i}].role"),
                    format!("{r} messages and tool calls are not supported"),
                ))
            }
            _ => {
                return Err(invalid(
                    &format!("messages[{i}].role"),
                    "role must be system, developer, user or assistant",
                ))
            }
        };
        out.push(Message {
            role: role.into(),
            content: text,
        });
    }
    Ok(out)
}

fn stop(body: &Value) -> Result<Vec<String>, Invalid> {
    match body.get("stop") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(a)) if a.len() <= 4 && a.iter().all(Value::is_string) => Ok(a
            .iter()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect()),
        _ => Err(invalid(
            "stop",
            "stop must be a string or an array of up to 4 strings",
        )),
    }
}

/// The JSON Schema a `response_format` asks for (`None`: free text).
fn response_schema(body: &Value) -> Result<Option<Value>, Invalid> {
    let f = match body.get("response_format") {
        None | Some(Value::Null) => return Ok(None),
        Some(f) => f,
    };
    match f["type"].as_str() {
        Some("text") => Ok(None),
        Some("json_object") => Ok(Some(json!({"type": "object"}))),
        Some("json_schema") => match &f["json_schema"]["schema"] {
            s @ Value::Object(_) => Ok(Some(s.clone())),
            _ => Err(invalid(
                "response_format.json_schema.schema",
                "json_schema.schema must be a JSON Schema object",
            )),
        },
        _ => Err(invalid(
            "response_format.type",
            "response_format.type must be text, json_object or json_schema",
        )),
    }
}

fn refuse_unsupported(body: &Value) -> Result<(), Invalid> {
    for key in [
        "tools",
        "functions",
        "tool_choice",
        "function_call",
        "audio",
    ] {
        if body.get(key).is_some_and(|v| !v.is_null()) {
            return Err(invalid(key, format!("{key} is not supported")));
        }
    }
    if body.get("logprobs") == Some(&Value::Bool(true)) {
        return Err(invalid("logprobs", "logprobs is not supported"));
    }
    match body.get("n") {
        None | Some(Value::Null) => Ok(()),
        Some(n) if json_u64(n) == Some(1) => Ok(()),
        Some(_) => Err(invalid("n", "only n = 1 is supported")),
    }
}

fn max_tokens(body: &Value) -> Result<usize, Invalid> {
    for key in ["max_completion_tokens", "max_tokens"] {
        match body.get(key) {
            None | Some(Value::Null) => continue,
            Some(v) => {
                return match json_u64(v) {
                    Some(n) if n >= 1 => Ok(n as usize),
                    _ => Err(invalid(key, format!("{key} must be a positive integer"))),
                }
            }
        }
    }
    Ok(DEFAULT_MAX_TOKENS)
}

/// Parse a chat-completions request body.
///
/// Errors: a field of the wrong type or value, or a feature this server does not offer, with
/// the field named (the API answers 400).
pub fn parse_chat(body: &Value) -> Result<ChatRequest, Invalid> {
    if !body.is_object() {
        return Err(Invalid {
            message: "the body must be a JSON object".into(),
            param: None,
        });
    }
    refuse_unsupported(body)?;
    let seed = match body.get("seed") {
        None | Some(Value::Null) => 0,
        Some(v) => v
            .as_i64()
            .or_else(|| json_i64(v))
            .map(|s| s as u64)
            .ok_or_else(|| invalid("seed", "seed must be an integer"))?,
    };
    let sampling = SamplingParams {
        temperature: super::sampler::param_f32(number(body, "temperature", 1.0, 0.0, 2.0)?),
        top_p: super::sampler::param_f32(number(body, "top_p", 1.0, 0.0, 1.0)?),
        top_k: 0,
        repetition_penalty: 1.0,
        seed,
    };
    sampling.validate().map_err(|m| Invalid {
        message: m,
        param: None,
    })?;
    let model = match body.get("model") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(invalid("model", "model must be a string")),
    };
    let stream = match body.get("stream") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(invalid("stream", "stream must be a boolean")),
    };
    Ok(ChatRequest {
        generation: GenerationRequest {
            messages: messages(body)?,
            json_schema: response_schema(body)?,
            sampling,
            max_tokens: max_tokens(body)?,
            max_input_length: None,
            stop: stop(body)?,
        },
        model,
        stream,
        include_usage: body["stream_options"]["include_usage"] == true,
    })
}

/// OpenAI's `finish_reason`: `stop` (end of turn, a stop sequence, or the JSON complete) or
/// `length`.
pub fn finish_reason(c: &Completion) -> &'static str {
    match c.finish_reason {
        FinishReason::Length => "length",
        FinishReason::Stop | FinishReason::Grammar => "stop",
    }
}

/// The `usage` object of a completion.
pub fn usage(c: &Completion) -> Value {
    json!({
        "prompt_tokens": c.prompt_tokens,
        "completion_tokens": c.completion_tokens,
        "total_tokens": c.prompt_tokens + c.completion_tokens,
        "prompt_tokens_details": {"cached_tokens": c.cached_tokens},
    })
}

/// A `chat.completion` object.
pub fn completion(id: &str, created: i64, model: &str, c: &Completion) -> Value {
    json!({
        "id": id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "system_fingerprint": null,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": c.text, "refusal": null},
            "logprobs": null,
            "finish_reason": finish_reason(c),
        }],
        "usage": usage(c),
    })
}

/// A `chat.completion.chunk` with one choice: `delta` and, on the last, `finish_reason`.
pub fn chunk(id: &str, created: i64, model: &str, delta: Value, finish: Option<&str>) -> Value {
    json!({
        "id": id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "system_fingerprint": null,
        "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}],
    })
}

/// The last chunk of a stream with `include_usage`: no choices, the usage.
pub fn usage_chunk(id: &str, created: i64, model: &str, c: &Completion) -> Value {
    json!({
        "id": id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [],
        "usage": usage(c),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(body: Value) -> Invalid {
        parse_chat(&body).expect_err("refused")
    }

    #[test]
    fn requests_parse_with_openai_defaults_and_refusals_name_the_field() {
        let r = parse_chat(&json!({"model": "m", "messages": [
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "Hi"}]}],
            "max_completion_tokens": 20, "stop": "\n", "seed": 7,
            "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}},
            "stream": true, "stream_options": {"include_usage": true}}))
        .unwrap();
        assert_eq!(r.generation.messages[0].role, "system");
        assert_eq!(r.generation.messages[1].content, "Hi");
        assert_eq!(
            (r.generation.max_tokens, r.generation.stop.clone()),
            (20, vec!["\n".to_string()])
        );
        assert_eq!(r.generation.sampling.seed, 7);
        assert_eq!(r.generation.json_schema, Some(json!({"type": "object"})));
        assert!(r.stream && r.include_usage);
        let d = parse_chat(&json!({"messages": [{"role": "user", "content": "x"}]})).unwrap();
        assert_eq!(
            (d.generation.max_tokens, d.generation.sampling.temperature),
            (DEFAULT_MAX_TOKENS, 1.0)
        );
        assert_eq!(
            refused(json!({"messages": []})).param.as_deref(),
            Some("messages")
        );
        assert_eq!(
            refused(json!({"messages": [{"role": "user", "content": "x"}], "n": 2}))
                .param
                .as_deref(),
            Some("n")
        );
        assert_eq!(
            refused(json!({"messages": [{"role": "user", "content": "x"}], "temperature": 3}))
                .param
                .as_deref(),
            Some("temperature")
        );
        assert_eq!(
            refused(json!({"messages": [{"role": "user", "content": "x"}], "tools": []}))
                .param
                .as_deref(),
            Some("tools")
        );
        assert_eq!(
            refused(json!({"messages": [{"role": "tool", "content": "x"}]}))
                .param
                .as_deref(),
            Some("messages[0].role")
        );
        assert_eq!(
            refused(json!({"messages": [{"role": "user", "content": [{"type": "image_url"}]}]}))
                .param
                .as_deref(),
            Some("messages[0].content")
        );
    }
}
