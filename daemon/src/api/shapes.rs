//! The request and error shapes the OpenAPI document describes ([`super::openapi`]), as types
//! for utoipa; the handlers parse requests themselves (these are documentation, kept beside the
//! rules they state).

use utoipa::ToSchema;

/// The error shape of every route but `/v1/*`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ApiError {
    /// Always `false`.
    success: bool,
    /// What went wrong, for people.
    error: String,
}

/// The error object of an OpenAI error.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct OpenAiErrorBody {
    message: String,
    #[schema(rename = "type")]
    kind: String,
    param: Option<String>,
    code: Option<String>,
}

/// The error shape of `/v1/*` (OpenAI's).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct OpenAiError {
    success: bool,
    error: OpenAiErrorBody,
}

/// `POST /prompt` (the existing backend's call).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PromptRequest {
    /// The user message (not blank).
    #[schema(min_length = 1, pattern = r"\S")]
    prompt: String,
    /// `{stage: action_selection | field_mapping | …, accounting_software | software,
    /// action, system}`.
    #[schema(value_type = Option<Object>)]
    context: Option<serde_json::Value>,
    /// An optional system message.
    system: Option<String>,
    /// Generated tokens at most (below the model's context length).
    #[schema(minimum = 1)]
    max_tokens: Option<u32>,
    #[schema(minimum = 0.0, maximum = 2.0)]
    temperature: Option<f64>,
    #[schema(exclusive_minimum = 0.0, maximum = 1.0)]
    top_p: Option<f64>,
    #[schema(minimum = 0)]
    top_k: Option<u32>,
    #[schema(minimum = 1.0, maximum = 10.0)]
    repetition_penalty: Option<f64>,
    seed: Option<u64>,
    #[schema(minimum = 1)]
    max_input_length: Option<u32>,
}

/// A chat message.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ChatMessage {
    #[schema(pattern = "^(system|developer|user|assistant)$")]
    role: String,
    /// Text, or `[{type: "text", text}]` parts.
    #[schema(value_type = String)]
    content: serde_json::Value,
}

/// `POST /v1/chat/completions` (see `llm::openai` for what is refused).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ChatCompletionRequest {
    model: Option<String>,
    #[schema(min_items = 1)]
    messages: Vec<ChatMessage>,
    #[schema(minimum = 1)]
    max_completion_tokens: Option<u32>,
    #[schema(minimum = 1)]
    max_tokens: Option<u32>,
    #[schema(minimum = 0.0, maximum = 2.0)]
    temperature: Option<f64>,
    #[schema(exclusive_minimum = 0.0, maximum = 1.0)]
    top_p: Option<f64>,
    seed: Option<i64>,
    /// A string or up to 4.
    #[schema(value_type = Option<Vec<String>>)]
    stop: Option<serde_json::Value>,
    /// `{type: text | json_object | json_schema, json_schema: {name, schema, strict}}`.
    #[schema(value_type = Option<Object>)]
    response_format: Option<serde_json::Value>,
    stream: Option<bool>,
    #[schema(value_type = Option<Object>)]
    stream_options: Option<serde_json::Value>,
}

/// `POST /v1/files` (multipart form).
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct FileUpload {
    /// The JSONL file.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    #[schema(pattern = "^(batch|user_data)$")]
    purpose: String,
}

/// `POST /v1/batches`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct BatchRequest {
    input_file_id: String,
    #[schema(pattern = "^/v1/chat/completions$")]
    endpoint: String,
    #[schema(pattern = "^24h$")]
    completion_window: String,
    #[schema(value_type = Option<Object>)]
    metadata: Option<serde_json::Value>,
}

/// `POST /documents/{id}/approve`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ApproveRequest {
    /// Corrections, `key=value`: `action`, `account`, `line.N.account`, `class`, `tax_code`,
    /// `vendor`, `field.NAME` (`field.NAME=` with no value: the document has no such field).
    set: Option<Vec<String>>,
}

/// `POST /documents/{id}/reject`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct RejectRequest {
    reason: Option<String>,
}

/// A document status.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum DocumentStatus {
    Queued,
    Extracting,
    Classifying,
    Mapping,
    Classified,
    PreviewRequired,
    Failed,
    Dead,
    Duplicate,
    Approved,
    Rejected,
}

/// A list of the books.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum BookListName {
    Accounts,
    Vendors,
    Customers,
    Items,
}

/// A file name whose last component is more than dots, spaces and control characters.
pub struct FileName;

impl utoipa::PartialSchema for FileName {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .min_length(Some(1))
            .max_length(Some(255))
            // The last path component holds a character that is not a dot, a space or a control
            // character (what `upload::safe_name` keeps).
            .pattern(Some(
                r"^(?:[\s\S]*[/\\])?[^/\\]*[^./\\\s\x00-\x1f\x7f-\x9f][^/\\]*$",
            ))
            .into()
    }
}

impl ToSchema for FileName {}
