//! One model call of the API (`/prompt`, `/v1/chat/completions`) under the limits of
//! [`super::limits`]: a turn (or 429), the call on the engine off the async threads, the timeout
//! (504, the generation cancelled).

use std::time::Instant;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::state::{error_response, AppState};
use crate::llm::{CancelToken, EngineError, GenerationRequest};

/// What the engine answered (the model's name and the completion), or why it did not.
pub type Answer =
    Result<Result<(String, crate::llm::Completion), EngineError>, tokio::task::JoinError>;

/// The model call of one request under the API's limits ([`super::limits`]): the engine's
/// answer, or the 429 / 504 response to send.
///
/// `on_text` (streaming) receives the text as it is generated, on the engine thread; `cancel`
/// (the caller's, e.g. set when a streaming client goes away) stops it too.
pub async fn call_model(
    s: &AppState,
    req: GenerationRequest,
    on_text: Option<Box<dyn FnMut(&str) + Send>>,
    cancel: Option<CancelToken>,
) -> Result<Answer, Response> {
    let engine = s.engine.clone();
    let calls = s.model_calls.clone();
    let cancel = cancel.unwrap_or_default();
    let token = cancel.clone();
    let call = async {
        let _turn = calls.acquire().await?;
        let started = Instant::now();
        let run = tokio::task::spawn_blocking(move || {
            let c = match on_text {
                Some(f) => engine.generate_streaming(req, Some(&token), f)?,
                None => engine.generate(req, Some(&token))?,
            };
            Ok::<_, EngineError>((engine.loaded_info().map(|i| i.name).unwrap_or_default(), c))
        })
        .await;
        calls.record(started.elapsed());
        Ok::<_, Response>(run)
    };
    match tokio::time::timeout(calls.timeout, call).await {
        Ok(result) => result,
        Err(_) => {
            // Stops the generation at its next forward pass: the engine is free again.
            cancel.cancel();
            Err(error_response(
                StatusCode::GATEWAY_TIMEOUT,
                &format!(
                    "no answer within {} s (request_timeout_seconds); the generation was stopped",
                    calls.timeout.as_secs()
                ),
            )
            .into_response())
        }
    }
}
