//! The records the store keeps and hands out: a document row ([`Document`]) and its [`Status`],
//! what a finished run writes ([`Outcome`]), a claimed document ([`Job`]), what an enqueue did
//! ([`Enqueued`]), the retry and lease [`Policy`], what the daemon is doing ([`Activity`]) and an
//! original's move still to be done ([`PendingMove`]). No SQL here: see [`super::sqlite`].

use std::path::PathBuf;
use std::time::Duration;

use rand::Rng;
use serde::Serialize;
use serde_json::Value;

/// A document's processing status. Terminal: `classified`, `preview_required`, `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Queued,
    Extracting,
    Classifying,
    Mapping,
    Classified,
    PreviewRequired,
    Failed,
    /// Dead-lettered: transient failures used up every attempt (the last error is kept).
    Dead,
    /// Same content as an earlier document (`duplicate_of`); not processed.
    Duplicate,
    /// The accountant approved the result (with their corrections).
    Approved,
    /// The accountant rejected the result: nothing to post.
    Rejected,
}

impl Status {
    /// The column value.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Extracting => "extracting",
            Status::Classifying => "classifying",
            Status::Mapping => "mapping",
            Status::Classified => "classified",
            Status::PreviewRequired => "preview_required",
            Status::Failed => "failed",
            Status::Dead => "dead",
            Status::Duplicate => "duplicate",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
        }
    }

    /// Parse a column value.
    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "queued" => Status::Queued,
            "extracting" => Status::Extracting,
            "classifying" => Status::Classifying,
            "mapping" => Status::Mapping,
            "classified" => Status::Classified,
            "preview_required" => Status::PreviewRequired,
            "failed" => Status::Failed,
            "dead" => Status::Dead,
            "duplicate" => Status::Duplicate,
            "approved" => Status::Approved,
            "rejected" => Status::Rejected,
            _ => return None,
        })
    }

    /// True for statuses a document does not leave by itself.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Status::Classified
                | Status::PreviewRequired
                | Status::Failed
                | Status::Dead
                | Status::Duplicate
                | Status::Approved
                | Status::Rejected
        )
    }
}

/// One row of `documents`, JSON columns parsed (as `GET /documents/{id}` and `zopilot show`
/// print it).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Document {
    pub id: i64,
    pub original_path: String,
    pub file_name: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub source: String,
    pub status: Status,
    pub attempts: i64,
    pub created_at: String,
    pub updated_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub business: Option<Value>,
    pub extracted: Option<Value>,
    pub stage1: Option<Value>,
    pub stage2: Option<Value>,
    pub result: Option<Value>,
    pub warnings: Option<Value>,
    pub metrics: Option<Value>,
    pub model: Option<String>,
    pub error: Option<String>,
    /// For `duplicate` rows: the first document with the same content.
    pub duplicate_of: Option<i64>,
    /// Where the original was moved (`processed/` or `failed/`), when that is configured.
    pub moved_to: Option<String>,
    /// A move of the original decided with the final status and not yet confirmed done: start-up
    /// recovery finishes it.
    pub move_pending: Option<String>,
    /// Why the pending move of the original failed, when it did: it stays pending and is
    /// retried with back-off (also after a restart).
    #[serde(default)]
    pub move_error: Option<String>,
    /// The paths as the operating system spells them (lossless; the text fields above are for
    /// people). Not serialized.
    #[serde(skip)]
    pub raw: RawPaths,
    /// Claims ended by a stop of the daemon (kill, crash, shutdown), not by the document: they
    /// do not count against `max_attempts`.
    #[serde(default)]
    pub interruptions: i64,
    /// When an accountant approved the result (`zopilot approve`), and the approval: the
    /// corrections made and the decision remembered for the counterparty.
    pub approved_at: Option<String>,
    pub approval: Option<Value>,
}

/// A document's paths as the operating system spells them (a name need not be UTF-8); `None`
/// where unset (or for a row read from JSON: the text fields then stand in).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawPaths {
    pub original: Option<PathBuf>,
    pub moved_to: Option<PathBuf>,
    pub move_pending: Option<PathBuf>,
}

impl Document {
    /// Where the original was found, as the OS spells it.
    pub fn original(&self) -> PathBuf {
        self.raw
            .original
            .clone()
            .unwrap_or_else(|| PathBuf::from(&self.original_path))
    }

    /// Where the original is now: where it was moved, else where it was found.
    pub fn current_path(&self) -> PathBuf {
        self.raw
            .moved_to
            .clone()
            .or_else(|| self.moved_to.as_ref().map(PathBuf::from))
            .unwrap_or_else(|| self.original())
    }
}

/// Everything a finished pipeline run writes.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub business: Option<Value>,
    pub extracted: Option<Value>,
    pub stage1: Option<Value>,
    pub stage2: Option<Value>,
    pub result: Option<Value>,
    pub warnings: Vec<String>,
    pub metrics: Option<Value>,
    pub model: Option<String>,
}

/// Wall-clock time in unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Current time as RFC 3339 UTC with milliseconds, the format of every timestamp column.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Retry and lease settings.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Claims per document before it is dead-lettered.
    pub max_attempts: u32,
    /// First retry delay; doubled per further attempt.
    pub retry_base: Duration,
    /// Visibility timeout of a claim; renewed by heartbeats.
    pub lease: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_attempts: 3,
            retry_base: Duration::from_secs(5),
            lease: Duration::from_secs(300),
        }
    }
}

impl Policy {
    /// From the configuration.
    pub fn from_config(cfg: &crate::config::Config) -> Policy {
        Policy {
            max_attempts: cfg.max_attempts,
            retry_base: Duration::from_millis(cfg.retry_base_ms),
            lease: Duration::from_secs(cfg.lease_seconds),
        }
    }

    /// Delay before attempt `attempts + 1`: `base · 2^(attempts−1) · (1 + U[0, 0.5))`, the
    /// jitter so that retries of a burst do not line up.
    pub fn backoff(&self, attempts: i64) -> Duration {
        let exp = (attempts.max(1) - 1).min(16) as u32;
        let base = self.retry_base.as_millis() as f64 * 2f64.powi(exp as i32);
        let jitter = rand::rng().random_range(0.0..0.5);
        Duration::from_millis((base * (1.0 + jitter)) as u64)
    }

    /// Whether a transient failure of `job` ends its attempts (it is then dead-lettered).
    pub fn is_last_attempt(&self, job: &Job) -> bool {
        job.token - job.doc.interruptions >= self.max_attempts as i64
    }
}

/// Result of an enqueue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    /// A new document row was created and queued.
    New(i64),
    /// This exact content at this path is already known.
    Known(i64),
    /// The same content is already known under another path: a `duplicate` row linking the
    /// first document was created, and no work is queued.
    Duplicate { id: i64, of: i64 },
}

impl Enqueued {
    /// The row's id.
    pub fn id(self) -> i64 {
        match self {
            Enqueued::New(id) | Enqueued::Known(id) | Enqueued::Duplicate { id, .. } => id,
        }
    }
}

/// A claimed document: the row as claimed, who holds it and the fencing token.
#[derive(Debug, Clone)]
pub struct Job {
    pub doc: Document,
    pub owner: String,
    /// `attempts` at claim time; writes for this job match it.
    pub token: i64,
}

/// A move of an original that was decided with the document's final status but is not known
/// to have happened (the process may have stopped in between).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingMove {
    pub id: i64,
    /// Where the original was when the document was enqueued.
    pub from: PathBuf,
    /// Where it is to go (`processed/…` or `failed/…` under the drop folder).
    pub to: PathBuf,
    /// Failed tries so far (a blocked move), and when the next one is due (unix ms; 0 = now).
    pub attempts: i64,
    pub next_ms: i64,
}

/// What the daemon is doing (see [`super::Storage::activity`]): successes since a time, the
/// in-flight documents `(id, file name, lease owner)` (the owner is a worker id,
/// `<instance>/<pid>-<random>`: which daemon on which machine holds it), the newest finished document when it failed or went
/// dead `(id, file name, error)`, and the originals whose move is blocked `(id, file name,
/// why)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub done_since: i64,
    pub current: Vec<(i64, String, Option<String>)>,
    pub last_error: Option<(i64, String, String)>,
    pub blocked_moves: Vec<(i64, String, String)>,
}

/// The `documents` columns a [`Document`] is read from, in the order both engines' row mappings
/// expect (SQL text shared by [`crate::store::sqlite`] and [`crate::store::postgres`]).
pub const COLUMNS: &str = "id, original_path, file_name, sha256, size_bytes, source, status, attempts, created_at, \
    updated_at, started_at, finished_at, business_json, extracted_json, stage1_json, stage2_json, result_json, \
    warnings_json, metrics_json, model, error, duplicate_of, moved_to, move_pending, interruptions, approved_at, approval_json, \
    original_path_raw, moved_to_raw, move_pending_raw, move_error";

/// Interruptions (stops of the daemon while a document was in flight) after which a document is
/// dead-lettered: one that keeps taking the process down is not retried forever, while a laptop
/// that sleeps or reboots a few times loses nothing.
pub const MAX_INTERRUPTIONS: i64 = 10;

/// A stop interrupted a document that had `attempts` claims and `interruptions` before: its new
/// interruption count, and the reason it is dead-lettered when that reaches
/// [`MAX_INTERRUPTIONS`] (`None`: queued again). Both engines' start-up recovery decide by it.
pub fn interrupted(attempts: i64, interruptions: i64) -> (i64, Option<String>) {
    let interruptions = interruptions + 1;
    let dead = (interruptions >= MAX_INTERRUPTIONS).then(|| {
        format!(
            "interrupted {interruptions} times (the daemon stopped while processing it each \
             time); {} attempt(s) of its own failed",
            attempts - interruptions
        )
    });
    (interruptions, dead)
}

/// A path's two columns: its text for people (lossy) and its raw bytes (`*_raw`), as both
/// engines store it.
pub fn path_columns(p: Option<&std::path::Path>) -> (Option<String>, Option<Vec<u8>>) {
    (
        p.map(|p| p.to_string_lossy().into_owned()),
        p.map(crate::os_path::to_bytes),
    )
}

/// A JSON column's value: the stored text parsed, `None` when NULL or unreadable.
pub fn json_column(text: Option<String>) -> Option<Value> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}
