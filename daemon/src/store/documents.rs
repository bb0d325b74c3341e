//! Reading and writing `documents` rows.

use anyhow::{Context, Result};
use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;
use serde_json::Value;

use super::{now, Store};

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
            _ => return None,
        })
    }

    /// True for statuses a document does not leave by itself.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Status::Classified | Status::PreviewRequired | Status::Failed
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
}

pub(crate) const COLUMNS: &str = "id, original_path, file_name, sha256, size_bytes, source, status, attempts, created_at, \
    updated_at, started_at, finished_at, business_json, extracted_json, stage1_json, stage2_json, result_json, \
    warnings_json, metrics_json, model, error";

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
    pub fn set_status(&self, id: i64, status: Status) -> Result<()> {
        self.lock().execute(
            "UPDATE documents SET status = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, status.as_str(), now()],
        )?;
        Ok(())
    }

    /// Store the outcome and the terminal status in one transaction.
    pub fn complete(&self, id: i64, status: Status, o: &Outcome) -> Result<()> {
        debug_assert!(status.is_terminal());
        let ts = now();
        self.lock().execute(
            "UPDATE documents SET status = ?2, updated_at = ?3, finished_at = ?3, business_json = ?4,
                extracted_json = ?5, stage1_json = ?6, stage2_json = ?7, result_json = ?8, warnings_json = ?9,
                metrics_json = ?10, model = ?11, error = NULL WHERE id = ?1",
            params![
                id,
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
        Ok(())
    }

    /// Mark a document failed with a reason for people; partial outputs are kept for diagnosis.
    pub fn fail(&self, id: i64, reason: &str, partial: &Outcome) -> Result<()> {
        let ts = now();
        self.lock().execute(
            "UPDATE documents SET status = 'failed', updated_at = ?2, finished_at = ?2, error = ?3,
                business_json = COALESCE(?4, business_json), extracted_json = COALESCE(?5, extracted_json),
                stage1_json = COALESCE(?6, stage1_json), metrics_json = COALESCE(?7, metrics_json),
                warnings_json = ?8, model = COALESCE(?9, model) WHERE id = ?1",
            params![
                id,
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
        Ok(())
    }
}
