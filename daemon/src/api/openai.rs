//! The OpenAI-compatible API, on the same key as every other route: `GET /v1/models` and
//! `POST /v1/chat/completions` (plain or `stream: true` as server-sent events), with the format in
//! [`crate::llm::openai`] and the same limits as `/prompt` ([`super::limits`]). Files and batches
//! are [`super::batches`].
//!
//! Errors on `/v1/*` come in OpenAI's shape, `{"error": {"message", "type", "param", "code"}}`
//! (with `"success": false` as on every other route), so OpenAI clients read them unchanged.

use std::convert::Infallible;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use tokio_stream::wrappers::UnboundedReceiverStream;
use tokio_stream::StreamExt;

use super::model_call::{call_model, Answer};
use super::state::AppState;
use crate::llm::openai::{self, ChatRequest};
use crate::llm::{Completion, EngineError, GenerateError};

/// An error in OpenAI's shape.
pub fn error(status: StatusCode, message: &str, kind: &str, param: Option<&str>) -> Response {
    let code = match status {
        StatusCode::NOT_FOUND => json!("not_found"),
        StatusCode::TOO_MANY_REQUESTS => json!("rate_limit_exceeded"),
        _ => Value::Null,
    };
    (
        status,
        Json(json!({"success": false, "error": {"message": message, "type": kind, "param": param, "code": code}})),
    )
        .into_response()
}

/// The id of the model this daemon serves: its folder's name.
pub fn model_id(s: &AppState) -> String {
    s.engine.settings().model_id()
}

/// `GET /v1/models`: the one model, as OpenAI lists models.
#[utoipa::path(get, path = "/v1/models", tag = "openai", responses((status = 200, description = "The model list", body = Object), (status = "4XX", description = "Refused (OpenAI error shape)", body = crate::api::shapes::OpenAiError)))]
pub async fn models(State(s): State<AppState>) -> Response {
    let id = model_id(&s);
    let created = std::fs::metadata(&s.config.model_dir)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs());
    Json(json!({"object": "list", "data": [
        {"id": id, "object": "model", "created": created, "owned_by": "zopilot"}
    ]}))
    .into_response()
}

/// The request, or the error to send: malformed (400) or naming another model (404).
pub fn checked(s: &AppState, body: &Value) -> Result<ChatRequest, Response> {
    let req = openai::parse_chat(body).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            &e.message,
            "invalid_request_error",
            e.param.as_deref(),
        )
    })?;
    let id = model_id(s);
    if let Some(m) = req.model.as_deref() {
        if m != id && m != "default" && !m.is_empty() {
            return Err(error(
                StatusCode::NOT_FOUND,
                &format!("the model `{m}` does not exist here; this daemon serves `{id}`"),
                "invalid_request_error",
                Some("model"),
            ));
        }
    }
    Ok(req)
}

/// An engine answer as the completion, or the OpenAI error to send.
pub fn answered(run: Answer) -> Result<Completion, Response> {
    match run {
        Ok(Ok((_, c))) => Ok(c),
        Ok(Err(EngineError::Generate(GenerateError::Invalid(m)))) => Err(error(
            StatusCode::BAD_REQUEST,
            &m,
            "invalid_request_error",
            None,
        )),
        Ok(Err(e @ (EngineError::Unavailable(_) | EngineError::Busy(_)))) => Err(error(
            StatusCode::SERVICE_UNAVAILABLE,
            &e.to_string(),
            "server_error",
            None,
        )),
        Ok(Err(e)) => Err(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &e.to_string(),
            "server_error",
            None,
        )),
        Err(e) => Err(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &e.to_string(),
            "server_error",
            None,
        )),
    }
}

/// `POST /v1/chat/completions`.
#[utoipa::path(post, path = "/v1/chat/completions", tag = "openai", request_body = crate::api::shapes::ChatCompletionRequest, responses((status = 200, description = "A chat.completion, or chat.completion.chunk events", content((Object = "application/json"), (serde_json::Value = "text/event-stream"))), (status = "4XX", description = "Refused (OpenAI error shape)", body = crate::api::shapes::OpenAiError), (status = 503, description = "No model", body = crate::api::shapes::OpenAiError), (status = 504, description = "Timed out", body = crate::api::shapes::ApiError)))]
pub async fn chat_completions(
    State(s): State<AppState>,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Json(body) = match body {
        Ok(b) => b,
        Err(e) => {
            let (code, Json(v)) = super::state::json_rejection(e);
            let msg = v["error"].as_str().unwrap_or("bad body").to_string();
            return error(code, &msg, "invalid_request_error", None);
        }
    };
    let req = match checked(&s, &body) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let (id, created, model) = (
        crate::store::batches::new_id("chatcmpl-"),
        chrono::Utc::now().timestamp(),
        model_id(&s),
    );
    if req.stream {
        return stream(s, req, id, created, model).await;
    }
    let run = match call_model(&s, req.generation, None, None).await {
        Ok(run) => run,
        Err(refused) => return refused,
    };
    match answered(run) {
        Ok(c) => Json(openai::completion(&id, created, &model, &c)).into_response(),
        Err(r) => r,
    }
}

/// Chunks as they come; an `Err` is a refusal or failure instead of an answer.
type Chunks = tokio::sync::mpsc::UnboundedReceiver<Result<Value, Response>>;

/// Run the streaming call under the limits in a task: text chunks as they are generated, then
/// the finishing chunk (and the usage chunk when asked), or the refusal. A receiver that is gone
/// (the client left) cancels the generation.
fn spawn_call(
    s: AppState,
    req: ChatRequest,
    id: String,
    created: i64,
    model: String,
) -> (Chunks, tokio::task::JoinHandle<()>) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Result<Value, Response>>();
    let text_tx = tx.clone();
    let include_usage = req.include_usage;
    let cancel = crate::llm::CancelToken::new();
    let gone = cancel.clone();
    let (cid, cmodel) = (id, model);
    let task = tokio::spawn(async move {
        let (tid, tmodel) = (cid.clone(), cmodel.clone());
        let on_text: Box<dyn FnMut(&str) + Send> = Box::new(move |t: &str| {
            let c = openai::chunk(&tid, created, &tmodel, json!({"content": t}), None);
            if text_tx.send(Ok(c)).is_err() {
                gone.cancel();
            }
        });
        let answer = match call_model(&s, req.generation, Some(on_text), Some(cancel)).await {
            Ok(run) => answered(run),
            Err(refused) => Err(refused),
        };
        match answer {
            Ok(c) => {
                let reason = openai::finish_reason(&c);
                let _ = tx.send(Ok(openai::chunk(
                    &cid,
                    created,
                    &cmodel,
                    json!({}),
                    Some(reason),
                )));
                if include_usage {
                    let _ = tx.send(Ok(openai::usage_chunk(&cid, created, &cmodel, &c)));
                }
            }
            Err(r) => {
                let _ = tx.send(Err(r));
            }
        }
    });
    (rx, task)
}

/// The server-sent events of a streaming request: a first chunk with the role, one chunk per
/// piece of text, a last chunk with `finish_reason`, the usage chunk when asked, then `[DONE]`.
/// The model call runs under the API's limits; a refusal before the first token (429, 503, 400)
/// is sent as a plain error response, not as a stream. A client that goes away stops the
/// generation at its next forward pass.
async fn stream(
    s: AppState,
    req: ChatRequest,
    id: String,
    created: i64,
    model: String,
) -> Response {
    let (mut rx, task) = spawn_call(s, req, id.clone(), created, model.clone());
    // Until the first message it is not known whether the call was refused.
    let first = match rx.recv().await {
        Some(Ok(v)) => v,
        Some(Err(r)) => return r,
        None => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the model call ended without an answer",
                "server_error",
                None,
            )
        }
    };
    let head = openai::chunk(
        &id,
        created,
        &model,
        json!({"role": "assistant", "content": ""}),
        None,
    );
    let rest = UnboundedReceiverStream::new(rx).map(|m| {
        m.unwrap_or_else(|_| {
            json!({"error": {"message": "the generation failed or timed out", "type": "server_error"}})
        })
    });
    let body = tokio_stream::iter([head, first])
        .chain(rest)
        .map(|v| Ok::<Event, Infallible>(Event::default().data(v.to_string())))
        .chain(tokio_stream::once(Ok(Event::default().data("[DONE]"))));
    // The task is not awaited: a client that goes away drops the receiver, the next piece of
    // text cannot be sent and cancels the generation; the call's timeout still applies.
    drop(task);
    Sse::new(body)
        .keep_alive(KeepAlive::default())
        .into_response()
}
