//! The batch runner: request lines of the OpenAI-compatible batches (`/v1/batches`) run by the
//! worker between documents, one line at a time, each result stored as it comes
//! ([`crate::store::batches`]), so documents never wait for a whole batch and a restart resumes
//! at the first line without a result.
//!
//! An output line is OpenAI's: `{id, custom_id, response: {status_code, request_id, body},
//! error}`; a request the model cannot serve (malformed, over the context) is a 400 line in the
//! error file, a model that does not load a 503 line — the batch always completes.

use anyhow::Result;
use serde_json::{json, Value};

use crate::llm::openai;
use crate::llm::{EngineError, EngineHandle, GenerateError};
use crate::store::batches::{new_id, BatchLine};
use crate::store::Storage;

/// The output line and whether it is a success, for `line`.
fn answer(engine: &EngineHandle, line: &BatchLine) -> (bool, Value) {
    let model = engine.settings().model_id();
    let request_id = new_id("req_");
    let failed = |status: u16, message: String, kind: &str| {
        json!({"status_code": status, "request_id": request_id,
            "body": {"error": {"message": message, "type": kind, "param": null, "code": null}}})
    };
    let response = match openai::parse_chat(&line.request) {
        Err(e) => failed(400, e.message, "invalid_request_error"),
        Ok(req) if req.stream => failed(
            400,
            "stream is not supported in a batch".into(),
            "invalid_request_error",
        ),
        Ok(req) => match engine.generate(req.generation, None) {
            Ok(c) => {
                let id = new_id("chatcmpl-");
                let created = chrono::Utc::now().timestamp();
                json!({"status_code": 200, "request_id": request_id,
                    "body": openai::completion(&id, created, &model, &c)})
            }
            Err(EngineError::Generate(GenerateError::Invalid(m))) => {
                failed(400, m, "invalid_request_error")
            }
            Err(e) => failed(503, e.to_string(), "server_error"),
        },
    };
    let ok = response["status_code"] == 200;
    (
        ok,
        json!({"id": new_id("batch_req_"), "custom_id": line.custom_id, "response": response, "error": null}),
    )
}

/// Run the next batch line, if any; whether one ran.
///
/// Errors: the store could not be read or written (the line is run again later).
pub fn run_one(store: &dyn Storage, engine: &EngineHandle) -> Result<bool> {
    let Some(line) = store.next_batch_line()? else {
        return Ok(false);
    };
    tracing::info!(batch = %line.batch_id, line = line.line, "running a batch request");
    let (ok, output) = answer(engine, &line);
    store.finish_batch_line(&line.batch_id, line.line, ok, &output)?;
    Ok(true)
}
