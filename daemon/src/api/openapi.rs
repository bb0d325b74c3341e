//! `GET /openapi.json`: the OpenAPI 3.1 document of this API, generated with `utoipa` from the
//! `#[utoipa::path]` attributes on the handlers (each handler's method, path, parameters, body and
//! answers sit beside its code) and the request shapes below. Errors are described once: every
//! operation may answer `4XX` with [`ApiError`] (`/v1/*` with [`OpenAiError`]).

use axum::response::{IntoResponse, Response};
use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::shapes::*;

struct Security;

impl Modify for Security {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let c = api.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        c.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-API-Key"))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Zopilot Local", description = "The localhost API of the zopilot daemon: documents, review, the backend's /prompt, OpenAI-compatible chat and batches."),
    modifiers(&Security),
    security(("bearer" = []), ("api_key" = [])),
    paths(
        super::control::health, openapi_json,
        super::prompt::prompt,
        super::documents::list, super::upload::upload, super::documents::get, super::upload::file,
        super::review::page, super::books::payloads, super::books::approve, super::review::reject,
        super::review::rerun, super::books::list,
        super::control::status, super::control::pause, super::control::resume,
        super::control::sources, super::control::rotate_key, super::observe::model_info,
        super::metrics::metrics,
        super::review::index, super::review::asset, super::review::link,
        super::openai::models, super::openai::chat_completions,
        super::batches::files, super::batches::upload, super::batches::file,
        super::batches::delete_file, super::batches::content, super::batches::batches,
        super::batches::create, super::batches::get, super::batches::cancel,
    ),
    components(schemas(DocumentStatus, BookListName, FileName, ApiError, OpenAiError, OpenAiErrorBody, PromptRequest, ChatMessage,
        ChatCompletionRequest, FileUpload, BatchRequest, ApproveRequest, RejectRequest))
)]
pub struct ApiDoc;

/// `GET /openapi.json`.
#[utoipa::path(get, path = "/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object),
        (status = "4XX", description = "Refused", body = super::shapes::ApiError)))]
pub async fn openapi_json() -> Response {
    Json(ApiDoc::openapi()).into_response()
}
