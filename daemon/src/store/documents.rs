//! Reading and writing `documents` rows.

use anyhow::{Context, Result};
use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;
use serde_json::Value;

use super::{now, Store};
use crate::queue::{event, Job, FENCE};

/// A document's processing status. Terminal: `classified`, `preview_required`, `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
        )
    }
}

/// One row of `documents`, JSON columns parsed.
#[derive(Debug, Clone, Serialize)]
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
}

pub(crate) const COLUMNS: &str = "id, original_path, file_name, sha256, size_bytes, source, status, attempts, created_at, \
    updated_at, started_at, finished_at, business_json, extracted_json, stage1_json, stage2_json, result_json, \
    warnings_json, metrics_json, model, error, duplicate_of, moved_to";

fn json_col(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<Value>> {
    let s: Option<String> = row.get(i)?;
    Ok(s.and_then(|s| serde_json::from_str(&s).ok()))
}

pub(crate) fn from_row(row: &Row<'_>) -> rusqlite::Result<Document> {
    let status: String = row.get(6)?;
    Ok(Document {
        id: row.get(0)?,
        original_path: row.get(1)?,
        file_name: row.get(2)?,
        sha256: row.get(3)?,
        size_bytes: row.get(4)?,
        source: row.get(5)?,
        status: Status::parse(&status).unwrap_or(Status::Failed),
        attempts: row.get(7)?,
        created_at: row.get(8)?,
        updated_at: row.get(9)?,
        started_at: row.get(10)?,
        finished_at: row.get(11)?,
        business: json_col(row, 12)?,
        extracted: json_col(row, 13)?,
        stage1: json_col(row, 14)?,
        stage2: json_col(row, 15)?,
        result: json_col(row, 16)?,
        warnings: json_col(row, 17)?,
        metrics: json_col(row, 18)?,
        model: row.get(19)?,
        error: row.get(20)?,
        duplicate_of: row.get(21)?,
        moved_to: row.get(22)?,
    })
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

fn opt_json(v: &Option<Value>) -> Option<String> {
    v.as_ref().map(|v| v.to_string())
}

impl Store {
    /// One document by id.
    pub fn document(&self, id: i64) -> Result<Option<Document>> {
        let c = self.lock();
        c.query_row(
            &format!("SELECT {COLUMNS} FROM documents WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()
        .context("reading a document")
    }

    /// Documents, newest first, optionally with one status.
    pub fn documents(
        &self,
        status: Option<Status>,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<Document>> {
        let c = self.lock();
        let mut stmt = c.prepare(&format!(
            "SELECT {COLUMNS} FROM documents WHERE (?1 IS NULL OR status = ?1) ORDER BY id DESC LIMIT ?2 OFFSET ?3"
        ))?;
        let rows = stmt.query_map(
            params![status.map(Status::as_str), limit as i64, offset as i64],
            from_row,
        )?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .context("listing documents")
    }

    /// Count of documents per status.
    pub fn counts(&self) -> Result<Vec<(String, i64)>> {
        let c = self.lock();
        let mut stmt =
            c.prepare("SELECT status, COUNT(*) FROM documents GROUP BY status ORDER BY status")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .context("counting documents")
    }

    /// Move a running document to the next in-flight status.
    /// Move `job`'s document to another in-flight status. `Ok(false)` when the lease was lost.
    pub fn set_status(&self, job: &Job, status: Status) -> Result<bool> {
        let n = self.lock().execute(
            &format!("UPDATE documents SET status = ?4, updated_at = ?5 WHERE {FENCE}"),
            params![job.doc.id, job.owner, job.token, status.as_str(), now()],
        )?;
        Ok(n == 1)
    }

    /// Finish `job` with a terminal `status` and its results, in one statement with its
    /// `completed` event. `Ok(false)` (nothing written) when the lease was lost.
    pub fn complete(&self, job: &Job, status: Status, o: &Outcome) -> Result<bool> {
        debug_assert!(status.is_terminal());
        let ts = now();
        let mut c = self.lock();
        let tx = c.transaction()?;
        let n = tx.execute(
            &format!(
                "UPDATE documents SET status = ?4, updated_at = ?5, finished_at = ?5, business_json = ?6,
                    extracted_json = ?7, stage1_json = ?8, stage2_json = ?9, result_json = ?10, warnings_json = ?11,
                    metrics_json = ?12, model = ?13, error = NULL, lease_owner = NULL, lease_expires_ms = NULL
                 WHERE {FENCE}"
            ),
            params![
                job.doc.id,
                job.owner,
                job.token,
                status.as_str(),
                ts,
                opt_json(&o.business),
                opt_json(&o.extracted),
                opt_json(&o.stage1),
                opt_json(&o.stage2),
                opt_json(&o.result),
                serde_json::to_string(&o.warnings)?,
                opt_json(&o.metrics),
                o.model,
            ],
        )?;
        if n == 1 {
            event(
                &tx,
                job.doc.id,
                "completed",
                Some(&job.owner),
                Some(status.as_str()),
            )?;
        }
        tx.commit()?;
        Ok(n == 1)
    }

    /// Finish `job` as `failed` (a permanent problem with the document) with the reason and
    /// whatever stages produced. `Ok(false)` when the lease was lost.
    pub fn fail(&self, job: &Job, reason: &str, partial: &Outcome) -> Result<bool> {
        let ts = now();
        let mut c = self.lock();
        let tx = c.transaction()?;
        let n = tx.execute(
            &format!(
                "UPDATE documents SET status = 'failed', updated_at = ?4, finished_at = ?4, error = ?5,
                    business_json = COALESCE(?6, business_json), extracted_json = COALESCE(?7, extracted_json),
                    stage1_json = COALESCE(?8, stage1_json), metrics_json = COALESCE(?9, metrics_json),
                    warnings_json = ?10, model = COALESCE(?11, model), lease_owner = NULL, lease_expires_ms = NULL
                 WHERE {FENCE}"
            ),
            params![
                job.doc.id,
                job.owner,
                job.token,
                ts,
                reason,
                opt_json(&partial.business),
                opt_json(&partial.extracted),
                opt_json(&partial.stage1),
                opt_json(&partial.metrics),
                serde_json::to_string(&partial.warnings)?,
                partial.model,
            ],
        )?;
        if n == 1 {
            event(
                &tx,
                job.doc.id,
                "completed",
                Some(&job.owner),
                Some("failed"),
            )?;
        }
        tx.commit()?;
        Ok(n == 1)
    }

    /// Record where the original of document `id` was moved.
    pub fn set_moved_to(&self, id: i64, to: &str) -> Result<()> {
        self.lock().execute(
            "UPDATE documents SET moved_to = ?2 WHERE id = ?1",
            params![id, to],
        )?;
        Ok(())
    }

    /// Documents per source and status: `(source, status, count)`.
    /// What the daemon is doing: terminal-success count since `since` (RFC 3339 UTC, as stored),
    /// the in-flight documents `(id, file name)`, and the newest finished document when it
    /// failed or went dead `(id, file name, error)` — a later success clears it.
    pub fn activity(&self, since: &str) -> Result<Activity> {
        let c = self.lock();
        let done_since: i64 = c.query_row(
            "SELECT COUNT(*) FROM documents WHERE status IN ('classified', 'preview_required') AND finished_at >= ?1",
            params![since],
            |r| r.get(0),
        )?;
        let mut stmt = c.prepare(
            "SELECT id, file_name FROM documents WHERE status IN ('extracting', 'classifying', 'mapping') ORDER BY id",
        )?;
        let current = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let last: Option<(i64, String, String, Option<String>)> = c
            .query_row(
                "SELECT id, file_name, status, error FROM documents
                 WHERE status IN ('classified', 'preview_required', 'failed', 'dead') AND finished_at IS NOT NULL
                 ORDER BY finished_at DESC, id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let last_error = last
            .filter(|(_, _, status, _)| status == "failed" || status == "dead")
            .map(|(id, file, _, error)| (id, file, error.unwrap_or_default()));
        Ok(Activity {
            done_since,
            current,
            last_error,
        })
    }

    pub fn counts_by_source(&self) -> Result<Vec<(String, String, i64)>> {
        let c = self.lock();
        let mut stmt = c.prepare(
            "SELECT source, status, COUNT(*) FROM documents GROUP BY source, status ORDER BY source, status",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .context("counting documents")
    }
}

/// See [`Store::activity`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub done_since: i64,
    pub current: Vec<(i64, String)>,
    pub last_error: Option<(i64, String, String)>,
}
