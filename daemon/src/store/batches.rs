//! Files and batches of the OpenAI-compatible API (`schema/migrations/0006_batches.sql`): the
//! records and the operations on them. A batch's request lines are run one at a time by the
//! worker ([`crate::worker`]); each result is stored as it comes, so a restart resumes where the
//! batch was.

use anyhow::Result;
use serde_json::Value;

/// A new object id: `prefix` + 24 random hex digits (`file-…`, `batch_…`, `chatcmpl-…`).
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}{:024x}", rand::random::<u128>() >> 32)
}

/// An uploaded or generated file (`file` object). Times are Unix seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiFile {
    /// `file-<24 hex>`.
    pub id: String,
    pub filename: String,
    /// `batch` (input), `batch_output` (written by a batch), or what the client said.
    pub purpose: String,
    pub bytes: i64,
    pub created_at: i64,
}

/// A batch (`batch` object).
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// `batch_<24 hex>`.
    pub id: String,
    pub endpoint: String,
    pub input_file_id: String,
    pub completion_window: String,
    /// `failed` (the input file was refused), `in_progress`, `completed`, `cancelled`.
    pub status: String,
    pub metadata: Option<Value>,
    /// `{object: "list", data: [{code, message, line}]}` when the input was refused.
    pub errors: Option<Value>,
    pub total: i64,
    pub completed: i64,
    pub failed: i64,
    pub output_file_id: Option<String>,
    pub error_file_id: Option<String>,
    pub created_at: i64,
    pub in_progress_at: Option<i64>,
    pub finalizing_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub failed_at: Option<i64>,
    pub cancelled_at: Option<i64>,
    pub expires_at: Option<i64>,
}

/// One request line of a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchLine {
    pub batch_id: String,
    /// 0-based line of the input file.
    pub line: i64,
    pub custom_id: String,
    /// The request body (`/v1/chat/completions`).
    pub request: Value,
}

/// The `api_files` columns an [`ApiFile`] is read from (both engines).
pub const FILE_COLUMNS: &str = "id, filename, purpose, bytes, created_at";

/// The `batches` columns a [`Batch`] is read from (both engines).
pub const BATCH_COLUMNS: &str =
    "id, endpoint, input_file_id, completion_window, status, metadata_json,
    errors_json, total, completed, failed, output_file_id, error_file_id, created_at,
    in_progress_at, finalizing_at, completed_at, failed_at, cancelled_at, expires_at";

/// The operations on files and batches.
pub trait Batches: Send + Sync {
    /// Store a file and its content.
    fn add_file(&self, file: &ApiFile, content: &[u8]) -> Result<()>;
    /// A file's record.
    fn api_file(&self, id: &str) -> Result<Option<ApiFile>>;
    /// A file's content.
    fn api_file_content(&self, id: &str) -> Result<Option<Vec<u8>>>;
    /// Every file, newest first.
    fn api_files(&self) -> Result<Vec<ApiFile>>;
    /// Delete a file no batch refers to; `Ok(false)` when there is no such file, an error when a
    /// batch still uses it.
    fn delete_api_file(&self, id: &str) -> Result<bool>;
    /// Store a new batch with its request lines, in one transaction.
    fn create_batch(&self, batch: &Batch, lines: &[BatchLine]) -> Result<()>;
    /// A batch.
    fn batch(&self, id: &str) -> Result<Option<Batch>>;
    /// Batches, newest first: at most `limit`, those created before batch `after` when given.
    fn batches(&self, limit: usize, after: Option<&str>) -> Result<Vec<Batch>>;
    /// The next line to run: of the oldest batch in progress, its first line without a result.
    fn next_batch_line(&self) -> Result<Option<BatchLine>>;
    /// Store the output line of `line` (`ok`: a response, else an error) and count it; when it
    /// was the batch's last, write the output and error files and complete the batch — all in
    /// one transaction. Nothing happens for a batch no longer in progress (cancelled meanwhile).
    fn finish_batch_line(&self, batch_id: &str, line: i64, ok: bool, output: &Value) -> Result<()>;
    /// Cancel a batch in progress: the results so far are written as its output and error files.
    /// The batch as it now is (`None`: no such batch).
    fn cancel_batch(&self, id: &str) -> Result<Option<Batch>>;
}
